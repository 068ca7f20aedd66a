"""Oversaturation, spillback and gridlock: the congestion section and its warnings.

Read off the approaches after a run. An approach is *oversaturated* when its
queue outlasted at least half of its greens after the warm-up (a "cycle
failure": vehicles that arrived in time were left for the next green); it is
*blocked* when its head vehicle had to wait for room on a full downstream
link. Gridlock is a ring of blocked approaches none of whose links can ever
empty again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.durations import format_duration

if TYPE_CHECKING:
    from agents.approach import Approach
    from twin.district.streets import StreetNetwork

#: Share of an approach's greens its queue must outlast to count as oversaturated.
OVERSATURATED_SHARE = 0.5
#: Fewest greens after the warm-up before an approach is judged at all.
MIN_GREENS = 3
#: Places named in one warning line.
LISTED = 5


def _where(streets: StreetNetwork, approach: Approach) -> str:
    """``(2, 3) from (2, 2)``: the intersection and the one the approach comes from."""
    label = streets.graph.label
    return f"{label[approach.node]} from {label[streets.graph.links[approach.link][0]]}"


def _listing(streets: StreetNetwork, approaches: list[Approach]) -> str:
    shown = ", ".join(_where(streets, a) for a in approaches[:LISTED])
    more = len(approaches) - LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def congestion(streets: StreetNetwork, end_s: float) -> tuple[dict[str, object], list[str]]:
    """(the ``congestion`` metrics, warnings in plain words) of a finished run."""
    approaches = [a for i in streets.intersections for a in i.approaches]
    judged = [a for a in approaches if a.greens >= MIN_GREENS]
    failing = sorted(
        (a for a in judged if a.failed_greens >= OVERSATURATED_SHARE * a.greens),
        key=lambda a: -a.failed_greens / a.greens,
    )
    blocked_s = {}
    for a in approaches:
        time_s = a.blocked_time(end_s)
        if a.blocks or time_s > 0:
            blocked_s[a] = time_s
    blocked = sorted(blocked_s, key=lambda a: -blocked_s[a])
    gridlocks = streets.spillback.gridlocks
    first = gridlocks[0] if gridlocks else None
    ring_places = [streets.graph.label[n] for n in first[1]] if first else []
    metrics: dict[str, object] = {
        "link_storage_vehicles": streets.link_storage
        if streets.link_storage != float("inf")
        else None,
        "approaches": len(approaches),
        "approaches_oversaturated": len(failing),
        "approaches_blocked": len(blocked),
        "approach_blocked_h": sum(blocked_s.values()) / 3600.0,
        "gridlocks": len(gridlocks),
        "gridlock_first_s": first[0] if first else None,
        "gridlock_first_nodes": list(first[1]) if first else None,
    }
    warnings = []
    if failing:
        warnings.append(
            f"{len(failing)} of {len(approaches)} approaches are oversaturated (their queue "
            f"outlasted at least half their greens after the warm-up): {_listing(streets, failing)}"
        )
    if blocked:
        warnings.append(
            f"spillback: {len(blocked)} approaches were blocked by a full downstream link "
            f"for {metrics['approach_blocked_h']:.1f} approach-hours in all; longest: "
            f"{_listing(streets, blocked)}"
        )
    if first:
        ring = " -> ".join(ring_places[:12])
        ring += " -> ..." if len(ring_places) > 12 else ""
        warnings.append(
            f"gridlock at {format_duration(first[0])} into the run: intersections {ring} wait "
            f"on one another in a ring of full links and cannot move again"
            + (f" ({len(gridlocks)} rings in all)" if len(gridlocks) > 1 else "")
        )
    return metrics, warnings
