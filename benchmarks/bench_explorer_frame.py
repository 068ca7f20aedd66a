"""Benchmark: one explorer frame on the baseline district (simulate, place, draw, encode).

Prints the median and worst wall time per frame over a simulated hour. Run by
hand (``python benchmarks/bench_explorer_frame.py``); asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from twin.app.adapter import DEFAULT_STEP_S, ExplorerModel
from twin.app.charts import family_figure
from twin.app.drawing import district_figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=33, help="frames (default: ~1 hour)")
    args = parser.parse_args()
    model = ExplorerModel()
    step_s, draw_s = [], []
    for _ in range(args.frames):
        start = time.perf_counter()
        model.step()
        stepped = time.perf_counter()
        for figure in (district_figure(model)[0], family_figure(model, "efficiency")):
            assert figure is not None
            figure.savefig(io.BytesIO(), format="png")
        step_s.append(stepped - start)
        draw_s.append(time.perf_counter() - stepped)
    print(f"baseline, {DEFAULT_STEP_S:.0f} simulated s per frame, {args.frames} frames")
    for label, values in (("simulate", step_s), ("draw map + chart", draw_s)):
        print(
            f"  {label:<17} median {statistics.median(values) * 1000:6.0f} ms"
            f"   worst {max(values) * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
