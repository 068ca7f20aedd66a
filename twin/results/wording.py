"""Plain-language wording of a run's data policy and privacy outcomes, for its report.

Reads the ``policy`` section of ``scenario.yaml`` and the ``privacy`` section of
``metrics.json`` as plain mappings (any tool writing those files gets the wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "PRIVACY_LABELS",
    "duration_words",
    "policy_blocks",
    "policy_vendor",
    "privacy_summary",
]

Block = tuple[Any, ...]

#: Plain labels of the privacy outcomes, in the order the report lists them.
PRIVACY_LABELS = {
    "privacy.records_observed": "sensor records made during the run",
    "privacy.identifiable_records_stored": "records stored that single someone out",
    "privacy.identifiable_records_retained": "of those, still kept at the end",
    "privacy.identifiable_record_days": "identifiable records kept, summed over days (record-days)",
    "privacy.persons_exposed": "residents with data kept that singles them out",
    "privacy.persons_exposed_share": "share of all residents",
    "privacy.sensitive_persons_exposed": "residents whose health data (reduced mobility) is kept",
    "privacy.nonconsenting_persons_exposed": "residents exposed who never agreed",
    "privacy.untrusted_vendor_records": "records a vendor the city does not trust can reach",
    "privacy.unicity_p2": "share singled out by 2 places and hours they were seen",
    "privacy.unicity_p2_ci95": "  95 % interval",
    "privacy.unicity_p4": "share singled out by 4 places and hours they were seen",
    "privacy.unicity_p4_ci95": "  95 % interval",
    "privacy.reidentification_risk_mean": "average chance of being re-identified from 2 "
    "places and hours",
    "privacy.home_inferred_share": "share whose home can be guessed from night-time records",
    "privacy.linkable_persons_share": "share of residents whose records in different "
    "systems can be joined",
    "privacy.sampled_persons": "residents sampled for the two measures above",
    "privacy.sampling": "how they were sampled",
}
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


def policy_blocks(scenario: Mapping[str, Any]) -> list[Block]:
    """How the city keeps the data: integration, anonymisation, retention, consent, vendors."""
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
    if isinstance(consent, Mapping) and "opt_in_rate" in consent:
        shared = []
        if consent.get("share_trips") is False:
            shared.append("they keep their trips out of the apps (counts only)")
        if consent.get("share_mobility_needs") is False:
            shared.append("they keep their mobility needs out of the apps")
        items.append(
            f"Consent: {float(consent['opt_in_rate']):.0%} of residents opted in to app-based "
            "services" + ("; " + "; ".join(shared) if shared else "") + "."
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


def _kept(value: object) -> str:
    if value == "forever":
        return "are kept for ever"
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return "are not kept (processed and dropped)"
    return f"are kept for {duration_words(value)}"


def privacy_summary(privacy: Mapping[str, Any], scenario: Mapping[str, Any]) -> str | None:
    """One sentence: how many residents the kept data exposes, and who among them."""
    exposed = privacy.get("persons_exposed")
    if not isinstance(exposed, int):
        return None
    population = scenario.get("population")
    residents = population.get("residents") if isinstance(population, Mapping) else None
    of = f" of {residents:,}" if isinstance(residents, int) else ""
    if exposed == 0:
        return f"At the end of the run, the data kept singles out none{of} residents."
    text = f"At the end of the run, the data kept singles out {exposed:,}{of} residents"
    extra = []
    if privacy.get("sensitive_persons_exposed"):
        extra.append(f"{privacy['sensitive_persons_exposed']:,} with health data")
    if privacy.get("nonconsenting_persons_exposed"):
        extra.append(f"{privacy['nonconsenting_persons_exposed']:,} who never agreed")
    return text + (" (" + ", ".join(extra) + ")" if extra else "") + "."


def duration_words(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            if seconds >= size or unit == "second":
                amount = seconds / size
                return f"{amount:g} {unit}" + ("" if amount == 1 else "s")
    return str(value) if value is not None else "an unknown period"
