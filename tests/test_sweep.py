"""Sweeps: expansion and seeds, the results database, executors, kills and resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from twin.cli import main
from twin.errors import ScenarioError
from twin.sweep import ResultsDB, load_sweep, run_sweep, seeds_for

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "accessible_crossings.yaml"
TINY = (
    "{city.rows: 1, city.cols: 2, duration: DUR, warmup: 0s, population.residents: 200, "
    "services.driver_alerts: false}"
)


def sweep_file(
    tmp_path: Path, name: str = "tiny", duration: str = "10min", reps: int = 2, extra: str = ""
) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        sweep:
          name: {name}
          base: {BASE}
          set: {TINY.replace("DUR", duration)}
          grid:
            services.crossing_assist: [none, push_button, radar]
          replications: {reps}
        """)
        + extra
    )
    return path


def test_grid_combinations_and_common_random_numbers(tmp_path):
    extra = "  combinations:\n    - {services.crossing_assist: camera_ai}\n"
    spec = load_sweep(sweep_file(tmp_path, reps=3, extra=extra))
    runs = spec.runs(7)
    assert len(runs) == 4 * 3
    assert [c["services.crossing_assist"] for c in spec.combinations] == [
        "none",
        "push_button",
        "radar",
        "camera_ai",
    ]
    for replication in range(3):
        seeds = {run.seed for run in runs if run.replication == replication}
        assert seeds == {seeds_for(7, 3)[replication]}  # one seed per replication
    assert len(set(seeds_for(7, 3))) == 3
    assert seeds_for(7, 3) == seeds_for(7, 3) and seeds_for(7, 3) != seeds_for(8, 3)
    assert seeds_for(7, 5)[:3] == seeds_for(7, 3)  # more replications keep the first seeds


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ("name: x\n", "sweep", "no 'sweep:' section"),
        ("sweep:\n  base: nowhere.yaml\n  replications: 2\n", ":2: sweep.base", "not found"),
        (f"sweep:\n  base: {BASE}\n  replications: 0\n", ":3: sweep.replications", "at least 1"),
        (f"sweep:\n  base: {BASE}\n  grid:\n    a.b: 3\n", ":4: sweep.grid.a.b", "not a list"),
        (f"sweep:\n  base: {BASE}\n  replicatons: 2\n", ":3: sweep.replicatons", "unknown field"),
        ("sweep: [\n", ":", "invalid YAML"),
    ],
)
def test_bad_sweep_files_name_file_and_field(tmp_path, body, where, says):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and where in message and says in message


def test_bad_combination_is_recorded_and_the_sweep_goes_on(tmp_path):
    extra = (
        "  combinations:\n    - {services.crossing_assist: camera_ai, services.camera_recall: 2}\n"
    )
    spec = load_sweep(sweep_file(tmp_path, reps=1, extra=extra))
    db_path = tmp_path / "r.sqlite"
    summary = run_sweep(spec, db_path, workers=1, progress=False)
    assert (summary.ok, summary.failed) == (3, 1)
    with ResultsDB(db_path) as db:
        failed = [run for run in db.runs() if run.status == "failed"]
    assert len(failed) == 1
    assert (
        failed[0].error is not None
        and "services.camera_recall: 2 must be at most 1" in failed[0].error
    )
    assert str(spec.source) in failed[0].error  # named by the sweep file, not by --set
    again = run_sweep(spec, db_path, workers=1, progress=False)
    assert (again.skipped, again.ok, again.failed) == (3, 0, 1)  # failures are retried


def test_embedded_sweep_section_in_a_scenario(tmp_path):
    scenario = tmp_path / "own.yaml"
    scenario.write_text(
        BASE.read_text()
        + "sweep:\n  grid:\n    services.push_button_use: [0.2, 0.9]\n  replications: 1\n"
        + "  set: "
        + TINY.replace("DUR", "10min").replace(
            "false}", "false, services.crossing_assist: push_button}"
        )
        + "\n"
    )
    spec = load_sweep(scenario)
    assert spec.embedded and spec.name == "accessible_crossings"
    summary = run_sweep(spec, tmp_path / "r.sqlite", workers=1, progress=False)
    assert (summary.ok, summary.failed) == (2, 0)


def metric_table(db_path: Path) -> dict[tuple[str, int, str], float | None]:
    with ResultsDB(db_path) as db:
        runs = {run.run_key: run for run in db.runs()}
        return {
            (runs[key].params["services.crossing_assist"], runs[key].replication, metric): value
            for key, metric, value in db.metrics()
        }


def failures(db_path: Path) -> list[str | None]:
    """The errors of the runs that failed, to say why a sweep did."""
    with ResultsDB(db_path) as db:
        return [run.error for run in db.runs() if run.status != "ok"]


@pytest.mark.slow
def test_dask_gives_the_same_metrics_as_the_pool(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = sweep_file(tmp_path)
    spec = load_sweep(path)
    pool, remote, local = (tmp_path / f"{n}.sqlite" for n in ("pool", "remote", "local"))
    assert run_sweep(spec, pool, workers=2, progress=False).ok == 6
    # A cluster reached over loopback, as a remote one would be.
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        args = ["sweep", str(path), "--db", str(remote), "--scheduler", cluster.scheduler_address]
        assert main([*args, "--quiet"]) == 0, failures(remote)
    assert run_sweep(spec, local, dask_local=1, progress=False).ok == 6
    first = metric_table(pool)
    assert len(first) > 6 * 20
    assert metric_table(remote) == first
    assert metric_table(local) == first


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("twin.sweep.executor.CONNECT_TIMEOUT", "1s")
    args = ["sweep", str(sweep_file(tmp_path)), "--db", str(tmp_path / "r.sqlite")]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:9", "--quiet"]) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_rerun_skips_finished_runs(tmp_path):
    spec = load_sweep(sweep_file(tmp_path, reps=1))
    db_path = tmp_path / "r.sqlite"
    run_sweep(spec, db_path, workers=1, progress=False)
    before = metric_table(db_path)
    summary = run_sweep(spec, db_path, workers=1, progress=False)
    assert (summary.skipped, summary.ok) == (3, 0)
    assert metric_table(db_path) == before


def _sweep_process(path: Path, db_path: Path, workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twin.cli",
            "sweep",
            str(path),
            "--db",
            str(db_path),
            "--workers",
            str(workers),
            "--quiet",
        ],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _ok_runs(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=10) as conn:
            return conn.execute("SELECT count(*) FROM runs WHERE status='ok'").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def _wait_for(db_path: Path, count: int, process: subprocess.Popen, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while _ok_runs(db_path) < count:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the sweep made no progress"
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    """The pool's worker processes (not the multiprocessing resource tracker)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().decode()
        except OSError:
            continue
        if "spawn_main" in command and "resource_tracker" not in command:
            workers.append(child)
    return workers


def assert_complete(db_path: Path, total: int) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT sweep, combination, replication, status FROM runs").fetchall()
        per_run = conn.execute("SELECT count(DISTINCT metric) FROM metrics GROUP BY run_key")
        assert len({count for (count,) in per_run}) == 1  # every run has all its metrics
    assert len(rows) == total
    assert len({(sweep, c, r) for sweep, c, r, _ in rows}) == total
    assert {status for *_, status in rows} == {"ok"}


@pytest.mark.slow
def test_sigkill_of_the_parent_loses_nothing_finished(tmp_path):
    path = sweep_file(tmp_path, duration="1h", reps=4)
    db_path = tmp_path / "r.sqlite"
    process = _sweep_process(path, db_path)
    try:
        _wait_for(db_path, 3, process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        done = _ok_runs(db_path)
        assert 3 <= done < 12
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the orphaned workers
        process.communicate()
    summary = run_sweep(load_sweep(path), db_path, workers=2, progress=False)
    assert summary.skipped == done and summary.ok == 12 - done
    assert_complete(db_path, 12)


@pytest.mark.slow
def test_sigkill_of_a_worker_is_survived(tmp_path):
    path = sweep_file(tmp_path, duration="1h", reps=4)
    db_path = tmp_path / "r.sqlite"
    process = _sweep_process(path, db_path)
    try:
        _wait_for(db_path, 2, process)
        workers = _workers(process.pid)
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert b"worker process died" in stderr
    assert_complete(db_path, 12)
    summary = run_sweep(load_sweep(path), db_path, workers=1, progress=False)
    assert (summary.skipped, summary.ok) == (12, 0)


@pytest.mark.slow
def test_two_sweeps_into_one_database_at_once(tmp_path):
    first = sweep_file(tmp_path, name="first", duration="30min", reps=3)
    second = sweep_file(tmp_path, name="second", duration="30min", reps=3)
    db_path = tmp_path / "shared.sqlite"
    processes = [_sweep_process(first, db_path, 1), _sweep_process(second, db_path, 1)]
    for process in processes:
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr.decode()
    assert_complete(db_path, 18)
    with ResultsDB(db_path) as db:
        assert sorted(db.sweeps()) == ["first", "second"]
        assert len(db.runs("first")) == len(db.runs("second")) == 9


def test_many_openers_of_one_fresh_database_all_succeed(tmp_path):
    """SQLite refuses a second connection switching a new file to WAL at once, without
    waiting; sweeps started together into one fresh database must still all open it."""
    failures: list[str] = []

    def open_it(path: Path, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            ResultsDB(path).close()
        except Exception as exc:  # any failure is the finding
            failures.append(str(exc))

    for trial in range(100):
        path = tmp_path / f"fresh{trial}.sqlite"
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=open_it, args=(path, barrier)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_validate_checks_every_combination_of_a_sweep(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        sweep:
          name: bad
          base: {BASE}
          grid:
            services.crossing_assist: [radar, telepathy]
            demand.pedestrians_per_hour: [0, 100]
        """)
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    # one line for both combinations that give the bad value, at the line that gives it
    assert err == [
        f"{path}:5: services.crossing_assist: 'telepathy' is not one of: 'none', "
        "'push_button', 'opt_in_app', 'camera_ai', 'radar' (in combinations 2, 3)"
    ]


def test_validate_says_how_many_runs_and_which_combinations_cannot_act(tmp_path, capsys):
    path = sweep_file(tmp_path, reps=4, extra="")
    path.write_text(
        path.read_text().replace(
            "services.crossing_assist: [none, push_button, radar]",
            "services.crossing_assist: [none, radar]\n    demand.pedestrians_per_hour: [0, 50]",
        )
    )
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{path}: ok (sweep tiny: 4 combinations x 4 replications = 16 runs)\n"
    assert err == (
        f"{path}: warning: services.crossing_assist is radar but "
        "demand.pedestrians_per_hour is 0: nobody to assist (in combination 2: "
        "services.crossing_assist=radar, demand.pedestrians_per_hour=0)\n"
    )


def test_validate_blames_a_bad_set_on_the_command_line(tmp_path, capsys):
    path = sweep_file(tmp_path)
    assert main(["validate", str(path), "--set", "city.rows=0"]) == 2
    assert capsys.readouterr().err.startswith("--set: city.rows:")


@pytest.mark.parametrize("option", ["--workers", "--dask-local"])
def test_worker_counts_below_one_are_refused(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", str(sweep_file(tmp_path)), option, "0"])
    assert exit_.value.code == 2
    assert f"{option}: '0' is not a whole number of at least 1" in capsys.readouterr().err


@pytest.mark.slow  # a few seconds: with the other whole-run checks
def test_the_sweep_report_says_what_each_policy_collects(tmp_path):
    """Each run stores the sensors it deployed; the sweep's report words them per policy
    (the transparency report of a run, for every policy compared)."""
    from twin.sweep.tradeoffs import compare_sweep

    db_path = tmp_path / "s.sqlite"
    run_sweep(load_sweep(sweep_file(tmp_path)), db_path, workers=1, progress=False)
    with ResultsDB(db_path) as db:
        sensors = db.sensors("tiny")
    assert sorted(sensors) == [0, 1, 2]  # none, push_button, radar
    assert sensors[0] == []
    assert [s["name"] for s in sensors[1]] == ["accessible_push_buttons"]
    assert [(s["name"], s["observes"]) for s in sensors[2]] == [("crosswalk_radar", "nobody")]
    compare_sweep(db_path, tmp_path / "cmp")
    report = (tmp_path / "cmp" / "report.md").read_text()
    section = report.split("## What each policy collects")[1].split("##")[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert "No sensor is common to all." in section
    assert lines[0] == "- With services.crossing_assist none: no sensors at all."
    # 1 x 2 intersections, 4 crosswalks each
    assert lines[1].startswith("- With services.crossing_assist push_button: 8 accessible push")
    assert "They observe nobody in particular" in lines[2] and "crosswalk radar" in lines[2]
