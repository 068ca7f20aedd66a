"""The ``twin`` command line: ``twin.cli.main`` parses the arguments and runs a command."""

from twin.cli.scenario_commands import main

__all__ = ["main"]
