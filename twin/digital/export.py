"""Tables any privacy tool can read: who the persons are, and the held records as
trajectories in scikit-mobility's columns (``uid``, ``lat``, ``lng``, ``datetime``).

The run's clock starts at :data:`EPOCH` plus ``demand.start_hour`` (a Monday; the
date is arbitrary, the hours are the run's); records from the days before the run
have earlier dates.
"""

from __future__ import annotations

import numpy as np

from metrics.distinct import dense_ids, distinct
from metrics.privacy import CLASSES, identifiable
from twin.digital.records import Records
from twin.digital.steady_state import KINDS, Persons

__all__ = ["EPOCH", "persons_table", "trajectory_table"]

#: Midnight of the run's first day, for datetimes.
EPOCH = np.datetime64("2026-01-05T00:00:00")


def persons_table(persons: Persons, records: Records) -> dict[str, np.ndarray]:
    """One row per person: the residents (home intersection, consent by kind, car,
    reduced mobility), then every visitor a record is about (nothing known of them)."""
    n = len(persons)
    visitors = distinct(records.person[records.person >= n])
    m = n + len(visitors)

    def column(values: np.ndarray, fill: int = 0) -> np.ndarray:
        return np.r_[np.asarray(values, dtype=np.int64), np.full(len(visitors), fill)]

    table = {
        "person": np.r_[np.arange(n), visitors].astype(np.int64),
        "resident": column(np.ones(n)),
        "home": column(persons.home, -1),
        "opted_in": column(persons.opted_in),
    }
    table.update({f"shares_{kind}": column(persons.shares[kind]) for kind in KINDS})
    table["car"] = np.r_[persons.car.astype(np.int64), np.ones(len(visitors), np.int64)]
    table["reduced_mobility"] = column(persons.impaired, -1)
    assert all(len(v) == m for v in table.values())
    return table


def trajectory_table(
    records: Records,
    retention_s: np.ndarray,
    end_s: float,
    lat: np.ndarray,
    lon: np.ndarray,
    start_hour: float,
) -> dict[str, np.ndarray]:
    """The identifiable records held at ``end_s``, one row each: ``uid`` (one per trace:
    store and identifier), ``lat``, ``lng`` (of the place), ``datetime`` (ISO), then the
    ground truth for checking (``person``, ``system``, ``store``, ``class``,
    ``sensitive``), sorted by uid and time."""
    table = records.table()
    time_s = records.time_s
    held = identifiable(table) & (time_s > end_s - retention_s) & (time_s <= end_s)
    order = np.lexsort((time_s[held], dense_ids(records.store[held], records.subject[held])))
    pick = np.flatnonzero(held)[order]
    uid = dense_ids(records.store[pick], records.subject[pick])
    offset = np.round((start_hour * 3600.0 + time_s[pick]) * 1000.0).astype("timedelta64[ms]")
    return {
        "uid": uid,
        "lat": np.asarray(lat, float)[records.place[pick]],
        "lng": np.asarray(lon, float)[records.place[pick]],
        "datetime": np.datetime_as_string(EPOCH + offset, unit="s"),
        "person": records.person[pick],
        "system": records.system[pick],
        "store": records.store[pick],
        "class": np.array(CLASSES)[records.cls[pick]],
        "sensitive": records.sensitive[pick].astype(np.int64),
    }
