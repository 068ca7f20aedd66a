"""Stores at steady state: a short run holds what a long simulation of the same district holds."""

from __future__ import annotations

import numpy as np
import pytest

import twin
from tests.conftest import build

DAY = 86_400.0


def _district(duration: str, history: str, start_hour: float) -> twin.Scenario:
    return build(
        seed=5,
        duration=duration,
        warmup=0,
        city={"rows": 2, "cols": 2},
        population={"residents": 80},
        demand={
            "vehicles_per_hour": 30,
            "pedestrians_per_hour": 30,
            "profile": "daily",
            "start_hour": start_hour,
        },
        services={"crossing_assist": "camera_ai", "traffic_monitoring": {"method": "anpr"}},
        policy={"retention": {"direct": "30d"}, "history": history},
    )


@pytest.mark.slow
def test_a_short_run_holds_what_a_month_of_simulation_holds() -> None:
    """A 2-hour run at 30-day retention, its stores generated from the routines, against
    the last 30 days a 31-day simulation of the same district keeps (same seed: same
    residents, routines and car habits; the days differ by attendance and jitter).

    Tolerance: the records a store holds are a sum over 30 days; its standard deviation
    is the simulated days' day-to-day deviation times sqrt(30), for each of the two
    (independent) totals; 4 standard deviations of the difference."""
    month = twin.run(_district("31d", "0", 6.0))
    short = twin.run(_district("2h", "30d", 6.0))
    assert month.privacy is not None and short.privacy is not None
    long_m, short_m = month.metrics["privacy"], short.metrics["privacy"]
    assert short_m["history_days"] == 30 and long_m["history_days"] == 0  # type: ignore[index]
    records = month.privacy.records
    named = records.subject >= 0
    per_day = np.bincount((records.time_s[named] // DAY).astype(int))[:31]
    sd_total = per_day.std(ddof=1) * np.sqrt(30)
    held_long = long_m["identifiable_records_retained"]  # type: ignore[index]
    held_short = short_m["identifiable_records_retained"]  # type: ignore[index]
    assert abs(held_short - held_long) <= 4 * np.sqrt(2) * sd_total, (held_short, held_long)
    # residents exposed, identified with certainty, with health data (camera flags)
    for key in ("persons_exposed", "directly_identified", "sensitive_persons_exposed"):
        a, b = long_m[key], short_m[key]  # type: ignore[index]
        assert abs(a - b) <= 4 * np.sqrt(a + b) / 2 + 2, (key, a, b)
    # the same people: a resident the month exposed is exposed by the short run's stores
    exposed_long = set(records.person[named & (records.person < 80)].tolist())
    held = short.privacy.records
    exposed_short = set(held.person[(held.subject >= 0) & (held.person < 80)].tolist())
    assert len(exposed_long ^ exposed_short) <= 0.1 * len(exposed_long)
