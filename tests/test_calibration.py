"""Calibration to counts: GEH by hand, the routes' link use on a hand-checked district, and
on a synthetic network with known demand, recovery of that demand (and a clear no when
counts contradict each other)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from twin.calibration.assignment import link_use
from twin.calibration.calibrate import calibrate
from twin.calibration.fit import fit_demand, verdict
from twin.calibration.geh import geh, share_good
from twin.cli import main
from twin.district.grid import grid_graph
from twin.district.od import od_shares
from twin.district.routing import Router
from twin.errors import ScenarioError
from twin.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "calibration_demo.yaml"
#: the demand the demo's counts were simulated from (its header)
TRUE_VPH = 900.0
TRUE_ORIGIN = {"edge 0": 3, "edge 1": 2, "edge 4": 0.5, "edge 7": 2.5}
TRUE_DESTINATION = {"edge 2": 3, "edge 6": 0.3, "edge 9": 2}


def test_geh_by_hand() -> None:
    assert geh(120, 100) == pytest.approx(math.sqrt(2 * 20**2 / 220))  # 1.907
    assert geh(200, 100) == pytest.approx(8.165, abs=1e-3)
    assert geh(0, 0) == 0
    assert share_good(np.array([1.0, 4.9, 5.0, 7.0])) == 0.5
    assert share_good(np.array([])) is None


def test_one_intersection_sends_every_trip_straight_through() -> None:
    graph = grid_graph(1, 1, 100.0, 1, 10.0)  # one intersection, four boundary nodes
    use = link_use(Router(graph))
    boundary = graph.boundary_nodes
    for i, origin in enumerate(boundary):
        for j, destination in enumerate(boundary):
            used = {k for k in range(len(graph.links)) if use[k, i, j] > 0}
            if i == j:
                assert not used
            else:
                expected = {graph.link_of[(origin, 0)], graph.link_of[(0, destination)]}
                assert used == expected and all(use[k, i, j] == 1.0 for k in used)


def test_tied_routes_split_evenly_and_conserve_trips() -> None:
    graph = grid_graph(2, 2, 100.0, 1, 10.0)
    use = link_use(Router(graph))
    boundary = graph.boundary_nodes
    for i, origin in enumerate(boundary):
        for j, destination in enumerate(boundary):
            if i == j:
                continue
            out = sum(use[k, i, j] for k in graph.outgoing[origin])
            into = sum(use[k, i, j] for k in graph.incoming[destination])
            assert out == pytest.approx(1.0) and into == pytest.approx(1.0)
            assert set(np.round(use[:, i, j][use[:, i, j] > 0], 9)) <= {0.5, 1.0}


def test_counts_that_contradict_each_other_cannot_be_matched() -> None:
    graph = grid_graph(1, 1, 100.0, 1, 10.0)
    use = link_use(Router(graph))
    entering = [graph.link_of[(b, 0)] for b in graph.boundary_nodes]
    leaving = [graph.link_of[(0, b)] for b in graph.boundary_nodes]
    # 400 vehicles/h enter on each street but only 20 leave on each
    links = np.array(entering + leaving)
    counted = np.array([400.0] * 4 + [20.0] * 4)
    prior = np.ones((4, 4)) - np.eye(4)
    fit = fit_demand(use, links, np.ones(8), counted, prior)
    matched, reasons = verdict(geh(fit.modelled, counted), fit.unseen)
    assert not matched and any("only" in r for r in reasons)


def test_count_links_and_weights_are_checked() -> None:
    base = {"name": "c", "city": {"rows": 2, "cols": 2}}
    with pytest.raises(ScenarioError, match=r"counts\[0\]\.link: no street leads"):
        parse_scenario(
            {**base, "counts": [{"link": ["(0, 0)", "(1, 1)"], "hour": 0, "vehicles": 5}]}
        )
    with pytest.raises(ScenarioError, match=r"counts\[0\]\.link: 'x' is not a node"):
        parse_scenario({**base, "counts": [{"link": ["x", "(1, 1)"], "hour": 0, "vehicles": 5}]})
    with pytest.raises(ScenarioError, match=r"demand\.origin_weights: 'edge 99' is not a boundary"):
        parse_scenario({**base, "demand": {"origin_weights": {"edge 99": 2}}})
    with pytest.raises(ScenarioError, match=r"must be at least 0"):
        parse_scenario({**base, "demand": {"origin_weights": {"edge 1": -2}}})


def test_a_count_outside_the_run_is_refused_when_calibrating() -> None:
    scenario = load_scenario(DEMO, ["duration=30min"])
    with pytest.raises(ScenarioError, match=r"counts\[0\]\.hour: 0 is not a whole hour"):
        calibrate(scenario)


@pytest.mark.slow
def test_calibration_recovers_the_known_demand(tmp_path: Path) -> None:
    out, table = tmp_path / "calibrated.yaml", tmp_path / "geh.csv"
    assert main(["calibrate", str(DEMO), "--out", str(out), "--csv", str(table)]) == 0
    result = calibrate(load_scenario(DEMO))
    assert result.matched and result.share_good is not None and result.share_good >= 0.85
    # the counts were one draw of Poisson arrivals over 2 h: 4 standard deviations
    assert abs(result.fit.vehicles_per_hour - TRUE_VPH) < 4 * math.sqrt(TRUE_VPH * 2) / 2
    truth = parse_scenario(
        {
            "name": "truth",
            "city": {"rows": 3, "cols": 3},
            "demand": {
                "vehicles_per_hour": TRUE_VPH,
                "origin_weights": TRUE_ORIGIN,
                "destination_weights": TRUE_DESTINATION,
            },
        }
    )
    from twin.district.city import street_graph

    expected = od_shares(street_graph(truth), truth.demand) * TRUE_VPH
    for axis in (1, 0):  # vehicles/h entering, then leaving, at each boundary node
        want, got = expected.sum(axis=axis), result.fit.trips.sum(axis=axis)
        assert np.all(np.abs(got - want) < 4 * np.sqrt(want * 2) / 2 + 1)
    calibrated = yaml.safe_load(out.read_text())
    assert calibrated["demand"]["vehicles_per_hour"] == pytest.approx(
        result.fit.vehicles_per_hour, rel=0.05
    )
    assert table.read_text().splitlines()[0].startswith("from,to,hour,counted")


def test_calibrate_says_when_it_cannot(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text())
    for count in data["counts"]:
        if str(count["link"][1]).startswith("edge"):  # leaving the district: a third
            count["vehicles"] = round(count["vehicles"] / 3)
    path = tmp_path / "contradicting.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["calibrate", str(path)]) == 1
