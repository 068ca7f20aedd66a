"""Validation of scenario data, wherever it came from: overrides, errors in plain words.

Generic in the model class (``type[BaseModel]``), so the schema can validate a
changed copy of itself (``Scenario.with_changes``) without importing the loader.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from twin.errors import Problem, ScenarioError
from twin.scenario.base import show_value
from twin.scenario.security import clock_times

__all__ = [
    "OVERRIDE_SOURCE",
    "Origins",
    "apply_overrides",
    "change_scenario",
    "overrides_from_mapping",
    "validate",
]

#: Where a problem is reported when its value came from a ``--set PATH=VALUE`` override.
OVERRIDE_SOURCE = "--set"
#: Where it is reported when the overrides came from ``Scenario.with_changes``.
CHANGES_SOURCE = "with_changes"
M = TypeVar("M", bound=BaseModel)

_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "less_than_equal": ("le", "must be at most"),
    "greater_than": ("gt", "must be more than"),
    "less_than": ("lt", "must be less than"),
}
_PLAIN = {
    "int_from_float": "is not an integer",
    "int_parsing": "is not an integer",
    "int_type": "is not an integer",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "finite_number": "is not a finite number",
    "string_type": "is not text; put it in quotes",
    "bool_parsing": "is not true or false",
    "bool_type": "is not true or false",
    "model_type": "is not a section; write its fields indented below it",
    "dict_type": "is not a section; write its fields indented below it",
}


def overrides_from_mapping(changes: Mapping[str, object]) -> list[str]:
    """``{"city.rows": 6, "duration": "1h"}`` as ``--set`` overrides (same rules, same errors)."""
    overrides = []
    for path, value in changes.items():
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        text = value if isinstance(value, str) else json.dumps(value)
        overrides.append(f"{path}={text}")
    return overrides


def change_scenario(scenario: M, changes: Mapping[str, object]) -> M:
    """A copy of ``scenario`` with ``changes`` (dotted paths) applied and validated again."""
    origins = Origins("<scenario>", override_source=CHANGES_SOURCE)
    problems: list[Problem] = []
    data = apply_overrides(
        scenario.model_dump(mode="json"), overrides_from_mapping(changes), origins, problems
    )
    return validate(type(scenario), data, origins, problems)


@dataclass
class Origins:
    """Where each value of a scenario came from: its file and line, or a ``--set`` override.

    Attributes:
        source: the file name (or ``<scenario>``) problems are reported against.
        lines: 1-based line of each dotted key path in ``source``.
        written: the text of each plain scalar (number, true, null ...) as it was written.
        set_paths: key paths set by overrides, including sections they created.
        override_source: where problems of overridden values are reported (``--set`` on
            the command line, ``overrides`` in ``twin.load``, ``with_changes``).
    """

    source: str
    lines: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    set_paths: set[str] = field(default_factory=set)
    override_source: str = OVERRIDE_SOURCE

    def record(self, node: yaml.Node, prefix: str, problems: list[Problem]) -> None:
        """Note where every key below ``node`` is; report keys given twice in one mapping."""
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                path = f"{prefix}.{key_node.value}" if prefix else key_node.value
                line = key_node.start_mark.line + 1
                if path in self.lines:
                    message = f"is given twice (first at line {self.lines[path]}); keep only one"
                    problems.append(Problem(self.source, line, path, message))
                self.lines.setdefault(path, line)
                self._record_value(value_node, path, problems)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                path = f"{prefix}.{index}"
                self.lines.setdefault(path, item.start_mark.line + 1)
                self._record_value(item, path, problems)

    def _record_value(self, node: yaml.Node, path: str, problems: list[Problem]) -> None:
        """Note the text of a plain scalar at ``path``, or descend into a collection."""
        if isinstance(node, yaml.ScalarNode):
            if node.style is None:
                self.written[path] = node.value
        else:
            self.record(node, path, problems)

    def locate(self, path: str) -> tuple[str, int | None]:
        """Return (file, line) where the value at ``path`` was given."""
        parts = path.split(".") if path else []
        prefixes = [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
        if any(prefix in self.set_paths for prefix in prefixes):
            return self.override_source, None
        return self.source, next((self.lines[p] for p in prefixes if p in self.lines), None)

    def show(self, path: str, value: object) -> str:
        """Show ``value`` as it was written at ``path``; strings always in quotes."""
        written = self.written.get(path)
        return written if written is not None and not isinstance(value, str) else show_value(value)


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[str], origins: Origins, problems: list[Problem]
) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``PATH=VALUE`` set; note them in ``origins``."""
    data = copy.deepcopy(data)
    for override in overrides:
        key, equals, raw = override.partition("=")
        path = key.strip()
        parts = path.split(".")
        if not equals or not all(parts):
            message = f"{override!r} is not PATH=VALUE, e.g. city.rows=2"
            problems.append(Problem(origins.override_source, None, "", message))
            continue
        target: Any = data
        for depth, part in enumerate(parts[:-1], start=1):
            child = _item(target, part)
            if child is None and isinstance(target, dict):
                child = target[part] = {}
                origins.set_paths.add(".".join(parts[:depth]))
            elif not isinstance(child, dict | list):
                parent = ".".join(parts[:depth])
                message = f"cannot be set: {parent} is {show_value(child)}, not a section"
                if isinstance(target, list):
                    message = f"cannot be set: {parent} is past the end of a list of {len(target)}"
                problems.append(Problem(origins.override_source, None, path, message))
                break
            target = child
        else:
            last = parts[-1]
            if isinstance(target, list) and not (last.isdigit() and int(last) < len(target)):
                parent = ".".join(parts[:-1])
                message = f"cannot be set: {parent} is a list of {len(target)}; give an index"
                problems.append(Problem(OVERRIDE_SOURCE, None, path, message))
                continue
            if isinstance(target, list):
                target[int(last)] = _yaml_scalar(raw)
            else:
                target[last] = _yaml_scalar(raw)
            origins.set_paths.add(path)
            origins.written[path] = raw.strip()
    return data


def _item(target: object, key: str) -> object:
    """``target[key]`` for a section, or the ``key``-th item of a list (None if absent)."""
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list) and key.isdigit() and int(key) < len(target):
        return target[int(key)]
    return None


def _yaml_scalar(raw: str) -> object:
    """Read an override value as a YAML scalar or a flow collection (``[...]``, ``{...}``);
    anything else, such as ``a: b``, is kept as the text given."""
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    if isinstance(value, dict | list):
        return value if raw.strip()[:1] in ("[", "{") else raw
    return value


def validate(root: type[M], data: dict[str, Any], origins: Origins, problems: list[Problem]) -> M:
    """Validate ``data``, raising every problem found (``problems`` plus the schema's)."""
    clock_times(data, origins.written)  # an attack's ``at: 10:30`` as written, not base 60
    try:
        scenario = root.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "cross_field":
                pairs = error["ctx"]["problems"]
            else:
                path = ".".join(str(key) for key in error["loc"])
                pairs = [(path, _message(root, error, origins.show(path, error.get("input"))))]
            problems.extend(
                Problem(*origins.locate(path), path, message) for path, message in pairs
            )
    if problems:
        # Read top to bottom: the file's problems by line, then the overrides'.
        late = origins.override_source
        problems.sort(key=lambda problem: (problem.file == late, problem.line or 0))
        raise ScenarioError(problems)
    return scenario


def _message(root: type[BaseModel], error: Any, shown: str) -> str:
    """Say what a pydantic error means in plain words; ``shown`` is the value as written."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "missing":
        return "is required"
    if kind in ("extra_forbidden", "invalid_key"):
        return _unknown_field(root, loc)
    info = _field(root, loc)
    options = _options(info)
    if value is None:
        if info is not None and _section(info) is not None:
            return "is empty; give it fields or remove it"
        return f"has no value; use one of: {options}" if options else "has no value"
    if kind == "literal_error":
        return f"{shown} is not one of: {options or error['ctx']['expected']}"
    if kind in _BOUNDS:
        bound, words = _BOUNDS[kind]
        return f"{shown} {words} {error['ctx'][bound]:g}"
    if kind in _PLAIN:
        return f"{shown} {_PLAIN[kind]}"
    if "reason" in error.get("ctx", {}):  # the schema's own errors: value, then plain words
        return f"{shown} {error['ctx']['reason']}"
    return f"{shown}: {error['msg']}"


def _unknown_field(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """Message for a key the section does not have, suggesting the closest valid name."""
    section: type[BaseModel] | None = root
    if len(loc) > 1:
        parent = _field(root, loc[:-1])
        section = _section(parent) if parent is not None else None
    if section is None:
        return "unknown field"
    names = list(section.model_fields)
    home = _home_section(section, str(loc[-1]))
    if home:
        below = ".".join(str(key) for key in (*loc[:-1], home))
        here = "a top-level field" if len(loc) == 1 else f"a field of {_dotted(loc[:-1])}"
        *outer, inner = home.split(".")
        within = f" (in '{outer[-1]}:')" if outer else ""
        return f"is not {here} but a field of {below}: indent it under '{inner}:'{within}"
    message = f"unknown field; expected one of: {', '.join(names)}"
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f"{message}; did you mean {close[0]!r}?" if close else message


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(key) for key in loc)


def _home_section(section: type[BaseModel], key: str) -> str | None:
    """The dotted path, below ``section``, of the nearest section that has a field ``key``
    (a key written without the indentation that puts it in its section), or None."""
    frontier: list[tuple[str, type[BaseModel]]] = [("", section)]
    while frontier:
        found, deeper = [], []
        for prefix, model in frontier:
            for name, info in model.model_fields.items():
                child = _section(info)
                if child is None:
                    continue
                path = f"{prefix}.{name}" if prefix else name
                if key in child.model_fields:
                    found.append(path)
                deeper.append((path, child))
        if found:
            return found[0]
        frontier = deeper
    return None


def _field(root: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The schema field at ``loc``, or None when ``loc`` is not a field of a section."""
    model: type[BaseModel] | None = root
    info = None
    for key in loc:
        if model is None or key not in model.model_fields:
            return None
        info = model.model_fields[key]
        model = _section(info)
    return info


def _section(info: FieldInfo) -> type[BaseModel] | None:
    """The model class of a section field, or None for a plain value."""
    kind = info.annotation
    return kind if isinstance(kind, type) and issubclass(kind, BaseModel) else None


def _options(info: FieldInfo | None) -> str:
    """The allowed values of a choice field, quoted, or '' for other fields."""
    if info is None or get_origin(info.annotation) is not Literal:
        return ""
    return ", ".join(repr(option) for option in get_args(info.annotation))
