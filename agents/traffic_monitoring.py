"""Traffic monitoring: the sensors cities buy, one strategy class per method.

Each method carries its sensing footprint (its :class:`~agents.sensing.Sensor`
declaration) and what it delivers to traffic management (counts, occupancy,
queues, travel times). What the sensors at equipped intersections saw is a pure
function of the vehicles' passages and the pedestrians' crossings there, so a
method observes in bulk, after the run, with numpy (no event per detection):

- ``loops``: inductive loops count every vehicle passage; no identifier;
- ``bluetooth``: scanners read the discoverable device of drivers and
  pedestrians who carry one (a persistent MAC address), each pass detected
  with probability ``detection_probability``;
- ``anpr``: cameras read every plate (a direct identifier of the keeper);
- ``video_analytics``: plates and the faces of pedestrians crossing, with
  reduced mobility inferred from gait and aids (special-category data).

Defaults (docs/privacy.md, docs/references.md): half of drivers carry a
discoverable device (the low end of the 50-90 % daytime range measured on a
Bangkok toll road), a device passing a scanner is detected 80 % of the time;
the pedestrian device share (20 %) is an assumption (modern phones randomise
their addresses; classic-discoverable devices are few).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.sensing import ANONYMOUS, DEVICE_ID, EVERYONE, FACE, NOBODY, Sensor

__all__ = ["METHODS", "MonitoringMethod", "Passes", "Seen"]

PURPOSE = "to count traffic and measure travel times"


@dataclass(frozen=True)
class Passes:
    """People passing equipped intersections: when, where and who (person index)."""

    time_s: np.ndarray
    node: np.ndarray
    person: np.ndarray

    def take(self, mask: np.ndarray) -> Passes:
        return Passes(self.time_s[mask], self.node[mask], self.person[mask])


@dataclass(frozen=True)
class Seen:
    """What a method observed: when, where, whom (person index, -1: nobody) and whether it
    captured a special-category attribute."""

    time_s: np.ndarray
    node: np.ndarray
    person: np.ndarray
    sensitive: np.ndarray

    @classmethod
    def of(
        cls, passes: Passes, anonymous: bool = False, sensitive: np.ndarray | None = None
    ) -> Seen:
        n = len(passes.time_s)
        return cls(
            passes.time_s,
            passes.node,
            np.full(n, -1, dtype=np.int64) if anonymous else passes.person,
            np.zeros(n, dtype=bool) if sensitive is None else sensitive,
        )

    @classmethod
    def concat(cls, parts: list[Seen]) -> Seen:
        return cls(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("time_s", "node", "person", "sensitive")
            )
        )


class MonitoringMethod:
    """A traffic-monitoring method (strategy); subclasses say what it senses.

    Class attributes:
        method: its name in scenario files.
        sensor, observes, identifiability, attributes: its ``Sensor`` declaration.
        sees_walkers: it also observes pedestrians crossing.
        delivers: what it gives traffic management: ``counts``, ``occupancy``,
            ``queues``, ``turning_movements`` or ``travel_times``.

    Args:
        device_share_vehicles, device_share_pedestrians, detection_probability: the
            carrying and detection rates (``bluetooth``; defaults in the scenario section).
    """

    method: ClassVar[str]
    sensor: ClassVar[str]
    observes: ClassVar[str] = EVERYONE
    identifiability: ClassVar[int] = ANONYMOUS
    attributes: ClassVar[tuple[str, ...]] = ()
    sees_walkers: ClassVar[bool] = False
    delivers: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        device_share_vehicles: float,
        device_share_pedestrians: float,
        detection_probability: float,
    ) -> None:
        self.device_share_vehicles = device_share_vehicles
        self.device_share_pedestrians = device_share_pedestrians
        self.detection_probability = detection_probability

    @classmethod
    def declaration(cls, service: str, count: int) -> Sensor:
        """The sensors it deploys for ``service``, ``count`` of them (one per equipped
        intersection; their records go to the service's own system)."""
        return Sensor(
            cls.sensor,
            service,
            cls.method,
            cls.observes,
            cls.identifiability,
            cls.attributes,
            service,
            count,
            PURPOSE,
        )

    def expected(self, vehicle_passes: float, crossings: float) -> float:
        """About how many observations it makes of so many passes (memory estimate)."""
        return vehicle_passes + (crossings if self.sees_walkers else 0.0)

    def cannot_act(self) -> str | None:
        """Why it would observe nothing whatever the traffic, if so."""
        return None

    def reidentified_share(self) -> float:
        """Share of passing vehicles it reads at two sensors in a row (a travel time)."""
        return 1.0

    def observe(
        self, drivers: Passes, walkers: Passes, impaired: np.ndarray, rng: np.random.Generator
    ) -> Seen:
        """What it sees of ``drivers`` and ``walkers`` (``impaired``: per person)."""
        raise NotImplementedError


class Loops(MonitoringMethod):
    method = "loops"
    sensor = "inductive_loops"
    observes = NOBODY
    delivers = frozenset({"counts", "occupancy"})

    def observe(
        self, drivers: Passes, walkers: Passes, impaired: np.ndarray, rng: np.random.Generator
    ) -> Seen:
        return Seen.of(drivers, anonymous=True)


class Bluetooth(MonitoringMethod):
    method = "bluetooth"
    sensor = "bluetooth_scanners"
    identifiability = DEVICE_ID
    sees_walkers = True
    delivers = frozenset({"travel_times"})

    def expected(self, vehicle_passes: float, crossings: float) -> float:
        carried = (
            vehicle_passes * self.device_share_vehicles + crossings * self.device_share_pedestrians
        )
        return carried * self.detection_probability

    def reidentified_share(self) -> float:
        return self.device_share_vehicles * self.detection_probability**2

    def cannot_act(self) -> str | None:
        if self.detection_probability == 0:
            return "detection_probability is 0: no device is ever read"
        if self.device_share_vehicles == 0 and self.device_share_pedestrians == 0:
            return "nobody carries a discoverable device (both device shares 0)"
        return None

    def observe(
        self, drivers: Passes, walkers: Passes, impaired: np.ndarray, rng: np.random.Generator
    ) -> Seen:
        people = max(int(drivers.person.max(initial=-1)), len(impaired) - 1) + 1
        in_car = rng.random(people) < self.device_share_vehicles
        on_foot = rng.random(people) < self.device_share_pedestrians
        p = self.detection_probability
        car_hit = in_car[drivers.person] & (rng.random(len(drivers.person)) < p)
        foot_hit = on_foot[walkers.person] & (rng.random(len(walkers.person)) < p)
        return Seen.concat([Seen.of(drivers.take(car_hit)), Seen.of(walkers.take(foot_hit))])


class ANPR(MonitoringMethod):
    method = "anpr"
    sensor = "anpr_cameras"
    identifiability = FACE
    delivers = frozenset({"counts", "travel_times"})

    def observe(
        self, drivers: Passes, walkers: Passes, impaired: np.ndarray, rng: np.random.Generator
    ) -> Seen:
        return Seen.of(drivers)


class VideoAnalytics(MonitoringMethod):
    method = "video_analytics"
    sensor = "video_analytics_cameras"
    identifiability = FACE
    attributes = ("disability",)
    sees_walkers = True
    delivers = frozenset({"counts", "occupancy", "queues", "turning_movements", "travel_times"})

    def observe(
        self, drivers: Passes, walkers: Passes, impaired: np.ndarray, rng: np.random.Generator
    ) -> Seen:
        faces = Seen.of(walkers, sensitive=np.asarray(impaired, bool)[walkers.person])
        return Seen.concat([Seen.of(drivers), faces])


#: Every traffic-monitoring method, by its name in scenario files.
METHODS: dict[str, type[MonitoringMethod]] = {
    cls.method: cls for cls in (Loops, Bluetooth, ANPR, VideoAnalytics)
}
