"""The ranked table of a comparison: ``ranking.csv`` (every number, for analysis) and
``ranking.md`` (compact: a short code per policy, one column per metric and one for its
paired difference from the reference, then the key to the codes)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from metrics.statistics import higher_is_better, paired_difference, pareto_front
from twin.results.files import write_atomic
from twin.results.labels import metric_label
from twin.sweep.table import Policy, SweepTable

__all__ = ["maximised", "ranked_rows", "tied_front", "write_ranking"]

Row = dict[str, object]


def ranked_rows(
    table: SweepTable,
    metrics: Sequence[str],
    reference: Policy,
    front: np.ndarray,
    pair: tuple[str, str],
    codes: Mapping[int, str],
) -> list[Row]:
    """One row per policy, Pareto front of ``pair`` first, then by its x metric (best
    first): means and 95 % interval ends as stored, and the paired difference from the
    reference with its interval."""
    x_metric = pair[0]
    sign = -1.0 if maximised(x_metric) else 1.0

    def order(index: int) -> tuple[bool, float, str]:
        policy = table.policies[index]
        mean = policy.interval(x_metric).mean
        return (not front[index], sign * mean if mean is not None else np.inf, policy.label)

    rows: list[Row] = []
    for rank, index in enumerate(sorted(range(len(table.policies)), key=order), start=1):
        policy = table.policies[index]
        row: Row = {
            "rank": rank,
            "code": codes[policy.combination],
            "policy": policy.label,
            "replications": policy.runs,
            "pareto": "yes" if front[index] else "",
        }
        for metric in metrics:
            interval = policy.interval(metric)
            row[metric] = _number(interval.mean)
            row[f"{metric} low"] = _number(interval.low)
            row[f"{metric} high"] = _number(interval.high)
            if policy is reference:
                row[f"{metric} vs reference"] = "reference"
                row[f"{metric} vs reference low"] = row[f"{metric} vs reference high"] = ""
                continue
            diff = paired_difference(
                policy.values.get(metric, {}), reference.values.get(metric, {})
            )
            row[f"{metric} vs reference"] = _number(diff.mean)
            row[f"{metric} vs reference low"] = _number(diff.low)
            row[f"{metric} vs reference high"] = _number(diff.high)
        rows.append(row)
    return rows


def tied_front(table: SweepTable, x_metric: str, y_metric: str) -> np.ndarray:
    """The Pareto front of the policies' means; means equal up to rounding (sums taken in
    another order) count as equal, so tied policies are on the front together or not."""

    def means(metric: str) -> list[float]:
        values = [policy.interval(metric).mean for policy in table.policies]
        return [float(f"{v:.9g}") if v is not None else float("nan") for v in values]

    return pareto_front(
        means(x_metric), means(y_metric), (maximised(x_metric), maximised(y_metric))
    )


def maximised(metric: str) -> bool:
    """Whether larger values of ``metric`` are better, as its label says (else as its
    name suggests: ``metrics.statistics.higher_is_better``)."""
    better = metric_label(metric).better
    return better == "higher" if better else higher_is_better(metric)


def write_ranking(
    out: Path,
    table: SweepTable,
    metrics: Sequence[str],
    rows: Sequence[Row],
    codes: Mapping[int, str],
    reference: Policy,
) -> list[Path]:
    """``ranking.csv`` and ``ranking.md``."""
    header = list(rows[0]) if rows else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[row[h] for h in header] for row in rows])
    write_atomic(out / "ranking.csv", buffer.getvalue())
    write_atomic(out / "ranking.md", ranking_markdown(table, metrics, rows, codes, reference))
    return [out / "ranking.csv", out / "ranking.md"]


def ranking_cells(metrics: Sequence[str], row: Row) -> list[str]:
    """A row's metric cells as read: ``25.3 (24.1 to 26.5)`` and ``-5.0 (-5.4 to -4.6)``
    (shares in per cent and percentage points, people whole, intervals within range)."""
    cells = []
    for metric in metrics:
        label = metric_label(metric)
        mean, low, high = (_float(row[f"{metric}{end}"]) for end in ("", " low", " high"))
        text = label.number(mean)
        if low is not None and high is not None:
            text += f" ({label.number(label.clip(low))} to {label.number(label.clip(high))})"
        cells.append(text)
        diff = row[f"{metric} vs reference"]
        if diff == "reference":
            cells.append("reference")
            continue
        signed = metric_label(metric)
        d, d_low, d_high = (
            _float(row[f"{metric} vs reference{end}"]) for end in ("", " low", " high")
        )
        text = _signed(signed.number(d), d)
        if d_low is not None and d_high is not None:
            text += f" ({_signed(signed.number(d_low), d_low)} to "
            text += f"{_signed(signed.number(d_high), d_high)})"
        cells.append(text)
    return cells


def ranking_markdown(
    table: SweepTable,
    metrics: Sequence[str],
    rows: Sequence[Row],
    codes: Mapping[int, str],
    reference: Policy,
) -> str:
    """The compact ranking in Markdown, with the key to the codes."""
    if not rows:
        return "No policies.\n"
    header = ["rank", "policy", "Pareto front"]
    for metric in metrics:
        label = metric_label(metric)
        header.append(label.text)
        unit = "percentage points" if label.kind == "share" else label.unit
        header.append("vs reference" + (f" ({unit})" if unit else ""))
    lines = [
        f"Ranking of {len(rows)} policies of sweep {table.sweep}: Pareto front first, then "
        f"by {metric_label(metrics[0]).name}. Each value is the mean with its 95 % interval "
        f"over {_replications(rows)}; “vs reference” is the paired difference from "
        f"{codes[reference.combination]}, day by day.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        cells = [str(row["rank"]), str(row["code"]), "yes" if row["pareto"] else ""]
        lines.append("| " + " | ".join(cells + ranking_cells(metrics, row)) + " |")
    lines += ["", "Key:", ""]
    lines += [f"- {line}" for line in table.code_key()]
    lines += ["", "| code | policy |", "|---|---|"]
    lines += [f"| {codes[p.combination]} | {p.label} |" for p in table.policies]
    return "\n".join(lines) + "\n"


def _replications(rows: Sequence[Row]) -> str:
    counts = sorted({int(str(row["replications"])) for row in rows})
    days = "day" if counts == [1] else "days"
    return f"{counts[0]} {days}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]} days"


def _signed(text: str, value: float | None) -> str:
    """``+5.0`` for a positive difference (``0.0`` stays unsigned)."""
    return f"+{text}" if value is not None and value > 0 and text.strip("0.,") else text


def _number(value: float | None) -> object:
    if value is None or not np.isfinite(value):
        return ""
    return float(f"{value:.6g}")


def _float(value: object) -> float | None:
    return None if value in ("", None) else float(str(value))
