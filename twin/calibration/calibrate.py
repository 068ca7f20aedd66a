"""``twin calibrate``: fit a scenario's vehicle demand to its counts, then check the fit
by simulating it.

The fitted demand (``demand.vehicles_per_hour``, ``origin_weights``,
``destination_weights``) is run once through the twin; each count is compared with the
vehicles the run sent over its link in its hour (GEH), and with the flow the fit itself
expects (free-flow routes, no queues).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.calibration.assignment import link_use
from twin.calibration.fit import Fit, fit_demand, hour_factor, prior_trips, verdict
from twin.calibration.geh import geh, share_good
from twin.district.city import street_graph
from twin.district.routing import Router
from twin.district.street_graph import StreetGraph
from twin.errors import SCENARIO_SOURCE, Problem, ScenarioError
from twin.scenario import Scenario
from twin.scenario.counts import hour_problems

__all__ = ["Calibration", "calibrate", "counted_flows"]

#: Columns of the per-count table.
COUNT_COLUMNS = ("from", "to", "hour", "counted", "fitted", "simulated", "geh_fitted", "geh")


@dataclass
class Calibration:
    """The outcome of a calibration.

    Attributes:
        scenario: the scenario with the fitted demand.
        fit: the fit (weights, expected flows).
        simulated: per count, vehicles the run with the fitted demand sent (vehicles/h).
        counted: the counts.
        matched: whether at least 85 % of the simulated flows have GEH < 5.
        reasons: why not, in words.
    """

    scenario: Scenario
    fit: Fit
    counted: np.ndarray
    simulated: np.ndarray
    matched: bool
    reasons: list[str]

    @property
    def geh(self) -> np.ndarray:
        """GEH of each count against the simulated flow."""
        return geh(self.simulated, self.counted)

    @property
    def share_good(self) -> float | None:
        return share_good(self.geh)

    def rows(self) -> list[tuple[object, ...]]:
        """One row per count: ``COUNT_COLUMNS``."""
        fitted_geh = geh(self.fit.modelled, self.counted)
        return [
            (str(count.link[0]), str(count.link[1]), count.hour, *values)
            for count, values in zip(
                self.scenario.counts,
                zip(
                    self.counted.tolist(), self.fit.modelled.round(1).tolist(),
                    self.simulated.tolist(), fitted_geh.round(2).tolist(),
                    self.geh.round(2).tolist(), strict=True,
                ),
                strict=True,
            )
        ]  # fmt: skip


def calibrate(scenario: Scenario) -> Calibration:
    """Fit ``scenario``'s demand to its counts and simulate the result once.

    Raises:
        ValueError: the scenario has no counts.
        ScenarioError: a count's hour is not simulated whole.
    """
    from twin.simulation.runner import run_scenario

    if not scenario.counts:
        raise ValueError(f"scenario '{scenario.name}' has no counts to calibrate to")
    problems = hour_problems(scenario)
    if problems:
        raise ScenarioError(Problem(SCENARIO_SOURCE, None, path, m) for path, m in problems)
    graph = street_graph(scenario)
    links = np.array([_link(graph, count.link) for count in scenario.counts])
    factors = np.array([hour_factor(scenario.demand.profile, c.hour) for c in scenario.counts])
    counted = np.array([c.vehicles for c in scenario.counts], dtype=float)
    prior = prior_trips(graph, scenario.demand)
    fit = fit_demand(link_use(Router(graph)), links, factors, counted, prior)
    origin, destination = fit.weights()
    labels = [graph.label[node] for node in graph.boundary_nodes]
    fitted = scenario.with_changes(
        {
            "demand.vehicles_per_hour": round(fit.vehicles_per_hour, 1),
            "demand.origin_weights": _by_label(labels, origin),
            "demand.destination_weights": _by_label(labels, destination),
        }
    )
    result = run_scenario(fitted)
    simulated = counted_flows(fitted, graph, result.tables["vehicle_passages"])
    matched, reasons = verdict(geh(simulated, counted), fit.unseen)
    return Calibration(fitted, fit, counted, simulated, matched, reasons)


def counted_flows(
    scenario: Scenario, graph: StreetGraph, passages: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Per count of ``scenario``, the vehicles a run's ``passages`` put on its link in its
    clock hour: past the stop line at the link's end, or, on a link leaving the district,
    out of the stop line at its start."""
    clock = np.floor(scenario.demand.start_hour + passages["time_s"] / 3600.0) % 24
    flows = []
    for count in scenario.counts:
        tail, head, street = graph.links[_link(graph, count.link)]
        if head < graph.n_intersections:
            here = (passages["node"] == head) & (passages["from_leg"] == graph.leg_of(head, street))
        else:
            here = (passages["node"] == tail) & (passages["to_leg"] == graph.leg_of(tail, street))
        flows.append(float(np.sum(here & (clock == count.hour))))
    return np.array(flows)


def _link(graph: StreetGraph, link: tuple[str | int, str | int]) -> int:
    tail, head = (graph.label.index(str(node)) for node in link)
    return graph.link_of[(tail, head)]


def _by_label(labels: list[str], weights: np.ndarray) -> dict[str, float]:
    return {label: float(f"{w:.4g}") for label, w in zip(labels, weights.tolist(), strict=True)}
