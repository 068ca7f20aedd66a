"""Distinct integers, fast: sorted distinct values and dense ids of key combinations.

``np.unique`` hashes or sorts every value; when the values span a range not much larger
than their count (persons, places, hours), a table of the range does it in linear time.
Both functions give exactly what ``np.unique`` gives.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_ids", "distinct"]

#: A table of the value range is used while the range is at most this many times the
#: number of values (plus a constant, for short arrays).
TABLE_FACTOR = 4
TABLE_SLACK = 4096


def _fits_table(span: int, count: int) -> bool:
    return span <= TABLE_FACTOR * count + TABLE_SLACK


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct integer ``values``, sorted (``np.unique(values)``)."""
    values = np.asarray(values)
    if len(values) == 0:
        return values.copy()
    low, high = int(values.min()), int(values.max())
    if _fits_table(high - low + 1, len(values)):
        present = np.zeros(high - low + 1, dtype=bool)
        present[values - low] = True
        return (np.flatnonzero(present) + low).astype(values.dtype, copy=False)
    ordered = np.sort(values)  # a sort beats the hash table when most values differ
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def dense_ids(*keys: np.ndarray) -> np.ndarray:
    """Dense ids 0..k-1 of the distinct combinations of integer ``keys``, in sorted order."""
    if len(keys[0]) == 0:
        return np.empty(0, dtype=np.int64)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    combinations = 1
    for key in keys:
        column = np.asarray(key, dtype=np.int64)
        low = int(column.min())
        span = int(column.max()) - low + 1
        combined = combined * span + (column - low)  # exact while the product fits int64
        combinations *= span
    if _fits_table(combinations, len(combined)):  # rank through a table of every combination
        present = np.zeros(combinations, dtype=bool)
        present[combined] = True
        return (np.cumsum(present) - 1)[combined]
    return np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
