"""Fixed plans run as shared timeout callbacks (``agents.fixed_plan``) give exactly the run
each controller's own process gives: the same phases, trips and crossings, with offsets,
a lead-in, preemption handing a plan over to its process, and an incident."""

from __future__ import annotations

import numpy as np
import pytest

import agents.signal as signal
from twin.scenario import parse_scenario
from twin.simulation.model import CityModel

DISTRICT = {
    "name": "fixed-plans",
    "seed": 3,
    "duration": 5400,
    "city": {"rows": 4, "cols": 5, "block_length_m": 120, "lanes": 1},
    "population": {"residents": 2000},
    "demand": {"vehicles_per_hour": 1500, "pedestrians_per_hour": 1500},
    "signals": {"control": "fixed", "cycle_s": 70, "offsets": "random"},
    "emergency": {"incidents_per_hour": 6, "ambulances": 2},
    "services": {"preemption": True},
}


def _tables(model: CityModel) -> dict[str, dict[str, np.ndarray]]:
    model.run_to_end()
    return {
        "signal_phases": model.signal_log.arrays(),
        "vehicle_trips": model.traffic.log.arrays(),
        "passages": model.traffic.passages.arrays(),
        "crossings": model.crossing_log.arrays(),
        "walks": model.walking.log.arrays(),
    }


def _as_processes(controller: signal.SignalController) -> None:
    """What a controller did before fixed plans: its program as its own process."""
    controller._process = controller.env.process(controller._run())


@pytest.mark.parametrize(
    ("offsets", "left_turns"),
    [("random", "unopposed"), ("none", "unopposed"), ("random", "permissive")],
)
def test_shared_fixed_plans_run_exactly_as_one_process_each(
    offsets: str, left_turns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    signals = {**DISTRICT["signals"], "offsets": offsets, "left_turns": left_turns}
    scenario = parse_scenario({**DISTRICT, "signals": signals})
    shared = CityModel(scenario)
    assert all(i.controller is None or i.controller._plan is not None
               for i in shared.streets.intersections)  # fmt: skip
    plans = _tables(shared)
    preempted = [i.controller.preemptions for i in shared.streets.intersections if i.controller]
    assert sum(preempted) > 0  # some plans were handed over to their process
    monkeypatch.setattr(signal, "FixedPlan", _as_processes)
    own = _tables(CityModel(scenario))
    for name, table in plans.items():
        assert len(table["start_s" if "start_s" in table else next(iter(table))]) > 0, name
        for column, values in table.items():
            np.testing.assert_array_equal(values, own[name][column], err_msg=f"{name}.{column}")
