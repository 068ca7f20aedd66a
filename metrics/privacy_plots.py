"""Plot of privacy exposure over time: residents with a record held, in total and per system.

Imported only when writing results, so the model runs without matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter

from metrics.plots import hh_mm, save_png, subplots

#: Prefix of the per-system exposure columns of the time series.
PER_SYSTEM = "persons_exposed_"


def plot_exposure_over_time(
    series: Mapping[str, np.ndarray],
    path: Path,
    start_hour: float,
    n_residents: int,
    title: str,
) -> None:
    """Residents with at least one identifiable record held, at each sample time."""
    hours = start_hour + np.asarray(series["time_s"], dtype=float) / 3600.0
    fig, ax = subplots(1, 1, figsize=(9, 4.5))
    ax.plot(hours, series["persons_exposed"], color="black", lw=2, label="any system")
    for name, values in series.items():
        if name.startswith(PER_SYSTEM):
            ax.plot(hours, values, lw=1.2, label=name.removeprefix(PER_SYSTEM))
    if n_residents:
        ax.axhline(n_residents, color="0.6", ls=":", lw=1, label="all residents")
    ax.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    ax.set_xlabel("clock time (HH:MM; +1d: the next day)")
    ax.set_ylabel("residents exposed")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_png(fig, path, dpi=110)
