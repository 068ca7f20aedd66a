"""Vehicle-pedestrian conflicts: a vehicle crossing a crosswalk someone is on."""

from __future__ import annotations

import numpy as np

from metrics.efficiency import Table

#: Times are below this (s), so (crosswalk, time) pairs sort as one float key.
_SPAN = 1e7


def _legs(passages: Table, crossings: Table) -> int:
    """Leg slots per node in a crosswalk key: any intersection's legs, however many."""
    highest = [
        table[column].max(initial=0)
        for table, column in (
            (passages, "from_leg"),
            (passages, "to_leg"),
            (crossings, "crosswalk"),
        )
    ]
    return int(max(highest)) + 1


def _crosswalks(passages: Table, legs: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of the crosswalks each passage drives over: its approach leg's and the leg
    it leaves by (-1: it leaves the district at the stop line)."""
    node = passages["node"]
    near = node * legs + passages["from_leg"]
    far = np.where(passages["to_leg"] >= 0, node * legs + passages["to_leg"], -1.0)
    return near, far


def _occupied(
    crossings: Table,
    keep: np.ndarray,
    crosswalks: tuple[np.ndarray, ...],
    time_s: np.ndarray,
    legs: int,
) -> np.ndarray:
    """For each passage, whether a kept crossing was under way on any of its crosswalks
    (crosswalk key ``legs * node + leg``; negative keys are ignored) at ``time_s``."""
    key = crossings["node"][keep] * legs + crossings["crosswalk"][keep]
    starts = np.sort(key * _SPAN + crossings["start_s"][keep])
    ends = np.sort(key * _SPAN + crossings["end_s"][keep])
    occupied = np.zeros(len(time_s), dtype=bool)
    for crosswalk in crosswalks:
        query = crosswalk * _SPAN + time_s
        # searched in sorted order (a few times faster on millions of passages: the
        # searches stay in cache), then put back in passage order
        order = np.argsort(query)
        ordered = query[order]
        under_way = np.empty(len(query), dtype=np.intp)
        under_way[order] = np.searchsorted(starts, ordered, "right") - np.searchsorted(
            ends, ordered, "right"
        )
        occupied |= (crosswalk >= 0) & (under_way > 0)
    return occupied


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
    time_s = passages["time_s"]
    legs = _legs(passages, crossings)
    walked = _crosswalks(passages, legs)
    everyone = np.ones(len(crossings["start_s"]), dtype=bool)
    occupied = _occupied(crossings, everyone, walked, time_s, legs)
    counted = time_s >= warmup_s
    if uniforms is None or alert_compliance <= 0:
        yielded = np.zeros_like(counted)
    else:
        warned = _occupied(crossings, crossings["detected"] == 1, walked, time_s, legs)
        yielded = warned & (uniforms < alert_compliance)
    conflicts = occupied & ~yielded & counted
    avoided = occupied & yielded & counted
    return int(conflicts.sum()), int(avoided.sum())


def _phase_rows(phases: Table) -> tuple[np.ndarray, np.ndarray]:
    """Signal phases sorted by (node, onset) as one key, and their preempted flags."""
    key = phases["node"] * _SPAN + phases["onset_s"]
    order = np.argsort(key, kind="stable")
    return key[order], phases["preempted"][order] == 1


def preemption_pedestrian_metrics(
    crossings: Table, phases: Table, passages: Table, warmup_s: float
) -> dict[str, int]:
    """The pedestrian side of emergency preemption, after the warm-up.

    ``stranded_crossings_at_preemption``: stranded crossings whose conflicting
    green was a preempted one (the first green onset at their intersection
    after they stepped off the curb). ``conflicts_at_preempted_onsets``:
    vehicle-pedestrian conflicts (see :func:`vehicle_pedestrian_conflicts`,
    without alerts) by vehicles leaving during a preempted green.
    """
    result = {"stranded_crossings_at_preemption": 0, "conflicts_at_preempted_onsets": 0}
    if len(phases["onset_s"]) == 0 or not (phases["preempted"] == 1).any():
        return result
    key, preempted = _phase_rows(phases)
    stranded = (crossings["stranded"] == 1) & (crossings["arrive_s"] >= warmup_s)
    if stranded.any():
        query = crossings["node"][stranded] * _SPAN + crossings["start_s"][stranded]
        following = np.searchsorted(key, query, "right")
        node_of = np.floor(key / _SPAN)
        inside = following < len(key)
        index = np.minimum(following, len(key) - 1)
        same_node = node_of[index] == crossings["node"][stranded]
        hit = inside & same_node & preempted[index]
        result["stranded_crossings_at_preemption"] = int(hit.sum())
    if len(passages["time_s"]) and len(crossings["start_s"]):
        node, time_s = passages["node"], passages["time_s"]
        legs = _legs(passages, crossings)
        everyone = np.ones(len(crossings["start_s"]), dtype=bool)
        walked = _crosswalks(passages, legs)
        conflict = _occupied(crossings, everyone, walked, time_s, legs) & (time_s >= warmup_s)
        current = np.searchsorted(key, node * _SPAN + time_s, "right") - 1
        valid = current >= 0
        index = np.maximum(current, 0)
        during = valid & (np.floor(key[index] / _SPAN) == node) & preempted[index]
        result["conflicts_at_preempted_onsets"] = int((conflict & during).sum())
    return result
