"""Refuse scenarios too large for this machine before they start."""

from __future__ import annotations

import os
from typing import NamedTuple

from twin.errors import CapacityError
from twin.scenario import Scenario

GIB = 1024**3
#: Peak memory of the 10x10 benchmark district with every service on, fitted
#: over 1 and 24 simulated hours (0.16 and 0.46 GiB measured on the street-graph model),
#: and of the 32x32 city-scale benchmark (1.55 GiB: 100,000 residents, a day).
BASE_BYTES = 100 * 1024**2  # interpreter, numpy, SciPy, Mesa; matplotlib not loaded
BYTES_PER_RESIDENT = 3_000
BYTES_PER_TRIP = 1_000  # a vehicle or walking trip: its rows, crossings, records
#: A vehicle passing an intersection: its passage row (log and table) and its stop in the
#: cached route.
BYTES_PER_PASSAGE = 150
BYTES_PER_SIGNAL_PHASE = 6 * 8
#: Walking-route trees: per origin corner, distance, predecessor, edge and settled flag
#: of every corner, and the search's heap.
BYTES_PER_CORNER_PAIR = 16
USABLE_SHARE = 0.8
#: Memory per sensor observation while its privacy is analysed: its row in the sensing
#: log and the observation table, the observation and record tables built from it, the
#: records held and the trace index (fitted on the week benchmark, 2.7 M records, and on
#: integrated_city_brain over 12 h: 329 MiB measured without its attack, 693 MiB with it).
BYTES_PER_OBSERVATION = 600
#: Memory per observation of the days before the run the stores hold (``policy.history``
#: of identifying sensors: generated events, observations, records, trace index; fitted
#: on integrated_city_brain over 12 h with 20,000 residents: 3.47 GiB measured with its
#: 31 days, 0.33 GiB without).
BYTES_PER_HISTORY_OBSERVATION = 300
#: Crossings per walking trip in the 4 x 4 district (measured: 2.76 on a day).
CROSSINGS_PER_WALK = 2.8
DAY_S = 86_400.0


def available_memory_bytes() -> int:
    """Memory available to a new run (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def estimate_memory_bytes(scenario: Scenario) -> int:
    """Peak memory of a run: libraries, the observations of the days before the run the
    stores hold (for the run's privacy only), then per simulated city its residents,
    trips, vehicle passages, signal log, walking routes and observations, times the
    cities alive at once (see :func:`cities_alive`)."""
    hours = scenario.duration / 3600.0
    demand = scenario.demand
    size = district_size(scenario)
    trips = (demand.vehicles_per_hour + demand.pedestrians_per_hour) * hours
    phases = 2 * size.signalised * scenario.duration / scenario.signals.cycle_s
    per_city = (
        expected_observations(scenario) * BYTES_PER_OBSERVATION
        + scenario.population.residents * BYTES_PER_RESIDENT
        + trips * BYTES_PER_TRIP
        + demand.vehicles_per_hour * hours * crossed(scenario) * BYTES_PER_PASSAGE
        + phases * BYTES_PER_SIGNAL_PHASE
        + size.corners**2 * BYTES_PER_CORNER_PAIR
    )
    history = history_observations(scenario) * BYTES_PER_HISTORY_OBSERVATION
    return int(BASE_BYTES + history + cities_alive(scenario) * per_city)


class DistrictSize(NamedTuple):
    """What a district's memory grows with: intersections, signalised ones, street corners."""

    intersections: int
    signalised: int
    corners: int


def district_size(scenario: Scenario) -> DistrictSize:
    """The size of the scenario's street graph (a grid's from rows x cols, a map's read)."""
    city = scenario.city
    if city.is_grid:
        nodes = city.rows * city.cols
        return DistrictSize(nodes, nodes, 4 * nodes)
    from twin.district.city import street_graph

    graph = street_graph(scenario)
    n = graph.n_intersections
    return DistrictSize(
        n, len(graph.signalised()), sum(max(len(legs), 1) for legs in graph.legs[:n])
    )


def cities_alive(scenario: Scenario) -> int:
    """Simulated cities held in memory at once: the run itself; with attacks also the
    run without them (the counterfactual) and, when more replications are simulated,
    one replica at a time."""
    if not scenario.attacks:
        return 1
    return 3 if scenario.security.simulated_replications > 1 else 2


def crossed(scenario: Scenario) -> float:
    """Intersections a vehicle passes: about (rows + cols) / 2 (4.1 measured in the
    4 x 4 district), the square root of the intersections on any district."""
    city = scenario.city
    if city.is_grid:
        return (city.rows + city.cols) / 2
    return float(district_size(scenario).intersections ** 0.5)


def expected_observations(scenario: Scenario, identifying: bool = False) -> float:
    """Observations the services' sensors will make (each becomes a record to analyse);
    ``identifying``: only those of sensors that capture an identifier. Each service
    estimates its own share of passages and crossings."""
    from twin.services import registered

    hours = scenario.duration / 3600.0
    demand = scenario.demand
    passages = demand.vehicles_per_hour * hours * crossed(scenario)
    crossings = demand.pedestrians_per_hour * hours * CROSSINGS_PER_WALK
    return sum(
        cls.expected_observations(scenario, passages, crossings)
        for cls in registered()
        if cls.enabled(scenario) and (not identifying or cls.identifies(scenario))
    )


def history_observations(scenario: Scenario) -> float:
    """Observations of the days before the run the stores start with: those of the
    identifying sensors per day, times ``policy.history`` in whole days capped by the
    longest retention (none when the stores keep only aggregates)."""
    from twin.digital.history import history_days
    from twin.digital.retention import class_retention

    policy = scenario.policy
    if policy.anonymisation == "aggregate":
        return 0.0
    retention = class_retention(policy.retention)
    days = history_days(policy.history, retention, range(len(retention)))
    per_day = expected_observations(scenario, identifying=True) * DAY_S / scenario.duration
    return per_day * days


def check_capacity(scenario: Scenario, available: int | None = None) -> None:
    """Raise :class:`CapacityError` when the run would not fit in memory."""
    need = estimate_memory_bytes(scenario)
    have = available_memory_bytes() if available is None else available
    if need > USABLE_SHARE * have:
        raise CapacityError(
            f"scenario '{scenario.name}' ({district_size(scenario).intersections:,} "
            f"intersections) needs an estimated {need / GIB:.1f} GiB of memory, "
            f"but only {have / GIB:.1f} GiB is available ({USABLE_SHARE:.0%} usable); "
            "shorten the duration, lower demand.*_per_hour or population.residents, or "
            "choose a smaller district (city.rows x cols, or city.bbox)"
        )
