"""HCM control delay (issue 18): ``demand.until`` ends arrivals, the run goes on until
the network clears, and every vehicle of the demand period is counted to its end.

Reference: HCM 2000 uniform + incremental delay d1 + d2 (``metrics.analytic``) for an
isolated approach oversaturated for a period T and then left to clear, which is the
quantity d1 + d2 describes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.analytic import hcm_signal_delay
from tests.conftest import build
from twin.errors import ScenarioError
from twin.simulation.model import CityModel
from twin.simulation.runner import collect

#: One intersection (default signals: C 60 s, g 26 s, s 1800 veh/h): 780 veh/h an approach.
CAPACITY_VPH = 780.0


def _isolated(seed: int, x: float, until: float | None, duration_s: float):
    demand: dict[str, object] = {"vehicles_per_hour": 4 * x * CAPACITY_VPH}
    demand |= {"pedestrians_per_hour": 0, "until": until}
    return build(  # the signal as HCM's d1 + d2 describe it (see test_validation)
        seed=seed,
        duration=duration_s,
        city={
            "rows": 1,
            "cols": 1,
            "block_length_m": 300,
            "acceleration_mps2": None,
            "speed_spread": 0,
        },
        signals={
            "left_turns": "unopposed",
            "turns_yield_to_pedestrians": False,
            "right_turn_equivalent": 1,
            "left_turn_equivalent": 1,
        },
        demand=demand,
    )


def _run(seed: int, x: float, until: float | None, duration_s: float):
    model = CityModel(_isolated(seed, x, until, duration_s))
    model.run_to_end()
    return model, collect(model, {}).metrics["efficiency"]


def test_the_run_ends_when_the_period_s_vehicles_have_left() -> None:
    model, efficiency = _run(0, 1.3, 1800.0, 3 * 3600.0)
    trips = model.traffic.log.arrays()
    assert model.traffic.active == 0
    assert trips["start_s"].max() < 1800.0  # nobody entered after the period
    assert model.env.now == trips["end_s"].max() < 3 * 3600.0  # ended as the last left
    delay = trips["end_s"] - trips["start_s"] - trips["freeflow_s"]
    assert efficiency["vehicle_control_delay_s_mean"] == pytest.approx(delay.mean())


def test_control_delay_is_null_while_vehicles_of_the_period_are_under_way() -> None:
    _, capped = _run(0, 1.3, 1800.0, 2400.0)  # the cap ends the run with queues left
    assert capped["vehicle_trips_unfinished"] > 0
    assert capped["vehicle_control_delay_s_mean"] is None
    _, endless = _run(0, 0.5, None, 1800.0)  # no demand.until: arrivals until the end
    assert endless["vehicle_control_delay_s_mean"] is None


@pytest.mark.parametrize(("until", "words"), [(7200, "no later than duration"), (60, "after")])
def test_demand_until_outside_the_run_is_an_error_naming_the_field(
    until: float, words: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        build(duration=3600, warmup=300, demand={"until": until})
    assert "demand.until" in str(caught.value) and words in str(caught.value)


@pytest.mark.slow
@pytest.mark.parametrize("x", [1.1, 1.3])
def test_control_delay_matches_hcm_d1_plus_d2(x: float) -> None:
    """Arrivals for T = 1 h at x times capacity, then clearing. HCM's d2 is a
    deterministic-queue approximation: allowance 10 % of d1 + d2 (the project's HCM
    tolerance), widened by 3 standard errors of the mean over 40 fixed seeds."""
    delays = [_run(seed, x, 3600.0, 3 * 3600.0)[1] for seed in range(40)]
    values = np.array([d["vehicle_control_delay_s_mean"] for d in delays], dtype=float)
    reference = hcm_signal_delay(60, 26, x * CAPACITY_VPH, 1800, analysis_h=1.0)
    standard_error = values.std(ddof=1) / math.sqrt(values.size)
    assert standard_error < 0.03 * reference  # the replications pin the mean down
    assert abs(values.mean() - reference) < 0.10 * reference + 3 * standard_error, (
        values.mean(),
        standard_error,
        reference,
    )
