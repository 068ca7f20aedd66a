"""Sweep files: a base scenario, parameter values (grid and/or explicit combinations) and
replications, expanded into runs with common random numbers."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from twin.errors import Problem, ScenarioError

__all__ = [
    "SWEEP_KEYS",
    "RunSpec",
    "SweepSpec",
    "load_sweep",
    "run_key",
    "seeds_for",
    "show_value",
]

#: The keys a sweep section may have, and what each is.
SWEEP_KEYS = {
    "name": "the sweep's name in the results database (default: the file's stem)",
    "base": "the base scenario file, relative to the sweep file (omit in a scenario's own "
    "sweep section)",
    "set": "fixed overrides applied to every run, as PATH: VALUE",
    "grid": "PATH: [VALUES]; every combination of the values is run",
    "combinations": "a list of {PATH: VALUE} mappings run in addition to the grid",
    "replications": "runs per combination, each with its own seed (at least 1)",
    "seed": "master seed the replication seeds are drawn from (default: the base's seed)",
}


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a parameter combination, a replication and its seed."""

    combination: int
    params: dict[str, Any]
    replication: int
    seed: int

    @property
    def label(self) -> str:
        """The combination as ``path=value`` pairs (its policy label)."""
        return policy_label(self.params)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep section.

    Attributes:
        name: the sweep's name in the results database.
        source: the file the sweep was read from.
        base: the base scenario file.
        embedded: True when the sweep section sits inside the base scenario itself.
        fixed: overrides applied to every run.
        combinations: the parameter combinations, grid first, then explicit ones.
        replications: runs per combination.
        seed: the master seed replication seeds are drawn from (None: the base's seed).
    """

    name: str
    source: Path
    base: Path
    embedded: bool
    fixed: dict[str, Any]
    combinations: list[dict[str, Any]]
    replications: int
    seed: int | None
    lines: dict[str, int] = field(default_factory=dict)

    def runs(self, master_seed: int) -> list[RunSpec]:
        """Every combination x replication; replication r has one seed in all combinations."""
        seeds = seeds_for(master_seed, self.replications)
        return [
            RunSpec(index, params, replication, seeds[replication])
            for index, params in enumerate(self.combinations)
            for replication in range(self.replications)
        ]

    @property
    def parameters(self) -> list[str]:
        """Every parameter path varied by the sweep, in first-seen order."""
        return list(dict.fromkeys(path for combo in self.combinations for path in combo))


def seeds_for(master_seed: int, replications: int) -> list[int]:
    """Replication seeds drawn reproducibly from the master seed (SeedSequence state)."""
    state = np.random.SeedSequence(master_seed).generate_state(replications, dtype=np.uint32)
    return [int(value) for value in state]


def policy_label(params: dict[str, Any]) -> str:
    """``a=1, b=x`` for a parameter combination (``base`` when it sets nothing)."""
    return ", ".join(f"{path}={show_value(value)}" for path, value in params.items()) or "base"


def run_key(sweep: str, base_hash: str, params: dict[str, Any], replication: int) -> str:
    """The identity of one run in the results database (stable across reruns)."""
    text = json.dumps(
        {"sweep": sweep, "base": base_hash, "params": params, "replication": replication},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_sweep(path: str | PathLike[str]) -> SweepSpec:
    """Read a sweep file, or a scenario file with a ``sweep`` section.

    Raises:
        ScenarioError: naming the file, line and field of every problem found.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(source, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(source, None, "", f"cannot be read: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError([Problem(source, line, "", f"invalid YAML: {exc}")]) from None
    lines = _lines(node)
    if not isinstance(data, dict) or not isinstance(data.get("sweep"), dict):
        message = "has no 'sweep:' section; a sweep file needs one (keys: "
        message += ", ".join(SWEEP_KEYS) + ")"
        raise ScenarioError([Problem(source, None, "sweep", message)])
    section = data["sweep"]
    embedded = "name" in data and "base" not in section
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        full = f"sweep.{key}" if key else "sweep"
        problems.append(Problem(source, _line(lines, full), full, message))

    for key in section:
        if key not in SWEEP_KEYS:
            bad(str(key), f"unknown field; expected one of: {', '.join(SWEEP_KEYS)}")
    if embedded:
        base = path
        name = section.get("name", data.get("name", path.stem))
    else:
        raw_base = section.get("base")
        if not isinstance(raw_base, str) or not raw_base:
            bad("base", "is required: the base scenario file, relative to this sweep file")
            base = path
        else:
            base = path.parent / raw_base
            if not base.is_file():
                bad("base", f"{raw_base!r} not found (looked for {base})")
        name = section.get("name", path.stem)
    if not isinstance(name, str) or not name:
        bad("name", f"{name!r} is not a name; use text such as policy_sweep")
    fixed = _mapping(section.get("set", {}), "set", bad)
    grid = _mapping(section.get("grid", {}), "grid", bad)
    combos: list[dict[str, Any]] = []
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            bad(f"grid.{key}", f"{values!r} is not a list of values; write [a, b, ...]")
    if not problems and grid:
        keys = list(grid)
        combos = [
            dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())
        ]
    explicit = section.get("combinations", [])
    if not isinstance(explicit, list):
        bad("combinations", "is not a list; write a list of {PATH: VALUE} mappings")
        explicit = []
    for index, combo in enumerate(explicit):
        checked = _mapping(combo, f"combinations.{index}", bad)
        if checked:
            combos.append(checked)
    if not combos:
        combos = [{}] if "grid" not in section and "combinations" not in section else combos
        if not combos:
            bad("grid", "gives no combination; list at least one value")
    keys_seen = [json.dumps(combo, sort_keys=True) for combo in combos]
    duplicates = sorted({k for k in keys_seen if keys_seen.count(k) > 1})
    for duplicate in duplicates:
        bad("combinations", f"{duplicate} is given twice; keep one")
    replications = section.get("replications", 1)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        bad("replications", f"{replications!r} is not a whole number of at least 1")
    seed = section.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        bad("seed", f"{seed!r} is not a whole number of at least 0")
    if problems:
        problems.sort(key=lambda problem: problem.line or 0)
        raise ScenarioError(problems)
    return SweepSpec(
        name=name,
        source=path,
        base=base,
        embedded=embedded,
        fixed=fixed,
        combinations=combos,
        replications=replications,
        seed=seed,
        lines=lines,
    )


def _mapping(value: object, key: str, bad: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad(key, f"{value!r} is not a mapping; write PATH: VALUE lines below it")
        return {}
    out: dict[str, Any] = {}
    for path, item in value.items():
        if not isinstance(path, str) or not all(path.split(".")):
            bad(key, f"{path!r} is not a parameter path such as services.crossing_assist")
            continue
        out[path] = item
    return out


def _lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines.setdefault(path, key_node.start_mark.line + 1)
            lines.update(_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}"
            lines.setdefault(path, item.start_mark.line + 1)
            lines.update(_lines(item, path))
    return lines


def _line(lines: dict[str, int], path: str) -> int | None:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        found = lines.get(".".join(parts[:n]))
        if found is not None:
            return found
    return None


def show_value(value: object) -> str:
    """A parameter value as a policy label shows it: text as is, a mapping whose values
    are all equal as ``V each`` (``10min each``), another mapping as ``k V, k V``."""
    if isinstance(value, dict) and value:
        shown = [show_value(v) for v in value.values()]
        if len(value) > 1 and len(set(shown)) == 1:
            return f"{shown[0]} each"
        return ", ".join(f"{k} {v}" for k, v in zip(value, shown, strict=True))
    return value if isinstance(value, str) else json.dumps(value)
