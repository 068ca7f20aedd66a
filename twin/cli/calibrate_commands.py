"""``twin calibrate``: fit a scenario's vehicle demand to its traffic counts."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["HANDLERS", "add_commands"]

EXIT_OK, EXIT_NOT_MATCHED = 0, 1


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``calibrate`` to the ``twin`` parser."""
    calibrate = commands.add_parser(
        "calibrate",
        help="fit vehicle demand to a scenario's counts and report GEH per count",
        description="Fit the origin and destination weights of the boundary nodes and the "
        "vehicles per hour to the scenario's counts, simulate the fitted demand once and "
        "report GEH per count; exit status 1 when fewer than 85%% of counts have GEH < 5.",
    )
    calibrate.add_argument("scenario", type=Path, help="scenario file with a counts section")
    calibrate.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key, e.g. --set seed=3 (repeatable)",
    )
    calibrate.add_argument("--out", type=Path, help="write the calibrated scenario here (YAML)")
    calibrate.add_argument("--csv", type=Path, help="write the per-count table here")


def _calibrate(args: argparse.Namespace) -> int:
    from twin.calibration.calibrate import COUNT_COLUMNS, calibrate
    from twin.calibration.geh import GEH_GOOD, SHARE_REQUIRED
    from twin.errors import ScenarioError, TwinError
    from twin.scenario import load_scenario, scenario_to_yaml

    scenario = load_scenario(args.scenario, args.overrides)
    if not scenario.counts:
        raise TwinError(f"{args.scenario}: no counts section to calibrate to")
    try:
        result = calibrate(scenario)
    except ScenarioError as error:
        raise error.in_file(str(args.scenario)) from None
    rows = result.rows()
    print("  ".join(f"{c:>10}" for c in COUNT_COLUMNS))
    for row in rows:
        print("  ".join(f"{v:>10}" for v in row))
    demand = result.scenario.demand
    print(f"\nfitted demand: {demand.vehicles_per_hour:g} vehicles/h")
    print(f"  origin weights: {dict(demand.origin_weights)}")
    print(f"  destination weights: {dict(demand.destination_weights)}")
    share = result.share_good or 0.0
    print(
        f"GEH < {GEH_GOOD:g}: {share:.0%} of {len(rows)} counts "
        f"(at least {SHARE_REQUIRED:.0%} needed, UK DMRB)"
    )
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COUNT_COLUMNS)
            writer.writerows(rows)
    if args.out:
        args.out.write_text(scenario_to_yaml(result.scenario), encoding="utf-8")
        print(f"calibrated scenario -> {args.out}")
    if not result.matched:
        for reason in result.reasons:
            print(f"twin: cannot calibrate: {reason}", file=sys.stderr)
        return EXIT_NOT_MATCHED
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"calibrate": _calibrate}
