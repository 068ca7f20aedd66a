"""Mesa's DataCollector carries the outcomes: the row at the end of a run equals what
``metrics.json`` says (computed apart, after the run, from the whole tables), per agent
too, and ``mesa.batch_run`` with a seed per replication gets them all."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from tests.conftest import build
from twin.simulation.model import CityModel
from twin.simulation.runner import collect

#: The outcomes so far and the ``metrics.json`` efficiency key each ends as.
ENDS_AS = {
    "vehicle_trips_completed_so_far": "vehicle_trips_completed",
    "vehicle_delay_s_mean_so_far": "vehicle_delay_s_mean",
    "pedestrian_trips_completed_so_far": "pedestrian_trips_completed",
    "stranded_crossings_so_far": "stranded_crossings",
    "vehicle_pedestrian_conflicts_so_far": "vehicle_pedestrian_conflicts",
}


def crossings_scenario(**changes: object):  # type: ignore[no-untyped-def]
    """Two intersections of wide streets crossed by many slow walkers: crossings get
    stranded, and the app identifies those who opted in; turning drivers do not yield,
    so conflicts happen too."""
    sections: dict[str, object] = {
        "duration": "40min",
        "warmup": "10min",
        "city": {"rows": 1, "cols": 2, "lanes": 3},
        "signals": {"cycle_s": 64, "turns_yield_to_pedestrians": False},
        "population": {"residents": 300, "impaired_share": 0.5},
        "demand": {"vehicles_per_hour": 500, "pedestrians_per_hour": 1500},
        "services": {"crossing_assist": "opt_in_app", "driver_alerts": False},
    }
    return build(**{**sections, **changes})


def test_the_last_row_is_the_end_and_equals_the_metrics() -> None:
    scenario = crossings_scenario()
    model = CityModel(scenario)
    model.run_to_end()
    rows = model.datacollector.model_vars
    assert rows["time_s"][-1] == scenario.duration  # the end, not the last 5-minute mark
    efficiency = collect(model, {}).metrics["efficiency"]
    assert efficiency["stranded_crossings"] > 0 and efficiency["vehicle_pedestrian_conflicts"] > 0
    for column, key in ENDS_AS.items():
        assert rows[column][-1] == pytest.approx(efficiency[key], rel=1e-12), column
    # counted from the warm-up on, like the metrics: nothing before it
    before = [t < scenario.warmup for t in rows["time_s"]]
    assert all(rows["vehicle_trips_completed_so_far"][i] == 0 for i, b in enumerate(before) if b)
    assert rows["residents_identified_so_far"][-1] == len(
        np.unique(model.sensing.log.arrays()["subject"][model.sensing.log.arrays()["subject"] >= 0])
    )


def test_per_agent_outcomes_add_up_to_the_models() -> None:
    scenario = crossings_scenario()
    model = CityModel(scenario, step_s=600.0)
    while model.running:
        model.step()
    agents = model.datacollector.get_agent_vars_dataframe()
    last = agents.xs(model.steps - 1, level="Step")
    stranded = last["intersection_stranded_crossings_so_far"].dropna()
    assert len(stranded) == 2  # the two intersections
    rows = model.datacollector.model_vars
    assert stranded.sum() == rows["stranded_crossings_so_far"][-1] > 0
    identified = last["resident_identified_so_far"].dropna()
    assert len(identified) == 300 and identified.sum() == rows["residents_identified_so_far"][-1]
    # stepping gives the same outcomes at the end as running to the end
    whole = CityModel(scenario)
    whole.run_to_end()
    for column in ENDS_AS:
        assert rows[column][-1] == pytest.approx(
            whole.datacollector.model_vars[column][-1], rel=1e-12
        )


def test_batch_run_with_a_seed_per_replication() -> None:
    """A scenario per seed gives replications (on Mesa 3.3 and 3.5 alike); each run's
    rows end at the end of the run."""
    scenario = crossings_scenario(duration="20min", warmup="0s")
    rows = mesa.batch_run(
        CityModel,
        {"scenario": [scenario.with_changes({"seed": s}) for s in (1, 2)], "step_s": 600.0},
        max_steps=10,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    by_seed: dict[int, dict[int, dict[str, object]]] = {}
    for row in rows:
        by_seed.setdefault(row["scenario"].seed, {})[int(row["Step"])] = row  # type: ignore[attr-defined]
    assert sorted(by_seed) == [1, 2]
    for steps in by_seed.values():
        assert sorted(steps) == [0, 1, 2]  # 0, 10 and 20 minutes: the end is there
        assert steps[2]["time_s"] == 1200.0
    ends = [by_seed[seed][2]["vehicle_trips_completed_so_far"] for seed in (1, 2)]
    assert ends[0] != ends[1]  # different seeds, different days


def test_components_down_counts_an_attack_while_it_lasts() -> None:
    scenario = build(
        duration="30min",
        city={"rows": 1, "cols": 2},
        attacks=[{"at": "10min", "entry": "signal_controllers:0", "duration": "10min"}],
    )
    model = CityModel(scenario)
    model.run_to_end()
    rows = model.datacollector.model_vars
    down = dict(zip(rows["time_s"], rows["components_down"], strict=True))
    # a flashing controller stays down until restored (a median of 74 h): still at the end
    assert down[0.0] == 0 and down[900.0] >= 1 and down[1800.0] >= 1
