"""Benchmark: one simulated hour of the 10x10 and 20x20 districts of issue 8.

For each district prints the whole ``twin run`` command's wall and CPU time (a
fresh interpreter: imports, simulation, files and plots), the same with
``--no-plots``, and the simulation alone (build and run of the model in this
process). Run by hand from the project
root: ``python benchmarks/bench_grid_hour.py [--only 10x10|20x20]``. It
asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, not an installed package

#: 200 m blocks, one lane, fixed 90 s cycle: the districts the issue compares with SUMO.
DISTRICTS = {
    "10x10": {"size": 10, "vehicles_per_hour": 8000, "pedestrians_per_hour": 2000},
    "20x20": {"size": 20, "vehicles_per_hour": 8000, "pedestrians_per_hour": 8000},
}


def scenario(name: str) -> dict[str, object]:
    """The scenario of district ``name`` as YAML-ready data."""
    spec = DISTRICTS[name]
    return {
        "name": f"bench-{name}-hour",
        "seed": 1,
        "duration": "1h",
        "city": {"rows": spec["size"], "cols": spec["size"], "block_length_m": 200, "lanes": 1},
        "demand": {
            "vehicles_per_hour": spec["vehicles_per_hour"],
            "pedestrians_per_hour": spec["pedestrians_per_hour"],
        },
        "signals": {"control": "fixed", "cycle_s": 90},
    }


def simulation_only(data: dict[str, object]) -> tuple[float, float, int, int]:
    """(wall s, CPU s, vehicles started, vehicles still inside) of building and running
    the model in this process."""
    from twin.scenario import parse_scenario
    from twin.simulation.model import CityModel

    start, cpu = time.perf_counter(), time.process_time()
    model = CityModel(parse_scenario(data))
    model.run_to_end()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return wall, cpu, model.traffic.started, model.traffic.active


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole_command(data: dict[str, object], folder: Path, plots: bool = True) -> tuple[float, float]:
    """(wall s, CPU s) of ``python -m twin.cli run`` on ``data`` in a fresh interpreter
    (with ``plots`` false: ``--no-plots``).

    CPU time is what to compare on a shared machine: wall time there includes
    the waits for a free core.
    """
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    start, cpu = time.perf_counter(), _children_cpu_s()
    command = [sys.executable, "-m", "twin.cli", "run", str(path), "--quiet", "--overwrite"]
    if not plots:
        command.append("--no-plots")
    subprocess.run([*command, "--out", str(folder / "out")], check=True, cwd=ROOT)
    return time.perf_counter() - start, _children_cpu_s() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(DISTRICTS), help="run one district")
    args = parser.parse_args()
    for name in [args.only] if args.only else list(DISTRICTS):
        data = scenario(name)
        with tempfile.TemporaryDirectory() as folder:
            whole, whole_cpu = whole_command(data, Path(folder))
            bare, bare_cpu = whole_command(data, Path(folder), plots=False)
        sim, sim_cpu, started, inside = simulation_only(data)
        print(
            f"{name} hour: whole command {whole:.2f} s wall / {whole_cpu:.2f} s CPU, "
            f"with --no-plots {bare:.2f} s wall / {bare_cpu:.2f} s CPU, "
            f"simulation {sim:.2f} s wall / {sim_cpu:.2f} s CPU "
            f"({started} vehicles started, {inside} still inside at the end)"
        )


if __name__ == "__main__":
    main()
