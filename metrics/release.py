"""Published counts (open data): small-cell suppression and differential privacy.

A *cell* is (system, place, interval); its true count is the observations the system
made there then. The release publishes every cell of the grid (empty ones too, so
which cells are empty is not itself disclosed), with optional noise and suppression:

- **differential privacy**: each count gets noise of scale 1/epsilon, two-sided
  geometric (integer; Ghosh, Roughgarden & Sundararajan 2009) or Laplace (continuous,
  then rounded; Dwork et al. 2006). One observation changes one count by 1, so each
  cell is epsilon-DP *per observation*; a person observed k times is protected at
  k x epsilon (sequential composition).
- **small-cell suppression**: a cell whose count (the noisy one, with noise) is below
  ``min_cell_size`` is never published.

Published counts are rounded and never negative (post-processing, which keeps the
guarantee). Pure numpy on plain columns, drawn from the run's own stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Release", "noise", "publish", "release_cells", "release_metrics"]


def noise(n: int, epsilon: float, mechanism: str, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of the mechanism's noise at ``epsilon`` (sensitivity 1)."""
    if mechanism == "laplace":
        return rng.laplace(0.0, 1.0 / epsilon, n)
    if mechanism == "geometric":
        p = 1.0 - np.exp(-epsilon)  # P(k) proportional to exp(-epsilon |k|)
        return (rng.geometric(p, n) - rng.geometric(p, n)).astype(float)
    raise ValueError(f"mechanism must be laplace or geometric, not {mechanism!r}")


@dataclass(frozen=True)
class Release:
    """What a release publishes: per cell the true count, the published one, and whether
    it was suppressed (published counts of suppressed cells are 0 and never shown)."""

    true: np.ndarray
    published: np.ndarray
    suppressed: np.ndarray


def release_cells(
    time_s: np.ndarray,
    place: np.ndarray,
    system: np.ndarray,
    interval_s: float,
    end_s: float,
    n_places: int,
    n_systems: int,
) -> tuple[np.ndarray, np.ndarray]:
    """True count of every cell (system x place x interval over [0, end)), flattened,
    and each observation's cell."""
    intervals = max(1, int(np.ceil(end_s / interval_s - 1e-9)))
    when = np.clip(np.floor(np.asarray(time_s, float) / interval_s).astype(np.int64), 0,
                   intervals - 1)  # fmt: skip
    cell = (np.asarray(system, np.int64) * n_places + np.asarray(place, np.int64)) * intervals
    cell += when
    return np.bincount(cell, minlength=n_systems * n_places * intervals), cell


def publish(
    true: np.ndarray,
    min_cell_size: int,
    epsilon: float | None,
    mechanism: str,
    rng: np.random.Generator,
) -> Release:
    """Noise (with ``epsilon``), then suppression below ``min_cell_size``, then rounding."""
    raw = np.asarray(true, dtype=float)
    if epsilon is not None:
        raw = raw + noise(len(raw), epsilon, mechanism, rng)
    suppressed = raw < min_cell_size
    published = np.where(suppressed, 0.0, np.clip(np.round(raw), 0.0, None))
    return Release(np.asarray(true), published, suppressed)


def release_metrics(
    observed: dict[str, np.ndarray],
    interval_s: float,
    min_cell_size: int,
    epsilon: float | None,
    mechanism: str,
    rng: np.random.Generator,
    end_s: float,
    n_places: int,
    n_systems: int,
    n_residents: int,
) -> dict[str, Any]:
    """The ``release_*`` metrics of the run's observations (times from 0)."""
    during = np.asarray(observed["time_s"], float) >= 0.0
    table = {k: np.asarray(v)[during] for k, v in observed.items()}
    true, cell = release_cells(
        table["time_s"], table["place"], table["system"], interval_s, end_s, n_places, n_systems
    )
    release = publish(true, min_cell_size, epsilon, mechanism, rng)
    shown = ~release.suppressed
    # a published count of 1 that is true: one person, seen there then
    alone = shown & (true == 1) & (release.published == 1)
    person = np.asarray(table["person"], np.int64)
    resident = (person >= 0) & (person < n_residents) & alone[cell]
    used = true > 0
    return {
        "release_cells": len(true),
        "release_cells_suppressed": int(release.suppressed.sum()),
        "release_cells_of_one": int(alone.sum()),
        "release_cells_of_one_share": float(alone.sum() / (shown & used).sum())
        if (shown & used).any()
        else None,
        "release_persons_singled_out": len(np.unique(person[resident])),
        "release_mean_abs_error": float(np.abs(release.published - true).mean())
        if len(true)
        else None,
    }
