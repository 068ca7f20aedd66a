"""An intersection: its approaches (one per incoming street), crosswalks and control."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from agents.all_way_stop import FlashingRed
    from agents.approach import Approach
    from agents.crosswalk import Crosswalk
    from agents.signal import SignalController


class Intersection(mesa.Agent):
    """One intersection of the street graph.

    Args:
        model: the Mesa model.
        node: index of the intersection in the street graph.
        approaches: its stop lines, one per incoming link, in leg order.
        crosswalks: its crosswalks, in leg order.
        controller: its signal controller (None: not signalised).
        stop_control: the all-way stop that discharges it when it has no signal.
    """

    def __init__(
        self,
        model: mesa.Model,
        node: int,
        approaches: Sequence[Approach],
        crosswalks: Sequence[Crosswalk],
        controller: SignalController | None = None,
        stop_control: FlashingRed | None = None,
    ) -> None:
        super().__init__(model)
        self.node = node
        self.approaches = tuple(approaches)
        self.crosswalks = tuple(crosswalks)
        self.controller = controller
        self.stop_control = stop_control

    @property
    def vehicles_queued(self) -> int:
        """Vehicles waiting at its stop lines."""
        return sum(a.queue_length for a in self.approaches)

    @property
    def mean_delay_s(self) -> float:
        """Mean stop-line delay of the vehicles served so far (after warm-up)."""
        count = sum(a.delay_count for a in self.approaches)
        return sum(a.delay_sum_s for a in self.approaches) / count if count else 0.0
