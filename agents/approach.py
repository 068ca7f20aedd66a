"""A signalised approach: one stop line whose lanes discharge a point queue.

Departures are computed, not simulated second by second: a vehicle reaching
the stop line during effective green with nobody ahead of it leaves at
``max(arrival, previous departure + saturation headway, start of effective
green)``; otherwise it joins the queue, and the signal releases the queue at
the saturation headway when its next effective green opens. This is the
vertical-queue model behind Webster's delay formula, at one event per vehicle
that does not stop.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import simpy


class Caller(Protocol):
    """What an approach tells its signal controller."""

    def call(self, phase: int) -> None:
        """Vehicles or pedestrians are waiting for ``phase``."""


class Approach:
    """The stop line of one incoming street at one intersection.

    Args:
        env: the simulation clock.
        node: index of the intersection.
        heading: travel direction of the vehicles on it (``agents.compass``).
        phase: signal phase that serves it.
        headway_s: saturation headway of the whole approach (all its lanes).
    """

    __slots__ = (
        "_green_opened",
        "controller",
        "delay_count",
        "delay_sum_s",
        "env",
        "from_leg",
        "green_onset",
        "heading",
        "headway_s",
        "last_departure",
        "node",
        "phase",
        "waiting",
        "window_end",
        "window_start",
    )

    def __init__(
        self, env: simpy.Environment, node: int, heading: int, phase: int, headway_s: float
    ) -> None:
        self.env = env
        self.node = node
        self.heading = heading
        #: the leg vehicles on this approach come in by
        self.from_leg = (heading + 2) % 4
        self.phase = phase
        self.headway_s = headway_s
        self.controller: Caller | None = None
        self.green_onset = 0.0
        self.window_start = 0.0
        self.window_end = 0.0
        self.last_departure = float("-inf")
        self.waiting: deque[simpy.Event] = deque()
        self._green_opened: simpy.Event | None = None
        self.delay_sum_s = 0.0
        self.delay_count = 0

    def arrive(self) -> float | simpy.Event:
        """A vehicle reaches the stop line now.

        Returns its departure time when it is served in the current effective
        green, else an event that fires with its departure time once released.
        """
        if not self.waiting:
            departure = max(self.env.now, self.last_departure + self.headway_s, self.window_start)
            if departure < self.window_end:
                self.last_departure = departure
                return departure
        ticket = self.env.event()
        self.waiting.append(ticket)
        if self.controller is not None:
            self.controller.call(self.phase)
        return ticket

    def open(self, start: float, end: float) -> None:
        """Effective green runs from ``start`` to ``end``; release the queue into it."""
        self.green_onset = self.env.now
        self.window_start = start
        self.extend(end)
        if self._green_opened is not None:
            opened, self._green_opened = self._green_opened, None
            opened.succeed()

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

    def extend(self, end: float) -> None:
        """Effective green now lasts until ``end``; release what now fits."""
        self.window_end = end
        waiting = self.waiting
        while waiting:
            departure = max(self.env.now, self.window_start, self.last_departure + self.headway_s)
            if departure >= end:
                break
            self.last_departure = departure
            waiting.popleft().succeed(departure)

    @property
    def queue_length(self) -> int:
        """Vehicles waiting for a green."""
        return len(self.waiting)
