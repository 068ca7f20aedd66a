"""A sweep's results as policies: each combination's metric values per replication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metrics.statistics import Interval, between_share, mean_interval
from twin.errors import TwinError
from twin.sweep.db import ResultsDB
from twin.sweep.spec import policy_label, show_value

__all__ = ["Policy", "SweepTable", "load_table", "value_codes"]


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

    def values_of(self, parameter: str) -> list[str]:
        """The values the sweep gave ``parameter``, as labels show them, in first-seen order."""
        return list(dict.fromkeys(show_value(p.params.get(parameter)) for p in self.policies))

    def codes(self) -> dict[int, str]:
        """A short code per policy (by combination): each swept value's code
        (:func:`value_codes`) joined by ``-`` in parameter order, e.g. ``S-10min-R``."""
        codes = {parameter: value_codes(self.values_of(parameter)) for parameter in self.parameters}
        return {
            policy.combination: "-".join(
                codes[parameter][show_value(policy.params.get(parameter))]
                for parameter in self.parameters
            )
            or "base"
            for policy in self.policies
        }

    def code_key(self) -> list[str]:
        """What the codes stand for, one line per parameter: ``services.crossing_assist:
        P push_button, O opt_in_app, C camera_ai, R radar``."""
        lines = []
        for parameter in self.parameters:
            codes = value_codes(self.values_of(parameter))
            pairs = [
                value if value.startswith(code) else f"{code} {value}"
                for value, code in codes.items()
            ]
            lines.append(f"{parameter}: {', '.join(pairs)}")
        return lines


def value_codes(values: list[str]) -> dict[str, str]:
    """A short code per value of one parameter, unique among them: a value starting with a
    digit by its first word (``10min each`` -> ``10min``), a mapping by its values
    (``10min+31d``), others by their shortest distinguishing start, capitalised
    (``siloed``, ``federated`` -> ``S``, ``F``; ``opt_in_app``, ``occupancy_camera`` ->
    ``Op``, ``Oc``). A minus sign is written as the Unicode minus: codes are joined by ``-``."""

    def start(value: str, length: int) -> str:
        if ", " in value:  # a mapping, "k v, k v": its values
            return "+".join(pair.split(" ")[-1] for pair in value.split(", "))
        if value[:1].isdigit() or value[:1] in "-.":
            return value.split(" ")[0]
        return value.replace(" ", "")[:length].capitalize()

    longest = max((len(v) for v in values), default=1)
    for length in range(1, longest + 1):
        codes = {value: start(value, length).replace("-", "\u2212") for value in values}
        if len(set(codes.values())) == len(values):
            return codes
    return {value: value.replace("-", "\u2212") for value in values}


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
