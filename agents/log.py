"""Append-only column logs: how agents leave records for the metrics."""

from __future__ import annotations

import struct
from array import array

import numpy as np


class ColumnLog:
    """A table built one row at a time, read back as numpy columns.

    Rows are appended as positional values in the order of ``columns`` into
    one flat float array (8 bytes a cell, one call a row: the row is packed as
    doubles and added as bytes, which is faster than extending cell by cell);
    a cell can be updated later by row index (e.g. a crossing found stranded).
    """

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self._width = len(columns)
        self._pack = struct.Struct(f"{len(columns)}d").pack
        self._cells = array("d")
        self._rows = 0

    def append(self, *values: float) -> int:
        """Add one row; returns its index."""
        self._cells.frombytes(self._pack(*values))
        self._rows += 1
        return self._rows - 1

    def extend(self, rows: np.ndarray) -> None:
        """Add many rows at once: a 2-D array with one column per table column."""
        rows = np.asarray(rows, dtype=float)
        if rows.ndim != 2 or rows.shape[1] != self._width:
            raise ValueError(f"rows must have {self._width} columns, not shape {rows.shape}")
        self._cells.frombytes(np.ascontiguousarray(rows).tobytes())
        self._rows += rows.shape[0]

    def set(self, row: int, column: str, value: float) -> None:
        """Overwrite one cell."""
        self._cells[row * self._width + self.columns.index(column)] = value

    def __len__(self) -> int:
        return self._rows

    def since(self, start: int) -> dict[str, np.ndarray]:
        """Columns of the rows from index ``start`` on (e.g. those added since a
        reader last looked), as float64 arrays."""
        return self._columns(start)

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        return self._columns(0)

    def _columns(self, start: int) -> dict[str, np.ndarray]:
        """Columns of the rows from ``start`` on: one transposed copy (twice as fast as a
        strided copy per column), each column a contiguous row of it.

        The view of the cells is dropped before returning: while a view lives the cells
        cannot grow, and a profiler holding this frame (Dask's workers sample their
        threads' stacks) would keep it alive past the call, so the next append failed."""
        cells = np.frombuffer(self._cells, dtype=float)
        try:
            columns = cells.reshape(-1, self._width)[start:].T.copy()
        finally:
            del cells
        return dict(zip(self.columns, columns, strict=True))
