"""Finite links, spillback, exact capacity, coordination and honest delay (issue 8).

References are independent of the implementation: the HCM 2000 delay
formula for oversaturated approaches, s * g / C for capacity, a vertical
queue recursion, and exact event traces on a bare SimPy clock.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from agents.approach import Approach
from tests.conftest import build
from twin.simulation.model import CityModel
from twin.simulation.runner import collect, run_scenario

#: The signal as the formulas describe it: every vehicle leaves at the saturation headway,
#: whatever its turn.
IDEAL_SIGNAL = {
    "left_turns": "unopposed",
    "turns_yield_to_pedestrians": False,
    "right_turn_equivalent": 1,
    "left_turn_equivalent": 1,
}
#: Link numbers of bare approaches (labels only: no street graph in these unit tests).
EAST, SOUTH = 1, 2


def hcm_delay(x: float, cycle_s: float, green_s: float, capacity_vph: float, hours: float) -> float:
    """HCM 2000 uniform + incremental delay (s), k = 0.5, I = 1 (Eq. 16-9 to 16-12)."""
    d1 = 0.5 * cycle_s * (1 - green_s / cycle_s) ** 2 / (1 - min(1.0, x) * green_s / cycle_s)
    k, i = 0.5, 1.0
    d2 = 900 * hours * ((x - 1) + math.sqrt((x - 1) ** 2 + 8 * k * i * x / (capacity_vph * hours)))
    return d1 + d2


def test_hcm_reference_reproduces_the_worked_example() -> None:
    # C 60 s, g 26 s, s 1800 veh/h -> c 780 veh/h; T = 4 h.
    assert hcm_delay(1.1, 60, 26, 780, 4) == pytest.approx(762, abs=1)
    assert hcm_delay(1.3, 60, 26, 780, 4) == pytest.approx(2187, abs=1)


# -- exact traces on a bare clock ----------------------------------------------


def test_fractional_green_carries_the_leftover_vehicle() -> None:
    """g / h = 12.5: a saturated approach serves 12, 13, 12, 13, ... vehicles per green."""
    env = simpy.Environment()
    approach = Approach(env, node=0, link=SOUTH, phase=0, headway_s=2.0)
    for _ in range(200):
        approach.arrive(None)
    served = []

    def signal():
        for k in range(8):
            before = len(approach.waiting)
            approach.open(k * 60.0, k * 60.0 + 25.0)
            served.append(before - len(approach.waiting))
            yield env.timeout(60.0)

    env.process(signal())
    env.run()
    assert served == [12, 13, 12, 13, 12, 13, 12, 13]


def test_a_full_link_blocks_its_feeder_until_a_place_frees() -> None:
    """Downstream holds 2: the third vehicle waits at the upstream stop line (in green)
    until the first vehicle leaves the downstream stop line at its green."""
    env = simpy.Environment()
    downstream = Approach(env, node=1, link=EAST, phase=1, headway_s=2.0, storage=2)
    upstream = Approach(env, node=0, link=EAST, phase=1, headway_s=2.0, storage=10)
    upstream.open(0.0, 1000.0)  # long green upstream
    departures: list[float] = []

    def vehicle(delay: float):
        yield env.timeout(delay)
        ticket = upstream.arrive(downstream)
        departure = ticket if isinstance(ticket, float) else (yield ticket)
        departures.append(departure)
        yield env.timeout(departure - env.now + 10.0)  # drive the block
        ticket = downstream.arrive(None)
        if not isinstance(ticket, float):
            yield ticket

    def downstream_signal():
        yield env.timeout(50.0)
        downstream.open(50.0, 80.0)

    for delay in (0.0, 1.0, 2.0, 3.0):
        env.process(vehicle(delay))
    env.process(downstream_signal())
    env.run()
    # two fit; the third waits for the first to leave downstream at 50 s, the fourth
    # for the second (52 s)
    assert departures == [0.0, 2.0, 50.0, 52.0]
    assert upstream.blocks == 2  # the third vehicle, then the fourth
    # blocked from 2 s (the third vehicle's turn) to 50 s, and from 50 s to 52 s
    assert upstream.blocked_s == 50.0 == upstream.blocked_time(1000.0)


# -- whole runs -------------------------------------------------------------------


def _single(seed: int, x: float, duration_s: float, **signals: object):
    """One intersection at degree of saturation ``x``: the signal alone, as the formulas
    describe it (every vehicle leaves at the saturation headway, whatever its turn)."""
    signals = {**IDEAL_SIGNAL, **signals}
    probe = build(city={"rows": 1, "cols": 1}, signals=signals)
    sig = probe.signals
    capacity = sig.saturation_flow_vph * sig.effective_green_s("ns") / sig.cycle_s
    return build(
        seed=seed,
        duration=duration_s,
        city={"rows": 1, "cols": 1, "block_length_m": 300},
        signals=signals,
        # four entry approaches share the demand evenly
        demand={"vehicles_per_hour": 4 * x * capacity, "pedestrians_per_hour": 0},
    )


def _mean_delay_of_arrivals_before(seed: int, x: float, hours: float) -> float:
    """Mean delay of every vehicle arriving in the first ``hours``, run until all have left.

    FIFO queues: later arrivals never delay earlier ones, so running on past
    the period only lets the period's vehicles finish, as HCM's d2 assumes.
    """
    model = CityModel(_single(seed, x, hours * 3600 * x + 1800))
    model.run_to_end()
    trips = model.traffic.log.arrays()
    period = trips["start_s"] < hours * 3600
    delay = (trips["end_s"] - trips["start_s"] - trips["freeflow_s"])[period]
    assert period.sum() > 0.95 * x * 780 * 4 * hours  # all the period's vehicles finished
    return float(delay.mean())


@pytest.mark.slow
@pytest.mark.parametrize("x", [1.1, 1.3])
def test_oversaturated_delay_matches_hcm_and_grows_linearly(x: float) -> None:
    hours = (1, 2, 3, 4)
    seeds = range(24)
    means = []
    for period in hours:
        delays = [_mean_delay_of_arrivals_before(seed, x, period) for seed in seeds]
        mean = float(np.mean(delays))
        means.append(mean)
        reference = hcm_delay(x, 60, 26, 780, period)
        assert mean == pytest.approx(reference, rel=0.10), (x, period, mean, reference)
    # Linear in the period: a straight line explains the growth, with the slope
    # of the deterministic queue (x - 1) / 2 per second of period.
    slope, intercept = np.polyfit(np.array(hours) * 3600, means, 1)
    residual = np.array(means) - (slope * np.array(hours) * 3600 + intercept)
    assert slope == pytest.approx((x - 1) / 2, rel=0.10)
    assert np.abs(residual).max() < 0.05 * means[-1]


@pytest.mark.parametrize(
    ("signals", "lanes"),
    [
        ({"cycle_s": 90, "yellow_s": 4, "startup_lost_s": 3, "green_split_ns": 0.7}, 1),
        ({"saturation_flow_vph": 1900}, 2),
        ({"cycle_s": 75, "green_split_ns": 0.45, "all_red_s": 1.5}, 1),
    ],
)
def test_capacity_is_s_g_over_c_for_any_timing(signals: dict, lanes: int) -> None:
    """Discharge of saturated approaches, counted over whole cycles after warm-up."""
    # the signal alone: every vehicle leaves at the saturation headway, whatever its turn
    signals = {**signals, **IDEAL_SIGNAL}
    probe = build(city={"rows": 1, "cols": 1, "lanes": lanes}, signals=signals).signals
    cycle = probe.cycle_s
    warmup, duration = 10 * cycle, 90 * cycle
    scenario = build(
        duration=duration,
        warmup=warmup,
        city={"rows": 1, "cols": 1, "lanes": lanes, "block_length_m": 400},
        signals=signals,
        demand={"vehicles_per_hour": 4 * 1.4 * probe.saturation_flow_vph * lanes * 0.6},
    )
    result = run_scenario(scenario)
    passages = result.tables["vehicle_passages"]
    counted = passages["time_s"] >= warmup
    cycles = (duration - warmup) / cycle
    # legs run counter-clockwise from east: east 0, north 1, west 2, south 3
    for phase, legs in (("ns", (1, 3)), ("ew", (0, 2))):
        capacity = probe.saturation_flow_vph * lanes / 3600 * probe.effective_green_s(phase)
        for leg in legs:
            served = int((counted & (passages["from_leg"] == leg)).sum()) / cycles
            assert served == pytest.approx(capacity, rel=0.01), (phase, leg, served, capacity)


def test_vehicles_in_the_network_never_exceed_its_storage() -> None:
    scenario = build(
        duration="1h",
        city={"rows": 3, "cols": 3, "block_length_m": 100},
        demand={"vehicles_per_hour": 12_000, "pedestrians_per_hour": 0},
    )
    model = CityModel(scenario)
    streets = model.streets
    per_link = 100 * 1 / 7.5
    assert streets.link_storage == math.floor(per_link)
    approaches = [a for i in streets.intersections for a in i.approaches]
    # links into stop lines, plus the exit links out of the district
    total = (len(approaches) + len(streets.boundary)) * streets.link_storage
    worst = [0, 0]

    def inspect():
        while True:
            inside = model.traffic.inside
            worst[0] = max(worst[0], inside)
            assert inside <= total
            for approach in approaches:
                approach.has_room()  # settle departures due by now
                assert approach.occupancy <= approach.storage
            worst[1] = max(worst[1], model.traffic.outside)
            yield model.env.timeout(2.0)

    model.env.process(inspect())
    model.run_to_end()
    # the network did fill (not to its storage: a place freed at a stop line is usable
    # upstream only after the backward wave has crossed the link)
    assert worst[0] > 0.4 * total
    assert worst[1] > 100  # and entries waited outside
    result = collect(model, {})
    efficiency = result.metrics["efficiency"]
    assert efficiency["vehicles_waiting_to_enter_end"] == model.traffic.outside > 0
    started = model.traffic.started
    assert started == efficiency["vehicle_trips_completed"] + efficiency["vehicle_trips_unfinished"]


def _corridor(vehicles_per_hour: float, seed: int = 0):
    """Two rows of six intersections; the east end gives east-west traffic a quarter of
    its green (a downstream bottleneck)."""
    narrow = {"cycle_s": 90, "green_split_ns": 0.75}
    return build(
        seed=seed,
        duration="2h",
        warmup="30min",
        city={"rows": 2, "cols": 6},
        signals={"overrides": [{"at": [0, 5], **narrow}, {"at": [1, 5], **narrow}]},
        demand={"vehicles_per_hour": vehicles_per_hour, "pedestrians_per_hour": 0},
    )


def test_a_downstream_bottleneck_blocks_upstream_and_throughput_falls() -> None:
    light, heavy, jammed = (
        run_scenario(_corridor(demand)).metrics for demand in (2000, 3000, 8000)
    )
    # Below capacity everyone gets through and nobody is blocked.
    assert light["efficiency"]["vehicle_throughput_per_h"] == pytest.approx(2000, rel=0.05)
    assert light["congestion"]["approaches_blocked"] == 0
    # Past capacity the queue spills back and the network delivers fewer trips.
    assert jammed["congestion"]["approaches_blocked"] > 10
    assert (
        jammed["efficiency"]["vehicle_throughput_per_h"]
        < 0.5 * heavy["efficiency"]["vehicle_throughput_per_h"]
    )
    assert jammed["warnings"] and any("spillback" in w for w in jammed["warnings"])
    assert jammed["congestion"]["gridlock_first_s"] is not None


def test_honest_delay_counts_unfinished_trips() -> None:
    """Above capacity, trips still queued (or waiting to enter) at the end count with
    their delay so far. Fluid queue reference (arrival rate x, service rate 1, period T):
    by T a vehicle arriving at t has waited min(x t, T) - t, whose mean over [0, T] is
    T (x - 1) / (2 x); the vehicles arriving after T / x have not left by T."""
    x, period = 1.3, 7200.0
    result = run_scenario(_single(0, x, period))
    efficiency = result.metrics["efficiency"]
    arrivals = 4 * x * 780 * period / 3600
    unfinished = efficiency["vehicle_trips_unfinished"]
    assert unfinished == pytest.approx(arrivals * (1 - 1 / x), rel=0.15)
    assert unfinished == (
        efficiency["vehicles_in_network_end"] + efficiency["vehicles_waiting_to_enter_end"]
    )
    d1 = 0.5 * 60 * (1 - 26 / 60)  # HCM uniform delay at x >= 1: half the red
    fluid = period * (x - 1) / (2 * x) + d1
    assert efficiency["vehicle_delay_s_mean"] == pytest.approx(fluid, rel=0.10)
    assert efficiency["vehicle_throughput_per_h"] == pytest.approx(4 * 780, rel=0.03)
    assert any("oversaturated" in w for w in result.metrics["warnings"])


def _eastbound_delay(offsets: str, seed: int) -> float:
    model = CityModel(
        build(
            seed=seed,
            duration="2h",
            warmup="15min",
            city={"rows": 1, "cols": 6, "block_length_m": 300},
            signals={"offsets": offsets},
            demand={"vehicles_per_hour": 1500, "pedestrians_per_hour": 0},
        )
    )
    model.run_to_end()
    graph = model.graph
    downstream = [
        model.streets.approach_of[graph.link_of[(node - 1, node)]] for node in range(1, 6)
    ]
    return sum(a.delay_sum_s for a in downstream) / sum(a.delay_count for a in downstream)


def test_green_wave_cuts_corridor_delay() -> None:
    wave = [_eastbound_delay("green_wave_ew", seed) for seed in range(3)]
    none = [_eastbound_delay("none", seed) for seed in range(3)]
    assert np.mean(wave) < 0.9 * np.mean(none), (wave, none)


def test_offsets_place_each_first_green() -> None:
    scenario = build(
        duration=600,
        city={"rows": 2, "cols": 3, "block_length_m": 200},
        signals={"offsets": "green_wave_ns", "overrides": [{"at": [1, 2], "offset_s": 7}]},
        demand={"vehicles_per_hour": 0, "pedestrians_per_hour": 0},
    )
    result = run_scenario(scenario)
    phases = result.tables["signal_phases"]
    travel = 200 / (50 / 3.6)
    for node in range(6):
        row, col = divmod(node, 3)
        ns = (phases["node"] == node) & (phases["phase"] == 0) & (phases["onset_s"] > 0)
        expected = 7.0 if (row, col) == (1, 2) else (row * travel) % 60
        if expected == 0:
            expected = 60.0
        assert phases["onset_s"][ns].min() == pytest.approx(expected)


def test_local_plans_are_validated_against_the_grid() -> None:
    from twin.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        build(city={"rows": 2, "cols": 2}, signals={"overrides": [{"at": [2, 0], "cycle_s": 90}]})
    assert "signals.overrides[0].at" in str(caught.value)
    assert "outside the grid" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        build(signals={"overrides": [{"at": [0, 0]}, {"at": [0, 0], "cycle_s": 80}]})
    assert "more than one override" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        build(signals={"overrides": [{"at": [0, 0], "cycle_s": 30}]})
    assert "signals.overrides[0].cycle_s" in str(caught.value)
    with pytest.raises(ScenarioError) as caught:
        build(signals={"offsets": "green_wave_diagonal"})
    assert "signals.offsets" in str(caught.value)


def test_a_local_plan_changes_only_its_intersection() -> None:
    scenario = build(
        duration=900,
        city={"rows": 1, "cols": 2},
        signals={"overrides": [{"at": [0, 1], "cycle_s": 90, "green_split_ns": 0.6}]},
        demand={"vehicles_per_hour": 0, "pedestrians_per_hour": 0},
    )
    phases = run_scenario(scenario).tables["signal_phases"]
    for node, cycle in ((0, 60.0), (1, 90.0)):
        ns = np.sort(phases["onset_s"][(phases["node"] == node) & (phases["phase"] == 0)])
        assert np.allclose(np.diff(ns), cycle)
    green = phases["green_end_s"] - phases["onset_s"]
    local_ns = (phases["node"] == 1) & (phases["phase"] == 0)
    assert np.allclose(green[local_ns], (90 - 10) * 0.6)


def test_warnings_reach_stderr_and_run_log(tmp_path, capsys: pytest.CaptureFixture) -> None:
    from twin.cli import main

    path = tmp_path / "over.yaml"
    path.write_text(
        "name: over\nduration: 1h\ncity: {rows: 1, cols: 1}\n"
        "demand: {vehicles_per_hour: 4000, pedestrians_per_hour: 0}\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    stderr = capsys.readouterr().err
    assert "twin: warning: 4 of 4 approaches are oversaturated" in stderr
    assert "warning: 4 of 4 approaches are oversaturated" in (out / "run.log").read_text()
    import json

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["congestion"]["approaches_oversaturated"] == 4
    assert metrics["warnings"][0].startswith("4 of 4 approaches are oversaturated")


def test_throughput_demand_benchmark_runs() -> None:
    """The command behind docs/throughput_demand.png, at one demand below capacity."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "throughput_demand.py"
    spec = importlib.util.spec_from_file_location("throughput_demand", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    row = module.throughput(2000, spillback=True)
    # every trip that entered either arrived or is still inside (2000 +- 5 %: Poisson)
    assert row["arrived"] + row["inside"] == pytest.approx(2000, rel=0.05)
    assert row["inside"] < 0.1 * row["arrived"]  # below capacity hardly anyone is held up


def test_two_full_links_feeding_each_other_are_gridlock() -> None:
    """A ring of two one-place links, each holding a vehicle bound for the other."""
    from agents.approach import Spillback

    env = simpy.Environment()
    record = Spillback()
    east = Approach(env, node=0, link=EAST, phase=1, headway_s=2.0, storage=1, spillback=record)
    west = Approach(env, node=1, link=3, phase=1, headway_s=2.0, storage=1, spillback=record)
    for approach in (east, west):
        approach.open(0.0, 1e6)
        assert approach.enter() is None  # one vehicle onto each link
    outcomes = []

    def vehicle(here: Approach, there: Approach, delay: float):
        yield env.timeout(delay)
        ticket = here.arrive(there)
        outcomes.append(ticket if isinstance(ticket, float) else "waiting")

    env.process(vehicle(east, west, 5.0))
    env.process(vehicle(west, east, 7.0))
    env.run(until=1000)
    assert outcomes == ["waiting", "waiting"]
    assert record.gridlocks == [(7.0, (0, 1))]
    assert east.enter() is not None  # and nobody gets in from outside either


def test_a_ring_of_four_full_links_is_reported_once_with_its_blocked_time() -> None:
    """Four intersections in a square, each link full (two places, two vehicles) and each
    head vehicle bound for the next link round. Heads reach their stop lines at 1, 2, 3,
    4 s in green; greens recur every 60 s until the end at 600 s. Hand-worked: one ring,
    closed at 4 s; approach i is blocked from i + 1 s to the end, 600 - (i + 1) s, and
    once (a later green does not block it again)."""
    from agents.approach import Spillback

    env = simpy.Environment()
    record = Spillback()
    ring = [
        Approach(env, node=i, link=10 + i, phase=0, headway_s=2.0, storage=2, spillback=record)
        for i in range(4)
    ]
    for approach in ring:
        for _ in range(2):
            assert approach.enter() is None

    def signal(approach: Approach):
        for k in range(10):
            approach.open(k * 60.0, k * 60.0 + 30.0)
            yield env.timeout(60.0)

    def heads():
        for i, approach in enumerate(ring):
            yield env.timeout(1.0)
            for _ in range(2):
                assert not isinstance(approach.arrive(ring[(i + 1) % 4]), float)

    for approach in ring:
        env.process(signal(approach))
    env.process(heads())
    env.run(until=600)
    assert record.gridlocks == [(4.0, (0, 1, 2, 3))]
    assert [a.blocks for a in ring] == [1, 1, 1, 1]
    assert [a.blocked_time(600.0) for a in ring] == [599.0, 598.0, 597.0, 596.0]


def test_a_ring_closed_by_an_entry_is_reported() -> None:
    """Two one-place links feeding each other: west's vehicle leaves at 0 s (west's
    place frees at its departure) but a vehicle waiting outside takes that place, so
    the blocked head on east is never woken again: gridlock at 0 s, found by the wake."""
    from agents.approach import Spillback

    env = simpy.Environment()
    record = Spillback()
    east = Approach(env, node=0, link=EAST, phase=1, headway_s=2.0, storage=1, spillback=record)
    west = Approach(env, node=1, link=3, phase=1, headway_s=2.0, storage=1, spillback=record)
    north = Approach(env, node=2, link=5, phase=1, headway_s=2.0, storage=9, spillback=record)
    for approach in (east, west, north):
        approach.open(0.0, 1e6)
    assert east.enter() is None and west.enter() is None
    assert west.enter() is not None  # waits outside for west's place
    assert not isinstance(east.arrive(west), float)  # east's head blocks on west
    assert west.arrive(north) == 0.0  # west's head leaves now, elsewhere
    assert not isinstance(west.arrive(east), float)  # the entry's vehicle, bound for east
    env.run(until=100)
    assert record.gridlocks == [(0.0, (1, 0))]


def test_preemption_pedestrian_metrics_on_hand_made_tables() -> None:
    """Two stranded crossings at node 0: one by a preempted green onset, one by an
    ordinary one; one conflict during the preempted green, one outside it."""
    from metrics.safety import preemption_pedestrian_metrics

    phases = {
        "node": np.array([0.0, 0.0, 0.0]),
        "phase": np.array([0.0, 1.0, 0.0]),
        "onset_s": np.array([0.0, 30.0, 70.0]),
        "green_end_s": np.array([25.0, 60.0, 95.0]),
        "walk_s": np.array([7.0, 7.0, 0.0]),
        "preempted": np.array([0.0, 0.0, 1.0]),
    }
    crossings = {
        "node": np.array([0.0, 0.0]),
        "crosswalk": np.array([0.0, 1.0]),
        "arrive_s": np.array([20.0, 55.0]),
        "start_s": np.array([22.0, 58.0]),
        "end_s": np.array([35.0, 80.0]),
        "stranded": np.array([1.0, 1.0]),
        "detected": np.array([0.0, 0.0]),
    }
    passages = {
        # the first crosses crosswalk 0 at 32 s (ordinary green), the second crosswalk 1
        # at 75 s (preempted green)
        "node": np.array([0.0, 0.0]),
        "from_leg": np.array([0.0, 1.0]),
        "to_leg": np.array([-1.0, -1.0]),
        "time_s": np.array([32.0, 75.0]),
    }
    result = preemption_pedestrian_metrics(crossings, phases, passages, warmup_s=0.0)
    assert result == {"stranded_crossings_at_preemption": 1, "conflicts_at_preempted_onsets": 1}


def test_actuated_control_runs_through_gridlock() -> None:
    """A blocked approach does not hold an actuated green (it would rest in green forever
    waiting for room); the run ends and reports the gridlock."""
    result = run_scenario(
        build(
            duration="1h",
            city={"rows": 4, "cols": 4},
            signals={"control": "actuated"},
            demand={"vehicles_per_hour": 16_000, "pedestrians_per_hour": 500},
        )
    )
    congestion = result.metrics["congestion"]
    assert congestion["gridlocks"] > 0 and congestion["approaches_blocked"] > 0
    assert result.metrics["efficiency"]["vehicle_throughput_per_h"] < 4000


def test_actuated_green_rests_while_its_only_queue_is_blocked() -> None:
    """Bare clock: the north-south queue waits for room on a full link and nobody calls
    east-west; the controller must rest (not spin) and serve the queue once room frees."""
    from agents.log import ColumnLog
    from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming

    env = simpy.Environment()
    timing = SignalTiming(
        control="actuated",
        green_s=(25.0, 25.0),
        yellow_s=3.0,
        all_red_s=2.0,
        walk_s=7.0,
        clearance_s=6.5,
        startup_lost_s=2.0,
        min_green_s=7.0,
        max_green_s=45.0,
        passage_s=3.0,
    )
    south = Approach(env, node=0, link=SOUTH, phase=0, headway_s=2.0)
    full = Approach(env, node=1, link=SOUTH, phase=0, headway_s=2.0, storage=1)
    assert full.enter() is None  # the downstream link is full, its vehicle waiting at red
    SignalController(env, 0, timing, [[south], []], [[], []], ColumnLog(*SIGNAL_COLUMNS))
    departures: list[float] = []

    def vehicle():
        yield env.timeout(3.0)  # during the minimum green
        ticket = south.arrive(full)
        departures.append(ticket if isinstance(ticket, float) else (yield ticket))

    def downstream_green():
        yield env.timeout(100.0)
        full.open(100.0, 130.0)  # its vehicle leaves at 100 s and frees the place
        ticket = full.arrive(None)
        assert ticket == 100.0

    env.process(vehicle())
    env.process(downstream_green())
    env.run(until=300.0)
    assert departures == [100.0]


def test_blocked_time_equals_the_blocked_state_integrated_over_the_run() -> None:
    """``approach_blocked_h`` against an independent measure: every approach's blocked
    state sampled every 0.5 s after the warm-up on a jammed 3 x 3 grid. Each interval's
    ends are off by at most one sampling step, so the two agree within 0.5 s per block
    (and per approach for blocks going on at the warm-up or at the end)."""
    from twin.simulation.congestion import congestion

    model = CityModel(
        build(
            duration="40min",
            warmup="10min",
            city={"rows": 3, "cols": 3, "block_length_m": 100},
            demand={"vehicles_per_hour": 12_000, "pedestrians_per_hour": 0},
        )
    )
    approaches = list(model.streets.approach_of.values())
    step, sampled = 0.5, [0.0]

    def probe():
        yield model.env.timeout(600.0 + step / 2)
        while True:
            sampled[0] += step * sum(a.blocked_now() for a in approaches)
            yield model.env.timeout(step)

    model.env.process(probe())
    model.run_to_end()
    reported = congestion(model.streets, model.env.now)[0]["approach_blocked_h"] * 3600
    intervals = sum(a.blocks for a in approaches) + 2 * len(approaches)
    assert sampled[0] > 3600  # approaches were blocked for over an hour in all
    assert abs(reported - sampled[0]) <= step * intervals, (reported, sampled[0], intervals)


def test_turners_take_hcm_s_turn_equivalents() -> None:
    """A saturated shared lane whose turners take E_R and E_L through-car headways
    discharges ``s g / C / (1 + P_R (E_R - 1) + P_L (E_L - 1))`` (HCM 6th ed., Ch. 19:
    the shared lane's saturation flow, E_R 1.18, E_L 1.05), P_R and P_L the shares of
    right- and left-turners it served."""
    signals = {**IDEAL_SIGNAL, "right_turn_equivalent": 1.18, "left_turn_equivalent": 1.05}
    probe = build(city={"rows": 1, "cols": 1}, signals=signals).signals
    cycle = probe.cycle_s
    warmup, duration = 10 * cycle, 120 * cycle
    scenario = build(
        duration=duration,
        warmup=warmup,
        city={"rows": 1, "cols": 1, "block_length_m": 400},
        signals=signals,
        demand={"vehicles_per_hour": 4 * 1.4 * probe.saturation_flow_vph * 0.6},
    )
    passages = run_scenario(scenario).tables["vehicle_passages"]
    counted = passages["time_s"] >= warmup
    cycles = (duration - warmup) / cycle
    for phase, legs in (("ns", (1, 3)), ("ew", (0, 2))):
        capacity = probe.saturation_flow_vph / 3600 * probe.effective_green_s(phase)
        for leg in legs:
            served = counted & (passages["from_leg"] == leg)
            # legs run counter-clockwise from east: a right turn leaves by the next leg
            right = float(np.mean(passages["to_leg"][served] == (leg + 1) % 4))
            left = float(np.mean(passages["to_leg"][served] == (leg + 3) % 4))
            assert 0.2 < right < 0.5 and 0.2 < left < 0.5  # a real mix of turns
            reference = capacity / (1 + 0.18 * right + 0.05 * left)
            rate = int(served.sum()) / cycles
            assert rate == pytest.approx(reference, rel=0.01), (leg, right, left, rate)
            assert rate < 0.97 * capacity  # the turners did slow the lane
