"""Observations and records: what sensors saw, and what the city's stores keep of it.

An :class:`Observations` table is the ground truth of sensing (who was really
seen, where, when, by which system); :func:`build_records` applies the policy's
consent and anonymisation to turn it into the :class:`Records` the stores hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from agents.sensing import ANONYMOUS, DEVICE_ID, FACE, IDENTIFIABILITY, OPTED_IN, Sensor
from metrics.distinct import dense_ids
from metrics.privacy import AGGREGATE, CLASSES, DIRECT, PERSISTENT, PSEUDONYMOUS

CLASS_NAMES = CLASSES
#: Identifier class each ``agents.sensing`` identifiability level captures, by level.
CAPTURED_CLASS = np.zeros(len(IDENTIFIABILITY), dtype=np.int8)
for _level, _cls in {ANONYMOUS: AGGREGATE, DEVICE_ID: PERSISTENT, FACE: DIRECT}.items():
    CAPTURED_CLASS[_level] = _cls

__all__ = [
    "CAPTURED_CLASS",
    "CLASS_NAMES",
    "Observations",
    "Records",
    "build_records",
    "observations_from_sensing",
    "stored_class",
]


def stored_class(identifiability: int | str, anonymisation: str) -> str:
    """The class (``CLASS_NAMES``) of the records a sensor's observations become in the
    stores: what it captures (by identifiability level or its name in ``sensors.json``),
    then anonymisation (pseudonyms for every identifier, or counts only).

    The one statement of this rule: :func:`build_records` applies it to every
    observation, the report and the explorer to each sensor. What a resident did not
    consent to never reaches it: an app records them as an anonymous count.
    """
    level = (
        IDENTIFIABILITY.index(identifiability)
        if isinstance(identifiability, str)
        else identifiability
    )
    cls = int(CAPTURED_CLASS[level])
    if anonymisation == "aggregate":
        cls = AGGREGATE
    elif anonymisation == "pseudonymise" and cls != AGGREGATE:
        cls = PSEUDONYMOUS
    return CLASS_NAMES[cls]


@dataclass(frozen=True)
class Observations:
    """One row per time a sensor saw someone (or something), as numpy columns.

    Attributes:
        time_s: when.
        place: where, as an intersection index (the analysis may coarsen it).
        person: who really (residents ``0 .. n-1``, visitors above, ``-1`` unknown).
        cls: identifier class the sensor captures (index into ``CLASS_NAMES``).
        sensitive: a special-category attribute was captured (e.g. reduced mobility).
        system: index of the system that owns the sensor.
        opt_in: the sensor observes only people who opted in (an app).
    """

    time_s: np.ndarray
    place: np.ndarray
    person: np.ndarray
    cls: np.ndarray
    sensitive: np.ndarray
    system: np.ndarray
    opt_in: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def empty(cls) -> Observations:
        return cls.concat([])

    @classmethod
    def concat(cls, parts: Sequence[Observations]) -> Observations:
        """Rows of every part, in order."""
        dtypes = {
            "time_s": float,
            "place": np.int64,
            "person": np.int64,
            "cls": np.int8,
            "sensitive": bool,
            "system": np.int64,
            "opt_in": bool,
        }
        return cls(
            **{
                name: np.concatenate(
                    [np.asarray(getattr(p, name), dtype=kind) for p in parts]
                    or [np.empty(0, dtype=kind)]
                )
                for name, kind in dtypes.items()
            }
        )

    def table(self) -> dict[str, np.ndarray]:
        """The columns as a plain table (subject = person: raw identifiers)."""
        table = {f.name: getattr(self, f.name) for f in fields(self)}
        table["subject"] = np.where(self.cls != AGGREGATE, self.person, -1)
        return table


@dataclass(frozen=True)
class Records:
    """What the stores keep: one row per record (a count is one record), numpy columns.

    Attributes:
        time_s: when observed (for a count: the end of its interval).
        place: where (intersection index).
        person: who it is really about (ground truth for the analysis; -1 for counts).
        subject: the identifier as stored (-1: none).
        cls: identifier class (index into ``CLASS_NAMES``).
        sensitive: carries a special-category attribute.
        system: owning system.
        store: the store it sits in (siloed: its system; integrated: 0).
        untrusted: reachable by an untrusted vendor.
        count: observations it stands for (1, or the count of an aggregate).
    """

    time_s: np.ndarray
    place: np.ndarray
    person: np.ndarray
    subject: np.ndarray
    cls: np.ndarray
    sensitive: np.ndarray
    system: np.ndarray
    store: np.ndarray
    untrusted: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)

    def take(self, mask: np.ndarray) -> Records:
        """The rows where ``mask`` is true (or at the given indices)."""
        return Records(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def table(self) -> dict[str, np.ndarray]:
        """The columns as a plain table for ``metrics.privacy``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def observations_from_sensing(
    log: Mapping[str, np.ndarray],
    sensors: Sequence[Sensor],
    systems: Sequence[str],
    resident_ids: np.ndarray,
    place_of_segment: np.ndarray | None = None,
) -> Observations:
    """Convert the ``agents.sensing.Sensing`` observation table.

    Args:
        log: its columns (``sensor`` indexes ``sensors``).
        sensors: the registered sensors, in registration order.
        systems: system names; each sensor's ``system`` must be among them.
        resident_ids: the residents' Mesa ``unique_id`` in resident order (sorted);
            other identified subjects (visitors) become persons after the residents.
        place_of_segment: intersection nearest each sidewalk segment, for
            observations made on a segment rather than at an intersection.
    """
    sensor = np.asarray(log["sensor"], dtype=np.int64)
    index = {name: i for i, name in enumerate(systems)}
    system_of = np.array([index[s.system] for s in sensors], dtype=np.int64)
    opt_in_of = np.array([s.observes == OPTED_IN for s in sensors], dtype=bool)
    subject = np.asarray(log["subject"], dtype=np.int64)
    # a record that names nobody (an app user who keeps their trips) is a count
    captured = CAPTURED_CLASS[np.asarray(log["identifiability"], dtype=np.int64)]
    cls = np.where(subject >= 0, captured, AGGREGATE)
    person = np.full(len(subject), -1, dtype=np.int64)
    if len(resident_ids):
        position = np.clip(np.searchsorted(resident_ids, subject), 0, len(resident_ids) - 1)
        resident = (subject >= 0) & (np.asarray(resident_ids)[position] == subject)
        person[resident] = position[resident]
    else:
        resident = np.zeros(len(subject), dtype=bool)
    # anyone else identified (a visitor's plate): persons after the residents
    other = (subject >= 0) & ~resident
    if other.any():
        person[other] = len(resident_ids) + dense_ids(subject[other])
    node = np.asarray(log["node"], dtype=np.int64)
    place = node.copy()
    if place_of_segment is not None:
        on_segment = node < 0
        place[on_segment] = place_of_segment[np.asarray(log["segment"], np.int64)[on_segment]]
    return Observations(
        time_s=np.asarray(log["time_s"], dtype=float),
        place=place,
        person=person,
        cls=cls.astype(np.int8),
        sensitive=np.asarray(log["disability"]).astype(bool),
        system=system_of[sensor] if len(sensor) else np.empty(0, np.int64),
        opt_in=opt_in_of[sensor] if len(sensor) else np.empty(0, bool),
    )


def build_records(
    observations: Observations,
    store_of_system: np.ndarray,
    untrusted_store: np.ndarray,
    anonymisation: str = "raw",
    pseudonym_rotation_s: float = 86_400.0,
    aggregate_interval_s: float = 3600.0,
    end_s: float = np.inf,
) -> Records:
    """Apply anonymisation: the records the stores receive (the rule of
    :func:`stored_class`, observation by observation). Consent is applied where the
    data is made (an app records only what each resident shares).

    - ``raw``: identifiers as captured (faces and plates name the person; a
      device MAC or app account is one persistent id per person).
    - ``pseudonymise``: every identifier becomes a pseudonym, one per store,
      person and rotation period (same store and period: joinable; otherwise not).
    - ``aggregate``: everything becomes counts per system, place and interval.
    """
    obs = observations
    cls = obs.cls.astype(np.int8).copy()
    sensitive = obs.sensitive
    if anonymisation == "aggregate":
        cls[:] = AGGREGATE
    store_of = np.asarray(store_of_system, dtype=np.int64)
    untrusted = np.asarray(untrusted_store, dtype=bool)
    named = (cls != AGGREGATE) & (obs.person >= 0)
    subject = obs.person[named].astype(np.int64)
    named_cls = cls[named]
    store = store_of[obs.system[named]]
    if anonymisation == "pseudonymise" and named.any():
        period = np.floor(obs.time_s[named] / pseudonym_rotation_s).astype(np.int64)
        subject = dense_ids(store, subject, period)
        named_cls = np.full(len(subject), PSEUDONYMOUS, dtype=np.int8)
    identified = Records(
        time_s=obs.time_s[named],
        place=obs.place[named],
        person=obs.person[named],
        subject=subject,
        cls=named_cls,
        sensitive=sensitive[named],
        system=obs.system[named],
        store=store,
        untrusted=untrusted[store],
        count=np.ones(len(subject), dtype=np.int64),
    )
    if named.all():
        return identified
    interval = aggregate_interval_s if anonymisation == "aggregate" else None
    counts = _counts(_take(obs, ~named), store_of, untrusted, interval, end_s)
    return _concat([identified, counts])


def _counts(
    obs: Observations,
    store_of: np.ndarray,
    untrusted: np.ndarray,
    interval_s: float | None,
    end_s: float,
) -> Records:
    """Anonymous records: one per observation, or counts per system, place and interval."""
    if interval_s is None or len(obs) == 0:
        time_s, place, system = obs.time_s, obs.place, obs.system
        count = np.ones(len(obs), dtype=np.int64)
    else:
        bins = np.floor(obs.time_s / interval_s).astype(np.int64)
        group = dense_ids(obs.system, obs.place, bins)
        count = np.bincount(group)
        first = np.unique(group, return_index=True)[1]
        system, place = obs.system[first], obs.place[first]
        time_s = np.minimum((bins[first] + 1) * interval_s, end_s).astype(float)
    n = len(time_s)
    store = store_of[system]
    return Records(
        time_s=time_s,
        place=place,
        person=np.full(n, -1, dtype=np.int64),
        subject=np.full(n, -1, dtype=np.int64),
        cls=np.full(n, AGGREGATE, dtype=np.int8),
        sensitive=np.zeros(n, dtype=bool),
        system=system,
        store=store,
        untrusted=untrusted[store],
        count=count.astype(np.int64),
    )


def _take(obs: Observations, mask: np.ndarray) -> Observations:
    return Observations(**{f.name: getattr(obs, f.name)[mask] for f in fields(obs)})


def _concat(parts: Sequence[Records]) -> Records:
    return Records(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Records)}
    )
