"""The scenario subcommands of ``twin``: run, validate, schema, explore."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from twin.durations import format_duration
from twin.errors import CapacityError, OutputError, ScenarioError, TwinError

if TYPE_CHECKING:
    from twin.simulation.runner import RunResult

EXIT_OK, EXIT_BAD_INPUT = 0, 2

#: (metric, label, format): the summary printed after every run; each service adds its rows.
SUMMARY_ROWS = (
    ("vehicle_trips_completed", "vehicle trips completed", "{:,.0f}"),
    ("vehicle_delay_s_mean", "vehicle delay, mean (s)", "{:.1f}"),
    ("vehicle_delay_s_p90", "vehicle delay, 90th pct (s)", "{:.1f}"),
    ("pedestrian_trips_completed", "pedestrian trips completed", "{:,.0f}"),
    ("pedestrian_delay_s_mean", "pedestrian delay, mean (s)", "{:.1f}"),
    ("pedestrian_signal_wait_s_mean", "curb wait for WALK, mean (s)", "{:.1f}"),
    ("impaired_crossings", "crossings by impaired pedestrians", "{:,.0f}"),
    ("stranded_crossings", "stranded crossings", "{:,.0f}"),
    ("stranded_crossings_per_1000_impaired", "  per 1,000 impaired crossings", "{:.1f}"),
    ("vehicle_pedestrian_conflicts", "vehicle-pedestrian conflicts", "{:,.0f}"),
)
#: (metric, label, format): the privacy rows of the summary (``metrics.json`` -> ``privacy``).
PRIVACY_ROWS = (
    ("records_observed", "sensor records observed", "{:,.0f}"),
    ("history_days", "days held from before the run", "{:,.0f}"),
    ("identifiable_records_retained", "identifiable records retained", "{:,.0f}"),
    ("persons_exposed", "residents exposed", "{:,.0f}"),
    ("directly_identified", "  identified with certainty", "{:,.0f}"),
    ("expected_reidentified", "  expected re-identified", "{:,.0f}"),
    ("sensitive_persons_exposed", "  with health data (Art. 9)", "{:,.0f}"),
    ("sensitive_false_positives", "    wrongly flagged", "{:,.0f}"),
    ("nonconsenting_persons_exposed", "  beyond their consent", "{:,.0f}"),
    ("persons_exposed_share", "  share of residents", "{:.2f}"),
    ("unicity_p4", "traces singled out by 4 points", "{:.2f}"),
    ("reidentification_risk_mean", "re-identification risk, mean", "{:.2f}"),
    ("linkable_persons_share", "linkable across systems (share)", "{:.2f}"),
    ("untrusted_vendor_records", "records an untrusted vendor reaches", "{:,.0f}"),
    ("release_persons_singled_out", "alone in a published count", "{:,.0f}"),
)
#: (metric, label, format): the security rows (``metrics.json`` -> ``security``), each a
#: mean with its 95 % interval over the attack's replications.
SECURITY_ROWS = (
    ("components_compromised_share", "components compromised (share)", "{:.2f}"),
    ("service_hours_lost", "service-hours lost", "{:.1f}"),
    ("persons_affected", "residents affected", "{:,.0f}"),
    ("persons_exfiltrated", "residents exfiltrated", "{:,.0f}"),
    ("sensitive_persons_exfiltrated", "  with health data (Art. 9)", "{:,.0f}"),
    ("extra_vehicle_delay_s", "extra vehicle delay per trip (s)", "{:+.1f}"),
    ("conflicts_added", "vehicle-pedestrian conflicts added", "{:+,.0f}"),
    ("emergency_response_added_s", "emergency response added (s)", "{:+.1f}"),
    ("time_to_detect_h", "time to detect (h)", "{:.1f}"),
)
#: Shown for a metric with nothing to measure (``null`` in metrics.json).
NOTHING = "\u2014"


def summary_lines(result: RunResult) -> list[str]:
    """The summary printed after a run: core rows, each running service's rows, privacy,
    security, and with ``--benefits`` what each service buys."""
    from twin.results.benefits import benefit_lines

    efficiency = result.metrics["efficiency"]
    assert isinstance(efficiency, dict)
    rows = list(SUMMARY_ROWS)
    for service in result.services.values():
        rows += [(r.metric, r.label, r.fmt) for r in type(service).summary_rows(result.scenario)]
    privacy = result.metrics.get("privacy")
    sections = [(efficiency, rows)]
    if isinstance(privacy, dict):
        sections.append((privacy, list(PRIVACY_ROWS)))
    security = result.metrics.get("security")
    attacked = isinstance(security, dict) and security.get("attacks")
    if attacked:
        sections.append((security, list(SECURITY_ROWS)))  # type: ignore[arg-type]
    width = max(len(label) for _, section in sections for _, label, _ in section)
    lines = []
    for values, section in sections:
        if values is privacy:
            lines.append("  privacy (what the stores retain at the end, steady state)")
        if values is security:
            lines.append(_security_heading(values))
        for key, label, fmt in section:
            value = values.get(key)
            interval = value if isinstance(value, dict) else None
            if interval is not None:
                value = interval.get("mean")
            shown = NOTHING if value is None else fmt.format(value)
            line = f"  {label:<{width}}  {shown:>10}"
            if interval is not None and interval.get("ci_low") is not None:
                low, high = fmt.format(interval["ci_low"]), fmt.format(interval["ci_high"])
                line += f"  [{low}, {high}]"
            lines.append(line)
    return lines + benefit_lines(result.metrics)


def _security_heading(section: dict[str, object]) -> str:
    """The line above the security rows: what was drawn and what was simulated."""
    return (
        f"  security: the attack ({', '.join(section.get('effects', []))}) over "  # type: ignore[arg-type]
        f"{section.get('replications')} replications, {section.get('simulated_replications')} "
        "simulated; mean [95 % interval], attacked minus the run above"
    )


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``run``, ``validate``, ``schema`` and ``explore`` to the ``twin`` parser."""
    run = commands.add_parser(
        "run",
        help="run a scenario and write its results folder",
        description="Run a scenario YAML and write metrics, time series, plots and a log.",
    )
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument(
        "--out", type=Path, help="results folder (default: results/NAME-seedSEED-HASH)"
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the results of another scenario in --out",
    )
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    _add_set(run)
    run.add_argument(
        "--trips", action="store_true", help="also write every trip and crossing as CSV"
    )
    run.add_argument(
        "--trajectories",
        action="store_true",
        help="also write the identifiable records held at the end as trajectories "
        "(trajectories.csv: uid, lat, lng, datetime; scikit-mobility's columns)",
    )
    run.add_argument(
        "--benefits",
        action="store_true",
        help="also run the day once more per service with what its data buys switched "
        "off, and report each service's measured benefit beside its data footprint "
        "(one more run per service)",
    )
    run.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        help="skip plots/ (faster; everything else is written)",
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
    _add_explore(commands)


def _add_explore(commands: argparse._SubParsersAction) -> None:
    explore = commands.add_parser(
        "explore",
        help="explore a scenario in the browser (needs the app extra)",
        description="Serve the interactive explorer (Mesa SolaraViz) and print its URL. "
        'Needs the app extra: pip install -e ".[app]".',
    )
    explore.add_argument(
        "scenario", type=Path, nargs="?", help="scenario YAML file (default: the baseline)"
    )
    explore.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    explore.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1: this machine only)",
    )


def _explore(args: argparse.Namespace) -> int:
    from twin.scenario import load_scenario
    from twin.scenario.loading import DEFAULT_SCENARIO

    path = args.scenario or DEFAULT_SCENARIO
    load_scenario(path)  # a bad file fails here, not in the browser
    if not 0 < args.port < 65536:
        raise TwinError(f"explore: --port {args.port} is not a port; expected 1 to 65535")
    try:
        from twin.app.server import serve
    except ImportError as error:
        raise TwinError(
            f'explore needs the app extra ({error.name} is missing): pip install -e ".[app]"'
        ) from error
    return serve(path, args.host, args.port)


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
    # Mesa first, from a shallow call stack: its loggers walk the caller's stack when
    # imported (inspect.stack), which costs ~0.08 s more from deep in the scenario imports.
    import mesa  # noqa: F401

    from twin.api import run_log
    from twin.cli.progress import Progress
    from twin.results.folder import check_folder, default_folder, folder_lock
    from twin.results.writer import write_results
    from twin.scenario import load_scenario
    from twin.simulation.benefits import measure_benefits
    from twin.simulation.capacity import check_capacity
    from twin.simulation.checks import scenario_warnings
    from twin.simulation.runner import run_scenario

    wall_start = time.perf_counter()
    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    scenario = load_scenario(args.scenario, overrides)
    check_capacity(scenario)  # before a folder is made for a run that cannot start
    out = args.out or default_folder(scenario)
    check_folder(out, scenario, args.overwrite)
    early = scenario_warnings(scenario)
    for line in early:
        print(f"twin: warning: {line}", file=sys.stderr)
    with folder_lock(out):
        progress = None if args.quiet else Progress(scenario.name)
        try:
            result = run_scenario(scenario, progress)
        except ScenarioError as error:  # found once the city is built (an attack's entry)
            raise error.in_file(str(args.scenario)) from None
        if args.benefits:
            measure_benefits(result, None if args.quiet else Progress)
        for line in (w for w in result.warnings if w not in early):  # found by the run
            print(f"twin: warning: {line}", file=sys.stderr)
        log = run_log(result, str(args.scenario), " ".join(overrides) or "none")
        written = write_results(
            result, out, log, trips=args.trips, plots=args.plots, trajectories=args.trajectories
        )
    if not args.quiet:
        print(
            f"\n{scenario.name} (seed {scenario.seed}, {format_duration(scenario.duration)}, "
            f"warm-up {format_duration(scenario.warmup)} excluded)"
        )
        print("\n".join(summary_lines(result)))
        wall = time.perf_counter() - wall_start  # the whole command: every run and the files
        print(f"\n{len(written)} files in {out}/  (wall {wall:.1f} s)")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            warnings = (_validate_sweep if _has_sweep(path) else _validate_scenario)(
                path, args.overrides
            )
        except ScenarioError as error:
            print(error, file=sys.stderr)
            status = EXIT_BAD_INPUT
        except CapacityError as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            for line in warnings:
                print(f"{path}: warning: {line}", file=sys.stderr)
    return status


def _has_sweep(path: Path) -> bool:
    """Whether ``path`` holds a ``sweep`` section (unreadable files: the loader says why)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "sweep" in data


def _validate_scenario(path: Path, overrides: list[str]) -> list[str]:
    """What ``twin run`` checks before it starts: the file, the memory it needs, the
    services that cannot act and the policy settings the deployed sensors make moot."""
    from twin.scenario import load_scenario
    from twin.simulation.capacity import check_capacity
    from twin.simulation.checks import check_city, scenario_warnings

    scenario = load_scenario(path, overrides)
    check_capacity(scenario)
    try:
        city = check_city(scenario)
    except ScenarioError as error:
        raise error.in_file(str(path)) from None
    print(f"{path}: ok ({scenario.name})")
    return scenario_warnings(scenario) + city


def _validate_sweep(path: Path, overrides: list[str]) -> list[str]:
    """The sweep section, its base and every combination, loaded as the sweep would."""
    from twin.scenario import load_scenario
    from twin.sweep import check_sweep, load_sweep

    spec = load_sweep(path)
    load_scenario(spec.base, overrides)  # a bad --set is the command line's, not the sweep's
    check = check_sweep(spec, overrides)
    if check.problems:
        raise ScenarioError(check.problems)
    combinations = len(spec.combinations)
    print(
        f"{path}: ok (sweep {spec.name}: {combinations} combination"
        f"{'s' if combinations != 1 else ''} x {spec.replications} replication"
        f"{'s' if spec.replications != 1 else ''} = "
        f"{combinations * spec.replications} runs)"
    )
    return check.warnings


def _schema(args: argparse.Namespace) -> int:
    from twin.scenario import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out:
        from twin.results.files import write_atomic

        if args.out.is_dir():
            raise OutputError(f"--out {args.out}: is a folder; give a file name")
        try:
            write_atomic(args.out, text)
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            raise OutputError(f"--out {args.out}: cannot write there ({reason})") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _run,
    "validate": _validate,
    "schema": _schema,
    "explore": _explore,
}
