"""Benchmark: the surveillance city for 7 simulated days with stores at steady state.

``scenarios/surveillance_default.yaml`` (4 x 4, 2,000 residents: AI cameras at every
crosswalk, video analytics at every intersection, one integrated platform keeping
everything forever) run for 7 days through ``twin.run``: the stores start holding the
31 days before the run (``policy.history``), generated from the routines, so the
privacy analysis works on 38 days of records. Prints wall seconds of the whole run
and of its privacy analysis, the records held, peak memory and the capacity
estimate. Run by hand (``python benchmarks/bench_privacy_week.py``); asserts nothing
about speed. ``--scenario scenarios/baseline.yaml --surveil`` runs the 5,000-resident
baseline district with the same sensors and policy instead.
"""

from __future__ import annotations

import argparse
import resource
import time

import twin
from twin.simulation.capacity import estimate_memory_bytes

SURVEILLANCE = {
    "warmup": 0,
    "demand.profile": "daily",
    "services.crossing_assist": "camera_ai",
    "services.traffic_monitoring.method": "video_analytics",
    "services.traffic_monitoring.share": 1.0,
    "policy.integration": "integrated",
    "policy.retention.direct": "forever",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--scenario", default="scenarios/surveillance_default.yaml")
    parser.add_argument("--surveil", action="store_true", help="apply the surveillance settings")
    parser.add_argument("--history", default=None, help="policy.history (default: the policy's)")
    args = parser.parse_args()
    changes: dict[str, object] = {"duration": f"{args.days * 24}h"}
    if args.surveil:
        changes.update(SURVEILLANCE)
    if args.history is not None:
        changes["policy.history"] = args.history
    scenario = twin.load(args.scenario, changes)
    start = time.perf_counter()
    result = twin.run(scenario)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    privacy = result.metrics["privacy"]
    assert isinstance(privacy, dict)
    print(
        f"{scenario.name}, days {args.days:g} + {privacy['history_days']} of history: wall "
        f"{wall:.1f} s (privacy analysis {result.timing['privacy_s']:.1f} s), records observed "
        f"{privacy['records_observed']:,}, identifiable records held "
        f"{privacy['identifiable_records_retained']:,}"
    )
    print(
        f"peak memory {peak_mb:.0f} MB; capacity estimate "
        f"{estimate_memory_bytes(scenario) / 1024**2:.0f} MB"
    )
    for key in (
        "persons_exposed",
        "directly_identified",
        "expected_reidentified",
        "unicity_p2",
        "unicity_p4",
        "reidentification_risk_mean",
    ):
        print(f"  {key}: {privacy[key]}")


if __name__ == "__main__":
    main()
