"""The ``twin`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from twin.durations import format_duration
from twin.errors import CapacityError, ScenarioError, TwinError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2

#: (metric, label, format, shown when): the summary printed after a run.
SUMMARY_ROWS = (
    ("vehicle_trips_completed", "vehicle trips completed", "{:,.0f}", "always"),
    ("vehicle_delay_s_mean", "vehicle delay, mean (s)", "{:.1f}", "always"),
    ("vehicle_delay_s_p90", "vehicle delay, 90th pct (s)", "{:.1f}", "always"),
    ("pedestrian_trips_completed", "pedestrian trips completed", "{:,.0f}", "always"),
    ("pedestrian_delay_s_mean", "pedestrian delay, mean (s)", "{:.1f}", "always"),
    ("pedestrian_signal_wait_s_mean", "curb wait for WALK, mean (s)", "{:.1f}", "always"),
    ("impaired_crossings", "crossings by impaired pedestrians", "{:,.0f}", "always"),
    ("stranded_crossings", "stranded crossings", "{:,.0f}", "always"),
    ("stranded_crossings_per_1000_impaired", "  per 1,000 impaired crossings", "{:.1f}", "always"),
    ("vehicle_pedestrian_conflicts", "vehicle-pedestrian conflicts", "{:,.0f}", "always"),
    ("emergency_responses", "ambulance responses", "{:,.0f}", "emergency"),
    ("emergency_response_s_mean", "response time, mean (s)", "{:.1f}", "emergency"),
    ("emergency_response_s_p90", "response time, 90th pct (s)", "{:.1f}", "emergency"),
    ("sidewalk_heating_kwh", "sidewalk heating (kWh)", "{:,.0f}", "winter"),
    ("snow_covered_sidewalk_km_h", "snow-covered sidewalk (km h)", "{:.1f}", "winter"),
    ("slip_incidents", "slip incidents", "{:,.0f}", "winter"),
)


class Progress:
    """Shows how far a run has got on stderr: a live line on a terminal, else every 25%."""

    def __init__(self, label: str, stream=sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.live = stream.isatty()
        self.start = time.perf_counter()
        self.next_share = 0.25

    def __call__(self, now_s: float, end_s: float) -> None:
        share = now_s / end_s
        elapsed = time.perf_counter() - self.start
        text = (
            f"{self.label}: simulated {format_duration(now_s)} of {format_duration(end_s)} "
            f"({share:.0%}) in {elapsed:.1f} s"
        )
        if self.live:
            self.stream.write("\r" + text + ("\n" if share >= 1 else ""))
            self.stream.flush()
        elif share >= self.next_share:
            self.stream.write(text + "\n")
            while self.next_share <= share:
                self.next_share += 0.25


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twin",
        description="Smart-city twin: what smart services buy, and what they cost in rights.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a scenario and write its results folder",
        description="Run a scenario YAML and write metrics, time series, plots and a log.",
    )
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--out", type=Path, help="results folder (default: results/NAME-seedSEED)")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    _add_set(run)
    run.add_argument(
        "--trips", action="store_true", help="also write every trip and crossing as CSV"
    )
    run.add_argument("--quiet", action="store_true", help="no progress or summary output")

    validate = commands.add_parser(
        "validate",
        help="check scenario files without running them",
        description="Check scenario files; prints one line per problem and exits 2 if any.",
    )
    validate.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files")
    _add_set(validate)

    schema = commands.add_parser(
        "schema",
        help="print the scenario JSON Schema",
        description="Print the JSON Schema that scenario files are validated against.",
    )
    schema.add_argument("--out", type=Path, help="write to this file instead of stdout")
    return parser


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario key, e.g. --set city.rows=1 (repeatable)",
    )


def _run(args: argparse.Namespace) -> int:
    from twin.output import write_results
    from twin.runner import run_scenario
    from twin.scenario import load_scenario

    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    scenario = load_scenario(args.scenario, overrides)
    out = args.out or Path("results") / f"{scenario.name}-seed{scenario.seed}"
    progress = None if args.quiet else Progress(scenario.name)
    result = run_scenario(scenario, progress)
    log = [
        f"scenario: {args.scenario} (name {scenario.name}, seed {scenario.seed}, "
        f"hash {scenario.content_hash()[:12]})",
        f"overrides: {' '.join(overrides) or 'none'}",
        *(f"{key}: {value:.6g}" for key, value in result.timing.items()),
    ]
    for warning in result.metrics.get("warnings", ()):  # type: ignore[attr-defined]
        print(f"twin: warning: {warning}", file=sys.stderr)
        log.append(f"warning: {warning}")
    written = write_results(result, out, log, trips=args.trips)
    if not args.quiet:
        efficiency = result.metrics["efficiency"]
        assert isinstance(efficiency, dict)
        shown = {
            "always": True,
            "emergency": scenario.emergency.incidents_per_hour > 0,
            "winter": bool(scenario.weather.snowfall)
            or scenario.services.sidewalk_heating.activation != "off",
        }
        rows = [row for row in SUMMARY_ROWS if shown[row[3]]]
        width = max(len(label) for _, label, _, _ in rows)
        print(
            f"\n{scenario.name} (seed {scenario.seed}, {format_duration(scenario.duration)}, "
            f"warm-up {format_duration(scenario.warmup)} excluded)"
        )
        for key, label, fmt, _ in rows:
            print(f"  {label:<{width}}  {fmt.format(efficiency[key]):>10}")
        print(f"\n{len(written)} files in {out}/  (wall {result.timing['wall_s']:.1f} s)")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from twin.scenario import load_scenario

    status = EXIT_OK
    for path in args.scenarios:
        try:
            scenario = load_scenario(path, args.overrides)
        except ScenarioError as error:
            print(error, file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{path}: ok ({scenario.name})")
    return status


def _schema(args: argparse.Namespace) -> int:
    from twin.scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    handler = {"run": _run, "validate": _validate, "schema": _schema}[args.command]
    try:
        return handler(args)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except CapacityError as error:
        print(f"twin: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TwinError as error:
        print(f"twin: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ntwin: interrupted; results already written are intact", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
