"""Transparency reports: from a hand-made folder and from a real run."""

from __future__ import annotations

import json
from dataclasses import asdict

import yaml

from twin.cli import main
from twin.results.report import write_report
from twin.results.writer import write_results
from twin.scenario import load_scenario
from twin.simulation.model import CityModel
from twin.simulation.runner import run_scenario


def test_report_from_a_hand_made_folder(tmp_path):
    (tmp_path / "scenario.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "hand",
                "seed": 4,
                "duration": 7200.0,
                "policy": {"retention": {"direct": 604800, "aggregate": 86400}},
            }
        )
    )
    (tmp_path / "metrics.json").write_text(
        json.dumps(
            {
                "scenario": {"name": "hand"},
                "efficiency": {"vehicle_delay_s_mean": 12.5, "pedestrian_signal_los": "B"},
                "privacy": {"people_exposed": 130, "trajectory_unicity": None},
            }
        )
    )
    sensors = [
        {
            "name": "crossing_cameras",
            "service": "crossing_assist",
            "method": "camera_ai",
            "observes": "everyone",
            "identifiability": "face",
            "attributes": ["disability"],
            "system": "camera_vendor_cloud",
            "count": 8,
        },
        {
            "name": "push_buttons",
            "service": "crossing_assist",
            "method": "push_button",
            "observes": "nobody",
            "identifiability": 0,
            "attributes": [],
            "system": "signal_controllers",
            "count": 16,
        },
    ]
    (tmp_path / "sensors.json").write_text(json.dumps(sensors))
    (tmp_path / "links.json").write_text(
        json.dumps(
            [
                {
                    "source": "crossing_cameras",
                    "target": "camera_vendor_cloud",
                    "purpose": "recognise pedestrians who need more time",
                },
            ]
        )
    )
    (tmp_path / "components.json").write_text(
        json.dumps([{"name": "camera_vendor_cloud", "vendor": "Acme Vision"}])
    )
    assert main(["report", str(tmp_path)]) == 0
    text = (tmp_path / "report.md").read_text()
    assert "8 crossing cameras" in text and "16 push buttons" in text
    assert "everyone who passes, whether they agreed or not" in text
    assert "reduced mobility" in text and "Run by Acme Vision" in text
    assert "recognise pedestrians who need more time" in text
    assert "Kept for: 7 days" in text and "Kept for: 1 day." in text
    assert "| people exposed, lower is better | 130 |" in text and "nothing to measure" in text
    assert "Cyberattack blast radius" in text and "Not measured in this run" in text
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<td>8 crossing cameras" not in page
    assert "8 crossing cameras" in page


def test_report_lists_every_sensor_of_a_real_run(tmp_path):
    scenario = load_scenario(
        "scenarios/accessible_crossings.yaml",
        [
            "city.rows=1",
            "city.cols=2",
            "duration=10min",
            "warmup=0s",
            "population.residents=200",
            "services.crossing_assist=camera_ai",
            "services.sidewalk_heating.share=0.5",
            "services.sidewalk_heating.activation=occupancy_camera",
            "services.preemption=true",
            "emergency.incidents_per_hour=2",
            "policy.history=1d",  # a day of store history keeps it short
        ],
    )
    write_results(run_scenario(scenario), tmp_path)
    # What the sensors.json writer (issue 6) will put there: the run's sensor registry.
    sensing = CityModel(scenario).sensing
    assert len(sensing.sensors) >= 3
    (tmp_path / "sensors.json").write_text(
        json.dumps([asdict(sensor) for sensor in sensing.sensors.values()])
    )
    (tmp_path / "links.json").write_text(json.dumps([asdict(link) for link in sensing.links]))
    write_report(tmp_path)
    text = (tmp_path / "report.md").read_text()
    for sensor in sensing.sensors.values():
        assert f"{sensor.count} {sensor.name.replace('_', ' ')}" in text
        assert f"System: {sensor.system}" in text
    assert "a direct identifier (a face or a number plate): it names you" in text
    assert "vehicle delay, s per trip, lower is better" in text


def test_report_of_a_folder_without_metrics_names_the_file(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    assert "scenario.yaml: missing" in capsys.readouterr().err


def test_twin_run_writes_the_report(tmp_path):
    out = tmp_path / "run"
    args = [
        "run",
        "scenarios/baseline.yaml",
        "--out",
        str(out),
        "--quiet",
        "--set",
        "city.rows=1",
        "--set",
        "duration=10min",
        "--set",
        "warmup=0s",
    ]
    assert main(args) == 0
    assert "Smart services in “baseline”" in (out / "report.md").read_text()
    assert (out / "report.html").is_file()
