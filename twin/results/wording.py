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
    "privacy.identifiable_records_stored": "records stored during the run that single someone out",
    "privacy.identifiable_records_retained": "records kept at the end that single someone out, "
    "the days before the run included",
    "privacy.identifiable_record_days": "identifiable records kept, summed over days (record-days)",
    "privacy.history_days": "days before the run the stores already held",
    "privacy.persons_exposed": "residents with data kept that singles them out",
    "privacy.directly_identified": "residents identified with certainty (a face or number plate "
    "kept)",
    "privacy.expected_reidentified": "residents expected to be re-identified (those identified "
    "with certainty, plus each other exposed resident's chance)",
    "privacy.persons_exposed_share": "share of all residents",
    "privacy.sensitive_persons_exposed": "residents with health data (reduced mobility) kept "
    "about them, true or false",
    "privacy.sensitive_false_positives": "of those, wrongly flagged: they have no reduced mobility",
    "privacy.nonconsenting_persons_exposed": "residents with data kept that they never agreed to",
    "privacy.untrusted_vendor_records": "records a vendor the city does not trust can reach",
    "privacy.unicity_p2": "share of kept traces (one identifier each) singled out by 2 places "
    "and hours in them",
    "privacy.unicity_p2_ci95": "  95 % interval",
    "privacy.unicity_p4": "share of kept traces singled out by 4 places and hours in them",
    "privacy.unicity_p4_ci95": "  95 % interval",
    "privacy.unicity_p2_persons": "share of exposed residents with a trace that 2 places and "
    "hours single out",
    "privacy.unicity_p4_persons": "share of exposed residents with a trace that 4 places and "
    "hours single out",
    "privacy.reidentification_risk_mean": "average chance of picking out a resident's trace from "
    "2 places and hours (faces and plates aside)",
    "privacy.home_inferred_persons": "residents whose home can be guessed from night-time records",
    "privacy.home_inferred_share": "  share of exposed residents",
    "privacy.linkable_persons_share": "share of residents whose records in different "
    "systems can be joined",
    "privacy.release_cells": "published counts (place and interval)",
    "privacy.release_cells_suppressed": "  withheld because too few were counted",
    "privacy.release_cells_of_one": "  published counts of exactly one person",
    "privacy.release_cells_of_one_share": "  share of published non-empty counts",
    "privacy.release_persons_singled_out": "residents alone in a published count",
    "privacy.release_mean_abs_error": "average error of a published count (people)",
    "privacy.sampled_persons": "residents sampled for the trace measures",
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
