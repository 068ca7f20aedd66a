"""The ``policy`` scenario section: integration, retention, anonymisation, consent, vendors.

Defaults and their sources are in docs/privacy.md and docs/references.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from twin.durations import DURATION_HINT, DURATION_PATTERN, parse_duration
from twin.scenario.base import PositiveDuration, Section, _value_error

__all__ = [
    "Anonymisation",
    "Consent",
    "Integration",
    "Policy",
    "PrivacyAnalysis",
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


class Consent(Section):
    """Whether residents agreed to be sensed, and what those who did share."""

    opt_in_rate: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of residents who opt in to app-based services (-; 0.3 is the "
        "Aizuwakamatsu portal target).",
    )
    share_trips: bool = Field(
        default=True,
        description="Opted-in residents let apps keep where and when they were seen under their "
        "account; false keeps only anonymous counts (-).",
    )
    share_mobility_needs: bool = Field(
        default=True,
        description="Opted-in residents let apps record their reduced mobility (GDPR Art. 9 "
        "health data) (-).",
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

    def warnings(self, classes_produced: Iterable[str], systems: Iterable[str]) -> list[str]:
        """Messages about settings that cannot matter for the sensors actually deployed."""
        produced, known = set(classes_produced), set(systems)
        chosen = self.retention.model_fields_set
        messages = [
            f"policy.retention.{cls}: no sensor produces {cls} records, so this retention "
            "has no effect"
            for cls in ("direct", "persistent", "pseudonymous", "aggregate")
            if cls in chosen and cls not in produced
        ]
        return messages + self.vendor_warnings(known)

    def vendor_warnings(self, systems: Iterable[str]) -> list[str]:
        """Messages about vendors named for systems no deployed sensor belongs to."""
        return [
            f"policy.vendors.{system}: no deployed sensor belongs to this system"
            for system in sorted(set(self.vendors) - set(systems))
        ]
