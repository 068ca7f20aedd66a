"""The data policy applied to what the sensors saw: the records each store receives.

One home for the rule: anonymisation (``records.build_records``), where
records sit (``stores``) and who can reach them (vendors). The run's privacy
analysis, the blast radius of a leak and the explorer's live indicators all call
:func:`records_for_policy`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from twin.digital.records import Observations, Records, build_records
from twin.digital.stores import store_of_system, untrusted_stores, untrusted_systems
from twin.scenario.policy import Policy

__all__ = ["records_for_policy"]


def records_for_policy(
    observations: Observations,
    systems: Sequence[str],
    policy: Policy,
    links: Iterable[tuple[str, str]] = (),
    end_s: float = np.inf,
) -> Records:
    """The records the city's stores receive under ``policy``."""
    store_of = store_of_system(systems, policy.integration, links)
    trusted = {system: vendor.trusted for system, vendor in policy.vendors.items()}
    reach = untrusted_stores(store_of, untrusted_systems(systems, trusted))
    return build_records(
        observations,
        store_of,
        reach,
        anonymisation=policy.anonymisation,
        pseudonym_rotation_s=policy.pseudonym_rotation,
        aggregate_interval_s=policy.aggregate_interval,
        end_s=end_s,
    )
