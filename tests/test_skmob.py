"""The exported trajectories, read by scikit-mobility, give the twin's LocationTimeAttack risk.

Needs scikit-mobility (``pip install -e ".[skmob]"``); skipped without it. Runs the
docs/privacy.md example: scikit-mobility's hour key is patched (its issue #265 drops the
hour), then its risk per uid is compared with the twin's, resident by resident.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from twin.cli import main

skmob = pytest.importorskip("skmob")
pd = pytest.importorskip("pandas")


def hour_key(dt, precision):
    """The fix for scikit-mobility's issue #265: the key of an hour is its date and hour."""
    return dt.strftime("%Y-%m-%d %H")


@pytest.mark.slow
def test_scikit_mobility_reads_the_trajectories_and_finds_the_same_risk(tmp_path: Path) -> None:
    from skmob.privacy import attacks

    args = ["run", "scenarios/baseline.yaml", "--out", str(tmp_path), "--quiet", "--no-plots"]
    for change in (
        "duration=2h", "warmup=0", "demand.start_hour=7", "city.rows=1", "city.cols=3",
        "population.residents=40", "demand.vehicles_per_hour=40",
        "demand.pedestrians_per_hour=0", "services.traffic_monitoring.method=anpr",
        "services.traffic_monitoring.share=1", "policy.retention.direct=8h",
        "policy.analysis.sample_persons=1000",
    ):  # fmt: skip
        args += ["--set", change]
    assert main([*args, "--trajectories"]) == 0
    held = pd.read_csv(tmp_path / "trajectories.csv", parse_dates=["datetime"])
    assert (held["datetime"] < pd.Timestamp("2026-01-05 07:00")).any()  # the day before too
    assert held.groupby("uid")["person"].nunique().max() == 1  # one trace per person
    tdf = skmob.TrajDataFrame(held[["uid", "lat", "lng", "datetime"]])
    patched = attacks.date_time_precision
    attacks.date_time_precision = hour_key
    try:
        attack = attacks.LocationTimeAttack(knowledge_length=2, time_precision="Hour")
        risk = attack.assess_risk(tdf)
    finally:
        attacks.date_time_precision = patched
    person = held.groupby("uid")["person"].first()
    risk["person"] = person.loc[risk["uid"]].to_numpy()

    metrics = json.loads((tmp_path / "metrics.json").read_text())["privacy"]
    residents = risk[risk["person"] < 40]
    assert len(residents) == metrics["persons_exposed"] == metrics["sampled_persons"]
    assert np.isclose(residents["risk"].mean(), metrics["reidentification_risk_mean"], atol=1e-6)
