"""The ``security`` and ``attacks`` scenario sections: defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build
from twin.errors import ScenarioError


def test_defaults_and_durations() -> None:
    scenario = build(attacks=[{"at": "1h", "entry": "vendor:acme", "duration": "30min"}])
    attack = scenario.attacks[0]
    assert (attack.at, attack.end_s, attack.objective) == (3600.0, 5400.0, "both")
    security = scenario.security
    assert security.restoration_time == 7200.0 and security.attack_replications == 20
    assert security.traversal.siloed < security.traversal.federated < security.traversal.integrated
    assert build().attacks == ()


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"attacks": [{"at": "5h"}]},
            "attacks.0.at: 18000 s is not before the end of the run (14400 s)",
        ),
        (
            {"attacks": [{"at": "1h", "entry": "bad name!"}]},
            "attacks.0.entry: 'bad name!' is not a component name (see components.json), "
            "'random', or 'vendor:NAME'",
        ),
        ({"attacks": [{"at": "1h", "entry": "vendor:"}]}, "attacks.0.entry: 'vendor:' names no"),
        (
            {"attacks": [{"at": "1h", "objective": "steal"}]},
            "attacks.0.objective: 'steal' is not one of: 'disrupt', 'exfiltrate' or 'both'",
        ),
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
    """Shares of components that fell in 400 draws, on the graph CityModel builds for the
    bundled integrated_city_brain district (built, not run)."""
    import numpy as np

    from twin.scenario import load_scenario
    from twin.simulation.model import CityModel

    overrides = [
        f"policy.integration={integration}",
        "security.attack_replications=400",
        f"attacks=[{{at: 1h, entry: '{entry}', duration: 1h, objective: both}}]",
        f"policy.vendors.camera_vendor_cloud.trusted={str(trusted).lower()}",
    ]
    path = Path(__file__).resolve().parents[1] / "scenarios" / "integrated_city_brain.yaml"
    plan = CityModel(load_scenario(path, overrides)).attack_plan
    total = plan.graph.number_of_nodes()
    values = np.array([len(o.compromised) / total for o in plan.outcomes])
    half = 1.98 * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean() - half, values.mean() + half


def test_blast_radius_in_the_city_grows_with_integration() -> None:
    siloed, federated, integrated = (
        blast_radius(policy, "crossing_cameras") for policy in ("siloed", "federated", "integrated")
    )
    assert siloed[1] < federated[0] and federated[1] < integrated[0]


def test_an_untrusted_vendor_reaches_further_in_the_city() -> None:
    trusted = blast_radius("federated", "vendor:camera", trusted=True)
    untrusted = blast_radius("federated", "vendor:camera", trusted=False)
    assert trusted[1] < untrusted[0]
