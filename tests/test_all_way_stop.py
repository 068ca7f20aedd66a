"""All-way-stop (flashing red) capacity against hand-worked values of the simplified
HCM 6th ed. Ch. 21 method (geometry group 1, one lane per approach)."""

from __future__ import annotations

import pytest

from metrics.analytic import (
    awsc_capacity_vph,
    awsc_case,
    awsc_departure_headways,
    awsc_headway_adjustment,
    awsc_saturation_headway,
)


def test_degree_of_conflict_cases() -> None:
    assert awsc_case(False, 0) == 1
    assert awsc_case(True, 0) == 2
    assert awsc_case(False, 1) == 3
    assert awsc_case(True, 1) == 4
    assert awsc_case(False, 2) == 4
    assert awsc_case(True, 2) == 5
    with pytest.raises(ValueError, match="0, 1 or 2"):
        awsc_case(False, 3)


def test_saturation_headways_and_adjustment() -> None:
    # Eq. 21-13 by hand: 0.2 x 0.5 + (-0.6) x 0.2 + 1.7 x 0.1 = 0.15 s.
    adj = awsc_headway_adjustment(left_share=0.5, right_share=0.2, heavy_share=0.1)
    assert adj == pytest.approx(0.15)
    assert awsc_saturation_headway(True, 2, adj) == pytest.approx(9.75)
    assert awsc_saturation_headway(False, 0) == pytest.approx(3.9)
    with pytest.raises(ValueError, match="heavy_share 2"):
        awsc_headway_adjustment(heavy_share=2)


def test_lone_approach_runs_at_case_one() -> None:
    headways = awsc_departure_headways((300.0, 0.0, 0.0, 0.0))
    assert headways[0] == pytest.approx(3.9)
    assert awsc_capacity_vph((0.0, 0.0, 0.0, 0.0)) == pytest.approx(3600 / 3.9)


def test_two_opposing_approaches_by_hand() -> None:
    # N and S at 400 veh/h, E and W empty: h = 3.9 (1 - x) + 4.7 x with x = 400 h / 3600,
    # so h = 3.9 / (1 - 0.8 x 400 / 3600) = 4.2805 s.
    headways = awsc_departure_headways((400.0, 0.0, 400.0, 0.0))
    assert headways[0] == pytest.approx(3.9 / (1 - 0.8 * 400 / 3600), rel=1e-6)
    assert headways[2] == pytest.approx(headways[0])
    # The empty E approach sees N and S as its two conflicting approaches (cases 1, 3, 4).
    x = 400 * headways[0] / 3600
    expected_e = 3.9 * (1 - x) ** 2 + 5.8 * 2 * x * (1 - x) + 7.0 * x**2
    assert headways[1] == pytest.approx(expected_e, rel=1e-6)


def test_capacity_against_opposing_flow_by_hand() -> None:
    # Subject N saturated (x = 1): the opposing S approach sees case 2 always, h_S = 4.7 s,
    # x_S = 400 x 4.7 / 3600; the subject's headway is 3.9 + 0.8 x_S: capacity 833.8 veh/h.
    x_s = 400 * 4.7 / 3600
    expected = 3600 / (3.9 + 0.8 * x_s)
    assert awsc_capacity_vph((0.0, 0.0, 400.0, 0.0)) == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(833.8, abs=0.1)


def test_all_approaches_saturated_is_case_five() -> None:
    # Every approach always occupied: 9.6 s each, 375 veh/h per approach, 1,500 veh/h in all.
    assert awsc_capacity_vph((2000.0, 2000.0, 2000.0, 2000.0)) == pytest.approx(375.0)
    assert awsc_departure_headways((2000.0,) * 4) == pytest.approx((9.6,) * 4)


def test_more_conflicting_flow_lowers_capacity() -> None:
    light = awsc_capacity_vph((0.0, 100.0, 100.0, 100.0))
    heavy = awsc_capacity_vph((0.0, 300.0, 300.0, 300.0))
    assert 375 < heavy < light < 3600 / 3.9
