"""The ``twin`` command line, end to end, as a planner uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from twin.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SHORT = ["--set", "duration=20min", "--set", "warmup=5min"]


def test_run_writes_the_results_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "--out", str(out), *SHORT, "--set", "city.rows=2"]) == 0
    for name in (
        "scenario.yaml",
        "metrics.json",
        "timeseries.csv",
        "intersections.csv",
        "run.log",
        "plots/delay_over_time.png",
        "plots/intersection_delay.png",
    ):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["scenario"]["name"] == "baseline"
    assert metrics["scenario"]["duration_s"] == 1200
    for key in (
        "vehicle_trips_completed",
        "vehicle_delay_s_mean",
        "vehicle_delay_s_p90",
        "pedestrian_trips_completed",
        "pedestrian_delay_s_mean",
        "pedestrian_signal_wait_s_mean",
        "impaired_crossings",
        "stranded_crossings",
    ):
        assert key in metrics["efficiency"], key
    assert metrics["efficiency"]["vehicle_trips_completed"] > 0
    assert "rows: 2" in (out / "scenario.yaml").read_text()
    assert len((out / "intersections.csv").read_text().splitlines()) == 1 + 2 * 4
    printed = capsys.readouterr().out
    assert "vehicle delay, mean (s)" in printed and str(out) in printed
    assert "wall_s" in (out / "run.log").read_text()
    assert "wall" not in (out / "metrics.json").read_text()


def test_same_seed_gives_byte_identical_metrics(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["run", str(BASELINE), "--out", str(tmp_path / name), "--quiet", *SHORT]) == 0
    assert (tmp_path / "a/metrics.json").read_bytes() == (tmp_path / "b/metrics.json").read_bytes()
    assert (
        main(["run", str(BASELINE), "--out", str(tmp_path / "c"), "--quiet", "--seed", "8", *SHORT])
        == 0
    )
    assert (tmp_path / "a/metrics.json").read_bytes() != (tmp_path / "c/metrics.json").read_bytes()


def test_invalid_file_exits_2_naming_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    lines = BASELINE.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("cycle_s:"))
    lines[number] = "  cycle_s: -5"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "never"
    result = subprocess.run(
        [sys.executable, "-m", "twin.cli", "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert f"bad.yaml:{number + 1}: signals.cycle_s: -5 is not a positive number of seconds" in (
        result.stderr
    )
    assert not out.exists()


def test_validate_and_override_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", str(BASELINE)]) == 0
    assert main(["validate", str(BASELINE), "--set", "signals.control=smart"]) == 2
    assert "--set: signals.control: 'smart' is not one of" in capsys.readouterr().err


def test_schema_is_json_with_field_docs(capsys: pytest.CaptureFixture) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "cycle_s" in json.dumps(schema)
    assert "description" in json.dumps(schema)


def test_too_large_scenario_is_refused_up_front(capsys: pytest.CaptureFixture) -> None:
    code = main(
        [
            "run",
            str(BASELINE),
            "--set",
            "duration=2000d",
            "--set",
            "demand.pedestrians_per_hour=900000",
        ]
    )
    assert code == 2
    assert "needs an estimated" in capsys.readouterr().err


def test_help_lists_commands(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "run" in text and "validate" in text and "schema" in text


def test_rerun_into_a_folder_leaves_no_stale_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    winter = str(ROOT / "scenarios" / "winter_storm.yaml")
    assert main(["run", winter, "--out", str(out), "--quiet", "--trips", *SHORT]) == 0
    assert (out / "plots/snow_depth_maps.png").exists() and (out / "crossings.csv").exists()
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(BASELINE), "--out", str(out), "--quiet", *SHORT]) == 2  # not ours
    assert main(["run", str(BASELINE), "--out", str(out), "--quiet", "--overwrite", *SHORT]) == 0
    assert not (out / "plots/snow_depth_maps.png").exists()
    assert not (out / "crossings.csv").exists()
    assert (out / "notes.txt").read_text() == "mine"  # not ours: left alone
    assert json.loads((out / "metrics.json").read_text())["scenario"]["name"] == "baseline"


def test_memory_estimate_matches_the_measured_benchmark() -> None:
    """The estimate is fitted to peaks measured on the benchmark (0.16 and 0.46 GiB)."""
    from twin.scenario import parse_scenario
    from twin.simulation.capacity import GIB, estimate_memory_bytes

    district = {
        "name": "bench",
        "city": {"rows": 10, "cols": 10},
        "population": {"residents": 20_000},
        "demand": {"vehicles_per_hour": 4000, "pedestrians_per_hour": 5000, "profile": "daily"},
    }
    for hours, measured in ((1, 0.16), (24, 0.46)):
        estimate = estimate_memory_bytes(parse_scenario({**district, "duration": f"{hours}h"}))
        assert abs(estimate / GIB - measured) < 0.25 * measured, hours


def test_no_plots_writes_everything_else_without_matplotlib(tmp_path: Path) -> None:
    """``--no-plots``: same metrics as a run with plots, no ``plots/``, matplotlib never
    imported; a rerun without plots removes the plots an earlier run left."""
    with_plots, without = tmp_path / "with", tmp_path / "without"
    assert main(["run", str(BASELINE), "--out", str(with_plots), "--quiet", *SHORT]) == 0
    argv = ["run", str(BASELINE), "--out", str(without), "--quiet", "--no-plots", *SHORT]
    code = (
        "import sys; from twin.cli import main; "
        f"status = main({argv!r}); print(status, 'matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "False"]
    assert (with_plots / "metrics.json").read_bytes() == (without / "metrics.json").read_bytes()
    assert list(with_plots.glob("plots/*.png")) and not list(without.glob("plots/*.png"))
    assert (without / "report.html").exists() and (without / "timeseries.csv").exists()
    args = ["run", str(BASELINE), "--out", str(with_plots), "--quiet", "--no-plots", *SHORT]
    assert main(args) == 0
    assert not list(with_plots.glob("plots/*.png"))


def test_memory_estimate_counts_the_cities_an_attack_keeps_alive() -> None:
    """integrated_city_brain over 12 h, 20,000 residents, daily demand: peak RSS measured
    (``/usr/bin/time -f %M`` of ``twin run --no-plots``) 3,554 MiB with its attack (its
    replicas, which analyse no privacy, fit in what the history takes), 3,553 MiB without,
    334 MiB without the stores' 31 days of history (``policy.history=0``): the history
    is most of it."""
    import twin
    from twin.simulation.capacity import estimate_memory_bytes

    changes = {"duration": "12h", "population.residents": 20_000, "demand.profile": "daily"}
    attacked = twin.load(ROOT / "scenarios" / "integrated_city_brain.yaml", changes)
    assert attacked.attacks and attacked.security.simulated_replications > 1
    calm = attacked.with_changes({"attacks": []})
    for scenario, measured_mib in (
        (attacked, 3554),
        (calm, 3553),
        (calm.with_changes({"policy.history": 0}), 334),
    ):
        estimate = estimate_memory_bytes(scenario)
        assert abs(estimate / 2**20 - measured_mib) < 0.15 * measured_mib, scenario.attacks


def test_memory_estimate_of_the_city_scale_benchmark() -> None:
    """benchmarks/bench_city_scale.py: 1,024 intersections, 100,000 residents, a day,
    default services (nothing identifies anyone, so no history): 1.55 GiB measured; with
    plate readers at every intersection a month of history would not fit in 16 GiB."""
    from twin.errors import CapacityError
    from twin.scenario import parse_scenario
    from twin.simulation.capacity import GIB, check_capacity, estimate_memory_bytes

    city = {
        "name": "city",
        "duration": "24h",
        "city": {"rows": 32, "cols": 32, "block_length_m": 150, "lanes": 1},
        "population": {"residents": 100_000},
        "demand": {"vehicles_per_hour": 4170, "pedestrians_per_hour": 7920, "profile": "daily"},
    }
    scenario = parse_scenario(city)
    assert abs(estimate_memory_bytes(scenario) / GIB - 1.55) < 0.15 * 1.55
    check_capacity(scenario, available=4 * GIB)
    plates = parse_scenario({**city, "services": {"traffic_monitoring": {"method": "anpr"}}})
    with pytest.raises(CapacityError, match="needs an estimated"):
        check_capacity(plates, available=16 * GIB)


def test_an_attack_entry_that_names_nothing_is_a_clear_error(tmp_path: Path, capsys) -> None:
    """Entries are checked against the city's own components once it is built: the run
    stops before simulating, naming file and field, and leaves no folder; validate says
    the same without running."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BASELINE.read_text()
        + "attacks:\n  - {at: 16min, entry: toaster, duration: 3min}\n"
        + "  - {at: 16min, entry: 'vendor:acme', duration: 3min}\n"
    )
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out), "--quiet", *SHORT]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{bad}: attacks.0.entry: 'toaster' is not a component of this city")
    assert "signal_controllers[:0-15], traffic_management, 'random', or 'vendor:NAME'" in err[0]
    assert (
        err[1]
        == f"{bad}: attacks.1.entry: 'vendor:acme' supplies nothing in this city; its vendors: none"
    )
    assert not out.exists()
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err.splitlines() == err


# -- the rough edges a planner met ---------------------------------------------------------


def test_set_with_a_space_says_to_write_key_equals_value(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(BASELINE), "--set", "city.rows", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--set city.rows 2: write PATH=VALUE as one word, e.g. --set city.rows=2" in err
    assert "unrecognized arguments" not in err
    with pytest.raises(SystemExit):  # anything else unknown is still argparse's to say
        main(["run", str(BASELINE), "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_a_key_not_indented_under_its_section_names_the_section(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npolicy:\nintegration: siloed\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{bad}:3: integration: is not a top-level field but a field of policy: "
        "indent it under 'policy:'"
    ) in err
    assert "did you mean" not in err
    bad.write_text("name: x\npolicy:\n  opt_in_rate: 0.4\n")
    assert main(["validate", str(bad)]) == 2
    assert (
        "policy.opt_in_rate: is not a field of policy but a field of policy.consent: "
        "indent it under 'consent:'"
    ) in capsys.readouterr().err


def test_a_bad_boolean_is_said_plainly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncity:\n  spillback: maybe\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: city.spillback: 'maybe' is not true or false" in err
    assert "Input should be" not in err


def test_errors_through_the_python_api_do_not_blame_the_command_line() -> None:
    import twin
    from twin.errors import ScenarioError

    with pytest.raises(ScenarioError) as error:
        twin.load(BASELINE, {"city.rows": -1})
    assert str(error.value) == "overrides: city.rows: -1 must be at least 1"
    with pytest.raises(ScenarioError) as error:
        twin.load(BASELINE).with_changes({"city.rows": 0})
    assert str(error.value) == "with_changes: city.rows: 0 must be at least 1"


def test_validate_checks_memory_and_says_what_run_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    huge = ["--set", "duration=2000d", "--set", "demand.pedestrians_per_hour=900000"]
    assert main(["validate", str(BASELINE), *huge]) == 2
    out = capsys.readouterr()
    assert f"{BASELINE}: scenario 'baseline' (16 intersections) needs an estimated" in out.err
    assert "ok" not in out.out
    # a retention set for a class of record no deployed sensor produces: run warns, so does
    # validate (radar and push buttons identify nobody)
    quiet = ["--set", "policy.retention.direct=31d", "--set", "services.crossing_assist=radar"]
    assert main(["validate", str(BASELINE), *quiet]) == 0
    warned = capsys.readouterr().err
    assert "policy.retention.direct: no sensor produces direct records" in warned
    run = ["run", str(BASELINE), "--out", str(tmp_path / "r"), "--quiet", *SHORT, *quiet]
    assert main(run) == 0
    assert "policy.retention.direct: no sensor produces direct records" in (capsys.readouterr().err)


def test_validate_and_help_start_without_the_simulation_libraries() -> None:
    """``twin --help`` and ``twin validate`` of a scenario with nothing only its built city
    can tell import neither Mesa nor matplotlib (about a second saved on every call)."""
    for argv in (["--help"], ["validate", str(BASELINE)]):
        code = (
            "import sys\nfrom twin.cli import main\ntry:\n    main("
            f"{argv!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted({'mesa', 'matplotlib', 'pandas', 'scipy'} & set(sys.modules)))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip().splitlines()[-1] == "[]", argv


def test_results_csv_writes_mapping_values_as_json(tmp_path: Path) -> None:
    from twin.sweep import ResultsDB, RunRow

    db_path = tmp_path / "r.sqlite"
    retention = {"direct": "10min", "persistent": "31d"}
    with ResultsDB(db_path) as db:
        row = RunRow(
            "k", "s", "base", None, 0, {"policy.retention": retention}, 0, 1, "ok", None,
            0.0, 1.0, 1.0, "test",
        )  # fmt: skip
        db.record(row, {"efficiency.vehicle_delay_s_mean": 1.0})
    assert main(["results", str(db_path), "--csv", str(tmp_path / "t.csv")]) == 0
    import csv

    with (tmp_path / "t.csv").open() as handle:
        [cells] = list(csv.DictReader(handle))
    assert json.loads(cells["policy.retention"]) == retention
