"""One seeded random generator per run, split into independent named streams.

Each subsystem draws only from its own stream, so adding draws to one (say, a
new sensor) does not change another's numbers (say, the traffic).
"""

from __future__ import annotations

import numpy as np

#: Stream names; new ones are appended so existing streams keep their numbers.
STREAMS = (
    "population",
    "vehicles",
    "pedestrians",
    "emergency",
    "weather",
    "sensing",
    "attacks",
    "consent",
    "slips",
    "alerts",
    "owners",
    "privacy",
    "signals",
)


def random_stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for a run seeded with ``seed``."""
    sequence = np.random.SeedSequence(seed, spawn_key=(STREAMS.index(name),))
    return np.random.Generator(np.random.PCG64(sequence))
