"""``twin compare``: a sweep's policies side by side, from its results database."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import numpy as np

from metrics.labels import MetricLabel
from metrics.statistics import paired_difference
from twin.errors import TwinError
from twin.results.files import write_atomic
from twin.results.folder import writable_folder
from twin.results.labels import metric_label
from twin.sweep.db import ResultsDB
from twin.sweep.ranking import ranked_rows, tied_front, write_ranking
from twin.sweep.table import Policy, SweepTable, load_table

__all__ = ["compare_sweep", "default_axes"]

#: Families drawn against efficiency by default, in this order.
TRADE_OFF_FAMILIES = ("privacy", "security")
#: Preferred when metrics tell the policies apart equally (e.g. a privacy sweep leaves
#: efficiency unchanged): the headline outcome of each family.
HEADLINES = (
    "efficiency.vehicle_delay_s_mean",
    "efficiency.pedestrian_delay_s_mean",
    "privacy.persons_exposed_share",
    "privacy.persons_exposed",
    "security.components_compromised_share.mean",
)
#: A headline is drawn when it tells the policies apart at least this much (eta squared).
HEADLINE_SHARE = 0.1
#: Parts of an interval metric other than its mean (``security.x.ci_low``): not drawn apart.
INTERVAL_PARTS = (".ci_low", ".ci_high", ".n")
#: Numbers in metrics.json that describe the analysis, not an outcome of the policy.
NOT_OUTCOMES = ("privacy.sampled_persons", "security.attacks", "security.components_total")
#: Metrics per family in the small-multiples overview.
OVERVIEW_PER_FAMILY = 4


def default_axes(table: SweepTable) -> list[tuple[str, str]]:
    """(x, y) pairs drawn when none is asked for: the most telling efficiency metric
    against the most telling metric of each of privacy and security present, or against
    the second most telling efficiency metric when neither is."""

    def key(m: str) -> tuple[bool, float, int, str]:
        share = table.share(m)
        headline = HEADLINES.index(m) if m in HEADLINES else len(HEADLINES)
        return (not (m in HEADLINES and share >= HEADLINE_SHARE), -round(share, 9), headline, m)

    def ranked(family: str) -> list[str]:
        found = [m for m in outcomes(table.metrics) if m.startswith(family + ".")]
        return sorted(found, key=key)

    efficiency = ranked("efficiency") or sorted(outcomes(table.metrics), key=key)
    if not efficiency:
        raise TwinError(f"sweep {table.sweep!r} stored no numeric metric")
    x = efficiency[0]
    pairs = [(x, ranked(family)[0]) for family in TRADE_OFF_FAMILIES if ranked(family)]
    if not pairs:
        # Another kind of outcome, not a variant of x (its mean against its 90th percentile).
        stem = x.rsplit(".", 1)[-1].split("_")[:2]
        others = [m for m in efficiency[1:] if m.rsplit(".", 1)[-1].split("_")[:2] != stem]
        pairs = [(x, (others or efficiency[1:] or [x])[0])]
    return pairs


def outcomes(metrics: list[str]) -> list[str]:
    """The metrics that are outcomes of a policy: not the analysis' own counts, and of an
    interval metric only its mean."""
    return [m for m in metrics if m not in NOT_OUTCOMES and not m.endswith(INTERVAL_PARTS)]


def overview_metrics(table: SweepTable, family: str) -> list[str]:
    """The family's panels in the overview: its headlines when they separate the policies,
    then the most telling others, one per kind (``stranded_crossings`` hides
    ``stranded_crossings_per_1000_impaired``; ``vehicle_delay_s_mean`` hides ``_p90``)."""

    def kind(metric: str) -> str:
        return "_".join(metric.split(".")[1].split("_")[:2])

    def key(m: str) -> tuple[bool, float, str]:
        headline = m in HEADLINES and table.share(m) >= HEADLINE_SHARE
        return (not headline, -table.share(m), m)

    candidates = sorted(
        (m for m in outcomes(table.metrics) if m.startswith(family + ".") and table.share(m) > 0),
        key=key,
    )
    chosen: list[str] = []
    for metric in candidates:
        if kind(metric) not in {kind(m) for m in chosen}:
            chosen.append(metric)
    return chosen[:OVERVIEW_PER_FAMILY]


def compare_sweep(
    db_path: Path,
    out: Path,
    sweep: str | None = None,
    x: str | None = None,
    y: str | None = None,
    by: str | None = None,
    reference: str | None = None,
) -> list[Path]:
    """Write trade-off plots, the paired differences, the overview, the ranked table and
    the sweep report."""
    from metrics.tradeoff_plots import PolicyPoint, plot_tradeoff
    from twin.sweep.report import write_sweep_report

    with ResultsDB(db_path, create=False) as db:
        table = load_table(db, sweep)
        sensors = db.sensors(table.sweep)
    for name, metric in (("--x", x), ("--y", y)):
        if metric is not None and metric not in table.metrics:
            close = difflib.get_close_matches(metric, table.metrics, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TwinError(f"{name} {metric}: not a metric of sweep {table.sweep!r}{hint}")
    if by is not None and by not in table.parameters:
        raise TwinError(
            f"--by {by}: not a parameter of sweep {table.sweep!r}; it varies: "
            f"{', '.join(table.parameters) or 'nothing'}"
        )
    defaults = default_axes(table)
    asked = [(x or defaults[0][0], y or defaults[0][1])]
    pairs = defaults if x is None and y is None else asked
    codes = table.codes()
    ref = _reference(table, reference, codes)
    by = by or (table.parameters[0] if table.parameters else None)
    writable_folder(out)
    written: list[Path] = []
    key = "Codes: " + "; ".join(table.code_key()) + "; * any value" if table.parameters else ""
    days = max((p.runs for p in table.policies), default=0)

    fronts: list[np.ndarray] = []
    figures: list[tuple[str, str, str]] = []
    for x_metric, y_metric in pairs:
        x_label, y_label = metric_label(x_metric), metric_label(y_metric)
        points = []
        for policy in table.policies:
            xs, ys = _shown(policy, x_metric, x_label), _shown(policy, y_metric, y_label)
            group = f"{policy.params.get(by)}" if by is not None and by in policy.params else ""
            points.append(PolicyPoint(codes[policy.combination], group, *xs, *ys, policy is ref))
        front = tied_front(table, x_metric, y_metric)
        fronts.append(front)
        name = f"tradeoff_{_slug(x_metric)}__{_slug(y_metric)}.png"
        title = (
            f"{table.sweep}: {len(table.policies)} policies, mean and 95 % interval "
            f"over {days} days each"
        )
        plot_tradeoff(points, front, x_label.text, y_label.text, out / name, title, by or "", key)
        written.append(out / name)
        figures.append((name, x_metric, y_metric))

    shown = list(dict.fromkeys(m for pair in pairs for m in pair))
    written.append(_differences(table, shown, ref, codes, out / "differences.png", key))
    written.append(_overview(table, codes, out / "overview.png"))
    rows = ranked_rows(table, shown, ref, fronts[0], pairs[0], codes)
    written += write_ranking(out, table, shown, rows, codes, ref)
    write_atomic(
        out / "comparison.json",
        json.dumps(
            {
                "sweep": table.sweep,
                "reference": ref.label,
                "pairs": pairs,
                "by": by,
                "codes": {codes[p.combination]: p.label for p in table.policies},
                "failed_runs": table.failed,
            },
            indent=2,
        )
        + "\n",
    )
    written.append(out / "comparison.json")
    written += write_sweep_report(out, table, ref, figures, sensors, codes)
    for stale in set(out.glob("tradeoff_*.png")) - set(written):
        stale.unlink()  # from an earlier compare with other axes: the folder shows this one
    return written


def _shown(policy: Policy, metric: str, label: MetricLabel) -> tuple[float, float, float]:
    """(mean, low, high) as drawn: scaled (shares in per cent), the interval kept within
    the metric's range."""
    interval = policy.interval(metric)
    return (
        _num(interval.mean, label.scale),
        _num(label.clip(interval.low), label.scale),
        _num(label.clip(interval.high), label.scale),
    )


def _differences(
    table: SweepTable,
    metrics: list[str],
    reference: Policy,
    codes: dict[int, str],
    path: Path,
    key: str,
) -> Path:
    """``differences.png``: each policy against the reference, paired by replication."""
    from metrics.tradeoff_plots import Difference, plot_differences

    panels = []
    for metric in metrics:
        label = metric_label(metric)
        unit = "percentage points" if label.kind == "share" else label.unit
        span = label.bounds[1] - label.bounds[0]  # a difference lies within ± the range
        rows = []
        for policy in table.policies:
            if policy is reference:
                continue
            diff = paired_difference(
                policy.values.get(metric, {}), reference.values.get(metric, {})
            )
            low = None if diff.low is None else max(diff.low, -span)
            high = None if diff.high is None else min(diff.high, span)
            rows.append(
                Difference(
                    codes[policy.combination],
                    _num(diff.mean, label.scale),
                    _num(low, label.scale),
                    _num(high, label.scale),
                )
            )
        axis = f"difference in {label.name}" + (f", {unit}" if unit else "")
        panels.append((axis, label.better, rows))
    title = (
        f"{table.sweep}: each policy minus the reference {codes[reference.combination]}, "
        "day by day (same days), mean and 95 % interval; blue: the interval leaves out 0"
    )
    plot_differences(panels, path, title)
    return path


def _overview(table: SweepTable, codes: dict[int, str], path: Path) -> Path:
    """``overview.png``: the most telling metrics of every family, policy by policy."""
    from metrics.tradeoff_plots import plot_overview

    panels = []
    for family in table.families():
        for metric in overview_metrics(table, family):
            label = metric_label(metric)
            shown = np.array([_shown(p, metric, label) for p in table.policies]).reshape(-1, 3)
            labels = [codes[p.combination] for p in table.policies]
            panels.append((label.text, labels, shown[:, 0], shown[:, 1], shown[:, 2]))
    title = f"{table.sweep}: outcomes by family, mean and 95 % interval"
    plot_overview(panels, path, title)
    return path


def _reference(table: SweepTable, name: str | None, codes: dict[int, str]) -> Policy:
    """The policy named by its label or code (default: the first)."""
    if name is None:
        return table.policies[0]
    for policy in table.policies:
        if name in (policy.label, codes[policy.combination]):
            return policy
    shown = "; ".join(f"{codes[p.combination]} ({p.label})" for p in table.policies)
    raise TwinError(f"--reference {name!r}: no such policy; the policies are: {shown}")


def _slug(metric: str) -> str:
    return metric.replace(".", "-")


def _num(value: float | None, scale: float = 1.0) -> float:
    return float("nan") if value is None else float(value) * scale
