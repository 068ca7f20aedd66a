"""Each service's measured benefit beside its data footprint, in words: the report's
table and the printed summary's lines, from ``metrics.json`` -> ``benefits`` (written by
``twin run --benefits``, ``twin.simulation.benefits``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twin.results.labels import catalogue, metric_label

__all__ = ["HEADING", "LEAD", "benefit_blocks", "benefit_lines"]

HEADING = "What each service's data buys, and what it holds"
LEAD = (
    "Each service was measured against the same simulated day with what its data buys "
    "switched off: the same seed, so the same travellers, incidents and weather, and the "
    "difference is the service's. One pair of runs per service; for intervals over seeds, "
    "sweep the service on and off with twin sweep."
)


def benefit_blocks(metrics: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The report's section: a table, or why there is none."""
    benefits = metrics.get("benefits")
    blocks: list[tuple[Any, ...]] = [("h2", HEADING)]
    if not isinstance(benefits, Mapping):
        return [
            *blocks,
            (
                "p",
                "Not measured in this run: twin run SCENARIO --benefits runs the day once "
                "more per service, without what its data buys, and fills this section.",
            ),
        ]
    if not benefits:
        return [*blocks, ("p", "No service in this run had anything to switch off.")]
    rows = [
        [
            name,
            _switched(entry["without"]),
            _changes(entry["efficiency"], "efficiency") or "no change measured",
            _changes(entry["privacy"], "privacy") or "nothing more held about residents",
        ]
        for name, entry in benefits.items()
    ]
    header = ["service", "compared with", "what it bought", "what it holds about residents"]
    return [*blocks, ("p", LEAD), ("table", header, rows)]


def benefit_lines(metrics: Mapping[str, Any]) -> list[str]:
    """The summary's lines (none without ``benefits``)."""
    benefits = metrics.get("benefits")
    if not isinstance(benefits, Mapping):
        return []
    lines = ["  what each service buys and holds (the run minus the same day without it)"]
    if not benefits:
        lines.append("    no service had anything to switch off")
    for name, entry in benefits.items():
        lines.append(f"  {name}, against {_switched(entry['without'])}")
        for family in ("efficiency", "privacy"):
            changes = _changes(entry[family], family, sep="\n")
            lines += [f"    {line}" for line in changes.splitlines()]
        if not _changes(entry["efficiency"], "efficiency"):
            lines.append("    no efficiency outcome changed")
        if not _changes(entry["privacy"], "privacy"):
            lines.append("    nothing more held about residents")
    return lines


def _switched(changes: Mapping[str, object]) -> str:
    def plain(value: object) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return ", ".join(f"{key} = {plain(value)}" for key, value in changes.items())


def _changes(pairs: Mapping[str, Mapping[str, Any]], family: str, sep: str = "; ") -> str:
    """The outcomes that changed, each in words with whether that is better or worse."""
    parts, order = [], {key: i for i, key in enumerate(catalogue())}
    for key, pair in sorted(pairs.items(), key=lambda kv: order.get(f"{family}.{kv[0]}", 0)):
        label, difference = metric_label(f"{family}.{key}"), pair.get("difference")
        if difference is None:
            if (pair.get("with") is None) != (pair.get("without") is None):
                missing = "with it" if pair.get("with") is None else "without it"
                parts.append(f"{label.name}: nothing to measure {missing}")
            continue
        words = label.difference(difference, None, None, than="without it")
        if words.startswith("the same"):
            continue
        lower = difference < 0
        verdict = {"lower": lower, "higher": not lower}.get(label.better)
        judged = "" if verdict is None else " (better)" if verdict else " (worse)"
        parts.append(f"{label.name}: {words}{judged}")
    return sep.join(parts)
