"""Backward waves and box blocking (issue 18), on bare approaches with hand-worked times.

A place freed at a full link's stop line reaches the link's upstream end only after
length / w, w the congested wave speed of the triangular flow-density diagram (Daganzo
1994; Yperman 2005): 150 m at 18 km/h is 30 s.
"""

from __future__ import annotations

import pytest
import simpy

from agents.approach import Approach
from tests.conftest import build
from twin.simulation.model import CityModel

LENGTH_M, WAVE_KMH, HEADWAY_S = 150.0, 18.0, 2.0
WAVE_S = LENGTH_M / (WAVE_KMH / 3.6)  # 30 s


def _corridor(wave_s: float):
    """Upstream stop line (green throughout) feeding a full two-place downstream link
    whose own green opens at 50 s; three vehicles reach the upstream line at 1, 2, 3 s."""
    env = simpy.Environment()
    downstream = Approach(env, 1, 1, 0, HEADWAY_S, storage=2, wave_s=wave_s)
    upstream = Approach(env, 0, 0, 0, HEADWAY_S, storage=10, wave_s=wave_s)
    upstream.open(0.0, 1e6)
    released: dict[str, list[float]] = {"downstream": [], "upstream": []}

    def leave(where: str, approach: Approach, onward: Approach | None):
        ticket = approach.arrive(onward)
        departure = ticket if isinstance(ticket, float) else (yield ticket)
        released[where].append(departure)

    def queued_downstream():  # already at the downstream stop line, waiting for green
        assert downstream.enter() is None
        yield from leave("downstream", downstream, None)

    def arriving_upstream(at: float):
        yield env.timeout(at)
        yield from leave("upstream", upstream, downstream)

    def downstream_signal():
        yield env.timeout(50.0)
        downstream.open(50.0, 80.0)

    for _ in range(2):
        env.process(queued_downstream())
    for at in (1.0, 2.0, 3.0):
        env.process(arriving_upstream(at))
    env.process(downstream_signal())
    env.run(until=500)
    return released, upstream, downstream


def test_upstream_release_follows_downstream_release_by_length_over_w() -> None:
    released, _, _ = _corridor(WAVE_S)
    assert released["downstream"] == [50.0, 52.0]
    # the first two upstream vehicles wait for the two freed places to travel back
    for down, up in zip(released["downstream"], released["upstream"][:2], strict=True):
        assert abs(up - (down + WAVE_S)) < HEADWAY_S, (down, up)
    # with no wave (the old model) the place was usable upstream at once
    instant, _, _ = _corridor(0.0)
    assert instant["upstream"][:2] == [50.0, 52.0]


def test_streets_take_the_wave_time_from_length_and_the_city_s_wave_speed() -> None:
    model = CityModel(
        build(
            duration=600,
            city={"rows": 1, "cols": 2, "block_length_m": LENGTH_M},
            demand={"vehicles_per_hour": 0, "pedestrians_per_hour": 0},
        )
    )
    assert model.spec.city.backward_wave_kmh == WAVE_KMH  # the cited default
    for approach in model.streets.approach_of.values():
        assert approach.wave_s == pytest.approx(WAVE_S)


def test_a_blocked_intersection_admits_no_vehicle_into_the_box(monkeypatch) -> None:
    """Box blocking: a vehicle is given its departure across the intersection only with
    a place of its own on the link beyond, so none stops inside the box. Checked at every
    departure of a jammed 3 x 3 grid: the next link never holds more than its storage,
    and approaches did wait for room (the check was put to the test)."""
    grants = {"into a link": 0, "onto its last place": 0}
    grant = Approach._grant

    def checked(self: Approach, departure: float, onward: object, extra_s: float = 0) -> None:
        grant(self, departure, onward, extra_s)
        if isinstance(onward, Approach):
            onward.has_room()  # settle the places freed by now
            assert onward.occupancy <= onward.storage
            grants["into a link"] += 1
            grants["onto its last place"] += onward.occupancy == onward.storage

    monkeypatch.setattr(Approach, "_grant", checked)
    model = CityModel(
        build(
            duration="30min",
            city={"rows": 3, "cols": 3, "block_length_m": 100},
            demand={"vehicles_per_hour": 12_000, "pedestrians_per_hour": 0},
        )
    )
    model.run_to_end()
    approaches = model.streets.approach_of.values()
    assert sum(a.blocks for a in approaches) > 50  # the box was often blocked
    assert grants["onto its last place"] > 50 and grants["into a link"] > 500
