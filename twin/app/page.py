"""The explorer page: Mesa's SolaraViz with the district map, what the run costs, live
charts and the controls.

Run by ``twin explore`` (``solara run twin.app.page``); the scenario file comes in
the ``TWIN_EXPLORE_SCENARIO`` environment variable.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from metrics.plots import hh_mm
from twin.app.adapter import DEFAULT_SCENARIO, DEFAULT_STEP_S, ExplorerModel, initial_values
from twin.app.charts import CAPTIONS, FAMILIES, chart_png, series
from twin.app.controls import Control, available_controls, control_choices, scenario_value
from twin.app.costs import RunHistory, changes, cost_rows
from twin.app.drawing import compromised, district_png, legend_items
from twin.durations import format_duration
from twin.errors import TwinError
from twin.scenario import load_scenario

SCENARIO_ENV = "TWIN_EXPLORE_SCENARIO"
TITLE = "Smart-city twin explorer"
#: Panels flow two per row at their natural height (Mesa's draggable grid gives each a
#: fixed height, and the map and charts overflow it); the controls take a whole row, so
#: each control's help has room beside it. Mesa's page tabs are hidden: there is one page.
CSS = """
.vue-grid-layout { height: auto !important; display: flex; flex-wrap: wrap; gap: 16px; }
.vue-grid-item { position: relative !important; transform: none !important;
  left: auto !important; top: auto !important; height: auto !important;
  width: calc(50% - 16px) !important; min-width: 420px; }
.vue-grid-item img { max-width: 100%; height: auto; }
.vue-grid-item:has(.twin-guide) { width: calc(100% - 16px) !important; }
.v-tabs:has(.v-tab) { display: none !important; }
.twin-control { flex-wrap: nowrap; margin-bottom: 4px; }
.twin-control-input { flex: 0 0 340px; }
.twin-control-help { font-size: 13px; color: #444; }
.twin-caption, .twin-legend { font-size: 12px; color: #555; }
.twin-legend span.item { margin-right: 12px; white-space: nowrap; }
.twin-costs table { border-collapse: collapse; font-size: 14px; width: 100%; }
.twin-costs td, .twin-costs th { padding: 3px 6px; border-bottom: 1px solid #ddd;
  text-align: right; }
.twin-costs td:first-child, .twin-costs th:first-child { text-align: left; }
.twin-costs .worse { color: #b2182b; font-weight: 600; }
.twin-costs .better { color: #1a9850; font-weight: 600; }
"""


def scenario_file() -> str:
    """The scenario the explorer opens."""
    return os.environ.get(SCENARIO_ENV) or str(DEFAULT_SCENARIO)


def model_params(path: str, settings: dict[str, Any]) -> dict[str, Any]:
    """SolaraViz's ``model_params``: the scenario file, the frame length, the page's
    ``settings`` (which :func:`ControlPanel` edits: Mesa's Reset hands the very mapping
    to the next model) and the seed, the one input in Mesa's own sidebar (a choice, so
    its value shows)."""
    seed = int(load_scenario(path).seed)
    return {
        "scenario_file": path,
        "step_s": DEFAULT_STEP_S,
        "settings": settings,
        "seed": {
            "type": "Select",
            "value": seed,
            "values": list(range(max(100, seed + 1))),
            "label": "Seed",
        },
    }


def legend_html(items: Sequence[tuple[str, str, str]]) -> str:
    """A legend as HTML: each (symbol, colour, label) a coloured symbol and its label."""
    return "".join(
        f'<span class="item"><span style="color:{html.escape(colour)}">{html.escape(symbol)}'
        f"</span> {html.escape(label)}</span>"
        for symbol, colour, label in items
    )


@solara.component
def DistrictMap(model: ExplorerModel) -> None:
    """The district now: signals, queues, vehicles, pedestrians, snow, sensors."""
    frame = update_counter.get()
    solara.Style(CSS)
    solara.Title(TITLE)
    image, counts = solara.use_memo(lambda: district_png(model), [model, frame])
    with solara.Card("District map", classes=["twin-map"]):
        clock = hh_mm(model.spec.demand.start_hour + model.env.now / 3600.0)
        solara.Text(
            f"frame {model.steps} · {clock} ({format_duration(model.env.now)} simulated) · "
            f"{model.spec.name}: vehicles {model.traffic.active} (queued {counts['queued']}), "
            f"walking {counts['walking']}, at curbs {counts['waiting']}",
            classes=["twin-frame"],
        )
        solara.Image(image, width="100%")
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(legend_items(model)),
                    classes=["twin-legend"])  # fmt: skip
        solara.Text(
            " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items()),
            classes=["twin-map-counts"],
        )


def _costs_component(history: RunHistory) -> Callable[[ExplorerModel], Any]:
    @solara.component
    def CostsPanel(model: ExplorerModel) -> None:
        """What the run so far has cost, against the run before at the same time."""
        update_counter.get()
        history.see(model)
        rows = cost_rows(model, history)
        head = "<tr><th>cost so far</th><th>this run</th><th>run before, same time</th>"
        head += "<th>change</th></tr>"
        body = ""
        for row in rows:
            tone = {True: "worse", False: "better", None: ""}[row.worse]
            body += (
                f'<tr data-cost="{row.key}"><td>{html.escape(row.label.text)}</td>'
                f'<td class="now">{html.escape(row.label.number(row.now))}</td>'
                f"<td>{html.escape(row.label.number(row.before))}</td>"
                f'<td class="{tone}">{html.escape(row.change)}</td></tr>'
            )
        said = changes(model, history)
        with solara.Card("What this run costs", classes=["twin-costs"]):
            solara.HTML(tag="div", unsafe_innerHTML=f"<table>{head}{body}</table>")
            solara.Text(
                "Changed since the run before: " + "; ".join(said)
                if said
                else "Change a control, press Reset, then Step: each cost is shown against "
                "the run before at the same time.",
                classes=["twin-caption", "twin-costs-changed"],
            )

    return CostsPanel


def _chart_component(family: str, title: str) -> Any:
    @solara.component
    def Chart(model: ExplorerModel) -> None:
        frame = update_counter.get()
        drawn = solara.use_memo(lambda: chart_png(model, family), [model, frame])
        if drawn is None:
            return
        image, legend = drawn
        with solara.Card(title, classes=[f"twin-chart-{family}"]):
            solara.Image(image, width="100%")
            solara.HTML(tag="div", unsafe_innerHTML=legend_html(legend), classes=["twin-legend"])
            if family in CAPTIONS:
                solara.Text(CAPTIONS[family], classes=["twin-caption"])

    Chart.__name__ = f"{family.capitalize()}Chart"
    return Chart


@solara.component
def ControlInput(control: Control, settings: dict[str, Any]) -> None:
    """One control's input, its value in its label; a change is kept in ``settings`` for
    the next Reset."""
    value = solara.use_reactive(settings[control.name])

    def change(new: Any) -> None:
        settings[control.name] = new
        value.set(new)

    if control.widget == "Checkbox":
        solara.Checkbox(label=control.label, value=value.value, on_value=change)
    elif control.widget == "SliderInt":
        solara.SliderInt(
            f"{control.label}: {value.value}",
            value=value.value,
            on_value=change,
            min=int(control.low),
            max=int(control.high),
            step=int(control.step),
        )
    elif control.widget == "SliderFloat":
        solara.SliderFloat(
            f"{control.label}: {value.value:g}",
            value=value.value,
            on_value=change,
            min=control.low,
            max=control.high,
            step=control.step,
        )
    else:
        values = control_choices(control, settings[control.name])
        solara.Select(control.label, value=value.value, values=values, on_value=change)


@solara.component
def ControlPanel(model: ExplorerModel) -> None:
    """Each control with, beside it, what the policy does, what it costs and the value
    of the run on the map."""
    with solara.Card("Policies and district: what each does and costs", classes=["twin-guide"]):
        solara.Text(
            "Change a control, then Reset (in the sidebar) to build the district with it; "
            f"Step advances {model.step_s / 60:.0f} simulated minutes, Play keeps stepping.",
            classes=["twin-caption"],
        )
        for control in available_controls():
            with solara.Row(classes=["twin-control"], style={"align-items": "center"}):
                with solara.Column(classes=["twin-control-input"]):
                    ControlInput(control, model.settings)
                solara.Text(control.help + _this_run(model, control), classes=["twin-control-help"])


def _this_run(model: ExplorerModel, control: Control) -> str:
    """`` (this run: VALUE)``: the control's value in the district on the map (the demand
    factor is not a scenario value, so it has none)."""
    if control.name == "demand":
        return ""
    now = model.spec.city.rows if control.name == "size" else scenario_value(model.spec, control)
    if isinstance(now, bool):
        now = "on" if now else "off"
    return f" (this run: {now})"


@solara.component
def AttackPanel(model: ExplorerModel) -> None:
    """Launch an attack now from a chosen entry point."""
    entries = solara.use_memo(lambda: model.attack_entries, [model])
    entry = solara.use_reactive(entries[0])
    message = solara.use_reactive("")

    def attack() -> None:
        try:
            model.launch_attack(entry.value)
        except TwinError as error:
            message.set(str(error))
            return
        down = sorted(compromised(model))
        message.set(f"compromised now: {', '.join(down) if down else 'nothing yet'}")
        update_counter.value += 1

    with solara.Card("Attack", classes=["twin-attack"]):
        solara.Select("Entry point", values=entries, value=entry)
        solara.Button("Attack now", on_click=attack, color="error", classes=["twin-attack-now"])
        solara.Text(
            "Takes the chosen entry over now; the map marks what it brings down and the "
            "costs panel counts it.",
            classes=["twin-caption"],
        )
        if message.value:
            solara.Text(message.value, classes=["twin-attack-result"])


def components(model: ExplorerModel, history: RunHistory | None = None) -> list[Any]:
    """The panels to show: the map beside what the run costs, the controls across the
    page, then a chart per family the model reports and the attack panel."""
    reported = series(model)
    charts = [
        _chart_component(family, title) for family, title, _ in FAMILIES if family in reported
    ]
    costs = _costs_component(history or RunHistory())
    return [DistrictMap, costs, ControlPanel, *charts, AttackPanel]


@solara.component
def Page() -> None:
    """One explorer per browser session."""
    path = scenario_file()
    settings = solara.use_memo(lambda: initial_values(path), [])
    model = solara.use_memo(lambda: ExplorerModel(scenario_file=path, settings=settings), [])
    history = solara.use_memo(RunHistory, [])
    params = solara.use_memo(lambda: model_params(path, settings), [])
    shown = solara.use_memo(lambda: components(model, history), [])
    SolaraViz(model, components=shown, model_params=params, name=TITLE)
