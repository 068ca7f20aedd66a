"""Crossing assist: how a signal learns that a slow pedestrian needs more time.

Each sensing method is a strategy class with its own sensing footprint (its
:class:`~agents.sensing.Sensor` declaration) and its own effect on the signal
(which timing it needs); :data:`METHODS` lists them, and the scenario schema's
choices come from it, so a new method is one class here.

- ``push_button``: an accessible pedestrian signal; those who need more time
  press it with probability ``push_button_use``. Observes nobody.
- ``opt_in_app``: the phones of residents who opted in are recognised at the
  curb. It records only what each resident consented to: their account
  (device identifier) if they share their trips, otherwise an anonymous count;
  their reduced mobility only if they share their mobility needs.
- ``camera_ai``: a camera infers reduced mobility with a recall and a
  false-positive rate. Observes every pedestrian's face.
- ``radar``: anonymous in-crosswalk detection keeps the clearance running while
  anyone is still crossing (the controller asks the crosswalk). Observes nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from agents.sensing import ANONYMOUS, DEVICE_ID, EVERYONE, FACE, NOBODY, OPTED_IN, Sensing, Sensor

if TYPE_CHECKING:
    import numpy as np

    from agents.crosswalk import Crosswalk, Walker

#: The kinds of data a resident may share with an app (``Resident.shares``).
TRIPS, MOBILITY_NEEDS = "trips", "mobility_needs"


class AssistMethod:
    """A crossing-assist sensing method (strategy); subclasses say what it senses.

    Class attributes:
        method: its name in scenario files.
        sensor, observes, identifiability, attributes, system: its ``Sensor`` declaration.
        extends_for_detected: a recognised pedestrian gets a clearance timed for the
            assist walking speed (the controller lengthens the green).
        extends_while_occupied: the green is held while anyone is on the crossing.

    Args:
        service: the service deploying it (its sensor's ``service``).
        sensing: the registry observations go to.
        rng: the sensing stream (button presses, camera errors).
        crosswalks: how many crosswalks are equipped.
        push_button_use, camera_recall, camera_false_positive_rate: see the scenario.
    """

    method: ClassVar[str]
    sensor: ClassVar[str]
    observes: ClassVar[str] = NOBODY
    identifiability: ClassVar[int] = ANONYMOUS
    attributes: ClassVar[tuple[str, ...]] = ()
    system: ClassVar[str] = "signal_controllers"
    extends_for_detected: ClassVar[bool] = True
    extends_while_occupied: ClassVar[bool] = False

    def __init__(
        self,
        service: str,
        sensing: Sensing,
        rng: np.random.Generator,
        crosswalks: int,
        push_button_use: float,
        camera_recall: float,
        camera_false_positive_rate: float,
    ) -> None:
        self.sensing = sensing
        self.rng = rng
        self.push_button_use = push_button_use
        self.camera_recall = camera_recall
        self.camera_false_positive_rate = camera_false_positive_rate
        #: also senses everyone on the crossing itself (``CurbDetector`` protocol)
        self.on_crossing = self.extends_while_occupied
        sensing.register(self.declaration(service, crosswalks))
        # a detector wired to its own controller needs no link: its readings are the
        # controller's records; one that reports elsewhere is read back by the controllers
        if self.system != "signal_controllers":
            sensing.link(self.sensor, self.system, "recognise pedestrians who need more time")
            sensing.link(self.system, "signal_controllers", "extend pedestrian clearance")

    @classmethod
    def declaration(cls, service: str, count: int) -> Sensor:
        """The sensor this method deploys, ``count`` of them."""
        return Sensor(
            cls.sensor,
            service,
            cls.method,
            cls.observes,
            cls.identifiability,
            cls.attributes,
            cls.system,
            count,
            "to give people who walk slowly more time to cross the street",
        )

    def senses_crossing(self, node: int) -> bool:
        """Whether it senses everyone on the crossing itself (``CurbDetector`` protocol)."""
        return self.on_crossing

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        """``resident`` reached ``crosswalk``'s curb now; True if recognised as needing time."""
        return False


class PushButton(AssistMethod):
    method = "push_button"
    sensor = "accessible_push_buttons"

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        return resident.needs_time and self.rng.random() < self.push_button_use


class OptInApp(AssistMethod):
    method = "opt_in_app"
    sensor = "crossing_app"
    observes = OPTED_IN
    identifiability = DEVICE_ID
    attributes = ("disability",)
    system = "app_vendor_cloud"

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        if not resident.opted_in:
            return False
        shares = resident.shares
        self.sensing.observe(
            self.sensor,
            crosswalk.env.now,
            resident.unique_id if TRIPS in shares else -1,
            node=crosswalk.node,
            disability=resident.impaired and TRIPS in shares and MOBILITY_NEEDS in shares,
        )
        return resident.needs_time


class CameraAI(AssistMethod):
    method = "camera_ai"
    sensor = "crossing_cameras"
    observes = EVERYONE
    identifiability = FACE
    attributes = ("disability",)
    system = "camera_vendor_cloud"

    def at_curb(self, crosswalk: Crosswalk, resident: Walker) -> bool:
        rate = self.camera_recall if resident.impaired else self.camera_false_positive_rate
        flagged = bool(self.rng.random() < rate)
        now = crosswalk.env.now
        self.sensing.observe(
            self.sensor, now, resident.unique_id, node=crosswalk.node, disability=flagged
        )
        return flagged


class Radar(AssistMethod):
    """Senses the crossing, not the curb: nobody is 'recognised' at the curb."""

    method = "radar"
    sensor = "crosswalk_radar"
    extends_for_detected = False
    extends_while_occupied = True


#: Every crossing-assist method, by its name in scenario files.
METHODS: dict[str, type[AssistMethod]] = {
    cls.method: cls for cls in (PushButton, OptInApp, CameraAI, Radar)
}

__all__ = ["METHODS", "AssistMethod", "CameraAI", "OptInApp", "PushButton", "Radar"]
