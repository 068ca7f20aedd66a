"""The explorer's controls, each tied to a scenario key and shown only if that key exists.

A control names the dotted scenario path it sets. The path is looked up in the
scenario schema, so a control for a section that has not landed yet (privacy,
security) is simply left out and appears once the schema has the key. Choices
for a choice field come from the schema itself.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from twin.scenario import Scenario


@dataclass(frozen=True)
class Control:
    """One control of the explorer.

    Attributes:
        name: keyword of :class:`twin.app.adapter.ExplorerModel` it feeds.
        path: dotted scenario key it overrides, e.g. ``services.preemption``.
        label: short label shown on the control.
        help: what the policy does and what it costs, one or two sentences.
        widget: ``Select``, ``Checkbox``, ``SliderInt`` or ``SliderFloat``.
        low, high, step: slider range (sliders only).
    """

    name: str
    path: str
    label: str
    help: str
    widget: str = "Select"
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0


CONTROLS = (
    Control(
        "crossing_assist",
        "services.crossing_assist",
        "Crossing assist",
        "Gives slow pedestrians a longer WALK when it detects them. A push button or opt-in "
        "app only helps those who use it; a camera sees everyone, faces included; radar "
        "sees motion without identity.",
    ),
    Control(
        "preemption",
        "services.preemption",
        "Ambulance preemption",
        "Turns signals green ahead of an ambulance with lights. Faster responses; cross "
        "traffic and pedestrians wait longer, and the signal network becomes a target.",
        widget="Checkbox",
    ),
    Control(
        "heating",
        "services.sidewalk_heating.activation",
        "Sidewalk heating",
        "When heated sidewalks melt snow. Always on wastes energy; sensors and schedules "
        "save it; an occupancy camera saves most but films everyone who walks by.",
    ),
    Control(
        "consent_rate",
        "policy.consent.opt_in_rate",
        "Consent (opt-in rate)",
        "Share of residents who opt in to the app. More opt-ins help more people at the "
        "crossing, and put more people's movements in the app's records.",
        widget="SliderFloat",
        step=0.05,
    ),
    Control(
        "integration",
        "policy.integration",
        "Data integration",
        "Which systems share their records. Joint records serve more purposes and let "
        "anyone who reads them follow a person across services.",
    ),
    Control(
        "retention_days",
        "policy.retention_days",
        "Retention (days)",
        "How long records are kept. Longer retention helps audits and planning, and "
        "leaves more history to leak.",
        widget="SliderInt",
        high=365,
    ),
    Control(
        "anonymisation",
        "policy.anonymisation",
        "Anonymisation",
        "How records are stripped of identity. Stronger anonymisation lowers exposure and "
        "makes the data less useful for follow-up.",
    ),
    Control(
        "size",
        "city.rows",
        "District size (blocks per side)",
        "Intersections north-south and west-east. A larger district runs slower in the browser.",
        widget="SliderInt",
        low=2,
        high=8,
    ),
    Control(
        "demand",
        "demand.vehicles_per_hour",
        "Demand (x baseline)",
        "Scales vehicle and pedestrian trip rates. Near capacity, queues and delays grow "
        "fast; every smart service is tested hardest here.",
        widget="SliderFloat",
        low=0.25,
        high=2.0,
        step=0.25,
    ),
)


def schema_field(path: str, model: type[BaseModel] = Scenario) -> Any | None:
    """The pydantic field at dotted ``path`` of the scenario schema, or None if absent."""
    head, _, rest = path.partition(".")
    field = model.model_fields.get(head)
    if field is None:
        return None
    if not rest:
        return field
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return schema_field(rest, annotation)
    return None


def schema_has(path: str) -> bool:
    """Whether the scenario schema has the dotted key ``path``."""
    return schema_field(path) is not None


def choices(path: str) -> list[str]:
    """The allowed values of a choice field (a ``Literal``), from the schema."""
    field = schema_field(path)
    if field is None:
        return []
    return [str(value) for value in typing.get_args(field.annotation)]


def available_controls() -> list[Control]:
    """The controls whose scenario key exists in this version of the schema."""
    return [control for control in CONTROLS if schema_has(control.path)]


def get_path(scenario: BaseModel, path: str) -> Any:
    """The value at dotted ``path`` of a scenario."""
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def security_available() -> bool:
    """Whether attacks can be launched (the scenario schema has a ``security`` section)."""
    return schema_has("security")
