"""All-way-stop (flashing red) capacity against hand-worked values of the simplified
HCM 6th ed. Ch. 21 method (geometry group 1, one lane per approach)."""

from __future__ import annotations

import itertools

import pytest
import simpy

from agents.all_way_stop import FlashingRed
from agents.approach import Approach
from metrics.analytic import (
    AWSC_CASE_HEADWAY_S,
    awsc_capacity_vph,
    awsc_case,
    awsc_departure_headways,
    awsc_headway_adjustment,
    awsc_saturation_headway,
)


def test_degree_of_conflict_cases() -> None:
    assert awsc_case(False, 0) == 1
    assert awsc_case(True, 0) == 2
    assert awsc_case(False, 1) == 3
    assert awsc_case(True, 1) == 4
    assert awsc_case(False, 2) == 4
    assert awsc_case(True, 2) == 5
    with pytest.raises(ValueError, match="0, 1 or 2"):
        awsc_case(False, 3)


def test_saturation_headways_and_adjustment() -> None:
    # Eq. 21-13 by hand: 0.2 x 0.5 + (-0.6) x 0.2 + 1.7 x 0.1 = 0.15 s.
    adj = awsc_headway_adjustment(left_share=0.5, right_share=0.2, heavy_share=0.1)
    assert adj == pytest.approx(0.15)
    assert awsc_saturation_headway(True, 2, adj) == pytest.approx(9.75)
    assert awsc_saturation_headway(False, 0) == pytest.approx(3.9)
    with pytest.raises(ValueError, match="heavy_share 2"):
        awsc_headway_adjustment(heavy_share=2)


def test_lone_approach_runs_at_case_one() -> None:
    headways = awsc_departure_headways((300.0, 0.0, 0.0, 0.0))
    assert headways[0] == pytest.approx(3.9)
    assert awsc_capacity_vph((0.0, 0.0, 0.0, 0.0)) == pytest.approx(3600 / 3.9)


def test_two_opposing_approaches_by_hand() -> None:
    # N and S at 400 veh/h, E and W empty: h = 3.9 (1 - x) + 4.7 x with x = 400 h / 3600,
    # so h = 3.9 / (1 - 0.8 x 400 / 3600) = 4.2805 s.
    headways = awsc_departure_headways((400.0, 0.0, 400.0, 0.0))
    assert headways[0] == pytest.approx(3.9 / (1 - 0.8 * 400 / 3600), rel=1e-6)
    assert headways[2] == pytest.approx(headways[0])
    # The empty E approach sees N and S as its two conflicting approaches (cases 1, 3, 4).
    x = 400 * headways[0] / 3600
    expected_e = 3.9 * (1 - x) ** 2 + 5.8 * 2 * x * (1 - x) + 7.0 * x**2
    assert headways[1] == pytest.approx(expected_e, rel=1e-6)


def test_capacity_against_opposing_flow_by_hand() -> None:
    # Subject N saturated (x = 1): the opposing S approach sees case 2 always, h_S = 4.7 s,
    # x_S = 400 x 4.7 / 3600; the subject's headway is 3.9 + 0.8 x_S: capacity 833.8 veh/h.
    x_s = 400 * 4.7 / 3600
    expected = 3600 / (3.9 + 0.8 * x_s)
    assert awsc_capacity_vph((0.0, 0.0, 400.0, 0.0)) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(833.8, abs=0.1)


def test_all_approaches_saturated_is_case_five() -> None:
    # Every approach always occupied: 9.6 s each, 375 veh/h per approach, 1,500 veh/h in all.
    assert awsc_capacity_vph((2000.0, 2000.0, 2000.0, 2000.0)) == pytest.approx(375.0)
    assert awsc_departure_headways((2000.0,) * 4) == pytest.approx((9.6,) * 4)


def test_more_conflicting_flow_lowers_capacity() -> None:
    light = awsc_capacity_vph((0.0, 100.0, 100.0, 100.0))
    heavy = awsc_capacity_vph((0.0, 300.0, 300.0, 300.0))
    assert 375 < heavy < light < 3600 / 3.9


# --- The flashing-red discharge on a bare SimPy clock (exact traces) -----------------------


SATURATION_HEADWAY_S = 2.0


def flashing(arrivals: dict[int, list[float]], stop_at: float | None = None, stop_s: float = 0.0):
    """Departure times per approach (N, E, S, W) of vehicles arriving at the given times."""
    env = simpy.Environment()
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    red = FlashingRed(env, approaches, AWSC_CASE_HEADWAY_S, stop_s=stop_s)
    red.start()
    log: dict[int, list[float]] = {h: [] for h in range(4)}

    def vehicle(h: int, t: float):
        yield env.timeout(t)
        departure = approaches[h].arrive()
        if isinstance(departure, simpy.Event):
            departure = yield departure
        log[h].append(round(departure, 6))

    for h, times in arrivals.items():
        for t in times:
            env.process(vehicle(h, t))
    if stop_at is not None:

        def recover():
            yield env.timeout(stop_at)
            red.stop()  # the controller resumes: its next green opens the approach
            approaches[0].open(env.now + 2.0, env.now + 30.0)

        env.process(recover())
    env.run(200)
    return log, red


def test_lone_queue_discharges_at_case_one() -> None:
    log, _ = flashing({0: [0, 0, 0]})
    assert log == {0: [0, 3.9, 7.8], 1: [], 2: [], 3: []}


def test_every_vehicle_stops() -> None:
    # The first of a platoon stops 5 s; those behind it are already stopped in the queue;
    # a vehicle arriving at 20 s to an empty approach stops again.
    log, _ = flashing({0: [0, 0, 0, 20]}, stop_s=5.0)
    assert log[0] == pytest.approx([5.0, 8.9, 12.8, 25.0])


def test_opposing_queue_sets_case_two() -> None:
    # N2 moves up at 0 with S empty (case 1); S2 moves up at 0.5 with N2 waiting (case 2).
    log, _ = flashing({0: [0, 0], 2: [0.5, 0.5]})
    assert log[0] == [0, 3.9] and log[2] == [0.5, 0.5 + 4.7]


def test_four_saturated_approaches_run_at_case_five() -> None:
    log, _ = flashing({h: [0.0] * 4 for h in range(4)})
    for h in range(4):
        assert log[h] == pytest.approx([0, 9.6, 19.2, 28.8])  # 375 veh/h per approach


def test_recovery_hands_the_queue_back_to_the_signal() -> None:
    # Flashing until 5 s, then green from 7 s at the 2 s saturation headway.
    log, red = flashing({0: [0, 0, 0, 0, 0]}, stop_at=5.0)
    assert log[0] == [0, 3.9, 7.0, 9.0, 11.0]
    assert not red.active


def test_event_driven_headways_match_the_method_table() -> None:
    env = simpy.Environment()
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    red = FlashingRed(env, approaches, AWSC_CASE_HEADWAY_S, adjustment_s=0.15)
    for occupied in itertools.product((False, True), repeat=4):
        for approach, busy in zip(approaches, occupied, strict=True):
            approach.waiting.clear()
            if busy:
                approach.waiting.append(env.event())
        opposing = occupied[2]
        conflicting = occupied[1] + occupied[3]
        expected = awsc_saturation_headway(opposing, conflicting, 0.15)
        assert red.headway_s(0) == pytest.approx(expected)


def test_failed_controller_flashes_then_resumes_its_plan() -> None:
    from agents.log import ColumnLog
    from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming

    env = simpy.Environment()
    # four approaches around the intersection: N, E, S, W; phase 0 north-south
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    timing = SignalTiming("fixed", (25.0, 25.0), 3.0, 2.0, 7.0, 5.0, 2.0, 7.0, 45.0, 3.0)
    log = ColumnLog(*SIGNAL_COLUMNS)
    controller = SignalController(
        env,
        0,
        timing,
        [[a for a in approaches if a.phase == p] for p in (0, 1)],
        [[], []],
        log,
    )
    red = FlashingRed(env, approaches, AWSC_CASE_HEADWAY_S)
    # Plan: NS green 0-25 (effective 2-28), EW green 30-55; the controller fails at 40.
    controller.fail_safe(40.0, 100.0, red)
    departures: dict[int, list[float]] = {h: [] for h in range(4)}

    def vehicle(h: int, t: float):
        yield env.timeout(t)
        departure = approaches[h].arrive()
        if isinstance(departure, simpy.Event):
            departure = yield departure
        departures[h].append(round(float(departure), 6))

    for h, t in ((0, 35.0), (0, 36.0), (1, 50.0), (0, 99.5), (0, 99.6)):
        env.process(vehicle(h, t))
    env.run(60)
    assert controller.flashing and controller.preempt(1).served  # no preemption while flashing
    env.run(131)
    # N1 and N2 wait at red, then leave as an all-way stop (alone: 3.9 s apart); N3 leaves
    # at once at 99.5; N4's all-way-stop turn (103.4) is overtaken by recovery at 100:
    # NS green from 100, effective from 102.
    assert departures[0] == [40.0, 43.9, 99.5, 102.0]
    assert departures[1] == [50.0]
    assert not controller.flashing
    # Served phases: NS 0-25, EW cut short at 40 by the failure, NS again from 100 to 125.
    table = log.arrays()
    assert table["onset_s"].tolist() == [0.0, 30.0, 100.0]
    assert table["green_end_s"].tolist() == [25.0, 40.0, 125.0]
    assert table["phase"].tolist() == [0, 1, 0]


def test_flashing_red_respects_room_downstream() -> None:
    # North approach N0 flashes red; its vehicles go onto a link holding 2 vehicles whose
    # own stop line is red until 30 s, then discharges at 2 s headways. N0's third vehicle
    # waits for room (spillback) and leaves the moment the first one has left downstream.
    env = simpy.Environment()
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    downstream = Approach(env, 1, 0, 0, SATURATION_HEADWAY_S, storage=2)
    red = FlashingRed(env, approaches, AWSC_CASE_HEADWAY_S)
    red.start()
    left: list[float] = []
    below: list[float] = []

    def vehicle(t: float):
        yield env.timeout(t)
        departure = approaches[0].arrive(downstream)
        if isinstance(departure, simpy.Event):
            departure = yield departure
        left.append(round(departure, 6))
        yield env.timeout(departure - env.now + 1.0)  # 1 s to the next stop line
        onward = downstream.arrive(None)  # leaves the district there
        if isinstance(onward, simpy.Event):
            onward = yield onward
        below.append(round(onward, 6))

    for t in (0.0, 0.0, 0.0):
        env.process(vehicle(t))

    def green():
        yield env.timeout(30.0)
        downstream.open(30.0, 100.0)

    env.process(green())
    env.run(200)
    assert left == [0.0, 3.9, 30.0]  # blocked from 7.8 s until the first leaves at 30 s
    assert below == [30.0, 32.0, 34.0]
    assert approaches[0].blocks == 1
