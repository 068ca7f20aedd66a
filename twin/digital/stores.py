"""Where records sit: one store per system, per federated group, or one platform."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["store_of_system", "untrusted_stores", "untrusted_systems"]


def store_of_system(
    systems: Sequence[str], integration: str, links: Iterable[tuple[str, str]] = ()
) -> np.ndarray:
    """Store index of each system.

    - ``siloed``: each system its own store (nothing joins across systems);
    - ``federated``: systems joined by a declared link (directly or through
      others) share a gateway, so their records can be joined;
    - ``integrated``: one platform holds everything.
    """
    n = len(systems)
    if integration == "integrated":
        return np.zeros(n, dtype=np.int64)
    if integration == "siloed":
        return np.arange(n, dtype=np.int64)
    if integration != "federated":
        raise ValueError(
            f"integration must be siloed, federated or integrated, not {integration!r}"
        )
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {name: i for i, name in enumerate(systems)}
    for source, target in links:
        if source in index and target in index:
            a, b = root(index[source]), root(index[target])
            parent[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(n)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].reshape(-1).astype(np.int64)


def untrusted_systems(systems: Sequence[str], trusted: Mapping[str, bool]) -> np.ndarray:
    """Whether each system is run by an untrusted vendor (unlisted: the city, trusted)."""
    return np.array([not trusted.get(name, True) for name in systems], dtype=bool)


def untrusted_stores(store_of: np.ndarray, untrusted: np.ndarray) -> np.ndarray:
    """Whether each store is reachable by an untrusted vendor (any of its systems is)."""
    n_stores = int(store_of.max()) + 1 if len(store_of) else 0
    reach = np.zeros(n_stores, dtype=bool)
    np.logical_or.at(reach, store_of, untrusted)
    return reach
