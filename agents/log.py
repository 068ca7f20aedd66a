"""Append-only column logs: how agents leave records for the metrics."""

from __future__ import annotations

from array import array

import numpy as np


class ColumnLog:
    """A table built one row at a time, read back as numpy columns.

    Rows are appended as positional values in the order of ``columns``; a cell
    can be updated later by row index (e.g. a crossing found stranded).
    """

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self._data = [array("d") for _ in columns]

    def append(self, *values: float) -> int:
        """Add one row; returns its index."""
        for column, value in zip(self._data, values, strict=True):
            column.append(value)
        return len(self._data[0]) - 1

    def set(self, row: int, column: str, value: float) -> None:
        """Overwrite one cell."""
        self._data[self.columns.index(column)][row] = value

    def __len__(self) -> int:
        return len(self._data[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        return {
            name: np.frombuffer(values, dtype=float).copy()
            for name, values in zip(self.columns, self._data, strict=True)
        }
