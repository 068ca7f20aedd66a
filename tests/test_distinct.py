"""metrics.distinct gives exactly what np.unique gives, by its table and by its sort."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.distinct import dense_ids, distinct


@pytest.mark.parametrize("span", [1, 50, 10_000, 10**12])  # table, table, either, sort
@pytest.mark.parametrize("size", [0, 1, 7, 5_000])
def test_distinct_is_np_unique(span: int, size: int) -> None:
    rng = np.random.default_rng(span + size)
    values = rng.integers(-span // 2, span // 2 + 1, size=size, dtype=np.int64)
    found = distinct(values)
    assert found.dtype == values.dtype
    np.testing.assert_array_equal(found, np.unique(values))


@pytest.mark.parametrize("spans", [(3, 40), (1000, 1000), (10**6, 10**6)])
def test_dense_ids_rank_combinations_in_sorted_order(spans: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(spans))
    a = rng.integers(-5, spans[0], size=3_000)
    b = rng.integers(0, spans[1], size=3_000)
    ids = dense_ids(a, b)
    # the reference: rank of each (a, b) among the distinct pairs, sorted by a then b
    pairs = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)[1].reshape(-1)
    np.testing.assert_array_equal(ids, pairs)
    assert len(dense_ids(np.empty(0, np.int64))) == 0
