"""The ``twin`` command line: one parser, each group of subcommands in its own module
(``scenario_commands``: run, validate, schema, explore; ``sweep_commands``: sweep,
results, compare, report; ``calibrate_commands``: calibrate); errors become one line and
an exit status here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from twin import __version__
from twin.cli import calibrate_commands, scenario_commands, sweep_commands
from twin.errors import CapacityError, OutputError, ScenarioError, TwinError

__all__ = ["main", "parser"]

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2
COMMANDS = (scenario_commands, sweep_commands, calibrate_commands)


def parser() -> argparse.ArgumentParser:
    """The ``twin`` argument parser with every subcommand."""
    top = argparse.ArgumentParser(
        prog="twin",
        description="Smart-city twin: what smart services buy, and what they cost in rights.",
    )
    top.add_argument("--version", action="version", version=f"twin {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_commands(commands)
    return top


def _set_hint(argv: list[str]) -> str | None:
    """What to write instead of ``--set PATH VALUE`` (two words), if the command has it."""
    for index, word in enumerate(argv[:-2]):
        path, value = argv[index + 1], argv[index + 2]
        if word == "--set" and (path.endswith("=") or "=" not in path):
            path = path.removesuffix("=")
            return (
                f"--set {argv[index + 1]} {value}: write PATH=VALUE as one word, "
                f"e.g. --set {path}={value}"
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit status."""
    top = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown:
        hint = _set_hint(list(sys.argv[1:] if argv is None else argv))
        top.error(hint or f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:
        top.print_help()
        return EXIT_OK
    handler = {name: h for module in COMMANDS for name, h in module.HANDLERS.items()}[args.command]
    try:
        return handler(args)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CapacityError, OutputError) as error:
        print(f"twin: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TwinError as error:
        print(f"twin: {error}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:  # a file or folder the system refuses: say which, not a trace
        where = f"{error.filename}: " if error.filename else ""
        print(f"twin: {where}{(error.strerror or str(error)).lower()}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ntwin: interrupted; results already written are intact", file=sys.stderr)
        return 130
