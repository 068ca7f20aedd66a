"""The sweep commands and files the README and docs/sweeps.md show, run as written."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from twin.cli import main
from twin.sweep import ResultsDB, load_sweep
from twin.sweep.executor import load_run_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_the_sweep_file_in_the_docs_loads_and_every_combination_validates(tmp_path):
    text = (ROOT / "docs" / "sweeps.md").read_text()
    block = re.search(r"```yaml\n(sweep:.*?)```", text, re.S)
    assert block is not None
    (tmp_path / "crossings.yaml").write_text(block.group(1))
    shutil.copy(ROOT / "scenarios" / "accessible_crossings.yaml", tmp_path)
    spec = load_sweep(tmp_path / "crossings.yaml")
    assert (spec.name, len(spec.combinations), spec.replications) == ("crossings", 7, 5)
    for combination in spec.combinations:
        load_run_scenario(spec.base, {**spec.fixed, **combination})


@pytest.mark.slow
def test_policy_sweep_commands_as_documented(tmp_path, monkeypatch):
    """README: sweep, results, compare (defaults and with --x/--y/--by) on policy_sweep."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    assert (
        main(
            [
                "sweep",
                "scenarios/policy_sweep.yaml",
                "--db",
                "results/policy_sweep.sqlite",
                "--workers",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    with ResultsDB("results/policy_sweep.sqlite") as db:
        runs = db.runs("policy_sweep")
    assert len(runs) == 120 and {run.status for run in runs} == {"ok"}
    assert (
        main(["results", "results/policy_sweep.sqlite", "--csv", "results/policy_sweep.csv"]) == 0
    )
    assert main(["compare", "results/policy_sweep.sqlite", "--out", "results/policy_sweep"]) == 0
    assert (
        main(
            [
                "compare",
                "results/policy_sweep.sqlite",
                "--out",
                "results/crossings",
                "--x",
                "efficiency.stranded_crossings_per_1000_impaired",
                "--y",
                "privacy.persons_exposed_share",
                "--by",
                "services.crossing_assist",
            ]
        )
        == 0
    )
    ranking = (tmp_path / "results" / "crossings" / "ranking.md").read_text()
    # Radar strands the fewest and identifies nobody, under every integration and retention.
    first = ranking.splitlines()[2].split(" | ")[1]
    assert first.endswith("services.crossing_assist=radar")


@pytest.mark.slow
def test_sweep_benchmark_runs(monkeypatch, capsys):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_sweep

    monkeypatch.setattr(sys, "argv", ["bench_sweep.py", "--replications", "1", "--workers", "1"])
    bench_sweep.main()
    assert "runs/min, parallel efficiency 100%" in capsys.readouterr().out
