"""``twin compare``: a sweep's policies side by side, from its results database."""

from __future__ import annotations

import csv
import difflib
import io
import json
from pathlib import Path

import numpy as np

from metrics.statistics import (
    higher_is_better,
    paired_difference,
    pareto_front,
)
from twin.errors import TwinError
from twin.results.files import write_atomic
from twin.results.folder import writable_folder
from twin.sweep.db import ResultsDB
from twin.sweep.spec import show_value
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
    """Write trade-off plots, the overview, the ranked table and the sweep report."""
    from metrics.tradeoff_plots import PolicyPoint, plot_overview, plot_tradeoff
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
    ref = _reference(table, reference)
    by = by or (table.parameters[0] if table.parameters else None)
    writable_folder(out)
    written: list[Path] = []

    fronts: list[np.ndarray] = []
    figures: list[tuple[str, str, str]] = []
    for x_metric, y_metric in pairs:
        points = []
        for policy in table.policies:
            xi, yi = policy.interval(x_metric), policy.interval(y_metric)
            points.append(
                PolicyPoint(
                    _short(policy, by),
                    _group(policy, by),
                    _num(xi.mean),
                    _num(xi.low),
                    _num(xi.high),
                    _num(yi.mean),
                    _num(yi.low),
                    _num(yi.high),
                )
            )
        front = pareto_front(
            [p.x for p in points],
            [p.y for p in points],
            (higher_is_better(x_metric), higher_is_better(y_metric)),
        )
        fronts.append(front)
        name = f"tradeoff_{_slug(x_metric)}__{_slug(y_metric)}.png"
        plot_tradeoff(
            points,
            front,
            _axis(x_metric),
            _axis(y_metric),
            out / name,
            f"{table.sweep}: {len(table.policies)} policies, mean and 95 % interval",
            by or "",
        )
        written.append(out / name)
        figures.append((name, x_metric, y_metric))

    panels = []
    for family in table.families():
        chosen = overview_metrics(table, family)
        for metric in chosen:
            intervals = [p.interval(metric) for p in table.policies]
            panels.append(
                (
                    metric,
                    [_values(p) for p in table.policies],
                    np.array([_num(i.mean) for i in intervals]),
                    np.array([_num(i.low) for i in intervals]),
                    np.array([_num(i.high) for i in intervals]),
                )
            )
    title = f"{table.sweep}: outcomes by family ({' / '.join(table.parameters)})"
    plot_overview(panels, out / "overview.png", title)
    written.append(out / "overview.png")

    shown = list(dict.fromkeys(m for pair in pairs for m in pair))
    rows = ranked_rows(table, shown, ref, fronts[0], pairs[0])
    header = list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row[h] for h in header] for row in rows])
    write_atomic(out / "ranking.csv", buffer.getvalue())
    write_atomic(out / "ranking.md", _markdown(header, rows))
    written += [out / "ranking.csv", out / "ranking.md"]
    write_atomic(
        out / "comparison.json",
        json.dumps(
            {
                "sweep": table.sweep,
                "reference": ref.label,
                "pairs": pairs,
                "by": by,
                "failed_runs": table.failed,
            },
            indent=2,
        )
        + "\n",
    )
    written.append(out / "comparison.json")
    written += write_sweep_report(out, table, ref, rows, figures, sensors)
    for stale in set(out.glob("tradeoff_*.png")) - set(written):
        stale.unlink()  # from an earlier compare with other axes: the folder shows this one
    return written


def ranked_rows(
    table: SweepTable,
    metrics: list[str],
    reference: Policy,
    front: np.ndarray,
    pair: tuple[str, str],
) -> list[dict[str, object]]:
    """One row per policy: Pareto front first, then by the x metric (best first)."""
    x_metric = pair[0]
    sign = -1.0 if higher_is_better(x_metric) else 1.0

    def order(index: int) -> tuple[bool, float]:
        mean = table.policies[index].interval(x_metric).mean
        return (not front[index], sign * mean if mean is not None else np.inf)

    rows: list[dict[str, object]] = []
    for rank, index in enumerate(sorted(range(len(table.policies)), key=order), start=1):
        policy = table.policies[index]
        row: dict[str, object] = {"rank": rank, "policy": policy.label}
        row["replications"] = policy.runs
        row["pareto"] = "yes" if front[index] else ""
        for metric in metrics:
            interval = policy.interval(metric)
            row[metric] = _fmt(interval.mean)
            row[f"{metric} ±95%"] = _fmt(interval.half_width)
            if policy is not reference:
                diff = paired_difference(
                    policy.values.get(metric, {}), reference.values.get(metric, {})
                )
                row[f"{metric} vs reference"] = _fmt(diff.mean)
                row[f"{metric} vs reference ±95%"] = _fmt(diff.half_width)
            else:
                row[f"{metric} vs reference"] = "reference"
                row[f"{metric} vs reference ±95%"] = ""
        rows.append(row)
    return rows


def _reference(table: SweepTable, label: str | None) -> Policy:
    if label is None:
        return table.policies[0]
    for policy in table.policies:
        if policy.label == label:
            return policy
    labels = "; ".join(p.label for p in table.policies)
    raise TwinError(f"--reference {label!r}: no such policy; the policies are: {labels}")


def _markdown(header: list[str], rows: list[dict[str, object]]) -> str:
    if not rows:
        return "No policies.\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _short(policy: Policy, by: str | None) -> str:
    """The policy's values other than ``by`` (which the colour shows), e.g. ``radar``."""
    rest = [_value(v) for k, v in policy.params.items() if k != by]
    if rest or by is None:
        return " / ".join(rest) or policy.label
    return _value(policy.params.get(by, policy.label))


def _values(policy: Policy) -> str:
    """The policy's values only, e.g. ``radar / pavement_sensor``."""
    return " / ".join(_value(v) for v in policy.params.values()) or "base"


def _value(value: object) -> str:
    return show_value(value)


def _group(policy: Policy, by: str | None) -> str:
    return f"{policy.params.get(by)}" if by is not None and by in policy.params else ""


def _axis(metric: str) -> str:
    arrow = "higher is better" if higher_is_better(metric) else "lower is better"
    return f"{metric}  ({arrow})"


def _slug(metric: str) -> str:
    return metric.replace(".", "-")


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _fmt(value: float | None) -> object:
    if value is None or not np.isfinite(value):
        return ""
    return round(float(value), 4)
