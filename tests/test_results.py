"""Results that never mix, the Python API, and the command line's basics."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from tests.conftest import build
from twin.cli import main
from twin.errors import OutputError, ScenarioError
from twin.results.files import file_mode
from twin.results.folder import default_folder, folder_lock

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SHORT = ["--set", "duration=10min", "--set", "warmup=0", "--set", "city.rows=2", "--quiet"]


# --- the Python API -----------------------------------------------------------------------


def test_the_documented_one_liner_works() -> None:
    code = (
        "import twin; r = twin.run(twin.load('scenarios/baseline.yaml', {'duration': '1h'})); "
        "print(r.metrics['efficiency']['vehicle_delay_s_mean'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert float(done.stdout) > 0


def test_load_takes_overrides_like_set_and_with_changes_validates(tmp_path: Path) -> None:
    scenario = twin.load(BASELINE, {"city.rows": 2, "duration": "30min"})
    assert (scenario.city.rows, scenario.duration) == (2, 1800.0)
    with pytest.raises(ScenarioError, match=r"city\.rows: 0 must be at least 1"):
        twin.load(BASELINE, {"city.rows": 0})
    assert scenario.with_changes({"city.cols": 3}).city.cols == 3
    assert scenario.with_changes(seed=4).seed == 4
    with pytest.raises(ScenarioError, match="duration"):
        scenario.with_changes(duration=-5)
    with pytest.raises(ScenarioError, match="duration"):
        scenario.model_copy(update={"duration": -5})


def test_run_and_write_give_the_same_folder_as_the_cli(tmp_path: Path) -> None:
    scenario = twin.load(BASELINE, {"duration": "10min", "warmup": 0, "city.rows": 2})
    result = twin.run(scenario)
    twin.write(result, tmp_path / "api")
    assert main(["run", str(BASELINE), "--out", str(tmp_path / "cli"), *SHORT]) == 0
    for name in ("metrics.json", "sensors.json", "links.json"):
        assert (tmp_path / "api" / name).read_text() == (tmp_path / "cli" / name).read_text()


def test_mesa_batch_run_works_with_one_row_per_step() -> None:
    import mesa

    from twin.simulation.model import CityModel

    scenario = build(duration="1h", city={"rows": 1, "cols": 2})
    rows = mesa.batch_run(
        CityModel,
        {"scenario": [scenario], "step_s": 600.0},
        max_steps=6,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    # one row per agent and step, from step 0 to the end of the run (6 steps of 10 min)
    steps = sorted({int(row["Step"]) for row in rows})
    assert steps == list(range(7))
    assert {row["Step"]: row["time_s"] for row in rows} == {s: 600.0 * s for s in steps}


def test_a_seed_given_to_the_model_replaces_the_scenarios() -> None:
    from twin.simulation.model import CityModel

    scenario = build(duration="10min", city={"rows": 1, "cols": 2})
    assert CityModel(scenario).spec.seed == scenario.seed
    reseeded = CityModel(scenario, seed=scenario.seed + 1)
    assert reseeded.spec.seed == scenario.seed + 1
    assert reseeded.spec.content_hash() != scenario.content_hash()


# --- results folders ----------------------------------------------------------------------


def test_different_settings_never_share_the_default_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), *SHORT]) == 0
    assert main(["run", str(BASELINE), *SHORT, "--set", "city.cols=2"]) == 0
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(folders) == 2 and all(f.startswith("baseline-seed7-") for f in folders)
    scenario = twin.load(BASELINE, {"duration": "10min", "warmup": 0, "city.rows": 2})
    assert (tmp_path / default_folder(scenario) / "metrics.json").exists()


def test_another_scenarios_folder_is_refused_unless_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = str(tmp_path / "out")
    assert main(["run", str(BASELINE), "--out", out, *SHORT]) == 0
    assert main(["run", str(BASELINE), "--out", out, *SHORT]) == 0  # the same run: fine
    capsys.readouterr()
    assert main(["run", str(BASELINE), "--out", out, *SHORT, "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another scenario" in err and "--overwrite" in err
    assert main(["run", str(BASELINE), "--out", out, *SHORT, "--seed", "1", "--overwrite"]) == 0


def test_a_folder_in_use_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):  # a run (this process, alive) is writing there
        assert main(["run", str(BASELINE), "--out", str(out), *SHORT]) == 2
        with pytest.raises(OutputError, match="in use"), folder_lock(out):
            pass
    assert "in use by another run" in capsys.readouterr().err
    assert main(["run", str(BASELINE), "--out", str(out), *SHORT]) == 0  # released
    assert not (out / ".twin.lock").exists()


def test_a_lock_left_by_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / ".twin.lock").write_text(dead.stdout)
    with folder_lock(tmp_path):
        assert (tmp_path / ".twin.lock").read_text().strip() == str(os.getpid())


def test_unwritable_out_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import twin.simulation.runner

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation started")

    monkeypatch.setattr(twin.simulation.runner, "run_scenario", must_not_run)
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", str(BASELINE), "--out", str(blocker / "sub"), *SHORT]) == 2
    assert main(["run", str(BASELINE), "--out", str(blocker), *SHORT]) == 2
    assert main(["schema", "--out", str(blocker / "schema.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err
    assert "cannot write there" in err and "is a file" in err


def test_result_files_have_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert file_mode() == 0o644
        assert main(["run", str(BASELINE), "--out", str(tmp_path), *SHORT]) == 0
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 5
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}


# --- honest empties and warnings ---------------------------------------------------------


def test_empty_outcomes_are_null_and_shown_as_a_dash(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    args = ["--set", "demand.pedestrians_per_hour=0", "--set", "services.preemption=true"]
    assert main(["run", str(BASELINE), "--out", str(tmp_path), *SHORT[:-1], *args]) == 0
    efficiency = json.loads((tmp_path / "metrics.json").read_text())["efficiency"]
    for key in (
        "pedestrian_delay_s_mean",
        "pedestrian_signal_wait_s_mean",
        "pedestrian_signal_los",
        "stranded_crossings_per_1000_impaired",
        "emergency_response_s_mean",
    ):
        assert efficiency[key] is None, key
    out, err = capsys.readouterr()
    assert "curb wait for WALK, mean (s)" in out and "\u2014" in out
    warning = "services.preemption is local but emergency.incidents_per_hour is 0"
    assert warning in err and warning in (tmp_path / "run.log").read_text()


def test_heating_nothing_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--set", "services.sidewalk_heating.activation=always_on"]
    assert main(["run", str(BASELINE), "--out", str(tmp_path), *SHORT, *args]) == 0
    assert "share is 0: no sidewalk is heated" in capsys.readouterr().err


# --- command line basics ------------------------------------------------------------------


def test_twin_alone_prints_help_and_version_is_known(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"twin {twin.__version__}"


def test_progress_is_one_line_per_tenth_when_not_a_terminal() -> None:
    from twin.cli.progress import Progress

    stream = io.StringIO()
    progress = Progress("x", stream)
    for now in range(0, 3601, 60):
        progress(float(now), 3600.0)
    lines = stream.getvalue().splitlines()
    assert [line.split("(")[1].split(")")[0] for line in lines] == [
        f"{p}%" for p in range(10, 101, 10)
    ]


def test_progress_is_a_live_bar_on_a_terminal() -> None:
    from twin.cli.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress("x", stream)
    for now in (900.0, 1800.0, 3600.0):
        progress(now, 3600.0)
    text = stream.getvalue()
    assert "\r" in text and "100%" in text and "<" in text  # elapsed<remaining


def test_readme_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's "Use from Python" blocks, run as written (in a scratch folder)."""
    text = (ROOT / "README.md").read_text()
    blocks = [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]
    assert len(blocks) >= 2
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "results" / "six-rows" / "metrics.json").exists()
    # a row per agent and step; each seed's run to its end (an hour: step 6)
    assert sorted(namespace["ends"]) == [1, 2]  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"services": {"preemption": True}}, "no ambulance will ask for a green"),
        ({"services": {"sidewalk_heating": {"activation": "always_on"}}}, "no sidewalk is heated"),
        (
            {"services": {"sidewalk_heating": {"activation": "pavement_sensor", "share": 0.5}}},
            "weather.snowfall is empty",
        ),
        (
            {
                "services": {"sidewalk_heating": {"activation": "always_on", "share": 0.5}},
                "weather": {"temperature_c": 10},
            },
            "above the 3 °C heating season",
        ),
        (
            {
                "services": {"crossing_assist": "radar"},
                "demand": {"pedestrians_per_hour": 0},
            },
            "nobody to assist",
        ),
        (
            {
                "services": {"crossing_assist": "opt_in_app"},
                "policy": {"consent": {"opt_in_rate": 0}},
            },
            "nobody has the app",
        ),
    ],
)
def test_services_that_cannot_act_are_warned_about(sections: dict, expected: str) -> None:
    from twin.simulation.runner import scenario_warnings

    [warning] = scenario_warnings(build(**sections))
    assert expected in warning
    assert scenario_warnings(build()) == []


def test_version_matches_the_package_metadata() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert twin.__version__ == project["version"]


def test_schema_choices_come_from_the_strategy_registries(tmp_path: Path) -> None:
    from agents.crossing_assist import METHODS
    from agents.heating_control import ACTIVATIONS

    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    text = out.read_text()
    schema = json.loads(text)
    assert stat.S_IMODE(out.stat().st_mode) == file_mode()
    sections = schema["$defs"]
    assert sections["Services"]["properties"]["crossing_assist"]["enum"] == ["none", *METHODS]
    heating = sections["SidewalkHeating"]["properties"]["activation"]["enum"]
    assert heating == list(ACTIVATIONS)


def test_two_processes_into_one_folder_one_is_refused(tmp_path: Path) -> None:
    """A real second process while another holds the folder (this test, mid-write):
    refused, exit 2, one line; the holder's lock is intact afterwards."""
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out):
        second = subprocess.run(
            [sys.executable, "-m", "twin.cli", "run", str(BASELINE), "--out", str(out),
             "--quiet", "--set", "duration=30min"],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        assert (out / ".twin.lock").read_text().strip() == str(os.getpid())
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1 and "in use by another run" in second.stderr
    assert not (out / "metrics.json").exists()
