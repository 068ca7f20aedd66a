"""Turning vehicles yield to pedestrians on the crosswalk across the street they turn into.

**The conflict zone** of a right- or left-turner at a signal is the crosswalk across the
leg it leaves by, whole, occupied by a pedestrian from the moment they step off the curb
until they reach the far one, whichever way they walk: the crossing table's interval,
which is what :mod:`metrics.safety` counts a conflict on the far crosswalk against, so a
turner that yielded is never counted. A vehicle is on the crosswalk at the instant it
leaves its stop line, as in the metric. The twin does not record which way a pedestrian
crosses, so the half over the receiving lanes, where the turn really crosses, cannot be
told from the other: a turner also waits for someone on the far half walking away.

**Discharge.** The turner at the head of its lane (which it blocks: one shared lane,
first in first out) is given its departure only at the instant it leaves: at the earliest
departure the discharge allows it leaves if nobody is on its crosswalk, else it is woken
when the last pedestrian on it reaches the far curb and looks again (someone may have
stepped on meanwhile); the vehicles behind follow at the saturation headway. Every wake
is at a computed time strictly later than the last look, and pedestrians step on only
during WALK, so every wait ends. Permissive left-turners find their gap in the opposing
traffic first (:mod:`agents.left_turns`); a sneaker leaves at the end of green only if
it can at that instant, else the next green serves it. At an all-way stop, or a signal
flashing as one, turners do not yield: the all-way stop serves every movement in turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from agents.approach import Approach
    from agents.crosswalk import Crosswalk

#: Tolerance on a wake's time: a timeout may fire a rounding error early.
_EPS = 1e-9


class TurnYield:
    """The yielding rule of one approach.

    Args:
        approach: the approach whose turners yield.
        crosswalks: by the leg a turner leaves by, the crosswalk across it.
    """

    __slots__ = ("_wake_at", "approach", "crosswalks", "tickets")

    def __init__(self, approach: Approach, crosswalks: Mapping[int, Crosswalk]) -> None:
        self.approach = approach
        self.crosswalks = dict(crosswalks)
        #: queued turners (their departure tickets) and the crosswalk each crosses
        self.tickets: dict[simpy.Event, Crosswalk] = {}
        self._wake_at = float("inf")

    def clear(self, ticket: simpy.Event, departure: float) -> bool:
        """Whether the head vehicle (``ticket``) may leave at ``departure``; if not, it
        is woken to look again at its departure, or when its crosswalk clears."""
        crosswalk = self.tickets.get(ticket)
        if crosswalk is None:
            return True
        now = self.approach.env.now
        if departure > now + _EPS:
            self._retry(departure)  # decided when it leaves: someone may step on before
            return False
        if crosswalk.clear_s > now:
            self._retry(crosswalk.clear_s)
            return False
        return True

    def _retry(self, time_s: float) -> None:
        """Look at the head again at ``time_s`` (if still in this green)."""
        approach = self.approach
        if time_s >= self._wake_at or time_s >= approach.window_cut:
            return  # an earlier wake looks first, or the next green releases it
        self._wake_at = time_s
        env = approach.env
        env.timeout(max(time_s - env.now, 0.0)).callbacks.append(self._woken)

    def _woken(self, _event: simpy.Event) -> None:
        approach = self.approach
        if approach.env.now < self._wake_at - _EPS:
            return  # a stale wake: an earlier one was scheduled after it
        self._wake_at = float("inf")
        if approach.all_way_stop is None:
            approach.extend(approach.window_end)  # release into the rest of this green


__all__ = ["TurnYield"]
