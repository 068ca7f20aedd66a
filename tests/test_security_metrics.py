"""Blast-radius aggregation on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from metrics.security import (
    components_compromised_share,
    counterfactual_difference,
    leaked_rows,
    mean_interval,
    persons_affected,
    persons_exfiltrated,
    records_exfiltrated,
    service_hours_lost,
    services_disrupted,
)
from metrics.statistics import t_quantile_975

SERVICES_OF = {
    "signal_controllers:0": ("signal_control", "emergency_preemption"),
    "traffic_management": ("signal_control",),
    "heating_controller": ("sidewalk_heating",),
    "dispatch": ("emergency_response",),
}


def test_compromised_share() -> None:
    assert components_compromised_share(["a", "b", "a"], 8) == 0.25
    assert components_compromised_share([], 0) is None
    with pytest.raises(ValueError, match="3 components fell out of only 2"):
        components_compromised_share(["a", "b", "c"], 2)


def test_services_and_hours_lost_by_hand() -> None:
    down = {
        "signal_controllers:0": [(3600.0, 10800.0)],  # 1 h - 3 h
        "traffic_management": [(7200.0, 14400.0)],  # 2 h - 4 h, overlaps for signal_control
        "heating_controller": [(0.0, 1800.0), (36000.0, 50000.0)],  # second span past the end
        "dispatch": [],
    }
    assert services_disrupted(down, SERVICES_OF) == [
        "emergency_preemption",
        "sidewalk_heating",
        "signal_control",
    ]
    # signal_control: 1 h - 4 h = 3 h (union, not 2 + 2); preemption: 2 h;
    # heating: 0.5 h within [0, 5 h).
    assert service_hours_lost(down, SERVICES_OF, 0.0, 18000.0) == pytest.approx(5.5)
    # A window that starts at 2.5 h: signal 1.5 h, preemption 0.5 h, heating 0.
    assert service_hours_lost(down, SERVICES_OF, 9000.0, 18000.0) == pytest.approx(2.0)
    assert service_hours_lost({}, SERVICES_OF, 0.0, 10.0) == 0.0


def test_exfiltrated_records_and_persons() -> None:
    classes = np.array(["direct", "persistent", "pseudonymous", "aggregate", "direct", "direct"])
    subject = np.array([4, 4, 7, -1, 9, -1])
    disability = np.array([False, True, True, False, False, False])
    assert records_exfiltrated(classes, subject) == 3
    assert persons_exfiltrated(classes, subject) == 2
    assert persons_exfiltrated(classes, subject, disability) == 1
    empty = np.array([], dtype=str)
    assert records_exfiltrated(empty, np.array([], dtype=int)) == 0
    with pytest.raises(ValueError, match="columns differ"):
        records_exfiltrated(classes, subject[:2])


def test_counterfactual_and_intervals() -> None:
    diff = counterfactual_difference([10.0, 12.0, None, 9.0], [8.0, 8.0, 1.0, 9.0])
    assert diff == [2.0, 4.0, None, 0.0]
    summary = mean_interval(diff)
    # Mean 2, sample sd 2, n 3: half-width t(2) x 2 / sqrt 3 = 4.303 x 1.1547 = 4.969.
    assert summary["n"] == 3 and summary["mean"] == pytest.approx(2.0)
    assert summary["ci_high"] == pytest.approx(2.0 + 4.303 * 2 / np.sqrt(3))
    assert summary["method"] == "student_t"
    # A count never gets a negative lower bound.
    assert mean_interval(diff, (0.0, None))["ci_low"] == 0.0
    empty = {"mean": None, "ci_low": None, "ci_high": None, "n": 0, "method": None}
    assert mean_interval([]) == empty
    assert mean_interval([5.0])["ci_low"] is None
    with pytest.raises(ValueError, match="2 attacked values but 1 baseline"):
        counterfactual_difference([1.0, 2.0], [1.0])


@pytest.mark.parametrize("df", [1, 5, 30, 31, 60, 1000])
def test_t_quantile_against_scipy(df: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    assert t_quantile_975(df) == pytest.approx(stats.t.ppf(0.975, df), abs=2e-3)


def test_a_fallen_store_leaks_what_retention_kept() -> None:
    times = np.array([0.0, 50.0, 99.0, 100.0, 150.0])
    # A 60 s retention, the store falls at 100 s: it holds (40, 100].
    assert leaked_rows(times, 60.0, [100.0]).tolist() == [False, True, True, True, False]
    # Per-row retention (a direct identifier kept 10 s, an aggregate kept for ever).
    retention = np.array([np.inf, 10.0, 10.0, 10.0, np.inf])
    assert leaked_rows(times, retention, [100.0]).tolist() == [True, False, True, True, False]
    # Two falls leak the union; zero retention leaks nothing however often it falls.
    assert leaked_rows(times, 1.0, [50.0, 150.0]).tolist() == [False, True, False, False, True]
    assert not leaked_rows(times, 0.0, [0.0, 50.0, 100.0, 150.0]).any()
    classes = np.array(["direct"] * 5)
    subject = np.arange(5)
    mask = leaked_rows(times, 0.0, [100.0])
    assert persons_exfiltrated(classes[mask], subject[mask]) == 0


def test_persons_affected_met_a_down_component() -> None:
    subject = np.array([1, 1, 2, 3, -1, 4])
    node = np.array([0, 5, 5, 5, 5, 2])
    time_s = np.array([10.0, 10.0, 99.9, 100.0, 50.0, 50.0])
    # Node 5 down over [0, 100): persons 1 and 2 (3 came at 100, -1 is nobody).
    assert persons_affected(subject, node, time_s, {5: [(0.0, 100.0)]}) == 2
    assert persons_affected(subject, node, time_s, {}) == 0
