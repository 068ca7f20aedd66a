"""Routines: the mean rate is kept, the daily profile emerges, people repeat themselves."""

from __future__ import annotations

import math

import numpy as np

from twin.district.demand import daily_profile
from twin.district.routines import (
    ATTENDANCE,
    JITTER_S,
    RESIDENT_CAR_TRIP_SHARE,
    draw_routines,
    pedestrian_schedule,
    vehicle_owners,
)

DAY = 86_400.0


def _week(profile: str, rate: float = 2000.0, residents: int = 5000, seed: int = 0):
    rng = np.random.default_rng(seed)
    routines = draw_routines(rng, residents, 2, rate, profile)
    return routines, pedestrian_schedule(rng, routines, 7 * DAY, start_hour=7.0)


def test_pedestrians_per_hour_stays_the_mean_rate() -> None:
    for profile in ("flat", "daily"):
        _, trips = _week(profile)
        expected = 2000.0 * 24 * 7
        # trips are Bernoulli(attendance) draws per habit and day; tours per resident
        # are rounded at random: sd well under 1 %, so allow 2 %
        assert abs(len(trips) - expected) < 0.02 * expected, (profile, len(trips))
        assert np.all(np.diff(trips.start_s) >= 0)
        assert trips.start_s.min() >= 0 and trips.start_s.max() < 7 * DAY


def test_the_daily_profile_emerges_from_the_routines() -> None:
    _, trips = _week("daily")
    hour = (7.0 + trips.start_s / 3600.0) % 24.0
    observed = np.bincount(hour.astype(int), minlength=24) / len(hour) * 24
    expected = np.array([daily_profile(np.linspace(h, h + 1, 13)).mean() for h in range(24)])
    # the jitter (15 min) smooths the shape slightly: within 15 % of each hour's multiplier
    assert np.all(np.abs(observed - expected) < 0.15 * expected + 0.02), observed.round(2)
    routines, flat = _week("flat")
    hour = (flat.start_s / 3600.0).astype(int) % 24
    counts = np.bincount(hour, minlength=24)
    # habits are fixed for the week, so an hour's count varies as its number of habits:
    # relative sd about 1 / sqrt(habits per hour)
    relative_sd = 1 / math.sqrt(len(routines.clock_h) / 24)
    assert np.all(np.abs(counts / counts.mean() - 1) < 4 * relative_sd), counts


def test_each_habit_recurs_at_its_time_with_the_jitter() -> None:
    routines, trips = _week("flat", rate=200.0, residents=500)
    # match each trip to its habit by resident, origin, destination and nearest clock time
    clock = (7.0 + trips.start_s / 3600.0) % 24.0
    person = 17
    habits = np.flatnonzero(routines.resident == person)
    mine = np.flatnonzero(trips.resident == person)
    gaps = []
    for trip in mine:
        same = habits[
            (routines.origin[habits] == trips.origin[trip])
            & (routines.destination[habits] == trips.destination[trip])
        ]
        delta = (clock[trip] - routines.clock_h[same] + 12.0) % 24.0 - 12.0
        gaps.append(delta[np.argmin(np.abs(delta))])
    gaps_s = np.array(gaps) * 3600.0
    # a week of every habit at attendance 0.85: each trip within 4 jitter sd of a habit
    assert len(mine) >= ATTENDANCE * 7 * len(habits) * 0.6
    assert np.abs(gaps_s).max() < 4 * JITTER_S
    assert abs(gaps_s.std() - JITTER_S) < 0.35 * JITTER_S


def test_vehicle_trips_belong_to_residents_or_returning_visitors() -> None:
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 7 * DAY, 50_000))
    owners = vehicle_owners(rng, times, residents=1000, start_hour=0.0)
    resident = owners < 1000
    share = resident.mean()
    sd = math.sqrt(RESIDENT_CAR_TRIP_SHARE * (1 - RESIDENT_CAR_TRIP_SHARE) / len(times))
    assert abs(share - RESIDENT_CAR_TRIP_SHARE) < 4 * sd
    # roughly 40 % of residents own the cars
    assert 300 < len(np.unique(owners[resident])) <= 480
    # a plate recurs at about the same clock time on several days
    plate = np.bincount(owners[resident]).argmax()
    hours = (times[owners == plate] / 3600.0) % 24.0
    days = np.unique((times[owners == plate] // DAY).astype(int))
    assert len(days) >= 3
    spread = np.minimum(
        np.abs(hours[:, None] - hours[None, :]), 24 - np.abs(hours[:, None] - hours[None, :])
    )
    assert np.median(spread) < 12.0
    visitors = owners[~resident]
    assert 1.5 < len(visitors) / len(np.unique(visitors)) < 3.0  # about 2 trips each
