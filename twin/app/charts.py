"""Live charts of the explorer: who is moving and waiting, and the live privacy
indicators, against the clock.

Series are the model's DataCollector reporters read at every frame; the outcomes so
far (``*_so_far``, ``components_down``) are the costs panel's, not charted. A chart per
model and family keeps its figure: a frame moves the lines and rescales the axes (the
legend is the page's, not redrawn each frame).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from metrics.plots import hh_mm
from twin.app.drawing import figure_png

if TYPE_CHECKING:
    from matplotlib.lines import Line2D

    from twin.app.adapter import ExplorerModel

#: (family, title, key prefixes that belong to it)
FAMILIES = (
    ("efficiency", "Who is moving, who is waiting", ()),
    ("privacy", "Privacy exposure, live", ("privacy_", "exposure_", "records_")),
)
#: Reporters not charted: the costs panel shows the outcomes so far; time is the x axis.
NOT_CHARTED = ("time_s", "components_down")
LABELS = {
    "vehicles_in_network": "vehicles in the network",
    "vehicles_queued": "vehicles queued at stop lines",
    "pedestrians_walking": "pedestrians walking",
    "pedestrians_at_curb": "pedestrians waiting at curbs",
    "ambulances_out": "ambulances out",
    "snow_depth_unheated_cm": "snow, unheated sidewalks (cm)",
    "snow_depth_heated_cm": "snow, heated sidewalks (cm)",
    "heating_on_share": "heating on (share)",
    "vehicles_waiting_to_enter": "vehicles waiting to enter",
    "privacy_people_identified": "people a sensor identified so far",
    "privacy_records_held": "person-level records kept now (policy applied)",
    "privacy_people_in_records": "people in the records kept now",
}
#: One line under a family's chart: what it counts.
CAPTIONS = {
    "privacy": "Live sensors only (crossing assist, heating cameras); observations made "
    "from the run's tables after the run (traffic monitoring) count in metrics.json. "
    "Consent, anonymisation and retention decide what is kept.",
}
#: Series that are levels, not counts (drawn on their own axes below the counts).
LEVEL_SUFFIXES = ("_cm", "_share")


def family_of(key: str) -> str:
    """The outcome family a reporter belongs to (efficiency unless its prefix says otherwise)."""
    for family, _, prefixes in FAMILIES[1:]:
        if key.startswith(prefixes):
            return family
    return "efficiency"


def series(model: ExplorerModel) -> dict[str, dict[str, list[float]]]:
    """Charted series by family: {family: {key: values}}, families with data only."""
    out: dict[str, dict[str, list[float]]] = {}
    for key, values in model.frames.items():
        if key in NOT_CHARTED or key.endswith("_so_far"):
            continue
        out.setdefault(family_of(key), {})[key] = [float(v) for v in values]
    return out


class ChartPainter:
    """One family's chart of one model, in a figure kept between frames."""

    def __init__(self, model: ExplorerModel, family: str, keys: list[str]) -> None:
        self.model, self.family, self.keys = model, family, keys
        counts = [k for k in keys if not k.endswith(LEVEL_SUFFIXES)]
        levels = [k for k in keys if k.endswith(LEVEL_SUFFIXES)]
        groups = [group for group in (counts, levels) if group]
        self.figure = Figure(figsize=(6.4, 2.8 if len(groups) == 1 else 4.4), dpi=100)
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
        self.axes = list(axes)
        colours = colormaps["tab10"]
        self.colours: dict[str, str] = {}
        self.lines: dict[str, Line2D] = {}
        for ax, group in zip(axes, groups, strict=True):
            for key in group:
                colour = colours(len(self.colours) % 10)
                self.colours[key] = _hex(colour)
                # the first line wider underneath: equal series stay visible
                first = key == group[0] and len(group) > 1
                (self.lines[key],) = ax.plot([], [], lw=3.2 if first else 1.4,
                                             alpha=0.6 if first else 1.0, color=colour)  # fmt: skip
            ax.grid(alpha=0.3)
            ax.yaxis.set_major_locator(MaxNLocator(4, integer=ax is axes[0] and bool(counts)))
            ax.tick_params(labelsize=8)
        axes[-1].xaxis.set_major_locator(MaxNLocator(5))
        axes[-1].xaxis.set_major_formatter(FuncFormatter(hh_mm))  # clock time (the caption)
        self.figure.subplots_adjust(left=0.09, right=0.98, top=0.96, bottom=0.1, hspace=0.15)

    def png(self) -> bytes:
        """The chart with every frame so far, as PNG."""
        model = self.model
        start = model.spec.demand.start_hour
        hours = start + np.asarray(model.frames["time_s"], dtype=float) / 3600.0
        for key, line in self.lines.items():
            line.set_data(hours, np.asarray(model.frames.get(key, []), dtype=float))
        for ax in self.axes:
            ax.relim()
            ax.set_autoscaley_on(True)  # set_ylim below turns it off: scale every frame anew
            ax.autoscale_view()
            low, high = ax.get_ylim()
            ax.set_ylim(min(low, 0.0), max(high, 1.0))
        right = float(hours[-1]) if len(hours) else start
        self.axes[-1].set_xlim(start, max(right, start + 0.25))
        return figure_png(self.canvas)

    def legend(self) -> list[tuple[str, str, str]]:
        """(symbol, colour, label) per line, for the page's legend."""
        return [("━", self.colours[key], LABELS.get(key, key)) for key in self.lines]


_CHARTS: weakref.WeakKeyDictionary[ExplorerModel, dict[str, ChartPainter]] = (
    weakref.WeakKeyDictionary()
)


def chart_png(model: ExplorerModel, family: str) -> tuple[bytes, list[tuple[str, str, str]]] | None:
    """One family's chart of ``model`` now as PNG, with its legend; None if the model
    reports nothing of that family."""
    data = series(model).get(family)
    if not data:
        return None
    charts = _CHARTS.setdefault(model, {})
    painter = charts.get(family)
    if painter is None or painter.keys != list(data):
        painter = charts[family] = ChartPainter(model, family, list(data))
    return painter.png(), painter.legend()


def family_figure(model: ExplorerModel, family: str) -> Figure | None:
    """A new figure of one family's chart now (None if the model reports none of it)."""
    data = series(model).get(family)
    if not data:
        return None
    painter = ChartPainter(model, family, list(data))
    painter.png()
    return painter.figure


def _hex(colour: tuple[float, ...]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in colour[:3])
