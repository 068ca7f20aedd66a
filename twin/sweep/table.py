"""A sweep's results as policies: each combination's metric values per replication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metrics.statistics import Interval, between_share, mean_interval
from twin.errors import TwinError
from twin.sweep.db import ResultsDB
from twin.sweep.spec import policy_label

__all__ = ["Policy", "SweepTable", "load_table"]


@dataclass
class Policy:
    """One parameter combination and its metric values per replication."""

    combination: int
    params: dict[str, Any]
    values: dict[str, dict[int, float]]

    @property
    def label(self) -> str:
        """``path=value`` pairs of what the sweep varied."""
        return policy_label(self.params)

    @property
    def runs(self) -> int:
        """Replications with at least one metric."""
        return len({r for values in self.values.values() for r in values})

    def interval(self, metric: str) -> Interval:
        """Mean and 95 % interval of ``metric`` over replications."""
        return mean_interval(list(self.values.get(metric, {}).values()))


@dataclass
class SweepTable:
    """A sweep's successful runs: its policies and the numeric metrics they share."""

    sweep: str
    parameters: list[str]
    policies: list[Policy]
    metrics: list[str]
    failed: int

    def share(self, metric: str) -> float:
        """How much ``metric`` tells the policies apart (eta squared)."""
        return between_share([list(p.values.get(metric, {}).values()) for p in self.policies])

    def families(self) -> list[str]:
        """Metric families present (``efficiency``, ``privacy``, ...), in first-seen order."""
        return list(dict.fromkeys(metric.split(".", 1)[0] for metric in self.metrics))


def load_table(db: ResultsDB, sweep: str | None = None) -> SweepTable:
    """Read one sweep's successful runs (default: the only or latest sweep)."""
    names = db.sweeps()
    if not names:
        raise TwinError(f"{db.path}: the database holds no runs yet")
    if sweep is None:
        sweep = names[-1]
    elif sweep not in names:
        raise TwinError(f"{db.path}: no sweep {sweep!r}; it holds: {', '.join(names)}")
    runs = db.runs(sweep)
    policies: dict[int, Policy] = {}
    replication_of: dict[str, tuple[int, int]] = {}
    for run in runs:
        if run.status == "ok":
            policies.setdefault(run.combination, Policy(run.combination, run.params, {}))
            replication_of[run.run_key] = (run.combination, run.replication)
    metrics: dict[str, None] = {}
    for key, metric, value in db.metrics(sweep):
        if key in replication_of and value is not None:
            combination, replication = replication_of[key]
            policies[combination].values.setdefault(metric, {})[replication] = value
            metrics[metric] = None
    if not policies:
        raise TwinError(f"{db.path}: sweep {sweep!r} has no successful run to compare")
    ordered = [policies[c] for c in sorted(policies)]
    parameters = list(dict.fromkeys(p for policy in ordered for p in policy.params))
    failed = sum(run.status != "ok" for run in runs)
    return SweepTable(sweep, parameters, ordered, sorted(metrics), failed)
