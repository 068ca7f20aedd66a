"""Durations written as numbers or strings with units, and back."""

import math

import pytest

from twin.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        (90, 90.0),
        (2.5, 2.5),
        ("90s", 90.0),
        ("90 s", 90.0),
        ("90sec", 90.0),
        ("15min", 900.0),
        ("15m", 900.0),
        ("4h", 14400.0),
        ("2d", 172800.0),
        ("1h30min", 5400.0),
        ("1h 30min", 5400.0),
        ("1.5h", 5400.0),
        ("4H", 14400.0),
        ("15 MIN", 900.0),
        ("90", 90.0),
        ("-5min", -300.0),
    ],
)
def test_parse_duration_reads_numbers_and_units(written: object, seconds: float) -> None:
    assert parse_duration(written) == seconds


@pytest.mark.parametrize(
    "written", ["4x", "", "h", "1ms", "1mins", "1e3s", "4h-", True, None, [60], math.inf, "nan"]
)
def test_parse_duration_rejects_what_is_not_a_duration(written: object) -> None:
    with pytest.raises(ValueError, match=r"is not a .*duration; use seconds or a string like"):
        parse_duration(written)


def test_parse_duration_message_names_the_value_and_the_fix() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("4x")
    assert str(caught.value) == (
        "'4x' is not a duration; use seconds or a string like '90s', '15min', '4h', '2d'"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (14400, "4h"),
        (900, "15min"),
        (90, "90s"),
        (5400, "1h30min"),
        (172800, "2d"),
        (90000, "1d1h"),
        (3661, "1h1min1s"),
        (0, "0s"),
        (1.5, "1.5s"),
        (-60, "-1min"),
        (14400.0, "4h"),
    ],
)
def test_format_duration_is_short_and_readable(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    "seconds", [0, 1, 59, 60, 61, 90, 599, 3599, 3600, 3601, 5400, 86399, 86400, 1e-5, 0.1, 3600.1]
)
def test_format_then_parse_gives_the_same_seconds(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_duration_rejects_infinity() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        format_duration(math.inf)
