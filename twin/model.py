"""The city model: a SimPy clock inside a Mesa model.

SimPy drives time (seconds, event by event); Mesa holds the agents
(intersections, residents), the single seeded run generator and the
DataCollector. ``CityModel.step`` advances the clock by ``step_s`` so the
interactive app can animate it; batch runs call ``run_until``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager

import mesa
import numpy as np
import simpy

from agents.crosswalk import CROSSING_COLUMNS
from agents.log import ColumnLog
from agents.pedestrian import Resident, Walking
from agents.sensing import Sensing
from agents.signal import SIGNAL_COLUMNS
from agents.vehicle import Traffic
from twin.city import StreetGrid
from twin.demand import arrival_times
from twin.population import create_residents
from twin.scenario import Scenario
from twin.services import crossing_assist, emergency_service, sidewalks
from twin.streams import random_stream
from twin.walkways import Walkways

SAMPLE_S = 300.0  # time-series sampling interval (simulated seconds)
SNOW_SNAPSHOT_EVERY = 6  # samples between snow-depth snapshots (30 simulated minutes)


def events_scheduled(env: simpy.Environment) -> int:
    """How many events ``env`` has scheduled so far.

    SimPy numbers every scheduled event with a running counter (its
    deterministic tie-breaker); reading it costs nothing per event, unlike
    wrapping ``schedule``.
    """
    counter = getattr(env, "_eid", None)
    return next(counter) if counter is not None else 0


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Run with the cyclic garbage collector mostly out of the way.

    A run allocates millions of short-lived events; the long-lived agents and
    routes built beforehand are frozen out of collection and the youngest
    generation is collected less often (about a quarter of run time saved).
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class CityModel(mesa.Model):
    """A district running one scenario.

    Args:
        scenario: the validated scenario, kept as ``spec`` (Mesa 3.5 reserves
            ``Model.scenario`` for its own scenario objects); its seed seeds
            every random stream.
        step_s: simulated seconds advanced by one Mesa ``step``.
    """

    def __init__(self, scenario: Scenario, step_s: float = 10.0) -> None:
        super().__init__(rng=scenario.seed)
        self.spec = scenario
        self.step_s = step_s
        self.env = simpy.Environment(initial_time=0.0)
        self.end_s = scenario.duration
        self.crossing_log = ColumnLog(*CROSSING_COLUMNS)
        self.signal_log = ColumnLog(*SIGNAL_COLUMNS)
        self.sensing = Sensing()
        seed = scenario.seed
        self.grid = StreetGrid(self, self.env, scenario, self.crossing_log, self.signal_log)
        self.walkways = Walkways(self.grid)
        self.residents = create_residents(
            self, scenario, random_stream(seed, "population"), random_stream(seed, "consent")
        )
        self.assist = crossing_assist(
            scenario, self.grid, self.sensing, random_stream(seed, "sensing")
        )
        self.sidewalks = sidewalks(
            self.env, scenario, self.walkways, self.sensing, random_stream(seed, "weather")
        )
        self.emergency = emergency_service(self.env, scenario, self.grid, self.sensing)
        self.traffic = Traffic(self.env, self.grid.link_s, scenario.warmup)
        self.walking = Walking(self.env, self.sidewalks, random_stream(seed, "slips"))
        self.env.process(self._vehicle_demand())
        self.env.process(self._pedestrian_demand())
        if self.emergency is not None:
            self.env.process(self._incidents())
        reporters = {
            "time_s": lambda m: m.env.now,
            "vehicles_in_network": lambda m: m.traffic.inside,
            "vehicles_waiting_to_enter": lambda m: m.traffic.outside,
            "vehicles_queued": lambda m: sum(i.vehicles_queued for i in m.grid.intersections),
            "pedestrians_walking": lambda m: m.walking.active,
            "pedestrians_at_curb": lambda m: sum(
                c.waiting for i in m.grid.intersections for c in i.crosswalks
            ),
        }
        if self.emergency is not None:
            reporters["ambulances_out"] = lambda m: m.emergency.on_the_road
        if self.sidewalks is not None:
            reporters.update(
                snow_depth_unheated_cm=lambda m: m._mean_depth(heated=False),
                snow_depth_heated_cm=lambda m: m._mean_depth(heated=True),
                heating_on_share=lambda m: m.sidewalks.on_share,
            )
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        #: (time_s, snow depth per segment) every 30 simulated minutes
        self.snow_snapshots: list[tuple[float, np.ndarray]] = []
        self.env.process(self._sample())

    # -- running -------------------------------------------------------------

    def step(self) -> None:
        """Advance the simulation by ``step_s`` seconds (never past the end)."""
        self.run_until(min(self.env.now + self.step_s, self.end_s))

    def run_until(self, until_s: float) -> None:
        """Process every event before ``until_s``."""
        if until_s > self.env.now:
            self.env.run(until=until_s)
        self.running = self.env.now < self.end_s

    def run_to_end(
        self, progress: Callable[[float, float], None] | None = None, chunk_s: float = 900.0
    ) -> None:
        """Run the whole scenario, calling ``progress(now_s, end_s)`` between chunks."""
        with fewer_gc_pauses():
            while self.env.now < self.end_s:
                self.run_until(min(self.env.now + chunk_s, self.end_s))
                if progress is not None:
                    progress(self.env.now, self.end_s)

    # -- processes -----------------------------------------------------------

    def _sample(self) -> Generator[simpy.Event, object, None]:
        count = 0
        while True:
            self.datacollector.collect(self)
            if self.sidewalks is not None and count % SNOW_SNAPSHOT_EVERY == 0:
                self.snow_snapshots.append((self.env.now, self.sidewalks.depths_cm()))
            count += 1
            yield self.env.timeout(SAMPLE_S)

    def _mean_depth(self, heated: bool) -> float:
        sidewalks = self.sidewalks
        assert sidewalks is not None
        chosen = sidewalks.heated == heated
        return float(sidewalks.depths_cm()[chosen].mean()) if chosen.any() else float("nan")

    def _incidents(self) -> Generator[simpy.Event, object, None]:
        emergency = self.emergency
        assert emergency is not None
        rng = random_stream(self.spec.seed, "emergency")
        rate = self.spec.emergency.incidents_per_hour
        times = arrival_times(rng, rate, self.end_s)
        nodes = rng.integers(0, len(self.grid.intersections), len(times))
        rows_first = rng.random(len(times)) < 0.5
        row, col = self.spec.station_node
        station = self.grid.node(row, col)
        for t, node, first in zip(times.tolist(), nodes.tolist(), rows_first.tolist(), strict=True):
            yield self.env.timeout(t - self.env.now)
            emergency.call(
                node,
                self.grid.drive(station, node, first),
                self.grid.drive(node, station, not first),
            )

    def _vehicle_demand(self) -> Generator[simpy.Event, object, None]:
        demand = self.spec.demand
        rng = random_stream(self.spec.seed, "vehicles")
        times = arrival_times(
            rng, demand.vehicles_per_hour, self.end_s, demand.profile, demand.start_hour
        )
        points = len(self.grid.boundary)
        entries = rng.integers(0, points, len(times))
        exits = (entries + rng.integers(1, points, len(times))) % points
        rows_first = rng.random(len(times)) < 0.5
        for t, entry, exit_, first in zip(
            times.tolist(), entries.tolist(), exits.tolist(), rows_first.tolist(), strict=True
        ):
            yield self.env.timeout(t - self.env.now)
            self.traffic.start_trip(entry, exit_, self.grid.route(entry, exit_, first))

    def _pedestrian_demand(self) -> Generator[simpy.Event, object, None]:
        demand = self.spec.demand
        rng = random_stream(self.spec.seed, "pedestrians")
        times = arrival_times(
            rng, demand.pedestrians_per_hour, self.end_s, demand.profile, demand.start_hour
        )
        who = rng.integers(0, len(self.residents), len(times))
        outbound = rng.random(len(times)) < 0.5
        which = rng.integers(1, self.spec.population.destinations_per_resident + 1, len(times))
        for t, i, out, k in zip(
            times.tolist(), who.tolist(), outbound.tolist(), which.tolist(), strict=True
        ):
            yield self.env.timeout(t - self.env.now)
            resident: Resident = self.residents[i]
            origin, destination = (0, k) if out else (k, 0)
            legs = self.walkways.legs(
                resident.anchors[origin],
                resident.offsets_m[origin],
                resident.anchors[destination],
                resident.offsets_m[destination],
            )
            self.walking.start_trip(resident, legs)
