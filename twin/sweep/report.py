"""The report of a sweep: what each policy collects and its measured outcomes, side by
side, in plain language (the per-run transparency report is ``twin.results.report``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.results.files import write_atomic
from twin.results.report import LABELS, WHOM, identifiability_words, to_html, to_markdown
from twin.sweep.spec import show_value

if TYPE_CHECKING:
    from twin.sweep.table import Policy, SweepTable

__all__ = ["write_sweep_report"]

Block = tuple[Any, ...]

#: How the sweep report names the outcomes it compares (shares are shown in per cent).
SWEEP_LABELS = {
    "privacy.persons_exposed_share": "residents whose identifiable records are kept",
    "privacy.persons_exposed": "residents whose identifiable records are kept",
    "security.components_compromised_share.mean": "city systems the intrusion reached",
    "security.persons_exfiltrated.mean": "residents whose records the intruder stole",
    "security.sensitive_persons_exfiltrated.mean": "residents whose health data the intruder stole",
    "security.persons_affected.mean": "residents whose trips met a disrupted service",
    "security.service_hours_lost.mean": "service hours lost to the intrusion",
    "security.extra_vehicle_delay_s.mean": "extra delay per car trip from the intrusion (seconds)",
}
#: Said of every policy in the sweep report when measured, besides the plotted metrics.
IN_WORDS_TOO = ("security.persons_exfiltrated.mean",)


def write_sweep_report(
    out: Path,
    table: SweepTable,
    reference: Policy,
    rows: Sequence[Mapping[str, object]],
    figures: Sequence[tuple[str, str, str]],
    sensors: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
) -> list[Path]:
    """The report of a sweep: what each policy collects, and its measured outcomes side
    by side. ``sensors``: each combination's deployed sensors (as in ``sensors.json``)."""

    counts = sorted({len(v) for p in table.policies for v in p.values.values()})
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
            "ul",
            [
                f"{p}: "
                + ", ".join(dict.fromkeys(show_value(pol.params.get(p)) for pol in table.policies))
                for p in table.parameters
            ]
            or ["nothing (one policy)"],
        ),
        *_collects(table, sensors or {}),
        ("h2", "Trade-offs"),
        (
            "p",
            "Each point is a policy; bars are 95 % intervals. Policies on the dashed "
            "line (the Pareto front) are those no other policy beats on both axes at once: "
            "choosing among them is a value judgement, not a technical one.",
        ),
    ]
    for name, x_metric, y_metric in figures:
        blocks.append(("img", name, f"{y_metric} against {x_metric}"))
    blocks.append(("img", "overview.png", "every family of outcomes, policy by policy"))
    blocks.append(("h2", "In words"))
    blocks.append(("ul", [_in_words(policy, reference, figures) for policy in table.policies]))
    blocks.append(("h2", "Ranking"))
    blocks.append(
        (
            "p",
            f"Differences are paired against the reference policy "
            f"“{reference.label}” replication by replication.",
        )
    )
    if rows:
        header = list(rows[0])
        blocks.append(("table", header, [[row[h] for h in header] for row in rows]))
    write_atomic(out / "report.md", to_markdown(blocks))
    write_atomic(out / "report.html", to_html(blocks))
    return [out / "report.md", out / "report.html"]


def _collects(table: SweepTable, sensors: Mapping[int, Sequence[Mapping[str, Any]]]) -> list[Block]:
    """ "What each policy collects": its sensors in words, once if every policy has the
    same; nothing when the database holds no sensors (a sweep stored before they were)."""
    described = {
        policy.label: [_sensor_words(sensor) for sensor in sensors[policy.combination]]
        for policy in table.policies
        if policy.combination in sensors
    }
    if not described:
        return []
    lists = list(described.values())
    if all(words == lists[0] for words in lists):
        items = lists[0] or ["no sensors at all"]
        return [("h2", "What each policy collects"), ("p", "Every policy deploys:"), ("ul", items)]
    items = [
        f"“{label}”: " + (" ".join(words) if words else "no sensors at all.")
        for label, words in described.items()
    ]
    return [("h2", "What each policy collects"), ("ul", items)]


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


def _in_words(policy: Policy, reference: Policy, figures: Sequence[tuple[str, str, str]]) -> str:
    """One sentence per policy: its outcomes on the compared metrics, against the reference."""
    from metrics.statistics import paired_difference

    metrics = list(dict.fromkeys(m for _, x, y in figures for m in (x, y)))
    # What a resident asks first of an attack: whose data was stolen.
    metrics += [m for m in IN_WORDS_TOO if m in policy.values and m not in metrics]
    parts = []
    for metric in metrics:
        interval = policy.interval(metric)
        if interval.mean is None:
            continue
        share = metric.removesuffix(".mean").endswith("_share")
        scale, unit, diff_unit = (100.0, " %", " percentage points") if share else (1.0, "", "")
        plain = SWEEP_LABELS.get(metric) or LABELS.get(metric)
        text = f"{plain or metric.split('.', 1)[-1].replace('_', ' ')}: "
        text += f"{interval.mean * scale:,.1f}{unit}"
        if interval.half_width is not None:
            text += f" (± {interval.half_width * scale:,.1f})"
        if policy is not reference:
            diff = paired_difference(
                policy.values.get(metric, {}), reference.values.get(metric, {})
            )
            if diff.mean is not None:
                word = "more" if diff.mean > 0 else "less"
                text += f", {abs(diff.mean) * scale:,.1f}{diff_unit} {word} than the reference"
                if diff.half_width is not None:
                    text += f" (± {diff.half_width * scale:,.1f})"
        parts.append(text)
    name = "the reference, " if policy is reference else ""
    return f"“{policy.label}” ({name}{policy.runs} runs): " + "; ".join(parts) + "."
