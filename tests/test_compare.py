"""Comparing policies: intervals, paired differences, Pareto fronts, compare outputs."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from metrics.statistics import (
    between_share,
    higher_is_better,
    mean_interval,
    paired_difference,
    pareto_front,
    t_quantile_975,
)
from metrics.tradeoff_plots import merged_codes
from twin.cli import main
from twin.sweep import ResultsDB, RunRow
from twin.sweep.spec import show_value
from twin.sweep.table import load_table, value_codes
from twin.sweep.tradeoffs import default_axes


def test_pareto_front_on_constructed_points():
    x = [1, 2, 3, 4, 5, 2, np.nan]
    y = [5, 3, 4, 1, 5, 3, 0]
    # (3,4) is beaten by (2,3); (5,5) by everything; the two (2,3) tie and both stay.
    assert pareto_front(x, y).tolist() == [True, True, False, True, False, True, False]
    # Maximising both: only (5,5) is undominated among the valid points.
    assert pareto_front(x, y, (True, True)).tolist() == [False] * 4 + [True, False, False]
    # Minimise x, maximise y: (1,5) beats everything.
    assert pareto_front(x, y, (False, True)).tolist() == [True] + [False] * 6


def test_t_quantiles_match_the_tables():
    assert t_quantile_975(1) == 12.706 and t_quantile_975(30) == 2.042
    for df, table in ((40, 2.021), (60, 2.000), (120, 1.980), (10_000, 1.960)):
        assert t_quantile_975(df) == pytest.approx(table, abs=1.5e-3)


def test_mean_interval_by_hand():
    interval = mean_interval([1.0, 2.0, 3.0, 4.0, float("nan")])
    sd = math.sqrt(((1.5**2) * 2 + (0.5**2) * 2) / 3)
    assert (interval.mean, interval.n) == (2.5, 4)
    assert interval.half_width == pytest.approx(3.182 * sd / 2)
    assert mean_interval([3.0]).half_width is None and mean_interval([]).mean is None


def test_paired_difference_removes_the_shared_noise():
    rng = np.random.default_rng(1)
    day = rng.normal(100, 20, size=8)  # what each replication's seed does to both policies
    reference = dict(enumerate(day))
    policy = dict(enumerate(day + 3 + rng.normal(0, 0.5, size=8)))
    paired = paired_difference(policy, reference)
    assert paired.mean == pytest.approx(3, abs=1)
    unpaired_half = math.hypot(
        mean_interval(list(policy.values())).half_width or 0,
        mean_interval(list(reference.values())).half_width or 0,
    )
    assert paired.half_width is not None and paired.half_width < unpaired_half / 10
    assert paired_difference({0: 1.0, 5: 2.0}, {0: 0.0}).n == 1  # only shared replications


def test_direction_and_between_share():
    assert higher_is_better("efficiency.vehicle_trips_completed")
    assert not higher_is_better("efficiency.vehicle_delay_s_mean")
    assert not higher_is_better("privacy.people_exposed")
    assert between_share([[1, 1], [1, 1]]) == 0.0
    assert between_share([[0, 0], [1, 1]]) == 1.0


def constructed_db(path):
    """Three policies x 4 replications with efficiency, privacy and security metrics."""
    truth = {
        "siloed": (30, 10, 0.1),
        "federated": (25, 40, 0.4),
        "integrated": (20, 90, 0.9),
        "wasteful": (35, 95, 0.95),
    }
    with ResultsDB(path) as db:
        for combination, (name, (delay, exposed, blast)) in enumerate(truth.items()):
            for replication in range(4):
                wobble = (-1.5, -0.5, 0.5, 1.5)[replication]
                row = RunRow(
                    f"{name}{replication}",
                    "policies",
                    "base",
                    None,
                    combination,
                    {"policy.integration": name},
                    replication,
                    replication,
                    "ok",
                    None,
                    0.0,
                    1.0,
                    1.0,
                    "test",
                )
                db.record(
                    row,
                    {
                        "efficiency.vehicle_delay_s_mean": delay + wobble,
                        "efficiency.crossings": 500.0,
                        "privacy.people_exposed": exposed + wobble,
                        "security.components_compromised_share": blast,
                        "efficiency.pedestrian_signal_los": "B",
                    },
                )
    return path


def test_compare_defaults_to_efficiency_against_privacy_and_security(tmp_path):
    db_path = constructed_db(tmp_path / "c.sqlite")
    with ResultsDB(db_path) as db:
        table = load_table(db)
    assert default_axes(table) == [
        ("efficiency.vehicle_delay_s_mean", "privacy.people_exposed"),
        ("efficiency.vehicle_delay_s_mean", "security.components_compromised_share"),
    ]
    out = tmp_path / "cmp"
    assert main(["compare", str(db_path), "--out", str(out)]) == 0
    names = {path.name for path in out.iterdir()}
    assert {"overview.png", "ranking.csv", "ranking.md", "report.md", "report.html"} <= names
    assert sum(name.startswith("tradeoff_") for name in names) == 2
    with (out / "ranking.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    front = [row["policy"] for row in rows if row["pareto"] == "yes"]
    assert front == [
        "policy.integration=integrated",
        "policy.integration=federated",
        "policy.integration=siloed",
    ]
    assert rows[-1]["policy"] == "policy.integration=wasteful"
    assert [row["code"] for row in rows] == ["I", "F", "S", "W"]
    federated = next(row for row in rows if row["policy"].endswith("federated"))
    # Paired against siloed: the replication wobble cancels, so the interval is zero.
    metric = "efficiency.vehicle_delay_s_mean"
    assert float(federated[f"{metric} vs reference"]) == -5
    assert float(federated[f"{metric} vs reference low"]) == -5
    assert float(federated[f"{metric} vs reference high"]) == -5
    half = 3.182 * np.std([-1.5, -0.5, 0.5, 1.5], ddof=1) / 2
    assert float(federated[f"{metric} high"]) - 25 == pytest.approx(half, abs=1e-4)
    report = (out / "report.md").read_text()
    assert "Pareto front" in report
    assert (
        "vehicle delay: 25.0 s per trip (95 % interval 22.9 to 27.1), 5.0 s per trip less "
        "than the reference (95 % interval 5.0 to 5.0 less)" in report
    )
    assert "![each policy's paired difference from the reference](differences.png)" in report


def test_compare_bad_options_name_the_option(tmp_path, capsys):
    db_path = constructed_db(tmp_path / "c.sqlite")
    out = str(tmp_path / "o")
    assert main(["compare", str(db_path), "--out", out, "--x", "efficiency.delay"]) == 1
    assert "--x efficiency.delay: not a metric" in capsys.readouterr().err
    assert main(["compare", str(db_path), "--out", out, "--by", "city.rows"]) == 1
    assert "policy.integration" in capsys.readouterr().err
    assert main(["compare", str(tmp_path / "none.sqlite"), "--out", out]) == 1
    assert "no results database" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    unwritable = str(tmp_path / "file" / "o")  # under a file: no folder can be made there
    assert main(["compare", str(db_path), "--out", unwritable]) == 2
    assert f"--out {unwritable}: cannot write there" in capsys.readouterr().err
    assert main(["results", str(db_path), "--csv", f"{unwritable}/t.csv"]) == 2
    assert f"--csv {unwritable}/t.csv: cannot write there" in capsys.readouterr().err


def test_results_prints_and_exports_the_tidy_table(tmp_path, capsys):
    db_path = constructed_db(tmp_path / "c.sqlite")
    assert main(["results", str(db_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "sweep,policy.integration,replication,seed,status,metric,value"
    assert len(lines) == 1 + 4 * 4 * 5
    assert main(["results", str(db_path), "--csv", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text().splitlines() == lines
    capsys.readouterr()
    # a sweep the database does not hold is an error naming those it does, not an empty table
    assert main(["results", str(db_path), "--sweep", "nope"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "no sweep 'nope'; it holds: " in err


def test_between_share_ignores_rounding_noise():
    # Sums taken in another order differ in the last bits; that separates nothing.
    assert between_share([[573.3, 573.3], [573.3 + 1e-13, 573.3 + 1e-13]]) == 0.0
    assert between_share([[573.3, 573.3], [573.4, 573.4]]) == 1.0


def test_default_axes_skip_interval_parts_and_constants(tmp_path):
    """Without the filters, the heating energy (equal up to 1e-13, eta² 1 by rounding) and
    the blast radius' upper bound (constant within each policy, eta² 1) would be drawn."""
    with ResultsDB(tmp_path / "d.sqlite") as db:
        for combination, (name, blast) in enumerate((("siloed", 0.1), ("integrated", 0.5))):
            for replication in range(4):
                wobble = (-1.5, -0.5, 0.5, 1.5)[replication]
                row = RunRow(
                    f"{name}{replication}",
                    "axes",
                    "base",
                    None,
                    combination,
                    {"policy.integration": name},
                    replication,
                    replication,
                    "ok",
                    None,
                    0.0,
                    1.0,
                    1.0,
                    "test",
                )
                db.record(
                    row,
                    {
                        "efficiency.sidewalk_heating_kwh": 573.3 + combination * 1e-13,
                        "efficiency.vehicle_delay_s_mean": 30 + combination + wobble,
                        "security.components_compromised_share.mean": blast + wobble / 10,
                        "security.components_compromised_share.ci_high": blast + 0.2,
                        "security.components_total": 10 + combination,
                    },
                )
        table = load_table(db)
    assert table.share("efficiency.sidewalk_heating_kwh") == 0.0
    assert default_axes(table) == [
        ("efficiency.vehicle_delay_s_mean", "security.components_compromised_share.mean")
    ]


def test_policies_at_one_place_share_one_label() -> None:
    every = ["S-10min-R", "S-31d-R", "F-10min-R", "F-31d-R", "I-10min-R", "I-31d-R"]
    assert merged_codes(["S-10min-R"], every) == "S-10min-R"
    assert merged_codes(["S-10min-R", "S-31d-R", "F-10min-R"], every) == "S/F-*-R"
    assert merged_codes(["S-10min-R", "F-10min-R"], every) == "S/F-10min-R"
    assert merged_codes(["S-10min-R", "F-31d-R", "I-31d-R"], every) == "*-*-R"


def test_policy_codes_are_short_unique_and_keyed() -> None:
    assert value_codes(["siloed", "federated", "integrated"]) == {
        "siloed": "S",
        "federated": "F",
        "integrated": "I",
    }
    assert value_codes(["10min each", "31d each"]) == {"10min each": "10min", "31d each": "31d"}
    # a shared first letter: the shortest start that tells them apart
    assert value_codes(["opt_in_app", "occupancy_camera", "off"]) == {
        "opt_in_app": "Op",
        "occupancy_camera": "Oc",
        "off": "Of",
    }
    assert value_codes(["-5", "5"]) == {"-5": "\u22125", "5": "5"}  # "-" joins the parts


def test_mapping_values_read_short():
    assert show_value({"direct": "10min", "persistent": "10min"}) == "10min each"
    assert show_value({"direct": "10min", "persistent": "31d"}) == "direct 10min, persistent 31d"
    assert show_value(0.5) == "0.5"


def test_sweep_report_says_shares_in_per_cent_and_values_plainly(tmp_path):
    db_path = constructed_db(tmp_path / "c.sqlite")
    out = tmp_path / "cmp"
    assert main(["compare", str(db_path), "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    # federated 0.4 against siloed 0.1, equal in every replication: 30 points, no spread.
    assert (
        "city systems the intrusion reached: 40.0 % of components (95 % interval 40.0 to "
        "40.0), 30.0 percentage points more than the reference (95 % interval 30.0 to 30.0 "
        "more)" in report
    )
    assert "people exposed: 40 (95 % interval 38 to 42)" in report  # people are whole
    assert "- policy.integration: S siloed, F federated, I integrated, W wasteful" in report
