"""The privacy outcome of a finished run: observations + sensor systems + policy -> the
``privacy`` metrics, the exposure series and the records they came from.

Called by the runner once the run is over (never during it), with plain data:
every observation the services' sensors logged (traffic monitoring adds its own
in bulk at collect time), those of the days before the run that the stores still
hold (``twin.digital.history``), the residents and the ``policy`` section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from metrics.privacy import exposure_over_time, privacy_metrics
from metrics.release import release_metrics
from twin.digital.policy import records_for_policy
from twin.digital.records import CLASS_NAMES, Observations, Records
from twin.digital.retention import record_retention
from twin.digital.steady_state import Persons
from twin.scenario.policy import Policy

__all__ = ["PrivacyOutcome", "consented", "privacy_outcome"]


@dataclass(frozen=True)
class PrivacyOutcome:
    """The ``privacy`` metrics, the exposure time series and the records they came from
    (those of the days before the run too: times before 0)."""

    metrics: dict[str, object]
    series: dict[str, np.ndarray]
    records: Records
    #: the system names ``records.system`` indexes
    systems: list[str]
    retention_s: np.ndarray
    warnings: list[str]
    #: the residents (persons ``0 .. n - 1``)
    persons: Persons


def consented(records: Records, system_opt_in: np.ndarray, persons: Persons) -> np.ndarray:
    """Per record, whether its resident agreed to it: a system that observes only those
    who opted in (an app), a resident who shares their trips with it, and for a
    special-category record, their mobility needs too. Consent never covers a camera."""
    n = len(persons)
    person = records.person
    mine = (person >= 0) & (person < n)
    who = np.where(mine, person, 0)
    agreed = mine & np.asarray(system_opt_in, bool)[records.system] & persons.shares["trips"][who]
    return agreed & (~records.sensitive | persons.shares["mobility_needs"][who])


def privacy_outcome(
    observations: Observations,
    systems: Sequence[str],
    policy: Policy,
    persons: Persons,
    end_s: float,
    rng: np.random.Generator,
    links: Iterable[tuple[str, str]] = (),
    start_hour: float = 0.0,
    sample_times_s: np.ndarray | None = None,
    history_days: int = 0,
    n_places: int | None = None,
    release_rng: np.random.Generator | None = None,
) -> PrivacyOutcome:
    """Everything ``metrics.json`` -> ``privacy`` needs, computed after the run.

    Args:
        observations: every sensor observation of the run (ground truth), and those of
            the days before it (times before 0) the stores may still hold.
        systems: system names (``observations.system`` indexes them).
        policy: the scenario's ``policy`` section.
        persons: the residents (persons ``0 .. n - 1``): home, consent, mobility.
        end_s: end of the run; "retained" means held at this time.
        rng: the run's privacy-analysis stream (sampled persons, unicity points).
        links: declared (system, system) links; a federated gateway joins along them.
        start_hour: clock hour at time 0 (for night-time home inference).
        sample_times_s: times of the exposure time series (default: every hour).
        history_days: days of history in ``observations`` (reported).
        n_places: intersections (cells of the release); default: the largest place + 1.
        release_rng: the release's noise (default: a generator seeded 0).
    """
    homes = persons.home
    places = int(observations.place.max(initial=0)) + 1 if n_places is None else n_places
    if policy.analysis.place == "district":
        observations = replace(observations, place=np.zeros_like(observations.place))
        homes, places = np.zeros_like(homes), 1
    records = records_for_policy(observations, systems, policy, links, end_s)
    retention_s = record_retention(records, policy.retention)
    system_opt_in = np.zeros(len(systems), dtype=bool)
    np.logical_or.at(system_opt_in, observations.system, observations.opt_in)
    stored = records.table()
    stored["consented"] = consented(records, system_opt_in, persons)
    metrics = privacy_metrics(
        {"time_s": observations.time_s, "person": observations.person},
        stored,
        retention_s,
        n_residents=len(persons),
        homes=homes,
        end_s=end_s,
        rng=rng,
        time_resolution_s=policy.analysis.time_resolution,
        start_hour=start_hour,
        sample_persons=policy.analysis.sample_persons,
        impaired=persons.impaired,
    )
    metrics["history_days"] = history_days
    metrics["sampling"] = (
        f"unicity and risk on {metrics['sampled_persons']} exposed residents drawn at random "
        "(unicity_pN on their traces); unicity_pN_ci95 is the 95% Wilson interval"
    )
    release = policy.release
    metrics.update(
        release_metrics(
            {
                "time_s": observations.time_s,
                "place": observations.place,
                "system": observations.system,
                "person": observations.person,
            },
            release.interval,
            release.min_cell_size,
            release.epsilon,
            release.mechanism,
            np.random.default_rng(0) if release_rng is None else release_rng,
            end_s,
            places,
            len(systems),
            len(persons),
        )
    )
    samples = np.arange(0.0, end_s + 1e-9, 3600.0) if sample_times_s is None else sample_times_s
    series = exposure_over_time(records.table(), retention_s, len(persons), samples, end_s, systems)
    # classes the sensors capture, and what anonymisation turned them into
    captured = np.union1d(np.unique(observations.cls), np.unique(records.cls))
    produced = [CLASS_NAMES[c] for c in captured.tolist()]
    warnings = policy.warnings(produced, systems)
    return PrivacyOutcome(metrics, series, records, list(systems), retention_s, warnings, persons)
