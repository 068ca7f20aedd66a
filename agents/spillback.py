"""Network-wide record of blocking and gridlock, shared by every approach."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.approach import Approach


class Spillback:
    """Network-wide record of blocking and gridlock, shared by every approach.

    Args:
        warmup_s: blocks and greens earlier than this are not counted.
    """

    def __init__(self, warmup_s: float = 0.0) -> None:
        self.warmup_s = warmup_s
        #: (time_s, nodes of the ring) of each gridlock found, once per ring
        self.gridlocks: list[tuple[float, tuple[int, ...]]] = []
        self._rings: set[frozenset[int]] = set()

    def ring(self, time_s: float, ring: list[Approach]) -> None:
        """Record the gridlock ``ring`` (its approaches), unless it is known already."""
        key = frozenset(id(a) for a in ring)
        if key not in self._rings:
            self._rings.add(key)
            self.gridlocks.append((time_s, tuple(a.node for a in ring)))


__all__ = ["Spillback"]
