"""Signal controllers: fixed-time, actuated and adaptive programs of any number of phases,
with WALK.

A controller acts only at interval boundaries. Phases run in order (0, 1, ...). At
the onset of a phase's green it opens that phase's approaches (effective green =
displayed green + yellow - start-up lost time, starting after the lost time), shows
WALK on that phase's crosswalks, and, since conflicting traffic is released, marks
pedestrians still on the crosswalks across the legs that phase lets in as stranded.

Adaptive control is max-pressure (Varaiya 2013): after each minimum green the phase
whose queues most exceed those they feed downstream gets the green, with its
neighbours' queues delivered through traffic management; when that network data is
cut the controller actuates on its own detectors, and with those down runs its fixed
plan.

Two services change the program: crossing assist lengthens a green so a
recognised slow pedestrian (or anyone a radar sees on the crossing) can
finish; emergency preemption interrupts the program to give an approaching
ambulance green, then resumes with the next phase.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

import simpy

from agents.fixed_plan import FixedPlan
from agents.log import ColumnLog
from agents.signal_timing import (
    ControlData,
    FailSafe,
    Preemption,
    SignalTiming,
    Takeover,
    lead_in,
)

if TYPE_CHECKING:
    from agents.all_way_stop import FlashingRed
    from agents.approach import Approach
    from agents.crosswalk import Crosswalk
    from agents.readings import Readings

SIGNAL_COLUMNS = ("node", "phase", "onset_s", "green_end_s", "walk_s", "preempted")
INFINITY = float("inf")


class SignalController:
    """Runs one intersection's signal program as a SimPy process.

    Args:
        env: the simulation clock.
        node: index of the intersection.
        timing: the program's timing.
        approaches: the approaches served by each phase, indexed by phase.
        crosswalks: the crosswalks whose WALK each phase serves, indexed by phase.
        log: table of served phases, shared by all controllers.
        offset_s: fixed-time only: the first green of phase 0 begins at this time;
            before it the program runs the end of the previous cycle.
        conflicting: the crosswalks across the legs each phase lets traffic in from:
            pedestrians still on them at that phase's onset are stranded (default: the
            crosswalks the other phases walk on).
        data: what its detectors and the network deliver (None: its own detectors,
            always working, and no network: adaptive control acts as actuated).
    """

    def __init__(
        self,
        env: simpy.Environment,
        node: int,
        timing: SignalTiming,
        approaches: Sequence[Sequence[Approach]],
        crosswalks: Sequence[Sequence[Crosswalk]],
        log: ColumnLog,
        offset_s: float = 0.0,
        conflicting: Sequence[Sequence[Crosswalk]] | None = None,
        data: ControlData | None = None,
    ) -> None:
        if conflicting is None:  # the crosswalks every other phase walks on
            conflicting = [
                [c for q, walks in enumerate(crosswalks) if q != p for c in walks]
                for p in range(len(crosswalks))
            ]
        if not len(approaches) == len(crosswalks) == len(conflicting) == len(timing.green_s):
            raise ValueError("approaches, crosswalks, conflicting and green_s need one per phase")
        self.env = env
        self.node = node
        self.timing = timing
        self.approaches = approaches
        self.crosswalks = crosswalks
        self.conflicting = conflicting
        self.log = log
        self.phases = len(approaches)
        self.phase = 0
        self.onset_s = 0.0
        self.green_end_s = 0.0
        self._calls = [False] * self.phases
        self._conflict: simpy.Event | None = None
        self._walk_served = False
        self._preempted = False
        self._pending: list[Preemption] = []
        self._preempting = False
        #: True while the controller has fallen back to flashing red
        self.flashing = False
        #: True while an attacker's plan runs (``take_over``)
        self.hijacked = False
        #: what its detectors report, if they can be spoofed (``agents.readings``)
        self.readings: Readings | None = None
        self._fail_pending: FailSafe | Takeover | None = None
        self.data = data
        #: greens lengthened for pedestrians, greens chosen on network data, preemptions
        self.extensions = 0
        self.network_greens = 0
        self.preemptions = 0
        detects = timing.control != "fixed"
        for phase in range(self.phases):
            for approach in approaches[phase]:
                approach.controller = self if detects else None
            for crosswalk in crosswalks[phase]:
                crosswalk.controller = self if detects else None
        self._extends = timing.assist_speed_mps > 0 or timing.radar_max_extension_s > 0
        self.offset_s = offset_s % timing.cycle_s if not detects else 0.0
        #: the program as a SimPy process, or (None) a fixed plan without extensions run
        #: as shared timeout callbacks (``agents.fixed_plan``) until it is interrupted
        self._process: simpy.Process | None = None
        self._plan: FixedPlan | None = None
        if timing.control == "fixed" and not self._extends:
            self._plan = FixedPlan(self)
        else:
            self._process = env.process(self._run())

    def next_phase(self, phase: int) -> int:
        """The phase after ``phase`` in the cycle."""
        return (phase + 1) % self.phases

    def call(self, phase: int) -> None:
        """Someone is waiting for ``phase`` (detector or push button); a call from
        detectors spoofed to read empty never arrives."""
        readings = self.readings
        if readings is not None and all(
            readings.reported(a.link) == "empty" for a in self.approaches[phase]
        ):
            return
        self._calls[phase] = True
        if self._conflict is not None and phase != self.phase:
            self._conflict.succeed()
            self._conflict = None

    def recheck_calls(self) -> None:
        """Ask every phase's detectors (and push buttons) again: their readings changed."""
        for phase in range(self.phases):
            self._calls[phase] = any(self._present(a) for a in self.approaches[phase]) or any(
                c.waiting for c in self.crosswalks[phase]
            )
        if self._conflict is not None and self._called_elsewhere(self.phase):
            self._conflict.succeed()
            self._conflict = None

    def preempt(self, phase: int) -> Preemption:
        """An emergency vehicle asks for green on ``phase``; release the result once past."""
        request = Preemption(phase, self.env.event())
        if self.flashing or self.hijacked:  # a failed or hijacked one serves no preemption
            request.served = True
            return request
        self._pending.append(request)
        if not self._preempting:
            self._preempting = True
            self._interrupt(request)
        return request

    def fail_safe(self, start_s: float, end_s: float, flashing: FlashingRed) -> None:
        """Fall back to flashing red from ``start_s`` to ``end_s``, then resume the program.

        At ``start_s`` the current green ends at once (vehicles already promised
        a departure still leave) and ``flashing`` discharges the approaches as an
        all-way stop; WALK is not shown, and no preemption or pedestrian
        extension is served. At ``end_s`` the program restarts with a green for
        the phase after the one green when it failed.
        """
        if end_s <= start_s:
            raise ValueError(f"fail-safe ends at {end_s} s, not after its start {start_s} s")
        self.env.process(self._fail_at(start_s, FailSafe(end_s, flashing)))

    def take_over(self, start_s: float, end_s: float, green_s: tuple[float, ...]) -> None:
        """An attacker's fixed-time plan from ``start_s`` to ``end_s``, then the program
        resumes. The conflict monitor passes it: phases stay this controller's, with the
        programmed yellow and all-red. At ``start_s`` the current green ends (with its
        clearance); each phase then gets ``green_s[phase]`` in turn, WALK only when it fits;
        no preemption is served."""
        if end_s <= start_s:
            raise ValueError(f"takeover ends at {end_s} s, not after its start {start_s} s")
        if len(green_s) != self.phases:
            raise ValueError(f"a plan needs {self.phases} greens, not {len(green_s)}")
        self.env.process(self._fail_at(start_s, Takeover(end_s, tuple(green_s))))

    def _fail_at(
        self, start_s: float, cause: FailSafe | Takeover
    ) -> Generator[simpy.Event, object, None]:
        if start_s > self.env.now:
            yield self.env.timeout(start_s - self.env.now)
        if self._preempting or self.flashing or self.hijacked:
            self._fail_pending = cause  # taken up once the current service ends
        else:
            self._interrupt(cause)

    def _interrupt(self, cause: object) -> None:
        """Interrupt the program with ``cause``; a fixed plan running as callbacks hands
        over to a process that starts by handling it (at the same point of the event
        order: a process starts, as an interrupt lands, before anything else now)."""
        if self._process is not None:
            self._process.interrupt(cause)
            return
        assert self._plan is not None
        self._plan.stop()
        self._plan = None
        self._process = self.env.process(self._run(cause))

    def _flash(self, cause: FailSafe) -> Generator[simpy.Event, object, None]:
        now = self.env.now
        if now < self.green_end_s:
            self.green_end_s = now
            self._log_phase()
        self.flashing = True
        cause.flashing.start()
        # Pedestrians at an all-way stop cross when they reach the curb (vehicles stop
        # for them): the crossings work as if WALK were shown until the signal resumes.
        for crosswalks in self.crosswalks:
            for crosswalk in crosswalks:
                crosswalk.start_walk(max(cause.end_s - now, 0.0))
        yield self.env.timeout(max(cause.end_s - now, 0.0))
        cause.flashing.stop()
        self.flashing = False

    def _takeover(self, cause: Takeover) -> Generator[simpy.Event, object, None]:
        env, timing = self.env, self.timing
        self.hijacked = True
        if env.now < self.green_end_s:
            self._end_green(self.phase, env.now)
            yield env.timeout(self.green_end_s - env.now + timing.yellow_s + timing.all_red_s)
            self._log_phase()
        phase = self.next_phase(self.phase)
        while env.now < cause.end_s:
            green = min(cause.green_s[phase], cause.end_s - env.now)
            walk = green >= timing.walk_s + timing.clearance_s
            self._begin_green(phase, walk=walk, green_s=green)
            yield env.timeout(green + timing.yellow_s + timing.all_red_s)
            self._log_phase()
            phase = self.next_phase(phase)
        self.hijacked = False

    # -- programs ---------------------------------------------------------

    def _run(self, cause: object = None) -> Generator[simpy.Event, object, None]:
        """The program, from time 0 or (``cause`` given) from an interrupt with ``cause``."""
        phase = 0
        leading = self.offset_s > 0 and cause is None
        program = {"fixed": self._fixed, "actuated": self._actuated, "adaptive": self._adaptive}[
            self.timing.control
        ]
        while True:
            if cause is not None:
                phase = yield from self._recover(cause)
                cause = None
            try:
                if leading:
                    leading = False
                    yield from self._lead_in()
                yield from program(phase)
            except simpy.Interrupt as interrupt:
                cause = interrupt.cause

    def _recover(self, cause: object) -> Generator[simpy.Event, object, int]:
        """Serve what interrupted the program (preemptions, a fail-safe or takeover, and
        any that arrived meanwhile); returns the phase the program resumes with."""
        self._conflict = None
        phase = self.phase
        if not isinstance(cause, FailSafe | Takeover):
            while self._pending:
                request = self._pending[0]
                yield from self._serve_preemption(request)
                self._pending = [r for r in self._pending if not r.served]
            phase = self.next_phase(self.phase)
            self._preempting = False
            cause, self._fail_pending = self._fail_pending, None
        # A fail-safe that arrived while serving preemption or flashing waits here.
        while isinstance(cause, FailSafe | Takeover):
            self._pending, self._preempting = [], False
            yield from (
                self._flash(cause) if isinstance(cause, FailSafe) else self._takeover(cause)
            )
            phase = self.next_phase(self.phase)
            cause, self._fail_pending = self._fail_pending, None
        return phase

    def _lead_in(self) -> Generator[simpy.Event, object, None]:
        """From time 0 to the offset: the tail of the cycle before the first green of
        phase 0 (``signal_timing.lead_in``)."""
        for phase, green_s, walk, span in lead_in(self.timing, self.offset_s):
            if green_s > 0:
                self._begin_green(phase, walk=walk, green_s=green_s)
                yield self.env.timeout(span)
                self._log_phase()
            else:
                yield self.env.timeout(span)  # inside the yellow and all-red
        # phase 0's green starts now, exactly at the offset

    def _fixed(self, first: int) -> Generator[simpy.Event, object, None]:
        phase = first
        while True:
            phase = yield from self._fixed_green(phase)

    def _fixed_green(self, phase: int) -> Generator[simpy.Event, object, int]:
        """One fixed-time green of ``phase`` and its clearance; returns the next phase."""
        timing = self.timing
        green_s = timing.green_s[phase]
        self._begin_green(phase, walk=True, green_s=green_s)
        if self._extends:
            yield self.env.timeout(green_s)
            yield from self._extend_for_pedestrians(phase)
            yield self.env.timeout(timing.yellow_s + timing.all_red_s)
        else:
            yield self.env.timeout(green_s + timing.yellow_s + timing.all_red_s)
        self._log_phase()
        return self.next_phase(phase)

    def _actuated(self, first: int) -> Generator[simpy.Event, object, None]:
        phase = first
        while True:
            if self.data is None or self.data.detects(self.node):
                phase = yield from self._actuated_green(phase)
            else:  # its detectors are down: the fixed plan, every phase in turn
                phase = yield from self._fixed_green(phase)

    def _adaptive(self, first: int) -> Generator[simpy.Event, object, None]:
        """Network-adaptive while the network's data reaches it; else local actuation;
        with its own detectors down, the fixed plan."""
        phase = first
        while True:
            data = self.data
            if data is not None and data.coordinated(self.node):
                phase = yield from self._pressure_green(phase, data)
            elif data is None or data.detects(self.node):
                phase = yield from self._actuated_green(phase)
            else:
                phase = yield from self._fixed_green(phase)

    def _actuated_green(self, phase: int) -> Generator[simpy.Event, object, int]:
        """One actuated green of ``phase``: at least the minimum (or WALK and clearance),
        extended while vehicles keep coming within the passage time, up to the maximum;
        returns the next phase called."""
        timing, env = self.timing, self.env
        walk = any(c.waiting for c in self.crosswalks[phase])
        min_s = max(timing.min_green_s, timing.walk_s + timing.clearance_s if walk else 0.0)
        cap_s = timing.max_green_s  # max-green timer, from onset (or from a later call)
        self._begin_green(phase, walk=walk, green_s=cap_s)
        self.green_end_s = INFINITY  # decided by gap-out or max-out
        onset = self.onset_s
        approaches = self.approaches[phase]
        while True:
            gap_end = max(self._actuation(a) for a in approaches) + timing.passage_s
            end = min(max(gap_end, onset + min_s), onset + cap_s)
            if end > env.now:
                yield env.timeout(end - env.now)
                continue
            if self._called_elsewhere(phase):
                break
            # Nobody waits for another phase: stay green.
            # (an approach blocked by a full downstream link does not hold the green)
            if not any(self._present(a) and a.blocked_on is None for a in approaches):
                for approach in approaches:
                    approach.extend(INFINITY)
                self._conflict = env.event()
                yield self._conflict
            cap_s = env.now - onset + timing.max_green_s
            for approach in approaches:
                approach.extend(onset + cap_s + timing.yellow_s)
            stale = max(self._actuation(a) for a in approaches) + timing.passage_s <= env.now
            if stale and any(self._present(a) and a.blocked_on is None for a in approaches):
                # someone is there but nobody could go (a left-turner waiting for a gap)
                yield env.timeout(timing.passage_s)
        yield from self._finish_green(phase)
        return self._after(phase)

    def _pressure_green(self, phase: int, data: ControlData) -> Generator[simpy.Event, object, int]:
        """One green of ``phase`` under max-pressure control (Varaiya 2013): held for the
        minimum (or WALK and clearance), then at every decision (each ``passage_s``) kept
        while no other phase's pressure beats it by ``switch_margin`` vehicles and it has
        not gapped out while another is called (as actuated control would), up to the
        maximum; returns the phase of highest pressure."""
        timing, env = self.timing, self.env
        self.network_greens += 1
        walk = any(c.waiting for c in self.crosswalks[phase])
        min_s = max(timing.min_green_s, timing.walk_s + timing.clearance_s if walk else 0.0)
        self._begin_green(phase, walk=walk, green_s=timing.max_green_s)
        onset = self.onset_s
        yield env.timeout(min_s)
        best = phase
        approaches = self.approaches[phase]
        while env.now < onset + timing.max_green_s and data.coordinated(self.node):
            pressures = self._pressures(data)
            best = max(range(self.phases), key=lambda p: (pressures[p], p == phase))
            if best != phase and pressures[best] > pressures[phase] + timing.switch_margin:
                break
            gapped = max(self._actuation(a) for a in approaches) + timing.passage_s <= env.now
            idle = gapped and not any(self._present(a) for a in approaches)
            if idle and self._called_elsewhere(phase):
                others = [p for p in range(self.phases) if p != phase]
                best = max(others, key=lambda p: (self._calls[p], pressures[p]))
                break
            step = min(timing.passage_s, onset + timing.max_green_s - env.now)
            for approach in self.approaches[phase]:
                approach.extend(env.now + step + timing.yellow_s)
            yield env.timeout(step)
        else:
            pressures = self._pressures(data)
            others = [p for p in range(self.phases) if p != phase]
            best = max(others, key=lambda p: pressures[p]) if others else phase
        yield from self._finish_green(phase)
        return best if best != phase else self.next_phase(phase)

    def _pressures(self, data: ControlData) -> list[float]:
        """Each phase's pressure (in vehicles), a waiting pedestrian counting as a vehicle
        and one kept past ``max_pedestrian_wait_s`` outranking every vehicle."""
        pressures = list(data.pressures(self.node))
        now = self.env.now
        for p, crosswalks in enumerate(self.crosswalks):
            for crosswalk in crosswalks:
                if crosswalk.waiting:
                    waited = now - crosswalk.walk_until
                    late = waited > self.timing.max_pedestrian_wait_s
                    pressures[p] += INFINITY if late else crosswalk.waiting
        return pressures

    def _finish_green(self, phase: int) -> Generator[simpy.Event, object, None]:
        """End ``phase``'s green (after any pedestrian extension) and run its clearance."""
        timing, env = self.timing, self.env
        if self._extends:
            yield from self._extend_for_pedestrians(phase)
        self._end_green(phase, env.now)
        yield env.timeout(self.green_end_s - env.now + timing.yellow_s + timing.all_red_s)
        self._log_phase()
        self._calls[phase] = any(self._present(a) for a in self.approaches[phase]) or any(
            c.waiting for c in self.crosswalks[phase]
        )

    def _present(self, approach: Approach) -> bool:
        """Whether its detectors report a vehicle waiting on ``approach``."""
        truth = bool(approach.waiting)
        return truth if self.readings is None else self.readings.occupied(approach.link, truth)

    def _actuation(self, approach: Approach) -> float:
        """When its detectors last saw a vehicle on ``approach`` (gap-out): the last
        departure, or now for detectors spoofed to read full, never for empty."""
        reported = None if self.readings is None else self.readings.reported(approach.link)
        if reported is None:
            return approach.last_departure
        return self.env.now if reported == "full" else -INFINITY

    def _called_elsewhere(self, phase: int) -> bool:
        return any(called for p, called in enumerate(self._calls) if p != phase)

    def _after(self, phase: int) -> int:
        """Actuated: the next phase in order with a call; this one again if only it has
        one; else simply the next."""
        for step in range(1, self.phases):
            candidate = (phase + step) % self.phases
            if self._calls[candidate]:
                return candidate
        return phase if self._calls[phase] else self.next_phase(phase)

    def _serve_preemption(self, request: Preemption) -> Generator[simpy.Event, object, None]:
        """Safe transition to green for ``request.phase``, hold it, then end it."""
        env, timing = self.env, self.timing
        self.preemptions += 1
        target = request.phase
        in_green = env.now < self.green_end_s
        if self.phase != target or not in_green:
            if in_green:
                # Cut the current green short (WALK, clearance and the vehicles
                # already discharging still finish: see _end_green).
                self._end_green(self.phase, env.now)
                yield env.timeout(self.green_end_s - env.now)
            clearance_end = self.green_end_s + timing.yellow_s + timing.all_red_s
            if clearance_end > env.now:
                yield env.timeout(clearance_end - env.now)
            self._log_phase()
            self._begin_green(target, walk=False, green_s=INFINITY)
            self._preempted = True
        else:
            for approach in self.approaches[target]:
                approach.extend(INFINITY)
            self.green_end_s = INFINITY
            self._preempted = True
        # Hold green until every vehicle asking for this phase has passed.
        while True:
            holding = [r for r in self._pending if r.phase == target and not r.served]
            if not holding:
                break
            yield simpy.AllOf(env, [r.released for r in holding])
            for r in holding:
                r.served = True
        self._end_green(target, env.now)
        yield env.timeout(self.green_end_s - env.now + timing.yellow_s + timing.all_red_s)
        self._log_phase()

    # -- helpers -----------------------------------------------------------

    def _extend_for_pedestrians(self, phase: int) -> Generator[simpy.Event, object, None]:
        """Lengthen the green for recognised slow pedestrians or anyone on a radar crossing."""
        timing, now = self.timing, self.env.now
        end = now
        for crosswalk in self.crosswalks[phase]:
            if crosswalk.extend_this_walk and timing.assist_speed_mps > 0:
                needed = (
                    crosswalk.walk_start
                    + timing.walk_s
                    + crosswalk.width_m / timing.assist_speed_mps
                )
                end = max(end, needed)
            if timing.radar_max_extension_s > 0:
                end = max(end, min(crosswalk.occupied_until(), now + timing.radar_max_extension_s))
        if end > now:
            self.extensions += 1
            for approach in self.approaches[phase]:
                approach.extend(end + timing.yellow_s)
            yield self.env.timeout(end - now)
        self._end_green(phase, self.env.now)

    def _end_green(self, phase: int, end: float) -> None:
        """Green of ``phase`` ends at ``end``, or later if pedestrians shown WALK still
        need their clearance or vehicles already promised a departure need to clear."""
        timing = self.timing
        approaches = self.approaches[phase]
        promised = max((a.last_departure for a in approaches), default=end)
        end = max(end, promised - timing.yellow_s)
        if self._walk_served:
            end = max(end, self.onset_s + timing.walk_s + timing.clearance_s)
        self.green_end_s = end
        for approach in approaches:
            approach.set_window_end(min(approach.window_end, end + timing.yellow_s))

    def _begin_green(self, phase: int, walk: bool, green_s: float) -> None:
        """Green onset for (at most) ``green_s``: release traffic and pedestrians,
        detect stranded crossings."""
        now = self.env.now
        timing = self.timing
        if phase != self.phase:
            for crosswalk in self.conflicting[phase]:
                crosswalk.conflicting_green()
        self.phase = phase
        self.onset_s = now
        self.green_end_s = now + green_s
        self._calls[phase] = False
        self._walk_served = walk
        self._preempted = False
        if walk:
            walk_s = timing.walk_s
            for crosswalk in self.crosswalks[phase]:
                crosswalk.start_walk(walk_s)
        start, end = now + timing.startup_lost_s, self.green_end_s + timing.yellow_s
        for approach in self.approaches[phase]:
            approach.open(start, end)

    def _log_phase(self) -> None:
        walk = self.timing.walk_s if self._walk_served else 0.0
        self.log.append(
            self.node, self.phase, self.onset_s, self.green_end_s, walk, self._preempted
        )


__all__ = ["ControlData", "FailSafe", "Preemption", "SignalController", "SignalTiming", "Takeover"]
