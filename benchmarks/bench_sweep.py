"""Benchmark: sweep throughput (runs per minute) on 1 and 2 local workers.

Runs ``scenarios/policy_sweep.yaml`` (fewer replications by default) into a
fresh database per worker count and prints runs per minute and the parallel
efficiency (throughput on N workers / (N x throughput on 1)). The wall time
includes starting the worker processes, as a user sees it. "Workers busy" is the
summed wall time of the runs over N x the sweep's wall time: the executor's own
overhead (start-up, idle workers), which other load on the machine does not hide. Run by hand:
``python benchmarks/bench_sweep.py``. It asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path

from twin.sweep import ResultsDB, load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]


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
            summary = run_sweep(spec, db_path, workers=workers, progress=False)
            with ResultsDB(db_path) as db:
                busy = sum(run.wall_s or 0.0 for run in db.runs()) / (workers * summary.wall_s)
            rates[workers] = 60 * summary.ok / summary.wall_s
            efficiency = rates[workers] / (workers * rates[counts[0]] / counts[0])
            print(
                f"{workers} worker(s): {summary.ok} runs in {summary.wall_s:.1f} s = "
                f"{rates[workers]:.1f} runs/min, parallel efficiency {efficiency:.0%}, "
                f"workers busy {busy:.0%}"
            )


if __name__ == "__main__":
    main()
