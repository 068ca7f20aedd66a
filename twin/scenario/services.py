"""Scenario sections for the city services, emergencies, weather and data policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BeforeValidator, Field, field_validator, model_validator

from twin.scenario.base import NonNegativeDuration, PositiveDuration, Section, _value_error
from twin.scenario.policy import Consent, Policy
from twin.scenario.traffic_monitoring import TrafficMonitoring

__all__ = [
    "Consent",
    "CrossingAssist",
    "Emergency",
    "HeatingActivation",
    "Policy",
    "Services",
    "SidewalkHeating",
    "Snowfall",
    "Weather",
]

from agents.crossing_assist import METHODS
from agents.heating_control import ACTIVATIONS

# The choices come from the strategy registries, so schema and code cannot drift.
if TYPE_CHECKING:
    CrossingAssist = str
    HeatingActivation = str
else:
    CrossingAssist = Literal[("none", *METHODS)]
    HeatingActivation = Literal[tuple(ACTIVATIONS)]


class Emergency(Section):
    """Medical incidents and the ambulances that answer them."""

    incidents_per_hour: float = Field(
        default=0.0, ge=0, le=200, description="Incidents called in, Poisson (incidents/h)."
    )
    ambulances: int = Field(
        default=2, ge=1, le=50, description="Ambulances at the station (count)."
    )
    station_row: int | None = Field(
        default=None,
        ge=0,
        description="Grid row of the station's intersection (index; default: centre).",
    )
    station_col: int | None = Field(
        default=None,
        ge=0,
        description="Grid column of the station's intersection (index; default: centre).",
    )
    station_node: int | None = Field(
        default=None,
        description="On a map: OpenStreetMap node id of the station's intersection (integer; "
        "default: the intersection nearest the district's centre).",
    )
    turnout_s: NonNegativeDuration = Field(
        default=60.0,
        description="Dispatch to wheels rolling (s; 60 s is the NFPA 1710 EMS turnout target, an "
        "assumption here).",
    )
    on_scene_s: PositiveDuration = Field(
        default=1200.0, description="Time at the incident before driving back (s)."
    )
    queue_yield_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Without preemption: share of the vehicles queued ahead that pull aside for an "
        "ambulance (-).",
    )


class SidewalkHeating(Section):
    """Heated sidewalk segments and how they are switched on."""

    share: float = Field(
        default=0.0, ge=0, le=1, description="Share of sidewalk segments heated (-)."
    )
    activation: HeatingActivation = Field(
        default="off",
        description="When heating runs (choice): off, always_on (in season), scheduled (clock "
        "hours), pavement_sensor (moisture/temperature, no personal data), occupancy_camera "
        "(where people are seen; records faces).",
    )
    heat_flux_w_m2: float = Field(
        default=637.0,
        gt=0,
        le=2000,
        description="Design heat flux while melting (W/m²; 637 = ASHRAE Boston 98 % example).",
    )
    idle_flux_w_m2: float = Field(
        default=150.0,
        ge=0,
        le=500,
        description="Heat flux while idling the slab above freezing (W/m²; assumption).",
    )
    idling: bool = Field(
        default=False,
        description="Idle in season between melting periods, so melting starts without "
        "warm-up (-).",
    )
    warmup: NonNegativeDuration = Field(
        default=3600.0,
        description="Switch-on to full melting when not idling (s; sensor-only control needs "
        "30-90 min).",
    )
    schedule_hours: tuple[tuple[float, float], ...] = Field(
        default=((5.0, 10.0), (15.0, 20.0)),
        description="'scheduled': clock-hour windows [from, to) when heating runs; a window may "
        "wrap past midnight, e.g. [22, 2] (hours).",
    )
    occupancy_hold: PositiveDuration = Field(
        default=900.0,
        description="'occupancy_camera': stays on this long after the last person seen (s).",
    )
    sidewalk_width_m: float = Field(
        default=2.0, gt=0.5, le=10, description="Heated width of a sidewalk (m)."
    )

    @field_validator("activation", mode="before")
    @classmethod
    def _off_is_not_false(cls, value: object) -> object:
        # YAML 1.1 reads a bare `off` as the boolean false.
        return "off" if value is False else value

    @model_validator(mode="after")
    def _hours(self) -> Self:
        for start, end in self.schedule_hours:
            if not (0 <= start <= 24 and 0 <= end <= 24 and start != end):
                raise _value_error(
                    "schedule_hours",
                    [start, end],
                    "is not a window [from, to) of two different hours within 0-24 "
                    "(it may wrap past midnight, e.g. [22, 2])",
                )
        return self


def _preemption(value: object) -> object:
    """``true`` and ``false`` (the section's earlier values) mean local and none."""
    if isinstance(value, bool):
        return "local" if value else "none"
    return value


Preemption = Annotated[Literal["none", "local", "corridor"], BeforeValidator(_preemption)]


class Services(Section):
    """The smart services the city runs, and how each one senses people."""

    preemption: Preemption = Field(
        default="none",
        description="Signals turn green ahead of ambulances (choice): 'none'; 'local' (true): "
        "each intersection's detector sees the ambulance's emitter preemption_lead_m ahead, "
        "works siloed; 'corridor': dispatch, the ambulances' positions and traffic management "
        "together clear every intersection on the route corridor_lead_s before the ambulance "
        "is due (needs policy.integration federated or integrated; while that data path is "
        "cut, local preemption works alone).",
    )
    corridor_lead_s: PositiveDuration = Field(
        default=20.0,
        description="'corridor': how long before the ambulance is due at an intersection its "
        "green is asked for (s; assumption: enough to clear a queue of about eight vehicles).",
    )
    preemption_lead_m: float = Field(
        default=300.0,
        gt=0,
        le=2000,
        description="Distance ahead of an intersection at which an ambulance is detected (m).",
    )
    crossing_assist: CrossingAssist = Field(
        default="none",
        description="How slow pedestrians get more time (choice): none, push_button, opt_in_app, "
        "camera_ai, radar.",
    )
    push_button_use: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="'push_button': share of pedestrians needing more time who press the "
        "accessible push button (-; assumption).",
    )
    camera_recall: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="'camera_ai': share of reduced-mobility pedestrians detected (-).",
    )
    camera_false_positive_rate: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="'camera_ai': share of other pedestrians wrongly flagged as "
        "reduced-mobility (-).",
    )
    assist_speed_mps: float = Field(
        default=0.5,
        ge=0.2,
        le=1.07,
        description="An extended clearance is timed for this walking speed (m/s).",
    )
    radar_max_extension_s: PositiveDuration = Field(
        default=15.0,
        description="'radar': longest extension of a green while someone is crossing (s).",
    )
    driver_alerts: bool = Field(
        default=False,
        description="Warn approaching and turning vehicles that a detected slow pedestrian is "
        "crossing (-); needs a crossing_assist detection method.",
    )
    alert_compliance: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Share of alerted drivers who yield instead of entering the crosswalk (-; "
        "assumption).",
    )
    sidewalk_heating: SidewalkHeating = Field(
        default=SidewalkHeating(), description="Snow-melting sidewalks (section)."
    )
    traffic_monitoring: TrafficMonitoring = Field(
        default=TrafficMonitoring(), description="Traffic monitoring sensors (section)."
    )


class Snowfall(Section):
    """One spell of snow."""

    start: NonNegativeDuration = Field(description="Start, on the simulation clock (s).")
    end: PositiveDuration = Field(description="End, on the simulation clock (s).")
    rate_cm_per_h: float = Field(gt=0, le=20, description="Snow depth added per hour (cm/h).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise _value_error("snowfall_order", self.end, "must end after it starts")
        return self


class Weather(Section):
    """Air temperature and snowfall."""

    temperature_c: float = Field(default=5.0, ge=-40, le=40, description="Air temperature (°C).")
    snowfall: tuple[Snowfall, ...] = Field(
        default=(), description="Snow spells, in time order, not overlapping (list)."
    )

    @model_validator(mode="after")
    def _not_overlapping(self) -> Self:
        for earlier, later in zip(self.snowfall, self.snowfall[1:], strict=False):
            if later.start < earlier.end:
                raise _value_error(
                    "snowfall_overlap", later.start, "starts before the previous snowfall ends"
                )
        return self
