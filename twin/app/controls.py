"""The explorer's controls, each tied to a scenario key.

A control names the dotted scenario path it sets; choices for a choice field come
from the schema itself. The district's and the data policy's controls are here;
each service declares its own (``Service.controls``).
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from twin.durations import format_duration
from twin.scenario import Scenario
from twin.services.base import Control

#: Retention periods offered (any other value in the file is offered too).
RETENTION_OPTIONS = ("0s", "1d", "7d", "31d", "365d", "forever")
RETENTION_HELP = {
    "direct": "Faces and number plates (cameras). Kept longer, they help investigations "
    "and let anyone with access follow a named person back through weeks of movements.",
    "persistent": "App accounts and device addresses. Kept longer, they show each "
    "person's habits; 0s means process at the crossing and drop.",
    "pseudonymous": "Rotating pseudonyms. Safer than names while the rotation holds; long "
    "retention still lets patterns single people out.",
    "aggregate": "Counts with no identifier. Cheap in privacy and useful for planning; "
    "small counts at quiet places can still point at someone.",
}

#: The district's and the policy's controls; each service adds its own (``Service.controls``).
CORE_CONTROLS = (
    Control(
        "consent_rate",
        "policy.consent.opt_in_rate",
        "Consent (opt-in rate)",
        "Share of residents who opt in to app-based services. More opt-ins help more slow "
        "pedestrians at the crossing, and put more people's movements in the app's records.",
        widget="SliderFloat",
        step=0.05,
    ),
    Control(
        "integration",
        "policy.integration",
        "Data integration",
        "How the city's systems share records: siloed (each its own store), federated (joins "
        "only along declared links) or integrated (one platform). Joining serves more "
        "purposes, and lets whoever reads it follow a person across services.",
    ),
    *(
        Control(
            f"retention_{cls}",
            f"policy.retention.{cls}",
            f"Retention: {cls}",
            text,
            options=RETENTION_OPTIONS,
        )
        for cls, text in RETENTION_HELP.items()
    ),
    Control(
        "anonymisation",
        "policy.anonymisation",
        "Anonymisation",
        "What the stores keep: raw identifiers, rotating pseudonyms, or only counts per place "
        "and hour. Stronger anonymisation lowers exposure and rules out follow-up of a "
        "person (and fixing their record).",
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


def control_choices(control: Control, current: Any = None) -> list[str]:
    """A Select's choices: its own options or the schema's, plus ``current`` if missing."""
    values = list(control.options) or choices(control.path)
    if current is not None and str(current) not in values:
        values.append(str(current))
    return values


def all_controls() -> list[Control]:
    """Every control: the services' (in the registry's order), then the core ones."""
    from twin.services import registered

    return [*(c for service in registered() for c in service.controls), *CORE_CONTROLS]


def available_controls() -> list[Control]:
    """The controls whose scenario key exists in the schema (a plug-in service's section
    included once it is registered)."""
    return [control for control in all_controls() if schema_has(control.path)]


def get_path(scenario: BaseModel, path: str) -> Any:
    """The value at dotted ``path`` of a scenario."""
    value: Any = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def scenario_value(scenario: BaseModel, control: Control) -> Any:
    """The control's value in ``scenario``, as the control shows it (a retention period
    as a duration such as ``31d``)."""
    value = get_path(scenario, control.path)
    if control.options and isinstance(value, float):
        return format_duration(value)
    return value
