"""What traffic detectors report, and what an attacker makes them report instead.

A controller's detectors tell it whether vehicles wait on each approach (calls,
extensions, gap-outs); traffic management's counts, occupancies and travel times tell
adaptive control and routing how loaded each link is. An attacker who holds the
detectors, their controller or the centre can spoof them (false data: the Sensys
vulnerabilities, CVE-2014-2378 and -2379): a link reported *full* shows continuous
occupancy and a standing queue, one reported *empty* shows nothing, whatever is really
there. :class:`Readings` keeps the spoofs of a district; every consumer asks it about a
link and falls back to the truth when nothing is spoofed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import simpy

__all__ = ["EMPTY", "FULL", "Readings", "Spoof"]

FULL: Literal["full"] = "full"
EMPTY: Literal["empty"] = "empty"


@dataclass(frozen=True)
class Spoof:
    """From ``start_s`` to ``end_s`` the links in ``full`` report a standing queue and
    those in ``empty`` report nothing."""

    start_s: float
    end_s: float
    full: frozenset[int]
    empty: frozenset[int]


class Readings:
    """The spoofs of a district's detector data (empty: every reading is the truth)."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.spoofs: list[Spoof] = []

    def spoof(
        self, start_s: float, end_s: float, full: Iterable[int] = (), empty: Iterable[int] = ()
    ) -> Spoof:
        """Links ``full`` read as full and ``empty`` as empty from ``start_s`` to ``end_s``."""
        spoof = Spoof(start_s, end_s, frozenset(full), frozenset(empty))
        self.spoofs.append(spoof)
        return spoof

    def reported(self, link: int) -> Literal["full", "empty"] | None:
        """What link ``link``'s detectors are made to report now (None: the truth)."""
        now = self.env.now
        for spoof in self.spoofs:
            if spoof.start_s <= now < spoof.end_s:
                if link in spoof.full:
                    return FULL
                if link in spoof.empty:
                    return EMPTY
        return None

    def occupied(self, link: int, truth: bool) -> bool:
        """Whether a vehicle is reported waiting on ``link``."""
        reported = self.reported(link)
        return truth if reported is None else reported == FULL

    def count(self, link: int, truth: float, full: float) -> float:
        """Vehicles reported on ``link`` (``full``: what a standing queue would show)."""
        reported = self.reported(link)
        return truth if reported is None else (full if reported == FULL else 0.0)

    def travel_time(self, link: int, truth: float, free_s: float, jammed_s: float) -> float:
        """Travel time reported on ``link``: the truth, or ``jammed_s`` when spoofed full
        and ``free_s`` when spoofed empty."""
        reported = self.reported(link)
        return truth if reported is None else (jammed_s if reported == FULL else free_s)
