"""The ``security`` and ``attacks`` scenario sections: defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build
from twin.errors import ScenarioError


def test_defaults_and_durations() -> None:
    scenario = build(attacks=[{"at": "1h", "entry": "vendor:acme", "duration": "30min"}])
    attack = scenario.attacks[0]
    assert (attack.at, attack.end_s, attack.effect) == (3600.0, 5400.0, ("fail_safe_flash",))
    security = scenario.security
    assert security.restoration_median == 74 * 3600.0 and security.attack_replications == 100
    assert security.detection.containment_time == 95 * 60.0
    assert security.traversal.siloed < security.traversal.federated < security.traversal.integrated
    assert build().attacks == ()
    both = build(attacks=[{"at": "1h", "effect": ["false_data", "exfiltrate"]}]).attacks[0]
    assert both.effect == ("false_data", "exfiltrate") and both.disrupts and not both.visible


def test_clock_times_are_read_against_the_start_hour(tmp_path: Path) -> None:
    # 08:00 with the clock at 07:00 is 1 h into the run; written unquoted, YAML 1.1 would
    # read 8:30 as the base-60 number 510: the text as written decides.
    demand = {"start_hour": 7}
    assert build(demand=demand, attacks=[{"at": "08:00"}]).attacks[0].at == 3600.0
    path = tmp_path / "clock.yaml"
    path.write_text("name: clock\ndemand: {start_hour: 7}\nattacks:\n  - at: 8:30\n")
    from twin.scenario import load_scenario

    assert load_scenario(path).attacks[0].at == 5400.0
    assert load_scenario(path, ["attacks.0.at=07:45"]).attacks[0].at == 2700.0
    assert load_scenario(path, ["attacks.0.at=10min"]).attacks[0].at == 600.0
    with pytest.raises(ScenarioError, match=r"attacks\.0\.at: '25:00' is not a clock time"):
        load_scenario(path, ["attacks.0.at='25:00'"])
    with pytest.raises(ScenarioError, match=r"attacks\.3 is past the end of a list of 1"):
        load_scenario(path, ["attacks.3.at=10min"])


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"attacks": [{"at": "5h"}]},
            "attacks.0.at: 5h is not before the end of the run (4h); start the attack earlier",
        ),
        (
            {"attacks": [{"at": "3h30min", "duration": "1h"}]},
            "attacks.0.duration: 1h from 3h30min runs past the end of the run (4h); shorten "
            "it to at most 30min",
        ),
        (
            {"warmup": "15min", "attacks": [{"at": "0", "duration": "10min"}]},
            "attacks.0.at: 0s to 10min lies wholly inside the warm-up (15min)",
        ),
        (
            {"attacks": [{"at": "1h", "entry": "dispatch", "effect": "insider"}]},
            "attacks.0.entry: 'dispatch' is no vendor; an insider reads what its vendor runs",
        ),
        (
            {"attacks": [{"at": "1h", "entry": "bad name!"}]},
            "attacks.0.entry: 'bad name!' is not a component name (see components.json), "
            "'random', or 'vendor:NAME'",
        ),
        ({"attacks": [{"at": "1h", "entry": "vendor:"}]}, "attacks.0.entry: 'vendor:' names no"),
        ({"attacks": [{"at": "1h", "effect": "steal"}]}, "attacks.0.effect.0: 'steal' is not"),
        ({"attacks": [{"entry": "dispatch"}]}, "attacks.0.at"),
        (
            {"security": {"susceptibility": [0.1, 0.5, 0.3, 0.1]}},
            "security.susceptibility: [0.1, 0.5, 0.3, 0.1] must not rise with the security level",
        ),
        (
            {"security": {"security_levels": {"dispatch": 7}}},
            "gives 'dispatch' level 7; expected a level 1-4",
        ),
        ({"security": {"traversal": {"siloed": 1.5}}}, "security.traversal.siloed: "),
    ],
)
def test_bad_values_are_named(sections: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        build(**sections)
    assert message in str(error.value)


def test_the_two_bundled_security_scenarios_differ_only_in_policy() -> None:
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parents[1] / "scenarios"
    brain, segmented = (
        yaml.safe_load((folder / f"{name}.yaml").read_text())
        for name in ("integrated_city_brain", "segmented_city")
    )
    assert brain["policy"]["integration"] == "integrated"
    assert segmented["policy"]["integration"] == "siloed"
    for key in ("name", "description", "policy"):
        del brain[key], segmented[key]
    assert brain == segmented


def blast_radius(integration: str, entry: str, trusted: bool = False):
    """The 95 % interval of the share of components that fell, over the default
    replications, on the graph CityModel builds for the bundled integrated_city_brain
    district (built, not run)."""
    from twin.scenario import load_scenario
    from twin.security.blast_radius import security_section
    from twin.simulation.model import CityModel

    overrides = [
        f"policy.integration={integration}",
        "population.residents=300",
        f"attacks=[{{at: 1h, entry: '{entry}', duration: 1h}}]",
        f"policy.vendors.camera_vendor_cloud.trusted={str(trusted).lower()}",
    ]
    path = Path(__file__).resolve().parents[1] / "scenarios" / "integrated_city_brain.yaml"
    scenario = load_scenario(path, overrides)
    plan = CityModel(scenario, attack_replication=-1).attack_plan
    share = security_section(scenario, plan.graph, plan.outcomes)["components_compromised_share"]
    return share["ci_low"], share["ci_high"]  # type: ignore[index]


def test_siloed_federated_integrated_separate_at_default_settings() -> None:
    # The bundled pair's attack (the crossing cameras, 1 h) at the default replications.
    siloed, federated, integrated = (
        blast_radius(policy, "crossing_cameras") for policy in ("siloed", "federated", "integrated")
    )
    assert siloed[1] < federated[0] and federated[1] < integrated[0]


def test_an_untrusted_vendor_reaches_further_in_the_city() -> None:
    trusted = blast_radius("federated", "vendor:camera", trusted=True)
    untrusted = blast_radius("federated", "vendor:camera", trusted=False)
    assert trusted[1] < untrusted[0]
