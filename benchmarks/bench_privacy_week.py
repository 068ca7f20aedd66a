"""Benchmark: the baseline district for 7 simulated days with every record kept.

Cameras at every crosswalk (camera_ai) and video analytics at every
intersection, an integrated platform keeping everything forever: the largest
record table the baseline district produces. Prints wall seconds of the run and
of the privacy analysis, the record count and peak memory. Run by hand
(``python benchmarks/bench_privacy_week.py``); asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import resource
import time

from twin.digital.run_privacy import privacy_of_run
from twin.model import CityModel
from twin.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=7.0)
    args = parser.parse_args()
    scenario = load_scenario(
        "scenarios/baseline.yaml",
        [
            f"duration={args.days * 24}h",
            "warmup=0",
            "demand.profile=daily",
            "services.crossing_assist=camera_ai",
            "services.traffic_monitoring.method=video_analytics",
            "policy.integration=integrated",
            "policy.retention.direct=forever",
            "policy.retention.persistent=forever",
        ],
    )
    start = time.perf_counter()
    model = CityModel(scenario)
    model.run_to_end()
    ran = time.perf_counter()
    outcome = privacy_of_run(model)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"days {args.days:g}: run {ran - start:.1f} s, privacy {done - ran:.1f} s")
    print(f"records {len(outcome.records):,}, peak memory {peak_mb:.0f} MB")
    for key in ("persons_exposed", "unicity_p2", "unicity_p4", "reidentification_risk_mean"):
        print(f"  {key}: {outcome.metrics[key]}")


if __name__ == "__main__":
    main()
