"""Live travel times and the drivers who re-route on them.

A travel-time feed measures, every ``update_s``, each link it can see (both its ends
equipped with sensors that re-identify vehicles: the time between two reads is a travel
time) as its free-flow time plus the mean stop-line delay of the vehicles that left it
since the last update (with too few read, its usual free-flow time), and, where its
sensors see queues, at least the time the queue standing there needs to clear. Links it
cannot see keep their free-flow time. Informed drivers (a share of them: navigation use)
re-plan at each stop line on the latest times, switching only when the new route saves
at least a share of the time left on the current one and a minimum (bounded rationality:
drivers ignore small gains; Mahmassani & Jayakrishnan 1991); the others keep their
habitual route. While the feed's data path is cut (its sensors or store down), it
publishes nothing new.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import simpy

    from agents.vehicle import Route
    from twin.district.streets import StreetNetwork

__all__ = ["SMOOTHING", "SWITCH_MIN_S", "SWITCH_SHARE", "TravelTimeFeed"]

#: Weight of the newest measurement in a published time (exponential smoothing: a feed
#: that published raw minutes would send every informed driver the same way at once).
SMOOTHING = 0.3

#: A driver switches route for a saving of at least this share of the time left ...
SWITCH_SHARE = 0.1
#: ... and at least this long (s; both assumptions, in the range of the bounded-rationality
#: switching thresholds of Mahmassani & Jayakrishnan 1991).
SWITCH_MIN_S = 20.0


class TravelTimeFeed:
    """Travel times measured on the streets, and re-planning on them (``Navigator``).

    Args:
        env: the simulation clock.
        network: the streets (approaches, router, routes).
        equipped: per intersection, whether it has the feed's sensors.
        update_s: time between two publications.
        sample_share: share of passing vehicles a sensor re-identifies (1 for plates;
            device carriers x detection for Bluetooth): links with less than one vehicle
            read in an update are given their usual (free-flow) time.
        queues: its sensors also see standing queues (video).
        share: share of drivers who follow it (navigation use).
        rng: ties between equally good routes.
    """

    def __init__(
        self,
        env: simpy.Environment,
        network: StreetNetwork,
        equipped: np.ndarray,
        update_s: float,
        sample_share: float,
        queues: bool,
        share: float,
        rng: np.random.Generator,
    ) -> None:
        self.env = env
        self.network = network
        self.share = share
        self.rng = rng
        self.update_s = update_s
        self.sample_share = sample_share
        self.queues = queues
        graph = network.graph
        n = graph.n_intersections
        #: links it measures: both ends equipped intersections
        self.links = [
            link
            for link, (tail, head, _) in enumerate(graph.links)
            if tail < n and head < n and equipped[tail] and equipped[head]
            and link in network.approach_of
        ]  # fmt: skip
        self.costs = network.router.freeflow_s.copy()
        self.epoch = 0
        self.updates = 0
        #: re-planned routes that differ from the one being driven
        self.reroutes = 0
        self._seen = {link: (0, 0.0) for link in self.links}
        self._remaining: dict[int, np.ndarray] = {}
        self._down: list[tuple[float, float]] = []
        env.process(self._publish())

    def cut(self, start_s: float, end_s: float) -> None:
        """No new travel times from ``start_s`` to ``end_s`` (its data path is down)."""
        self._down.append((start_s, end_s))

    def _publish(self) -> Generator[simpy.Event, object, None]:
        freeflow = self.network.router.freeflow_s
        approaches = self.network.approach_of
        while True:
            yield self.env.timeout(self.update_s)
            now = self.env.now
            if any(a <= now < b for a, b in self._down):
                continue
            changed = False
            for link in self.links:
                approach = approaches[link]
                served, delay_s = approach.served, approach.served_delay_s
                before, before_s = self._seen[link]
                self._seen[link] = (served, delay_s)
                passed = served - before
                estimate = freeflow[link]  # nobody read: the usual time
                if passed * self.sample_share >= 1.0:
                    estimate += (delay_s - before_s) / passed
                if self.queues:
                    clearing = approach.queue_length * approach.headway_s
                    estimate = max(estimate, freeflow[link] + clearing)
                estimate = SMOOTHING * estimate + (1 - SMOOTHING) * self.costs[link]
                if estimate != self.costs[link]:
                    self.costs[link] = estimate
                    changed = True
            if changed:
                self.epoch += 1
                self.updates += 1
                self._remaining.clear()

    def replan(self, route: Route, index: int, destination: int) -> Route:
        """The cheapest route on now from stop line ``route.stops[index]`` to
        ``destination``, keeping the links driven so far."""
        current = route.stops[index].link
        remaining = self._remaining.get(destination)
        if remaining is None:
            remaining = self._remaining[destination] = self.network.router.time_to(
                destination, self.costs
            )
        ahead = self.network.router.route(current, destination, self.rng, self.costs, remaining)
        done = route.links[: _position(route, index)]
        planned = self.network.route_of_links((*done, *ahead))
        if planned.links != route.links:
            self.reroutes += 1
        return planned


def _position(route: Route, index: int) -> int:
    """Where in ``route.links`` the link of stop ``index`` is: a re-planned route may
    drive a link twice (round a block and back), so not simply its first place."""
    current = route.stops[index].link
    earlier = sum(1 for approach in route.stops[:index] if approach.link == current)
    position = -1
    for _ in range(earlier + 1):
        position = route.links.index(current, position + 1)
    return position
