"""An all-way stop: a signal flashing red, or an intersection with stop signs on every leg.

Used when a compromised controller falls back to its fail-safe, and at intersections
without signals. Each approach releases its queue one vehicle at a time; the time
between two departures from the same approach is the HCM 6th ed. Ch. 21 saturation
headway of the degree-of-conflict case the approach is in when its next vehicle
moves up (whether the opposing approach and how many conflicting approaches have
vehicles waiting), plus the turning and heavy-vehicle adjustment. This
is the HCM method made event-driven: the manual weights the cases by their
probabilities, the simulation lives the case it is in. Like the signalised
approaches, the queue is a point (vertical) queue. Unlike at a green, every
vehicle must stop: one that reaches an empty approach leaves ``stop_s`` after
it arrives (deceleration, the stop, acceleration), or one headway after the
previous departure if that is later. Spillback holds as at a green: a vehicle
leaves only if its next link has room, else the approach is blocked (the
same bookkeeping as :class:`~agents.approach.Approach`) until room frees up.

The headway table is passed in (``metrics.analytic.AWSC_CASE_HEADWAY_S``), so
agents do not import metrics.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from agents.approach import Approach, Caller

__all__ = ["FlashingRed"]


class FlashingRed:
    """The all-way-stop discharge of one intersection while its signal flashes red.

    Args:
        env: the simulation clock.
        approaches: its approaches.
        case_headways_s: saturation headway of degree-of-conflict cases 1-5 (s).
        adjustment_s: turning and heavy-vehicle headway adjustment (s).
        stop_s: time lost stopping by a vehicle that finds its approach empty (s).
        opposing: per approach, the index of the approach facing it, or None; every
            other approach conflicts with it (default: four approaches in order around
            the intersection, each facing the one two along).
    """

    def __init__(
        self,
        env: simpy.Environment,
        approaches: Sequence[Approach],
        case_headways_s: Sequence[float],
        adjustment_s: float = 0.0,
        stop_s: float = 0.0,
        opposing: Sequence[int | None] | None = None,
    ) -> None:
        if opposing is None:  # four approaches in order around the intersection
            opposing = (
                [(i + 2) % 4 for i in range(4)]
                if len(approaches) == 4
                else [None] * len(approaches)
            )
        if len(opposing) != len(approaches) or len(case_headways_s) != 5:
            raise ValueError("an all-way stop needs an opposing entry per approach, 5 headways")
        self.env = env
        self.approaches = tuple(approaches)
        self.opposing = tuple(opposing)
        self.headways_s = tuple(h + adjustment_s for h in case_headways_s)
        self.stop_s = stop_s
        self.active = False
        self._callers: list[Caller | None] = []
        self._wake: list[simpy.Event | None] = [None] * len(self.approaches)

    def start(self) -> None:
        """Flashing red from now: green windows close, queues discharge as an all-way stop."""
        if self.active:
            return
        self.active = True
        now = self.env.now
        self._callers = [a.controller for a in self.approaches]
        for i, approach in enumerate(self.approaches):
            approach.window_start = now  # every arrival now queues
            approach.credit = 0.0
            approach.set_window_end(now)
            approach.controller = self
            approach.all_way_stop = self
            self.env.process(self._discharge(i))

    def stop(self) -> None:
        """Flashing ends: hand the approaches back to their controller (which reopens them)."""
        if not self.active:
            return
        self.active = False
        for approach, caller, wake in zip(self.approaches, self._callers, self._wake, strict=True):
            approach.controller = caller
            approach.all_way_stop = None
            if wake is not None and not wake.triggered:
                wake.succeed()
        self._wake = [None] * len(self.approaches)

    def call(self, phase: int) -> None:
        """A vehicle queued on some approach (the ``Caller`` interface): wake idle ones."""
        for i, wake in enumerate(self._wake):
            if wake is not None and self.approaches[i].waiting and not wake.triggered:
                wake.succeed()
                self._wake[i] = None

    def unblocked(self, approach: Approach) -> None:
        """Room freed downstream of ``approach``: its discharge goes on."""
        i = self.approaches.index(approach)
        wake = self._wake[i]
        if wake is not None and not wake.triggered:
            wake.succeed()
            self._wake[i] = None

    def headway_s(self, i: int) -> float:
        """Departure headway of approach ``i`` given which others have vehicles waiting now."""
        occupied = [bool(a.waiting) for a in self.approaches]
        facing = self.opposing[i]
        opposing = facing is not None and occupied[facing]
        conflicting = min(2, sum(occupied[j] for j in range(len(occupied)) if j not in (i, facing)))
        others = opposing + conflicting
        case = 1 + others + (1 if others == 1 and conflicting else 0) if others <= 1 else 2 + others
        return self.headways_s[case - 1]

    def _discharge(self, i: int) -> Generator[simpy.Event, object, None]:
        from agents.approach import Approach

        env, approach = self.env, self.approaches[i]
        earliest = env.now
        while self.active:
            if not approach.waiting or approach.blocked_on is not None:
                empty = not approach.waiting
                wake = self._wake[i] = env.event()
                yield wake
                if empty:
                    earliest = env.now + self.stop_s  # woken by a vehicle reaching the line now
                continue
            departure = max(earliest, approach.last_departure + self.headway_s(i))
            if departure > env.now:
                yield env.timeout(departure - env.now)
                if not self.active or not approach.waiting:
                    continue
            ticket, onward = approach.waiting[0]
            if isinstance(onward, Approach) and not onward.has_room():
                approach._block(onward)
                continue
            approach.waiting.popleft()
            approach._grant(env.now, onward)
            ticket.succeed(env.now)
