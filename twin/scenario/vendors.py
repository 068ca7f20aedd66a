"""Who runs each system and whom its data reaches: the one vendor model of the privacy and
the security layers, read off ``policy.vendors`` and the links the services declare.

- A system listed in ``policy.vendors`` is run by that vendor (trusted or not).
- A system named ``<name>_vendor_cloud`` and not listed is run by vendor ``<name>``,
  trusted (the default of ``policy.vendors``).
- Every other system is run by the city itself.
- A system whose data is sent (a declared link from it or from one of its sensors) to a
  system a vendor runs is reached by that vendor too: its records sit with the vendor.
- A sensor or part supplied by a vendor: the sensors of a system it runs, and devices
  that send their data to it (its products, which it maintains remotely).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from twin.scenario.policy import Policy

__all__ = ["VENDOR_CLOUD_SUFFIX", "VendorModel", "vendor_model"]

VENDOR_CLOUD_SUFFIX = "_vendor_cloud"


@dataclass(frozen=True)
class VendorModel:
    """Vendors and the systems they run and reach.

    Attributes:
        trusted: vendor name -> whether the city trusts it.
        runs: system -> the vendor running it (systems the city runs are absent).
        reaches: system -> vendors its data reaches (running it or receiving it).
        supplies: sensor or part -> the vendor supplying it.
    """

    trusted: Mapping[str, bool]
    runs: Mapping[str, str]
    reaches: Mapping[str, frozenset[str]]
    supplies: Mapping[str, str]

    def untrusted_reach(self, system: str) -> bool:
        """Whether an untrusted vendor reaches ``system``'s data."""
        return any(not self.trusted[v] for v in self.reaches.get(system, ()))

    def cloud_of(self, vendor: str) -> str:
        """The component through which ``vendor`` reaches what it runs: the cloud system it
        runs, or ``<vendor>_vendor_cloud`` for its remote maintenance."""
        clouds = sorted(
            s for s, v in self.runs.items() if v == vendor and s.endswith(VENDOR_CLOUD_SUFFIX)
        )
        return clouds[0] if clouds else f"{vendor}{VENDOR_CLOUD_SUFFIX}"


def vendor_model(
    policy: Policy, sensor_systems: Mapping[str, str], links: Iterable[tuple[str, str]] = ()
) -> VendorModel:
    """The vendor model of a city whose sensors (name -> system) are ``sensor_systems`` and
    whose declared links (source -> target) are ``links``."""
    links = list(links)
    names = set(sensor_systems.values()) | set(policy.vendors)
    names.update(end for link in links for end in link if end.endswith(VENDOR_CLOUD_SUFFIX))
    trusted: dict[str, bool] = {}
    runs: dict[str, str] = {}
    for system in sorted(names):
        vendor = policy.vendors.get(system)
        if vendor is not None:
            runs[system] = vendor.name
            trusted[vendor.name] = trusted.get(vendor.name, True) and vendor.trusted
        elif system.endswith(VENDOR_CLOUD_SUFFIX):
            name = system.removesuffix(VENDOR_CLOUD_SUFFIX)
            runs[system] = name
            trusted.setdefault(name, True)
    reaches: dict[str, set[str]] = {s: {v} for s, v in runs.items()}
    supplies = {sensor: runs[system] for sensor, system in sensor_systems.items() if system in runs}
    for source, target in links:
        if target in runs and source not in runs:
            system = sensor_systems.get(source, source)
            reaches.setdefault(system, set()).add(runs[target])
            supplies.setdefault(source, runs[target])
    return VendorModel(trusted, runs, {s: frozenset(v) for s, v in reaches.items()}, supplies)
