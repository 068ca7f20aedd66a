"""Benchmark: one explorer frame on the baseline district, as the page makes it: simulate
the frame, move and encode the map (its painter is kept between frames), redraw each
chart and read the costs panel.

Prints the median and worst wall time per frame over a simulated hour; ``--busy N``
keeps N other processes spinning meanwhile (a loaded machine). Run by hand
(``python benchmarks/bench_explorer_frame.py [--busy 2]``); asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

from twin.app.adapter import DEFAULT_STEP_S, ExplorerModel
from twin.app.charts import chart_png, series
from twin.app.costs import RunHistory, cost_rows
from twin.app.drawing import district_png


def spin(stop: float) -> None:
    """Keep a core busy until ``stop`` (time.time)."""
    while time.time() < stop:
        sum(range(10_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=33, help="frames (default: ~1 hour)")
    parser.add_argument("--busy", type=int, default=0, help="other busy processes meanwhile")
    args = parser.parse_args()
    model = ExplorerModel()
    history = RunHistory()
    history.see(model)
    spinners = [
        multiprocessing.Process(target=spin, args=(time.time() + 3600,), daemon=True)
        for _ in range(args.busy)
    ]
    for process in spinners:
        process.start()
    step_s, draw_s, total_s = [], [], []
    try:
        for _ in range(args.frames):
            start = time.perf_counter()
            model.step()
            stepped = time.perf_counter()
            district_png(model)
            for family in series(model):
                chart_png(model, family)
            cost_rows(model, history)
            done = time.perf_counter()
            step_s.append(stepped - start)
            draw_s.append(done - stepped)
            total_s.append(done - start)
    finally:
        for process in spinners:
            process.terminate()
    load = os.getloadavg()[0]
    print(
        f"baseline, {DEFAULT_STEP_S:.0f} simulated s per frame, {args.frames} frames, "
        f"{args.busy} busy processes, load average {load:.1f} on {os.cpu_count()} cores"
    )
    for label, values in (
        ("simulate", step_s),
        ("draw map + charts", draw_s),
        ("frame", total_s),
    ):
        print(
            f"  {label:<17} median {statistics.median(values) * 1000:6.0f} ms"
            f"   worst {max(values) * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
