"""The explorer's model side: controls from the schema, agents placed on the map, the CLI.

These run without a browser; tests/test_explorer_browser.py drives the page itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from twin.app.adapter import PRIVACY_SERIES, ExplorerModel, Move, build_scenario, initial_values
from twin.app.charts import _CHARTS, chart_png, family_figure, family_of, series
from twin.app.controls import (
    all_controls,
    available_controls,
    choices,
    control_choices,
    schema_has,
)
from twin.app.drawing import compromised, detection_positions, district_figure
from twin.cli import main
from twin.errors import TwinError
from twin.scenario import load_scenario, scenario_to_yaml
from twin.simulation.model import CityModel

pytestmark = pytest.mark.xdist_group("explorer")  # one worker serves the explorer at a time

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
EXPLORE = [sys.executable, "-m", "twin.cli", "explore"]


def small_file(tmp_path: Path, *overrides: str) -> str:
    """A 3x3 baseline district for an hour, written as a scenario file."""
    scenario = load_scenario(
        BASELINE, ["city.rows=3", "city.cols=3", "duration=1h", "warmup=0s", *overrides]
    )
    path = tmp_path / f"small-{len(list(tmp_path.glob('small-*.yaml')))}.yaml"
    path.write_text(scenario_to_yaml(scenario))
    return str(path)


# -- controls ---------------------------------------------------------------


def test_controls_follow_the_schema() -> None:
    assert schema_has("services.crossing_assist")
    assert schema_has("policy.consent.opt_in_rate")
    assert not schema_has("policy.no_such_key")
    assert not schema_has("city.rows.deeper")
    shown = {control.name for control in available_controls()}
    for control in all_controls():
        assert (control.name in shown) == schema_has(control.path), control.name
    # what exists today is shown, the data policy included
    assert {
        "crossing_assist",
        "preemption",
        "heating",
        "consent_rate",
        "integration",
        "retention_direct",
        "retention_persistent",
        "retention_pseudonymous",
        "retention_aggregate",
        "anonymisation",
        "size",
        "demand",
    } <= shown
    for control in all_controls():  # one or two sentences each: what it does, what it costs
        assert 60 <= len(control.help) <= 330 and control.help.count(".") <= 3, control.name


def test_choices_come_from_the_schema() -> None:
    assert choices("services.crossing_assist") == [
        "none",
        "push_button",
        "opt_in_app",
        "camera_ai",
        "radar",
    ]
    assert "occupancy_camera" in choices("services.sidewalk_heating.activation")
    assert choices("policy.no_such_key") == []
    assert choices("policy.integration") == ["siloed", "federated", "integrated"]
    assert choices("policy.anonymisation") == ["raw", "pseudonymise", "aggregate"]
    retention = next(c for c in all_controls() if c.name == "retention_direct")
    assert control_choices(retention)[-1] == "forever"
    assert control_choices(retention, "90d")[-1] == "90d"  # the file's own value is offered


def test_retention_shows_as_a_duration() -> None:
    base = load_scenario(BASELINE)
    values = initial_values(BASELINE)
    assert values["retention_direct"] == "31d"  # 31 days, the scenario default
    assert values["retention_aggregate"] == "forever"
    assert values["integration"] == base.policy.integration


def test_controls_set_the_scenario() -> None:
    base = load_scenario(BASELINE)
    scenario = build_scenario(
        BASELINE,
        {
            "size": 2,
            "demand": 2.0,
            "crossing_assist": "camera_ai",
            "preemption": True,
            "consent_rate": 0.4,
            "integration": "integrated",
            "anonymisation": "pseudonymise",
            "retention_direct": "7d",
            "retention_persistent": "0s",
            "retention_aggregate": "forever",
        },
    )
    assert (scenario.city.rows, scenario.city.cols) == (2, 2)
    assert scenario.demand.vehicles_per_hour == 2 * base.demand.vehicles_per_hour
    assert scenario.demand.pedestrians_per_hour == 2 * base.demand.pedestrians_per_hour
    assert scenario.services.crossing_assist == "camera_ai"
    assert scenario.services.preemption == "local"
    assert scenario.policy.consent.opt_in_rate == 0.4
    assert scenario.policy.integration == "integrated"
    assert scenario.policy.anonymisation == "pseudonymise"
    assert scenario.policy.retention.direct == 7 * 86400.0
    assert scenario.policy.retention.persistent == 0.0
    assert scenario.policy.retention.aggregate == "forever"
    # the explorer counts from its first frame: no warm-up, nothing else changed
    assert build_scenario(BASELINE, {}) == base.with_changes({"warmup": 0})
    with pytest.raises(TwinError, match="unknown control 'bogus'"):
        build_scenario(BASELINE, {"bogus": 1})


# -- where agents are --------------------------------------------------------


def test_move_interpolates_along_the_polyline() -> None:
    move = Move(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), 0.0, 10.0)
    assert move.at(5.0) == pytest.approx((1.0, 0.0))
    assert move.at(7.5) == pytest.approx((1.0, 0.5))
    assert move.at(2.5) == pytest.approx((0.5, 0.0))
    assert move.at(-3.0) == pytest.approx((0.0, 0.0))
    assert move.at(99.0) == pytest.approx((1.0, 1.0))


def test_watching_does_not_change_the_run(tmp_path: Path) -> None:
    path = small_file(
        tmp_path, "services.crossing_assist=camera_ai", "emergency.incidents_per_hour=4"
    )
    explored = ExplorerModel(scenario_file=path, step_s=110.0)
    assert explored in explored.traffic.watchers and explored in explored.walking.watchers
    while explored.running:
        explored.step()
    plain = CityModel(load_scenario(path))
    plain.run_to_end()
    stepped = CityModel(load_scenario(path), step_s=110.0)  # same frames, nobody watching
    while stepped.running:
        stepped.step()
    for log in ("traffic", "walking", "sensing"):
        mine, theirs = getattr(explored, log).log.arrays(), getattr(plain, log).log.arrays()
        assert len(mine["time_s" if log == "sensing" else "start_s"]) > 50, log
        for column, values in theirs.items():
            np.testing.assert_array_equal(mine[column], values, err_msg=f"{log}.{column}")
    assert explored.has_ambulances and plain.services["emergency"].station.calls > 0
    np.testing.assert_array_equal(
        explored.services["emergency"].station.log.arrays()["arrive_s"],
        plain.services["emergency"].station.log.arrays()["arrive_s"],
    )
    assert explored.datacollector.model_vars == stepped.datacollector.model_vars


class Recorder:
    """A watcher of every agent hook, checking what each call promises."""

    def __init__(self, model: CityModel) -> None:
        self.model = model
        self.calls: dict[str, int] = {}
        self.moving: set[int] = set()

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def vehicle_moving(self, trip, route, index, leave_s, arrive_s) -> None:  # type: ignore[no-untyped-def]
        now = self.model.env.now
        assert 0 <= index <= len(route) and leave_s >= now - 1e-9
        link_s = route.stops[index].travel_s if index < len(route) else route.exit_s
        assert arrive_s - leave_s == pytest.approx(link_s)
        self._count("vehicle_moving")

    def vehicle_waiting(self, trip: int) -> None:
        self._count("vehicle_waiting")

    def vehicle_done(self, trip: int) -> None:
        self._count("vehicle_done")

    def walker_moving(self, trip, resident, legs, index, start_s, end_s) -> None:  # type: ignore[no-untyped-def]
        assert start_s == self.model.env.now and end_s >= start_s and index < len(legs)
        self.moving.add(trip)
        self._count("walker_moving")

    def walker_waiting(self, trip: int) -> None:
        assert trip in self.moving  # waits at a curb it walked to
        self._count("walker_waiting")

    def walker_done(self, trip: int) -> None:
        self._count("walker_done")

    def ambulance_driving(self, incident, route, lights) -> None:  # type: ignore[no-untyped-def]
        self._count("lights" if lights else "back")

    def ambulance_stopped(self, incident: int) -> None:
        self._count("stopped")


def test_agent_hooks_report_every_trip(tmp_path: Path) -> None:
    model = CityModel(
        load_scenario(
            # every driver at the limit, stopping and starting at once: a link takes
            # exactly its travel time
            small_file(
                tmp_path,
                "emergency.incidents_per_hour=6",
                "duration=90min",
                "city.speed_spread=0",
                "city.acceleration_mps2=null",
            )
        )
    )
    recorder = Recorder(model)
    station = model.services["emergency"].station
    model.traffic.watchers[:] = model.walking.watchers[:] = station.watchers[:] = [recorder]
    model.run_to_end()
    calls = recorder.calls
    finished = len(model.traffic.log)
    assert calls["vehicle_done"] == finished > 100
    # a vehicle moves onto its first link once admitted, then once per stop line it leaves
    passages = len(model.traffic.passages)
    assert calls["vehicle_moving"] == finished + model.traffic.inside + passages
    assert calls["walker_done"] == len(model.walking.log)
    assert calls["walker_waiting"] > 0
    assert calls["lights"] >= len(station.log) > 0
    driving_now = calls["lights"] + calls.get("back", 0) - calls["stopped"]
    assert 0 <= driving_now <= station.on_the_road  # out: turning out, driving or on scene


def test_a_kept_chart_rescales_to_every_frame(tmp_path: Path) -> None:
    """The chart drawn at the start (all zeros) is kept between frames; later frames
    with dozens of vehicles must still lie inside its axes, not above them."""
    model = ExplorerModel(scenario_file=small_file(tmp_path), step_s=110.0)
    chart_png(model, "efficiency")  # the first frame: nothing moves yet
    for _ in range(4):
        model.step()
    chart_png(model, "efficiency")
    top = max(max(values) for values in series(model)["efficiency"].values())
    assert top > 1
    (painter,) = [p for family, p in _CHARTS[model].items() if family == "efficiency"]
    assert all(ax.get_ylim()[1] >= top for ax in painter.axes)


def test_agents_are_where_the_model_says(tmp_path: Path) -> None:
    model = ExplorerModel(scenario_file=small_file(tmp_path), step_s=110.0)
    block = model.spec.city.block_length_m
    checked = 0
    for _ in range(12):
        model.step()
        vehicles = model.vehicle_positions()
        queued = sum(a.queue_length for i in model.streets.intersections for a in i.approaches)
        # every vehicle in the network is either driving or queued at a stop line
        # (vehicles waiting outside the district for room are not on the map)
        assert len(vehicles) + queued == model.traffic.inside
        # drivers keep to a street of the grid (4 m right of its centre line)
        off_street = np.minimum(
            np.abs(vehicles[:, 0] / block - np.round(vehicles[:, 0] / block)),
            np.abs(vehicles[:, 1] / block - np.round(vehicles[:, 1] / block)),
        )
        assert (off_street * block <= 4.0 + 1e-6).all()
        walkers, impaired = model.pedestrian_positions()
        waiting = sum(c.waiting for i in model.streets.intersections for c in i.crosswalks)
        assert len(walkers) + waiting == model.walking.active
        assert len(impaired) == len(walkers)
        # pedestrians stay on the sidewalks and crosswalks of the district (corners lie
        # 12 m from an intersection's centre)
        x0, y0, x1, y1 = model.graph.extent_m()
        assert (walkers[:, 0] >= x0 - 12.0).all() and (walkers[:, 0] <= x1 + 12.0).all()
        assert (walkers[:, 1] >= y0 - 12.0).all() and (walkers[:, 1] <= y1 + 12.0).all()
        checked += len(walkers) + len(vehicles)
    assert checked > 100


def test_the_map_draws_what_the_model_has(tmp_path: Path) -> None:
    path = small_file(tmp_path, "services.crossing_assist=camera_ai")
    model = ExplorerModel(scenario_file=path)
    figure, counts = district_figure(model)
    assert counts["walking"] == counts["vehicles_moving"] == 0  # nobody out at t = 0
    for _ in range(5):
        model.step()
    figure, counts = district_figure(model)
    walkers, impaired = model.pedestrian_positions()
    assert counts["walking"] == len(walkers) > 0
    assert counts["walking_impaired"] == int(impaired.sum())
    assert counts["sensors"] == 4 * 9  # a crossing camera at every corner
    out = tmp_path / "map.png"
    figure.savefig(out)
    assert out.stat().st_size > 10_000


def test_sensors_and_what_they_saw_this_frame(tmp_path: Path) -> None:
    path = small_file(tmp_path, "services.crossing_assist=camera_ai")
    model = ExplorerModel(scenario_file=path)
    seen_rows = 0
    frames_with_sightings = 0
    for _ in range(8):
        before = len(model.sensing.log)
        model.step()
        new = model.sensing.log.arrays()["node"][before:]
        # exactly this frame's observations, and each drawn at its intersection
        assert len(model.detections.sensor) == len(new)
        np.testing.assert_array_equal(model.detections.node, new)
        assert set(model.detections.sensor) <= {"crossing_cameras"}
        xy = detection_positions(model)
        expected = {model.node_xy(int(n)) for n in new}
        assert {(x, y) for x, y, _ in xy} == expected
        seen_rows += len(new)
        frames_with_sightings += bool(len(new))
        _, counts = district_figure(model)
        assert counts["detections"] == len(new)
        assert counts["identified"] == len(new)  # a camera names everyone it sees
    assert frames_with_sightings >= 4 and seen_rows == len(model.sensing.log)


def _privacy_after(path: str, frames: int = 10, **controls: object) -> dict[str, float]:
    model = ExplorerModel(scenario_file=path, **controls)  # type: ignore[arg-type]
    for _ in range(frames):
        model.step()
    table = model.sensing.log.arrays()
    identified = table["subject"] >= 0
    return {
        "observations": float(identified.sum()),
        "people": float(len(np.unique(table["subject"][identified]))),
        "young": float((identified & (model.env.now - table["time_s"] < 600.0)).sum()),
        **{key: model.frames[key][-1] for key in PRIVACY_SERIES},
    }


def test_live_privacy_indicator_applies_the_policy(tmp_path: Path) -> None:
    path = small_file(tmp_path, "services.crossing_assist=camera_ai")
    kept = _privacy_after(path, retention_direct="forever")
    people, records, in_records = PRIVACY_SERIES
    # hand count from the raw observation table: every face kept, everyone named
    assert kept["observations"] > 20
    assert kept[records] == kept["observations"]
    assert kept[people] == kept[in_records] == kept["people"]
    # nothing kept: retention 0 or counts only; the people seen are the same
    for controls in ({"retention_direct": "0s"}, {"anonymisation": "aggregate"}):
        none = _privacy_after(path, **controls)
        assert none[records] == none[in_records] == 0.0, controls
        assert none[people] == kept[people], controls
    # pseudonyms follow their own retention: ten minutes keep only the last ten minutes
    path = small_file(
        tmp_path,
        "services.crossing_assist=camera_ai",
        "policy.anonymisation=pseudonymise",
        "policy.retention.pseudonymous=10min",
    )
    recent = _privacy_after(path)
    assert recent[records] == recent["young"] < kept[records]


def test_the_app_shows_opted_in_records_only_if_trips_are_shared(tmp_path: Path) -> None:
    shared = small_file(tmp_path, "services.crossing_assist=opt_in_app")
    counted = small_file(
        tmp_path, "services.crossing_assist=opt_in_app", "policy.consent.share_trips=false"
    )
    people, records, _ = PRIVACY_SERIES
    assert _privacy_after(shared)[records] > 0
    assert _privacy_after(counted)[records] == 0.0
    assert _privacy_after(counted)[people] == 0.0  # it recorded nobody's account


def test_an_outage_is_drawn_as_compromised(tmp_path: Path) -> None:
    path = small_file(tmp_path, "services.crossing_assist=camera_ai", "services.preemption=true")
    model = ExplorerModel(scenario_file=path)
    model.step()
    assert compromised(model) == set()
    model.services["crossing_assist"].take_down(
        "crossing_cameras", ("crossing_assist",), 100.0, 400.0
    )
    _, counts = district_figure(model)
    assert compromised(model) == {"crossing_cameras"} and counts["compromised"] == 1
    model.step()
    model.step()
    model.step()  # past the outage
    assert compromised(model) == set()


def test_attack_panel_lists_the_model_entries(tmp_path: Path) -> None:
    model = ExplorerModel(scenario_file=small_file(tmp_path))
    assert "signal_controllers:0" in model.attack_entries


def test_the_attack_button_marks_what_it_brought_down(tmp_path: Path) -> None:
    """Clicking launches an attack from the chosen entry (the first: a controller) and the
    map shows what it brought down."""
    pytest.importorskip("solara")
    import ipyvuetify as v
    import solara

    from twin.app.page import AttackPanel

    model = ExplorerModel(scenario_file=small_file(tmp_path, "services.crossing_assist=camera_ai"))
    model.step()
    _, before = district_figure(model)
    _, rc = solara.render(AttackPanel(model), handle_error=False)
    rc.find(v.Btn, children=["Attack now"]).widget.click()
    texts = [w.children for w in rc.find(v.Html).widgets]
    [message] = [t[0] for t in texts if t and str(t[0]).startswith("compromised now:")]
    assert "signal_controllers:0" in message
    _, after = district_figure(model)
    assert before["compromised"] == 0 and after["compromised"] >= 1


def test_chart_panels_follow_the_reported_families(tmp_path: Path) -> None:
    assert family_of("vehicles_queued") == "efficiency"
    assert family_of("privacy_people_exposed") == "privacy"
    model = ExplorerModel(scenario_file=small_file(tmp_path))
    model.step()
    assert family_figure(model, "efficiency") is not None
    assert family_figure(model, "privacy") is not None  # the live exposure indicator
    # the outcomes so far are the costs panel's, not a chart's
    assert not any(key.endswith("_so_far") for keys in series(model).values() for key in keys)
    assert model.frames["components_down"] == [0.0, 0.0]
    model.launch_attack("signal_controllers:0")
    model.step()
    assert model.frames["components_down"][-1] >= 1.0
    assert len(model.frames["time_s"]) == 3 and model.frames["time_s"][-1] == 220.0


def test_model_params_satisfy_solaraviz() -> None:
    pytest.importorskip("solara")
    from mesa.visualization.solara_viz import _check_model_params

    from twin.app.page import model_params

    settings = initial_values(str(BASELINE))
    params = model_params(str(BASELINE), settings)
    _check_model_params(ExplorerModel.__init__, params)  # Mesa's own check
    assert params["settings"] is settings
    # a choice, so the seed shows its value
    assert params["seed"] == {
        "type": "Select",
        "value": 7,
        "values": list(range(100)),
        "label": "Seed",
    }


def test_reset_builds_the_district_the_controls_now_say() -> None:
    """Mesa's Reset rebuilds the model from the fixed parameters it was given; the page's
    controls edit the ``settings`` mapping among them, so the next model follows them."""
    pytest.importorskip("solara")
    from mesa.visualization.solara_viz import split_model_params

    from twin.app.page import model_params

    settings = initial_values(str(BASELINE))
    user, fixed = split_model_params(model_params(str(BASELINE), settings))
    values = {**fixed, **{name: spec["value"] for name, spec in user.items()}}
    first = ExplorerModel(**values)
    assert first.spec.city.rows == 4 and first.spec.services.crossing_assist != "camera_ai"
    settings.update(size=2, crossing_assist="camera_ai")  # what ControlInput does
    again = ExplorerModel(**values)  # what Reset does
    assert again.spec.city.rows == 2 and len(again.streets.intersections) == 4
    assert again.spec.services.crossing_assist == "camera_ai"
    assert ExplorerModel(**{**values, "seed": 8}).spec.seed == 8


# -- the command ---------------------------------------------------------------


def test_explore_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explore", "--help"])
    assert exit_.value.code == 0
    printed = capsys.readouterr().out
    assert "--port" in printed and "--host" in printed and "127.0.0.1" in printed


def test_explore_rejects_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["explore", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert main(["explore", str(BASELINE), "--port", "0"]) == 1
    assert "--port 0" in capsys.readouterr().err


def test_the_cli_stays_light() -> None:
    code = "import sys, twin.cli; print(sorted({'solara', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_explore_serves_a_scenario_file(tmp_path: Path) -> None:
    """``twin explore FILE --port P`` answers on loopback and prints its URL."""
    pytest.importorskip("solara")
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "explore.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*EXPLORE, "scenarios/winter_storm.yaml", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            status = None
            while status != 200 and time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        status = response.status
                except OSError:
                    time.sleep(0.5)
            assert status == 200, log.read_text()
        finally:
            process.terminate()
            process.wait(timeout=30)
    printed = log.read_text()
    assert f"winter_storm.yaml at {url}" in printed


def test_ambulances_drive_along_streets() -> None:
    model = ExplorerModel(
        scenario_file=str(ROOT / "scenarios" / "emergency_corridor.yaml"), preemption=True
    )
    frames_with_ambulances = 0
    for _ in range(40):
        model.step()
        ambulances = model.ambulance_positions()
        assert model.has_ambulances
        assert len(ambulances) <= model.services["emergency"].station.on_the_road
        if len(ambulances):
            frames_with_ambulances += 1
            on_street = np.minimum(
                np.abs(ambulances[:, 0] - np.round(ambulances[:, 0])),
                np.abs(ambulances[:, 1] - np.round(ambulances[:, 1])),
            )
            assert (on_street < 1e-9).all()
    assert frames_with_ambulances >= 3


@pytest.mark.slow  # a benchmark
def test_frame_benchmark_runs() -> None:
    out = subprocess.run(
        [sys.executable, "benchmarks/bench_explorer_frame.py", "--frames", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "draw map + chart" in out.stdout


# -- what a run costs ------------------------------------------------------------------


def test_the_costs_panel_shows_the_run_before_at_the_same_time(tmp_path: Path) -> None:
    from twin.app.costs import RunHistory, changes, cost_rows

    path = small_file(tmp_path)
    history = RunHistory()
    first = ExplorerModel(scenario_file=path)
    history.see(first)
    for _ in range(4):
        first.step()
    rows = {row.key: row for row in cost_rows(first, history)}
    assert set(rows) == {
        "vehicle_delay_s_mean_so_far",
        "stranded_crossings_so_far",
        "vehicle_pedestrian_conflicts_so_far",
        "privacy_people_in_records",
        "components_down",
    }
    assert all(row.before is None and row.change == "" for row in rows.values())
    assert rows["privacy_people_in_records"].now == 0  # nothing identifies anyone
    assert rows["vehicle_delay_s_mean_so_far"].label.text.startswith("vehicle delay, s per trip")
    # Reset with cameras: the new run against the first, frame by frame
    second = ExplorerModel(scenario_file=path, crossing_assist="camera_ai")
    history.see(second)
    assert changes(second, history) == ["Crossing assist: none -> camera_ai"]
    for _ in range(2):
        second.step()
    rows = {row.key: row for row in cost_rows(second, history)}
    exposed = rows["privacy_people_in_records"]
    assert exposed.before == first.frames["privacy_people_in_records"][2] == 0
    assert exposed.now == second.frames["privacy_people_in_records"][2] > 0
    assert exposed.change == f"+{exposed.now:.0f}" and exposed.worse is True
    history.see(second)  # the same model again: still against the first
    assert history.previous is not None and history.previous["time_s"] == first.frames["time_s"]


def test_a_frame_moves_the_map_without_a_new_figure(tmp_path: Path) -> None:
    """The page's map keeps its figure: the second frame is drawn by the same painter, and
    shows what a new figure of the same moment shows."""
    from twin.app.drawing import _PAINTERS, district_png

    model = ExplorerModel(scenario_file=small_file(tmp_path, "services.crossing_assist=camera_ai"))
    model.step()
    district_png(model)
    painter = _PAINTERS[model]
    model.step()
    png, counts = district_png(model)
    assert _PAINTERS[model] is painter and png.startswith(b"\x89PNG")
    assert counts == district_figure(model)[1]
