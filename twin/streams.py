"""One seeded random generator per run, split into independent named streams.

Each subsystem draws only from its own stream, so adding draws to one (say, a
new sensor) does not change another's numbers (say, the traffic). A stream is
keyed by its name alone (no list to register in): a service's streams are named
after the service (``Service.stream``), so two services never share numbers.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["random_stream"]


def random_stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for a run seeded with ``seed``."""
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
