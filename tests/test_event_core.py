"""The event core on a bare ``simpy.Environment``, asserting exact event traces.

One controller, stop line or crosswalk at a time, with hand-worked times (SimPy's
own test style): no district, no random numbers.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from types import SimpleNamespace

import simpy

from agents.approach import Approach
from agents.crossing_assist import Radar
from agents.crosswalk import CROSSING_COLUMNS, Crosswalk
from agents.log import ColumnLog
from agents.sensing import Sensing
from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming
from twin.services.crossing_assist import FallibleDetector

#: Link and leg numbers of bare agents (labels only: no street graph in these tests).
NORTH, EAST, SOUTH, WEST = range(4)

NS, EW = 0, 1
#: green 20 s (NS) and 12 s (EW, just WALK + clearance), yellow 3 s, all-red 2 s: 42 s.
TIMING = SignalTiming(
    control="fixed",
    green_s=(20.0, 12.0),
    yellow_s=3.0,
    all_red_s=2.0,
    walk_s=7.0,
    clearance_s=5.0,
    startup_lost_s=2.0,
    min_green_s=7.0,
    max_green_s=45.0,
    passage_s=3.0,
)


def intersection(
    env: simpy.Environment, timing: SignalTiming = TIMING, width_m: float = 14.0
) -> SimpleNamespace:
    """One controller with a southbound (NS) and an eastbound (EW) approach, and the
    crosswalks across the west leg (walks with NS) and the north leg (walks with EW)."""
    signal_log, crossing_log = ColumnLog(*SIGNAL_COLUMNS), ColumnLog(*CROSSING_COLUMNS)
    ns, ew = Approach(env, 0, SOUTH, NS, 2.0), Approach(env, 0, EAST, EW, 2.0)
    west = Crosswalk(env, 0, WEST, NS, width_m, crossing_log)
    north = Crosswalk(env, 0, NORTH, EW, width_m, crossing_log)
    controller = SignalController(env, 0, timing, [[ns], [ew]], [[west], [north]], signal_log)
    return SimpleNamespace(
        controller=controller, ns=ns, ew=ew, west=west, north=north,
        signals=signal_log, crossings=crossing_log,
    )  # fmt: skip


def rows(log: ColumnLog) -> list[tuple[float, ...]]:
    table = log.arrays()
    return [tuple(float(v) for v in row) for row in zip(*table.values(), strict=True)]


def walker(uid: int) -> SimpleNamespace:
    return SimpleNamespace(unique_id=uid, impaired=False, needs_time=False, opted_in=False)


def test_fixed_time_phase_sequence() -> None:
    env = simpy.Environment()
    x = intersection(env)
    env.run(until=100)
    # (node, phase, onset, green end, WALK shown, preempted): green, then 3 + 2 s to the next.
    assert rows(x.signals) == [
        (0, NS, 0, 20, 7, 0),
        (0, EW, 25, 37, 7, 0),
        (0, NS, 42, 62, 7, 0),
        (0, EW, 67, 79, 7, 0),
    ]


def test_approach_discharges_at_the_saturation_headway() -> None:
    """Five cars at once in green leave every 2 s from the end of the lost time; three
    queued in red leave every 2 s from the next effective green."""
    env = simpy.Environment()
    approach = Approach(env, 0, SOUTH, NS, headway_s=2.0)
    departures: list[float] = []

    def car(at: float) -> Generator[simpy.Event, object, None]:
        yield env.timeout(at)
        ticket = approach.arrive()
        departure = (yield ticket) if isinstance(ticket, simpy.Event) else ticket
        departures.append(float(departure))  # type: ignore[arg-type]

    def signal() -> Generator[simpy.Event, object, None]:
        approach.open(2.0, 14.0)  # effective green [2, 14)
        yield env.timeout(20.0)
        approach.open(22.0, 40.0)

    env.process(signal())
    for at in (0.0,) * 5 + (15.0,) * 3:
        env.process(car(at))
    env.run()
    assert departures == [2.0, 4.0, 6.0, 8.0, 10.0, 22.0, 24.0, 26.0]
    assert approach.queue_length == 0


def test_actuated_rests_in_green_and_serves_a_call() -> None:
    """No calls: NS rests in green after its minimum. A car calls EW at 30 s: NS ends at
    once (no WALK to finish), EW opens after yellow + all-red at 35 s, the car leaves after
    the 2 s lost time, and EW rests in green."""
    env = simpy.Environment()
    x = intersection(env, SignalTiming(**{**TIMING.__dict__, "control": "actuated"}))
    departures: list[float] = []

    def car() -> Generator[simpy.Event, object, None]:
        yield env.timeout(30.0)
        ticket = x.ew.arrive()
        assert isinstance(ticket, simpy.Event)
        departures.append(float((yield ticket)))  # type: ignore[arg-type]

    env.process(car())
    env.run(until=200)
    assert rows(x.signals) == [(0, NS, 0, 30, 0, 0)]
    assert departures == [37.0]
    assert x.controller.phase == EW


def test_preemption_cuts_the_green_after_walk_and_clearance_then_resumes() -> None:
    """An ambulance asks for EW at 5 s during NS green: NS ends at 12 s (WALK 7 + clearance
    5 must finish), EW turns green at 17 s without WALK and holds until the ambulance has
    passed (30 s), then the program resumes with NS at 35 s."""
    env = simpy.Environment()
    x = intersection(env)

    def ambulance() -> Generator[simpy.Event, object, None]:
        yield env.timeout(5.0)
        request = x.controller.preempt(EW)
        yield env.timeout(25.0)
        request.released.succeed()

    env.process(ambulance())
    env.run(until=61)
    assert rows(x.signals) == [
        (0, NS, 0, 12, 7, 0),
        (0, EW, 17, 30, 0, 1),
        (0, NS, 35, 55, 7, 0),
    ]


def _cross(env: simpy.Environment, crosswalk: Crosswalk, at: float, speed: float, uid: int):
    def go() -> Generator[simpy.Event, object, None]:
        yield env.timeout(at)
        crosswalk.reach_curb(walker(uid))  # type: ignore[arg-type]
        crosswalk.cross(walker(uid), speed, at, True, False)  # type: ignore[arg-type]

    env.process(go())


def test_a_crossing_that_straddles_the_phase_change_is_stranded() -> None:
    """14 m at 0.5 m/s from 6 s ends at 34 s, after EW gets green at 25 s: stranded.
    At 1.4 m/s from 1 s it ends at 11 s: safe."""
    env = simpy.Environment()
    x = intersection(env)
    _cross(env, x.west, 1.0, 1.4, uid=1)
    _cross(env, x.west, 6.0, 0.5, uid=2)
    env.run(until=30)
    crossings = x.crossings.arrays()
    assert crossings["resident"].tolist() == [1, 2]
    assert crossings["end_s"].tolist() == [11.0, 34.0]
    assert crossings["stranded"].tolist() == [0, 1]


def test_radar_holds_the_green_for_someone_still_crossing() -> None:
    """With radar (at most 15 s more), the same slow crossing ends at 34 s: NS green is
    held to 34 s instead of 20 s, EW starts at 39 s, and nobody is stranded."""
    env = simpy.Environment()
    timing = SignalTiming(**{**TIMING.__dict__, "radar_max_extension_s": 15.0})
    x = intersection(env, timing)
    radar = Radar("crossing_assist", Sensing(), None, 2, 0.0, 0.0, 0.0)  # type: ignore[arg-type]
    x.west.attach(radar)
    _cross(env, x.west, 6.0, 0.5, uid=2)
    env.run(until=60)
    assert rows(x.signals) == [(0, NS, 0, 34, 7, 0), (0, EW, 39, 51, 7, 0)]
    assert x.crossings.arrays()["stranded"].tolist() == [0]


def test_a_fallen_radar_holds_nothing() -> None:
    """The same slow crossing with the radar down from 0 s to 60 s: the controller sees
    nobody on the crossing, so NS ends at 20 s as without radar and the walker is stranded."""
    env = simpy.Environment()
    timing = SignalTiming(**{**TIMING.__dict__, "radar_max_extension_s": 15.0})
    x = intersection(env, timing)
    radar = FallibleDetector(Radar("crossing_assist", Sensing(), None, 2, 0.0, 0.0, 0.0), env)  # type: ignore[arg-type]
    radar.down.append((0.0, 60.0, None))
    x.west.attach(radar)
    _cross(env, x.west, 6.0, 0.5, uid=2)
    env.run(until=60)
    assert rows(x.signals)[0] == (0, NS, 0, 20, 7, 0)
    assert x.crossings.arrays()["stranded"].tolist() == [1]


def test_a_log_grows_while_a_profiler_holds_the_frame_that_read_it() -> None:
    """Dask's workers sample their threads' stacks; a frame held past its return keeps its
    locals, and a view of the cells among them would stop the next append (BufferError)."""
    log = ColumnLog("a", "b")
    log.append(1.0, 2.0)
    held = []

    def profiler(frame, event, _arg):  # type: ignore[no-untyped-def]
        if event == "return" and frame.f_code.co_name == "_columns":
            held.append(frame)

    sys.setprofile(profiler)
    try:
        columns = log.arrays()
    finally:
        sys.setprofile(None)
    assert held  # the frame outlives the call, as a sampling profiler's would
    log.append(3.0, 4.0)
    assert columns["a"].tolist() == [1.0] and log.arrays()["b"].tolist() == [2.0, 4.0]
