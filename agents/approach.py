"""A signalised approach: the link that ends at a stop line, and its discharge.

Departures are computed, not simulated second by second: a vehicle reaching
the stop line during effective green with nobody ahead of it leaves at
``max(arrival, previous departure + saturation headway, start of effective
green)``; otherwise it joins the queue, and the signal releases the queue at
the saturation headway when its next effective green opens. This is the
vertical-queue model behind Webster's delay formula, at one event per vehicle
that does not stop.

**Exact capacity.** A green of effective length ``g`` serves
``floor(g / h + credit)`` vehicles when its queue outlasts it; the fraction
left over is carried to the next green as ``credit`` (reset when a green
ends with its queue served), so a saturated approach discharges ``g / h``
vehicles per cycle on average for any timing, not ``ceil(g / h)``. A turner
takes ``E`` headways (HCM's turn equivalents, ``turn_extra``); headways of a vehicle
that leaves late in green (a turner, one that waited for walkers) and run past its
end are owed by the next green (a negative credit): a green serves its length.

**Finite storage and spillback.** The link feeding a stop line holds
``storage`` vehicles (length x lanes / jam spacing), from a vehicle's departure
from the upstream stop line (or admission from outside) until its own
departure here. A vehicle is given a departure only if its next link has room;
if not, the approach is *blocked* (first in, first out) and registers with the
full link, which wakes it when a place frees up; a green meanwhile does not
block it again, so its blocked time is one unbroken interval. Occupancy is a
counter, freed lazily (a queue of promised departure times popped when the
link is asked for room), so a vehicle that never meets a full link costs no
extra event. Boundary entries that find their first link full wait outside,
first come first served. A ring of blocked approaches whose links have no
departure pending is gridlock, recorded once per ring in :class:`Spillback`.

**Backward waves.** A place freed at the stop line reaches the link's
upstream end ``wave_s`` (length / backward wave speed) later, as in the link
transmission model (Yperman 2005): the lazy queue holds each departure
shifted by ``wave_s``. Permissive left-turners yield by
:mod:`agents.left_turns`, turners to pedestrians by :mod:`agents.turn_yield`.

All discharge arithmetic lives in :meth:`Approach._next_departure` (when the
head of the queue could leave) and :meth:`Approach._release` (who leaves), so
another discharge rule, such as all-way-stop headways, replaces those two.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from agents.spillback import Spillback

if TYPE_CHECKING:
    import simpy

    from agents.left_turns import Opposed, PermissiveLeft
    from agents.turn_yield import TurnYield

INFINITY = math.inf
#: Tolerance on green arithmetic (``26 / 2`` must be 13 vehicles, not 12.999...).
_EPS = 1e-9


class Caller(Protocol):
    """What an approach tells its signal controller."""

    def call(self, phase: int) -> None:
        """Vehicles or pedestrians are waiting for ``phase``."""


class Unblocked(Protocol):
    """Another discharge rule that took over the approach (an all-way stop)."""

    def unblocked(self, approach: Approach) -> None:
        """``approach``'s head vehicle has room downstream again."""


class _Ghost:
    """Onward marker of a vehicle that is on no link's books (the ambulance driving back)."""


#: A vehicle that neither holds a place on this link nor needs one on the next.
GHOST = _Ghost()


class Approach:
    """The stop line of one incoming street at one intersection, and the link before it.

    Args:
        env: the simulation clock.
        node: index of the intersection.
        link: index of the street-graph link it ends.
        phase: signal phase that serves it.
        headway_s: saturation headway of the whole approach (all its lanes).
        storage: vehicles the link ending here holds (``inf``: unlimited).
        spillback: the shared blocking record (a private one if not given).
        from_leg: the leg of the intersection vehicles on it come in by.
        travel_s: free-flow travel time of its link.
        wave_s: time a place freed at its stop line takes to reach the link's upstream
            end (length / backward wave speed; 0: at once).
        stop_loss_s: time a full stop here costs beyond the wait, braking and
            accelerating back to speed (0: vehicles stop and start at once).
    """

    __slots__ = (
        "_blocked",
        "_entries",
        "_extra",
        "_green_last",
        "_green_opened",
        "_leaving",
        "_refused",
        "_wake_pending",
        "all_way_stop",
        "blocked_on",
        "blocked_s",
        "blocked_since",
        "blocks",
        "bypass",
        "controller",
        "credit",
        "delay_count",
        "delay_sum_s",
        "env",
        "failed_greens",
        "from_leg",
        "green_onset",
        "greens",
        "headway_s",
        "held",
        "last_arrival_s",
        "last_departure",
        "last_entry_s",
        "left",
        "link",
        "node",
        "occupancy",
        "opposed",
        "phase",
        "served",
        "served_delay_s",
        "spillback",
        "stop_loss_s",
        "storage",
        "travel_s",
        "turn_extra",
        "waiting",
        "wave_s",
        "window_cut",
        "window_end",
        "window_start",
        "yields",
    )

    def __init__(
        self,
        env: simpy.Environment,
        node: int,
        link: int,
        phase: int,
        headway_s: float,
        storage: float = INFINITY,
        spillback: Spillback | None = None,
        from_leg: int = 0,
        travel_s: float = 0.0,
        wave_s: float = 0.0,
        stop_loss_s: float = 0.0,
        bypass: bool = False,
    ) -> None:
        self.env = env
        #: two lanes or more: a vehicle going straight drives past a turner that waits in
        #: its own lane (for a gap, or for walkers); one lane: everyone behind it waits
        self.bypass = bypass
        self.node = node
        self.link = link
        self.from_leg = from_leg
        self.phase = phase
        self.headway_s = headway_s
        self.travel_s = travel_s
        self.wave_s = wave_s
        self.stop_loss_s = stop_loss_s
        #: entry onto the link and arrival here of its latest entrant (drivers of
        #: different speeds: ``agents.vehicle``)
        self.last_entry_s = -INFINITY
        self.last_arrival_s = -INFINITY
        self.storage = storage
        self.spillback = spillback if spillback is not None else Spillback()
        self.controller: Caller | None = None
        #: the rule its left-turners yield by (``agents.left_turns``), if they do
        self.left: PermissiveLeft | None = None
        #: what yields to its vehicles, if anything
        self.opposed: Opposed | None = None
        #: the rule its turners yield to pedestrians by (``agents.turn_yield``), if they do
        self.yields: TurnYield | None = None
        #: seconds a vehicle leaving by a leg adds to the saturation headway behind it
        #: (a slower turning path: HCM's turn equivalents), by leg; and those of the
        #: queued vehicles that add any, by ticket
        self.turn_extra: dict[int, float] = {}
        self._extra: dict[simpy.Event, float] = {}
        #: the all-way stop discharging this approach while its signal flashes red, if any
        self.all_way_stop: Unblocked | None = None
        self.green_onset = 0.0
        self.window_start = 0.0
        self.window_end = 0.0
        #: departures must start before this: the end of effective green less
        #: the part of a headway the green cannot complete (see ``credit``)
        self.window_cut = 0.0
        #: headways carried from the previous saturated green (negative: owed)
        self.credit = 0.0
        self._refused = False
        #: the head is held by a turning rule (a gap, a crosswalk) and nobody has left
        #: since: if the green ends so, the queue outlasted it
        self.held = False
        self.last_departure = -INFINITY
        #: ``last_departure`` of the latest vehicle to leave in green
        self._green_last = -INFINITY
        #: queued vehicles: (ticket fired with the departure time, onward link)
        self.waiting: deque[tuple[simpy.Event, Approach | _Ghost | None]] = deque()
        self._green_opened: simpy.Event | None = None
        self.delay_sum_s = 0.0
        self.delay_count = 0
        #: vehicles given a departure, and their stop-line delay with the time lost
        #: braking and accelerating, warm-up included (what a travel-time feed reads)
        self.served = 0
        self.served_delay_s = 0.0
        #: vehicles on the link (including those promised a departure not yet made)
        self.occupancy = 0
        #: when the places of counted vehicles free up at the upstream end: their promised
        #: departures, each ``wave_s`` later
        self._leaving: deque[float] = deque()
        self._blocked: deque[Approach] = deque()  # upstream approaches waiting for room here
        self._entries: deque[simpy.Event] = deque()  # boundary entries waiting outside
        self._wake_pending = False
        #: the full link the head vehicle is waiting for, if any
        self.blocked_on: Approach | None = None
        self.blocked_since = 0.0
        self.blocked_s = 0.0
        self.blocks = 0
        self.greens = 0
        self.failed_greens = 0

    # -- the stop line -------------------------------------------------------

    def arrive(
        self, onward: Approach | _Ghost | None = GHOST, out_leg: int = -1
    ) -> float | simpy.Event:
        """A vehicle reaches the stop line now, heading for ``onward`` next by leg
        ``out_leg`` of this intersection.

        Returns its departure time when it is served in the current effective
        green (and its next link has room), else an event that fires with its
        departure time once released. The default ``GHOST`` is a vehicle on
        no link's books. A turner that may have to yield always gets an event.
        """
        left, yields = self.left, self.yields
        if (left is not None and out_leg in left.legs) or (
            yields is not None and out_leg in yields.crosswalks
        ):
            return self._queue_turner(onward, out_leg)
        extra = self.turn_extra.get(out_leg, 0.0) if self.turn_extra else 0.0
        if not self.waiting and self.blocked_on is None:
            departure = self._next_departure()
            if departure < self.window_cut:
                if (
                    not isinstance(onward, Approach)
                    or onward.occupancy < onward.storage  # room without settling departures
                    or onward.has_room()
                ):
                    self._grant(departure, onward, extra)
                    return departure
                ticket = self._enqueue(onward, extra)
                self._block(onward)
                return ticket
            if self.env.now < self.window_cut:
                self._refused = True  # arrived in green, but the green is used up
        ticket = self._enqueue(onward, extra)
        if self.bypass and self.held and self.blocked_on is None:
            self._release()  # the head waits to turn: this one may drive past it
        if self.controller is not None and not ticket.triggered:
            self.controller.call(self.phase)
        return ticket

    def _queue_turner(self, onward: Approach | _Ghost | None, out_leg: int) -> simpy.Event:
        """A turner that may have to yield joins the queue (and leads it, if empty)."""
        ticket = self._enqueue(onward, self.turn_extra.get(out_leg, 0.0))
        if self.left is not None and out_leg in self.left.legs:
            self.left.tickets.add(ticket)
        if self.yields is not None and out_leg in self.yields.crosswalks:
            self.yields.tickets[ticket] = self.yields.crosswalks[out_leg]
        if len(self.waiting) == 1:
            self._release()
        if self.waiting and self.controller is not None:
            self.controller.call(self.phase)
        return ticket

    def _enqueue(self, onward: Approach | _Ghost | None, extra_s: float) -> simpy.Event:
        """A vehicle joins the queue; its ticket fires with its departure time."""
        ticket = self.env.event()
        self.waiting.append((ticket, onward))
        if extra_s:
            self._extra[ticket] = extra_s
        return ticket

    def extra_of(self, ticket: simpy.Event) -> float:
        """The queued vehicle ``ticket``'s turn extra (forgotten: it is leaving)."""
        return self._extra.pop(ticket, 0.0) if self._extra else 0.0

    def _next_departure(self) -> float:
        """Earliest departure of the vehicle at the head of the queue, from now.

        The discharge rule: saturation headway after the previous departure,
        not before effective green starts.
        """
        return max(self.env.now, self.window_start, self.last_departure + self.headway_s)

    def _release(self) -> None:
        """Give departures to queued vehicles while green and downstream room last."""
        waiting = self.waiting
        if self.blocked_on is not None:
            return  # registered with the full link, which wakes it (``_space_freed``)
        while waiting:
            departure = self._next_departure()
            if departure >= self.window_cut:
                if self.env.now < self.window_cut:
                    self._refused = True  # the queue outlasts this green
                return
            ticket, onward = waiting[0]
            if isinstance(onward, Approach) and not onward.has_room():
                self._block(onward)
                return
            turn = self._turn(ticket, departure)
            if turn is None:  # waits for a gap in the opposing traffic, or for walkers
                if not (self.held and self.bypass and self._pass_held(departure)):
                    return
                continue
            waiting.popleft()
            self._grant(turn, onward, self.extra_of(ticket))
            ticket.succeed(turn)
        if self.opposed is not None:
            self.opposed.left.retry_soon(self.last_departure)  # the queue has cleared

    def _turn(self, ticket: simpy.Event, departure: float) -> float | None:
        """When the vehicle ``ticket`` may leave, by the rules its turn yields by (not
        before ``departure``); None: not yet (it is woken to look again), and ``held``
        says whether it waits for a gap or for walkers, not merely for its turn to go."""
        left, yields = self.left, self.yields
        if left is not None and ticket in left.tickets:
            turn = left.departure(departure)
            if turn is None:
                self.held = True
                return None
            departure = turn
        if yields is not None:
            if not yields.clear(ticket, departure):
                # looked at when it may leave; a later departure is only deferred
                self.held = departure <= self.env.now + 1e-9
                return None
            yields.tickets.pop(ticket, None)
        if left is not None:
            left.tickets.discard(ticket)
        return departure

    def is_turner(self, ticket: simpy.Event) -> bool:
        """Whether the queued vehicle ``ticket`` turns by a rule that may hold it."""
        return (self.left is not None and ticket in self.left.tickets) or (
            self.yields is not None and ticket in self.yields.tickets
        )

    def through_waiting(self) -> bool:
        """Whether a vehicle going straight waits behind the head (and may pass it)."""
        return any(not self.is_turner(ticket) for ticket, _ in islice(self.waiting, 1, None))

    def _pass_held(self, departure: float) -> bool:
        """The first vehicle going straight behind the held head drives past it in
        another lane at ``departure`` (if its next link has room); whether one did."""
        waiting = self.waiting
        for k in range(1, len(waiting)):
            ticket, onward = waiting[k]
            if self.is_turner(ticket):
                continue
            if isinstance(onward, Approach) and not onward.has_room():
                return False  # it waits in its lane for room beyond
            del waiting[k]
            self._grant(departure, onward, self.extra_of(ticket))
            self.held = True  # the head still waits
            ticket.succeed(departure)
            if self.opposed is not None and not self.through_waiting():
                # those passing have gone: a left-turner facing it looks for its gap
                self.opposed.left.retry_soon(departure)
            return True
        return False

    def serve_head(self, departure: float) -> bool:
        """The head vehicle leaves at ``departure`` if its next link has room (else the
        approach blocks); whether it left."""
        ticket, onward = self.waiting[0]
        if isinstance(onward, Approach) and not onward.has_room():
            self._block(onward)
            return False
        self.waiting.popleft()
        if self.yields is not None:
            self.yields.tickets.pop(ticket, None)
        self._grant(departure, onward, self.extra_of(ticket))
        ticket.succeed(departure)
        return True

    def _grant(
        self, departure: float, onward: Approach | _Ghost | None, extra_s: float = 0.0
    ) -> None:
        """The vehicle leaves at ``departure``: free its place here, take one on ``onward``;
        the next may follow a headway and ``extra_s`` later (it turns)."""
        self.last_departure = departure + extra_s
        if departure < self.window_cut:  # in green (not a sneaker after it)
            self._green_last = self.last_departure
        self.held = False
        if onward is GHOST:
            return
        freed = departure + self.wave_s  # when the place is usable at the upstream end
        if self.storage != INFINITY:
            # Settled lazily: the queue never outgrows the storage (a full link settles it).
            self._leaving.append(freed)
        if isinstance(onward, Approach):
            onward.occupancy += 1
            if onward.opposed is not None:
                onward.opposed.due(departure + onward.travel_s)
        if (self._blocked or self._entries) and not self._wake_pending:
            self._wake_at(freed)

    # -- the link ------------------------------------------------------------

    def has_room(self) -> bool:
        """Whether the link can take one more vehicle now."""
        leaving, now = self._leaving, self.env.now
        while leaving and leaving[0] <= now:
            leaving.popleft()
            self.occupancy -= 1
        return self.occupancy < self.storage

    def enter(self) -> simpy.Event | None:
        """A vehicle from outside the district wants onto this link now.

        Returns None when it is admitted at once, else an event fired when it
        is (the wait outside counts as its delay).
        """
        if not self._entries and self.has_room():
            self.occupancy += 1
            if self.opposed is not None:
                self.opposed.due(self.env.now + self.travel_s)
            return None
        ticket = self.env.event()
        self._entries.append(ticket)
        self._await_room()
        return ticket

    def _block(self, full: Approach) -> None:
        """The head vehicle waits for room on ``full``."""
        now = self.env.now
        self.blocked_on = full
        self.blocked_since = now
        if now >= self.spillback.warmup_s:
            self.blocks += 1
        full._blocked.append(self)
        full._await_room()
        if not full._wake_pending:
            self._check_gridlock()

    def _await_room(self) -> None:
        """Someone waits for room here: wake them at the next departure from this link."""
        if not self._wake_pending and self._leaving:
            self._wake_at(self._leaving[0])
        # Otherwise the next departure granted here schedules the wake (``_grant``).

    def _wake_at(self, time_s: float) -> None:
        self._wake_pending = True
        wake = self.env.timeout(max(time_s - self.env.now, 0.0))
        wake.callbacks.append(self._space_freed)

    def _space_freed(self, _event: simpy.Event) -> None:
        """A place may have freed up: admit waiting entries, then blocked approaches in turn."""
        self._wake_pending = False
        entries, blocked = self._entries, self._blocked
        while entries and self.has_room():
            self.occupancy += 1
            if self.opposed is not None:
                self.opposed.due(self.env.now + self.travel_s)
            entries.popleft().succeed()
        for _ in range(len(blocked)):
            if not blocked or not self.has_room():
                break
            upstream = blocked.popleft()
            upstream._unblock()
        if (entries or blocked) and not self._wake_pending:
            self._await_room()
            if blocked and not self._wake_pending:
                # no departure left to free a place (an entry took the last):
                # the approaches still waiting may close a ring
                for upstream in blocked:
                    upstream._check_gridlock()

    def _unblock(self) -> None:
        now = self.env.now
        if self.blocked_since >= self.spillback.warmup_s:
            self.blocked_s += now - self.blocked_since
        elif now > self.spillback.warmup_s:
            self.blocked_s += now - self.spillback.warmup_s
        self.blocked_on = None
        if self.all_way_stop is not None:
            self.all_way_stop.unblocked(self)
        else:
            self._release()

    def blocked_time(self, end_s: float) -> float:
        """Seconds its head vehicle waited for room downstream after the warm-up, up to
        ``end_s`` (a block still going on counts until then)."""
        if self.blocked_on is None:
            return self.blocked_s
        return self.blocked_s + max(end_s - max(self.blocked_since, self.spillback.warmup_s), 0.0)

    def _check_gridlock(self) -> None:
        """Record a ring of blocked approaches none of whose links can empty."""
        ring: list[Approach] = []
        link = self.blocked_on
        seen: set[int] = set()
        while link is not None and id(link) not in seen:
            seen.add(id(link))
            if link.has_room() or link._leaving or link._wake_pending:
                return  # room now, or a departure is coming: not stuck
            ring.append(link)
            if link is self:
                self.spillback.ring(self.env.now, ring)
                return
            link = link.blocked_on

    # -- the signal ----------------------------------------------------------

    def open(self, start: float, end: float) -> None:
        """Effective green runs from ``start`` to ``end``; release the queue into it."""
        now = self.env.now
        counted = now >= self.spillback.warmup_s
        # the last green failed if its queue outlasted it: its headways ran out, or a
        # turner waiting for a gap or a crosswalk held the queue to its end
        failed = self._refused or (self.held and bool(self.waiting))
        if self._refused:
            self.credit = self._leftover()
            self._refused = False
        elif self.credit:
            self.credit = 0.0
        self.held = False
        if failed and counted:
            self.failed_greens += 1
        if counted:
            self.greens += 1
        self.green_onset = now
        self.window_start = start
        self.set_window_end(end)
        if self.waiting:  # release what now fits (``extend``)
            self._release()
        if self._green_opened is not None:
            opened, self._green_opened = self._green_opened, None
            opened.succeed()

    def _leftover(self) -> float:
        """Headways of the green just ended (and its credit) that the vehicles leaving in
        it left unused when its queue outlasted it. Negative: the last one's headways ran
        past the green (it started in it, but late: it waited for walkers, or it turns
        and takes more than one, ``turn_extra``), and the next green owes them, so a
        green serves its length in headways whoever takes them."""
        headway = self.headway_s
        budget = (self.window_end - self.window_start) / headway + self.credit
        if not math.isfinite(budget):
            return 0.0
        if self._green_last >= self.window_start:
            used = (self._green_last + headway - self.window_start) / headway
        else:  # nobody left in this green (it waited for room)
            used = math.floor(budget + _EPS)
        credit = budget - used
        return credit if abs(credit) >= _EPS else 0.0

    def set_window_end(self, end: float) -> None:
        """Effective green now ends at ``end`` (without releasing anyone)."""
        self.window_end = end
        if math.isinf(end):
            self.window_cut = end
            return
        start, headway = self.window_start, self.headway_s
        served = math.floor((end - start) / headway + self.credit + _EPS)
        # less a microsecond: departures add headways one by one and must not
        # creep past a cut computed by multiplication
        self.window_cut = start + (served if served > 0 else 0) * headway - 1e-6

    def extend(self, end: float) -> None:
        """Effective green now lasts until ``end``; release what now fits."""
        self.set_window_end(end)
        self._release()

    @property
    def in_green(self) -> bool:
        """True from green onset to the end of effective green."""
        return self.green_onset <= self.env.now < self.window_end

    def next_green(self) -> simpy.Event:
        """Event fired at the next green onset (for vehicles that skip the queue)."""
        if self._green_opened is None:
            self._green_opened = self.env.event()
        if self.controller is not None:
            self.controller.call(self.phase)
        return self._green_opened

    def queued_ahead(self) -> int:
        """Vehicles waiting or still to discharge before someone arriving now."""
        promised = self.last_departure - self.env.now
        ahead = int(promised / self.headway_s) + 1 if promised > 0 else 0
        return len(self.waiting) + ahead

    @property
    def queue_length(self) -> int:
        """Vehicles waiting for a green (or for room downstream)."""
        return len(self.waiting)

    @property
    def entries_waiting(self) -> int:
        """Vehicles waiting outside the district to enter this link."""
        return len(self._entries)

    def blocked_now(self) -> bool:
        """Whether the head vehicle is waiting for room downstream."""
        return self.blocked_on is not None


__all__ = ["GHOST", "Approach", "Caller", "Spillback"]
