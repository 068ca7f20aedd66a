"""An all-way stop: a signal flashing red, or an intersection with stop signs on every leg.

Used when a compromised controller falls back to its fail-safe, and at intersections
without signals. The HCM 6th ed. Ch. 21 method made event-driven: each lane of an
approach holds one vehicle at the stop line at a time. That vehicle is *served* for the
service time t_s = h - m of the degree-of-conflict case its approach is in (h the base
saturation headway of the approach's geometry group and case, plus its own turning
adjustment; m the move-up time): the case can change while it waits, so its service
progresses at 1 / t_s of whatever case holds at each moment (the manual weights the
cases by their probabilities, the simulation lives them). When it is served it enters
the intersection, unless a vehicle from a conflicting approach (any but the opposing one)
entered less than ``conflict_gap_s`` ago: then it waits for that gap (conflicting
movements never enter together). The vehicle behind it moves up to the line in m.
A vehicle reaching an empty lane is at the line at once. Every vehicle stops: it is
given its departure ``stop_s`` after it enters (the 5 s of deceleration and
acceleration HCM Eq. 21-30 adds). A saturated lane therefore departs every m + t_s = h,
the HCM's departure headway, and a lone vehicle is delayed t_s + 5 s, HCM's delay at
zero flow. Spillback holds as at a green: a vehicle enters only if its next link has
room, else the approach is blocked (:class:`~agents.approach.Approach` bookkeeping).

The tables (geometry groups, base headways, move-up times, turning adjustments) are
handed in (``metrics.awsc``, through the district builder), so agents do not import
metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from agents.approach import Approach, Caller, _Ghost

__all__ = ["AwscRules", "FlashingRed"]

INFINITY = float("inf")
#: The shortest service (s): a headway adjustment cannot make a vehicle leave at once.
MIN_SERVICE_S = 0.1


class AwscRules(Protocol):
    """The HCM tables an all-way stop discharges by (``metrics.awsc``)."""

    def base_headway_s(self, group: str, case: int, vehicles: int) -> float:
        """Base saturation headway of a geometry group in a degree-of-conflict case."""

    def move_up_s(self, group: str) -> float:
        """Move-up time of a geometry group."""


@dataclass
class _Lane:
    """One stop-line position of an approach and the vehicle at it, if any."""

    vehicle: tuple[simpy.Event, Approach | _Ghost | None] | None = None
    at_line_s: float = 0.0  # when the vehicle reaches the line (after moving up)
    work: float = 1.0  # share of its service still to do
    adjustment_s: float = 0.0
    last_entry_s: float = -INFINITY


def degree_of_conflict(opposing: bool, conflicting: int) -> int:
    """Case 1-5 (HCM Exhibits 21-5 to 21-7): 1 nobody else, 2 the opposing approach only,
    3 one conflicting approach only, 4 two of the three, 5 all three."""
    others = int(opposing) + min(conflicting, 2)
    if others == 1:
        return 2 if opposing else 3
    return {0: 1, 2: 4, 3: 5}[others]


class FlashingRed:
    """The all-way-stop discharge of one intersection.

    Args:
        env: the simulation clock.
        approaches: its approaches.
        rules: the HCM tables.
        groups: each approach's geometry group.
        lanes: each approach's lanes (stop-line positions).
        opposing: per approach, the index of the approach facing it, or None; every
            other approach conflicts with it.
        adjustment: headway adjustment (s) of a vehicle on approach ``i`` heading for
            ``onward`` (its turn); default none.
        stop_s: deceleration and acceleration lost by every vehicle (s).
        conflict_gap_s: least time between entries from conflicting approaches (s).
    """

    def __init__(
        self,
        env: simpy.Environment,
        approaches: Sequence[Approach],
        rules: AwscRules,
        groups: Sequence[str],
        lanes: Sequence[int],
        opposing: Sequence[int | None],
        adjustment: Callable[[int, Approach | _Ghost | None], float] | None = None,
        stop_s: float = 5.0,
        conflict_gap_s: float = 2.9,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not len(approaches) == len(groups) == len(lanes) == len(opposing):
            raise ValueError("an all-way stop needs a group, lanes and opposing per approach")
        self.env = env
        self.approaches = tuple(approaches)
        self.rules = rules
        self.groups = tuple(groups)
        self.opposing = tuple(opposing)
        self.adjustment = adjustment
        self.stop_s = stop_s
        self.conflict_gap_s = conflict_gap_s
        self.rng = rng
        self.lanes = [[_Lane() for _ in range(max(1, n))] for n in lanes]
        self.conflicts = [
            [j for j in range(len(approaches)) if j != i and j != opposing[i]]
            for i in range(len(approaches))
        ]
        self.last_entry_s = [-INFINITY] * len(approaches)
        self.active = False
        #: entry times and approaches, when ``record`` is set (tests)
        self.entries: list[tuple[float, int]] | None = None
        self._callers: list[Caller | None] = []
        self._wake: simpy.Event | None = None
        self._updated_s = 0.0
        self._rates: list[list[float]] = [[0.0] * len(row) for row in self.lanes]

    # -- the Caller / Unblocked interface ---------------------------------------------------

    def start(self) -> None:
        """All-way stop from now: green windows close, queues discharge by the HCM rules."""
        if self.active:
            return
        self.active = True
        now = self.env.now
        self._callers = [a.controller for a in self.approaches]
        for approach in self.approaches:
            approach.window_start = now  # every arrival now queues
            approach.credit = 0.0
            approach.set_window_end(now)
            approach.controller = self
            approach.all_way_stop = self
        self._updated_s = now
        self.env.process(self._run())

    def stop(self) -> None:
        """The all-way stop ends: hand the approaches back to their controller (which
        reopens them at its next green); vehicles at the line stay queued."""
        if not self.active:
            return
        self.active = False
        for approach, caller in zip(self.approaches, self._callers, strict=True):
            approach.controller = caller
            approach.all_way_stop = None
        for row in self.lanes:
            for lane in row:
                lane.vehicle = None
        self._poke()

    def call(self, phase: int) -> None:
        """A vehicle queued on some approach."""
        self._poke()

    def unblocked(self, approach: Approach) -> None:
        """Room freed downstream of ``approach``."""
        self._poke()

    # -- the discharge ------------------------------------------------------------------------

    def occupancy(self) -> tuple[list[bool], list[int]]:
        """Per approach: whether a vehicle holds it, and how many of its lanes. A vehicle
        holds its lane from reaching the line until the move-up time after it enters (the
        next one moves up meanwhile, or the lane clears): a lane is held v h / 3600 of the
        time, the HCM's degree of utilisation."""
        now = self.env.now
        counts = []
        for i, row in enumerate(self.lanes):
            clearing = now - self.rules.move_up_s(self.groups[i])
            counts.append(
                sum(1 for lane in row if lane.vehicle is not None or lane.last_entry_s > clearing)
            )
        return [c > 0 for c in counts], counts

    def case(
        self, i: int, occupancy: tuple[list[bool], list[int]] | None = None
    ) -> tuple[int, int]:
        """(degree-of-conflict case, vehicles on the opposing and conflicting lanes) of
        approach ``i`` now (``occupancy``: :meth:`occupancy` now, if already known)."""
        occupied, counts = occupancy or self.occupancy()
        facing = self.opposing[i]
        opposing = facing is not None and occupied[facing]
        conflicting = sum(occupied[j] for j in self.conflicts[i])
        vehicles = (counts[facing] if facing is not None else 0) + sum(
            counts[j] for j in self.conflicts[i]
        )
        return degree_of_conflict(opposing, conflicting), vehicles

    def service_s(
        self,
        i: int,
        adjustment_s: float = 0.0,
        occupancy: tuple[list[bool], list[int]] | None = None,
    ) -> float:
        """Service time of a vehicle at approach ``i``'s line in the case it is in now."""
        group = self.groups[i]
        case, vehicles = self.case(i, occupancy)
        headway = self.rules.base_headway_s(group, case, vehicles) + adjustment_s
        return max(headway - self.rules.move_up_s(group), MIN_SERVICE_S)

    def _poke(self) -> None:
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()

    def _run(self) -> Generator[simpy.Event, object, None]:
        env = self.env
        while self.active:
            self._progress()
            self._seat()
            wait = self._enter()
            self._seat()  # the vehicles behind those that entered move up
            self._set_rates()
            wait = min(wait, self._next_event())
            self._wake = env.event()
            if wait == INFINITY:
                yield self._wake
            else:
                yield env.any_of([env.timeout(max(wait - env.now, 0.0)), self._wake])

    def _progress(self) -> None:
        """Service done since the last update, at the rates that held."""
        now = self.env.now
        for row, rates in zip(self.lanes, self._rates, strict=True):
            for lane, rate in zip(row, rates, strict=True):
                elapsed = now - max(self._updated_s, lane.at_line_s)
                if lane.vehicle is not None and rate > 0 and elapsed > 0:
                    lane.work -= elapsed * rate
        self._updated_s = now

    def _seat(self) -> None:
        """Free lanes take the next queued vehicles, first come first served."""
        now = self.env.now
        for i, (approach, row) in enumerate(zip(self.approaches, self.lanes, strict=True)):
            free = [lane for lane in row if lane.vehicle is None]
            if not free or not approach.waiting:
                continue
            seated = {id(lane.vehicle) for lane in row if lane.vehicle is not None}
            queued = (v for v in approach.waiting if id(v) not in seated)  # oldest first
            move_up = self.rules.move_up_s(self.groups[i])
            for lane in free:
                lane.vehicle = next(queued, None)
                if lane.vehicle is None:
                    break
                lane.at_line_s = max(now, lane.last_entry_s + move_up)
                lane.work = 1.0 if self.rng is None else float(self.rng.exponential())
                onward = lane.vehicle[1]
                lane.adjustment_s = self.adjustment(i, onward) if self.adjustment else 0.0

    def _enter(self) -> float:
        """Served vehicles enter, oldest first, if no conflicting entry is too recent and
        their next link has room. Returns when a held vehicle may try again."""
        from agents.approach import Approach

        now = self.env.now
        done = [
            (lane.at_line_s, i, lane)
            for i, row in enumerate(self.lanes)
            for lane in row
            if lane.vehicle is not None and lane.work <= 1e-9 and lane.at_line_s <= now
        ]
        retry = INFINITY
        for _, i, lane in sorted(done, key=lambda d: (d[0], d[1])):
            approach = self.approaches[i]
            clear = max((self.last_entry_s[j] + self.conflict_gap_s for j in self.conflicts[i]),
                        default=-INFINITY)  # fmt: skip
            if clear > now + 1e-9:
                retry = min(retry, clear)
                continue
            if approach.blocked_on is not None:
                continue  # waits for room (``unblocked``)
            assert lane.vehicle is not None
            ticket, onward = lane.vehicle
            if isinstance(onward, Approach) and not onward.has_room():
                approach._block(onward)
                continue
            approach.waiting.remove(lane.vehicle)
            approach.extra_of(ticket)  # its turn is in the stop's own headways
            if approach.left is not None:  # a left-turner served here waits for no gap
                approach.left.tickets.discard(ticket)
            if approach.yields is not None:  # nor for pedestrians (the stop serves in turn)
                approach.yields.tickets.pop(ticket, None)
            lane.vehicle = None
            lane.last_entry_s = self.last_entry_s[i] = now
            if self.entries is not None:
                self.entries.append((now, i))
            departure = now + self.stop_s
            approach._grant(departure, onward)
            ticket.succeed(departure)
        return retry

    def _set_rates(self) -> None:
        """Each seated vehicle's service rate in the case its approach is in now."""
        occupancy = self.occupancy()  # the same for every lane until something moves
        for i, row in enumerate(self.lanes):
            self._rates[i] = [
                1.0 / self.service_s(i, lane.adjustment_s, occupancy)
                if lane.vehicle is not None
                else 0.0
                for lane in row
            ]

    def _next_event(self) -> float:
        """When a vehicle next reaches its line, finishes its service or clears its lane."""
        now, soonest = self.env.now, INFINITY
        for i, (row, rates) in enumerate(zip(self.lanes, self._rates, strict=True)):
            cleared = self.rules.move_up_s(self.groups[i])
            for lane, rate in zip(row, rates, strict=True):
                if now < lane.last_entry_s + cleared:
                    soonest = min(soonest, lane.last_entry_s + cleared)
                if lane.vehicle is None:
                    continue
                if lane.at_line_s > now:
                    soonest = min(soonest, lane.at_line_s)
                elif lane.work > 1e-9 and rate > 0:
                    soonest = min(soonest, now + lane.work / rate)
        return soonest
