"""The GEH statistic: how far a modelled hourly flow is from a count.

``GEH = sqrt(2 (M - C)^2 / (M + C))`` for a modelled hourly flow *M* and a counted *C*
(Geoffrey E. Havers, 1970s). The UK Design Manual for Roads and Bridges (TAG unit M3.1,
Table 2) asks for GEH < 5 on more than 85 % of the counts of a calibrated model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GEH_GOOD", "SHARE_REQUIRED", "geh", "share_good"]

#: A count is matched when its GEH is below this.
GEH_GOOD = 5.0
#: Share of counts that must be matched (DMRB / TAG M3.1).
SHARE_REQUIRED = 0.85


def geh(modelled: np.ndarray | float, counted: np.ndarray | float) -> np.ndarray:
    """GEH of modelled against counted hourly flows (vehicles/h); 0 where both are 0."""
    m = np.asarray(modelled, dtype=float)
    c = np.asarray(counted, dtype=float)
    total = m + c
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, np.sqrt(2.0 * (m - c) ** 2 / safe), 0.0)


def share_good(values: np.ndarray) -> float | None:
    """Share of GEH values below ``GEH_GOOD`` (None without counts)."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values < GEH_GOOD)) if values.size else None
