"""The city model: a SimPy clock inside a Mesa model.

SimPy drives time (seconds, event by event); Mesa holds the agents
(intersections, residents), the single seeded run generator and the
DataCollector. ``CityModel.step`` advances the clock by ``step_s`` so the
interactive app can animate it; batch runs call ``run_until``.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections import defaultdict
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
from twin.district.city import street_graph
from twin.district.demand import arrival_times, driver_paces
from twin.district.od import trip_ends
from twin.district.population import create_residents
from twin.district.routines import draw_routines, pedestrian_schedule, vehicle_owners
from twin.district.street_graph import StreetGraph
from twin.district.streets import StreetNetwork
from twin.district.walkways import Walkways
from twin.errors import SCENARIO_SOURCE, Problem, ScenarioError
from twin.scenario import Scenario
from twin.security.spread import AttackOutcome
from twin.services import BuildContext, Service, registered
from twin.simulation.attacks import AttackPlan, attack_entries, down_now, install, launch_attack
from twin.simulation.outcomes import LiveOutcomes, collect
from twin.streams import random_stream

SAMPLE_S = 300.0  # time-series sampling interval (simulated seconds)


class _AgentIdCounters(weakref.WeakKeyDictionary):  # type: ignore[type-arg]
    """Mesa 3.3's per-model agent-id counters, held weakly.

    Mesa 3.3 keeps each model's counter in ``Agent._ids``, a class-level dict keyed by
    the model, so no finished model is ever freed: every run in a process (a sweep
    worker, the explorer's resets, a test session) kept its whole city. From Mesa 3.4
    the counter lives on the model and this is not needed.
    """

    def __getitem__(self, model: object) -> itertools.count[int]:
        counter = self.get(model)
        if counter is None:
            counter = self[model] = itertools.count(1)
        return counter


if isinstance(getattr(mesa.Agent, "_ids", None), defaultdict):
    mesa.Agent._ids = _AgentIdCounters(mesa.Agent._ids)


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes (for benchmarks).

    Counting in ``step`` costs one addition per event and uses only SimPy's public API.
    """

    def __init__(self, initial_time: float = 0.0) -> None:
        super().__init__(initial_time)
        self.events_processed = 0

    def step(self) -> None:
        self.events_processed += 1
        super().step()


def events_scheduled(env: simpy.Environment) -> int:
    """How many events ``env`` has processed so far (0 for a plain environment)."""
    return getattr(env, "events_processed", 0)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run with the cyclic garbage collector off (nested uses keep it off).

    A run allocates millions of events, then routes, paths and logs that live to its
    end, but makes no reference cycles to speak of (the city-scale day frees none), so
    collecting would only rescan live objects: about a tenth of the run's time. The
    collector is simply on again afterwards: moving the run's objects to the oldest
    generation (``gc.freeze`` then ``unfreeze``) kept full collections from ever coming
    due, so a process running run after run (a sweep worker) grew by each finished run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class CityModel(mesa.Model):
    """A district running one scenario.

    Args:
        scenario: the validated scenario, kept as ``spec`` (Mesa 3.5 reserves
            ``Model.scenario`` for its own scenario objects); its seed seeds
            every random stream. Mesa's ``batch_run`` passes it as a keyword.
        step_s: simulated seconds advanced by one Mesa ``step``.

    The DataCollector has a row at time 0; then, when the model is run with
    :meth:`run_to_end` or :meth:`run_until`, a row every ``SAMPLE_S`` simulated
    seconds (the time series) and one at the end, and when it is driven by
    :meth:`step`, one row per step, Mesa's convention (what ``mesa.batch_run`` and the
    app read). Its columns are the district's state, each service's reporters and the
    outcomes so far (``twin.simulation.outcomes``), per agent too.

    Other args:
        count_events: count processed events (``events_scheduled``; costs a little time).
        attack_replication: which draw of the scenario's attacks this run lives through
            (``twin.simulation.attacks``; -1: none).
        seed: replaces the scenario's seed when given; None keeps the scenario's. For
            replications with ``mesa.batch_run``, pass a scenario per seed
            (``{"scenario": [s.with_changes({"seed": k}) for k in (1, 2, 3)]}``; Mesa
            3.5's ``rng=[1, 2, 3]`` sets this argument): its ``iterations`` alone repeats
            the same seed, so the same run.
        graph: the streets to build instead of the scenario's city (for studies of a
            street layout of one's own).
    """

    def __init__(
        self,
        scenario: Scenario,
        step_s: float = 10.0,
        count_events: bool = False,
        attack_replication: int = 0,
        seed: int | None = None,
        graph: StreetGraph | None = None,
    ) -> None:
        if seed is not None and seed != scenario.seed:
            scenario = scenario.with_changes({"seed": seed})
        super().__init__(rng=scenario.seed)
        self.spec = scenario
        self.step_s = step_s
        self._stepped = False  # driven by step(): one DataCollector row per step
        self.env = CountingEnvironment(0.0) if count_events else simpy.Environment(0.0)
        self.end_s = scenario.duration
        self.crossing_log = ColumnLog(*CROSSING_COLUMNS)
        self.signal_log = ColumnLog(*SIGNAL_COLUMNS)
        self.sensing = Sensing()
        seed = scenario.seed
        classes = [cls for cls in registered() if cls.enabled(scenario)]
        timing: dict[str, float] = {}
        for cls in classes:
            timing.update(cls.signal_timing(scenario))
        #: the street graph (the scenario's grid or OpenStreetMap extract, unless given)
        self.graph = graph if graph is not None else street_graph(scenario)
        self.streets = StreetNetwork(
            self, self.env, scenario, self.graph, self.crossing_log, self.signal_log, timing
        )
        self.walkways = Walkways(self.streets)
        self.residents = create_residents(
            self,
            scenario,
            self.streets,
            self.walkways,
            random_stream(seed, "population"),
            random_stream(seed, "consent"),
        )
        context = BuildContext(scenario, self, self.env, self.streets, self.walkways, self.sensing)
        #: the services this scenario runs, by name (addressable, e.g. by attacks)
        self.services: dict[str, Service] = {cls.name: cls(scenario, context) for cls in classes}
        navigators = [n for n in (s.navigator() for s in self.services.values()) if n]
        #: live travel times informed drivers follow, if a service publishes them
        self.navigator = navigators[0] if navigators else None
        self.traffic = Traffic(
            self.env, scenario.warmup, self.navigator, dispersed=scenario.city.speed_spread > 0
        )
        self.vehicle_owners = np.empty(0, dtype=np.int64)  # drawn with the vehicle trips
        services = list(self.services.values())
        self.walking = Walking(
            self.env,
            [s for s in (service.surface() for service in services) if s is not None],
            random_stream(seed, "slips"),
        )
        self.walking.watchers += [w for w in (s.walk_watcher() for s in services) if w]
        self.traffic.watchers += [w for w in (s.vehicle_watcher() for s in services) if w]
        #: trips start before this; with ``demand.until`` the run ends once vehicles clear
        self.demand_end_s = scenario.demand.until or self.end_s
        self.env.process(self._vehicle_demand())
        self.env.process(self._pedestrian_demand())
        if scenario.demand.until is not None:
            self.env.process(self._end_when_clear())
        for service in self.services.values():
            service.start()
        self._close_lanes()
        #: the integration graph and the attacks drawn for it (``twin.simulation.attacks``)
        self.attack_plan: AttackPlan = install(self, attack_replication)
        reporters = {
            "time_s": lambda m: m.env.now,
            "vehicles_in_network": lambda m: m.traffic.inside,
            "vehicles_waiting_to_enter": lambda m: m.traffic.outside,
            "vehicles_queued": lambda m: sum(i.vehicles_queued for i in m.streets.intersections),
            "pedestrians_walking": lambda m: m.walking.active,
            "pedestrians_at_curb": lambda m: sum(
                c.waiting for i in m.streets.intersections for c in i.crosswalks
            ),
        }
        for service in self.services.values():
            reporters.update(service.reporters())
        #: the outcomes so far (``metrics.json``'s, read at every sample), per agent too
        self.outcomes = LiveOutcomes(self)
        reporters.update(self.outcomes.model_reporters())
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters, agent_reporters=self.outcomes.agent_reporters()
        )
        self._take_sample()  # the row at time 0
        self.env.process(self._sample())

    # -- attacks (the explorer's attack panel) -------------------------------

    @property
    def attack_entries(self) -> list[str]:
        """Where an attack can enter: every component, then each ``vendor:NAME``."""
        return attack_entries(self.attack_plan)

    def launch_attack(self, entry: str, duration_s: float = 3600.0) -> AttackOutcome:
        """Attack entering at ``entry`` now (its controllers flash, its stores leak); its
        spread is drawn and its effects scheduled."""
        return launch_attack(self, entry, duration_s)

    @property
    def compromised(self) -> set[str]:
        """Components out of order now, from the scenario's attacks and those launched."""
        return down_now(self.attack_plan, self.env.now)

    # -- running -------------------------------------------------------------

    def step(self) -> None:
        """Advance the simulation by ``step_s`` seconds (never past the end). The step
        after the one that reached the end stops the model (``running`` False) without
        a row, so the last row of a stepped run, and of ``mesa.batch_run``'s, is its end."""
        self._stepped = True
        if self.env.now >= self.end_s:
            self.running = False
            return
        self.run_until(min(self.env.now + self.step_s, self.end_s))
        self.running = True
        self.datacollector.collect(self)

    def run_until(self, until_s: float) -> None:
        """Process every event before ``until_s``."""
        if until_s > self.env.now:
            self.env.run(until=until_s)
        self.running = self.env.now < self.end_s

    def run_to_end(
        self, progress: Callable[[float, float], None] | None = None, chunk_s: float = 900.0
    ) -> None:
        """Run the whole scenario, calling ``progress(now_s, end_s)`` between chunks."""
        with gc_paused():
            while self.env.now < self.end_s:
                self.run_until(min(self.env.now + chunk_s, self.end_s))
                if progress is not None:
                    progress(self.env.now, self.end_s)
        if self.datacollector.model_vars["time_s"][-1] < self.env.now:
            self._take_sample()  # the last row is the end of the run

    def _close_lanes(self) -> None:
        """Schedule the scenario's incidents (lane closures).

        Raises:
            ScenarioError: an incident names intersections this city lacks, or two that no
                street joins (at ``incidents.N.between``).
        """
        graph = self.graph
        node_of = {label: node for node, label in enumerate(graph.label)}
        problems = []
        for index, incident in enumerate(self.spec.incidents):
            a, b = (node_of.get(label, -1) for label in incident.between)
            if a < 0 or b < 0 or ((a, b) not in graph.link_of and (b, a) not in graph.link_of):
                known = ", ".join(repr(label) for label in graph.label[:4])
                problems.append(
                    Problem(
                        SCENARIO_SOURCE,
                        None,
                        f"incidents.{index}.between",
                        f"{list(incident.between)} is not a street of this city; give the "
                        f"labels of two neighbouring intersections as in intersections.csv "
                        f"(e.g. {known}, ...)",
                    )
                )
                continue
            end = incident.at + incident.duration
            self.streets.close_lanes(a, b, incident.at, end, incident.capacity)
        if problems:
            raise ScenarioError(problems)

    # -- processes -----------------------------------------------------------

    def _take_sample(self, agents: bool = True) -> None:
        collect(self.datacollector, self, agents)
        for service in self.services.values():
            service.snapshot()

    def _sample(self) -> Generator[simpy.Event, object, None]:
        while True:
            yield self.env.timeout(SAMPLE_S)
            if self._stepped:
                return
            self._take_sample(agents=False)  # Mesa keeps the last row's agents only

    def _end_when_clear(self) -> Generator[simpy.Event, object, None]:
        """After the demand period, end the run when the last vehicle has left."""
        yield self.env.timeout(self.demand_end_s)
        if self.traffic.active:
            cleared = self.env.event()
            self.traffic.on_empty = cleared.succeed
            yield cleared
        self.end_s = self.env.now
        stop = self.env.event()
        stop.callbacks.append(simpy.core.StopSimulation.callback)
        stop.succeed()

    def _vehicle_demand(self) -> Generator[simpy.Event, object, None]:
        demand = self.spec.demand
        rng = random_stream(self.spec.seed, "vehicles")
        times = arrival_times(
            rng, demand.vehicles_per_hour, self.demand_end_s, demand.profile, demand.start_hour
        )
        entries, exits = trip_ends(rng, self.graph, demand, len(times))
        choices = random_stream(self.spec.seed, "route_choice")
        #: owner of vehicle trip k + 1 (``Traffic`` numbers trips from 1): resident or visitor
        self.vehicle_owners = vehicle_owners(
            random_stream(self.spec.seed, "owners"),
            times,
            len(self.residents),
            demand.start_hour,
            demand.profile,
        )
        share = self.navigator.share if self.navigator is not None else 0.0
        informed = random_stream(self.spec.seed, "navigation").random(len(times)) < share
        paces = driver_paces(
            random_stream(self.spec.seed, "driver_speeds"), self.spec.city.speed_spread, len(times)
        )
        boundary = self.streets.boundary
        for t, entry, exit_, follows, pace in zip(
            times.tolist(),
            entries.tolist(),
            exits.tolist(),
            informed.tolist(),
            paces.tolist(),
            strict=True,
        ):
            yield self.env.timeout(t - self.env.now)
            route = self.streets.route(entry, exit_, choices)
            self.traffic.start_trip(entry, exit_, route, boundary[exit_], follows, pace)

    def _pedestrian_demand(self) -> Generator[simpy.Event, object, None]:
        demand = self.spec.demand
        rng = random_stream(self.spec.seed, "pedestrians")
        routines = draw_routines(
            rng,
            len(self.residents),
            self.spec.population.destinations_per_resident,
            demand.pedestrians_per_hour,
            demand.profile,
        )
        trips = pedestrian_schedule(rng, routines, self.demand_end_s, demand.start_hour)
        for t, i, origin, destination in zip(
            trips.start_s.tolist(),
            trips.resident.tolist(),
            trips.origin.tolist(),
            trips.destination.tolist(),
            strict=True,
        ):
            yield self.env.timeout(t - self.env.now)
            resident: Resident = self.residents[i]
            legs = self.walkways.legs(
                resident.anchors[origin],
                resident.offsets_m[origin],
                resident.anchors[destination],
                resident.offsets_m[destination],
            )
            self.walking.start_trip(resident, legs)
