"""Turning vehicles yielding to pedestrians (``signals.turns_yield_to_pedestrians``).

Exact event times on a bare SimPy clock; right-turn saturation flow against HCM's
pedestrian adjustment (6th ed., Ch. 31, after Milazzo et al., FHWA-RD-98-106):
``v_pedg = v_ped C / g_p``; ``OCC_pedg = v_pedg / 2000`` up to 1,000 p/h of pedestrian
green, ``0.4 + v_pedg / 10,000`` above; ``OCC_r = OCC_pedg`` (a right turn, no bicycles);
``A_pbT = 1 - OCC_r`` (as many receiving lanes as turning lanes); ``f_Rpb = 1 - P_RT (1 -
A_pbT)(1 - P_RTA)``, which with every vehicle turning right on a permitted green
(``P_RT = 1``, ``P_RTA = 0``) is ``A_pbT``. Then the district: the conflict metric and the
yielding rule agree, and no run loops at one instant.
"""

from __future__ import annotations

import signal as posix_signal
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from agents.approach import Approach
from agents.crosswalk import CROSSING_COLUMNS, Crosswalk
from agents.log import ColumnLog
from agents.pedestrian import SPEED_LIMITS_MPS, UNIMPAIRED_SPEED
from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming
from agents.turn_yield import TurnYield
from metrics.safety import vehicle_pedestrian_conflicts
from tests.conftest import build
from twin.errors import ScenarioError
from twin.scenario import load_scenario
from twin.simulation.model import CityModel
from twin.simulation.runner import collect, run_scenario

#: Leg labels of bare agents (no street graph): a southbound approach turns right into
#: the west leg, whose crosswalk walks with it.
NORTH, EAST, SOUTH, WEST = range(4)
HEADWAY_S = 2.0
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def run_guarded(env: simpy.Environment, until: float, same_instant: int = 50_000) -> None:
    """Run ``env`` until ``until``; fail if it processes ``same_instant`` events in a row
    at one instant (a model looping without time passing: a hang)."""
    last, count = -1.0, 0
    while env.peek() < until:
        now = env.peek()
        count = count + 1 if now == last else 0
        last = now
        assert count < same_instant, f"looping at {now} s"
        env.step()


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail what runs inside if it takes longer than ``seconds`` of wall time."""

    def hang(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = posix_signal.signal(posix_signal.SIGALRM, hang)
    posix_signal.alarm(seconds)
    try:
        yield
    finally:
        posix_signal.alarm(0)
        posix_signal.signal(posix_signal.SIGALRM, previous)


def walker(uid: int) -> SimpleNamespace:
    return SimpleNamespace(unique_id=uid, impaired=False, needs_time=False, opted_in=False)


def bare(env: simpy.Environment, width_m: float = 7.0) -> tuple[Approach, Crosswalk]:
    """A southbound approach whose right-turners yield on the west crosswalk."""
    approach = Approach(env, 0, SOUTH, 0, HEADWAY_S)
    crosswalk = Crosswalk(env, 0, WEST, 0, width_m, ColumnLog(*CROSSING_COLUMNS))
    approach.yields = TurnYield(approach, {WEST: crosswalk})
    return approach, crosswalk


def test_a_turner_leaves_when_the_crosswalk_clears_and_the_next_a_headway_after() -> None:
    """Effective green from 2 s. Pedestrian A steps onto the 7 m crosswalk at 3 s at
    1 m/s (on it until 10 s); B at 8 s at 1.4 m/s (until 13 s). A right-turner reaching
    the line at 5 s looks at 10 s, finds B, and leaves at 13 s; a through vehicle behind
    it (at 6 s) leaves at 15 s, a right-turner at 7 s at 17 s (clear by then). A
    right-turner alone before anyone stepped on, at 0.5 s, left at the start of green."""
    env = simpy.Environment()
    approach, crosswalk = bare(env)
    departures: dict[str, float] = {}

    def car(name: str, at: float, leg: int) -> Generator[simpy.Event, object, None]:
        yield env.timeout(at)
        ticket = approach.arrive(out_leg=leg)
        departures[name] = float((yield ticket) if isinstance(ticket, simpy.Event) else ticket)  # type: ignore[arg-type]

    def pedestrian(uid: int, at: float, speed: float) -> Generator[simpy.Event, object, None]:
        yield env.timeout(at)
        crosswalk.cross(walker(uid), speed, at, True, False)

    approach.open(2.0, 60.0)
    crosswalk.start_walk(20.0)
    env.process(car("early", 0.5, WEST))
    env.process(pedestrian(1, 3.0, 1.0))
    env.process(pedestrian(2, 8.0, 1.4))
    env.process(car("turner", 5.0, WEST))
    env.process(car("through", 6.0, NORTH))
    env.process(car("second turner", 7.0, WEST))
    run_guarded(env, 100.0)
    assert departures == {"early": 2.0, "turner": 13.0, "through": 15.0, "second turner": 17.0}
    assert not approach.yields.tickets  # type: ignore[union-attr]


def test_a_turner_still_waiting_at_the_end_of_green_leaves_in_the_next() -> None:
    """Someone on the crosswalk until 12 s, green until 10 s: the turner waits for the
    next effective green (from 30 s) and leaves at its start."""
    env = simpy.Environment()
    approach, crosswalk = bare(env)
    departures: list[float] = []

    def scenario() -> Generator[simpy.Event, object, None]:
        approach.open(2.0, 10.0)
        crosswalk.start_walk(5.0)
        crosswalk.cross(walker(1), 7.0 / 12.0, 0.0, True, False)
        ticket = approach.arrive(out_leg=WEST)
        assert isinstance(ticket, simpy.Event)
        yield env.timeout(28.0)
        approach.open(30.0, 50.0)
        departures.append(float((yield ticket)))  # type: ignore[arg-type]

    env.process(scenario())
    run_guarded(env, 100.0)
    assert departures == [30.0]


# -- HCM --------------------------------------------------------------------------------

#: A fixed 60 s cycle; the turning approach's green 27 s (effective 28 s: + 3 s yellow
#: - 2 s lost), the cross street's 23 s, 3 s yellow and 2 s all-red after each. The
#: crosswalk (7 m: one 3.5 m lane each way, so one receiving lane) shows WALK for the
#: green less its clearance at 1.07 m/s, so the pedestrian green (WALK + flashing DON'T
#: WALK) is the vehicle green, HCM's ``g_p`` (and its default, ``g_p = g``).
WIDTH_M = 7.0
CYCLE_S, GREEN_S = 60.0, 27.0
CLEARANCE_S = WIDTH_M / 1.07
HCM_TIMING = SignalTiming(
    control="fixed",
    green_s=(GREEN_S, CYCLE_S - GREEN_S - 10.0),
    yellow_s=3.0,
    all_red_s=2.0,
    walk_s=GREEN_S - CLEARANCE_S,
    clearance_s=CLEARANCE_S,
    startup_lost_s=2.0,
    min_green_s=7.0,
    max_green_s=45.0,
    passage_s=3.0,
)
WARMUP_S, HOURS = 600.0, 3.0


def hcm_f_rpb(v_ped: float, cycle_s: float, g_p: float) -> float:
    """HCM's f_Rpb for an approach of right-turners only (P_RT 1, P_RTA 0, one receiving
    lane per turning lane): 1 - OCC_pedg."""
    v_pedg = v_ped * cycle_s / g_p
    occupancy = v_pedg / 2000 if v_pedg <= 1000 else 0.4 + v_pedg / 10_000
    return 1.0 - occupancy


def simulated_f_rpb(v_ped: float, seed: int) -> float:
    """Right-turners served per cycle over those a saturated green serves without
    pedestrians (effective green / headway), pedestrians arriving Poisson at ``v_ped``
    at the crosswalk the turners cross, walking at the twin's unimpaired speeds."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    signal_log, crossing_log = ColumnLog(*SIGNAL_COLUMNS), ColumnLog(*CROSSING_COLUMNS)
    turning, cross = Approach(env, 0, SOUTH, 0, HEADWAY_S), Approach(env, 0, EAST, 1, HEADWAY_S)
    west = Crosswalk(env, 0, WEST, 0, WIDTH_M, crossing_log)
    north = Crosswalk(env, 0, NORTH, 1, WIDTH_M, crossing_log)
    SignalController(env, 0, HCM_TIMING, [[turning], [cross]], [[west], [north]], signal_log)
    turning.yields = TurnYield(turning, {WEST: west})
    departures: list[float] = []

    def vehicles() -> Generator[simpy.Event, object, None]:  # 3,600 veh/h: saturated
        while True:
            ticket = turning.arrive(out_leg=WEST)
            if isinstance(ticket, simpy.Event):
                ticket.callbacks.append(lambda event: departures.append(event.value))
            else:
                departures.append(ticket)
            yield env.timeout(1.0)

    def pedestrian(uid: int) -> Generator[simpy.Event, object, None]:
        arrived = env.now
        speed = float(np.clip(rng.normal(*UNIMPAIRED_SPEED), *SPEED_LIMITS_MPS))
        if not west.walking:
            yield west.wait_for_walk()
        west.cross(walker(uid), speed, arrived, True, False)

    def pedestrians() -> Generator[simpy.Event, object, None]:
        uid = 0
        while True:
            yield env.timeout(rng.exponential(3600.0 / v_ped))
            uid += 1
            env.process(pedestrian(uid))

    env.process(vehicles())
    env.process(pedestrians())
    end_s = WARMUP_S + HOURS * 3600.0
    run_guarded(env, end_s)
    times = np.array(departures)
    served = float(((times >= WARMUP_S) & (times < end_s)).sum())
    cycles = HOURS * 3600.0 / CYCLE_S
    return served / cycles / ((GREEN_S + 3.0 - 2.0) / HEADWAY_S)


def _simulated_and_hcm(v_ped: float) -> tuple[float, float]:
    """Mean simulated f_Rpb of 6 seeds of 3 h (180 cycles each) and HCM's; the spread
    between seeds is about 0.01 in f, a tenth of the 10 % tolerance."""
    simulated = [simulated_f_rpb(v_ped, seed) for seed in range(6)]
    assert np.std(simulated) < 0.02
    return float(np.mean(simulated)), hcm_f_rpb(v_ped, CYCLE_S, GREEN_S)


@pytest.mark.slow  # six seeds of three hours
@pytest.mark.parametrize("v_ped", [100, 400, 800])
def test_right_turn_saturation_flow_matches_hcm(v_ped: float) -> None:
    """Within 10 % (the tolerance of the other HCM checks). A turner that waited for
    walkers and leaves late in green is charged its whole headway (the next green owes
    what ran past this one): when it went free, the twin's turners lost about a sixth
    less of their green than HCM's at 400 and 800 pedestrians/h."""
    simulated, reference = _simulated_and_hcm(v_ped)
    assert simulated == pytest.approx(reference, rel=0.10), (simulated, reference)


# -- the district ---------------------------------------------------------------------


def _district(yields: bool, **signals: object) -> CityModel:
    scenario = build(
        seed=3,
        duration="1h",
        warmup="5min",
        city={"rows": 2, "cols": 2, "block_length_m": 150},
        demand={"vehicles_per_hour": 1500, "pedestrians_per_hour": 1500},
        population={"residents": 1500},
        signals={"turns_yield_to_pedestrians": yields, **signals},
    )
    model = CityModel(scenario)
    run_guarded(model.env, model.end_s)
    return model


def _far_conflicts_of_yielders(model: CityModel) -> tuple[int, int]:
    """(passages of turners that yield, those whose exit crosswalk was occupied then)."""
    tables = collect(model, {}, privacy=False).tables
    passages, crossings = tables["vehicle_passages"], tables["crossings"]
    yielding = {
        (a.node, a.from_leg): set(a.yields.crosswalks)
        for a in model.streets.approach_of.values()
        if a.yields is not None
    }
    turners = occupied = 0
    for node, from_leg, to_leg, time_s in zip(
        passages["node"], passages["from_leg"], passages["to_leg"], passages["time_s"],
        strict=False,
    ):  # fmt: skip
        if int(to_leg) not in yielding.get((int(node), int(from_leg)), ()):
            continue
        turners += 1
        on = (
            (crossings["node"] == node)
            & (crossings["crosswalk"] == to_leg)
            & (crossings["start_s"] <= time_s)
            & (crossings["end_s"] > time_s)
        )
        occupied += bool(on.any())
    return turners, occupied


def test_no_turner_that_yields_is_counted_on_its_exit_crosswalk() -> None:
    """The metric's far crosswalk, occupied in the crossing table's intervals, is the
    rule's conflict zone: with the option on no turner leaves over an occupied one, and
    conflicts fall; with it off many do."""
    on, off = _district(True), _district(False)
    turners, occupied = _far_conflicts_of_yielders(on)
    assert turners > 500
    assert occupied == 0
    assert _conflicts(on) < _conflicts(off) / 5


def _conflicts(model: CityModel) -> int:
    tables = collect(model, {}, privacy=False).tables
    return vehicle_pedestrian_conflicts(
        tables["vehicle_passages"], tables["crossings"], model.spec.warmup
    )[0]


def test_yielding_with_permissive_left_turns_and_actuated_control_ends() -> None:
    """Left-turners find a gap in the opposing traffic, then wait for the crosswalk;
    actuated greens re-check their detectors while a turner holds the lane: the run
    reaches its end without looping at one instant."""
    model = _district(True, left_turns="permissive", control="actuated")
    turners, occupied = _far_conflicts_of_yielders(model)
    assert turners > 500
    assert occupied == 0


def _counted_on_exit_crosswalks(model: CityModel) -> tuple[int, int]:
    """(passages of turners that yield, those the conflict metric counts on the crosswalk
    they leave by, warm-up included): each asked of the metric as a passage whose approach
    crosswalk is its exit crosswalk."""
    tables = collect(model, {}, privacy=False).tables
    passages = tables["vehicle_passages"]
    yielding = {
        (a.node, a.from_leg, leg)
        for a in model.streets.approach_of.values()
        if a.yields is not None
        for leg in a.yields.crosswalks
    }
    triples = zip(passages["node"], passages["from_leg"], passages["to_leg"], strict=True)
    turners = np.array([(int(n), int(f), int(t)) in yielding for n, f, t in triples], dtype=bool)
    exits = {
        "node": passages["node"][turners],
        "from_leg": passages["to_leg"][turners],
        "to_leg": passages["to_leg"][turners],
        "time_s": passages["time_s"][turners],
    }
    counted, _ = vehicle_pedestrian_conflicts(exits, tables["crossings"], warmup_s=0.0)
    return int(turners.sum()), counted


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_no_turner_that_yields_is_counted_on_its_exit_crosswalk_anywhere(path: Path) -> None:
    """Every bundled district (grids, a map with 3- and 5-leg intersections and one-way
    streets; actuated, adaptive and preempted signals), permissive left turns; the run
    ``twin run`` reports (its attacks only in the replicas: a signal flashing as an
    all-way stop lets turners go in turn, without yielding)."""
    sets = ["signals.turns_yield_to_pedestrians=true", "signals.left_turns=permissive"]
    model = CityModel(load_scenario(path, sets), attack_replication=-1)
    with deadline(900):
        run_guarded(model.env, model.end_s)
    turners, counted = _counted_on_exit_crosswalks(model)
    assert turners > 0
    assert counted == 0


def test_the_option_is_validated() -> None:
    assert build().signals.turns_yield_to_pedestrians is True  # the default
    with pytest.raises(ScenarioError):
        build(signals={"turns_yield_to_pedestrians": "sometimes"})


def test_the_baseline_runs_with_turns_yielding_and_permissive_left_turns() -> None:
    sets = ["duration=20min", "warmup=5min", "signals.turns_yield_to_pedestrians=true"]
    path = SCENARIOS[0].parent / "baseline.yaml"
    model = CityModel(load_scenario(path, [*sets, "signals.left_turns=permissive"]))
    with deadline(60):
        run_guarded(model.env, model.end_s)
    assert model.traffic.log.arrays()["end_s"].size > 400


@pytest.mark.slow
@pytest.mark.parametrize("left_turns", ["unopposed", "permissive"])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_runs_to_its_end_with_turns_yielding(
    path: Path, left_turns: str
) -> None:
    """The whole run, attacked replicas included, as ``twin run`` does it."""
    sets = ["signals.turns_yield_to_pedestrians=true", f"signals.left_turns={left_turns}"]
    sets.append("policy.history=0")  # the stores before the run move no vehicle
    with deadline(900):
        result = run_scenario(load_scenario(path, sets))
    efficiency = result.metrics["efficiency"]
    assert isinstance(efficiency, dict)
    assert efficiency["vehicle_trips_completed"] > 0
