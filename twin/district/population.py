"""The synthetic population: homes, regular destinations, mobility and speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.pedestrian import Resident, draw_walking_speeds

if TYPE_CHECKING:
    import mesa

    from twin.scenario import Scenario


def create_residents(
    model: mesa.Model,
    scenario: Scenario,
    rng: np.random.Generator,
    consent_rng: np.random.Generator,
) -> list[Resident]:
    """Residents with a home corner and destinations within walking range.

    Homes are uniform over the grid's street corners; each destination is a
    corner of an intersection at most ``max_trip_blocks`` blocks (Manhattan)
    from home, uniform over those, never the home corner itself. A resident
    *needs time* when impaired or slower than the clearance speed; a share
    ``policy.consent.opt_in_rate`` opts in to app-based services (drawn from
    its own stream, so consent never changes who lives where).
    """
    city, population = scenario.city, scenario.population
    n = population.residents
    k = population.destinations_per_resident
    reach = population.max_trip_blocks
    home_row = rng.integers(0, city.rows, n)
    home_col = rng.integers(0, city.cols, n)
    home_corner = rng.integers(0, 4, n)
    rows = np.empty((n, k), dtype=np.int64)
    cols = np.empty((n, k), dtype=np.int64)
    pending = np.ones((n, k), dtype=bool)
    while pending.any():
        size = int(pending.sum())
        d_row = rng.integers(-reach, reach + 1, size)
        d_col = rng.integers(-reach, reach + 1, size)
        r = np.repeat(home_row[:, None], k, axis=1)[pending] + d_row
        c = np.repeat(home_col[:, None], k, axis=1)[pending] + d_col
        ok = (np.abs(d_row) + np.abs(d_col) <= reach) & (r >= 0) & (r < city.rows)
        ok &= (c >= 0) & (c < city.cols)
        index = np.flatnonzero(pending)[ok]
        rows.flat[index] = r[ok]
        cols.flat[index] = c[ok]
        pending.flat[index] = False
    corner = rng.integers(0, 4, (n, k))
    home = 4 * (home_row * city.cols + home_col) + home_corner
    destinations = 4 * (rows * city.cols + cols) + corner
    clash = destinations == home[:, None]
    destinations[clash] = 4 * (destinations[clash] // 4) + (destinations[clash] + 1) % 4
    offsets = rng.uniform(0.0, city.block_length_m / 2, (n, k + 1))
    impaired = rng.random(n) < population.impaired_share
    speeds = draw_walking_speeds(rng, impaired)
    needs_time = impaired | (speeds < scenario.signals.clearance_speed_mps)
    opted_in = consent_rng.random(n) < scenario.policy.consent.opt_in_rate
    return [
        Resident(
            model,
            anchors=(int(home[i]), *(int(d) for d in destinations[i])),
            offsets_m=tuple(float(o) for o in offsets[i]),
            speed_mps=float(speeds[i]),
            impaired=bool(impaired[i]),
            needs_time=bool(needs_time[i]),
            opted_in=bool(opted_in[i]),
        )
        for i in range(n)
    ]
