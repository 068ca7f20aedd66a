"""The explorer page: Mesa's SolaraViz with the district map, live charts and controls.

Run by ``twin explore`` (``solara run twin.app.page``); the scenario file comes in
the ``TWIN_EXPLORE_SCENARIO`` environment variable.
"""

from __future__ import annotations

import html
import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from twin.app.adapter import DEFAULT_SCENARIO, DEFAULT_STEP_S, ExplorerModel, initial_values
from twin.app.charts import CAPTIONS, FAMILIES, family_figure, series
from twin.app.controls import (
    available_controls,
    control_choices,
    scenario_value,
    security_available,
)
from twin.app.drawing import compromised, district_figure
from twin.durations import format_duration
from twin.errors import TwinError

SCENARIO_ENV = "TWIN_EXPLORE_SCENARIO"
#: Panels flow two per row at their natural height (Mesa's draggable grid gives each a
#: fixed height, and the map and charts overflow it).
CSS = """
.vue-grid-layout { height: auto !important; display: flex; flex-wrap: wrap; gap: 16px; }
.vue-grid-item { position: relative !important; transform: none !important;
  left: auto !important; top: auto !important; height: auto !important;
  width: calc(50% - 16px) !important; min-width: 420px; }
.vue-grid-item img { max-width: 100%; height: auto; }
.twin-guide li { margin-bottom: 6px; }
.twin-caption { font-size: 12px; color: #555; }
"""


def scenario_file() -> str:
    """The scenario the explorer opens."""
    return os.environ.get(SCENARIO_ENV) or str(DEFAULT_SCENARIO)


def model_params(path: str) -> dict[str, Any]:
    """SolaraViz's ``model_params``: one input per control the schema has, plus fixed values."""
    values = initial_values(path)
    params: dict[str, Any] = {"scenario_file": path, "step_s": DEFAULT_STEP_S}
    for control in available_controls():
        spec: dict[str, Any] = {
            "type": control.widget,
            "value": values[control.name],
            "label": control.label,
        }
        if control.widget == "Select":
            spec["values"] = control_choices(control, values[control.name])
        elif control.widget.startswith("Slider"):
            spec.update(min=control.low, max=control.high, step=control.step)
            if control.widget == "SliderInt":
                spec.update(min=int(control.low), max=int(control.high), step=int(control.step))
        params[control.name] = spec
    return params


@solara.component
def DistrictMap(model: ExplorerModel) -> None:
    """The district now: signals, queues, vehicles, pedestrians, snow, sensors."""
    update_counter.get()
    solara.Style(CSS)
    figure, counts = district_figure(model)
    with solara.Card("District map", classes=["twin-map"]):
        solara.Text(
            f"frame {model.steps} · {format_duration(model.env.now)} simulated",
            classes=["twin-frame"],
        )
        solara.FigureMatplotlib(figure, format="png")
        solara.Text(
            " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items()),
            classes=["twin-map-counts"],
        )


def _chart_component(family: str, title: str) -> Any:
    @solara.component
    def Chart(model: ExplorerModel) -> None:
        update_counter.get()
        figure = family_figure(model, family)
        if figure is None:
            return
        with solara.Card(title, classes=[f"twin-chart-{family}"]):
            solara.FigureMatplotlib(figure, format="png")
            if family in CAPTIONS:
                solara.Text(CAPTIONS[family], classes=["twin-caption"])

    Chart.__name__ = f"{family.capitalize()}Chart"
    return Chart


@solara.component
def ControlGuide(model: ExplorerModel) -> None:
    """What each control does and what it costs."""
    now = {
        control.name: model.grid.rows
        if control.name == "size"
        else scenario_value(model.spec, control)
        for control in available_controls()
        if control.name != "demand"
    }
    items = [
        f"<li><b>{html.escape(control.label)}</b>"
        + (f" (this run: {html.escape(str(now[control.name]))})" if control.name in now else "")
        + f": {html.escape(control.help)}</li>"
        for control in available_controls()
    ]
    items.append(
        "<li><b>Reset</b> applies the controls to a new district; <b>Step</b> advances "
        f"{model.step_s / 60:.0f} simulated minutes; <b>Play</b> keeps stepping.</li>"
    )
    with solara.Card("What the controls do, and what they cost", classes=["twin-guide"]):
        # plain HTML: solara's Markdown fetches KaTeX from a CDN, unreachable offline
        solara.HTML(tag="ul", unsafe_innerHTML="".join(items))


def attack_entries(model: ExplorerModel) -> list[str]:
    """Where an attack can start (the security layer's ``attack_entries``), or none."""
    entries = getattr(model, "attack_entries", None)
    if callable(entries):
        entries = entries()
    try:
        return [str(entry) for entry in entries or ()]
    except TypeError:
        return []


@solara.component
def AttackPanel(model: ExplorerModel) -> None:
    """Launch an attack now from a chosen entry (shown when the schema has ``security``)."""
    update_counter.get()
    launch = getattr(model, "launch_attack", None)
    entries = attack_entries(model)
    entry = solara.use_reactive(entries[0] if entries else "")
    message = solara.use_reactive("")

    def attack() -> None:
        if launch is None:
            return
        try:
            launch(entry.value)
        except TwinError as error:
            message.set(str(error))
            return
        down = sorted(compromised(model))
        message.set(f"compromised now: {', '.join(down) if down else 'nothing yet'}")
        update_counter.value += 1

    with solara.Card("Attack", classes=["twin-attack"]):
        if launch is None or not entries:
            solara.Text("This model cannot launch attacks yet (no attack entries).")
            return
        solara.Select("Entry point", values=entries, value=entry)
        solara.Button("Attack now", on_click=attack, color="error", classes=["twin-attack-now"])
        solara.Text(
            "Takes the chosen entry over now; the map marks what it brings down.",
            classes=["twin-caption"],
        )
        if message.value:
            solara.Text(message.value, classes=["twin-attack-result"])


def components(model: ExplorerModel) -> list[Any]:
    """The panels to show: map, a chart per family the model reports, guide, attack."""
    shown: list[Any] = [DistrictMap]
    reported = series(model)
    for family, title, _ in FAMILIES:
        if family == "efficiency" or family in reported:
            shown.append(_chart_component(family, title))
    shown.append(ControlGuide)
    if security_available():
        shown.append(AttackPanel)
    return shown


@solara.component
def Page() -> None:
    """One explorer per browser session."""
    path = scenario_file()
    model = solara.use_memo(lambda: ExplorerModel(scenario_file=path), [])
    params = solara.use_memo(lambda: model_params(path), [])
    shown = solara.use_memo(lambda: components(model), [])
    SolaraViz(model, components=shown, model_params=params, name="Smart-city twin explorer")
