"""The privacy outcome of a finished run: observations + sensor systems + policy -> the
``privacy`` metrics, the exposure series and the records they came from.

Called by the runner once the run is over (never during it), with plain data:
every observation the services' sensors logged (traffic monitoring adds its own
in bulk at collect time), the residents and the ``policy`` section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from metrics.privacy import exposure_over_time, privacy_metrics
from twin.digital.policy import records_for_policy
from twin.digital.records import CLASS_NAMES, Observations, Records
from twin.digital.retention import record_retention
from twin.scenario.policy import Policy

__all__ = ["PrivacyOutcome", "privacy_outcome"]


@dataclass(frozen=True)
class PrivacyOutcome:
    """The ``privacy`` metrics, the exposure time series and the records they came from."""

    metrics: dict[str, object]
    series: dict[str, np.ndarray]
    records: Records
    #: the system names ``records.system`` indexes
    systems: list[str]
    retention_s: np.ndarray
    warnings: list[str]


def privacy_outcome(
    observations: Observations,
    systems: Sequence[str],
    policy: Policy,
    n_residents: int,
    homes: np.ndarray,
    opted_in: np.ndarray,
    end_s: float,
    rng: np.random.Generator,
    links: Iterable[tuple[str, str]] = (),
    start_hour: float = 0.0,
    sample_times_s: np.ndarray | None = None,
) -> PrivacyOutcome:
    """Everything ``metrics.json`` -> ``privacy`` needs, computed after the run.

    Args:
        observations: every sensor observation of the run (ground truth).
        systems: system names (``observations.system`` indexes them).
        policy: the scenario's ``policy`` section.
        n_residents: residents are persons ``0 .. n_residents - 1``.
        homes: each resident's home intersection.
        opted_in: each resident's consent.
        end_s: end of the run; "retained" means held at this time.
        rng: the run's privacy-analysis stream (sampled persons, unicity points).
        links: declared (system, system) links; a federated gateway joins along them.
        start_hour: clock hour at time 0 (for night-time home inference).
        sample_times_s: times of the exposure time series (default: every hour).
    """
    if policy.analysis.place == "district":
        observations = replace(observations, place=np.zeros_like(observations.place))
        homes = np.zeros_like(homes)
    records = records_for_policy(observations, systems, policy, links, end_s)
    retention_s = record_retention(records, policy.retention)
    metrics = privacy_metrics(
        observations.table(),
        records.table(),
        retention_s,
        n_residents=n_residents,
        homes=homes,
        opted_in=opted_in,
        end_s=end_s,
        rng=rng,
        time_resolution_s=policy.analysis.time_resolution,
        start_hour=start_hour,
        sample_persons=policy.analysis.sample_persons,
    )
    metrics["sampling"] = (
        f"unicity and risk on {metrics['sampled_persons']} exposed residents drawn at random; "
        "unicity_pN_ci95 is the 95% Wilson interval"
    )
    samples = np.arange(0.0, end_s + 1e-9, 3600.0) if sample_times_s is None else sample_times_s
    series = exposure_over_time(records.table(), retention_s, n_residents, samples, end_s, systems)
    # classes the sensors capture, and what anonymisation turned them into
    captured = np.union1d(np.unique(observations.cls), np.unique(records.cls))
    produced = [CLASS_NAMES[c] for c in captured.tolist()]
    warnings = policy.warnings(produced, systems)
    return PrivacyOutcome(metrics, series, records, list(systems), retention_s, warnings)
