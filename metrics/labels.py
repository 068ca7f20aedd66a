"""What each metric is called where a person reads it: its name, unit and which way is
better, and how its values are written (counts of people as whole numbers, shares in
per cent, intervals kept within the metric's range).

The core outcomes are here; services add their own (``Service.labels``), and
``twin.results.labels`` joins both into the one catalogue the report, the comparison
plots, the ranking and the explorer read. A metric without an entry is named from its
key (``emergency_response_s_p90`` reads "emergency response, 90th percentile, s").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from metrics.statistics import higher_is_better

__all__ = [
    "CORE_LABELS",
    "MetricLabel",
    "label_for",
]

#: Suffixes of interval metrics (``security.x.mean``): the parts name the same outcome.
INTERVAL_PARTS = (".mean", ".ci_low", ".ci_high")
#: Kinds of value: whole residents, other counts, a share (0-1, shown in per cent), an
#: amount in ``unit``.
PEOPLE, COUNT, SHARE, AMOUNT = "people", "count", "share", "amount"
NOTHING = "\u2014"


@dataclass(frozen=True)
class MetricLabel:
    """How a metric reads.

    Attributes:
        name: what it measures, e.g. ``vehicle delay``.
        unit: e.g. ``s per trip``; for a share what it is a share of (``% of residents``).
        better: ``lower``, ``higher`` or ``""`` (a description of the run, not an outcome).
        kind: ``people`` (whole residents), ``count``, ``share`` or ``amount``.
        signed: the value can be negative (a difference, e.g. extra delay from an attack);
            otherwise it is never below zero and intervals are kept at or above it.
    """

    name: str
    unit: str = ""
    better: str = ""
    kind: str = AMOUNT
    signed: bool = False

    @property
    def text(self) -> str:
        """``vehicle delay, s per trip, lower is better``: an axis, a column, a row."""
        said = self.unit.split(" ")[0] in self.name.split(" ")  # "residents ..., residents"
        unit = "" if said else self.unit
        parts = [self.name, unit, f"{self.better} is better" if self.better else ""]
        return ", ".join(part for part in parts if part)

    @property
    def scale(self) -> float:
        """Factor from the stored value to the shown one (shares in per cent)."""
        return 100.0 if self.kind == SHARE else 1.0

    @property
    def bounds(self) -> tuple[float, float]:
        """The range a value (as stored) can take."""
        low = -math.inf if self.signed else 0.0
        return (low, 1.0) if self.kind == SHARE else (low, math.inf)

    def clip(self, value: float | None) -> float | None:
        """``value`` within the metric's range (an interval end past it is cut there)."""
        if value is None or not math.isfinite(value):
            return value
        low, high = self.bounds
        return min(max(value, low), high)

    def number(self, value: float | None) -> str:
        """The value as shown, without unit: ``1,546`` residents, ``18.8`` %, ``25.3`` s."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NOTHING
        shown = float(value) * self.scale
        if (abs(shown) < 0.05 and self.kind != AMOUNT) or abs(shown) < 1e-12:
            shown = 0.0  # no "-0.0"
        if self.kind == PEOPLE or (
            self.kind == COUNT and (abs(shown) >= 100 or shown == int(shown))
        ):
            return f"{round(shown):,}"
        if abs(shown) >= 100:
            return f"{shown:,.0f}"
        if abs(shown) >= 1 or shown == 0 or self.kind in (SHARE, COUNT):
            return f"{shown:,.1f}"
        return f"{shown:.2g}"

    def value(self, value: float | None) -> str:
        """The value with its unit: ``1,546 residents``, ``18.8 % of residents``."""
        shown = self.number(value)
        if shown == NOTHING or not self.unit:
            return shown
        first, _, rest = self.unit.partition(" ")
        if self.kind == PEOPLE and shown == "1" and first.endswith("s"):  # 1 resident
            return " ".join(part for part in (shown, first[:-1], rest) if part)
        return f"{shown} {self.unit}"

    def interval(self, mean: float | None, low: float | None, high: float | None) -> str:
        """``25.3 s per trip (95 % interval 24.1 to 26.5)``, the ends kept in range."""
        text = self.value(mean)
        if mean is None or low is None or high is None:
            return text
        ends = self.number(self.clip(low)), self.number(self.clip(high))
        return f"{text} (95 % interval {ends[0]} to {ends[1]})"

    def difference(
        self, mean: float | None, low: float | None, high: float | None, than: str = "the reference"
    ) -> str:
        """A paired difference in words: ``5.9 s per trip less than the reference (95 %
        interval 3.6 to 8.1 less)``; shares in percentage points."""
        if mean is None:
            return NOTHING
        unit = "percentage points" if self.kind == SHARE else self.unit
        size = MetricLabel(self.name, unit, kind=self.kind, signed=True)

        def words(value: float) -> tuple[str, str]:
            shown = size.number(abs(value))
            return shown, "" if shown.strip("0.,") == "" else " more" if value > 0 else " less"

        side = words(mean)[1]
        text = f"{size.value(abs(mean))}{side} than {than}" if side else f"the same as {than}"
        if low is not None and high is not None:
            (a, a_side), (b, b_side) = words(low), words(high)
            if a_side == b_side:
                a, b = (b, a) if a_side == " less" else (a, b)
                text += f" (95 % interval {a} to {b}{a_side})"
            else:
                text += f" (95 % interval {a}{a_side} to {b}{b_side})"
        return text


def _delay(name: str, per: str = "trip") -> MetricLabel:
    return MetricLabel(name, f"s per {per}", "lower")


#: The core outcomes by dotted key; services add theirs (``Service.labels``).
CORE_LABELS: dict[str, MetricLabel] = {
    # efficiency: what the district achieved
    "efficiency.vehicle_delay_s_mean": _delay("vehicle delay"),
    "efficiency.vehicle_delay_s_p90": _delay("vehicle delay, 90th percentile"),
    "efficiency.vehicle_delay_s_mean_completed": _delay("vehicle delay of finished trips"),
    "efficiency.vehicle_control_delay_s_mean": _delay("control delay (HCM)"),
    "efficiency.vehicle_trips_completed": MetricLabel(
        "vehicle trips completed", "", "higher", COUNT
    ),
    "efficiency.vehicle_trips_unfinished": MetricLabel(
        "vehicle trips unfinished at the end", "", "lower", COUNT
    ),
    "efficiency.vehicle_stops_per_trip": MetricLabel("vehicle stops", "per trip", "lower"),
    "efficiency.vehicles_in_network_end": MetricLabel(
        "vehicles in the district at the end", kind=COUNT
    ),
    "efficiency.vehicles_waiting_to_enter_end": MetricLabel(
        "vehicles waiting to enter at the end", "", "lower", COUNT
    ),
    "efficiency.vehicle_throughput_per_h": MetricLabel(
        "vehicle throughput", "trips per hour", "higher"
    ),
    "efficiency.pedestrian_trips_completed": MetricLabel(
        "walking trips completed", "", "higher", COUNT
    ),
    "efficiency.pedestrian_delay_s_mean": _delay("pedestrian delay", "walking trip"),
    "efficiency.pedestrian_signal_wait_s_mean": _delay("wait at the curb for WALK", "crossing"),
    "efficiency.pedestrian_signal_wait_s_p90": _delay(
        "wait at the curb for WALK, 90th percentile", "crossing"
    ),
    "efficiency.pedestrian_signal_los": MetricLabel(
        "pedestrian level of service (A best, F worst)"
    ),
    "efficiency.crossings": MetricLabel("crossings", kind=COUNT),
    "efficiency.impaired_crossings": MetricLabel(
        "crossings by people with reduced mobility", kind=COUNT
    ),
    "efficiency.stranded_crossings": MetricLabel(
        "stranded crossings (still in the crosswalk when cars got green)", "", "lower", COUNT
    ),
    "efficiency.stranded_impaired_crossings": MetricLabel(
        "stranded crossings by people with reduced mobility", "", "lower", COUNT
    ),
    "efficiency.stranded_crossings_per_1000_impaired": MetricLabel(
        "stranded crossings of people with reduced mobility",
        "per 1,000 of their crossings",
        "lower",
    ),
    "efficiency.vehicle_pedestrian_conflicts": MetricLabel(
        "vehicle-pedestrian conflicts (near-misses)", "", "lower", COUNT
    ),
    # congestion: how the streets coped
    "congestion.link_storage_vehicles": MetricLabel("vehicles one block holds", kind=COUNT),
    "congestion.approaches": MetricLabel("stop lines in the district", kind=COUNT),
    "congestion.approaches_oversaturated": MetricLabel(
        "oversaturated stop lines", "", "lower", COUNT
    ),
    "congestion.approaches_blocked": MetricLabel(
        "stop lines blocked by a full street ahead", "", "lower", COUNT
    ),
    "congestion.approach_blocked_h": MetricLabel("time stop lines were blocked", "h", "lower"),
    "congestion.gridlocks": MetricLabel("gridlocks", "", "lower", COUNT),
    "congestion.gridlock_first_s": MetricLabel("first gridlock", "s into the run"),
    # privacy: what the data kept says about residents
    "privacy.records_observed": MetricLabel("sensor records made", "", "lower", COUNT),
    "privacy.identifiable_records_stored": MetricLabel(
        "records stored that single someone out", "", "lower", COUNT
    ),
    "privacy.identifiable_records_retained": MetricLabel(
        "identifiable records kept at the end, the days before the run included",
        "",
        "lower",
        COUNT,
    ),
    "privacy.history_days": MetricLabel("days before the run the stores already held", "days"),
    "privacy.identifiable_record_days": MetricLabel(
        "identifiable records kept, summed over days", "record-days", "lower"
    ),
    "privacy.persons_exposed": MetricLabel(
        "residents exposed (identifiable data kept)", "residents", "lower", PEOPLE
    ),
    "privacy.persons_exposed_share": MetricLabel(
        "residents exposed (identifiable data kept)", "% of residents", "lower", SHARE
    ),
    "privacy.directly_identified": MetricLabel(
        "residents identified with certainty (a face or plate kept)", "residents", "lower", PEOPLE
    ),
    "privacy.expected_reidentified": MetricLabel(
        "residents expected to be re-identified", "residents", "lower", PEOPLE
    ),
    "privacy.sensitive_false_positives": MetricLabel(
        "of them, wrongly flagged as having reduced mobility", "residents", "lower", PEOPLE
    ),
    "privacy.sensitive_persons_exposed": MetricLabel(
        "residents whose health data is kept", "residents", "lower", PEOPLE
    ),
    "privacy.nonconsenting_persons_exposed": MetricLabel(
        "residents exposed who never agreed", "residents", "lower", PEOPLE
    ),
    "privacy.untrusted_vendor_records": MetricLabel(
        "records an untrusted vendor can reach", "", "lower", COUNT
    ),
    "privacy.unicity_p2": MetricLabel(
        "singled out by 2 places and hours", "% of exposed residents", "lower", SHARE
    ),
    "privacy.unicity_p4": MetricLabel(
        "singled out by 4 places and hours", "% of exposed residents", "lower", SHARE
    ),
    "privacy.unicity_p2_persons": MetricLabel(
        "with a trace 2 places and hours single out", "% of exposed residents", "lower", SHARE
    ),
    "privacy.unicity_p4_persons": MetricLabel(
        "with a trace 4 places and hours single out", "% of exposed residents", "lower", SHARE
    ),
    "privacy.unicity_p2_ci95": MetricLabel("singled out by 2 places and hours, 95 % interval"),
    "privacy.unicity_p4_ci95": MetricLabel("singled out by 4 places and hours, 95 % interval"),
    "privacy.home_inferred_persons": MetricLabel(
        "residents whose home is guessable from night-time records", "residents", "lower", PEOPLE
    ),
    "privacy.release_cells": MetricLabel("published counts (place and interval)", kind=COUNT),
    "privacy.release_cells_suppressed": MetricLabel(
        "published counts withheld as too small", kind=COUNT
    ),
    "privacy.release_cells_of_one": MetricLabel(
        "published counts of exactly one person", "", "lower", COUNT
    ),
    "privacy.release_cells_of_one_share": MetricLabel(
        "published counts of exactly one person", "% of non-empty counts", "lower", SHARE
    ),
    "privacy.release_persons_singled_out": MetricLabel(
        "residents alone in a published count", "residents", "lower", PEOPLE
    ),
    "privacy.release_mean_abs_error": MetricLabel("error of a published count", "people", "lower"),
    "privacy.sampling": MetricLabel("how residents were sampled for the trace measures"),
    "privacy.reidentification_risk_mean": MetricLabel(
        "chance of re-identification from 2 places and hours", "%", "lower", SHARE
    ),
    "privacy.home_inferred_share": MetricLabel(
        "home guessable from night-time records", "% of exposed residents", "lower", SHARE
    ),
    "privacy.linkable_persons_share": MetricLabel(
        "records joinable across systems", "% of residents", "lower", SHARE
    ),
    "privacy.sampled_persons": MetricLabel(
        "residents sampled for unicity and risk", "residents", kind=PEOPLE
    ),
    # security: what one intrusion reached (means over attack replications)
    "security.attacks": MetricLabel("attacks", kind=COUNT),
    "security.replications": MetricLabel("attack replications", kind=COUNT),
    "security.simulated_replications": MetricLabel("of them simulated", kind=COUNT),
    "security.components_total": MetricLabel("components of the city's systems", kind=COUNT),
    "security.components_compromised_share": MetricLabel(
        "city systems the intrusion reached", "% of components", "lower", SHARE
    ),
    "security.service_hours_lost": MetricLabel("service hours lost to the intrusion", "h", "lower"),
    "security.persons_affected": MetricLabel(
        "residents whose trips met a disrupted service", "residents", "lower", PEOPLE
    ),
    "security.records_exfiltrated": MetricLabel("records stolen", "", "lower", COUNT),
    "security.persons_exfiltrated": MetricLabel(
        "residents whose records were stolen", "residents", "lower", PEOPLE
    ),
    "security.sensitive_persons_exfiltrated": MetricLabel(
        "residents whose health data was stolen", "residents", "lower", PEOPLE
    ),
    "security.extra_vehicle_delay_s": MetricLabel(
        "extra vehicle delay from the intrusion", "s per trip", "lower", signed=True
    ),
    "security.emergency_response_added_s": MetricLabel(
        "extra ambulance response time from the intrusion", "s", "lower", signed=True
    ),
    "security.conflicts_added": MetricLabel(
        "vehicle-pedestrian conflicts added by the intrusion", "", "lower", COUNT, signed=True
    ),
    "security.blocked_approach_hours_added": MetricLabel(
        "stop-line hours blocked added by the intrusion", "h", "lower", signed=True
    ),
    "security.records_captured_live": MetricLabel(
        "records the intruder captured as they were made", "", "lower", COUNT
    ),
    "security.persons_identified": MetricLabel(
        "residents named by the stolen records", "residents", "lower", PEOPLE
    ),
    "security.persons_reidentifiable": MetricLabel(
        "residents re-identifiable from stolen pseudonymised records",
        "residents",
        "lower",
        PEOPLE,
    ),
    "security.persons_captured_live": MetricLabel(
        "residents captured live by the intruder", "residents", "lower", PEOPLE
    ),
    "security.time_to_detect_h": MetricLabel("time to detect the intrusion", "h", "lower"),
    "security.detected_in_run_share": MetricLabel(
        "intrusions detected within the run", "% of replications", "higher", SHARE
    ),
    "security.effects": MetricLabel("what the attacks do"),
    "security.services_disrupted_share": MetricLabel(
        "services disrupted", "% of replications", "lower", SHARE
    ),
    "security.attacked": MetricLabel("the attacked replications' own outcomes"),
    "security.stranded_crossings_added": MetricLabel(
        "stranded crossings added by the intrusion", "", "lower", COUNT, signed=True
    ),
    "security.components_down": MetricLabel("components out of order now", "", "lower", COUNT),
    "security.services_disrupted": MetricLabel("services disrupted"),
    "security.note": MetricLabel("what the figures cover"),
    "security.extra_vehicle_hours": MetricLabel(
        "vehicle-hours lost to the intrusion", "vehicle-h", "lower", signed=True
    ),
}

#: Key endings read as (words, unit) when a metric has no entry.
_ENDINGS = (
    ("_s_mean", ", mean", "s"),
    ("_s_p90", ", 90th percentile", "s"),
    ("_s", "", "s"),
    ("_kwh", "", "kWh"),
    ("_km_h", "", "km h"),
    ("_per_h", "", "per hour"),
    ("_h", "", "h"),
    ("_share", "", "%"),
)


def label_for(metric: str, entries: Mapping[str, MetricLabel] = CORE_LABELS) -> MetricLabel:
    """The label of a dotted ``metric`` (``efficiency.vehicle_delay_s_mean``, or a part of an
    interval metric such as ``security.persons_exfiltrated.mean``) from ``entries``, else
    one read off its key."""
    key = metric
    for part in INTERVAL_PARTS:
        if key.endswith(part):
            key = key.removesuffix(part)
            break
    if key in entries:
        return entries[key]
    name = key.rsplit(".", 1)[-1]
    unit, kind = "", COUNT if name.endswith(("s", "_count")) else AMOUNT
    for ending, words, ending_unit in _ENDINGS:
        if name.endswith(ending):
            name, unit = name.removesuffix(ending) + words, ending_unit
            kind = SHARE if ending_unit == "%" else AMOUNT
            break
    if any(word in name for word in ("persons", "residents", "people")):
        kind = PEOPLE
    better = "higher" if higher_is_better(key) else "lower"
    return MetricLabel(name.replace("_", " "), unit, better, kind)
