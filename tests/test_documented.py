"""The sweep file docs/sweeps.md shows, and the sweep benchmark, run as written
(the commands themselves: tests/test_doc_commands.py)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from twin.sweep import load_sweep
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
def test_sweep_benchmark_runs(monkeypatch, capsys, tmp_path):
    """The benchmark on the bundled policy sweep cut to two of its policies."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_sweep

    data = yaml.safe_load((ROOT / "scenarios" / "policy_sweep.yaml").read_text())
    data["sweep"]["grid"] = {"services.crossing_assist": ["push_button", "radar"]}
    small = tmp_path / "two_policies.yaml"
    small.write_text(yaml.safe_dump(data))
    argv = ["bench_sweep.py", "--sweep", str(small), "--replications", "1", "--workers", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    bench_sweep.main()
    out = capsys.readouterr().out
    combinations = len(load_sweep(small).combinations)
    assert combinations == 2
    done = re.search(r"1 worker\(s\): (\d+) runs in ([\d.]+) s = ([\d.]+) runs/min", out)
    assert done is not None, out
    runs, seconds, rate = int(done[1]), float(done[2]), float(done[3])
    assert runs == combinations  # every run of the sweep finished, none lost
    # seconds are printed to 0.1 s, the rate to 0.1 run/min: both rounded
    assert rate == pytest.approx(60 * runs / seconds, rel=0.05 / (seconds - 0.05), abs=0.05)


@pytest.mark.slow
def test_city_scale_benchmark_runs(monkeypatch, capsys):
    """A short variant of the city-scale benchmark: every figure printed, the phases
    adding up to no more than the whole."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_city_scale

    monkeypatch.setattr(sys, "argv", ["bench_city_scale.py", "--hours", "0.5"])
    bench_city_scale.main()
    out = capsys.readouterr().out
    figure = {
        name: float(re.search(rf"^\s*{name}\s+([\d,.]+)", out, re.M)[1].replace(",", ""))  # type: ignore[index]
        for name in ("wall", "CPU", "peak RSS", "build", "simulate", "metrics/privacy", "writing")
    }
    assert "32x32 grid, 100,000 residents" in out
    assert figure["peak RSS"] > 0 and figure["CPU"] > 0
    phases = figure["build"] + figure["simulate"] + figure["metrics/privacy"] + figure["writing"]
    assert phases <= figure["wall"] + 0.2
