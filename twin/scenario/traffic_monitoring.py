"""The ``services.traffic_monitoring`` scenario section: which traffic sensors, where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from agents.traffic_monitoring import METHODS
from twin.scenario.base import PositiveDuration, Section

# The choices come from the strategy registry, so schema and code cannot drift.
if TYPE_CHECKING:
    MonitoringMethod = str
else:
    MonitoringMethod = Literal[("none", *METHODS)]

__all__ = ["TrafficMonitoring"]


class TrafficMonitoring(Section):
    """Traffic monitoring sensors at a share of intersections."""

    method: MonitoringMethod = Field(
        default="none",
        description="Sensing method (choice): none, loops (anonymous counts), bluetooth "
        "(device MAC addresses), anpr (every plate), video_analytics (faces and plates).",
    )
    share: float = Field(
        default=1.0, ge=0, le=1, description="Share of intersections equipped (fraction 0-1)."
    )
    device_share_vehicles: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="'bluetooth': share of drivers carrying a discoverable device (-; 0.5 is "
        "the low end of the 50-90% measured by day).",
    )
    device_share_pedestrians: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="'bluetooth': share of pedestrians carrying a discoverable device "
        "(-; assumption: phones randomise their addresses).",
    )
    detection_probability: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="'bluetooth': chance a device passing a scanner is detected (-; about 80% "
        "measured).",
    )
    travel_times: bool = Field(
        default=True,
        description="Publish the travel times the sensors measure (bluetooth, anpr, "
        "video_analytics) to drivers, through navigation apps and message signs (-).",
    )
    navigation_share: float = Field(
        default=0.34,
        ge=0,
        le=1,
        description="Share of drivers who follow live travel times and re-route (fraction "
        "0-1; 0.34: share of navigation-app users who use the app en route, The Manifest "
        "2018).",
    )
    update_s: PositiveDuration = Field(
        default=60.0, description="Time between two publications of travel times (s)."
    )
