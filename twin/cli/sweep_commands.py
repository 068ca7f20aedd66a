"""The analysis subcommands of ``twin``: sweep, results, compare, report."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path

from twin.errors import OutputError, TwinError

__all__ = ["HANDLERS", "add_commands"]

EXIT_OK, EXIT_ERROR = 0, 1


def _at_least_one(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``sweep``, ``results``, ``compare`` and ``report`` to the ``twin`` parser."""
    sweep = commands.add_parser(
        "sweep",
        help="run policy combinations x replications into a results database",
        description="Run every combination x replication of a sweep file (or of a scenario's "
        "sweep section); finished runs are kept, so the same command resumes a killed sweep.",
    )
    sweep.add_argument("sweep", type=Path, help="sweep file, or scenario with a sweep section")
    sweep.add_argument(
        "--db", type=Path, default=Path("results/sweeps.sqlite"), help="results database"
    )
    sweep.add_argument(
        "--workers", type=_at_least_one, help="local worker processes (default: cores)"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask cluster")
    where.add_argument(
        "--dask-local",
        type=_at_least_one,
        metavar="N",
        help="start a local Dask cluster of N workers",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    results = commands.add_parser(
        "results",
        help="print or export a results database as a tidy table",
        description="Print a results database as a tidy CSV table (one row per run and "
        "metric), or write it to a file.",
    )
    results.add_argument("db", type=Path, help="results database")
    results.add_argument("--csv", type=Path, help="write the table to this CSV file")
    results.add_argument("--sweep", help="only this sweep")

    compare = commands.add_parser(
        "compare",
        help="trade-off plots, Pareto front and ranked table of a sweep's policies",
        description="Compare the policies of a sweep: mean and 95%% interval per policy, "
        "paired differences against a reference, Pareto front, ranked table and report.",
    )
    compare.add_argument("db", type=Path, help="results database")
    compare.add_argument("--out", type=Path, required=True, help="folder for figures and tables")
    compare.add_argument("--sweep", help="which sweep (default: the only or latest one)")
    compare.add_argument("--x", help="metric on the x axis, e.g. efficiency.vehicle_delay_s_mean")
    compare.add_argument("--y", help="metric on the y axis")
    compare.add_argument("--by", help="parameter that colours the points")
    compare.add_argument(
        "--reference", help="reference policy, by code or label (default: the first)"
    )

    report = commands.add_parser(
        "report",
        help="rebuild the transparency report of a results folder",
        description="Write report.md and report.html, in plain language, from the files of "
        "a results folder (scenario.yaml, metrics.json, sensors.json, links.json).",
    )
    report.add_argument("folder", type=Path, help="results folder of a run")


def _sweep(args: argparse.Namespace) -> int:
    from twin.sweep import load_sweep, run_sweep

    spec = load_sweep(args.sweep)
    summary = run_sweep(
        spec,
        args.db,
        workers=args.workers,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
        progress=not args.quiet,
    )
    if not args.quiet:
        print(
            f"{spec.name}: {summary.total} runs, {summary.skipped} already done, "
            f"{summary.ok} ran, {summary.failed} failed ({summary.wall_s:.1f} s) -> {args.db}"
        )
        for error in summary.errors[:10]:
            print(f"  failed: {error}")
        if len(summary.errors) > 10:
            print(f"  ... {len(summary.errors) - 10} more (twin results {args.db})")
    return EXIT_OK if summary.failed == 0 else EXIT_ERROR


def _results(args: argparse.Namespace) -> int:
    from twin.sweep import ResultsDB

    with ResultsDB(args.db, create=False) as db:
        names = db.sweeps()
        if args.sweep is not None and args.sweep not in names:
            held = ", ".join(names) or "no runs yet"
            raise TwinError(f"{args.db}: no sweep {args.sweep!r}; it holds: {held}")
        columns, tidy = db.tidy(args.sweep)
        rows = [[_cell(value) for value in row] for row in tidy]
        if args.csv:
            from twin.results.files import write_atomic

            def write(handle) -> None:  # type: ignore[no-untyped-def]
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows(rows)

            try:
                write_atomic(args.csv, write)
            except OSError as error:
                reason = (error.strerror or str(error)).lower()
                raise OutputError(f"--csv {args.csv}: cannot write there ({reason})") from None
            runs = db.runs(args.sweep)
            ok = sum(run.status == "ok" for run in runs)
            print(f"{len(runs)} runs ({ok} ok), {len(rows)} rows -> {args.csv}")
        else:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
    return EXIT_OK


def _cell(value: object) -> object:
    """A table cell as CSV holds it: a mapping or list value (``policy.retention``) as JSON."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def _compare(args: argparse.Namespace) -> int:
    from twin.sweep.tradeoffs import compare_sweep

    written = compare_sweep(
        args.db,
        args.out,
        sweep=args.sweep,
        x=args.x,
        y=args.y,
        by=args.by,
        reference=args.reference,
    )
    print(f"{len(written)} files in {args.out}/")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from twin.results.report import write_report

    written = write_report(args.folder)
    print(" ".join(str(path) for path in written))
    return EXIT_OK


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sweep": _sweep,
    "results": _results,
    "compare": _compare,
    "report": _report,
}
