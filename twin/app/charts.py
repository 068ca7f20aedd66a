"""Live charts of the explorer: one panel per outcome family the model reports.

Series are the model's DataCollector reporters read at every frame (the
collector itself samples every five simulated minutes). The families are read
from the reporters' names, so a privacy
or security panel appears as soon as the model reports such a series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from twin.app.adapter import ExplorerModel

#: (family, title, key prefixes that belong to it)
FAMILIES = (
    ("efficiency", "Efficiency: who is moving, who is waiting", ()),
    ("privacy", "Privacy exposure", ("privacy_", "exposure_", "records_")),
    ("security", "Security: blast radius", ("security_", "compromised_", "blast_")),
)
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
    "compromised_components": "components out of order (attacks)",
}
#: One line under a family's chart: what it counts.
CAPTIONS = {
    "privacy": "Live sensors only (crossing assist, heating cameras); observations made "
    "from the run's tables after the run (traffic monitoring) count in metrics.json. "
    "Consent, anonymisation and retention decide what is kept.",
    "security": "Components an attack has taken down, and what they reach.",
}


def family_of(key: str) -> str:
    """The outcome family a reporter belongs to (efficiency unless its prefix says otherwise)."""
    for family, _, prefixes in FAMILIES[1:]:
        if key.startswith(prefixes):
            return family
    return "efficiency"


def series(model: ExplorerModel) -> dict[str, dict[str, list[float]]]:
    """Reported series by family: {family: {key: values}}, families with data only."""
    variables = model.frames
    out: dict[str, dict[str, list[float]]] = {}
    for key, values in variables.items():
        if key == "time_s":
            continue
        out.setdefault(family_of(key), {})[key] = [float(v) for v in values]
    return out


#: Series that are levels, not counts (drawn on their own axes below the counts).
LEVEL_SUFFIXES = ("_cm", "_share")


def family_figure(model: ExplorerModel, family: str) -> Figure | None:
    """Chart of one family against simulated minutes, or None if the model reports none.

    Counts and levels (snow depth in cm, shares) get separate axes, so a few
    centimetres of snow are not flattened against hundreds of pedestrians.
    """
    data = series(model).get(family)
    if not data:
        return None
    title = next(title for name, title, _ in FAMILIES if name == family)
    minutes = [t / 60.0 for t in model.frames["time_s"]]
    counts = {k: v for k, v in data.items() if not k.endswith(LEVEL_SUFFIXES)}
    levels = {k: v for k, v in data.items() if k.endswith(LEVEL_SUFFIXES)}
    groups = [group for group in (counts, levels) if group]
    figure = Figure(figsize=(6.4, 3.2 if len(groups) == 1 else 5.0), dpi=100)
    axes = figure.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    for ax, group in zip(axes, groups, strict=True):
        for index, (key, values) in enumerate(group.items()):
            # the first line is drawn wider underneath: equal series stay visible
            ax.plot(
                minutes,
                values,
                marker="o",
                ms=2.5,
                lw=3.2 if index == 0 and len(group) > 1 else 1.4,
                alpha=0.6 if index == 0 and len(group) > 1 else 1.0,
                label=LABELS.get(key, key),
            )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_title(title, fontsize=10)
    axes[-1].set_xlabel("simulated minutes")
    figure.tight_layout()
    return figure
