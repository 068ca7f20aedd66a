"""When trips start: Poisson arrivals, flat or shaped by a daily profile."""

from __future__ import annotations

import numpy as np

DAY_S = 86_400.0


def _raw_profile(hour: np.ndarray) -> np.ndarray:
    """Unnormalised weekday shape: night trough, AM peak 08:00, midday, PM peak 17:30."""

    def bump(centre: float, width: float) -> np.ndarray:
        distance = (hour - centre + 12.0) % 24.0 - 12.0
        return np.exp(-0.5 * (distance / width) ** 2)

    return 0.08 + 1.0 * bump(8.0, 1.2) + 0.55 * bump(13.0, 2.5) + 0.95 * bump(17.5, 1.5)


_HOURS = np.linspace(0.0, 24.0, 24 * 60, endpoint=False)
_MEAN = float(_raw_profile(_HOURS).mean())
_PEAK = float(_raw_profile(_HOURS).max() / _MEAN)


def daily_profile(hour: np.ndarray | float) -> np.ndarray:
    """Demand multiplier at clock ``hour``; averages 1 over a day."""
    return _raw_profile(np.asarray(hour, dtype=float)) / _MEAN


def arrival_times(
    rng: np.random.Generator,
    rate_per_h: float,
    duration_s: float,
    profile: str = "flat",
    start_hour: float = 0.0,
) -> np.ndarray:
    """Start times (s) of a Poisson process over ``[0, duration_s)``.

    ``flat`` has constant rate ``rate_per_h``; ``daily`` follows
    :func:`daily_profile` from clock time ``start_hour``, with the same mean
    over a whole day (sampled by thinning).
    """
    if rate_per_h <= 0 or duration_s <= 0:
        return np.empty(0)
    peak = rate_per_h / 3600.0 * (_PEAK if profile == "daily" else 1.0)
    expected = peak * duration_s
    count = rng.poisson(expected)
    times = np.sort(rng.uniform(0.0, duration_s, count))
    if profile == "daily":
        hours = (start_hour + times / 3600.0) % 24.0
        keep = rng.random(count) < daily_profile(hours) / _PEAK
        times = times[keep]
    return times


def driver_paces(rng: np.random.Generator, spread: float, count: int) -> np.ndarray:
    """Each of ``count`` drivers' time per second of free-flow time at the speed limit:
    1 / factor, the factor normal around 1 with standard deviation ``spread``, clipped to
    0.2-2 (SUMO's ``normc(1, spread, 0.2, 2)``); all 1 when ``spread`` is 0."""
    if spread == 0:
        return np.ones(count)
    return 1.0 / np.clip(rng.normal(1.0, spread, count), 0.2, 2.0)
