"""Shared helpers: small scenarios built in code."""

from __future__ import annotations

import os
from typing import Any

import pytest

from twin.scenario import Scenario, parse_scenario


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: no worker process on a single core (one would only add its start-up
    and a second collection); xdist's own count otherwise."""
    return 0 if len(os.sched_getaffinity(0)) == 1 else None


def build(**sections: Any) -> Scenario:
    """A scenario from keyword sections, e.g. ``build(city={"rows": 1})``; the stores hold
    one day from before the run unless ``policy.history`` says otherwise (a month of
    history costs seconds per run; tests/test_steady_state.py checks the month)."""
    data: dict[str, Any] = {
        "name": "test",
        "population": {"residents": 200},
        "policy": {"history": "1d"},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_scenario(data, source="<test>")


@pytest.fixture
def scenario_factory():
    """The :func:`build` helper as a fixture."""
    return build


def schedule(
    model: Any, down: dict[str, list[tuple[float, float]]], effect: str = "fail_safe_flash"
):
    """Schedule ``effect`` on the components in ``down`` (name -> intervals) in a built
    model, as an attack replication would (``twin.security.effects``)."""
    from twin.security.effects import apply_outcome
    from twin.security.spread import AttackOutcome

    outcome = AttackOutcome({}, {effect: down}, {}, dict(down), {})
    apply_outcome(model.services, model.attack_plan.graph, outcome, model.env.now)
