"""Detection and response: when an intrusion is found, when the zones it holds are cut off,
and how long the city needs to restore what it took.

- *Detection*: a visible disruption (a controller in flash, a ransom note) is noticed by
  operators after an exponential time of median ``detection.notice_median``; a stealthy
  one (false data, malicious timing, exfiltration, an insider) only by security monitoring
  (median ``detection.monitored_median``) or, without it, after the dwell time real
  intrusions go unseen (median ``detection.unmonitored_median``).
- *Containment*: ``detection.containment_time`` after detection, the zones holding a
  compromised component are isolated: the attacker loses control (the spread stops) and
  the isolated zones' components are cut off from the rest of the city until restored
  (their functions stop; per-intersection field devices keep their local program).
- *Restoration*: every component the attack disrupted, and every isolated one, works
  again a lognormal time after the attacker lost it (median ``restoration_median``,
  log standard deviation ``restoration_log_sd``: through Baltimore 2018, Dallas 2017 and
  Atlanta 2018).

All draws come from the replication's own stream, in a fixed order per attack
(detection, restoration), so they are common to every policy run with the same seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

    from twin.scenario.security import Attack, Security

__all__ = ["Response", "draw_response", "isolated_components"]


@dataclass(frozen=True)
class Response:
    """What the city does about one attack in one replication (times in s).

    Attributes:
        detected_s: when the intrusion is detected.
        contained_s: when the zones it holds are isolated.
        restoration_s: how long restoring a component takes once the attacker lost it.
    """

    detected_s: float
    contained_s: float
    restoration_s: float

    def control_ends_s(self, attack: Attack) -> float:
        """When the attacker loses control: the attack's end, or containment if sooner."""
        return min(attack.end_s, self.contained_s)


def draw_response(
    attack: Attack, security: Security, rng: np.random.Generator, monitored: bool
) -> Response:
    """One replication's detection, containment and restoration of ``attack``."""
    detection = security.detection
    if attack.visible:
        median = detection.notice_median
    else:
        median = detection.monitored_median if monitored else detection.unmonitored_median
    detected = attack.at + float(rng.exponential(median / math.log(2)))
    restoration = security.restoration_median * math.exp(
        security.restoration_log_sd * float(rng.standard_normal())
    )
    return Response(detected, detected + detection.containment_time, restoration)


def isolated_components(
    graph: nx.DiGraph, fallen: dict[str, float], response: Response
) -> dict[str, tuple[float, float]]:
    """Components cut off by containment: every component of a zone holding a fallen one
    at the time of containment, from then until restored, but the per-intersection field
    devices (a controller cut off from its centre keeps its local program)."""
    held = {
        graph.nodes[name]["component"].zone
        for name, t in fallen.items()
        if t <= response.contained_s
    }
    span = (response.contained_s, response.contained_s + response.restoration_s)
    return {
        name: span
        for name in graph
        if graph.nodes[name]["component"].zone in held and graph.nodes[name]["component"].node < 0
    }
