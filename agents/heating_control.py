"""How heated sidewalks are switched: one strategy class per activation.

Each activation carries its own sensing footprint (a sensor declaration, or
none) and its own switching rule; :data:`ACTIVATIONS` lists them and the
scenario schema's choices come from it. :class:`agents.sidewalk.Sidewalks`
asks its activation, segment by segment, whether to be ON and when to look again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from agents.sensing import ANONYMOUS, EVERYONE, FACE, NOBODY, Sensor

if TYPE_CHECKING:
    from agents.sidewalk import Sidewalks

_EPS_S = 1e-6
DRY_OFF_S = 1800.0  # pavement sensor: off after this long snow-free and dry (assumption)


class Activation:
    """Off: heated slabs never switch on (also the base of every activation).

    Class attributes:
        name: its name in scenario files.
        sensor: (sensor name, whom it observes, identifiability), or None without sensors.
        may_idle: may hold the slab warm between melting periods (``idling``).
        warm_at_start: has been on since before the run (no warm-up at the start).
        scheduled: switches at clock-hour window edges.
        watches_people: switched by seeing pedestrians on a segment.
        stops_when_clear: switches off once a melting slab is clear (sensor-driven).
        switched_by_snow: switches on only when there is snow (sensor or camera-driven).
        needs_season: runs only in the heating season (air at or below ``SEASON_MAX_C``).
    """

    name: ClassVar[str] = "off"
    sensor: ClassVar[tuple[str, str, int] | None] = None
    may_idle: ClassVar[bool] = False
    warm_at_start: ClassVar[bool] = False
    scheduled: ClassVar[bool] = False
    watches_people: ClassVar[bool] = False
    stops_when_clear: ClassVar[bool] = False
    switched_by_snow: ClassVar[bool] = False
    needs_season: ClassVar[bool] = False

    @classmethod
    def declaration(cls, service: str, count: int) -> Sensor | None:
        """The sensors it deploys for ``service`` (one per heated segment; their records go
        to the service's own system), or None."""
        if cls.sensor is None:
            return None
        name, whom, identifiability = cls.sensor
        return Sensor(
            name,
            service,
            cls.name,
            whom,
            identifiability,
            (),
            service,
            count,
            "to decide when to heat the sidewalks to melt snow",
        )

    def decide(
        self,
        sidewalks: Sidewalks,
        idx: np.ndarray,
        depth: np.ndarray,
        snowing: bool,
        was_on: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Whether each segment ``idx`` should be ON now, and when to look again."""
        return np.zeros(len(idx), dtype=bool), np.full(len(idx), math.inf)


class AlwaysOn(Activation):
    name = "always_on"
    warm_at_start = True
    needs_season = True

    def decide(
        self,
        sidewalks: Sidewalks,
        idx: np.ndarray,
        depth: np.ndarray,
        snowing: bool,
        was_on: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        return sidewalks.heated[idx] & sidewalks.season, np.full(len(idx), math.inf)


class Scheduled(Activation):
    name = "scheduled"
    may_idle = True
    scheduled = True
    needs_season = True

    def decide(
        self,
        sidewalks: Sidewalks,
        idx: np.ndarray,
        depth: np.ndarray,
        snowing: bool,
        was_on: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        on = sidewalks.heated[idx] & (sidewalks.season and sidewalks.plan.in_window(now))
        return on, np.full(len(idx), math.inf)


class PavementSensor(Activation):
    name = "pavement_sensor"
    sensor = ("pavement_sensors", NOBODY, ANONYMOUS)
    may_idle = True
    stops_when_clear = True
    switched_by_snow = True

    def decide(
        self,
        sidewalks: Sidewalks,
        idx: np.ndarray,
        depth: np.ndarray,
        snowing: bool,
        was_on: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        snow = snowing | (depth > 0)
        since = sidewalks.clear_since[idx]
        since = np.where(snow, math.nan, np.where(np.isnan(since), now, since))
        sidewalks.clear_since[idx] = since
        off_at = since + DRY_OFF_S
        on = sidewalks.heated[idx] & (snow | (was_on & (now < off_at - _EPS_S)))
        return on, np.where(on & ~snow, off_at, math.inf)


class OccupancyCamera(Activation):
    name = "occupancy_camera"
    sensor = ("sidewalk_cameras", EVERYONE, FACE)
    may_idle = True
    watches_people = True
    switched_by_snow = True

    def decide(
        self,
        sidewalks: Sidewalks,
        idx: np.ndarray,
        depth: np.ndarray,
        snowing: bool,
        was_on: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        hold = sidewalks.hold_until[idx]
        on = sidewalks.heated[idx] & (now < hold - _EPS_S)
        return on, np.where(on, hold, math.inf)


#: Every activation, by its name in scenario files.
ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Activation, AlwaysOn, Scheduled, PavementSensor, OccupancyCamera)
}

__all__ = ["ACTIVATIONS", "Activation"]
