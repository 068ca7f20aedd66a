"""Plain-language wording of a run's data policy and privacy outcomes, for its report.

Reads the ``policy`` section of ``scenario.yaml`` and the ``privacy`` section of
``metrics.json`` as plain mappings (any tool writing those files gets the wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "duration_words",
    "policy_blocks",
    "policy_vendor",
    "privacy_summary",
]

Block = tuple[Any, ...]

#: What each integration policy means for a resident.
INTEGRATION = {
    "siloed": "each system keeps its own data; records of different systems are never joined",
    "federated": "systems share data through a gateway, joined only where a connection between "
    "them is declared",
    "integrated": "all systems feed one shared platform, where every record can be joined "
    "with every other",
}
ANONYMISATION = {
    "raw": "identifiers are kept as captured (faces, plates, device and account ids)",
    "pseudonymise": "identifiers are replaced by pseudonyms that change every {rotation}",
    "aggregate": "only counts per place and {interval} are kept, never who",
}


def policy_vendor(scenario: Mapping[str, Any], system: str) -> str | None:
    """The vendor ``policy.vendors`` names for ``system``, and whether it is distrusted."""
    policy = scenario.get("policy")
    vendors = policy.get("vendors") if isinstance(policy, Mapping) else None
    vendor = vendors.get(system) if isinstance(vendors, Mapping) else None
    if not isinstance(vendor, Mapping) or not vendor.get("name"):
        return None
    trust = "" if vendor.get("trusted", True) else ", a vendor the city does not trust"
    return f"{vendor['name']}{trust}"


def policy_blocks(scenario: Mapping[str, Any], asks_consent: bool = True) -> list[Block]:
    """How the city keeps the data: integration, anonymisation, retention, consent (only
    where a sensor observes those who opted in: ``asks_consent``), vendors."""
    policy = scenario.get("policy")
    if not isinstance(policy, Mapping) or not policy:
        return []
    items = []
    integration = policy.get("integration")
    if integration in INTEGRATION:
        items.append(f"Integration ({integration}): {INTEGRATION[integration]}.")
    anonymisation = policy.get("anonymisation")
    if anonymisation in ANONYMISATION:
        text = ANONYMISATION[anonymisation].format(
            rotation=duration_words(policy.get("pseudonym_rotation", 86400)),
            interval=duration_words(policy.get("aggregate_interval", 3600)),
        )
        items.append(f"Anonymisation ({anonymisation}): {text}.")
    retention = policy.get("retention")
    if isinstance(retention, Mapping):
        kept = [f"{cls} records {_kept(value)}" for cls, value in retention.items()]
        items.append("Retention: " + "; ".join(kept) + ".")
    consent = policy.get("consent")
    if not asks_consent:
        items.append(
            "Consent: no system here asks for it; every sensor that identifies people "
            "observes whoever passes."
        )
    elif isinstance(consent, Mapping) and "opt_in_rate" in consent:
        shared = [
            f"{_share(consent.get(key, 1.0))} of them let the app keep {what}"
            for key, what in (
                ("share_trips", "their trips (the others leave anonymous counts)"),
                ("share_mobility_needs", "their reduced mobility"),
            )
        ]
        items.append(
            f"Consent: {float(consent['opt_in_rate']):.0%} of residents opted in to the "
            "app; each chose what it may keep: " + "; ".join(shared) + ". Opting in to the "
            "app covers the app's data only, never a camera."
        )
    vendors = policy.get("vendors")
    if isinstance(vendors, Mapping) and vendors:
        listed = [
            f"{system} is run by {v.get('name')}"
            + ("" if v.get("trusted", True) else " (not trusted by the city)")
            for system, v in vendors.items()
            if isinstance(v, Mapping)
        ]
        items.append("Vendors: " + "; ".join(listed) + "; other systems are run by the city.")
    else:
        items.append("Vendors: every system is run by the city itself.")
    return [("h2", "How the data is kept"), ("ul", items)]


def _share(value: object) -> str:
    return f"{float(value):.0%}" if isinstance(value, int | float) else str(value)


def _kept(value: object) -> str:
    if value == "forever":
        return "are kept for ever"
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return "are not kept (processed and dropped)"
    return f"are kept for {duration_words(value)}"


def privacy_summary(privacy: Mapping[str, Any], scenario: Mapping[str, Any]) -> str | None:
    """How many residents the kept data exposes, how many it names with certainty, and
    who among them (health data, true or false; data they never agreed to)."""
    exposed = privacy.get("persons_exposed")
    if not isinstance(exposed, int):
        return None
    population = scenario.get("population")
    residents = population.get("residents") if isinstance(population, Mapping) else None
    of = f" of {residents:,}" if isinstance(residents, int) else ""
    days = privacy.get("history_days")
    held = f" (with what the stores held from the {days} days before)" if days else ""
    if exposed == 0:
        return f"At the end of the run{held}, the data kept singles out none{of} residents."
    text = f"At the end of the run{held}, the data kept singles out {exposed:,}{of} residents"
    direct = privacy.get("directly_identified")
    if direct:
        text += f"; {direct:,} of them are identified with certainty by a face or number plate"
    extra = []
    sensitive = privacy.get("sensitive_persons_exposed")
    if sensitive:
        wrong = privacy.get("sensitive_false_positives") or 0
        extra.append(
            f"{sensitive:,} with health data"
            + (f", {wrong:,} of whom a camera wrongly flagged" if wrong else "")
        )
    if privacy.get("nonconsenting_persons_exposed"):
        extra.append(f"{privacy['nonconsenting_persons_exposed']:,} who never agreed to it")
    return text + (" (" + "; ".join(extra) + ")" if extra else "") + "."


def duration_words(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            if seconds >= size or unit == "second":
                amount = seconds / size
                return f"{amount:g} {unit}" + ("" if amount == 1 else "s")
    return str(value) if value is not None else "an unknown period"
