"""Fixed-time plans without extensions, run as timeout callbacks shared by every
controller whose interval ends at the same instant.

A fixed plan is a chain of intervals (a lead-in up to the offset, then each phase's
green and clearance in turn); a controller's process would wake at each interval's end.
Here one timeout serves every plan that ends an interval at that instant, and each plan
does what its process did there, in the same order: the events are those of one
process per controller, minus the processes. The order is kept exactly: plans join a
shared timeout only while no other event is due at its time after it (within one
callback nothing else can be: a green grants departures before its end and
releases waiting pedestrians and vehicles now), so every event at that time is handled
in the order the separate timeouts would have given it.

A plan stops (``FixedPlan.stop``) when its controller is interrupted (preemption, a
fail-safe or a takeover); the controller's process takes over from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy
from simpy.core import NORMAL, URGENT

from agents.signal_timing import lead_in

if TYPE_CHECKING:
    from agents.signal import SignalController

__all__ = ["FixedPlan"]


class FixedPlan:
    """One controller's fixed plan, as ``_lead_in`` then ``_fixed`` run it.

    Args:
        controller: its controller (timing, offset, ``_begin_green``, ``_log_phase``).
    """

    __slots__ = ("_batch", "_lead", "_logs", "_phase", "controller")

    def __init__(self, controller: SignalController) -> None:
        self.controller = controller
        self._lead: list[tuple[int, float, bool, float]] = []
        self._phase = 0
        self._logs = False  # the interval ending next was a green: log it
        self._batch: _Batch | None = None
        env = controller.env
        start = simpy.Event(env)  # at the current time before interrupts, as a process starts
        start._ok, start._value = True, None
        start.callbacks.append(self._start)
        env.schedule(start, URGENT)

    def _start(self, _event: simpy.Event) -> None:
        controller = self.controller
        if controller.offset_s > 0:
            self._lead = list(reversed(lead_in(controller.timing, controller.offset_s)))
        _clock(controller.env).add(self, self.tick(), {})

    def tick(self) -> float:
        """The end of an interval and the start of the next; returns the next one's span."""
        controller = self.controller
        if self._logs:
            controller._log_phase()
        if self._lead:
            phase, green_s, walk, span = self._lead.pop()
            self._logs = green_s > 0
            if green_s > 0:
                controller._begin_green(phase, walk=walk, green_s=green_s)
            return span
        timing, phase = controller.timing, self._phase
        green_s = timing.green_s[phase]
        controller._begin_green(phase, walk=True, green_s=green_s)
        self._logs = True
        self._phase = controller.next_phase(phase)
        return green_s + timing.yellow_s + timing.all_red_s

    def stop(self) -> None:
        """The plan stops now (its controller's process takes over)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.plans.remove(self)


class _Batch:
    """The plans whose interval ends at ``due``, in the order their timeouts would have."""

    __slots__ = ("clock", "due", "plans", "timeout")

    def __init__(self, clock: _Clock, due: float, span: float) -> None:
        self.clock = clock
        self.due = due
        self.plans: list[FixedPlan] = []
        self.timeout = clock.env.timeout(span)
        self.timeout.callbacks.append(self.fire)

    def fire(self, _event: simpy.Event) -> None:
        clock = self.clock
        if clock.pending.get(self.due) is self:
            del clock.pending[self.due]
        made: dict[float, _Batch] = {}
        for plan in self.plans:
            if plan._batch is self:
                clock.add(plan, plan.tick(), made)


class _Clock:
    """The shared timeouts of one environment's fixed plans, by due time."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        #: batches whose timeout has not fired, by due time (the latest one made for each)
        self.pending: dict[float, _Batch] = {}

    def add(self, plan: FixedPlan, span: float, made: dict[float, _Batch]) -> None:
        """``plan``'s next interval ends ``span`` from now; ``made``: the batches made in
        the current callback (joined without a check)."""
        due = self.env.now + span
        batch = made.get(due)
        if batch is None:
            batch = self.pending.get(due)
            if batch is None or not self._last_at(batch):
                batch = _Batch(self, due, span)
                self.pending[due] = batch
            made[due] = batch
        batch.plans.append(plan)
        plan._batch = batch

    def _last_at(self, batch: _Batch) -> bool:
        """Whether no other event is scheduled at ``batch.due`` after its timeout (read
        from SimPy's queue of (time, priority, id, event))."""
        entries = [e for e in self.env._queue if e[0] == batch.due and e[1] == NORMAL]  # type: ignore[attr-defined]
        mine = next((e[2] for e in entries if e[3] is batch.timeout), None)
        return mine is not None and all(e[2] <= mine for e in entries)


#: where an environment keeps its clock (on the environment itself: a module-level map
#: keyed weakly by the environment would keep it alive through its own value)
_CLOCK_ATTRIBUTE = "_twin_fixed_plan_clock"


def _clock(env: simpy.Environment) -> _Clock:
    clock: _Clock | None = getattr(env, _CLOCK_ATTRIBUTE, None)
    if clock is None:
        clock = _Clock(env)
        setattr(env, _CLOCK_ATTRIBUTE, clock)
    return clock
