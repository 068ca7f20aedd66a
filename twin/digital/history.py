"""Stores at steady state: what each store already holds from the days before the run.

A store with 30-day retention holds 30 days of records when the run starts, not
nothing. Those days are not simulated: their events are generated from the same
routines (every habitual walk, with its attendance and day-to-day jitter, along its
walking route; car trips at the demand's rate, owned through the owners' habitual
driving hours, each along the route of a trip of the run), and each sensor system
answers them as it answered the same kind of event in the run:

- its **sites**: the intersections where it observed anyone, or where its sensors sit;
- its **rate**: observations per event at its sites, of the people it can see;
- **whom it sees**: a person it observed in the run, yes; a person who passed its
  sites and was never observed, no; anyone else, with the share it saw of those who
  passed (a system that observes only those who opted in sees exactly those who share
  their trips);
- the identifier class it captured, and its share of special-category records per
  group of people (reduced mobility, and whether they share their mobility needs).

Everything is numpy over event arrays; nothing here knows which service a system is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from metrics.distinct import dense_ids, distinct
from metrics.privacy import AGGREGATE
from twin.digital.records import Observations
from twin.district.demand import DAY_S, arrival_times
from twin.district.routines import (
    RESIDENT_CAR_TRIP_SHARE,
    VISITOR_TRIPS_MEAN,
    CarHabits,
    PedestrianSchedule,
)

__all__ = [
    "DRIVE",
    "WALK",
    "Events",
    "Response",
    "history_days",
    "history_observations",
    "learn_responses",
    "route_events",
]

#: Kinds of event a sensor answers: a walker crossing, a car passing an intersection.
WALK, DRIVE = 0, 1


@dataclass(frozen=True)
class Events:
    """People passing intersections: when, where, who (residents ``0 .. n - 1``)."""

    time_s: np.ndarray
    node: np.ndarray
    person: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True)
class Response:
    """How one system answered one kind of event in the run.

    Attributes:
        system, kind: the system index and ``WALK`` or ``DRIVE``.
        sites: per intersection, whether the system senses there.
        rate: observations per event at its sites, of people it sees.
        seen: per resident, 1 seen, 0 never seen though they passed its sites, -1 unknown.
        visible_share: share of those who passed its sites whom it saw.
        cls: identifier class of its observations.
        opt_in: it observes only those who opted in.
        sensitive_share: per group of residents, share of observations carrying a
            special-category attribute (last entry: everyone, for visitors).
    """

    system: int
    kind: int
    sites: np.ndarray
    rate: float
    seen: np.ndarray
    visible_share: float
    cls: int
    opt_in: bool
    sensitive_share: np.ndarray


def history_days(horizon_s: float, retention_s: np.ndarray, classes: Sequence[int]) -> int:
    """Whole days of history worth generating: the longest retention of the identifiable
    ``classes`` the stores receive, capped by the horizon (counts are never generated)."""
    kept = [float(retention_s[c]) for c in classes if c != AGGREGATE]
    return int(np.ceil(min(horizon_s, max(kept, default=0.0)) / DAY_S - 1e-9))


def _kind_of(observations: Observations, drives: Events, n_residents: int) -> np.ndarray:
    """``DRIVE`` for an observation made as a car passed (the person's car at that
    intersection at that second, or any visitor), ``WALK`` otherwise."""
    person = observations.person
    span = max(int(observations.place.max(initial=0)), int(drives.node.max(initial=0))) + 1

    def key(who: np.ndarray, node: np.ndarray, time_s: np.ndarray) -> np.ndarray:
        return (np.round(time_s).astype(np.int64) * span + node) * (n_residents + 1) + who

    resident = (drives.person >= 0) & (drives.person < n_residents)
    passed = distinct(key(drives.person[resident], drives.node[resident], drives.time_s[resident]))
    mine = (person >= 0) & (person < n_residents)
    driving = np.zeros(len(person), dtype=bool)
    driving[mine] = np.isin(
        key(person[mine], observations.place[mine], observations.time_s[mine]), passed
    )
    return np.where(driving | (person >= n_residents), DRIVE, WALK)


def learn_responses(
    observations: Observations,
    walks: Events,
    drives: Events,
    n_residents: int,
    n_nodes: int,
    sites: Sequence[np.ndarray],
    shares_trips: np.ndarray,
    group: np.ndarray,
    n_groups: int,
) -> list[Response]:
    """Each system's answer to each kind of event, learnt from the run.

    Args:
        observations: the run's observations.
        walks, drives: the run's crossings and car passages (residents' only for
            ``drives``: a visitor's owner id is not their observation person).
        n_residents, n_nodes: residents are ``0 .. n - 1``; intersections ``0 .. n - 1``.
        sites: per system, the intersections where its sensors sit.
        shares_trips: per resident, whether they let apps keep their trips.
        group: per resident, their group (``sensitive_share`` is per group).
    """
    obs = observations
    identified = (obs.cls != AGGREGATE) & (obs.person >= 0)
    kind = _kind_of(obs, drives, n_residents)
    resident = (obs.person >= 0) & (obs.person < n_residents)
    responses = []
    for system, event_kind in sorted(set(zip(obs.system[identified].tolist(),
                                             kind[identified].tolist(), strict=True))):  # fmt: skip
        mine = identified & (obs.system == system) & (kind == event_kind)
        site = np.zeros(n_nodes, dtype=bool)
        site[distinct(obs.place[mine])] = True
        if system < len(sites):
            site[np.asarray(sites[system], dtype=np.int64)] = True
        events = walks if event_kind == WALK else drives
        at = site[events.node] & (events.person >= 0) & (events.person < n_residents)
        seen = np.full(n_residents, -1, dtype=np.int8)
        seen[distinct(events.person[at])] = 0
        seen_persons = distinct(obs.person[mine & resident])
        seen[seen_persons] = 1
        opt_in = bool(obs.opt_in[mine].any())
        passed = int((seen >= 0).sum())
        visible_share = len(seen_persons) / passed if passed else 1.0
        if opt_in:
            seen = np.where(shares_trips, 1, 0).astype(np.int8)
        events_seen = int((at & (seen[np.clip(events.person, 0, n_residents - 1)] == 1)).sum())
        rate = int((mine & resident).sum()) / events_seen if events_seen else 1.0
        flags = obs.sensitive[mine & resident]
        who = group[obs.person[mine & resident]]
        overall = float(flags.mean()) if len(flags) else 0.0
        share = np.full(n_groups + 1, overall)
        for g in range(n_groups):
            if (who == g).any():
                share[g] = float(flags[who == g].mean())
        cls = int(np.bincount(obs.cls[mine]).argmax())
        responses.append(
            Response(system, event_kind, site, rate, seen, visible_share, cls, opt_in, share)
        )
    return responses


def history_observations(
    responses: Sequence[Response],
    walks: Events,
    drives: Events,
    n_residents: int,
    group: np.ndarray,
    rng: np.random.Generator,
) -> Observations:
    """What the systems observe of the generated events (times before 0)."""
    parts = [Observations.empty()]
    for response in responses:
        events = walks if response.kind == WALK else drives
        at = np.flatnonzero(response.sites[events.node])
        person = events.person[at]
        resident = person < n_residents
        status = np.full(len(person), -1, dtype=np.int8)
        status[resident] = response.seen[person[resident]]
        # whom it sees among those it never met in the run: one draw per person
        unknown = distinct(person[status < 0])
        drawn = rng.random(len(unknown)) < response.visible_share
        lookup = np.searchsorted(unknown, person[status < 0])
        status[status < 0] = drawn[lookup] if len(unknown) else 0
        at, person = at[status == 1], person[status == 1]
        whole = int(np.floor(response.rate))
        times = whole + (rng.random(len(at)) < response.rate - whole)
        at, person = np.repeat(at, times), np.repeat(person, times)
        member = np.where(person < n_residents, group[np.minimum(person, n_residents - 1)], -1)
        n = len(at)
        parts.append(
            Observations(
                time_s=events.time_s[at],
                place=events.node[at],
                person=person,
                cls=np.full(n, response.cls, dtype=np.int8),
                sensitive=rng.random(n) < response.sensitive_share[member],
                system=np.full(n, response.system, dtype=np.int64),
                opt_in=np.full(n, response.opt_in, dtype=bool),
            )
        )
    return Observations.concat(parts)


def route_events(
    start_s: np.ndarray,
    route: np.ndarray,
    route_start: np.ndarray,
    node: np.ndarray,
    offset_s: np.ndarray,
    person: np.ndarray,
) -> Events:
    """Events of trips each following a route: trip ``i`` leaves at ``start_s[i]`` along
    route ``route[i]``, whose passages are ``node`` / ``offset_s`` rows
    ``route_start[r] .. route_start[r + 1] - 1``."""
    lengths = np.diff(route_start)[route]
    trip = np.repeat(np.arange(len(route)), lengths)
    first = np.repeat(route_start[route], lengths)
    within = np.arange(len(trip)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    row = first + within
    return Events(start_s[trip] + offset_s[row], node[row], person[trip])


def walking_history(
    schedule: PedestrianSchedule,
    route_of: Callable[[int, int, int], tuple[np.ndarray, np.ndarray]],
    days: int,
) -> Events:
    """Crossings of the walks in ``schedule`` (drawn over ``days`` days and shifted to end
    at time 0): ``route_of(resident, origin, destination)`` gives each habit's crossings
    (intersections, seconds after leaving)."""
    route = dense_ids(schedule.resident, schedule.origin, schedule.destination)
    first = np.unique(route, return_index=True)[1]
    habits = zip(
        schedule.resident[first].tolist(),
        schedule.origin[first].tolist(),
        schedule.destination[first].tolist(),
        strict=True,
    )
    nodes, offsets, lengths = [], [], []
    for resident, origin, destination in habits:
        node, offset = route_of(resident, origin, destination)
        nodes.append(node)
        offsets.append(offset)
        lengths.append(len(node))
    route_start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return route_events(
        schedule.start_s - days * DAY_S,
        route.reshape(-1),
        route_start,
        np.concatenate([*nodes, np.empty(0, np.int64)]).astype(np.int64),
        np.concatenate([*offsets, np.empty(0)]).astype(float),
        schedule.resident,
    )


def driving_history(
    passages: Events,
    trip: np.ndarray,
    habits: CarHabits,
    vehicles_per_hour: float,
    profile: str,
    start_hour: float,
    days: int,
    n_residents: int,
    first_visitor: int,
    rng: np.random.Generator,
) -> Events:
    """Car passages over ``days`` days before time 0: trips at the demand's rate, a share
    of them residents' cars (the owner whose habitual driving hour is nearest), the rest
    visitors (new ids from ``first_visitor``), each along the route of a random trip of
    the run (``passages`` with their ``trip``)."""
    if len(trip) == 0 or days == 0:
        return Events(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64))
    start_s = arrival_times(rng, vehicles_per_hour, days * DAY_S, profile, start_hour)
    n = len(start_s)
    own = rng.random(n) < (RESIDENT_CAR_TRIP_SHARE if len(habits.owner) else 0.0)
    driver = np.empty(n, dtype=np.int64)
    visitors = int((~own).sum())
    pool = max(1, round(visitors / VISITOR_TRIPS_MEAN))
    driver[~own] = first_visitor + rng.integers(0, pool, visitors)
    if own.any():
        driver[own] = habits.owner_at((start_hour + start_s[own] / 3600.0) % 24.0)
    order = np.lexsort((passages.time_s, trip))
    trip, node, time_s = trip[order], passages.node[order], passages.time_s[order]
    routes, route_start = np.unique(trip, return_index=True)
    first = np.repeat(time_s[route_start], np.diff(np.r_[route_start, len(trip)]))
    route_start = np.r_[route_start, len(trip)].astype(np.int64)
    chosen = rng.integers(0, len(routes), n)
    return route_events(start_s - days * DAY_S, chosen, route_start, node, time_s - first, driver)
