"""Scenario sections for cyberattacks: the ``security`` parameters and the ``attacks`` list.

Every default says where it comes from; docs/security.md explains them and
docs/references.md carries the sources. Where no published figure exists the
default is an assumption, named as such.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from twin.scenario.base import NonNegativeDuration, PositiveDuration, Section, _value_error

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ENTRY_HINT",
    "Attack",
    "Security",
    "Traversal",
    "attack_problems",
]

_COMPONENT = re.compile(r"[A-Za-z0-9_:-]+")
ENTRY_HINT = "a component name (see components.json), 'random', or 'vendor:NAME'"


class Traversal(Section):
    """Probability that an attacker on one component gets onto the next over one trust path.

    Integrated is a flat platform with shared credentials, where one stolen
    credential opens every node; the segmented defaults are set so that the
    expected attempts per hop (1/p) rise by the factor micro-segmentation
    raised attackers' time-to-target in the Bishop Fox / Illumio tests
    (+300 % to +950 %, i.e. 4x to 10.5x): federated at the low end (0.8 / 4),
    siloed past the high end (one-way exports, 0.8 / 16).
    """

    integrated: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Flat platform with shared credentials (probability 0-1; assumption: a "
        "shared credential works on most nodes, CyberBattleSim-style credential reuse).",
    )
    federated: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Through the integration gateway with per-purpose credentials "
        "(probability 0-1; 0.8 / 4: segmentation's low-end 300 % time-to-target increase).",
    )
    siloed: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Along a one-way export between separate zones, in its data direction "
        "only (probability 0-1; 0.8 / 16, past the 950 % high end).",
    )
    within_zone: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Between components of one system's own zone, which is flat inside "
        "(probability 0-1; same as integrated).",
    )
    vendor_access: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="From a vendor's cloud to the components it maintains remotely "
        "(probability 0-1; assumption).",
    )


class Security(Section):
    """How easily each component falls and how an attack is replicated and repaired."""

    security_level: int = Field(
        default=2,
        ge=1,
        le=4,
        description="Default IEC 62443 security level achieved by every component (1-4).",
    )
    security_levels: dict[str, int] = Field(
        default_factory=dict,
        description="Security level per component name or kind, overriding the default "
        "(mapping name -> 1-4).",
    )
    susceptibility: tuple[float, float, float, float] = Field(
        default=(0.9, 0.6, 0.3, 0.1),
        description="Probability that a reached component at security level 1, 2, 3, 4 "
        "falls (four probabilities; assumption: IEC 62443 defines the levels by attacker "
        "capability, not by a probability).",
    )
    untrusted_vendor_factor: float = Field(
        default=1.5,
        ge=1,
        le=10,
        description="Multiplies the susceptibility of components from an untrusted vendor, "
        "capped at 1 (factor; assumption).",
    )
    untrusted_vendor_access: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Traversal from an untrusted vendor's cloud to its components: standing "
        "remote-maintenance credentials (probability 0-1; assumption).",
    )
    traversal: Traversal = Field(
        default=Traversal(), description="Traversal probability per trust path (section)."
    )
    lateral_movement_mean: PositiveDuration = Field(
        default=600.0,
        description="Mean time an attacker needs to cross one trust path once it can "
        "(s, or a string like '10min'; assumption; attackers spend ~80 % of their time moving "
        "laterally, Bishop Fox / Illumio).",
    )
    restoration_time: NonNegativeDuration = Field(
        default=7200.0,
        description="Time after an attack ends until its disrupted components work again "
        "(s, or '2h'; Dallas 2017: sirens silenced ~1 h 40 min after they started by "
        "shutting radios down; IT systems took days to weeks, beyond a simulated day).",
    )
    manual_dispatch_delay: NonNegativeDuration = Field(
        default=60.0,
        description="Extra time to assign an ambulance to a call taken while the dispatch "
        "system is down, by voice and paper (s, or '1min'; assumption: Baltimore's CAD was "
        "down 17 h in 2018 and calls went to manual mode without reported disruption, so "
        "the cost is small; Dallas 2017's 911 waits of ~6 min, under a flood of calls, "
        "bound it from above).",
    )
    attack_replications: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Independent draws of each attack's spread; outcomes are means with "
        "95 % intervals over them (count).",
    )
    simulated_replications: int = Field(
        default=3,
        ge=1,
        le=100,
        description="How many of the replications are simulated (the first ones) for the "
        "outcomes that need the attacked city itself: extra delay, emergency response, "
        "stranded crossings. Each costs one more run; the run without the attack is "
        "simulated once (count; assumption: 3 gives an interval at a sane cost).",
    )

    @field_validator("susceptibility")
    @classmethod
    def _probabilities(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 <= p <= 1 for p in value):
            raise _value_error("probability", list(value), "must be four probabilities in [0, 1]")
        if list(value) != sorted(value, reverse=True):
            reason = "must not rise with the security level (level 1 falls most easily)"
            raise _value_error("susceptibility_order", list(value), reason)
        return value

    @field_validator("security_levels")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for name, level in value.items():
            if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 4:
                reason = f"gives {name!r} level {level}; expected a level 1-4"
                raise _value_error("security_level", value, reason)
        return value

    def level_of(self, name: str, kind: str) -> int:
        """Security level of component ``name`` of ``kind`` (name wins over kind)."""
        return self.security_levels.get(name, self.security_levels.get(kind, self.security_level))


class Attack(Section):
    """One intrusion: where it starts, when, for how long, and what it is after."""

    at: NonNegativeDuration = Field(description="Start, on the simulation clock (s, or '8h').")
    entry: str = Field(
        default="random",
        description=f"Entry point (text): {ENTRY_HINT}; 'vendor:NAME' is a supply-chain "
        "entry through that vendor's cloud.",
    )
    duration: PositiveDuration = Field(
        default=3600.0, description="How long the attacker keeps control (s, or '1h')."
    )
    objective: Literal["disrupt", "exfiltrate", "both"] = Field(
        default="both",
        description="What the attacker does (choice): 'disrupt' compromised components, "
        "'exfiltrate' the records compromised stores hold, or 'both'.",
    )

    @field_validator("entry")
    @classmethod
    def _entry_form(cls, entry: str) -> str:
        if entry.startswith("vendor:"):
            if not _COMPONENT.fullmatch(entry[len("vendor:") :]) or entry == "vendor:":
                raise _value_error("attack_entry", entry, f"names no vendor; expected {ENTRY_HINT}")
        elif not _COMPONENT.fullmatch(entry):
            raise _value_error("attack_entry", entry, f"is not {ENTRY_HINT}")
        return entry

    @property
    def end_s(self) -> float:
        """When the attacker loses control (s)."""
        return self.at + self.duration


def attack_problems(attacks: Sequence[Attack], duration_s: float) -> list[tuple[str, str]]:
    """(field path, message) for attacks that start after the run ends."""
    problems = []
    for i, attack in enumerate(attacks):
        if attack.at >= duration_s:
            message = (
                f"{attack.at:g} s is not before the end of the run ({duration_s:g} s); "
                "start the attack earlier or lengthen duration"
            )
            problems.append((f"attacks.{i}.at", message))
    return problems
