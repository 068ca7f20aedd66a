"""The scenario schema: one frozen pydantic model per section, units in every field name.

A new top-level section is a new ``Section`` subclass plus one field on ``Scenario`` with
a default, so older scenario files stay valid. The service, emergency, weather and policy
sections live in ``twin.scenario.services``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from twin.durations import format_duration
from twin.scenario.base import (
    _NAME,
    PHASE_NAMES,
    Duration,
    NonNegativeDuration,
    PositiveDuration,
    Section,
    _value_error,
    show_value,
)
from twin.scenario.city import City, city_problems
from twin.scenario.counts import Count
from twin.scenario.security import Attack, Security, attack_problems, clock_times
from twin.scenario.services import Emergency, Policy, Services, Weather
from twin.scenario.signals import SignalOverride, Signals
from twin.scenario.validation import change_scenario

__all__ = [
    "City",
    "Demand",
    "Duration",
    "NonNegativeDuration",
    "Population",
    "PositiveDuration",
    "Scenario",
    "Section",
    "SignalOverride",
    "Signals",
    "show_value",
]


class Population(Section):
    """The synthetic residents who walk the district day after day."""

    residents: int = Field(default=5000, ge=1, description="Residents of the district (people).")
    impaired_share: float = Field(
        default=0.121,
        ge=0,
        le=1,
        description="Share of residents with serious difficulty walking, who walk slower "
        "(fraction 0-1; CDC: 12.1% of US adults).",
    )
    destinations_per_resident: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Regular destinations of each resident besides home (count).",
    )
    max_trip_blocks: int = Field(
        default=6,
        ge=1,
        le=50,
        description="Walking destinations lie within this many blocks of home (blocks).",
    )


class Demand(Section):
    """How many trips start, and when."""

    vehicles_per_hour: float = Field(
        default=1200.0,
        ge=0,
        description="Vehicle trips entering the network, shared evenly by the entry approaches "
        "(vehicles/h).",
    )
    pedestrians_per_hour: float = Field(
        default=2000.0, ge=0, description="Pedestrian trips started (trips/h)."
    )
    profile: Literal["flat", "daily"] = Field(
        default="flat",
        description="Time profile of demand (choice): 'flat' is Poisson at the rates above; "
        "'daily' has morning and evening peaks with the same daily total.",
    )
    start_hour: float = Field(
        default=0.0,
        ge=0,
        lt=24,
        description="Clock time at which the simulation starts (hours after midnight); places "
        "the run on the daily profile and labels plots.",
    )
    until: PositiveDuration | None = Field(
        default=None,
        description="Trips start only before this time (s, or a string like '1h'); the run "
        "then goes on until every vehicle has left the district, with duration as the cap, "
        "so vehicle_control_delay_s_mean covers every vehicle that arrived after the warmup "
        "(HCM control delay). Null: trips start until the end.",
    )
    origin_weights: dict[str, float] = Field(
        default={},
        description="Vehicle trips entering at each boundary node, relative: {label: weight} "
        "(weights >= 0; 1 where not given; labels as in intersections.csv's neighbours: "
        "'edge 3' on a grid, an OpenStreetMap node id on a map). Trips from i to j are in "
        "proportion to origin weight i x destination weight j; twin calibrate fits both.",
    )
    destination_weights: dict[str, float] = Field(
        default={},
        description="Vehicle trips leaving at each boundary node, relative: {label: weight} "
        "(as origin_weights).",
    )

    @field_validator("origin_weights", "destination_weights", mode="before")
    @classmethod
    def _labels_as_text(cls, weights: object) -> object:
        if isinstance(weights, dict):
            return {str(label): value for label, value in weights.items()}
        return weights

    @field_validator("origin_weights", "destination_weights")
    @classmethod
    def _non_negative(cls, weights: dict[str, float]) -> dict[str, float]:
        for label, weight in weights.items():
            if weight < 0:
                raise _value_error("weight_sign", weight, f"(at {label!r}) must be at least 0")
        return weights


class Incident(Section):
    """A crash or road works that close lanes of one street for a while."""

    at: NonNegativeDuration = Field(description="Start, after the run starts (s).")
    duration: PositiveDuration = Field(description="How long the lanes stay closed (s).")
    between: tuple[str, str] = Field(
        description="The two intersections the street joins, by label as in "
        "intersections.csv, e.g. ['(1, 2)', '(1, 3)'] on a grid (two labels)."
    )
    capacity: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of the street's capacity left open in both directions (fraction; "
        "0.5: one of two lanes closed).",
    )


class Scenario(Section):
    """One city, its demand and its signal programs: everything a run needs."""

    name: str = Field(
        description="Scenario name, used in results folder names "
        "(text: letters, digits, '-', '_' only).",
        json_schema_extra={"pattern": f"^{_NAME.pattern}$"},
    )
    description: str = Field(
        default="", description="Free text for the reader of the results (text)."
    )
    seed: int = Field(
        default=0, ge=0, description="Seed of the run's random generator (integer >= 0)."
    )
    duration: PositiveDuration = Field(
        default=14400.0, description="Simulated time, warmup included (s, or a string like '4h')."
    )
    warmup: NonNegativeDuration = Field(
        default=0.0,
        description="Initial time excluded from every metric; shorter than duration "
        "(s, or a string like '15min').",
    )
    city: City = Field(
        default=City(), description="Streets: a grid, or an OpenStreetMap extract (section)."
    )
    population: Population = Field(default=Population(), description="Residents (section).")
    demand: Demand = Field(default=Demand(), description="Trip rates (section).")
    signals: Signals = Field(default=Signals(), description="Signal programs (section).")
    emergency: Emergency = Field(
        default=Emergency(), description="Incidents and ambulances (section)."
    )
    services: Services = Field(default=Services(), description="Smart services (section).")
    weather: Weather = Field(default=Weather(), description="Temperature and snowfall (section).")
    policy: Policy = Field(default=Policy(), description="Data and consent policy (section).")
    security: Security = Field(
        default=Security(), description="Component hardening and attack spread (section)."
    )
    attacks: tuple[Attack, ...] = Field(
        default=(), description="Cyberattacks during the run (list of {at, entry, ...})."
    )
    incidents: tuple[Incident, ...] = Field(
        default=(),
        description="Lane closures during the run (list of {at, duration, between, capacity}).",
    )
    counts: tuple[Count, ...] = Field(
        default=(),
        description="Vehicles counted on links per clock hour, for twin calibrate "
        "(list of {link: [from, to], hour, vehicles}).",
    )

    @field_validator("name")
    @classmethod
    def _folder_safe(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            reason = "may contain only letters, digits, '-' and '_', since it names folders"
            raise _value_error("scenario_name", name, reason)
        return name

    @model_validator(mode="before")
    @classmethod
    def _attack_clocks(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("attacks"), list):
            data = {
                **data,
                "attacks": [dict(a) if isinstance(a, dict) else a for a in data["attacks"]],
            }
            clock_times(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = self._cross_field_problems()
        if problems:
            raise PydanticCustomError(
                "cross_field",
                "{summary}",
                {"summary": "\n".join(f"{p}: {m}" for p, m in problems), "problems": problems},
            )
        return self

    def _cross_field_problems(self) -> list[tuple[str, str]]:
        """Return (field path, message) for each rule that ties several fields together."""
        problems = []
        if self.warmup >= self.duration:
            message = (
                f"{format_duration(self.warmup)} must be shorter than duration "
                f"({format_duration(self.duration)}); the warmup is excluded from every metric"
            )
            problems.append(("warmup", message))
        until = self.demand.until
        if until is not None and not self.warmup < until <= self.duration:
            message = (
                f"{format_duration(until)} must be after the warmup "
                f"({format_duration(self.warmup)}) and no later than duration "
                f"({format_duration(self.duration)}, the run's cap)"
            )
            problems.append(("demand.until", message))
        if (signals_problem := self._signals_problem()) is not None:
            problems.append(signals_problem)
        problems.extend(city_problems(self))
        problems.extend(self._override_problems())
        problems.extend(self._service_problems())
        problems.extend(attack_problems(self.attacks, self.duration, self.warmup))
        for index, incident in enumerate(self.incidents):
            if incident.at >= self.duration:
                message = (
                    f"{format_duration(incident.at)} is not before the end of the run "
                    f"({format_duration(self.duration)})"
                )
                problems.append((f"incidents.{index}.at", message))
        return problems

    def _override_problems(self) -> list[tuple[str, str]]:
        """Return (field path, message) for local signal plans that do not fit the grid."""
        problems: list[tuple[str, str]] = []
        seen: set[tuple[int, int]] = set()
        city = self.city
        for i, override in enumerate(self.signals.overrides):
            path = f"signals.overrides[{i}]"
            if not isinstance(override.at, tuple):  # a node id: city_problems checks it
                problem = self._signals_problem(self.signals.at(override.at))
                if problem is not None:
                    field, message = problem
                    problems.append((field.replace("signals.", f"{path}.", 1), message))
                continue
            if not city.is_grid:
                continue  # a grid position on a map: city_problems says so
            row, col = override.at
            if not (0 <= row < city.rows and 0 <= col < city.cols):
                message = (
                    f"[{row}, {col}] is outside the grid (rows 0 to {city.rows - 1}, "
                    f"cols 0 to {city.cols - 1})"
                )
                problems.append((f"{path}.at", message))
                continue
            if override.at in seen:
                problems.append((f"{path}.at", f"[{row}, {col}] has more than one override"))
            seen.add(override.at)
            problem = self._signals_problem(self.signals.at(row, col))
            if problem is not None:
                field, message = problem
                problems.append((field.replace("signals.", f"{path}.", 1), message))
        return problems

    def _signals_problem(self, sig: Signals | None = None) -> tuple[str, str] | None:
        """Return (field path, message) if the signal timing leaves pedestrians too little time."""
        sig = self.signals if sig is None else sig
        need = sig.walk_s + self.clearance_s
        pedestrians = (
            f"WALK {sig.walk_s:g} s + clearance {self.clearance_s:.1f} s "
            f"({self.city.crossing_width_m:.1f} m crossing at {sig.clearance_speed_mps:g} m/s) "
            f"needs {need:.1f} s"
        )
        if sig.control != "fixed":
            if sig.max_green_s < sig.min_green_s:
                message = f"{sig.max_green_s:g} is shorter than min_green_s ({sig.min_green_s:g} s)"
            elif sig.max_green_s < need:
                message = (
                    f"{sig.max_green_s:g} is too short for pedestrians: {pedestrians}; "
                    "lengthen max_green_s or shorten walk_s"
                )
            else:
                return None
            return "signals.max_green_s", message
        if sig.phase_green_total_s <= 0:
            message = (
                f"{sig.cycle_s:g} leaves no green after 2 x (yellow {sig.yellow_s:g} s + "
                f"all-red {sig.all_red_s:g} s); lengthen the cycle"
            )
            return "signals.cycle_s", message
        phase = min(PHASE_NAMES, key=sig.green_s)
        green = sig.green_s(phase)
        if green >= need:
            return None
        which = "each" if sig.green_split_ns == 0.5 else f"the {PHASE_NAMES[phase]}"
        message = (
            f"{sig.cycle_s:g} leaves {green:.1f} s of green for {which} phase, but {pedestrians}; "
            "lengthen the cycle or shorten walk_s"
        )
        return "signals.cycle_s", message

    def _service_problems(self) -> list[tuple[str, str]]:
        """Return (field path, message) for services that do not fit the city or each other."""
        problems = []
        emergency, city = self.emergency, self.city
        for key, value, limit in (
            ("station_row", emergency.station_row, city.rows),
            ("station_col", emergency.station_col, city.cols),
        ):
            if city.is_grid and value is not None and value >= limit:
                message = f"{value} is outside the grid (0 to {limit - 1})"
                problems.append((f"emergency.{key}", message))
        services = self.services
        if services.driver_alerts and services.crossing_assist == "none":
            message = (
                "true needs something that detects slow pedestrians; set "
                "services.crossing_assist to push_button, opt_in_app, camera_ai or radar"
            )
            problems.append(("services.driver_alerts", message))
        return problems

    @property
    def station_node(self) -> tuple[int, int]:
        """(row, col) of the ambulance station on a grid (default: the grid centre); on a
        map, ``twin.district.city.station_intersection``."""
        row = self.emergency.station_row
        col = self.emergency.station_col
        return (
            self.city.rows // 2 if row is None else row,
            self.city.cols // 2 if col is None else col,
        )

    @property
    def clearance_s(self) -> float:
        """Flashing DON'T WALK: crossing width over the clearance walking speed (s)."""
        return self.city.crossing_width_m / self.signals.clearance_speed_mps

    def with_changes(self, changes: Mapping[str, object] | None = None, **fields: object) -> Self:
        """A copy with ``changes`` (dotted paths, e.g. ``{"city.rows": 6}``) and top-level
        ``fields`` applied, validated again like ``--set``.

        Raises:
            ScenarioError: naming each field, value and what was expected.
        """
        return change_scenario(self, {**(changes or {}), **fields})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Like pydantic's, but an ``update`` is validated (see :meth:`with_changes`)."""
        if update:
            return self.with_changes(update)
        return super().model_copy(deep=deep)

    def content_hash(self) -> str:
        """SHA-256 hex digest of the canonical JSON of the resolved scenario."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
