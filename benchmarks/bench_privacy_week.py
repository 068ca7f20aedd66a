"""Benchmark: the baseline district for 7 simulated days with every record kept.

Cameras at every crosswalk (camera_ai) and video analytics at every
intersection, an integrated platform keeping everything forever: the largest
record table the baseline district produces. Runs through ``twin.run`` (the
privacy section is computed by the runner, as for every run) and prints wall
seconds of the whole run and of its privacy analysis, the records observed,
peak memory and the capacity estimate. Run by hand
(``python benchmarks/bench_privacy_week.py``); asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import resource
import time

import twin
from twin.simulation.capacity import estimate_memory_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=7.0)
    args = parser.parse_args()
    scenario = twin.load(
        "scenarios/baseline.yaml",
        {
            "duration": f"{args.days * 24}h",
            "warmup": 0,
            "demand.profile": "daily",
            "services.crossing_assist": "camera_ai",
            "services.traffic_monitoring.method": "video_analytics",
            "policy.integration": "integrated",
            "policy.retention.direct": "forever",
            "policy.retention.persistent": "forever",
        },
    )
    start = time.perf_counter()
    result = twin.run(scenario)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    privacy = result.metrics["privacy"]
    assert isinstance(privacy, dict)
    print(
        f"days {args.days:g}: wall {wall:.1f} s (privacy analysis {result.timing['privacy_s']:.1f}"
        f" s), records {privacy['records_observed']:,}"
    )
    print(
        f"peak memory {peak_mb:.0f} MB; capacity estimate "
        f"{estimate_memory_bytes(scenario) / 1024**2:.0f} MB"
    )
    for key in ("persons_exposed", "unicity_p2", "unicity_p4", "reidentification_risk_mean"):
        print(f"  {key}: {privacy[key]}")


if __name__ == "__main__":
    main()
