"""Residents on foot: measured walking speeds, curb waits and crossings.

Walking speeds (m/s) follow the field studies in docs/references.md:
- without reduced mobility: Fitzpatrick et al. (2006), mean 4.74 ft/s (1.44 m/s)
  and 15th percentile 3.77 ft/s (1.15 m/s), so sd 0.29 m/s;
- with reduced mobility, a mix: 60 % walk like the over-65s of Gates et al.
  (2006), who found physically disabled pedestrians as fast (mean 3.81 ft/s =
  1.16 m/s, 15th percentile 3.02 ft/s = 0.92 m/s, so sd 0.23 m/s); 25 % use a
  cane or crutch (0.79 m/s) and 15 % a walker (0.61 m/s), FHWA (1999). The mix
  shares and the device spreads (sd 0.10 and 0.08 m/s) are assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import mesa
import numpy as np

from agents.log import ColumnLog

if TYPE_CHECKING:
    import simpy

    from agents.crosswalk import Crosswalk

#: (share, mean m/s, sd m/s) of each walking-speed class among the impaired.
IMPAIRED_SPEED_MIX = ((0.60, 1.16, 0.23), (0.25, 0.79, 0.10), (0.15, 0.61, 0.08))
UNIMPAIRED_SPEED = (1.44, 0.29)
SPEED_LIMITS_MPS = (0.3, 2.5)

PEDESTRIAN_TRIP_COLUMNS = (
    "resident",
    "impaired",
    "start_s",
    "end_s",
    "freeflow_s",
    "distance_m",
    "crossings",
    "snow_m",
    "slips",
)

#: A stretch of sidewalk: (segment index, or -1 off the modelled sidewalks; metres).
Piece = tuple[int, float]
#: A walking route: legs of (sidewalk pieces to walk, their total metres, then the
#: crosswalk to cross or None).
Legs = Sequence[tuple[Sequence[Piece], float, "Crosswalk | None"]]


class Surface(Protocol):
    """Sidewalk conditions (``agents.sidewalk.Sidewalks``), as pedestrians feel them."""

    def walk_onto(self, segment: int, resident: int) -> None:
        """A pedestrian starts walking ``segment`` now."""

    def speed_factor(self, segment: int) -> float:
        """Multiplier on walking speed on ``segment`` now."""

    def slip_probability(self, segment: int, metres: float) -> float:
        """Chance of a slip while walking ``metres`` of ``segment`` now."""


def draw_walking_speeds(rng: np.random.Generator, impaired: np.ndarray) -> np.ndarray:
    """One walking speed (m/s) per resident, by mobility."""
    n = len(impaired)
    speeds = rng.normal(*UNIMPAIRED_SPEED, size=n)
    shares, means, sds = (np.array(column) for column in zip(*IMPAIRED_SPEED_MIX, strict=True))
    kind = rng.choice(len(shares), size=n, p=shares)
    slow = rng.normal(means[kind], sds[kind])
    speeds = np.where(impaired, slow, speeds)
    return np.clip(speeds, *SPEED_LIMITS_MPS)


class Resident(mesa.Agent):
    """A resident with a home, regular destinations and a walking speed.

    Args:
        model: the Mesa model.
        anchors: corner indices of home (first) and regular destinations.
        offsets_m: mid-block distance from each anchor to its corner.
        speed_mps: free walking speed.
        impaired: has reduced mobility.
        needs_time: cannot finish a crossing timed for the clearance speed (or is impaired).
        opted_in: agreed to app-based services.
        shares: the kinds of data they let those services keep (``trips``,
            ``mobility_needs``); empty unless opted in.
    """

    def __init__(
        self,
        model: mesa.Model,
        anchors: tuple[int, ...],
        offsets_m: tuple[float, ...],
        speed_mps: float,
        impaired: bool,
        needs_time: bool = False,
        opted_in: bool = False,
        shares: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(model)
        self.anchors = anchors
        self.offsets_m = offsets_m
        self.speed_mps = speed_mps
        self.impaired = impaired
        self.needs_time = needs_time
        self.opted_in = opted_in
        self.shares = shares


class WalkWatcher(Protocol):
    """Told where each pedestrian is going, e.g. to draw them (``Walking.watchers``).

    Optional and read-only: pedestrians behave the same with or without one,
    and with none set each event costs one attribute test.
    """

    def walker_moving(
        self, trip: int, resident: Resident, legs: Legs, index: int, start_s: float, end_s: float
    ) -> None:
        """Walking trip ``trip`` finishes the crossing it is on (if any) and walks leg
        ``index`` of ``legs`` to its next curb (or destination), from ``start_s`` to ``end_s``."""

    def walker_waiting(self, trip: int) -> None:
        """Walking trip ``trip`` waits at a curb for WALK."""

    def walker_done(self, trip: int) -> None:
        """Walking trip ``trip`` has arrived."""


class Walking:
    """Pedestrians on their way and the record of finished walking trips.

    Args:
        env: the simulation clock.
        surfaces: sidewalk conditions (snow, ...), each felt on its own; none: bare
            pavement everywhere.
        rng: draws slips (needed with surfaces).
    """

    def __init__(
        self,
        env: simpy.Environment,
        surfaces: Sequence[Surface] = (),
        rng: np.random.Generator | None = None,
    ) -> None:
        self.env = env
        self.surfaces = tuple(surfaces)
        self.rng = rng
        self.log = ColumnLog(*PEDESTRIAN_TRIP_COLUMNS)
        self.started = 0
        self.active = 0
        #: optional observer of every walking trip (see ``WalkWatcher``)
        self.watchers: list[WalkWatcher] = []

    def start_trip(self, resident: Resident, legs: Legs) -> None:
        """``resident`` sets off now along ``legs``."""
        self.started += 1
        self.active += 1
        _Walk(self, resident, legs, self.started).walk_leg()

    def _finish(self, walk: _Walk) -> None:
        self.active -= 1
        for watcher in self.watchers:
            watcher.walker_done(walk.trip)
        resident = walk.resident
        self.log.append(
            resident.unique_id,
            resident.impaired,
            walk.start_s,
            self.env.now,
            walk.distance_m / resident.speed_mps,  # free-flow time at the walker's own speed
            walk.distance_m,
            walk.crossings,
            walk.snow_m,
            walk.slips,
        )

    def _on_surface(self, resident: Resident, pieces: Sequence[Piece]) -> tuple[float, float, int]:
        """Walk ``pieces`` as they are now: (seconds, metres slowed down, slips).

        Several surfaces multiply their speed factors; a slip happens unless the walker
        keeps their footing on every one (one draw per slowed stretch)."""
        surfaces, rng = self.surfaces, self.rng
        assert rng is not None
        seconds = snow_m = 0.0
        slips = 0
        for segment, metres in pieces:
            if segment < 0:
                seconds += metres / resident.speed_mps
                continue
            factor, slip = 1.0, 0.0
            for surface in surfaces:
                surface.walk_onto(segment, resident.unique_id)
                factor *= surface.speed_factor(segment)
            seconds += metres / (resident.speed_mps * factor)
            if factor < 1.0:
                snow_m += metres
                for surface in surfaces:
                    p = surface.slip_probability(segment, metres)
                    slip = p if slip == 0.0 else slip + p - slip * p
                if rng.random() < slip:
                    slips += 1
        return seconds, snow_m, slips


class _Walk:
    """One walking trip as a chain of event callbacks (cheaper than a SimPy process):
    walk each leg's sidewalks to its curb, wait there for WALK, cross, and so on.

    Args:
        walking: the trips' owner (clock, surfaces, watchers, log).
        resident: who walks.
        legs: the route (``Legs``).
        trip: trip number.
    """

    __slots__ = (
        "arrived",
        "crossing_s",
        "crossings",
        "detected",
        "distance_m",
        "index",
        "legs",
        "resident",
        "slips",
        "snow_m",
        "start_s",
        "trip",
        "walking",
    )

    def __init__(self, walking: Walking, resident: Resident, legs: Legs, trip: int) -> None:
        self.walking = walking
        self.resident = resident
        self.legs = legs
        self.trip = trip
        self.start_s = walking.env.now
        self.index = 0
        self.distance_m = self.snow_m = 0.0
        self.crossings = self.slips = 0
        #: the crossing being finished when the current leg starts
        self.crossing_s = 0.0
        #: when it reached the current curb, and whether the curb's detector recognised it
        self.arrived = 0.0
        self.detected = False

    def walk_leg(self) -> None:
        """Finish the crossing it is on (if any), then walk leg ``index``'s sidewalks to
        its curb (or the destination)."""
        walking, resident = self.walking, self.resident
        env = walking.env
        pieces, sidewalk_m, _ = self.legs[self.index]
        if not walking.surfaces:
            walk_s = sidewalk_m / resident.speed_mps
        else:
            walk_s, on_snow_m, slipped = walking._on_surface(resident, pieces)
            self.snow_m += on_snow_m
            self.slips += slipped
        self.distance_m += sidewalk_m
        if walking.watchers:
            end = env.now + self.crossing_s + walk_s
            for watcher in walking.watchers:
                watcher.walker_moving(self.trip, resident, self.legs, self.index, env.now, end)
        env.timeout(self.crossing_s + walk_s).callbacks.append(self._at_curb)

    def _at_curb(self, _event: simpy.Event) -> None:
        """At the end of a leg: cross now while WALK shows, else wait for it (or arrive)."""
        crosswalk = self.legs[self.index][2]
        if crosswalk is None:
            self.walking._finish(self)
            return
        self.arrived = self.walking.env.now
        self.detected = crosswalk.assist is not None and crosswalk.reach_curb(self.resident)
        if crosswalk.walking:
            self._cross(crosswalk)
            return
        for watcher in self.walking.watchers:
            watcher.walker_waiting(self.trip)
        crosswalk.wait_for_walk().callbacks.append(self._walk_shown)

    def _walk_shown(self, _event: simpy.Event) -> None:
        crosswalk = self.legs[self.index][2]
        assert crosswalk is not None
        self._cross(crosswalk)

    def _cross(self, crosswalk: Crosswalk) -> None:
        """Start crossing now, then on to the next leg (or arrive)."""
        self.crossing_s = crosswalk.cross(
            self.resident, self.resident.speed_mps, self.arrived, self.crossings == 0, self.detected
        )
        self.distance_m += crosswalk.width_m
        self.crossings += 1
        self.index += 1
        if self.index < len(self.legs):
            self.walk_leg()
        else:
            self.walking._finish(self)
