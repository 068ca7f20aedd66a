"""The digital layer: retention, stores, anonymisation and consent move exposure the right way."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metrics.privacy import AGGREGATE, DIRECT, PERSISTENT, PSEUDONYMOUS
from twin.digital import Observations, held_at
from twin.digital.exposure import consented, privacy_outcome
from twin.digital.policy import records_for_policy
from twin.digital.steady_state import Persons
from twin.digital.stores import store_of_system
from twin.scenario.policy import Policy

DAY = 86_400.0
SYSTEMS = ("cameras", "bluetooth", "loops", "app")
N = 60


def routine_observations(days: int = 4, seed: int = 0) -> Observations:
    """Each resident passes the same few places at habitual hours, day after day.

    Cameras (direct, and inferring reduced mobility) and bluetooth (persistent)
    see everyone, loops count everyone anonymously, the app sees the opted-in.
    """
    rng = np.random.default_rng(seed)
    home = np.arange(N) % 16
    places = np.stack([home, rng.integers(0, 16, N), rng.integers(0, 16, N)], axis=1)
    hours = np.stack([np.full(N, 23.0), rng.uniform(7, 10, N), rng.uniform(12, 19, N)], axis=1)
    impaired = np.arange(N) % 10 == 0
    opted = np.arange(N) % 3 == 0
    rows = []
    for day in range(days):
        for k in range(3):
            t = day * DAY + (hours[:, k] + rng.normal(0, 0.25, N)) % 24 * 3600
            for system, cls, who in (
                (0, DIRECT, np.ones(N, bool)),
                (1, PERSISTENT, np.ones(N, bool)),
                (2, AGGREGATE, np.ones(N, bool)),
                (3, PERSISTENT, opted),
            ):
                rows.append((t[who], places[who, k], np.flatnonzero(who), cls, system, who))
    time_s = np.concatenate([r[0] for r in rows])
    person = np.concatenate([r[2] for r in rows])
    system = np.concatenate([np.full(len(r[0]), r[4]) for r in rows])
    return Observations(
        time_s=time_s,
        place=np.concatenate([r[1] for r in rows]),
        person=person,
        cls=np.concatenate([np.full(len(r[0]), r[3]) for r in rows]).astype(np.int8),
        sensitive=impaired[person] & np.isin(system, (0, 3)),
        system=system,
        opt_in=system == 3,
    )


OBS = routine_observations()
HOMES = np.arange(N) % 16
OPTED = np.arange(N) % 3 == 0
IMPAIRED = np.arange(N) % 10 == 0
END = 4 * DAY
PERSONS = Persons(
    home=HOMES,
    opted_in=OPTED,
    shares={"trips": OPTED, "mobility_needs": OPTED},
    car=np.zeros(N, dtype=bool),
    impaired=IMPAIRED,
)


def outcome(**policy):
    return privacy_outcome(
        OBS,
        SYSTEMS,
        Policy.model_validate(policy),
        PERSONS,
        end_s=END,
        rng=np.random.default_rng(3),
        links=[("cameras", "bluetooth")],
    ).metrics


KEEP_NOTHING = {"direct": 0, "persistent": 0, "pseudonymous": 0}


def test_zero_retention_of_identifiable_classes_keeps_nobody() -> None:
    metrics = outcome(retention=KEEP_NOTHING, integration="integrated")
    assert metrics["identifiable_records_retained"] == 0
    assert metrics["identifiable_record_days"] == 0.0
    assert metrics["persons_exposed"] == 0
    assert metrics["unicity_p4"] == 0.0 and metrics["linkable_persons_share"] == 0.0
    assert metrics["records_observed"] == len(OBS)


def test_exposure_grows_with_retention() -> None:
    previous = None
    for period in (0, "1h", "12h", "2d", "forever"):
        metrics = outcome(
            retention={"direct": period, "persistent": period, "pseudonymous": period}
        )
        now = (
            metrics["identifiable_records_retained"],
            metrics["identifiable_record_days"],
            metrics["persons_exposed"],
        )
        if previous is not None:
            assert all(b >= a for a, b in zip(previous, now, strict=True)), (period, now)
        previous = now
    assert previous is not None and previous[2] == N  # kept forever: everyone


def test_aggregate_leaves_no_unicity_and_no_linkability() -> None:
    metrics = outcome(anonymisation="aggregate", integration="integrated")
    assert metrics["persons_exposed"] == 0
    assert metrics["unicity_p2"] == 0.0 and metrics["unicity_p4"] == 0.0
    assert metrics["linkable_persons_share"] == 0.0
    assert metrics["reidentification_risk_mean"] == 0.0
    raw = outcome(integration="integrated")
    assert raw["unicity_p4"] > 0.5 and raw["linkable_persons_share"] == 1.0


def test_linkability_integrated_over_federated_over_siloed() -> None:
    shares = [
        outcome(integration=i)["linkable_persons_share"]
        for i in ("integrated", "federated", "siloed")
    ]
    # integrated joins the app too (only opted-in have app records), federated only
    # cameras with bluetooth (everyone), siloed nothing
    assert shares[0] >= shares[1] >= shares[2]
    assert shares[1] == 1.0 and shares[2] == 0.0


def test_federated_stores_follow_declared_links() -> None:
    stores = store_of_system(SYSTEMS, "federated", [("app", "cameras"), ("x", "loops")])
    assert stores.tolist() == [0, 1, 2, 0]
    assert store_of_system(SYSTEMS, "siloed").tolist() == [0, 1, 2, 3]
    assert store_of_system(SYSTEMS, "integrated").tolist() == [0, 0, 0, 0]


def test_pseudonym_rotation_protects_only_once_a_trace_is_too_short() -> None:
    kept = {"retention": {"pseudonymous": "forever"}, "anonymisation": "pseudonymise"}
    never_rotated = outcome(**kept, pseudonym_rotation="30d")
    daily = outcome(**kept, pseudonym_rotation="1d")
    hourly = outcome(**kept, pseudonym_rotation="1h")
    for metrics in (never_rotated, daily, hourly):
        assert metrics["unicity_p2"] <= metrics["unicity_p4"]
    # a day of habitual places still singles a pseudonym out; an hour (one point) rarely
    assert daily["unicity_p4"] > 0.9
    assert hourly["unicity_p4"] < daily["unicity_p4"]
    assert never_rotated["reidentification_risk_mean"] >= daily["reidentification_risk_mean"]
    assert daily["reidentification_risk_mean"] >= hourly["reidentification_risk_mean"]


def test_pseudonyms_rotate_per_period_and_store() -> None:
    records = records_for_policy(OBS, SYSTEMS, Policy(anonymisation="pseudonymise"))
    named = records.cls != AGGREGATE
    assert (records.cls[named] == PSEUDONYMOUS).all()
    # one pseudonym per (store, class, person, day): never shared by two persons
    pairs = np.unique(np.stack([records.subject[named], records.person[named]], 1), axis=0)
    assert len(np.unique(pairs[:, 0])) == len(pairs)
    day = np.floor(records.time_s[named] / DAY)
    keys = np.unique(np.stack([records.store[named], records.person[named], day], 1), axis=0)
    assert len(np.unique(records.subject[named])) == len(keys)


def test_held_at_is_the_window_t_minus_r_to_t() -> None:
    policy = Policy.model_validate({"retention": {"direct": "1h", "persistent": 0}})
    records = records_for_policy(OBS, SYSTEMS, policy)
    t0 = float(records.time_s[records.cls == DIRECT].min())
    first = (records.cls == DIRECT) & (records.time_s == t0)
    assert first.sum() >= 1
    for t, held in ((t0 - 1, False), (t0, True), (t0 + 3599, True), (t0 + 3600, False)):
        kept = held_at(records, policy.retention, t)
        assert (np.isin(kept.time_s, [t0]) & (kept.cls == DIRECT)).any() == held, t
    assert not (held_at(records, policy.retention, END).cls == PERSISTENT).any()
    counts = held_at(records, policy.retention, END, stores=[2])
    assert len(counts) and (counts.cls == AGGREGATE).all()


def test_untrusted_vendor_reach_depends_on_integration() -> None:
    vendors = {"vendors": {"bluetooth": {"name": "Acme", "trusted": False}}}
    siloed = outcome(**vendors)
    integrated = outcome(**vendors, integration="integrated")
    records = records_for_policy(OBS, SYSTEMS, Policy(), end_s=END)
    bluetooth_records = int((records.system == 1).sum())
    assert siloed["untrusted_vendor_records"] == bluetooth_records  # all kept (31 d > 4 d)
    assert integrated["untrusted_vendor_records"] == len(records)


def test_consent_covers_the_app_and_never_a_camera() -> None:
    # the app's records of those who share trips and mobility needs are consented;
    # cameras and bluetooth records never are, whatever the resident agreed to
    policy = Policy()
    records = records_for_policy(OBS, SYSTEMS, policy)
    agreed = consented(records, np.array([False, False, False, True]), PERSONS)
    app = records.system == 3
    assert agreed[app & (records.cls != AGGREGATE)].all()
    assert not agreed[~app].any()
    someone = Persons(
        HOMES, OPTED, {"trips": OPTED, "mobility_needs": np.zeros(N, bool)}, PERSONS.car, IMPAIRED
    )
    agreed = consented(records, np.array([False, False, False, True]), someone)
    assert not agreed[app & records.sensitive].any()
    assert agreed[app & ~records.sensitive & (records.cls != AGGREGATE)].all()


def test_sensitive_and_nonconsenting_exposure() -> None:
    metrics = outcome()
    assert metrics["sensitive_persons_exposed"] == N // 10
    assert metrics["sensitive_false_positives"] == 0  # only the impaired are flagged here
    # cameras and bluetooth see everyone: consent to the app covers neither
    assert metrics["nonconsenting_persons_exposed"] == N
    assert metrics["directly_identified"] == N
    app_only = outcome(retention={"direct": 0, "persistent": "forever"}, vendors={})
    assert app_only["nonconsenting_persons_exposed"] == N
    only_app = outcome(retention={"direct": 0, "persistent": "forever"})
    assert only_app["persons_exposed"] == N  # bluetooth sees everyone
    assert metrics["home_inferred_share"] == pytest.approx(1.0)  # 23:00 at home every night


def test_retention_warnings_name_the_key() -> None:
    policy = Policy.model_validate(
        {"retention": {"pseudonymous": "2d"}, "vendors": {"x": {"name": "A"}}}
    )
    assert policy.warnings(["direct", "aggregate"], SYSTEMS) == [
        "policy.retention.pseudonymous: no sensor produces pseudonymous records, so this "
        "retention has no effect",
        "policy.vendors.x: no deployed sensor belongs to this system",
    ]
    assert math.isinf(policy.retention.seconds("aggregate"))


def test_a_negative_retention_names_the_key_and_line(tmp_path) -> None:
    from twin.errors import ScenarioError
    from twin.scenario import load_scenario

    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\npolicy:\n  retention:\n    direct: -3min\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value) == (
        f"{path}:4: policy.retention.direct: '-3min' is negative; use 0 to keep nothing"
    )
    path.write_text("name: bad\npolicy:\n  retention:\n    persistent: 31d\n    aggregate: never\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert f"{path}:5: policy.retention.aggregate: 'never' is not a retention period" in str(
        error.value
    )


def test_contradictory_settings_warn_naming_both() -> None:
    policy = Policy.model_validate(
        {
            "anonymisation": "aggregate",
            "retention": {"direct": "forever", "persistent": 0},
            "pseudonym_rotation": "1d",
        }
    )
    assert policy.contradictions() == [
        "policy.anonymisation is aggregate but policy.retention.direct is forever: aggregation "
        "keeps no direct records, so that retention has no effect",
        "policy.anonymisation is aggregate but policy.pseudonym_rotation is set: no pseudonyms "
        "are made, so the rotation has no effect",
    ]
    raw = Policy.model_validate({"pseudonym_rotation": "1d", "aggregate_interval": "1min"})
    assert [m.split(":")[0] for m in raw.contradictions()] == [
        "policy.anonymisation is raw but policy.aggregate_interval is set",
        "policy.anonymisation is raw but policy.pseudonym_rotation is set",
    ]
    nobody = Policy.model_validate({"consent": {"opt_in_rate": 0, "share_trips": 0.5}})
    assert nobody.contradictions() == [
        "policy.consent.opt_in_rate is 0 but policy.consent.share_trips is 0.5: nobody opts "
        "in, so nobody shares"
    ]
    assert Policy().contradictions() == []
    assert policy.contradictions()[0] in policy.warnings(["aggregate"], SYSTEMS)


def test_a_share_is_a_number_from_0_to_1_or_true_false() -> None:
    assert Policy.model_validate({"consent": {"share_trips": False}}).consent.share_trips == 0.0
    assert Policy.model_validate({"consent": {"share_trips": 0.4}}).consent.share_trips == 0.4
    with pytest.raises(ValueError, match="is not a share"):
        Policy.model_validate({"consent": {"share_trips": 2}})
