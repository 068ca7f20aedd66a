"""Routines: people who leave at habitual times, day after day, and own the cars they drive.

Real traces are regular: the same person passes the same places at about the
same hours every day (that is what makes them identifiable). Each resident
gets habitual *tours* (home -> one of their destinations -> home) with a
habitual departure time for each leg; every day each tour happens with
probability :data:`ATTENDANCE`, shifted by a normal day-to-day jitter. The
habitual times are drawn from the demand profile (flat, or the daily profile),
so the district's daily profile emerges from the routines, and the number of
tours is set so ``demand.pedestrians_per_hour`` stays the mean rate.

Vehicle trips keep their Poisson start times and routes; each is then given
an owner: a share of trips are residents' own cars (the car owner whose
habitual driving hour is nearest the trip's clock time, so the same plate
recurs at similar hours), the rest visitors from a pool, some of whom return.
Every draw is made up front with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.district.demand import DAY_S, daily_profile

__all__ = [
    "ATTENDANCE",
    "CAR_OWNERSHIP",
    "JITTER_S",
    "RESIDENT_CAR_TRIP_SHARE",
    "VISITOR_TRIPS_MEAN",
    "CarHabits",
    "PedestrianSchedule",
    "Routines",
    "draw_routines",
    "owners_and_habits",
    "pedestrian_schedule",
    "vehicle_owners",
]

#: Chance a habitual tour happens on a given day (assumption).
ATTENDANCE = 0.85
#: Standard deviation of a habitual departure time from day to day (s; assumption).
JITTER_S = 15 * 60.0
#: Share of residents who own a car (assumption, see docs/privacy.md).
CAR_OWNERSHIP = 0.4
#: Share of vehicle trips made by residents' own cars; the rest are visitors (assumption).
RESIDENT_CAR_TRIP_SHARE = 0.3
#: Trips a visitor makes on average over a run (in and out: 2; assumption).
VISITOR_TRIPS_MEAN = 2.0
#: Habitual driving times per car owner per day (out and back).
DRIVES_PER_OWNER = 2

_GRID_H = np.linspace(0.0, 24.0, 24 * 12, endpoint=False) + 1 / 24  # 5-minute bins, centres


def clock_hours(rng: np.random.Generator, size: int, profile: str) -> np.ndarray:
    """Clock hours drawn from the demand profile (uniform when flat)."""
    if profile != "daily":
        return rng.uniform(0.0, 24.0, size)
    weights = daily_profile(_GRID_H)
    cdf = np.cumsum(weights) / weights.sum()
    bins = np.searchsorted(cdf, rng.random(size), side="right")
    return (bins + rng.random(size)) * (24.0 / len(_GRID_H))


@dataclass(frozen=True)
class Routines:
    """Habitual legs: who walks from which anchor to which, at what clock hour.

    Anchors index ``Resident.anchors`` (0 is home, 1..k the destinations).
    """

    resident: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    clock_h: np.ndarray


@dataclass(frozen=True)
class PedestrianSchedule:
    """Walking trips of a run, in start-time order."""

    start_s: np.ndarray
    resident: np.ndarray
    origin: np.ndarray
    destination: np.ndarray

    def __len__(self) -> int:
        return len(self.start_s)


def draw_routines(
    rng: np.random.Generator,
    residents: int,
    destinations_per_resident: int,
    pedestrians_per_hour: float,
    profile: str = "flat",
    attendance: float = ATTENDANCE,
) -> Routines:
    """Each resident's habitual tours, sized so the mean rate is ``pedestrians_per_hour``."""
    if residents <= 0 or pedestrians_per_hour <= 0:
        empty = np.empty(0, dtype=np.int64)
        return Routines(empty, empty, empty, np.empty(0))
    tours_per_resident = pedestrians_per_hour * 24.0 / attendance / 2.0 / residents
    whole = int(np.floor(tours_per_resident))
    tours = whole + (rng.random(residents) < tours_per_resident - whole)
    who = np.repeat(np.arange(residents), tours)
    place = rng.integers(1, destinations_per_resident + 1, len(who))
    hours = np.sort(clock_hours(rng, 2 * len(who), profile).reshape(-1, 2), axis=1)
    home = np.zeros(len(who), dtype=np.int64)
    return Routines(
        resident=np.concatenate([who, who]),
        origin=np.concatenate([home, place]),
        destination=np.concatenate([place, home]),
        clock_h=np.concatenate([hours[:, 0], hours[:, 1]]),
    )


def pedestrian_schedule(
    rng: np.random.Generator,
    routines: Routines,
    duration_s: float,
    start_hour: float = 0.0,
    attendance: float = ATTENDANCE,
    jitter_s: float = JITTER_S,
) -> PedestrianSchedule:
    """Every walking trip of a run: each habit, each day, kept with probability ``attendance``."""
    first_day = -1
    days = np.arange(first_day, int(np.ceil(duration_s / DAY_S)) + 1)
    n = len(routines.clock_h)
    offset = (routines.clock_h - start_hour) * 3600.0
    start = days[:, None] * DAY_S + offset[None, :] + rng.normal(0.0, jitter_s, (len(days), n))
    happens = rng.random((len(days), n)) < attendance
    keep = happens & (start >= 0.0) & (start < duration_s)
    habit = np.broadcast_to(np.arange(n), (len(days), n))[keep]
    start_s = start[keep]
    order = np.argsort(start_s, kind="stable")
    habit = habit[order]
    return PedestrianSchedule(
        start_s=start_s[order],
        resident=routines.resident[habit],
        origin=routines.origin[habit],
        destination=routines.destination[habit],
    )


def vehicle_owners(
    rng: np.random.Generator,
    start_s: np.ndarray,
    residents: int,
    start_hour: float = 0.0,
    profile: str = "flat",
    car_ownership: float = CAR_OWNERSHIP,
    resident_trip_share: float = RESIDENT_CAR_TRIP_SHARE,
    visitor_trips_mean: float = VISITOR_TRIPS_MEAN,
) -> np.ndarray:
    """Owner of each vehicle trip: a resident index, or a visitor id (``>= residents``).

    A trip is a resident's with probability ``resident_trip_share`` (if anyone
    owns a car): the owner is the car owner with the habitual driving hour
    nearest the trip's clock hour (owners have :data:`DRIVES_PER_OWNER` habits
    drawn from the profile). Otherwise the driver is one of a pool of visitors
    sized so each makes ``visitor_trips_mean`` trips on average.
    """
    return owners_and_habits(
        rng, start_s, residents, start_hour, profile, car_ownership, resident_trip_share,
        visitor_trips_mean,
    )[0]  # fmt: skip


def owners_and_habits(
    rng: np.random.Generator,
    start_s: np.ndarray,
    residents: int,
    start_hour: float = 0.0,
    profile: str = "flat",
    car_ownership: float = CAR_OWNERSHIP,
    resident_trip_share: float = RESIDENT_CAR_TRIP_SHARE,
    visitor_trips_mean: float = VISITOR_TRIPS_MEAN,
) -> tuple[np.ndarray, CarHabits]:
    """:func:`vehicle_owners`, and the car owners' habitual driving hours it drew."""
    n = len(start_s)
    owners_mask = rng.random(residents) < car_ownership
    owners = np.flatnonzero(owners_mask)
    resident_trip = rng.random(n) < (resident_trip_share if len(owners) else 0.0)
    result = np.empty(n, dtype=np.int64)
    visitors = int((~resident_trip).sum())
    pool = max(1, round(visitors / visitor_trips_mean))
    result[~resident_trip] = residents + rng.integers(0, pool, visitors)
    habits = CarHabits(np.empty(0, dtype=np.int64), np.empty(0))
    if len(owners):
        habit_owner = np.repeat(owners, DRIVES_PER_OWNER)
        habit_h = clock_hours(rng, len(habit_owner), profile)
        order = np.argsort(habit_h)
        habits = CarHabits(habit_owner[order], habit_h[order])
        hour = (start_hour + start_s[resident_trip] / 3600.0) % 24.0
        result[resident_trip] = habits.owner_at(hour)
    return result, habits


@dataclass(frozen=True)
class CarHabits:
    """Habitual driving hours of the car owners, sorted by clock hour."""

    owner: np.ndarray
    clock_h: np.ndarray

    def owner_at(self, hour: np.ndarray) -> np.ndarray:
        """The owner whose habitual driving hour is nearest each clock ``hour``."""
        habit_h, habit_owner = self.clock_h, self.owner
        right = np.searchsorted(habit_h, hour) % len(habit_h)
        left = (right - 1) % len(habit_h)
        gap_right = (habit_h[right] - hour) % 24.0
        gap_left = (hour - habit_h[left]) % 24.0
        return np.where(gap_left <= gap_right, habit_owner[left], habit_owner[right])
