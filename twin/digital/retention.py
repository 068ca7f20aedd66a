"""Deterministic retention: a store holds at time t the records observed in (t - R, t].

No event per deletion: what any store holds at any time is a mask over the record
table. The cyber analysis uses :func:`held_at` to know what leaks at attack time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.digital.records import CLASS_NAMES, Records

__all__ = ["class_retention", "held_at", "held_mask", "record_retention"]


def class_retention(retention: object) -> np.ndarray:
    """Retention in seconds per class (index = class code; ``inf`` forever).

    ``retention`` is the scenario's ``policy.retention`` section (anything with a
    ``seconds(class_name)`` method) or a sequence of four numbers.
    """
    seconds = getattr(retention, "seconds", None)
    if seconds is not None:
        return np.array([float(seconds(name)) for name in CLASS_NAMES])
    values = np.asarray(retention, dtype=float)
    if values.shape != (len(CLASS_NAMES),) or (values < 0).any():
        raise ValueError(f"retention must be four non-negative numbers, got {retention!r}")
    return values


def record_retention(records: Records, retention: object) -> np.ndarray:
    """How long each record is kept (s)."""
    return class_retention(retention)[records.cls]


def held_mask(records: Records, retention: object, t: float) -> np.ndarray:
    """Which records a store holds at time ``t``: observed in (t - R, t]."""
    keep = record_retention(records, retention)
    return (records.time_s <= t) & (records.time_s > t - keep)


def held_at(
    records: Records, retention: object, t: float, stores: Sequence[int] | None = None
) -> Records:
    """The records held at time ``t`` (in ``stores`` only, if given)."""
    mask = held_mask(records, retention, t)
    if stores is not None:
        mask &= np.isin(records.store, np.asarray(stores))
    return records.take(mask)
