"""The explorer's costs panel: what the run so far has cost (vehicle delay, stranded
crossings, conflicts, residents exposed, components out of order), against the run
before it at the same simulated time, so a policy change or an attack shows at once.

Values are the model's frames (its DataCollector reporters, read each frame); names,
units and which way is better come from the one catalogue of metric labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metrics.labels import MetricLabel
from twin.app.controls import available_controls, scenario_value
from twin.results.labels import metric_label

if TYPE_CHECKING:
    from twin.app.adapter import ExplorerModel

__all__ = ["COSTS", "CostRow", "RunHistory", "changes", "cost_rows"]

#: (frame key, catalogue key) of each cost, in the panel's order.
COSTS = (
    ("vehicle_delay_s_mean_so_far", "efficiency.vehicle_delay_s_mean"),
    ("stranded_crossings_so_far", "efficiency.stranded_crossings"),
    ("vehicle_pedestrian_conflicts_so_far", "efficiency.vehicle_pedestrian_conflicts"),
    ("privacy_people_in_records", "privacy.persons_exposed"),
    ("components_down", "security.components_down"),
)


@dataclass(frozen=True)
class CostRow:
    """One line of the panel."""

    key: str
    label: MetricLabel
    now: float | None
    before: float | None

    @property
    def change(self) -> str:
        """``+12.3`` against the run before (shares in percentage points), or ``""``."""
        if self.now is None or self.before is None:
            return ""
        shown = self.label.number(self.now - self.before)
        if shown.strip("0.,-") == "":
            return "same"
        return shown if shown.startswith("-") else f"+{shown}"

    @property
    def worse(self) -> bool | None:
        """Whether the change is for the worse (None when there is none to judge)."""
        if self.change in ("", "same") or not self.label.better:
            return None
        assert self.now is not None and self.before is not None
        higher = self.now > self.before
        return higher if self.label.better == "lower" else not higher


class RunHistory:
    """The runs of one browser session: the model on the page and the one before it
    (Reset builds a new model; its costs are shown against the last one's)."""

    def __init__(self) -> None:
        self.current: ExplorerModel | None = None
        self.previous: dict[str, list[float]] | None = None
        self.previous_settings: dict[str, object] = {}

    def see(self, model: ExplorerModel) -> None:
        """Note the model the page shows; a new one makes the shown one the run before."""
        if model is self.current:
            return
        if self.current is not None:
            self.previous = {key: list(values) for key, values in self.current.frames.items()}
            self.previous_settings = run_values(self.current)
        self.current = model


def cost_rows(model: ExplorerModel, history: RunHistory | None = None) -> list[CostRow]:
    """Each cost now, and in the run before at the same simulated time (when it got
    that far)."""
    frame = len(model.frames["time_s"]) - 1
    before = history.previous if history is not None else None
    rows = []
    for key, metric in COSTS:
        now = _value(model.frames.get(key), frame)
        then = _value(before.get(key), frame) if before is not None else None
        rows.append(CostRow(key, metric_label(metric), now, then))
    return rows


def changes(model: ExplorerModel, history: RunHistory) -> list[str]:
    """What differs from the run before: ``Crossing assist: none -> radar`` (the seed
    too)."""
    if history.previous is None:
        return []
    before, now = history.previous_settings, run_values(model)
    return [
        f"{name}: {before.get(name)} -> {now.get(name)}"
        for name in dict.fromkeys([*before, *now])
        if before.get(name) != now.get(name)
    ]


def run_values(model: ExplorerModel) -> dict[str, object]:
    """Each control's value in ``model``'s district (the demand as vehicles per hour),
    and its seed, by label."""
    values: dict[str, object] = {}
    for control in available_controls():
        if control.name == "size":
            values[control.label] = model.spec.city.rows
        elif control.name == "demand":
            values["Vehicles per hour"] = f"{model.spec.demand.vehicles_per_hour:g}"
        else:
            values[control.label] = scenario_value(model.spec, control)
    values["Seed"] = model.spec.seed
    return values


def _value(values: list[float] | None, index: int) -> float | None:
    if not values or index >= len(values):
        return None
    value = values[index]
    return None if math.isnan(value) else value
