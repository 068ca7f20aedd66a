"""The ``policy`` scenario section: integration, retention, anonymisation, consent, vendors.

Defaults and their sources are in docs/privacy.md and docs/references.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from twin.durations import DURATION_HINT, DURATION_PATTERN, parse_duration
from twin.scenario.base import NonNegativeDuration, PositiveDuration, Section, _value_error

__all__ = [
    "Anonymisation",
    "Consent",
    "Integration",
    "Policy",
    "PrivacyAnalysis",
    "Release",
    "Retention",
    "Vendor",
    "retention_seconds",
]

Integration = Literal["siloed", "federated", "integrated"]
Anonymisation = Literal["raw", "pseudonymise", "aggregate"]
FOREVER: Literal["forever"] = "forever"


def _retention(value: object) -> float | str:
    """A retention period: a non-negative duration, ``0`` (process and drop) or ``forever``."""
    if isinstance(value, str) and value.strip().lower() == FOREVER:
        return FOREVER
    try:
        seconds = parse_duration(value)
    except ValueError:
        reason = f"is not a retention period; use 'forever', 0, or a duration ({DURATION_HINT})"
        raise _value_error("retention_parsing", value, reason) from None
    if seconds < 0:
        raise _value_error("retention_sign", value, "is negative; use 0 to keep nothing")
    return seconds


#: Seconds, or the word ``forever``.
RetentionPeriod = Annotated[
    float | Literal["forever"],
    BeforeValidator(_retention),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": DURATION_PATTERN},
                {"const": FOREVER},
            ]
        }
    ),
]


def retention_seconds(period: float | str) -> float:
    """A retention period in seconds (``inf`` for ``forever``)."""
    return math.inf if period == FOREVER else float(period)


class Retention(Section):
    """How long each class of record is kept before deletion."""

    direct: RetentionPeriod = Field(
        default=31 * 86400.0,
        description="Faces and plates (duration, 0 or 'forever'; 31 days is the common CCTV "
        "norm in UK guidance).",
    )
    persistent: RetentionPeriod = Field(
        default=31 * 86400.0,
        description="Device MAC addresses and app accounts (duration, 0 or 'forever'; "
        "assumption: as CCTV).",
    )
    pseudonymous: RetentionPeriod = Field(
        default=31 * 86400.0,
        description="Rotating pseudonyms (duration, 0 or 'forever'; assumption: as CCTV).",
    )
    aggregate: RetentionPeriod = Field(
        default=FOREVER,
        description="Counts with no identifier (duration, 0 or 'forever').",
    )

    def seconds(self, cls: str) -> float:
        """Retention of identifier class ``cls`` in seconds (``inf``: forever)."""
        return retention_seconds(getattr(self, cls))


def _share(value: object) -> float:
    """A share of residents 0-1; ``true`` is everyone (1) and ``false`` nobody (0)."""
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _value_error(
            "share", value, "is not a share; use a number from 0 to 1, or true/false"
        )
    return float(value)


#: A share 0-1 of residents (``true``: 1, ``false``: 0).
Share = Annotated[
    float | bool,
    BeforeValidator(_share),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "boolean"}]}
    ),
]
#: The kinds of data a resident who opts in chooses to share, by ``Consent`` field.
CONSENT_KINDS = {"share_trips": "trips", "share_mobility_needs": "mobility_needs"}


class Consent(Section):
    """Whether each resident agreed to app-based services, and what they share.

    Each resident decides for themselves (drawn from the run's ``consent`` stream):
    they opt in with probability ``opt_in_rate``, and an opted-in resident shares each
    kind with its probability. Consent covers the app's data only, never a camera's.
    """

    opt_in_rate: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of residents who opt in to app-based services (-; 0.3 is the "
        "Aizuwakamatsu portal target).",
    )
    share_trips: Share = Field(
        default=1.0,
        description="Share of opted-in residents who let apps keep where and when they were "
        "seen under their account (-; true: all, false: none; the others leave anonymous "
        "counts).",
    )
    share_mobility_needs: Share = Field(
        default=1.0,
        description="Share of opted-in residents who let apps record their reduced mobility "
        "(GDPR Art. 9 health data) (-; true: all, false: none).",
    )


class Release(Section):
    """Counts the city publishes (open data): per system, place and interval."""

    interval: PositiveDuration = Field(
        default=3600.0, description="Counting interval of a published cell (s; default 1h)."
    )
    min_cell_size: int = Field(
        default=0,
        ge=0,
        description="Cells counting fewer observations are suppressed, never published "
        "(observations; 0: none suppressed; 10 is a common statistical-office threshold).",
    )
    epsilon: float | None = Field(
        default=None,
        gt=0,
        description="Differential privacy: noise of scale 1/epsilon added to each count, per "
        "observation (-; null: exact counts).",
    )
    mechanism: Literal["laplace", "geometric"] = Field(
        default="geometric",
        description="Noise with 'epsilon' (choice): 'geometric' (two-sided geometric, integer "
        "counts) or 'laplace' (continuous, rounded).",
    )


class Vendor(Section):
    """Who runs a system for the city."""

    name: str = Field(description="Vendor name (text).")
    trusted: bool = Field(
        default=True, description="The city trusts this vendor with what the system holds (-)."
    )


class PrivacyAnalysis(Section):
    """Resolution at which traces are compared (the attacker's points)."""

    place: Literal["intersection", "district"] = Field(
        default="intersection",
        description="Spatial resolution of a point (choice): 'intersection' or the whole "
        "'district' as one place.",
    )
    time_resolution: PositiveDuration = Field(
        default=3600.0, description="Temporal resolution of a point (s; default 1h)."
    )
    sample_persons: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Unicity and re-identification risk are computed on at most this many "
        "exposed residents, drawn at random (people).",
    )


class Policy(Section):
    """Data and integration policy."""

    integration: Integration = Field(
        default="siloed",
        description="How systems share data (choice): 'siloed' (each its own store, no joins), "
        "'federated' (a gateway; joins only along declared links), 'integrated' (one platform; "
        "everything joinable).",
    )
    retention: Retention = Field(default=Retention(), description="Retention per class (section).")
    anonymisation: Anonymisation = Field(
        default="raw",
        description="What stores keep (choice): 'raw' identifiers, 'pseudonymise' (rotating "
        "pseudonyms) or 'aggregate' (counts per place and interval).",
    )
    pseudonym_rotation: PositiveDuration = Field(
        default=86400.0, description="'pseudonymise': a new pseudonym this often (s; default 1d)."
    )
    aggregate_interval: PositiveDuration = Field(
        default=3600.0, description="'aggregate': counting interval (s; default 1h)."
    )
    consent: Consent = Field(default=Consent(), description="Consent (section).")
    vendors: dict[str, Vendor] = Field(
        default_factory=dict,
        description="Per system, the vendor running it and whether it is trusted (mapping "
        "system -> {name, trusted}); systems not listed are run by the city itself.",
    )
    analysis: PrivacyAnalysis = Field(
        default=PrivacyAnalysis(), description="Resolution of the privacy analysis (section)."
    )
    history: NonNegativeDuration = Field(
        default=31 * 86400.0,
        description="Stores start the run at steady state: they already hold what their "
        "retention keeps from up to this far back, generated from the residents' routines "
        "(s, rounded up to whole days; default 31d, the longest default retention, so "
        "'forever' is judged on 31 days before the run; 0: stores start empty).",
    )
    release: Release = Field(default=Release(), description="Published counts (section).")

    def warnings(self, classes_produced: Iterable[str], systems: Iterable[str]) -> list[str]:
        """Messages about settings that cannot matter for the sensors actually deployed,
        and about settings that contradict each other."""
        produced, known = set(classes_produced), set(systems)
        chosen = self.retention.model_fields_set
        messages = [
            f"policy.retention.{cls}: no sensor produces {cls} records, so this retention "
            "has no effect"
            for cls in ("direct", "persistent", "pseudonymous", "aggregate")
            if cls in chosen and cls not in produced
        ]
        return self.contradictions() + messages + self.vendor_warnings(known)

    def contradictions(self) -> list[str]:
        """Messages naming two settings of this section that contradict each other."""
        chosen, messages = self.model_fields_set, []
        anonymisation = f"policy.anonymisation is {self.anonymisation}"
        if self.anonymisation == "aggregate":
            messages += [
                f"{anonymisation} but policy.retention.{cls} is "
                f"{_words(getattr(self.retention, cls))}: aggregation keeps no {cls} "
                "records, so that retention has no effect"
                for cls in ("direct", "persistent", "pseudonymous")
                if cls in self.retention.model_fields_set and self.retention.seconds(cls) > 0
            ]
        elif "aggregate_interval" in chosen:
            messages.append(
                f"{anonymisation} but policy.aggregate_interval is set: only 'aggregate' "
                "counts per interval, so it has no effect"
            )
        if self.anonymisation != "pseudonymise" and "pseudonym_rotation" in chosen:
            messages.append(
                f"{anonymisation} but policy.pseudonym_rotation is set: no pseudonyms are "
                "made, so the rotation has no effect"
            )
        if self.consent.opt_in_rate == 0:
            messages += [
                f"policy.consent.opt_in_rate is 0 but policy.consent.{key} is "
                f"{getattr(self.consent, key):g}: nobody opts in, so nobody shares"
                for key in CONSENT_KINDS
                if key in self.consent.model_fields_set and getattr(self.consent, key) > 0
            ]
        return messages

    def vendor_warnings(self, systems: Iterable[str]) -> list[str]:
        """Messages about vendors named for systems no deployed sensor belongs to."""
        return [
            f"policy.vendors.{system}: no deployed sensor belongs to this system"
            for system in sorted(set(self.vendors) - set(systems))
        ]


def _words(period: float | str) -> str:
    return "forever" if period == FOREVER else f"{float(period):g} s"
