"""The ``counts`` section: vehicles counted on links, hour by hour, for ``twin calibrate``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from twin.scenario.base import Section

if TYPE_CHECKING:
    from twin.scenario.schema import Scenario

__all__ = ["Count", "count_problems", "hour_problems"]


class Count(Section):
    """Vehicles counted on one link in one clock hour."""

    link: tuple[str | int, str | int] = Field(
        description="[from, to]: the link's two nodes by label ('(0, 1)' or 'edge 3' on a "
        "grid, OpenStreetMap node ids on a map); an approach count of intersection B from "
        "A is the link [A, B] (labels).",
    )
    hour: int = Field(ge=0, le=23, description="Clock hour the count starts (hour 0-23).")
    vehicles: float = Field(ge=0, description="Vehicles counted in that hour (vehicles/h).")


def count_problems(
    scenario: Scenario, labels: list[str], links: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(field path, message) for counts on links the district lacks."""
    problems = []
    known = set(labels)
    for i, count in enumerate(scenario.counts):
        path = f"counts[{i}].link"
        start, end = (str(node) for node in count.link)
        missing = [node for node in (start, end) if node not in known]
        if missing:
            message = f"{', '.join(map(repr, missing))} is not a node of the district"
            problems.append((path, message))
        elif (start, end) not in links:
            problems.append((path, f"no street leads from {start} to {end}"))
    return problems


def hour_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """(field path, message) for counts in hours the run does not simulate whole, after
    its warmup (checked when calibrating: a scenario with counts may run shorter)."""
    demand = scenario.demand
    first = demand.start_hour + scenario.warmup / 3600.0
    last = demand.start_hour + scenario.duration / 3600.0
    problems = []
    for i, count in enumerate(scenario.counts):
        hour = count.hour if count.hour >= demand.start_hour else count.hour + 24
        if not (first <= hour and hour + 1 <= last):
            message = (
                f"{count.hour} is not a whole hour of the run after its warmup "
                f"(clock time {first:g} h to {last:g} h); lengthen duration"
            )
            problems.append((f"counts[{i}].hour", message))
    return problems
