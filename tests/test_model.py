"""The Mesa face of the model: stepping, agents, independence of random streams."""

from __future__ import annotations

import gc
import weakref

import numpy as np

from agents.intersection import Intersection
from agents.pedestrian import Resident
from tests.conftest import build
from twin.simulation.model import CityModel
from twin.simulation.runner import run_scenario


def test_stepping_gives_the_same_run_as_running_to_the_end() -> None:
    scenario = build(
        duration="20min",
        city={"rows": 2, "cols": 3},
        emergency={"incidents_per_hour": 20},
        services={"preemption": True},
    )
    stepped = CityModel(scenario, step_s=7.0)
    steps = 0
    while stepped.running:
        stepped.step()
        steps += 1
    # the steps to the end, and one that finds the end and stops (the last row is the end)
    assert steps == int(np.ceil(1200 / 7.0)) + 1
    assert stepped.env.now == 1200
    assert stepped.datacollector.model_vars["time_s"][-1] == 1200
    whole = CityModel(scenario)
    whole.run_to_end()
    for mine, theirs in (
        (stepped.traffic.log, whole.traffic.log),
        (stepped.crossing_log, whole.crossing_log),
    ):
        a, b = mine.arrays(), theirs.arrays()
        assert all(np.array_equal(a[k], b[k]) for k in a)


def test_agents_live_in_mesa_containers() -> None:
    model = CityModel(
        build(duration="10min", city={"rows": 3, "cols": 3}, population={"residents": 150})
    )
    assert len(model.agents_by_type[Intersection]) == 9
    assert len(model.agents_by_type[Resident]) == 150


def test_adding_a_service_does_not_change_who_lives_where() -> None:
    plain = CityModel(build(duration="10min"))
    assisted = CityModel(build(duration="10min", services={"crossing_assist": "camera_ai"}))
    assert [r.anchors for r in plain.residents] == [r.anchors for r in assisted.residents]
    assert [r.speed_mps for r in plain.residents] == [r.speed_mps for r in assisted.residents]


def test_the_model_runs_without_plotting_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, twin.simulation.runner, twin.simulation.model, agents, metrics; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_finished_city_is_freed_and_the_collector_is_on_again() -> None:
    """A process runs city after city (a sweep worker, the explorer's resets): nothing
    may keep a finished one. Mesa 3.3's per-model agent-id counters and the fixed plans'
    shared clock each kept every model alive, so a worker grew by each run."""
    scenario = build(duration=900, warmup=60, city={"rows": 2, "cols": 2})
    made: list[weakref.ref[CityModel]] = []
    model = CityModel(scenario)
    model.run_model()
    made.append(weakref.ref(model))
    del model
    built = CityModel.__init__

    def remember(self: CityModel, *args: object, **kwargs: object) -> None:
        built(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(weakref.ref(self))

    CityModel.__init__ = remember  # type: ignore[method-assign]
    try:
        run_scenario(scenario)
    finally:
        CityModel.__init__ = built  # type: ignore[method-assign]
    assert gc.isenabled()
    gc.collect()
    assert len(made) >= 2 and all(ref() is None for ref in made)
