"""What the stop-line detectors and traffic management deliver to signal controllers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from agents.approach import Approach
from twin.district.street_graph import U_TURN, StreetGraph

if TYPE_CHECKING:
    import simpy

    from agents.readings import Readings

__all__ = ["SignalData"]


class SignalData:
    """What the stop-line detectors and traffic management deliver to the controllers
    (``agents.signal.ControlData``).

    Each intersection's detectors tell its own controller where vehicles wait.
    Network-wide (adaptive) control also needs every intersection's queues joined
    through traffic management: a data path that exists only when ``coordinated`` (the
    policy allows it) and that outages cut (:meth:`cut`).

    Args:
        env: the simulation clock.
        approaches: every approach, by link.
        graph: the streets.
        coordinated: the policy joins detectors and controllers network-wide.
        split: each approach has a phase of its own (``StreetGraph.phases``).
    """

    def __init__(
        self,
        env: simpy.Environment,
        approaches: Mapping[int, Approach],
        graph: StreetGraph,
        coordinated: bool,
        split: bool = False,
    ) -> None:
        self.env = env
        self.approaches = approaches
        self.graph = graph
        self.split = split
        self.network = coordinated
        #: what the detectors report (set by signal control; None: the truth)
        self.readings: Readings | None = None
        #: (start, end, intersection or None for the network) when data is lost
        self._down: list[tuple[float, float, int | None]] = []
        #: per approach, the approaches it feeds (not turning back)
        self._feeds = {
            link: [
                approaches[o]
                for o in graph.outgoing[graph.links[link][1]]
                if o in approaches and graph.turn(link, o) != U_TURN
            ]
            for link in approaches
        }
        self._saturation = (
            max(1.0 / a.headway_s for a in approaches.values()) if approaches else 1.0
        )

    def cut(self, start_s: float, end_s: float, node: int | None = None) -> None:
        """No data from intersection ``node``'s detectors (None: no network data at all)
        from ``start_s`` to ``end_s``."""
        self._down.append((start_s, end_s, node))

    def _lost(self, node: int | None) -> bool:
        now = self.env.now
        return any(a <= now < b and n == node for a, b, n in self._down)

    def detects(self, node: int) -> bool:
        return not self._lost(node)

    def coordinated(self, node: int) -> bool:
        return self.network and not self._lost(None) and not self._lost(node)

    def _queue(self, approach: Approach) -> float:
        """Vehicles the detectors report queued on ``approach`` (spoofed full: what its
        link holds; 20, a 150 m block of one lane, when storage is unlimited)."""
        truth = float(approach.queue_length)
        if self.readings is None:
            return truth
        full = approach.storage if approach.storage != float("inf") else 20.0
        return self.readings.count(approach.link, truth, full)

    def pressures(self, node: int) -> list[float]:
        """Per phase: sum over its approaches of (queue - mean queue it feeds) x its
        saturation flow, in vehicles at the district's highest saturation flow; a
        neighbour whose detectors are down counts as empty."""
        phases = self.graph.phases(node, self.split)
        out = []
        for group in phases:
            total = 0.0
            for link in group:
                approach = self.approaches[link]
                fed = [self._queue(a) for a in self._feeds[link] if self.detects(a.node)]
                downstream = sum(fed) / len(fed) if fed else 0.0
                weight = (1.0 / approach.headway_s) / self._saturation
                total += weight * (self._queue(approach) - downstream)
            out.append(total)
        return out
