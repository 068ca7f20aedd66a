"""Time series: sampled state of the district plus per-interval outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from metrics.efficiency import Table


def _binned_mean(times: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    index = np.digitize(times, edges) - 1
    valid = (index >= 0) & (index < len(edges) - 1)
    total = np.bincount(index[valid], weights=values[valid], minlength=len(edges) - 1)
    count = np.bincount(index[valid], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _binned_count(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.histogram(times, bins=edges)[0].astype(float)


def time_series(
    samples: Mapping[str, Sequence[float]],
    vehicle_trips: Table,
    crossings: Table,
    bin_s: float,
    warmup_s: float,
) -> dict[str, np.ndarray]:
    """One row per sample time ``t``: the state at ``t`` and the outcomes in ``[t, t+bin_s)``.

    Interval outcomes: vehicle trips completed and their mean delay (by end
    time), crossings started, their mean curb wait and how many were stranded.
    """
    times = np.asarray(samples["time_s"], dtype=float)
    edges = np.append(times, times[-1] + bin_s) if times.size else np.array([0.0])
    delay = vehicle_trips["end_s"] - vehicle_trips["start_s"] - vehicle_trips["freeflow_s"]
    wait = crossings["start_s"] - crossings["arrive_s"]
    series = {name: np.asarray(values, dtype=float) for name, values in samples.items()}
    series["in_warmup"] = (times < warmup_s).astype(float)
    series["vehicle_trips_completed"] = _binned_count(vehicle_trips["end_s"], edges)
    series["vehicle_delay_s_mean"] = _binned_mean(vehicle_trips["end_s"], delay, edges)
    series["crossings_started"] = _binned_count(crossings["start_s"], edges)
    series["pedestrian_signal_wait_s_mean"] = _binned_mean(crossings["start_s"], wait, edges)
    stranded = crossings["start_s"][crossings["stranded"] == 1]
    series["stranded_crossings"] = _binned_count(stranded, edges)
    return series
