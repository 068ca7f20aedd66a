"""Durations written the way people write them: ``90s``, ``15min``, ``4h``, ``1h30min``."""

from __future__ import annotations

import math
import re
from decimal import Decimal

__all__ = ["DURATION_HINT", "DURATION_PATTERN", "format_duration", "parse_duration"]

DURATION_HINT = "use seconds or a string like '90s', '15min', '4h', '2d'"

_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = r"(?:sec|min|s|m|h|d)"  # longer spellings first, so 'min' is not read as 'm' + 'in'
_PART = re.compile(rf"({_NUMBER})\s*({_UNIT})", re.IGNORECASE)
_DURATION = re.compile(rf"([+-]?)\s*((?:{_NUMBER}\s*{_UNIT}\s*)+|{_NUMBER})", re.IGNORECASE)

#: The accepted strings as an ECMAScript regular expression, for the JSON Schema.
DURATION_PATTERN = (
    r"^\s*[+-]?\s*(([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*"
    r"([sS]([eE][cC])?|[mM]([iI][nN])?|[hH]|[dD])\s*)+$"
    r"|^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$"
)


def parse_duration(value: object) -> float:
    """Return ``value`` in seconds: a number of seconds or a string such as ``'1h30min'``.

    Units are s or sec, min or m (minutes), h and d, in any case; parts add up.

    Raises:
        ValueError: ``value`` is not a finite duration.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        sign, body = match.groups()
        parts = _PART.findall(body)
        seconds = (
            sum(float(number) * _UNIT_SECONDS[unit.lower()] for number, unit in parts)
            if parts
            else float(body)
        )
        if sign == "-":
            seconds = -seconds
    else:
        raise ValueError(f"{value!r} is not a duration; {DURATION_HINT}")
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a finite duration; {DURATION_HINT}")
    return seconds


def format_duration(seconds: float) -> str:
    """Return ``seconds`` as the shortest readable string ``parse_duration`` reads back exactly.

    Whole days, hours and minutes are combined (``5400`` -> ``'1h30min'``); anything under an
    hour that is not whole minutes stays in seconds (``90`` -> ``'90s'``).
    """
    if not math.isfinite(seconds):
        raise ValueError(f"{seconds!r} is not a finite number of seconds")
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds != int(seconds):
        # Positional notation, since parse_duration reads no exponents.
        return f"{Decimal(repr(float(seconds))):f}s"
    rest = int(seconds)
    if rest < 3600 and rest % 60:
        return f"{rest}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
