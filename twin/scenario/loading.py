"""Read scenario YAML, apply ``--set`` overrides, and report every problem with its line."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from twin.errors import Problem, ScenarioError
from twin.scenario.city import anchor_paths
from twin.scenario.schema import Scenario, show_value
from twin.scenario.validation import (
    OVERRIDE_SOURCE,
    Origins,
    apply_overrides,
    change_scenario,
    overrides_from_mapping,
    validate,
)

__all__ = [
    "DEFAULT_SCENARIO",
    "OVERRIDE_SOURCE",
    "change_scenario",
    "json_schema",
    "load_scenario",
    "overrides_from_mapping",
    "parse_scenario",
    "scenario_to_yaml",
]

#: The scenario ``twin explore`` opens when no file is given (in the checkout).
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def load_scenario(
    path: str | PathLike[str],
    overrides: Sequence[str] = (),
    override_source: str = OVERRIDE_SOURCE,
) -> Scenario:
    """Load and validate a scenario file, then apply ``PATH=VALUE`` overrides.

    Args:
        override_source: where a bad override is reported (``--set`` on the command line).

    Raises:
        ScenarioError: listing every problem found, each with its file and line.
    """
    origins = Origins(str(path), override_source=override_source)
    data, problems = _read_yaml(Path(path), origins)
    data = anchor_paths(data, Path(path).parent)
    data.pop("sweep", None)  # a scenario may carry a sweep section: twin.sweep reads it
    data = apply_overrides(data, overrides, origins, problems)
    return validate(Scenario, data, origins, problems)


def parse_scenario(
    data: dict[str, Any], source: str = "<scenario>", lines: dict[str, int] | None = None
) -> Scenario:
    """Validate a scenario given as plain data; ``lines`` maps key paths to source lines.

    Raises:
        ScenarioError: listing every problem found.
    """
    if not isinstance(data, dict):
        raise ScenarioError([_not_a_mapping(source, None, data)])
    return validate(Scenario, data, Origins(source, dict(lines or {})), [])


def scenario_to_yaml(scenario: Scenario) -> str:
    """Return the resolved scenario as YAML: every default filled in, durations in seconds."""
    header = f"# Scenario {scenario.name!r}, resolved: defaults filled in, durations in seconds.\n"
    body = yaml.safe_dump(
        scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100
    )
    return header + body


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of scenario files, field descriptions included."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Scenario.model_json_schema(),
        "title": "Smart-city twin scenario",
        "description": "One city district, its demand and its signal programs. Durations are "
        "seconds, or strings such as '90s', '15min', '4h', '1h30min'.",
    }


def _read_yaml(path: Path, origins: Origins) -> tuple[dict[str, Any], list[Problem]]:
    """Return the file's top-level mapping and the keys it gives twice; note where keys are."""
    source = origins.source
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(source, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(source, None, "", "is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        message = f"is not UTF-8 text (byte {exc.start})"
        raise ScenarioError([Problem(source, None, "", message)]) from None
    except OSError as exc:
        message = f"cannot be read: {exc.strerror}"
        raise ScenarioError([Problem(source, None, "", message)]) from None

    loader = yaml.SafeLoader(text)
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            origins.record(node, "", problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = _plain_yaml(exc, text)
        raise ScenarioError([Problem(source, line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, None, "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()

    if data is None:
        message = "is empty; a scenario needs at least 'name: ...'"
        raise ScenarioError([Problem(source, None, "", message)])
    if not isinstance(data, dict):
        assert node is not None  # data came from it
        raise ScenarioError([_not_a_mapping(source, node.start_mark.line + 1, data)])
    return data, problems


#: (words in PyYAML's message, what it means in plain words)
_YAML_PLAIN = (
    (
        "mapping values are not allowed",
        "a ':' where a value was expected; put text containing "
        "': ' in quotes, or start a new key on its own line",
    ),
    ("expected <block end>", "this key is indented differently from the keys above it"),
    ("could not find expected ':'", "a key without ':' (write 'key: value')"),
    ("found character '\\t'", "a tab; indent with spaces only"),
    ("found undefined alias", "an alias (*name) that no anchor (&name) defines"),
    ("found unexpected end of stream", "a quote or bracket that is never closed"),
    ("while scanning a quoted scalar", "a quote that is never closed"),
    ("did not find expected ',' or ']'", "a list in [ ] that is not closed or lacks a comma"),
    ("did not find expected ',' or '}'", "a section in { } that is not closed or lacks a comma"),
    (
        "did not find expected '-' indicator",
        "a list item indented differently from the items above it",
    ),
    ("did not find expected key", "this line is indented differently from the keys above it"),
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _misindented(text: str, line: int) -> bool:
    """True if 0-based ``line`` is a key indented unlike the key line above it, which
    does not open a section."""
    lines = text.splitlines()
    if not 0 < line < len(lines):
        return False
    here = lines[line]
    above = [t for t in lines[:line] if t.strip() and not t.lstrip().startswith("#")]
    if not above or ":" not in here:
        return False
    previous = above[-1]
    opens = previous.split("#", 1)[0].rstrip().endswith(":")
    return not opens and _indent(here) != _indent(previous)


def _plain_yaml(exc: yaml.MarkedYAMLError, text: str) -> str:
    """Say what a YAML syntax error means, in plain words (PyYAML's own words as a fallback)."""
    detail = "; ".join(str(part) for part in (exc.context, exc.problem) if part)
    mark = exc.problem_mark or exc.context_mark
    if mark is not None and _misindented(text, mark.line):
        return "invalid YAML: this key is indented differently from the keys above it"
    for words, plain in _YAML_PLAIN:
        if words in detail:
            return f"invalid YAML: {plain}"
    return f"invalid YAML: {detail}"


def _not_a_mapping(source: str, line: int | None, data: object) -> Problem:
    """The problem of a scenario whose top level is not a mapping of fields."""
    kind = "a list" if isinstance(data, list) else show_value(data)
    message = f"the top level must be fields such as 'name: baseline', not {kind}"
    return Problem(source, line, "", message)
