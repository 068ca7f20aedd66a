"""Traffic monitoring, the sensors cities actually buy: observations generated after the run.

What the sensors at equipped intersections saw is a pure function of the run's
vehicle passages, pedestrian crossings and who made each trip, so it is
computed with numpy once the run is over (no event per detection):

- ``none``: nothing;
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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from agents.sensing import ANONYMOUS, DEVICE_ID, EVERYONE, FACE, NOBODY
from metrics.privacy import AGGREGATE, DIRECT, PERSISTENT
from twin.digital.records import Observations

__all__ = [
    "DETECTION_PROBABILITY",
    "DEVICE_SHARE_PEDESTRIANS",
    "DEVICE_SHARE_VEHICLES",
    "METHODS",
    "SENSORS",
    "SYSTEM",
    "MonitoringSettings",
    "equipped_nodes",
    "traffic_observations",
]

SERVICE = SYSTEM = "traffic_monitoring"
METHODS = ("none", "loops", "bluetooth", "anpr", "video_analytics")
DEVICE_SHARE_VEHICLES = 0.5
DEVICE_SHARE_PEDESTRIANS = 0.2
DETECTION_PROBABILITY = 0.8
#: method -> (sensor name, whom it observes, identifiability, attributes); the sensor
#: declaration the service class will register.
SENSORS = {
    "loops": ("inductive_loops", NOBODY, ANONYMOUS, ()),
    "bluetooth": ("bluetooth_scanners", EVERYONE, DEVICE_ID, ()),
    "anpr": ("anpr_cameras", EVERYONE, FACE, ()),
    "video_analytics": ("video_analytics_cameras", EVERYONE, FACE, ("disability",)),
}

Table = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class MonitoringSettings:
    """How traffic is monitored (the ``services.traffic_monitoring`` section's values)."""

    method: str = "none"
    share: float = 1.0
    device_share_vehicles: float = DEVICE_SHARE_VEHICLES
    device_share_pedestrians: float = DEVICE_SHARE_PEDESTRIANS
    detection_probability: float = DETECTION_PROBABILITY


def equipped_nodes(rng: np.random.Generator, n_nodes: int, share: float) -> np.ndarray:
    """Which intersections carry the sensors: ``round(share * n)`` of them, at random."""
    equipped = np.zeros(n_nodes, dtype=bool)
    equipped[rng.permutation(n_nodes)[: round(share * n_nodes)]] = True
    return equipped


def traffic_observations(
    settings: MonitoringSettings,
    passages: Table,
    vehicle_owners: np.ndarray,
    crossings: Table,
    resident_ids: np.ndarray,
    impaired: np.ndarray,
    equipped: np.ndarray,
    rng: np.random.Generator,
    system: int = 0,
) -> Observations:
    """Everything the monitoring sensors saw during the run.

    Args:
        settings: method, coverage and carrying rates.
        passages: vehicle passages (``node``, ``time_s``, ``trip``: 1-based).
        vehicle_owners: person of each trip (trip k is ``vehicle_owners[k - 1]``).
        crossings: pedestrian crossings (``resident`` unique id, ``node``, ``start_s``).
        resident_ids: residents' unique ids, in resident order (sorted).
        impaired: each resident's reduced mobility.
        equipped: per intersection, whether it is equipped.
        rng: the sensing stream (device carrying, detections).
        system: index of the ``traffic_monitoring`` system in the run's system list.
    """
    method = settings.method
    if method == "none":
        return Observations.empty()
    node = np.asarray(passages["node"], dtype=np.int64)
    seen = equipped[node] if len(node) else np.zeros(0, dtype=bool)
    time_s = np.asarray(passages["time_s"], dtype=float)[seen]
    trip = np.asarray(passages["trip"], dtype=np.int64)[seen]
    driver = np.asarray(vehicle_owners, dtype=np.int64)[trip - 1] if len(trip) else trip
    node = node[seen]
    walker, walk_node, walk_s = _pedestrians(crossings, resident_ids, equipped)
    if method == "loops":
        return _observations(time_s, node, np.full(len(node), -1), AGGREGATE, False, system)
    if method == "anpr":
        return _observations(time_s, node, driver, DIRECT, False, system)
    if method == "video_analytics":
        vehicles = _observations(time_s, node, driver, DIRECT, False, system)
        faces = _observations(
            walk_s, walk_node, walker, DIRECT, np.asarray(impaired, bool)[walker], system
        )
        return Observations.concat([vehicles, faces])
    if method == "bluetooth":
        people = max(int(driver.max(initial=-1)), len(resident_ids) - 1) + 1
        in_car = rng.random(people) < settings.device_share_vehicles
        on_foot = rng.random(people) < settings.device_share_pedestrians
        p = settings.detection_probability
        car_hit = in_car[driver] & (rng.random(len(driver)) < p)
        foot_hit = on_foot[walker] & (rng.random(len(walker)) < p)
        return Observations.concat(
            [
                _observations(
                    time_s[car_hit], node[car_hit], driver[car_hit], PERSISTENT, False, system
                ),
                _observations(
                    walk_s[foot_hit],
                    walk_node[foot_hit],
                    walker[foot_hit],
                    PERSISTENT,
                    False,
                    system,
                ),
            ]
        )
    raise ValueError(f"traffic monitoring method must be one of {METHODS}, not {method!r}")


def _pedestrians(
    crossings: Table, resident_ids: np.ndarray, equipped: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(resident index, node, time) of crossings at equipped intersections."""
    node = np.asarray(crossings["node"], dtype=np.int64)
    seen = equipped[node] if len(node) else np.zeros(0, dtype=bool)
    uid = np.asarray(crossings["resident"], dtype=np.int64)[seen]
    return (
        np.searchsorted(resident_ids, uid).astype(np.int64),
        node[seen],
        np.asarray(crossings["start_s"], dtype=float)[seen],
    )


def _observations(
    time_s: np.ndarray,
    place: np.ndarray,
    person: np.ndarray,
    cls: int,
    sensitive: bool | np.ndarray,
    system: int,
) -> Observations:
    n = len(time_s)
    return Observations(
        time_s=time_s,
        place=place,
        person=person,
        cls=np.full(n, cls, dtype=np.int8),
        sensitive=np.broadcast_to(np.asarray(sensitive, dtype=bool), (n,)).copy(),
        system=np.full(n, system, dtype=np.int64),
        opt_in=np.zeros(n, dtype=bool),
    )
