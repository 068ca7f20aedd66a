"""The digital layer: observations become records, records sit in stores until retention ends.

Everything is columnar (numpy arrays, one row per record); what a store holds at
time t is computed from the record table and the policy, with no event per deletion.
"""

from twin.digital.records import CLASS_NAMES, Observations, Records, build_records
from twin.digital.retention import held_at, record_retention
from twin.digital.stores import store_of_system, untrusted_systems

__all__ = [
    "CLASS_NAMES",
    "Observations",
    "Records",
    "build_records",
    "held_at",
    "record_retention",
    "store_of_system",
    "untrusted_systems",
]
