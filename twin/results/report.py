"""Transparency reports in plain language, built from the files of a results folder.

A run's report reads only ``scenario.yaml`` (its ``policy``: integration,
anonymisation, retention, consent, vendors) and ``metrics.json`` (required) and
``sensors.json``, ``links.json``, ``components.json`` (when present), so any
tool that writes those files gets a report. A sweep's report is
``twin.sweep.report``.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from agents.sensing import IDENTIFIABILITY as IDENTIFIABILITY_LEVELS
from twin.digital.records import stored_class
from twin.digital.stores import store_of_system
from twin.errors import TwinError
from twin.results.benefits import benefit_blocks
from twin.results.files import write_atomic
from twin.results.labels import catalogue, metric_label
from twin.results.wording import (
    duration_words,
    policy_blocks,
    policy_vendor,
    privacy_summary,
)

__all__ = [
    "WHOM",
    "identifiability_words",
    "reach_words",
    "report_blocks",
    "to_html",
    "to_markdown",
    "write_report",
]

Block = tuple[Any, ...]

#: Whom a sensor observes, for a resident.
WHOM = {
    "nobody": "nobody in particular: it does not record who you are",
    "opted_in": "only residents who chose to sign up",
    "everyone": "everyone who passes, whether they agreed or not",
}
#: What a record of each identifiability class lets someone do.
IDENTIFIABILITY = {
    "anonymous": "anonymous: no record can be tied to you",
    "device_id": "a device identifier (your phone or tag): records can be linked to you over time",
    "pseudonym": "a pseudonym: records can be linked to each other, and to you with other data",
    "face": "a direct identifier (a face or a number plate): it names you with certainty",
    "plate": "number plates: your car, and so you, can be recognised",
}
FAMILIES = (
    ("efficiency", "What the services achieved", "Measured benefit of the services."),
    ("privacy", "Privacy exposure", "What could be learnt about residents from the data kept."),
    ("security", "Cyberattack blast radius", "What one intrusion could reach and disrupt."),
)


def write_report(folder: str | Path) -> list[Path]:
    """(Re)write ``report.md`` and ``report.html`` of a run's results folder."""

    folder = Path(folder)
    blocks = report_blocks(folder)
    write_atomic(folder / "report.md", to_markdown(blocks))
    write_atomic(folder / "report.html", to_html(blocks, folder))
    return [folder / "report.md", folder / "report.html"]


def report_blocks(folder: Path) -> list[Block]:
    """The report of one run, as blocks (heading, paragraph, list, table)."""
    if not folder.is_dir():
        raise TwinError(f"{folder}: not a results folder")
    scenario = _read(folder / "scenario.yaml", required=True)
    metrics = _read(folder / "metrics.json", required=True)
    sensors = _sensors(_read(folder / "sensors.json"), folder / "sensors.json")
    links = _read(folder / "links.json") or []
    if isinstance(links, Mapping):
        links = links.get("links", [])
    components = _read(folder / "components.json") or []
    if isinstance(components, Mapping):  # twin.security.graph.components_json
        components = components.get("components", [])
    if not isinstance(scenario, dict) or not isinstance(metrics, dict):
        raise TwinError(f"{folder}: scenario.yaml and metrics.json must hold mappings")
    name = scenario.get("name", folder.name)
    blocks: list[Block] = [
        ("h1", f"Smart services in “{name}”: what they know about residents"),
        (
            "p",
            "This report explains, for the people who live and walk here, each smart system "
            "in this simulated district: what its sensors collect, about whom, why, how long "
            "it is kept, who can reach it, and what it measurably achieved. The numbers come "
            f"from a simulation of {duration_words(scenario.get('duration'))}"
            f" (seed {scenario.get('seed', '?')}), not from real people.",
        ),
    ]
    if scenario.get("description"):
        blocks.append(("p", str(scenario["description"]).strip()))
    blocks.append(("h2", "The systems and their sensors"))
    if sensors is None:
        blocks.append(
            (
                "p",
                "This results folder has no list of sensors (sensors.json), so "
                "the sensors cannot be described here.",
            )
        )
    elif not sensors:
        blocks.append(("p", "No sensor in this scenario observes anyone."))
    by_system: dict[str, list[dict[str, Any]]] = {}
    for sensor in sensors or []:
        by_system.setdefault(str(sensor.get("system", "unnamed system")), []).append(sensor)
    for system, members in by_system.items():
        blocks.append(("h3", f"System: {system}"))
        vendor = policy_vendor(scenario, system) or _vendor(components, system)
        if vendor:
            blocks.append(("p", f"Run by {vendor}."))
        blocks.append(("ul", [_describe(s, scenario, links) for s in members]))
        reach = reach_words(scenario, system, links, list(by_system))
        blocks.append(("p", f"Who can reach this data: {reach}"))
    asks = any(s.get("observes") == "opted_in" for s in sensors or [])
    blocks += policy_blocks(scenario, asks_consent=asks)
    for family, title, lead in FAMILIES:
        section = metrics.get(family)
        blocks.append(("h2", title))
        if not isinstance(section, Mapping) or not section:
            blocks.append(("p", f"Not measured in this run. ({lead})"))
            continue
        blocks.append(("p", lead))
        summary = privacy_summary(section, scenario) if family == "privacy" else None
        if summary:
            blocks.append(("p", summary))
        order = {key: i for i, key in enumerate(catalogue())}  # labelled first, in order
        keys = sorted(section, key=lambda k: order.get(f"{family}.{k}", len(order)))
        rows = [
            _outcome_row(f"{family}.{key}", section[key])
            for key in keys
            if not isinstance(section[key], Mapping)
            or {"mean", "ci_low", "ci_high"} <= set(section[key])
        ]
        blocks.append(("table", ["outcome", "value"], rows))
    return blocks + benefit_blocks(metrics) + _plot_blocks(folder, name)


#: What each plot of a run shows, by file name (a service's plots are named by their file).
PLOT_CAPTIONS = {
    "delay_over_time.png": "Delay over the run: cars and pedestrians waiting at signals",
    "intersection_delay.png": "Where cars wait: stop-line delay at each intersection",
    "crossing_timeline.png": "One crosswalk over a few signal cycles: who crossed, who was "
    "stranded",
    "privacy_exposure.png": "Residents with identifiable data held over the run, per system",
    "component_graph.png": "How the city's systems connect, and what the intrusion reached",
    "attack_timeline.png": "The city through the intrusion, against the same day without it",
}


def _plot_blocks(folder: Path, name: str) -> list[Block]:
    """The run's plots (``plots/*.png``), each with what it shows."""
    plots = sorted((folder / "plots").glob("*.png"))
    if not plots:
        return []
    order = {plot: i for i, plot in enumerate(PLOT_CAPTIONS)}
    plots.sort(key=lambda path: (order.get(path.name, len(order)), path.name))
    blocks: list[Block] = [("h2", "Plots"), ("p", f"Every plot of “{name}”, as measured.")]
    for path in plots:
        caption = PLOT_CAPTIONS.get(path.name) or path.stem.replace("_", " ").capitalize()
        blocks.append(("img", f"plots/{path.name}", caption))
    return blocks


def _outcome_row(metric: str, value: object) -> list[str]:
    """[label, value] of one outcome in its catalogue wording (a ``_ci95`` pair is the
    95 % interval of the outcome it follows)."""
    if metric.endswith("_ci95"):
        label = metric_label(metric.removesuffix("_ci95"))
        shown = _value(value)
        if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
            shown = f"{label.number(value[0])} to {label.number(value[1])}"
        return [f"{label.name}, 95 % interval", shown]
    if metric == "privacy.sampling":
        return ["how the residents above were sampled", _value(value)]
    label = metric_label(metric)
    if value is None:
        return [label.text, "nothing to measure"]
    if isinstance(value, Mapping):  # a mean over replications with its 95 % interval
        if value.get("mean") is None:
            return [label.text, "nothing to measure"]
        return [label.text, label.interval(value["mean"], value["ci_low"], value["ci_high"])]
    if _is_number(value):
        return [label.text, label.value(float(value))]  # type: ignore[arg-type]
    return [label.name, _value(value)]  # words or a list: no unit, nothing better or worse


def _describe(sensor: Mapping[str, Any], scenario: Mapping[str, Any], links: Any) -> str:
    name = str(sensor.get("name", "sensor"))
    service = str(sensor.get("service", ""))
    count = sensor.get("count")
    what = f"{count} {name.replace('_', ' ')}" if count is not None else name.replace("_", " ")
    method = sensor.get("method")
    parts = [
        f"{what} ({service.replace('_', ' ')} service" + (f", {method}" if method else "") + ")."
    ]
    observes = str(sensor.get("observes", ""))
    parts.append(f"Observes {WHOM.get(observes, observes or 'unknown')}.")
    parts.append(f"Records are {identifiability_words(sensor.get('identifiability'))}.")
    attributes = [str(a) for a in sensor.get("attributes") or []]
    if attributes:
        words = ", ".join(a.replace("disability", "reduced mobility") for a in attributes)
        if observes == "opted_in":
            parts.append(f"It records {words} only for those who chose to share it.")
        else:  # whoever passes: read off how they look or move, so sometimes wrongly
            parts.append(
                f"It infers {words} from how people look or move: some people are flagged "
                "who do not have it (false positives), and they are counted as such."
            )
    purposes = [
        str(link.get("purpose"))
        for link in links
        if isinstance(link, Mapping)
        and link.get("source") in (name, sensor.get("system"))
        and link.get("purpose")
    ]
    purpose = str(sensor.get("purpose") or "") or (
        "; ".join(dict.fromkeys(purposes)) or f"used by the {service.replace('_', ' ')} service"
    )
    parts.append(f"Purpose: {purpose}.")
    parts.append(f"Kept for: {_retention(scenario, sensor)}.")
    return " ".join(parts)


def identifiability_words(value: object) -> str:
    """How identifiable a sensor's records are, in words (by name or level number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = _identifiability_key(value)
    return IDENTIFIABILITY.get(str(value), str(value))


def _retention(scenario: Mapping[str, Any], sensor: Mapping[str, Any]) -> str:
    """How long the policy keeps this sensor's records (``policy.retention`` of their class)."""
    policy = scenario.get("policy")
    retention = policy.get("retention") if isinstance(policy, Mapping) else None
    if not isinstance(retention, Mapping):
        return "no limit set in this scenario (kept for the whole simulated period)"
    cls = _record_class(policy or {}, sensor)
    if cls not in retention:
        return "no limit set for this data in this scenario"
    return duration_words(retention[cls])


def _record_class(policy: Mapping[str, Any], sensor: Mapping[str, Any]) -> str:
    """The ``policy.retention`` class of a sensor's records, after anonymisation."""
    identifiability = _identifiability_key(sensor.get("identifiability"))
    if identifiability not in IDENTIFIABILITY_LEVELS:
        return "direct"  # a sensor another tool describes: assume the strictest class
    return stored_class(identifiability, str(policy.get("anonymisation", "raw")))


def _identifiability_key(value: object) -> str:
    """A sensor's identifiability by name, whether written as a name or a level number."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value < len(IDENTIFIABILITY_LEVELS)
    ):
        return IDENTIFIABILITY_LEVELS[value]
    return str(value)


def reach_words(
    scenario: Mapping[str, Any], system: str, links: Any, systems: Sequence[str]
) -> str:
    """Who can reach ``system``'s data as the policy's integration puts it: the systems
    sharing its store (all of them on an integrated platform, those joined by declared
    links behind a federated gateway, none when siloed) and any untrusted vendor of them."""
    policy = scenario.get("policy")
    policy = policy if isinstance(policy, Mapping) else {}
    integration = str(policy.get("integration", "siloed"))
    pairs = [
        (str(link.get("source")), str(link.get("target")))
        for link in (links if isinstance(links, list) else [])
        if isinstance(link, Mapping)
    ]
    names = list(systems)
    if integration not in ("siloed", "federated", "integrated") or system not in names:
        return "not stated by the policy."
    store = store_of_system(names, integration, pairs)
    sharing = [s for s in names if store[names.index(s)] == store[names.index(system)]]
    vendors = policy.get("vendors") if isinstance(policy.get("vendors"), Mapping) else {}
    distrusted = sorted(
        {
            str(v.get("name"))
            for s, v in (vendors or {}).items()
            if s in sharing and isinstance(v, Mapping) and not v.get("trusted", True)
        }
    )
    others = [s for s in sharing if s != system]
    if integration == "integrated":
        text = "every system on the city's one shared platform (" + ", ".join(sharing) + ")"
    elif others:
        text = "this system and, through the gateway, " + ", ".join(others)
    else:
        text = "only this system (it shares no store with another)"
    if distrusted:
        text += "; and " + ", ".join(distrusted) + ", a vendor the city does not trust"
    return text + "."


def _vendor(components: Any, system: str) -> str | None:
    for component in components if isinstance(components, list) else []:
        if isinstance(component, Mapping) and component.get("name") == system:
            vendor = component.get("vendor")
            return str(vendor) if vendor else None
    return None


def _sensors(data: Any, path: Path) -> list[dict[str, Any]] | None:
    if data is None:
        return None
    if isinstance(data, Mapping):
        data = data["sensors"] if "sensors" in data else [{"name": k, **v} for k, v in data.items()]
    if not isinstance(data, list) or not all(isinstance(s, Mapping) for s in data):
        raise TwinError(f"{path}: expected a list of sensors, each with name, service, ...")
    return [dict(sensor) for sensor in data]


def _read(path: Path, required: bool = False) -> Any:
    if not path.is_file():
        if required:
            raise TwinError(
                f"{path}: missing; a results folder needs scenario.yaml and "
                "metrics.json (run `twin run` first)"
            )
        return None
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TwinError(f"{path}: cannot be read: {exc}") from None


def _value(value: object) -> str:
    if value is None:
        return "nothing to measure"
    if isinstance(value, Mapping):  # a mean over replications with its 95 % interval
        if value.get("mean") is None:
            return "nothing to measure"
        text = _value(value["mean"])
        if value.get("ci_low") is not None and value.get("ci_high") is not None:
            text += f" (95 % interval {_value(value['ci_low'])} to {_value(value['ci_high'])})"
        return text
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return f"{_value(value[0])} to {_value(value[1])}"  # an interval
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as Markdown."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + block[1])
        elif kind == "p":
            out.append(block[1])
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            header, rows = block[1], block[2]
            lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
            out.append("\n".join(lines))
        elif kind == "img":
            out.append(f"![{block[2]}]({block[1]})")
    return "\n\n".join(out) + "\n"


def to_html(blocks: Sequence[Block], folder: Path | None = None) -> str:
    """Render blocks as a standalone HTML page; images found under ``folder`` are
    embedded in it (a page that can be sent on its own)."""
    esc = html.escape
    title = next((b[1] for b in blocks if b[0] == "h1"), "Report")
    body: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            body.append(f"<{kind}>{esc(str(block[1]))}</{kind}>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{esc(str(h))}</th>" for h in block[1])
            rows = "".join(
                "<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>"
                for row in block[2]
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            source = _embedded(folder / block[1]) if folder is not None else None
            body.append(
                f'<figure><img src="{source or esc(block[1])}" alt="{esc(block[2])}">'
                f"<figcaption>{esc(block[2])}</figcaption></figure>"
            )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em}"
        "img{max-width:100%}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f"</title><style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _embedded(path: Path) -> str | None:
    """A PNG file as a ``data:`` URI, or None when there is no such file."""
    if path.suffix != ".png" or not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
