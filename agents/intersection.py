"""A signalised intersection: four approaches, four crosswalks, one controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from agents.approach import Approach, Spillback
from agents.compass import HEADINGS, PHASES, crosswalk_phase, phase_of_heading
from agents.crosswalk import Crosswalk
from agents.log import ColumnLog
from agents.signal import SignalController, SignalTiming

if TYPE_CHECKING:
    import simpy


class Intersection(mesa.Agent):
    """One node of the street grid.

    Args:
        model: the Mesa model.
        env: the simulation clock.
        node: index of the intersection (row-major).
        row, col: position in the grid.
        timing: signal timing.
        headway_s: saturation headway of one approach (all its lanes).
        crossing_width_m: curb-to-curb length of each crosswalk.
        crossing_log, signal_log: shared tables of crossings and served phases.
        storage: vehicles each incoming block holds (``inf``: unlimited).
        spillback: the shared record of blocking and gridlock.
        offset_s: time at which the first north-south green begins.
    """

    def __init__(
        self,
        model: mesa.Model,
        env: simpy.Environment,
        node: int,
        row: int,
        col: int,
        timing: SignalTiming,
        headway_s: float,
        crossing_width_m: float,
        crossing_log: ColumnLog,
        signal_log: ColumnLog,
        storage: float = float("inf"),
        spillback: Spillback | None = None,
        offset_s: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.node = node
        self.row = row
        self.col = col
        #: approaches[heading]: the stop line of traffic travelling ``heading``.
        self.approaches = tuple(
            Approach(env, node, heading, phase_of_heading(heading), headway_s, storage, spillback)
            for heading in HEADINGS
        )
        #: crosswalks[leg]: the crosswalk across the ``leg`` leg.
        self.crosswalks = tuple(
            Crosswalk(env, node, leg, crosswalk_phase(leg), crossing_width_m, crossing_log)
            for leg in HEADINGS
        )
        self.controller = SignalController(
            env,
            node,
            timing,
            approaches=[[a for a in self.approaches if a.phase == p] for p in PHASES],
            crosswalks=[[c for c in self.crosswalks if c.phase == p] for p in PHASES],
            log=signal_log,
            offset_s=offset_s,
        )

    @property
    def vehicles_queued(self) -> int:
        """Vehicles waiting at all four stop lines."""
        return sum(a.queue_length for a in self.approaches)

    @property
    def mean_delay_s(self) -> float:
        """Mean stop-line delay of the vehicles served so far (after warm-up)."""
        count = sum(a.delay_count for a in self.approaches)
        return sum(a.delay_sum_s for a in self.approaches) / count if count else 0.0
