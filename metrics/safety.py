"""Vehicle-pedestrian conflicts: a vehicle crossing a crosswalk someone is on."""

from __future__ import annotations

import numpy as np

from metrics.efficiency import Table

#: Times are below this (s), so (crosswalk, time) pairs sort as one float key.
_SPAN = 1e7


def _on_crossing(
    crossings: Table, keep: np.ndarray, crosswalk: np.ndarray, time_s: np.ndarray
) -> np.ndarray:
    """How many of the kept crossings were under way on ``crosswalk`` at ``time_s``."""
    key = crossings["node"][keep] * 4 + crossings["crosswalk"][keep]
    starts = np.sort(key * _SPAN + crossings["start_s"][keep])
    ends = np.sort(key * _SPAN + crossings["end_s"][keep])
    query = crosswalk * _SPAN + time_s
    return np.searchsorted(starts, query, "right") - np.searchsorted(ends, query, "right")


def vehicle_pedestrian_conflicts(
    passages: Table,
    crossings: Table,
    warmup_s: float,
    alert_compliance: float = 0.0,
    uniforms: np.ndarray | None = None,
) -> tuple[int, int]:
    """(conflicts, conflicts avoided by driver alerts) after the warm-up.

    A conflict is a vehicle leaving a stop line while a pedestrian is on the
    crosswalk it drives over (the one on its approach leg or on the leg it
    leaves by). With driver alerts, a driver warned that a *detected*
    pedestrian is on it yields with probability ``alert_compliance`` (decided
    by ``uniforms``, one number in [0, 1) per passage), and the conflict is
    avoided.
    """
    if len(passages["time_s"]) == 0 or len(crossings["start_s"]) == 0:
        return 0, 0
    if float(max(passages["time_s"].max(), crossings["end_s"].max())) >= _SPAN:
        raise ValueError("conflict counting supports runs shorter than 1e7 s (115 days)")
    node = passages["node"]
    time_s = passages["time_s"]
    every = np.ones(len(crossings["start_s"]), dtype=bool)
    detected = crossings["detected"] == 1
    near = node * 4 + passages["from_leg"]
    far_leg = passages["to_leg"]
    far = np.where(far_leg >= 0, node * 4 + far_leg, -1.0)
    occupied = (_on_crossing(crossings, every, near, time_s) > 0) | (
        (far >= 0) & (_on_crossing(crossings, every, far, time_s) > 0)
    )
    warned = (_on_crossing(crossings, detected, near, time_s) > 0) | (
        (far >= 0) & (_on_crossing(crossings, detected, far, time_s) > 0)
    )
    counted = time_s >= warmup_s
    if uniforms is None or alert_compliance <= 0:
        yielded = np.zeros_like(counted)
    else:
        yielded = warned & (uniforms < alert_compliance)
    conflicts = occupied & ~yielded & counted
    avoided = occupied & yielded & counted
    return int(conflicts.sum()), int(avoided.sum())
