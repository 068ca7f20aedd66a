"""What a council reads off ``twin compare``: every policy's marker drawn, no two labels on
top of each other, intervals within a metric's range, ties marked the same, compact
tables and a report that says shared facts once.

The image checks read the figures as saved: label boxes from the renderer, markers as
pixels of their colour at their place.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import metrics.tradeoff_plots as tradeoff_plots
from twin.sweep import ResultsDB, RunRow
from twin.sweep.ranking import ranked_rows, ranking_markdown, tied_front
from twin.sweep.report import write_sweep_report
from twin.sweep.table import load_table
from twin.sweep.tradeoffs import compare_sweep

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ("siloed", "federated", "integrated")
RETENTION = ({"direct": "10min", "persistent": "10min"}, {"direct": "31d", "persistent": "31d"})
ASSIST = ("push_button", "opt_in_app", "camera_ai", "radar")
SENSOR = {"observes": "nobody", "identifiability": "anonymous", "system": "signal_controllers"}


def bundled_like_db(path: Path, replications: int = 3) -> Path:
    """The bundled policy sweep's shape with made-up numbers and its coincidences:
    retention changes nothing but exposure; siloed and federated share the delay; the
    attack reaches siloed and federated alike; every policy deploys one shared sensor
    and one of its crossing-assist method."""
    delay = {"push_button": 94.0, "opt_in_app": 88.0, "camera_ai": 97.0, "radar": 77.0}
    exposed = {"push_button": 0.0, "opt_in_app": 0.055, "camera_ai": 0.19, "radar": 0.0}
    stolen = {"push_button": 0.0, "opt_in_app": 30.0, "camera_ai": 300.0, "radar": 0.0}
    combos = list(itertools.product(INTEGRATION, RETENTION, ASSIST))
    with ResultsDB(path) as db:
        for combination, (integration, retention, assist) in enumerate(combos):
            for replication in range(replications):
                day = (-1.0, 0.3, 0.7, -0.2, 0.2)[replication]
                row = RunRow(
                    f"{combination}-{replication}", "bundled", "base", None, combination,
                    {"policy.integration": integration, "policy.retention": retention,
                     "services.crossing_assist": assist},
                    replication, replication, "ok", None, 0.0, 1.0, 1.0, "test",
                )  # fmt: skip
                integrated = integration == "integrated"
                kept = 3.6 if retention["direct"] == "31d" else 1.0
                values = {
                    "efficiency.pedestrian_delay_s_mean": delay[assist] * (0.6 if integrated else 1)
                    + 2 * day,
                    "privacy.persons_exposed_share": min(exposed[assist] * kept, 1.0),
                    "security.components_compromised_share.mean": (0.45 if integrated else 0.11)
                    + 0.02 * day,
                    # a count with one lucky day: its t-interval would go below zero
                    "security.persons_exfiltrated.mean": stolen[assist] * kept * integrated
                    * (replication == 0),
                }  # fmt: skip
                sensors = [
                    {"name": "pavement_sensors", "count": 12, **SENSOR},
                    {"name": f"{assist}_sensors", "count": 36, **SENSOR},
                ]
                db.record(row, values, sensors)
    return path


def compared(db: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Figure, list]]:
    """Run ``compare_sweep``, keeping each trade-off figure and the points it drew."""
    drawn: list[tuple[Figure, list]] = []
    real = tradeoff_plots.plot_tradeoff

    def keep(points, *args, **kwargs):  # type: ignore[no-untyped-def]
        figure = real(points, *args, **kwargs)
        drawn.append((figure, list(points)))
        return figure

    monkeypatch.setattr(tradeoff_plots, "plot_tradeoff", keep)
    compare_sweep(db, out)
    return drawn


def assert_readable(figure: Figure, policies: int) -> None:
    """No two labels overlap, each inside the axes; every policy's marker shows its colour
    at its place, apart from every other marker."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = figure.axes[0]
    inside = ax.get_window_extent(renderer)
    labels = [t for t in ax.texts if t.get_gid() == "label"]
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert labels
    for (a, text_a), (b, text_b) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        assert not a.overlaps(b), (text_a.get_text(), text_b.get_text())
    for box, text in zip(boxes, labels, strict=True):
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1, text.get_text()
        assert inside.y0 <= box.y0 and box.y1 <= inside.y1, text.get_text()
    markers = [line for line in ax.lines if str(line.get_gid()).startswith("policy:")]
    assert len(markers) == policies
    pixels = np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(float) / 255  # type: ignore[attr-defined]
    height = pixels.shape[0]
    centres = []
    for line in markers:
        (x, y) = line.get_transform().transform(line.get_xydata())[0]
        centres.append((x, y))
        row, col = round(height - y), round(x)
        patch = pixels[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
        colour = np.array(to_rgb(line.get_color()))
        assert (np.abs(patch - colour).max(axis=1) < 0.08).any(), line.get_gid()
    for (xa, ya), (xb, yb) in itertools.combinations(centres, 2):
        assert np.hypot(xa - xb, ya - yb) >= 8.0  # side by side, never on top of another


def test_the_bundled_sweeps_shape_draws_every_policy_and_no_label_on_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = bundled_like_db(tmp_path / "b.sqlite")
    drawn = compared(db, tmp_path / "cmp", monkeypatch)
    assert len(drawn) == 2  # privacy and security against delay
    for figure, points in drawn:
        assert_readable(figure, 24)
        # siloed and federated policies coincide on the security plot: each still drawn
        assert len({(p.x, p.y) for p in points}) < 24
    # a count's interval is kept at or above zero where it is drawn and written
    written = (tmp_path / "cmp" / "report.md").read_text()
    assert "(95 % interval -" not in written.split("## The choices in words")[1].split("##")[0]
    ranking = (tmp_path / "cmp" / "ranking.md").read_text()
    table = [line for line in ranking.splitlines() if line.startswith("| ")]
    assert len(table[0].split(" | ")) == 9  # rank, code, front, 3 x (value, vs reference)
    assert max(len(line.split(" | ")[1]) for line in table[1:25]) <= 12  # short codes
    assert "- services.crossing_assist: P push_button, O opt_in_app, C camera_ai, R radar" in (
        ranking
    )


def test_count_intervals_stay_at_or_above_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = bundled_like_db(tmp_path / "b.sqlite")
    with ResultsDB(db) as opened:
        table = load_table(opened)
    metric = "security.persons_exfiltrated.mean"
    lows = [p.interval(metric).low for p in table.policies]
    assert min(low for low in lows if low is not None) < 0  # the interval itself would
    pair = ("efficiency.pedestrian_delay_s_mean", metric)
    codes = table.codes()
    rows = ranked_rows(table, list(pair), table.policies[0], tied_front(table, *pair), pair, codes)
    text = ranking_markdown(table, list(pair), rows, codes, table.policies[0])
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")][1:25]
    stolen = [row[5] for row in rows]  # "mean (low to high)"
    assert all(not cell.split("(")[1].startswith("-") for cell in stolen if "(" in cell)
    cut = [cell for cell in stolen if "(0 to " in cell and not cell.endswith("(0 to 0)")]
    assert cut, stolen  # intervals cut at zero ...
    assert all("." not in cell for cell in stolen)  # ... and residents in whole numbers


def test_tied_policies_are_on_the_front_together(tmp_path: Path) -> None:
    db = bundled_like_db(tmp_path / "b.sqlite")
    with ResultsDB(db) as opened:
        table = load_table(opened)
    # nudge one of two equal policies by a rounding error (sums in another order)
    twin = next(p for p in table.policies if p.params["services.crossing_assist"] == "radar")
    values = twin.values["efficiency.pedestrian_delay_s_mean"]
    for replication in values:
        values[replication] += 1e-12
    front = tied_front(
        table, "efficiency.pedestrian_delay_s_mean", "security.components_compromised_share.mean"
    )
    marks: dict[tuple[float, float], set[bool]] = {}
    for policy, on_front in zip(table.policies, front, strict=True):
        place = (
            round(policy.interval("efficiency.pedestrian_delay_s_mean").mean or 0, 6),
            round(policy.interval("security.components_compromised_share.mean").mean or 0, 6),
        )
        marks.setdefault(place, set()).add(bool(on_front))
    assert all(len(seen) == 1 for seen in marks.values())  # one mark per place
    assert any(True in seen for seen in marks.values())


def test_the_sweep_report_says_shared_sensors_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = bundled_like_db(tmp_path / "b.sqlite")
    with ResultsDB(db) as opened:
        table = load_table(opened)
        sensors = opened.sensors(table.sweep)
    pair = ("efficiency.pedestrian_delay_s_mean", "privacy.persons_exposed_share")
    out = tmp_path / "cmp"
    out.mkdir()
    write_sweep_report(out, table, table.policies[0], [("plot.png", *pair)], sensors)
    report = (out / "report.md").read_text()
    assert report.count("12 pavement sensors") == 1  # every policy's: said once
    section = report.split("## What each policy collects")[1].split("## ")[0]
    assert "- With services.crossing_assist radar: 36 radar sensors" in section
    assert section.count("36 radar sensors") == 1  # not once per policy with radar
