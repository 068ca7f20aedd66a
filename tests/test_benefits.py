"""What each service's data buys beside what it holds (``twin run --benefits``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build

from twin.cli import main
from twin.results.benefits import benefit_blocks, benefit_lines
from twin.services import registered
from twin.simulation.benefits import measure_benefits
from twin.simulation.runner import run_scenario

#: Wide crossings timed for 1.07 m/s and many slow walkers: without help some are
#: stranded; a camera at every crossing sees (and keeps) everyone's face.
STRANDING = {
    "seed": 3,
    "duration": "40min",
    "warmup": "10min",
    "city": {"rows": 2, "cols": 2, "lanes": 2},
    "population": {"residents": 300, "impaired_share": 0.3},
    "demand": {"vehicles_per_hour": 600, "pedestrians_per_hour": 1500},
    "signals": {"cycle_s": 54},
    "services": {"crossing_assist": "camera_ai"},
}


@pytest.fixture(scope="module")
def measured():
    result = run_scenario(build(**STRANDING))
    return result, measure_benefits(result)


def test_each_service_is_measured_against_the_run_it_names(measured) -> None:
    """The comparison run is the scenario with the stated changes, seed for seed: a run
    built from those changes alone gives the same outcomes (nothing of the first run
    leaks into it)."""
    result, benefits = measured
    assert list(benefits) == ["crossing_assist"]  # fixed signals, no heating, no preemption
    entry = benefits["crossing_assist"]
    assert entry["without"] == {"services.crossing_assist": "none", "services.driver_alerts": False}
    assert entry["sensors"] == ["crossing_cameras"]
    alone = run_scenario(result.scenario.with_changes(entry["without"]))
    for family in ("efficiency", "privacy"):
        for key, pair in entry[family].items():
            assert pair["with"] == result.metrics[family][key], key
            assert pair["without"] == alone.metrics[family][key], key
            assert pair["difference"] == pytest.approx(pair["with"] - pair["without"]), key
    assert result.metrics["benefits"] is benefits


def test_the_camera_buys_fewer_strandings_and_costs_every_face(measured) -> None:
    """Without help, slow walkers are stranded; with the camera fewer are. Without any
    identifying sensor the stores hold nobody, so every resident exposed is the camera's."""
    result, benefits = measured
    efficiency, privacy = (benefits["crossing_assist"][f] for f in ("efficiency", "privacy"))
    stranded = efficiency["stranded_crossings"]
    assert stranded["without"] > 0 and stranded["difference"] < 0
    exposed = privacy["persons_exposed"]
    assert exposed["without"] == 0
    assert exposed["difference"] == result.metrics["privacy"]["persons_exposed"] > 0
    assert privacy["directly_identified"]["difference"] == exposed["difference"]  # faces


@pytest.mark.parametrize(
    ("service", "on"),
    [
        ("crossing_assist", {"services": {"crossing_assist": "radar"}}),
        ("signal_control", {"signals": {"control": "actuated"}}),
        ("emergency", {"emergency": {"incidents_per_hour": 2}, "services": {"preemption": True}}),
        (
            "sidewalk_heating",
            {"services": {"sidewalk_heating": {"share": 0.5, "activation": "always_on"}}},
        ),
        ("traffic_monitoring", {"services": {"traffic_monitoring": {"method": "loops"}}}),
    ],
)
def test_what_each_service_switches_off_is_valid_and_off(service: str, on: dict) -> None:
    """Each service's ``without`` is a valid scenario in which what it does is off, and
    names nothing to switch off when it is already off."""
    cls = next(c for c in registered() if c.name == service)
    scenario = build(**on)
    changes = cls.without(scenario)
    assert changes
    off = scenario.with_changes(changes)
    assert cls.without(off) == {}
    assert not cls.enabled(off) or service in ("signal_control", "emergency", "sidewalk_heating")


def test_words_judge_each_change_by_which_way_is_better() -> None:
    metrics = {
        "benefits": {
            "crossing_assist": {
                "without": {"services.crossing_assist": "none", "services.driver_alerts": False},
                "sensors": ["crossing_cameras"],
                "efficiency": {
                    "stranded_crossings": {"with": 1.0, "without": 10.0, "difference": -9.0},
                    "vehicle_delay_s_mean": {"with": 32.0, "without": 30.0, "difference": 2.0},
                    "slip_incidents": {"with": 0.0, "without": 0.0, "difference": 0.0},
                },
                "privacy": {
                    "persons_exposed": {"with": 120.0, "without": 0.0, "difference": 120.0},
                    "directly_identified": {"with": 1.0, "without": 2.0, "difference": -1.0},
                },
            }
        }
    }
    lines = "\n".join(benefit_lines(metrics))
    assert "services.driver_alerts = false" in lines
    assert "stranded crossings" in lines and "9 less than without it (better)" in lines
    assert "2.0 s per trip more than without it (worse)" in lines
    assert "slip" not in lines  # unchanged outcomes are not listed
    assert "120 residents more than without it (worse)" in lines
    assert "1 resident less than without it (better)" in lines
    table = benefit_blocks(metrics)[-1]
    assert table[0] == "table" and table[2][0][0] == "crossing_assist"
    assert "Not measured" in benefit_blocks({})[1][1]


def test_twin_run_benefits_writes_the_section_and_the_report(tmp_path: Path, capsys) -> None:
    scenario = tmp_path / "s.yaml"
    body = {**STRANDING, "name": "benefits", "duration": "25min", "policy": {"history": 0}}
    scenario.write_text(json.dumps(body))
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--benefits", "--no-plots", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["benefits"]) == {"crossing_assist"}
    printed = capsys.readouterr().out
    assert "crossing_assist, against services.crossing_assist = none" in printed
    report = (out / "report.md").read_text()
    assert "What each service's data buys, and what it holds" in report
    assert "| crossing_assist | services.crossing_assist = none" in report
