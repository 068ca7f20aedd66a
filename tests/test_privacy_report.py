"""The report tells residents what the policy really does with their data."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from twin.results.report import reach_words, report_blocks, to_markdown
from twin.results.wording import privacy_summary

CAMERAS = {
    "name": "crossing_cameras", "service": "crossing_assist", "method": "camera_ai",
    "observes": "everyone", "identifiability": "face", "attributes": ["disability"],
    "system": "camera_vendor_cloud", "count": 8,
}  # fmt: skip
PLATES = {
    "name": "anpr_cameras", "service": "traffic_monitoring", "method": "anpr",
    "observes": "everyone", "identifiability": "face", "attributes": [],
    "system": "traffic_monitoring", "count": 4,
}  # fmt: skip
APP = {
    "name": "crossing_app", "service": "crossing_assist", "method": "opt_in_app",
    "observes": "opted_in", "identifiability": "device_id", "attributes": ["disability"],
    "system": "app_vendor_cloud", "count": 8,
}  # fmt: skip


def _report(tmp_path: Path, policy: dict, sensors: list, privacy: dict | None = None) -> str:
    (tmp_path / "scenario.yaml").write_text(
        yaml.safe_dump({"name": "t", "duration": 3600, "policy": policy})
    )
    (tmp_path / "metrics.json").write_text(json.dumps({"privacy": privacy or {}}))
    (tmp_path / "sensors.json").write_text(json.dumps({"sensors": sensors}))
    return to_markdown(report_blocks(tmp_path))


def test_an_untrusted_vendor_on_an_integrated_platform_reaches_everything(tmp_path) -> None:
    policy = {
        "integration": "integrated",
        "vendors": {"camera_vendor_cloud": {"name": "VisionCorp", "trusted": False}},
    }
    text = _report(tmp_path, policy, [CAMERAS, PLATES])
    assert "only the system itself" not in text and "only this system" not in text
    assert text.count("; and VisionCorp, a vendor the city does not trust") == 2  # both
    assert "every system on the city's one shared platform" in text
    siloed = _report(tmp_path, {"integration": "siloed"}, [CAMERAS, PLATES])
    assert siloed.count("only this system") == 2


def test_federated_reach_follows_the_declared_links() -> None:
    links = [{"source": "camera_vendor_cloud", "target": "traffic_monitoring"}]
    systems = ["camera_vendor_cloud", "traffic_monitoring", "app_vendor_cloud"]
    scenario = {"policy": {"integration": "federated"}}
    assert "traffic_monitoring" in reach_words(scenario, "camera_vendor_cloud", links, systems)
    assert reach_words(scenario, "app_vendor_cloud", links, systems).startswith("only this")


def test_consent_is_mentioned_only_where_an_app_asks_for_it(tmp_path) -> None:
    policy = {"consent": {"opt_in_rate": 0.3, "share_trips": 1.0, "share_mobility_needs": 0.5}}
    no_app = _report(tmp_path, policy, [CAMERAS])
    assert "opted in" not in no_app and "no system here asks for it" in no_app
    with_app = _report(tmp_path, policy, [APP])
    assert "30% of residents opted in" in with_app and "50% of them" in with_app
    assert "never a camera" in with_app


def test_plates_and_faces_name_people_and_inferred_health_data_has_false_positives(
    tmp_path,
) -> None:
    text = _report(tmp_path, {}, [CAMERAS, PLATES, APP])
    assert "images of faces" not in text and "a face or a number plate" in text
    assert "false positives" in text  # the camera infers
    assert "only for those who chose to share it" in text  # the app records what is shared


def test_the_summary_counts_certain_identification_and_false_flags() -> None:
    privacy = {
        "persons_exposed": 1990,
        "directly_identified": 1990,
        "sensitive_persons_exposed": 1984,
        "sensitive_false_positives": 1784,
        "nonconsenting_persons_exposed": 1990,
        "history_days": 31,
    }
    text = privacy_summary(privacy, {"population": {"residents": 2000}})
    assert text is not None
    assert "1,990 of them are identified with certainty" in text
    assert "1,784 of whom a camera wrongly flagged" in text
    assert "31 days before" in text
