"""Conflict counting on tables built by hand."""

from __future__ import annotations

import numpy as np

from metrics.safety import vehicle_pedestrian_conflicts


def _crossings(rows):
    columns = ("node", "crosswalk", "start_s", "end_s", "detected")
    return {name: np.array([row[i] for row in rows], dtype=float) for i, name in enumerate(columns)}


def _passages(rows):
    columns = ("node", "from_leg", "to_leg", "time_s")
    return {name: np.array([row[i] for row in rows], dtype=float) for i, name in enumerate(columns)}


CROSSINGS = _crossings(
    [
        (0, 1, 100.0, 110.0, 0),  # node 0, east-leg crosswalk, 100-110 s
        (0, 1, 105.0, 120.0, 1),  # overlapping, detected
        (1, 1, 100.0, 110.0, 0),  # same leg at another node
    ]
)


def test_a_vehicle_over_an_occupied_crosswalk_is_a_conflict() -> None:
    passages = _passages(
        [
            (0, 2, 1, 99.0),  # before anyone is on it
            (0, 2, 1, 101.0),  # over the east leg while one is crossing
            (0, 1, 0, 115.0),  # from the east leg, the detected one still on it
            (0, 2, 0, 105.0),  # neither of its legs is occupied
            (2, 2, 1, 105.0),  # another node: nobody there
            (0, 2, 1, 120.0),  # at the instant the last one reaches the curb
        ]
    )
    assert vehicle_pedestrian_conflicts(passages, CROSSINGS, warmup_s=0) == (2, 0)
    assert vehicle_pedestrian_conflicts(passages, CROSSINGS, warmup_s=110) == (1, 0)


def test_alerts_only_help_where_a_pedestrian_was_detected() -> None:
    passages = _passages([(0, 2, 1, 101.0), (0, 2, 1, 106.0), (0, 2, 1, 115.0)])
    always = np.zeros(3)  # every alerted driver yields
    conflicts, avoided = vehicle_pedestrian_conflicts(passages, CROSSINGS, 0, 1.0, always)
    # 101 s: only the undetected pedestrian is on it; 106 and 115 s: the detected one too.
    assert (conflicts, avoided) == (1, 2)
    never = np.ones(3)
    assert vehicle_pedestrian_conflicts(passages, CROSSINGS, 0, 0.8, never) == (3, 0)


def test_a_fifth_leg_is_not_the_next_intersections_first() -> None:
    """A five-leg junction (OSM districts have them): its fifth crosswalk (leg 4) and
    leg 0 of the next intersection are different crosswalks."""
    crossings = _crossings([(0, 4, 100.0, 110.0, 0)])  # someone on node 0's fifth leg
    passages = _passages(
        [
            (1, 0, 2, 105.0),  # node 1, leg 0: nobody there
            (0, 4, 2, 105.0),  # node 0, from its fifth leg: over the pedestrian
            (0, 1, 4, 106.0),  # node 0, out by its fifth leg: over the pedestrian
        ]
    )
    assert vehicle_pedestrian_conflicts(passages, crossings, warmup_s=0) == (2, 0)
