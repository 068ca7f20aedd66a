"""What each service's data buys, beside what it costs in privacy: the run against the
same day with that service switched off (``twin run --benefits``).

For every running service whose :meth:`~twin.services.Service.without` names something to
switch off, the scenario is run again with those changes and without attacks, with the
same seed: common random numbers, so every traveller and every other service draws the
same numbers and each difference is the service's. One pair of runs per service; for
intervals over seeds, sweep the service on and off with ``twin sweep``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from twin.simulation.model import CityModel
from twin.simulation.runner import RunResult, collect

__all__ = ["BENEFIT_METRICS", "FOOTPRINT_METRICS", "measure_benefits"]

#: ``efficiency`` outcomes compared (those a service exists to move).
BENEFIT_METRICS = (
    "vehicle_delay_s_mean",
    "pedestrian_delay_s_mean",
    "stranded_crossings",
    "vehicle_pedestrian_conflicts",
    "emergency_response_s_mean",
    "snow_covered_sidewalk_km_h",
    "slip_incidents",
    "sidewalk_heating_kwh",
)
#: ``privacy`` outcomes compared: what the city's stores hold because of the service.
FOOTPRINT_METRICS = (
    "persons_exposed",
    "directly_identified",
    "sensitive_persons_exposed",
    "nonconsenting_persons_exposed",
    "identifiable_records_retained",
    "untrusted_vendor_records",
)

Progress = Callable[[float, float], None]


def measure_benefits(
    result: RunResult, progress: Callable[[str], Progress | None] | None = None
) -> dict[str, dict[str, object]]:
    """``metrics.json`` -> ``benefits``, by service: the changes it was measured against,
    its sensors, and per outcome its value with the service, without it and the
    difference (``null`` where neither run measured it). Also stored in ``result``.

    Args:
        result: the run with every service (``run_scenario``).
        progress: makes the progress callback of each comparison run from its label.
    """
    scenario = result.scenario
    benefits: dict[str, dict[str, object]] = {}
    for name, service in result.services.items():
        changes = type(service).without(scenario)
        if not changes:
            continue
        label = f"{scenario.name} without {name}"
        model = CityModel(scenario.with_changes({**changes, "attacks": []}))
        model.run_to_end(progress(label) if progress else None)
        other = collect(model, {}, privacy=result.privacy is not None)
        benefits[name] = {
            "without": changes,
            "sensors": sorted(s.name for s in result.sensors if s.service == name),
            "efficiency": _compared(result.metrics, other.metrics, "efficiency", BENEFIT_METRICS),
            "privacy": _compared(result.metrics, other.metrics, "privacy", FOOTPRINT_METRICS),
        }
    result.metrics["benefits"] = benefits
    return benefits


def _compared(
    ours: Mapping[str, object], theirs: Mapping[str, object], family: str, keys: tuple[str, ...]
) -> dict[str, dict[str, float | None]]:
    """Per outcome of ``family`` either run measured: with, without and the difference."""
    mine, other = ours.get(family) or {}, theirs.get(family) or {}
    assert isinstance(mine, Mapping) and isinstance(other, Mapping)
    pairs = {}
    for key in keys:
        with_it, without_it = _number(mine.get(key)), _number(other.get(key))
        if with_it is None and without_it is None:
            continue
        difference = None if with_it is None or without_it is None else with_it - without_it
        pairs[key] = {"with": with_it, "without": without_it, "difference": difference}
    return pairs


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
