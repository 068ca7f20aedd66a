"""Transparency reports in plain language, built from the files of a results folder.

A run's report reads only ``scenario.yaml`` (its ``policy``: integration,
anonymisation, retention, consent, vendors) and ``metrics.json`` (required) and
``sensors.json``, ``links.json``, ``components.json`` (when present), so any
tool that writes those files gets a report. A sweep gets one report comparing
its policies.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from twin.errors import TwinError
from twin.report_text import (
    CLASS_OF,
    PRIVACY_LABELS,
    duration_words,
    policy_blocks,
    policy_vendor,
    privacy_summary,
)
from twin.sweep.spec import show_value

if TYPE_CHECKING:
    from twin.compare import Policy, SweepTable

__all__ = ["report_blocks", "write_report", "write_sweep_report"]

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
    "face": "images of faces: you can be recognised",
    "plate": "number plates: your car, and so you, can be recognised",
}
_IDENTIFIABILITY_BY_NUMBER = {0: "anonymous", 1: "device_id", 2: "face"}
#: Why each service senses people, when its links do not say.
PURPOSE = {
    "crossing_assist": "to give people who walk slowly more time to cross the street",
    "sidewalk_heating": "to decide when to heat the sidewalks to melt snow",
    "emergency_preemption": "to turn signals green ahead of ambulances",
    "emergency": "to turn signals green ahead of ambulances",
    "driver_alerts": "to warn drivers that someone is still crossing",
    "traffic": "to time the traffic signals",
    "traffic_monitoring": "to count traffic and measure travel times",
}
#: Plain labels of common outcomes; others are shown by name.
LABELS = {
    "efficiency.vehicle_delay_s_mean": "average delay per car trip (seconds)",
    "efficiency.pedestrian_delay_s_mean": "average delay per walking trip (seconds)",
    "efficiency.pedestrian_signal_wait_s_mean": "average wait at a crossing for WALK (seconds)",
    "efficiency.stranded_crossings": "people still in the crosswalk when cars got green",
    "efficiency.stranded_crossings_per_1000_impaired": "people with reduced mobility still in "
    "the crosswalk when cars got green, per 1,000 of their crossings",
    "efficiency.vehicle_pedestrian_conflicts": "near-misses between cars and pedestrians",
    "efficiency.emergency_response_s_mean": "average ambulance response time (seconds)",
    "efficiency.slip_incidents": "slips on snowy sidewalks",
    "efficiency.sidewalk_heating_kwh": "energy spent heating sidewalks (kWh)",
}
LABELS.update(PRIVACY_LABELS)
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
FAMILIES = (
    ("efficiency", "What the services achieved", "Measured benefit of the services."),
    ("privacy", "Privacy exposure", "What could be learnt about residents from the data kept."),
    ("security", "Cyberattack blast radius", "What one intrusion could reach and disrupt."),
)


def write_report(folder: str | Path) -> list[Path]:
    """(Re)write ``report.md`` and ``report.html`` of a run's results folder."""
    from twin.output import write_atomic

    folder = Path(folder)
    blocks = report_blocks(folder)
    write_atomic(folder / "report.md", to_markdown(blocks))
    write_atomic(folder / "report.html", to_html(blocks))
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
        reach = _reach(links, system, [str(s.get("name")) for s in members])
        blocks.append(
            (
                "p",
                "Who can reach this data: "
                + (
                    "; ".join(reach) + "."
                    if reach
                    else "only the system itself (no connection to other systems is declared)."
                ),
            )
        )
    blocks += policy_blocks(scenario)
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
        order = {key: i for i, key in enumerate(LABELS)}  # labelled outcomes first, in order
        keys = sorted(section, key=lambda k: order.get(f"{family}.{k}", len(order)))
        rows = [
            [LABELS.get(f"{family}.{key}", key.replace("_", " ")), _value(section[key])]
            for key in keys
            if not isinstance(section[key], Mapping)
            or {"mean", "ci_low", "ci_high"} <= set(section[key])
        ]
        blocks.append(("table", ["outcome", "value"], rows))
    return blocks


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
    from twin.output import write_atomic

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
    text += f"records are {_identifiability(sensor.get('identifiability'))}"
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
    from metrics.compare import paired_difference

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
    parts.append(f"Records are {_identifiability(sensor.get('identifiability'))}.")
    attributes = [str(a) for a in sensor.get("attributes") or []]
    if attributes:
        parts.append("It also records or infers: " + ", ".join(attributes) + ".")
    purposes = [
        str(link.get("purpose"))
        for link in links
        if isinstance(link, Mapping)
        and link.get("source") in (name, sensor.get("system"))
        and link.get("purpose")
    ]
    purpose = "; ".join(dict.fromkeys(purposes)) or PURPOSE.get(
        service, f"used by the {service.replace('_', ' ')} service"
    )
    parts.append(f"Purpose: {purpose}.")
    parts.append(f"Kept for: {_retention(scenario, sensor)}.")
    return " ".join(parts)


def _identifiability(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = _IDENTIFIABILITY_BY_NUMBER.get(value, str(value))
    return IDENTIFIABILITY.get(str(value), str(value))


def _retention(scenario: Mapping[str, Any], sensor: Mapping[str, Any]) -> str:
    policy = scenario.get("policy")
    retention = policy.get("retention") if isinstance(policy, Mapping) else None
    if retention is None:
        return "no limit set in this scenario (kept for the whole simulated period)"
    if isinstance(retention, Mapping):
        keys = [
            sensor.get("name"),
            sensor.get("system"),
            sensor.get("service"),
            _identifiability_key(sensor.get("identifiability")),
            _record_class(policy or {}, sensor),
            "default",
        ]
        for key in keys:
            if key in retention:
                return duration_words(retention[key])
        return "no limit set for this data in this scenario"
    return duration_words(retention)


def _record_class(policy: Mapping[str, Any], sensor: Mapping[str, Any]) -> str:
    """The ``policy.retention`` class of a sensor's records, after anonymisation."""
    cls = CLASS_OF.get(_identifiability_key(sensor.get("identifiability")), "direct")
    anonymisation = policy.get("anonymisation")
    if anonymisation == "aggregate":
        return "aggregate"
    if anonymisation == "pseudonymise" and cls != "aggregate":
        return "pseudonymous"
    return cls


def _identifiability_key(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _IDENTIFIABILITY_BY_NUMBER.get(value, str(value))
    return str(value)


def _reach(links: Any, system: str, sensors: list[str]) -> list[str]:
    ends = {system, *sensors}
    found = []
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, Mapping):
            continue
        source, target = link.get("source"), link.get("target")
        if source in ends or target in ends:
            other = target if source in ends else source
            purpose = f" ({link['purpose']})" if link.get("purpose") else ""
            found.append(f"{other}{purpose}")
    return list(dict.fromkeys(found))


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


def to_html(blocks: Sequence[Block]) -> str:
    """Render blocks as a standalone HTML page."""
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
            body.append(
                f'<figure><img src="{esc(block[1])}" alt="{esc(block[2])}">'
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


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
