"""The report of a sweep: what each policy collects and its measured outcomes, side by
side, in plain language (the per-run transparency report is ``twin.results.report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrics.statistics import paired_difference
from twin.results.files import write_atomic
from twin.results.labels import metric_label
from twin.results.report import WHOM, identifiability_words, to_html, to_markdown
from twin.sweep.ranking import ranked_rows, ranking_cells, tied_front
from twin.sweep.spec import show_value

if TYPE_CHECKING:
    from twin.sweep.table import Policy, SweepTable

__all__ = ["write_sweep_report"]

Block = tuple[Any, ...]

#: Said of the policies in words when measured, besides the plotted metrics: what a
#: resident asks first of an attack, whose data was stolen.
IN_WORDS_TOO = ("security.persons_exfiltrated.mean",)


def write_sweep_report(
    out: Path,
    table: SweepTable,
    reference: Policy,
    figures: Sequence[tuple[str, str, str]],
    sensors: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    codes: Mapping[int, str] | None = None,
) -> list[Path]:
    """The report of a sweep: what the policies collect (what they share said once), the
    trade-offs, each policy on the Pareto front and the reference in words, and the
    ranking. ``sensors``: each combination's deployed sensors (as in ``sensors.json``);
    ``codes``: each combination's short code (``SweepTable.codes``)."""
    codes = codes or table.codes()
    counts = sorted({len(v) for p in table.policies for v in p.values.values()})
    metrics = list(dict.fromkeys(m for _, x, y in figures for m in (x, y)))
    fronts = [tied_front(table, x, y) for _, x, y in figures]
    blocks: list[Block] = [
        ("h1", f"Comparing policies: {table.sweep}"),
        (
            "p",
            f"The same simulated district was run under {_count(len(table.policies), 'policy')}"
            f", each {_count(counts[-1] if counts else 0, 'time')} with different random days "
            "(the same days for every policy, so the policies are compared on equal terms). Each "
            "number is an average over those days, with a 95 % interval: the range the "
            "true average lies in, given how much the days differ."
            + (f" {table.failed} runs failed and are left out." if table.failed else ""),
        ),
        ("h2", "What was varied"),
        (
            "p",
            "Each policy is named by a code: the code of each value it takes, in this order, "
            "joined by “-” (the key is also under each plot and the ranking).",
        ),
        ("ul", table.code_key() or ["nothing (one policy)"]),
        *_collects(table, sensors or {}, codes),
        ("h2", "Trade-offs"),
        (
            "p",
            "Each marker is a policy; bars are 95 % intervals. Policies with the same results "
            "stand side by side, under one label. Ringed policies, joined by the dashed line, "
            "are the Pareto front: no other policy is better on both axes at once, so "
            "choosing among them is a value judgement, not a technical one.",
        ),
    ]
    for name, x_metric, y_metric in figures:
        caption = f"{metric_label(y_metric).name} against {metric_label(x_metric).name}"
        blocks.append(("img", name, caption))
    blocks += [
        ("h2", "Differences from the reference"),
        (
            "p",
            f"Each policy minus the reference {codes[reference.combination]} "
            f"(“{reference.label}”), day by day: the same days cancel out, so these intervals "
            "are much narrower than those above. A blue interval leaves out zero: that "
            "difference is not the luck of the days.",
        ),
        ("img", "differences.png", "each policy's paired difference from the reference"),
        ("img", "overview.png", "every family of outcomes, policy by policy"),
        ("h2", "The choices in words"),
        (
            "p",
            "The reference and every policy on a Pareto front; the ranking below gives all.",
        ),
    ]
    chosen = [
        i
        for i, policy in enumerate(table.policies)
        if policy is reference or any(front[i] for front in fronts)
    ]
    blocks.append(("ul", [_in_words(table.policies[i], reference, metrics, codes) for i in chosen]))
    blocks += _ranking(table, metrics, reference, codes, figures, fronts)
    write_atomic(out / "report.md", to_markdown(blocks))
    write_atomic(out / "report.html", to_html(blocks, out))
    return [out / "report.md", out / "report.html"]


def _ranking(
    table: SweepTable,
    metrics: list[str],
    reference: Policy,
    codes: Mapping[int, str],
    figures: Sequence[tuple[str, str, str]],
    fronts: list[Any],
) -> list[Block]:
    """The ranked table, compact (as ``ranking.md``), and its key."""
    if not figures:
        return []
    rows = ranked_rows(table, metrics, reference, fronts[0], figures[0][1:], codes)
    header = ["rank", "policy", "Pareto front"]
    for metric in metrics:
        header += [metric_label(metric).text, "vs reference"]
    body = [
        [row["rank"], row["code"], "yes" if row["pareto"] else "", *ranking_cells(metrics, row)]
        for row in rows
    ]
    return [
        ("h2", "Ranking"),
        (
            "p",
            f"Pareto front of the first plot first, then by {metric_label(metrics[0]).name}. "
            f"Differences are paired against the reference {codes[reference.combination]} "
            "replication by replication.",
        ),
        ("table", header, body),
        ("table", ["code", "policy"], [[codes[p.combination], p.label] for p in table.policies]),
    ]


def _collects(
    table: SweepTable,
    sensors: Mapping[int, Sequence[Mapping[str, Any]]],
    codes: Mapping[int, str],
) -> list[Block]:
    """ "What the policies collect": the sensors every policy deploys, once; then each
    other set of sensors once, with the swept values that bring it (or the codes of the
    policies that have it). Nothing when the database holds no sensors."""
    described = {
        policy.combination: [_sensor_words(sensor) for sensor in sensors[policy.combination]]
        for policy in table.policies
        if policy.combination in sensors
    }
    if not described:
        return []
    lists = list(described.values())
    shared = [words for words in lists[0] if all(words in other for other in lists[1:])]
    blocks: list[Block] = [("h2", "What each policy collects")]
    blocks.append(("p", "Every policy deploys:" if shared else "No sensor is common to all."))
    if shared:
        blocks.append(("ul", shared))
    groups: dict[tuple[str, ...], list[int]] = {}
    for combination, words in described.items():
        rest = tuple(w for w in words if w not in shared)
        groups.setdefault(rest, []).append(combination)
    if len(groups) > 1 or any(groups):
        nothing = "no other sensor." if shared else "no sensors at all."
        items = [
            f"{_which(table, members, codes)}: " + (" ".join(rest) or nothing)
            for rest, members in groups.items()
        ]
        blocks += [("p", "Besides:"), ("ul", items)]
    return blocks


def _which(table: SweepTable, members: list[int], codes: Mapping[int, str]) -> str:
    """The policies ``members`` in words: by the swept value(s) only they have
    (``With services.crossing_assist camera_ai``), else by their codes."""
    inside = [p for p in table.policies if p.combination in members]
    outside = [p for p in table.policies if p.combination not in members]
    if not outside:
        return "Every policy"
    for parameter in table.parameters:
        values = {show_value(p.params.get(parameter)) for p in inside}
        if values.isdisjoint(show_value(p.params.get(parameter)) for p in outside):
            shown = " or ".join(v for v in table.values_of(parameter) if v in values)
            return f"With {parameter} {shown}"
    return "Policies " + ", ".join(codes[p.combination] for p in inside)


def _sensor_words(sensor: Mapping[str, Any]) -> str:
    """One sensor in two sentences: what and who keeps it; whom it observes, how
    identifiable its records are and what else they hold."""
    name = str(sensor.get("name", "sensor")).replace("_", " ")
    count = sensor.get("count")
    method = sensor.get("method")
    head = (f"{count} " if count is not None else "") + name + (f" ({method})" if method else "")
    keeper = str(sensor.get("system", "the city")).replace("_", " ")
    observes = str(sensor.get("observes", ""))
    text = f"{head}, kept by {keeper}. They observe {WHOM.get(observes, observes or 'unknown')}; "
    text += f"records are {identifiability_words(sensor.get('identifiability'))}"
    attributes = [str(a) for a in sensor.get("attributes") or []]
    if attributes:
        text += "; they also record or infer " + ", ".join(attributes)
    return text + "."


def _count(n: int, noun: str) -> str:
    """``1 policy``, ``3 policies``, ``2 times``."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _in_words(
    policy: Policy, reference: Policy, metrics: list[str], codes: Mapping[int, str]
) -> str:
    """One sentence per policy: its outcomes on the compared metrics, against the
    reference (counts of people whole, shares in per cent, intervals within range)."""
    metrics = metrics + [m for m in IN_WORDS_TOO if m in policy.values and m not in metrics]
    parts = []
    for metric in metrics:
        label = metric_label(metric)
        interval = policy.interval(metric)
        if interval.mean is None:
            continue
        text = f"{label.name}: {label.interval(interval.mean, interval.low, interval.high)}"
        if policy is not reference:
            diff = paired_difference(
                policy.values.get(metric, {}), reference.values.get(metric, {})
            )
            text += f", {label.difference(diff.mean, diff.low, diff.high)}"
        parts.append(text)
    name = "the reference, " if policy is reference else ""
    code = codes[policy.combination]
    return f"{code} (“{policy.label}”; {name}{policy.runs} runs): " + "; ".join(parts) + "."
