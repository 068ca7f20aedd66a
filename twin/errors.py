"""The twin's exception family: every failure the user can fix is a ``TwinError``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = [
    "SCENARIO_SOURCE",
    "CapacityError",
    "OutputError",
    "Problem",
    "ScenarioError",
    "TwinError",
]

#: The file name of a problem found on a scenario already loaded (no file at hand).
SCENARIO_SOURCE = "<scenario>"


class TwinError(Exception):
    """Base class of every error the twin raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located like a compiler message.

    Attributes:
        file: where the bad value came from: a file name, ``--set`` or ``<scenario>``.
        line: 1-based line in ``file``, or None when unknown.
        path: dotted key path such as ``signals.cycle_s``; empty for the whole file.
        message: what is wrong and how to fix it.
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(TwinError):
    """A scenario that cannot be loaded; carries every problem found, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def in_file(self, name: str) -> ScenarioError:
        """The same problems, those found on the loaded scenario (``<scenario>``) named
        as coming from file ``name``."""
        return ScenarioError(
            replace(p, file=name) if p.file == SCENARIO_SOURCE else p for p in self.problems
        )


class CapacityError(TwinError):
    """A scenario too large for the machine it is asked to run on."""


class OutputError(TwinError):
    """A results folder or file that cannot be used: unwritable, in use, or another run's."""
