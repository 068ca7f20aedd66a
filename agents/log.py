"""Append-only column logs: how agents leave records for the metrics."""

from __future__ import annotations

from array import array

import numpy as np


class ColumnLog:
    """A table built one row at a time, read back as numpy columns.

    Rows are appended as positional values in the order of ``columns`` into
    one flat float array (8 bytes a cell, one call a row); a cell can be
    updated later by row index (e.g. a crossing found stranded).
    """

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self._width = len(columns)
        self._cells = array("d")
        self._rows = 0

    def append(self, *values: float) -> int:
        """Add one row; returns its index."""
        self._cells.extend(values)
        self._rows += 1
        return self._rows - 1

    def set(self, row: int, column: str, value: float) -> None:
        """Overwrite one cell."""
        self._cells[row * self._width + self.columns.index(column)] = value

    def __len__(self) -> int:
        return self._rows

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        table = np.frombuffer(self._cells, dtype=float).reshape(-1, self._width)
        return {name: table[:, i].copy() for i, name in enumerate(self.columns)}
