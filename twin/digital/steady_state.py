"""The run's side of the steady state: its residents, routines, events and sensor sites,
handed to ``twin.digital.history`` to generate what the stores held before time 0.

Reads a model that has run (``twin.simulation.model.CityModel``) and its tables; the
routines are drawn again from the run's own streams, so they are the run's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics.privacy import AGGREGATE, PSEUDONYMOUS
from twin.digital.history import (
    Events,
    driving_history,
    history_days,
    history_observations,
    learn_responses,
    walking_history,
)
from twin.digital.records import Observations
from twin.digital.retention import class_retention
from twin.district.demand import DAY_S, arrival_times
from twin.district.routines import draw_routines, owners_and_habits, pedestrian_schedule
from twin.streams import random_stream

__all__ = ["Persons", "persons_of", "steady_state"]

#: Kinds of data a resident may share with an app, in ``persons.csv`` column order.
KINDS = ("trips", "mobility_needs")


@dataclass(frozen=True)
class Persons:
    """The residents, one row each (index = person): what the privacy analysis and
    ``persons.csv`` say about them."""

    home: np.ndarray
    opted_in: np.ndarray
    shares: dict[str, np.ndarray]
    car: np.ndarray
    impaired: np.ndarray

    def __len__(self) -> int:
        return len(self.home)

    @property
    def group(self) -> np.ndarray:
        """Group for special-category shares: reduced mobility x shares mobility needs."""
        return self.impaired.astype(np.int64) * 2 + self.shares["mobility_needs"]


def persons_of(model: Any) -> Persons:
    """The residents of a built model (car owners drawn as its vehicle trips were)."""
    residents = model.residents
    n = len(residents)
    corners = np.array([r.anchors[0] for r in residents], dtype=np.int64)
    home = np.asarray(model.walkways.corner_node, dtype=np.int64)[corners] if n else corners
    _, habits = _car_habits(model)
    car = np.zeros(n, dtype=bool)
    car[habits.owner] = True
    return Persons(
        home=home,
        opted_in=np.array([r.opted_in for r in residents], dtype=bool),
        shares={k: np.array([k in r.shares for r in residents], dtype=bool) for k in KINDS},
        car=car,
        impaired=np.array([r.impaired for r in residents], dtype=bool),
    )


def _car_habits(model: Any) -> tuple[np.ndarray, Any]:
    """The vehicle trips' owners and the owners' habits, drawn again as the model drew them."""
    scenario = model.spec
    demand = scenario.demand
    times = arrival_times(
        random_stream(scenario.seed, "vehicles"),
        demand.vehicles_per_hour,
        scenario.duration,
        demand.profile,
        demand.start_hour,
    )
    return owners_and_habits(
        random_stream(scenario.seed, "owners"),
        times,
        len(model.residents),
        demand.start_hour,
        demand.profile,
    )


def steady_state(
    model: Any,
    tables: Mapping[str, Mapping[str, np.ndarray]],
    observations: Observations,
    systems: Sequence[str],
    persons: Persons,
) -> tuple[Observations, int]:
    """What the stores' sensors observed in the days before the run (times before 0), and
    how many days that is (``policy.history`` capped by the longest retention)."""
    scenario = model.spec
    policy, demand = scenario.policy, scenario.demand
    identified = (observations.cls != AGGREGATE) & (observations.person >= 0)
    classes = np.unique(observations.cls[identified]).tolist()
    if policy.anonymisation == "aggregate":
        classes = []
    elif policy.anonymisation == "pseudonymise" and classes:
        classes = [PSEUDONYMOUS]
    days = history_days(policy.history, class_retention(policy.retention), classes)
    n, n_nodes = len(persons), int(model.graph.n_intersections)
    if days == 0 or n == 0:
        return Observations.empty(), days
    uid = np.array([r.unique_id for r in model.residents], dtype=np.int64)
    crossings = tables["crossings"]
    walks = Events(
        np.asarray(crossings["arrive_s"], dtype=float),
        np.asarray(crossings["node"], dtype=np.int64),
        np.searchsorted(uid, np.asarray(crossings["resident"], dtype=np.int64)),
    )
    passages = tables["vehicle_passages"]
    trip = np.asarray(passages["trip"], dtype=np.int64)
    owners = np.asarray(model.vehicle_owners, dtype=np.int64)
    drives = Events(
        np.asarray(passages["time_s"], dtype=float),
        np.asarray(passages["node"], dtype=np.int64),
        owners[trip - 1] if len(trip) else trip,
    )
    responses = learn_responses(
        observations, walks, drives, n, n_nodes, _sites(model, systems),
        persons.shares["trips"], persons.group, 4,
    )  # fmt: skip
    if not responses:
        return Observations.empty(), days
    rng = random_stream(scenario.seed, "privacy_history")
    routines = draw_routines(
        random_stream(scenario.seed, "pedestrians"),
        n,
        scenario.population.destinations_per_resident,
        demand.pedestrians_per_hour,
        demand.profile,
    )
    schedule = pedestrian_schedule(rng, routines, days * DAY_S, demand.start_hour)
    wait_s = float(np.mean(crossings["start_s"] - crossings["arrive_s"])) if len(walks) else 0.0
    walked = walking_history(schedule, _router(model, wait_s), days)
    _, habits = _car_habits(model)
    first_visitor = int(max(observations.person.max(initial=-1) + 1, n))
    driven = driving_history(
        drives, trip, habits, demand.vehicles_per_hour, demand.profile, demand.start_hour,
        days, n, first_visitor, rng,
    )  # fmt: skip
    return history_observations(responses, walked, driven, n, persons.group, rng), days


def _router(model: Any, wait_s: float) -> Any:
    """``route(resident, origin, destination)``: the crossings of a habitual walk
    (intersections, and seconds after leaving at the resident's speed, with the run's
    mean wait at each curb)."""
    residents, walkways = model.residents, model.walkways

    def route(resident: int, origin: int, destination: int) -> tuple[np.ndarray, np.ndarray]:
        who = residents[resident]
        legs = walkways.legs(
            who.anchors[origin], who.offsets_m[origin],
            who.anchors[destination], who.offsets_m[destination],
        )  # fmt: skip
        clock, nodes, offsets = 0.0, [], []
        for _, metres, crosswalk in legs:
            clock += metres / who.speed_mps
            if crosswalk is None:
                break
            nodes.append(crosswalk.node)
            offsets.append(clock)
            clock += wait_s + crosswalk.width_m / who.speed_mps
        return np.array(nodes, dtype=np.int64), np.array(offsets, dtype=float)

    return route


def _sites(model: Any, systems: Sequence[str]) -> list[np.ndarray]:
    """Per system, the intersections where its sensors sit (``Service.sensor_sites``)."""
    index = {name: i for i, name in enumerate(systems)}
    nodes: list[set[int]] = [set() for _ in systems]
    segment_node = np.asarray(model.walkways.segment_node, dtype=np.int64)
    for service in model.services.values():
        for sensor, sites in service.sensor_sites().items():
            spec = model.sensing.sensors.get(sensor)
            if spec is None or spec.system not in index:
                continue
            where = nodes[index[spec.system]]
            where.update(sites.nodes)
            where.update(node for node, _ in sites.crosswalks)
            where.update(segment_node[list(sites.segments)].tolist())
    return [np.array(sorted(s), dtype=np.int64) for s in nodes]
