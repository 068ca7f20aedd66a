"""Protected left turns (``signals.left_turns: protected``): each approach in a phase of
its own (split phasing), the way a left turn from a shared lane is protected.

Checked against HCM's capacity of a protected movement, c = s g / C / E_L (E_L = 1.05,
the left-turn equivalent of HCM 6th ed. Ch. 19), and for what the
pedestrians' WALK may run beside: only turners, never a through movement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build
from tests.test_left_turns import _left_demand, _run
from twin.district.city import street_graph
from twin.district.signal_plans import signal_timing
from twin.scenario import load_scenario
from twin.simulation.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_saturated_left_turners_leave_at_s_g_over_c_of_their_own_phase() -> None:
    """675 left-turners/h from one approach, opposed by 338/h: with split phasing they
    meet no opposing vehicle and discharge at HCM's protected capacity s g / C / E_L, g
    the effective green of their own phase in a four-phase cycle."""
    served, opposing, scenario, _ = _run(0, 1350, 2, "protected")
    timing = signal_timing(scenario, 4)
    assert len(set(timing.green_s)) == 1  # four equal phases
    green = timing.green_s[0] + timing.yellow_s - timing.startup_lost_s
    signals = scenario.signals
    assert signals.left_turn_equivalent == 1.05  # HCM's, the default
    capacity = signals.saturation_flow_vph * green / timing.cycle_s / 1.05
    assert _left_demand(1350, 2) > 1.5 * capacity and opposing > 250
    assert served == pytest.approx(capacity, rel=0.02)


@pytest.mark.parametrize(
    "scenario",
    [
        build(city={"rows": 3, "cols": 4}, signals={"left_turns": "protected"}),
        load_scenario(
            ROOT / "scenarios" / "helsinki_kaartinkaupunki.yaml",
            ["signals.left_turns=protected"],
        ),
    ],
    ids=["grid", "osm"],
)
def test_each_approach_has_its_phase_and_walkers_meet_only_turners(scenario) -> None:
    graph = street_graph(scenario)
    signalised = [n for n in range(graph.n_intersections) if graph.control[n] == "signal"]
    assert signalised
    for node in signalised:
        phases = graph.phases(node, split=True)
        assert sorted(link for group in phases for link in group) == sorted(graph.incoming[node])
        assert all(len(group) == 1 for group in phases)
        for street in graph.legs[node]:
            (moving,) = phases[graph.crosswalk_phase(node, street, split=True)]
            entering = [k for k in graph.incoming[node] if graph.links[k][2] == street]
            facing = {graph.opposing(k) for k in entering}
            if len(phases) > len(entering) + len(facing - {None}):  # a phase is free of both
                assert moving not in entering and moving not in facing


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baseline", "integrated_city_brain", "winter_storm"])
def test_bundled_scenarios_run_with_protected_left_turns(name: str) -> None:
    changes = ["signals.left_turns=protected", "policy.history=0"]
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml", changes)
    assert run_scenario(scenario).metrics["efficiency"]["vehicle_trips_completed"] > 0
