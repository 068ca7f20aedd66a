"""Every plot of a run names its scenario and reads time as a clock (HH:MM), and the
report embeds them: checked on the figures as they are saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from twin.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: Plots with a time axis (x) and how their time labels read.
CLOCK = re.compile(r"^(\+\d+d )?\d\d:\d\d(:\d\d)?$")
TIME_AXES = {
    "delay_over_time.png",
    "privacy_exposure.png",
    "attack_timeline.png",
    "heating_timeline.png",
    "ambulance_responses.png",
    "crossing_timeline.png",
}


@pytest.mark.slow  # nine plots: about 3 s
def test_every_plot_names_its_scenario_and_reads_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: dict[str, Figure] = {}
    real = Figure.savefig

    def keep(figure: Figure, path: object, *args: object, **kwargs: object) -> None:
        name = Path(str(path)).name.removeprefix(".").replace(".tmp.png", "")
        saved[name] = figure
        real(figure, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    out = tmp_path / "run"
    scenario = ROOT / "scenarios" / "integrated_city_brain.yaml"
    argv = ["run", str(scenario), "--out", str(out), "--quiet"]
    for change in (
        "duration=20min", "warmup=0s", "city.rows=1", "city.cols=2",
        "population.residents=200", "demand.vehicles_per_hour=600",
        "demand.pedestrians_per_hour=600", "emergency.incidents_per_hour=20",
        "security.attack_replications=2",
        "attacks=[{at: 5min, entry: crossing_cameras, duration: 5min}]",
    ):  # fmt: skip
        argv += ["--set", change]
    assert main(argv) == 0
    plots = sorted(path.name for path in (out / "plots").glob("*.png"))
    assert set(plots) >= TIME_AXES | {"component_graph.png", "snow_depth_maps.png"}
    for name in plots:
        figure = saved[f"{name}"] if name in saved else saved[f"{name}.png"]
        figure.canvas.draw()
        titles = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
        assert any("integrated_city_brain" in title for title in titles), name
        if name in TIME_AXES:
            bottom = [ax for ax in figure.axes if ax.get_visible()][-1]  # the clock axis
            ticks = [label.get_text() for label in bottom.get_xticklabels() if label.get_text()]
            assert ticks and all(CLOCK.match(tick) for tick in ticks), (name, ticks)
    # the report shows each plot: embedded in report.html, linked from report.md
    page = (out / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == len(plots)
    text = (out / "report.md").read_text()
    assert all(f"(plots/{name})" in text for name in plots)
