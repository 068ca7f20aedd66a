"""The sensing hook: every service declares its sensors and reports what they observe.

This is the one interface between the services and the digital layer. A
service registers each sensor once (what it is, whom it observes, what it
captures, which components it must be connected to) and calls
:meth:`Sensing.observe` whenever the sensor sees someone. Privacy and security
analyses read :attr:`Sensing.sensors`, :attr:`Sensing.links` and the
observation table; the services themselves never store personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.log import ColumnLog

#: Whom a sensing method observes.
NOBODY, OPTED_IN, EVERYONE = "nobody", "opted_in", "everyone"
#: How identifiable a record is.
ANONYMOUS, DEVICE_ID, FACE = 0, 1, 2
#: The names of the identifiability codes, as written in ``sensors.json``.
IDENTIFIABILITY = ("anonymous", "device_id", "face")

OBSERVATION_COLUMNS = (
    "sensor",
    "time_s",
    "node",
    "segment",
    "subject",
    "identifiability",
    "disability",
)


@dataclass(frozen=True)
class Sensor:
    """A kind of sensor deployed by a service.

    Attributes:
        name: unique key, e.g. ``crossing_camera``.
        service: the service that owns it, e.g. ``crossing_assist``.
        method: the sensing method, e.g. ``camera_ai`` or ``push_button``.
        observes: ``nobody``, ``opted_in`` or ``everyone``.
        identifiability: ``ANONYMOUS``, ``DEVICE_ID`` or ``FACE`` records.
        attributes: personal attributes captured or inferred, e.g. ``("disability",)``.
        system: the system (data owner) its records go to.
        count: how many are deployed.
        purpose: why it senses people, in words a resident reads ("to ...").
    """

    name: str
    service: str
    method: str
    observes: str
    identifiability: int
    attributes: tuple[str, ...]
    system: str
    count: int
    purpose: str = ""


@dataclass(frozen=True)
class Link:
    """A connection a service needs between two components, and why."""

    source: str
    target: str
    purpose: str


class Sensing:
    """Registry of sensors and links, and the table of observations."""

    def __init__(self) -> None:
        self.sensors: dict[str, Sensor] = {}
        self.links: list[Link] = []
        self.log = ColumnLog(*OBSERVATION_COLUMNS)
        self._index: dict[str, int] = {}

    def register(self, sensor: Sensor) -> None:
        """Declare a sensor (once per name)."""
        if sensor.name in self.sensors:
            raise ValueError(f"sensor {sensor.name!r} registered twice")
        self._index[sensor.name] = len(self.sensors)
        self.sensors[sensor.name] = sensor

    def link(self, source: str, target: str, purpose: str) -> None:
        """Declare that ``source`` must be connected to ``target`` for ``purpose``."""
        self.links.append(Link(source, target, purpose))

    def observe(
        self,
        sensor: str,
        time_s: float,
        subject: int,
        node: int = -1,
        segment: int = -1,
        disability: bool = False,
    ) -> None:
        """Record that ``sensor`` observed ``subject`` (-1 if no one identifiable)."""
        spec = self.sensors[sensor]
        identified = spec.identifiability != ANONYMOUS and subject >= 0
        self.log.append(
            self._index[sensor],
            time_s,
            node,
            segment,
            subject if identified else -1,
            spec.identifiability,
            disability and "disability" in spec.attributes,
        )

    def observe_many(
        self,
        sensor: str,
        time_s: np.ndarray,
        subject: np.ndarray,
        node: np.ndarray | None = None,
        segment: np.ndarray | None = None,
        disability: np.ndarray | None = None,
    ) -> None:
        """Record many observations of ``sensor`` at once (e.g. made after the run from
        the run's tables); same rules as :meth:`observe`, one row per element."""
        spec = self.sensors[sensor]
        n = len(time_s)
        subjects = np.asarray(subject, dtype=float)
        if spec.identifiability == ANONYMOUS:
            subjects = np.full(n, -1.0)
        subjects = np.where(subjects >= 0, subjects, -1.0)
        flags = (
            np.asarray(disability, dtype=bool) & ("disability" in spec.attributes)
            if disability is not None
            else np.zeros(n, dtype=bool)
        )
        columns = np.column_stack(
            [
                np.full(n, self._index[sensor], dtype=float),
                np.asarray(time_s, dtype=float),
                np.full(n, -1.0) if node is None else np.asarray(node, dtype=float),
                np.full(n, -1.0) if segment is None else np.asarray(segment, dtype=float),
                subjects,
                np.full(n, spec.identifiability, dtype=float),
                flags.astype(float),
            ]
        )
        self.log.extend(columns)

    def sensor_names(self) -> list[str]:
        """Sensor names in registration order (the ``sensor`` column indexes this)."""
        return list(self.sensors)
