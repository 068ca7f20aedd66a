"""Building blocks shared by the scenario sections: duration types, the ``Section`` base."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from twin.durations import DURATION_HINT, DURATION_PATTERN, parse_duration

_NAME = re.compile(r"[A-Za-z0-9_-]+")
Phase = Literal["ns", "ew"]
PHASE_NAMES: dict[Phase, str] = {"ns": "north-south", "ew": "east-west"}


def show_value(value: object) -> str:
    """Render a scenario value the way it is written in YAML, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    return str(value)


def _value_error(kind: str, value: object, reason: str) -> PydanticCustomError:
    """An error whose message is the value as written followed by ``reason``."""
    return PydanticCustomError(
        kind, "{shown} {reason}", {"shown": show_value(value), "reason": reason}
    )


_SIGN_CHECKS: dict[str, Callable[[float], bool]] = {
    "positive": lambda seconds: seconds > 0,
    "non-negative": lambda seconds: seconds >= 0,
}


def _seconds(sign: str | None) -> Callable[[object], float]:
    """Build a before-validator that parses a duration and, given a ``sign``, checks it."""

    def validate(value: object) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError:
            reason = f"is not a duration; {DURATION_HINT}"
            raise _value_error("duration_parsing", value, reason) from None
        if sign is not None and not _SIGN_CHECKS[sign](seconds):
            raise _value_error("duration_sign", value, f"is not a {sign} number of seconds")
        return seconds

    return validate


def _duration_json(minimum: dict[str, float]) -> WithJsonSchema:
    """JSON Schema of a duration: seconds, or a string with units."""
    return WithJsonSchema(
        {"anyOf": [{"type": "number", **minimum}, {"type": "string", "pattern": DURATION_PATTERN}]}
    )


#: Seconds, written as a number or a string such as ``'90s'``, ``'15min'``, ``'1h30min'``.
Duration = Annotated[float, BeforeValidator(_seconds(None)), _duration_json({})]
PositiveDuration = Annotated[
    float, BeforeValidator(_seconds("positive")), _duration_json({"exclusiveMinimum": 0})
]
NonNegativeDuration = Annotated[
    float, BeforeValidator(_seconds("non-negative")), _duration_json({"minimum": 0})
]


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors and loaded values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_yes_for_numbers(cls, value: object, info: ValidationInfo) -> object:
        # YAML reads yes/no/on/off as booleans, and pydantic would take them as 1 and 0.
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation in (int, float):
                raise _value_error("bool_number", value, "is not a number")
        return value
