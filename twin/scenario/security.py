"""Scenario sections for cyberattacks: the ``security`` parameters and the ``attacks`` list.

Every default says where it comes from; docs/security.md explains them and
docs/references.md carries the sources. Where no published figure exists the
default is an assumption, named as such.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from twin.durations import format_duration
from twin.scenario.base import NonNegativeDuration, PositiveDuration, Section, _value_error

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "EFFECTS",
    "ENTRY_HINT",
    "VISIBLE_EFFECTS",
    "Attack",
    "Detection",
    "Security",
    "Traversal",
    "attack_problems",
    "clock_times",
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


class Detection(Section):
    """How soon an intrusion is found and the zone it holds cut off."""

    notice_median: PositiveDuration = Field(
        default=900.0,
        description="Median time until operators notice a visible disruption (a controller "
        "in flash, a ransom note) and declare an incident (s; exponential; assumption: a "
        "central system polls its controllers' status every minute or so).",
    )
    monitored_median: PositiveDuration = Field(
        default=4 * 3600.0,
        description="Median time for security monitoring to detect a stealthy intrusion "
        "(false data, malicious timing, exfiltration, an insider) (s; exponential; "
        "assumption: network monitoring alerts within minutes, triage takes hours).",
    )
    unmonitored_median: PositiveDuration = Field(
        default=10 * 86400.0,
        description="Median time to detect a stealthy intrusion without monitoring (s; "
        "exponential; 10 days: global median dwell time of 2023 intrusions, Mandiant "
        "M-Trends 2024).",
    )
    containment_time: NonNegativeDuration = Field(
        default=95 * 60.0,
        description="From detection until the zones the attacker holds are isolated (s; "
        "Dallas 2017: the sirens were silenced about 95 minutes after they started, by "
        "shutting the radio system down).",
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
    restoration_median: PositiveDuration = Field(
        default=74 * 3600.0,
        description="Median time to restore a component after the attacker loses it, by "
        "re-imaging or rebuilding (s, or '74h'; lognormal through real incidents: Baltimore "
        "CAD 2018, 17 h in manual mode; Dallas sirens 2017, service back after about 2 days; "
        "Atlanta 2018, about 3 weeks: their geometric mean).",
    )
    restoration_log_sd: float = Field(
        default=1.7,
        ge=0,
        le=5,
        description="Spread of the restoration time: standard deviation of its logarithm "
        "(-; 1.7 is that of the three incidents above; 0 makes it a constant).",
    )
    detection: Detection = Field(
        default=Detection(), description="Time to detect and to contain (section)."
    )
    monitoring: bool = Field(
        default=False,
        description="Security monitoring of every system's network traffic (-): detects "
        "stealthy intrusions sooner, and keeps logs of the device identifiers it sees, a "
        "data footprint of its own (the security_monitoring service).",
    )
    malicious_max_green: PositiveDuration = Field(
        default=255.0,
        description="Longest green an attacker holding a controller gives the phases it "
        "favours in 'malicious_timing' (s; 255 s is the largest phase maximum the NTCIP "
        "1202 controller objects accept; the starved phase gets the programmed minimum).",
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
        default=100,
        ge=1,
        le=1000,
        description="Independent draws of each attack's spread; outcomes are means with "
        "95 % intervals over them (count; 100 keeps bootstrap intervals honest on skewed "
        "outcomes and separates the integration policies of the bundled scenarios).",
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


#: What an attack does to the components it reaches (docs/security.md).
EFFECTS = (
    "fail_safe_flash",
    "malicious_timing",
    "false_data",
    "ransomware",
    "exfiltrate",
    "insider",
)
#: Effects whose disruption operators see (detected at ``detection.notice_median``).
VISIBLE_EFFECTS = ("fail_safe_flash", "ransomware")
Effect = Literal[
    "fail_safe_flash", "malicious_timing", "false_data", "ransomware", "exfiltrate", "insider"
]
#: A clock time, ``HH:MM``: an attack's ``at`` read as time of day.
CLOCK = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")


class Attack(Section):
    """One intrusion: where it starts, when, for how long, and what it does."""

    at: NonNegativeDuration = Field(
        description="Start: time after the run starts (s, or '1h'), or a clock time in "
        "quotes ('08:00', read against demand.start_hour)."
    )
    entry: str = Field(
        default="random",
        description=f"Entry point (text): {ENTRY_HINT}; 'vendor:NAME' is a supply-chain "
        "entry through that vendor's cloud (an insider's own access).",
    )
    duration: PositiveDuration = Field(
        default=3600.0, description="How long the attacker keeps control (s, or '1h')."
    )
    effect: tuple[Effect, ...] = Field(
        default=("fail_safe_flash",),
        description="What it does (one or a list): 'fail_safe_flash' (fallen components "
        "stop; a controller's conflict monitor trips to flashing red), 'malicious_timing' "
        "(controllers run timings the conflict monitor allows, chosen to hurt), "
        "'false_data' (spoofed detector data misleads actuated control), 'ransomware' "
        "(components down and their data unavailable until restored), 'exfiltrate' (stored "
        "records and those flowing through while it holds a store), 'insider' (a vendor "
        "reads its systems' data with no intrusion; entry 'vendor:NAME').",
    )

    @field_validator("effect", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("at", mode="before")
    @classmethod
    def _not_a_clock(cls, value: object) -> object:
        if isinstance(value, str) and CLOCK.fullmatch(value):
            reason = "is not a clock time; expected 'HH:MM' from 00:00 to 23:59"
            raise _value_error("clock_time", value, reason)
        return value

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
        """When the attacker loses control, unless contained sooner (s)."""
        return self.at + self.duration

    @property
    def disrupts(self) -> bool:
        """Whether it stops or misleads anything in the running city."""
        return any(e not in ("exfiltrate", "insider") for e in self.effect)

    @property
    def visible(self) -> bool:
        """Whether operators see what it does (it is noticed, not only detected)."""
        return any(e in VISIBLE_EFFECTS for e in self.effect)


def clock_times(data: dict[str, object], written: dict[str, str] | None = None) -> None:
    """Turn every attack's clock time ``at`` into seconds after the start, in place.

    ``written`` holds the text of plain YAML scalars by key path: ``at: 10:30`` unquoted
    is read by YAML 1.1 as the base-60 number 630, so the text as written decides.
    """
    attacks = data.get("attacks")
    if not isinstance(attacks, list):
        return
    demand = data.get("demand")
    start_hour = demand.get("start_hour", 0.0) if isinstance(demand, dict) else 0.0
    for index, attack in enumerate(attacks):
        if not isinstance(attack, dict):
            continue
        text = (written or {}).get(f"attacks.{index}.at")
        value = text if text is not None and CLOCK.fullmatch(text) else attack.get("at")
        match = CLOCK.fullmatch(value) if isinstance(value, str) else None
        if match is None or not isinstance(start_hour, int | float):
            continue
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            attack["at"] = ((hours + minutes / 60 - start_hour) % 24) * 3600.0
        else:
            attack["at"] = value


def attack_problems(
    attacks: Sequence[Attack], duration_s: float, warmup_s: float
) -> list[tuple[str, str]]:
    """(field path, message) for attacks outside the measured part of the run, and
    insiders that name no vendor."""
    problems = []
    for i, attack in enumerate(attacks):
        where = f"attacks.{i}"
        if attack.at >= duration_s:
            message = (
                f"{format_duration(attack.at)} is not before the end of the run "
                f"({format_duration(duration_s)}); start the attack earlier or lengthen duration"
            )
            problems.append((f"{where}.at", message))
        elif attack.end_s > duration_s:
            message = (
                f"{format_duration(attack.duration)} from {format_duration(attack.at)} runs past "
                f"the end of the run ({format_duration(duration_s)}); shorten it to at most "
                f"{format_duration(duration_s - attack.at)} or lengthen duration"
            )
            problems.append((f"{where}.duration", message))
        elif attack.end_s <= warmup_s:
            message = (
                f"{format_duration(attack.at)} to {format_duration(attack.end_s)} lies wholly "
                f"inside the warm-up ({format_duration(warmup_s)}), which no metric counts; "
                "start it later"
            )
            problems.append((f"{where}.at", message))
        if "insider" in attack.effect and not attack.entry.startswith("vendor:"):
            message = (
                f"{attack.entry!r} is no vendor; an insider reads what its vendor runs "
                "with no intrusion: use entry 'vendor:NAME'"
            )
            problems.append((f"{where}.entry", message))
    return problems
