"""Privacy exposure of what a city keeps: pure numpy over plain record tables.

A *record table* is a mapping of column name to equal-length numpy arrays:

- ``time_s``: when the record was observed (s on the run clock);
- ``place``: where, already at the analysis resolution (an integer id);
- ``person``: who it is really about (ground truth, never seen by an
  attacker): residents are ``0 .. n_residents - 1``, visitors larger, ``-1`` nobody;
- ``subject``: the identifier as stored (``-1``: none, e.g. a count);
- ``cls``: identifier class, an index into :data:`CLASSES`;
- ``system``: the system (data owner) that collected it;
- ``store``: the store it sits in; records join only within a store, so
  siloed stores are the systems, federated ones the linked groups of systems
  and an integrated platform is one store;
- ``sensitive``: carries a special-category attribute (e.g. reduced mobility);
- ``untrusted``: reachable by an untrusted vendor.

A *trace* is what an attacker holding a store sees of one identifier: the
records sharing (store, subject). Raw identifiers of one person share a subject
(the person): within a store, a face, the plate registered to them and the phone
seen with them are assumed joinable (co-location linkage); pseudonyms are
minted per store, so they join only within one. A *point* is (place, time bin), the
bin being ``time_resolution_s`` long (default one hour, absolute: date and hour).
Metrics with nothing to measure (no resident observed) are ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from metrics.distinct import dense_ids, distinct
from metrics.traces import (
    Traces,
    reidentification_risk,
    trace_unicity,
    unicity,
    wilson_interval,
)

Table = Mapping[str, np.ndarray]

CLASSES = ("direct", "persistent", "pseudonymous", "aggregate")
DIRECT, PERSISTENT, PSEUDONYMOUS, AGGREGATE = range(4)
#: Clock hours counted as night for home inference: [22:00, 06:00).
NIGHT_HOURS = (22.0, 6.0)
DAY_S = 86_400.0

__all__ = [
    "AGGREGATE",
    "CLASSES",
    "DIRECT",
    "PERSISTENT",
    "PSEUDONYMOUS",
    "exposure_over_time",
    "exposure_series",
    "home_inferred",
    "identifiable",
    "identifiable_record_days",
    "linkable_persons",
    "privacy_metrics",
    "reidentification_risk",
    "trace_unicity",
    "unicity",
    "wilson_interval",
]


def identifiable(table: Table) -> np.ndarray:
    """Mask of records that single someone out: a non-aggregate class with a subject."""
    return (np.asarray(table["cls"]) != AGGREGATE) & (np.asarray(table["subject"]) >= 0)


def _restrict(table: Table, mask: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(column)[mask] for name, column in table.items()}


def home_inferred(
    table: Table,
    persons: np.ndarray,
    homes: np.ndarray,
    start_hour: float = 0.0,
    night_hours: tuple[float, float] = NIGHT_HOURS,
) -> np.ndarray:
    """Whether a trace reveals each person's home (Golle & Partridge 2009).

    The attacker takes, per trace, the most frequent place among night-time
    records (clock hour in [from, to) wrapping midnight); a tie reveals
    nothing. A person's home is inferred when any of their traces' night-time
    mode is ``homes[person]`` (the home place at the analysis resolution).
    ``table`` holds identifiable records only.
    """
    hour = (start_hour + np.asarray(table["time_s"], dtype=float) / 3600.0) % 24.0
    start, end = night_hours
    night = (hour >= start) | (hour < end) if start > end else (hour >= start) & (hour < end)
    trace = dense_ids(table["store"], table["subject"])
    place = np.asarray(table["place"], dtype=np.int64)[night]
    person = np.asarray(table["person"], dtype=np.int64)[night]
    trace = trace[night]
    inferred = np.zeros(len(persons), dtype=bool)
    if len(trace) == 0:
        return inferred
    span = int(place.max()) + 1
    key, at, counts = np.unique(trace * span + place, return_index=True, return_counts=True)
    keys = np.stack([key // span, key % span, person[at]], axis=1)
    # per trace: the largest count, and whether it is held by one place only
    order = np.lexsort((-counts, keys[:, 0]))
    keys, counts = keys[order], counts[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:, 0] != keys[:-1, 0]
    second = np.zeros(len(keys), dtype=bool)
    second[1:] = ~first[1:] & first[:-1]
    tie = np.zeros(len(keys), dtype=bool)
    tie[np.flatnonzero(second) - 1] = counts[second] == counts[np.flatnonzero(second) - 1]
    revealed = first & ~tie
    homes = np.asarray(homes, dtype=np.int64)
    hits = keys[revealed]
    hits = hits[(hits[:, 2] >= 0) & (hits[:, 2] < len(homes))]
    hits = hits[hits[:, 1] == homes[hits[:, 2]]]
    inferred[np.isin(persons, hits[:, 2])] = True
    return inferred


def linkable_persons(table: Table) -> np.ndarray:
    """Persons with a trace that spans two or more systems (their records can be joined)."""
    trace = dense_ids(table["store"], table["subject"])
    if len(trace) == 0:
        return np.empty(0, dtype=np.int64)
    system = np.asarray(table["system"], dtype=np.int64)
    span = int(system.max()) + 1
    pairs = distinct(trace * span + system)
    systems = np.bincount(pairs // span)
    joined = np.flatnonzero(systems >= 2)
    return distinct(np.asarray(table["person"], dtype=np.int64)[np.isin(trace, joined)])


def exposure_series(
    time_s: np.ndarray,
    group: np.ndarray,
    retention_s: np.ndarray,
    sample_times_s: np.ndarray,
    end_s: float,
) -> np.ndarray:
    """Distinct ``group`` values with at least one record held at each sample time.

    A record observed at ``t0`` with retention ``R`` is held at ``t`` when
    ``t - R < t0 <= t``; ``retention_s`` is per record (``inf``: forever, which ends a
    second after ``end_s`` or the last record). Each record covers a run of the sorted
    sample times; a group is counted where its runs cover a sample.
    """
    t = np.asarray(sample_times_s, dtype=float)
    retention_s = np.asarray(retention_s, dtype=float)
    keep = retention_s > 0
    start = np.asarray(time_s, dtype=float)[keep]
    counts = np.zeros(len(t), dtype=np.int64)
    if len(start) == 0 or len(t) == 0:
        return counts
    stop = np.minimum(start + retention_s[keep], max(end_s, float(start.max())) + 1.0)
    order = np.argsort(t, kind="stable")
    samples = t[order]
    first = np.searchsorted(samples, start, side="left")  # covers samples[first:past]
    past = np.searchsorted(samples, stop, side="left")
    ids = dense_ids(np.asarray(group, dtype=np.int64)[keep])
    width = len(samples) + 1
    size = (int(ids.max()) + 1) * width
    steps = np.bincount(ids * width + first, minlength=size) - np.bincount(
        ids * width + past, minlength=size
    )
    held = np.cumsum(steps.reshape(-1, width), axis=1)[:, :-1] > 0
    counts[order] = held.sum(axis=0)
    return counts


def identifiable_record_days(
    time_s: np.ndarray, retention_s: np.ndarray, end_s: float, start_s: float = 0.0
) -> float:
    """Integral over the run [start, end] of the records held, in record-days (a record
    from before the run counts from the start)."""
    time_s = np.asarray(time_s, dtype=float)
    until = np.minimum(time_s + np.asarray(retention_s, dtype=float), end_s)
    held = np.clip(until - np.maximum(time_s, start_s), 0.0, None)
    return float(held.sum() / DAY_S)


def _share(count: int, total: int, observed: bool) -> float | None:
    if not observed:
        return None
    return count / total if total else 0.0


def privacy_metrics(
    observed: Table,
    stored: Table,
    retention_s: np.ndarray,
    n_residents: int,
    homes: np.ndarray,
    end_s: float,
    rng: np.random.Generator,
    time_resolution_s: float = 3600.0,
    start_hour: float = 0.0,
    sample_persons: int = 500,
    impaired: np.ndarray | None = None,
) -> dict[str, Any]:
    """The ``privacy`` block of ``metrics.json``.

    Args:
        observed: every observation of the run, before anonymisation (``person`` set);
            rows before time 0 are the stores' history (not counted as observed).
        stored: the records put into stores, after anonymisation, with a
            ``consented`` column: the resident agreed to this record (an app they
            share this kind of data with); absent: nobody consented to anything.
        retention_s: retention of each record of ``stored`` (s; ``inf`` forever);
            the records held at ``end_s`` are those observed in (end - R, end].
        n_residents: residents are persons ``0 .. n_residents - 1``.
        homes: home place of each resident, at the analysis resolution.
        end_s: end of the run.
        rng: draws the sampled persons and the unicity points.
        sample_persons: unicity and risk are computed on at most this many
            exposed residents (drawn at random); the 95 % interval is reported.
        impaired: per resident, whether they really have reduced mobility (a
            special-category record of anyone else is a false positive).
    """
    person_observed = np.asarray(observed["person"], dtype=np.int64)
    during = np.asarray(observed["time_s"], dtype=float) >= 0.0
    residents_observed = bool(((person_observed >= 0) & (person_observed < n_residents)).any())
    stored_time = np.asarray(stored["time_s"], dtype=float)
    retention_s = np.asarray(retention_s, dtype=float)
    kept = (stored_time > end_s - retention_s) & (stored_time <= end_s)
    ident_stored = identifiable(stored)
    consented = np.asarray(stored.get("consented", np.zeros(len(stored_time), bool)), bool)
    columns = ("time_s", "place", "person", "subject", "cls", "system", "store", "sensitive")
    # one copy: the identifiable records held
    held = _restrict({k: stored[k] for k in columns}, kept & ident_stored)
    person = held["person"]
    resident = (person >= 0) & (person < n_residents)
    exposed = distinct(person[resident])
    sensitive = distinct(person[resident & held["sensitive"].astype(bool)])
    real = np.asarray(impaired, bool) if impaired is not None else np.ones(n_residents, bool)
    direct = distinct(person[resident & (held["cls"] == DIRECT)])
    beyond = distinct(person[resident & ~consented[kept & ident_stored]])
    sample = exposed
    if len(exposed) > sample_persons:
        sample = np.sort(rng.choice(exposed, size=sample_persons, replace=False))
    result: dict[str, Any] = {
        "records_observed": int(during.sum()),
        "identifiable_records_stored": int((ident_stored & (stored_time >= 0.0)).sum()),
        "identifiable_records_retained": len(person),
        "identifiable_record_days": identifiable_record_days(
            stored_time[ident_stored], retention_s[ident_stored], end_s
        ),
        "persons_exposed": len(exposed),
        "persons_exposed_share": len(exposed) / n_residents if n_residents else None,
        "directly_identified": len(direct),
        "sensitive_persons_exposed": len(sensitive),
        "sensitive_false_positives": int((~real[sensitive]).sum()),
        "nonconsenting_persons_exposed": len(beyond),
        "untrusted_vendor_records": int((np.asarray(stored["untrusted"], bool) & kept).sum()),
        "sampled_persons": len(sample),
    }
    measures = (
        "unicity_p2", "unicity_p4", "unicity_p2_persons", "unicity_p4_persons",
        "reidentification_risk_mean", "home_inferred_share", "linkable_persons_share",
    )  # fmt: skip
    if len(person) == 0:  # nothing identifiable retained: no trace to analyse
        empty = 0.0 if residents_observed else None
        result.update(dict.fromkeys(measures, empty))
        result.update(unicity_p2_ci95=None, unicity_p4_ci95=None)
        result.update(dict.fromkeys(("expected_reidentified", "home_inferred_persons"),
                                    0 if residents_observed else None))  # fmt: skip
        return result
    traces = Traces(held, time_resolution_s)  # built once for unicity and risk
    sampled_traces = np.concatenate(
        [traces.traces_of_person(p) for p in sample.tolist()] or [np.empty(0, np.int64)]
    )
    singled = trace_unicity(traces, sampled_traces, (2, 4), rng)
    owner = traces.trace_person[sampled_traces]
    for points in (2, 4):
        hits = int(singled[points].sum())
        low, high = wilson_interval(hits, len(sampled_traces))
        result[f"unicity_p{points}"] = _share(hits, len(sampled_traces), residents_observed)
        result[f"unicity_p{points}_ci95"] = [low, high] if len(sampled_traces) else None
        persons_hit = len(np.unique(owner[singled[points]]))
        result[f"unicity_p{points}_persons"] = _share(persons_hit, len(sample), True)
    risk = reidentification_risk(traces, sample)
    result["reidentification_risk_mean"] = float(risk.mean()) if len(sample) else 0.0
    # certain for a direct identifier; the attack's risk for the others (from the sample)
    others = ~np.isin(sample, direct)
    mean_other = float(risk[others].mean()) if others.any() else 0.0
    result["expected_reidentified"] = len(direct) + mean_other * (len(exposed) - len(direct))
    if len(distinct(held["place"])) > 1:
        homes_found = int(home_inferred(held, exposed, homes, start_hour).sum())
    else:  # one place (the whole district): a trace says nothing about where anyone lives
        homes_found = 0
    result["home_inferred_persons"] = homes_found
    result["home_inferred_share"] = _share(homes_found, len(exposed), residents_observed)
    linked = linkable_persons(held)
    linked = linked[(linked >= 0) & (linked < n_residents)]
    result["linkable_persons_share"] = len(linked) / n_residents if n_residents else None
    return result


def exposure_over_time(
    observed: Table,
    retention_s: np.ndarray,
    n_residents: int,
    sample_times_s: np.ndarray,
    end_s: float,
    systems: Sequence[str],
) -> dict[str, np.ndarray]:
    """Residents exposed at each sample time, in total and per system."""
    mask = identifiable(observed)
    person = np.asarray(observed["person"], dtype=np.int64)
    mask &= (person >= 0) & (person < n_residents)
    time_s, retention = np.asarray(observed["time_s"])[mask], np.asarray(retention_s)[mask]
    system = np.asarray(observed["system"], dtype=np.int64)[mask]
    series = {
        "time_s": np.asarray(sample_times_s, dtype=float),
        "persons_exposed": exposure_series(time_s, person[mask], retention, sample_times_s, end_s),
    }
    for index, name in enumerate(systems):
        own = system == index
        series[f"persons_exposed_{name}"] = exposure_series(
            time_s[own], person[mask][own], retention[own], sample_times_s, end_s
        )
    return series
