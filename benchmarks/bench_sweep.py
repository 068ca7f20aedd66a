"""Benchmark: sweep throughput (runs per minute) on 1 and 2 local workers.

Runs ``scenarios/policy_sweep.yaml`` (fewer replications by default) into a
fresh database per worker count and prints runs per minute and the parallel
efficiency (throughput on N workers / (N x throughput on 1)). The wall time
includes starting the worker processes, as a user sees it. "Workers busy" is the
summed wall time of the runs over N x the sweep's wall time: the executor's own
overhead (start-up, idle workers), which other load on the machine does not hide.
"Machine busy" is the share of all cores' time spent busy during the sweep (/proc/stat,
Linux; every process on the machine), and "load" the 1-minute load average at its end:
when the machine is busier than the sweep alone makes it, the efficiency says little. Run
by hand: ``python benchmarks/bench_sweep.py``. It asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, not an installed package

from twin.sweep import ResultsDB, load_sweep, run_sweep  # noqa: E402


def cpu_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of all cores since boot, or None off Linux."""
    try:
        fields = [float(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine_busy(before: tuple[float, float] | None) -> str:
    """Share of the machine's core time busy since ``before``, and the load average."""
    after = cpu_times()
    load = f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load ?"
    if before is None or after is None or after[1] <= before[1]:
        return load
    return f"machine busy {(after[0] - before[0]) / (after[1] - before[1]):.0%}, {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=Path, default=ROOT / "scenarios" / "policy_sweep.yaml")
    parser.add_argument("--replications", type=int, default=2, help="per combination")
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    args = parser.parse_args()
    spec = dataclasses.replace(load_sweep(args.sweep), replications=args.replications)
    counts = [int(n) for n in args.workers.split(",")]
    print(
        f"sweep {spec.name}: {len(spec.combinations)} combinations x {spec.replications} "
        f"replications; {os.cpu_count()} cores"
    )
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for workers in counts:
            db_path = Path(folder) / f"w{workers}.sqlite"
            before = cpu_times()
            summary = run_sweep(spec, db_path, workers=workers, progress=False)
            machine = machine_busy(before)
            with ResultsDB(db_path) as db:
                busy = sum(run.wall_s or 0.0 for run in db.runs()) / (workers * summary.wall_s)
            rates[workers] = 60 * summary.ok / summary.wall_s
            efficiency = rates[workers] / (workers * rates[counts[0]] / counts[0])
            print(
                f"{workers} worker(s): {summary.ok} runs in {summary.wall_s:.1f} s = "
                f"{rates[workers]:.1f} runs/min, parallel efficiency {efficiency:.0%}, "
                f"workers busy {busy:.0%}; {machine}"
            )


if __name__ == "__main__":
    main()
