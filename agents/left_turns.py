"""Permissive left turns: a left-turning head vehicle yields to the opposing approach.

Gap acceptance on the opposing approach's actual vehicles. The left-turner at the
head of its queue (which it blocks: one shared lane) leaves at ``t`` only when the
opposing queue has cleared (or stands: its head waits to turn too, for a gap or for
walkers), no opposing vehicle has a departure after ``t``, and no
opposing vehicle is due at the stop line before ``t + critical_s``; left-turners
follow one another ``follow_up_s`` apart in one gap. Against a Poisson opposing
stream of ``v`` veh/s this serves ``v e^(-v t_c) / (1 - e^(-v t_f))`` per second of
unsaturated green, HCM's permissive saturation flow (6th ed., Eq. 31-59, after Drew),
which ``tests/test_left_turns.py`` checks. At the end of green up to ``SNEAKERS``
left-turners still waiting in the intersection leave (HCM's two sneakers a cycle).

An opposing vehicle is *due* from the moment it is given its departure onto the
opposing link (or enters it from outside): free-flow travel time later.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from agents.approach import Approach

#: HCM 6th ed. Exhibit 31-? values for permissive left turns: critical headway (s)
#: and follow-up headway (s).
CRITICAL_S = 4.5
FOLLOW_UP_S = 2.5
#: Left-turners that clear at the end of a green in which they found no gap.
SNEAKERS = 2
#: Tolerance on time arithmetic: a gap's end computed two ways must not differ by a
#: rounding error (or the head would be woken again at the same instant, for ever).
_EPS = 1e-9


class Opposed:
    """Vehicles due at the stop line of an approach whose traffic ``left`` yields to."""

    __slots__ = ("_due", "left")

    def __init__(self, left: PermissiveLeft) -> None:
        self.left = left
        self._due: list[float] = []

    def due(self, time_s: float) -> None:
        """An opposing vehicle reaches the stop line at ``time_s`` (at the earliest)."""
        heapq.heappush(self._due, time_s)

    def next_due(self, after_s: float) -> float:
        """The first arrival due at or after ``after_s`` (inf: none known)."""
        due = self._due
        while due and due[0] < after_s:
            heapq.heappop(due)
        return due[0] if due else float("inf")


class PermissiveLeft:
    """The left-turn rule of one approach.

    Args:
        approach: the approach whose left-turners yield.
        opposing: the approach facing it, served in the same phase.
        legs: the legs of the intersection a vehicle on ``approach`` turns left into.
    """

    __slots__ = ("_accepted", "_sneak_at", "_wake_at", "approach", "legs", "opposing", "tickets")

    def __init__(self, approach: Approach, opposing: Approach, legs: frozenset[int]) -> None:
        self.approach = approach
        self.opposing = opposing
        self.legs = legs
        opposing.opposed = Opposed(self)
        #: queued left-turners (their departure tickets)
        self.tickets: set[simpy.Event] = set()
        self._wake_at = float("inf")
        self._sneak_at = -float("inf")
        #: the head's ticket and the gap it was found for: a turner that also yields to
        #: pedestrians looks at its crosswalk when it leaves, and keeps the gap meanwhile
        self._accepted: tuple[simpy.Event, float] | None = None

    def departure(self, earliest: float) -> float | None:
        """When the left-turner at the head may leave, not before ``earliest``; None: it
        waits (and is woken to try again: at a gap, or at the end of green to sneak)."""
        approach = self.approach
        now = approach.env.now
        head = approach.waiting[0][0]
        accepted = self._accepted
        if accepted is not None and accepted[0] is head and earliest <= accepted[1] + _EPS:
            return accepted[1]
        t = self._gap(earliest, now)
        self._accepted = (head, t) if t is not None else None
        return t

    def _gap(self, earliest: float, now: float) -> float | None:
        """The start of the first gap the head may take (None: none known yet)."""
        approach, opposing = self.approach, self.opposing
        t = max(earliest, opposing.last_departure, approach.last_departure + FOLLOW_UP_S)
        if opposing.waiting:
            facing = opposing.left
            head_left = facing is not None and opposing.waiting[0][0] in facing.tickets
            # the opposing queue stands when its head waits to turn too: a left-turner
            # (which passes this one), or a turner held for a gap or for walkers. A head
            # waiting for room beyond the intersection may go any moment: it is not
            # passed (SUMO's left-turners wait for it too)
            standing = head_left or (opposing.held and opposing.blocked_on is None)
            if not standing:
                self._retry(approach.window_end)  # the opposing queue has not cleared
                return None
            if not (opposing.bypass and opposing.blocked_on is None):
                # nobody passes the standing head: nothing comes, so the turn is free
                if t < approach.window_cut:
                    return t
                self._wait_for_sneaking()
                return None
        # (an opposing head waiting to turn on two lanes or more: straight-through
        # traffic passes it, so the turn needs a gap in that as usual)
        if opposing.through_waiting():
            self._retry(approach.window_end)  # those behind it have not cleared
            return None
        assert opposing.opposed is not None
        due = opposing.opposed.next_due(now)
        if due < t + CRITICAL_S:
            t = max(t, due + 1e-6)  # look again once that opposing vehicle has passed
        elif t <= now + _EPS or t + CRITICAL_S <= now + opposing.travel_s + _EPS:
            # every opposing vehicle due before t + CRITICAL_S is known by now
            if t < approach.window_cut:
                return t
        else:  # look again when all due before the gap's end are known (later than now)
            t = min(t, t + CRITICAL_S - opposing.travel_s)
        if t >= approach.window_cut:
            self._wait_for_sneaking()
        else:
            self._retry(t)
        return None

    def _wait_for_sneaking(self) -> None:
        """No gap in this green: try at its end, as a sneaker."""
        if self.approach.env.now < self.approach.window_end:
            self._retry(self.approach.window_end)

    def _retry(self, time_s: float) -> None:
        """Try the head again at ``time_s`` (the end of green: sneakers) or earlier."""
        env = self.approach.env
        if time_s >= self._wake_at or time_s == float("inf"):
            return
        self._wake_at = time_s
        env.timeout(max(time_s - env.now, 0.0)).callbacks.append(self._woken)

    def retry_soon(self, time_s: float) -> None:
        """The opposing queue has cleared: try the head again at ``time_s`` (if the head
        is a left-turner; two facing approaches must not wake each other for ever)."""
        waiting = self.approach.waiting
        if waiting and waiting[0][0] in self.tickets:
            self._retry(time_s)

    def _woken(self, _event: simpy.Event) -> None:
        """Try the head again; after the green, let up to ``SNEAKERS`` clear."""
        approach = self.approach
        now = approach.env.now
        if now < self._wake_at - 1e-9:
            return  # a stale wake: an earlier one was scheduled after it
        self._wake_at = float("inf")
        if approach.all_way_stop is not None:
            return  # the signal flashes: the all-way stop serves every movement in turn
        if now < approach.window_end - 1e-9:
            approach.extend(approach.window_end)  # release into the rest of this green
            return
        if self._sneak_at == approach.window_end:
            return  # this green's sneakers have gone
        self._sneak_at = approach.window_end
        self._sneak(now)
        approach.held = bool(approach.waiting)  # the queue outlasted this green

    def _sneak(self, now: float) -> None:
        """Up to ``SNEAKERS`` left-turners at the head clear the intersection now."""
        approach = self.approach
        for _ in range(SNEAKERS):
            if not approach.waiting or approach.blocked_on is not None:
                return
            ticket = approach.waiting[0][0]
            if ticket not in self.tickets:
                return
            # looked at now: nobody steps onto a crosswalk outside WALK, so the one it
            # turns across stays as it is while the sneakers clear
            if approach.yields is not None and not approach.yields.clear(ticket, now):
                return  # it would cross pedestrians: the next green serves it
            departure = max(now, approach.last_departure + approach.headway_s)
            if not approach.serve_head(departure):
                return
            self.tickets.discard(ticket)


__all__ = ["CRITICAL_S", "FOLLOW_UP_S", "SNEAKERS", "Opposed", "PermissiveLeft"]
