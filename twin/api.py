"""The Python API: load a scenario, run it, write its results folder.

>>> import twin
>>> result = twin.run(twin.load("scenarios/baseline.yaml", {"duration": "1h"}))
>>> result.metrics["efficiency"]["vehicle_delay_s_mean"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.scenario import Scenario
    from twin.simulation.runner import RunResult


def load(path: str | PathLike[str], overrides: Mapping[str, object] | None = None) -> Scenario:
    """Read and validate a scenario file, with ``overrides`` such as ``{"city.rows": 6}``.

    Overrides follow the rules of ``twin run --set`` (dotted paths; durations as
    strings like ``"1h"``); a bad file or value raises ``twin.errors.ScenarioError``
    naming the file, line, field, value and what was expected (a bad override as
    ``overrides: city.rows: ...``).
    """
    from twin.scenario import load_scenario
    from twin.scenario.loading import overrides_from_mapping

    return load_scenario(path, overrides_from_mapping(overrides or {}), "overrides")


def run(scenario: Scenario, progress: Callable[[float, float], None] | None = None) -> RunResult:
    """Run ``scenario`` to the end; ``progress(now_s, end_s)`` is called along the way.

    Returns a ``RunResult`` whose ``metrics`` is the dict written as ``metrics.json``.
    Warnings about services that cannot act, and policy settings that cannot matter
    for the sensors deployed, are in ``result.warnings``.
    """
    from twin.simulation.runner import run_scenario

    return run_scenario(scenario, progress)


def write(
    result: RunResult,
    folder: str | PathLike[str],
    trips: bool = False,
    overwrite: bool = False,
    plots: bool = True,
) -> list[Path]:
    """Write ``result``'s results folder (refusing another scenario's unless ``overwrite``;
    without ``plots``, no ``plots/``); returns the files written."""
    from twin.results.folder import check_folder, folder_lock
    from twin.results.writer import write_results

    out = Path(folder)
    check_folder(out, result.scenario, overwrite)
    with folder_lock(out):
        return write_results(result, out, run_log(result), trips=trips, plots=plots)


def run_log(result: RunResult, source: str = "<python>", overrides: str = "none") -> list[str]:
    """The lines of ``run.log``: what was run, its warnings and its timing."""
    scenario = result.scenario
    return [
        f"scenario: {source} (name {scenario.name}, seed {scenario.seed}, "
        f"hash {scenario.content_hash()[:12]})",
        f"overrides: {overrides}",
        *(f"warning: {line}" for line in result.warnings),
        *(f"{key}: {value:.6g}" for key, value in result.timing.items()),
    ]
