"""The all-way stop against HCM 6th ed. Ch. 21: the method (metrics.awsc) against the
published Example Problem 1, and the simulated discharge (agents.all_way_stop) against
traces worked by hand from the method's tables."""

from __future__ import annotations

import itertools
import math

import pytest
import simpy

from agents.all_way_stop import FlashingRed
from agents.approach import Approach
from metrics import awsc
from metrics.analytic import hcm_signal_delay

SATURATION_HEADWAY_S = 2.0
GAP_S = 2.9  # half the case-3 headway: as the district builds them


# --- the method ------------------------------------------------------------------------------


def example_problem_1() -> list[list[awsc.Lane]]:
    """HCM Ch. 32 AWSC Example Problem 1: a single-lane T, the stem on the north leg;
    PHF 0.95, 2 % heavy vehicles. Around the intersection: EB, (no NB), WB, SB."""
    eb = awsc.Lane(350 / 0.95, left_share=50 / 350, heavy_share=0.02)
    wb = awsc.Lane(400 / 0.95, right_share=100 / 400, heavy_share=0.02)
    sb = awsc.Lane(150 / 0.95, left_share=100 / 150, right_share=50 / 150, heavy_share=0.02)
    return [[eb], [], [wb], [sb]]


def test_example_problem_1_headways_and_delays() -> None:
    # Published: h_d 4.97 / 4.74 / 5.70 s; delay 13.0 / 13.5 / 10.6 s; intersection 12.8 s.
    results = awsc.analyse(example_problem_1())
    eb, wb, sb = results[0][0], results[2][0], results[3][0]
    assert eb.adjustment_s == pytest.approx(0.063, abs=0.001)
    assert wb.adjustment_s == pytest.approx(-0.116, abs=0.001)
    for lane, headway, delay in ((eb, 4.97, 13.0), (wb, 4.74, 13.5), (sb, 5.70, 10.6)):
        assert lane.group == "1"
        assert lane.departure_headway_s == pytest.approx(headway, abs=0.05)
        assert lane.control_delay_s == pytest.approx(delay, abs=0.1)
        assert lane.service_time_s == pytest.approx(lane.departure_headway_s - 2.0)
    assert awsc.intersection_delay_s(example_problem_1()) == pytest.approx(12.8, abs=0.1)


def test_example_problem_1_capacity() -> None:
    # Published "about 720 veh/h" for the EB lane (HCM's coarse search); bisection: ~704.
    assert awsc.lane_capacity_vph(example_problem_1(), 0) == pytest.approx(712, abs=12)


def test_geometry_groups_exhibit_21_11() -> None:
    assert awsc.geometry_group(1, 1, 1) == "1"
    assert awsc.geometry_group(1, 0, 1, four_leg=False) == "1"  # a T's stem
    assert awsc.geometry_group(1, 1, 2) == "2"
    assert awsc.geometry_group(1, 2, 1, four_leg=False) == "3a"
    assert awsc.geometry_group(1, 2, 2, four_leg=False) == "3b"
    assert awsc.geometry_group(1, 2, 1) == "4a"
    assert awsc.geometry_group(1, 2, 2) == "4b"
    assert awsc.geometry_group(2, 2, 2) == "5"
    assert awsc.geometry_group(2, 3, 2) == "6"
    with pytest.raises(ValueError, match="not 1-3"):
        awsc.geometry_group(0, 1, 1)


def test_degree_of_conflict_and_tables() -> None:
    cases = [awsc.degree_of_conflict(o, c) for o in (False, True) for c in (0, 1, 2)]
    assert cases == [1, 3, 4, 2, 4, 5]
    assert [awsc.base_headway_s("1", case) for case in range(1, 6)] == [3.9, 4.7, 5.8, 7.0, 9.6]
    assert awsc.base_headway_s("4b", 5) == 10.2
    assert awsc.base_headway_s("5", 2, vehicles=1) == 5.0
    assert awsc.base_headway_s("6", 4, vehicles=5) == 12.3
    assert (awsc.move_up_s("4a"), awsc.move_up_s("6")) == (2.0, 2.3)
    # Eq. 21-13 by hand: 0.2 x 0.5 - 0.6 x 0.2 + 1.7 x 0.1 = 0.15 s; group 5: 0.25-0.14+0.17
    assert awsc.headway_adjustment_s("1", 0.5, 0.2, 0.1) == pytest.approx(0.15)
    assert awsc.headway_adjustment_s("5", 0.5, 0.2, 0.1) == pytest.approx(0.28)


def test_lone_lane_runs_at_case_one() -> None:
    # Nobody else on the intersection: every combination is case 1 (no correlation term).
    alone = [[awsc.Lane(300.0)], [], [], []]
    assert awsc.departure_headways(alone, four_leg=True)[0] == [pytest.approx(3.9)]
    assert awsc.lane_capacity_vph(alone, 0, four_leg=True) == pytest.approx(3600 / 3.9, abs=0.1)


def test_control_delay_by_hand() -> None:
    # h 5 s, x 0.5, T 0.25 h: 3 + 225 (-0.5 + sqrt(0.25 + 2.5 / 112.5)) + 5
    expected = 3 + 225 * (-0.5 + math.sqrt(0.25 + 2.5 / 112.5)) + 5
    assert awsc.control_delay_s(5.0, 0.5) == pytest.approx(expected)


def test_hcm_signal_delay_by_hand() -> None:
    # v 800, g/C 0.4, C 90 s, s 1937.5 (c 775 veh/h), T 0.25 h, pretimed (k 0.5):
    # d1 = 0.5 x 90 x 0.36 / (1 - 0.4) = 27.0; d2 = 225 [(X-1) + sqrt((X-1)^2 + 4X/193.75)]
    x = 800 / 775
    d2 = 225 * ((x - 1) + math.sqrt((x - 1) ** 2 + 4 * x / (775 * 0.25)))
    assert hcm_signal_delay(90, 36, 800, 1937.5) == pytest.approx(27.0 + d2)
    assert 27.0 + d2 == pytest.approx(67.8, abs=0.1)


# --- the simulated discharge (bare SimPy clock, exact traces) -----------------------------------


def four_way(env: simpy.Environment) -> tuple[list[Approach], FlashingRed]:
    """A four-leg single-lane all-way stop: approaches N, E, S, W (opposing two along)."""
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    red = FlashingRed(env, approaches, awsc, ["1"] * 4, [1] * 4, [2, 3, 0, 1], None, 5.0, GAP_S)
    return approaches, red


def flashing(arrivals: dict[int, list[float]]) -> tuple[dict[int, list[float]], FlashingRed]:
    """Departure times per approach (N, E, S, W) of vehicles arriving at the given times."""
    env = simpy.Environment()
    approaches, red = four_way(env)
    red.entries = []
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
    env.run(200)
    return log, red


def test_lone_queue_departs_every_case_one_headway() -> None:
    # Service 3.9 - 2.0 = 1.9 s, entries 1.9, 5.8, 9.7 (move-up 2 s + service), each
    # vehicle leaving 5 s after it enters (deceleration and acceleration).
    log, red = flashing({0: [0, 0, 0]})
    assert log == {0: [6.9, 10.8, 14.7], 1: [], 2: [], 3: []}
    assert [t for t, _ in red.entries or []] == pytest.approx([1.9, 5.8, 9.7])


def test_lone_vehicle_is_delayed_as_hcm_at_zero_flow() -> None:
    # t_s + 5 s = 1.9 + 5 = 6.9 s: Eq. 21-30 with x -> 0.
    log, _ = flashing({1: [10.0]})
    assert log[1] == [16.9]
    assert pytest.approx(awsc.control_delay_s(3.9, 1e-12), abs=1e-6) == 16.9 - 10.0


def test_opposing_vehicles_enter_together_at_case_two() -> None:
    log, _ = flashing({0: [0.0], 2: [0.0]})
    assert log[0] == log[2] == [pytest.approx(4.7 - 2.0 + 5.0)]


def test_conflicting_vehicles_never_enter_together() -> None:
    # N and E both served in case 3 (5.8 - 2 = 3.8 s); N enters at 3.8, E 2.9 s later.
    log, _ = flashing({0: [0.0], 1: [0.0]})
    assert log[0] == [pytest.approx(8.8)] and log[1] == [pytest.approx(11.7)]


def test_four_saturated_approaches_run_at_case_five() -> None:
    # Case 5: 9.6 s; N and S enter together, E and W one conflict gap later, every 9.6 s.
    log, red = flashing({h: [0.0] * 4 for h in range(4)})
    for h in (0, 2):
        assert log[h] == pytest.approx([12.6, 22.2, 31.8, 41.4])
    for h in (1, 3):
        assert log[h] == pytest.approx([15.5, 25.1, 34.7, 44.3])
    entries = red.entries or []
    for (t1, a1), (t2, a2) in itertools.pairwise(entries):
        if (a1 - a2) % 2:  # conflicting approaches
            assert t2 - t1 >= GAP_S - 1e-9


def test_turning_adjustment_changes_the_service() -> None:
    env = simpy.Environment()
    approaches = [Approach(env, 0, h, h % 2, SATURATION_HEADWAY_S) for h in range(4)]
    left = Approach(env, 1, 9, 0, SATURATION_HEADWAY_S)

    def adjustment(i: int, onward: object) -> float:
        return awsc.headway_adjustment_s("1", left_share=1.0 if onward is left else 0.0)

    red = FlashingRed(env, approaches, awsc, ["1"] * 4, [1] * 4, [2, 3, 0, 1], adjustment)
    red.start()
    done: list[float] = []

    def vehicle():
        departure = yield approaches[0].arrive(left)
        done.append(departure)

    env.process(vehicle())
    env.run(50)
    assert done == [pytest.approx(1.9 + 0.2 + 5.0)]  # a left turn adds 0.2 s


def test_failed_controller_flashes_then_resumes_its_plan() -> None:
    from agents.log import ColumnLog
    from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming

    env = simpy.Environment()
    approaches, red = four_way(env)
    timing = SignalTiming("fixed", (25.0, 25.0), 3.0, 2.0, 7.0, 5.0, 2.0, 7.0, 45.0, 3.0)
    log = ColumnLog(*SIGNAL_COLUMNS)
    controller = SignalController(
        env, 0, timing, [[a for a in approaches if a.phase == p] for p in (0, 1)], [[], []], log
    )
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
    # N1, N2 wait at red; from 40 they leave as an all-way stop (entries 41.9, 45.8, each
    # departing 5 s later); E1 alone at 50: 51.9 + 5. N3 and N4 are still being served
    # at 100 when the plan resumes: NS green from 100, effective from 102, 2 s apart.
    assert departures[0] == [46.9, 50.8, 102.0, 104.0]
    assert departures[1] == [56.9]
    assert not controller.flashing
    table = log.arrays()
    assert table["onset_s"].tolist() == [0.0, 30.0, 100.0]
    assert table["green_end_s"].tolist() == [25.0, 40.0, 125.0]


def test_all_way_stop_respects_room_downstream() -> None:
    # N's vehicles go onto a link holding 2 whose stop line is red until 30 s. The third is
    # served by 9.7 s but waits for room, entering when the first leaves downstream at 30.
    env = simpy.Environment()
    approaches, red = four_way(env)
    downstream = Approach(env, 1, 0, 0, SATURATION_HEADWAY_S, storage=2)
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
        onward = downstream.arrive(None)
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
    assert left == [6.9, 10.8, 35.0]
    assert below == [30.0, 32.0, 36.0]
    assert approaches[0].blocks == 1
