"""Crossing assist: how a signal learns that a slow pedestrian needs more time.

Each method has its own sensing footprint (registered with ``Sensing``):

- ``push_button``: an accessible pedestrian signal; those who need more time
  press it with probability ``push_button_use``. Observes nobody.
- ``opt_in_app``: the phones of residents who opted in are recognised at the
  curb, with the disability status of their profile. Observes opted-in
  residents only (device identifier).
- ``camera_ai``: a camera infers reduced mobility with a recall and a
  false-positive rate. Observes every pedestrian's face.
- ``radar``: anonymous in-crosswalk detection keeps the clearance running while
  anyone is still crossing (the controller asks the crosswalk). Observes nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.sensing import ANONYMOUS, DEVICE_ID, EVERYONE, FACE, NOBODY, OPTED_IN, Sensing, Sensor

if TYPE_CHECKING:
    import numpy as np

    from agents.crosswalk import Crosswalk
    from agents.pedestrian import Resident

SERVICE = "crossing_assist"
#: method -> (sensor name, whom it observes, identifiability, attributes, data owner)
SENSORS = {
    "push_button": ("accessible_push_buttons", NOBODY, ANONYMOUS, (), "signal_controllers"),
    "opt_in_app": ("crossing_app", OPTED_IN, DEVICE_ID, ("disability",), "app_vendor_cloud"),
    "camera_ai": ("crossing_cameras", EVERYONE, FACE, ("disability",), "camera_vendor_cloud"),
    "radar": ("crosswalk_radar", NOBODY, ANONYMOUS, (), "signal_controllers"),
}


class CrossingAssist:
    """Recognises pedestrians who need more time at the curb, by one sensing method.

    Args:
        method: ``push_button``, ``opt_in_app``, ``camera_ai`` or ``radar``.
        sensing: the registry observations go to.
        rng: the sensing stream (button presses, camera errors).
        crosswalks: how many crosswalks are equipped.
        push_button_use, camera_recall, camera_false_positive_rate: see the scenario.
        driver_alerts: also warn connected vehicles through roadside units.
    """

    def __init__(
        self,
        method: str,
        sensing: Sensing,
        rng: np.random.Generator,
        crosswalks: int,
        push_button_use: float,
        camera_recall: float,
        camera_false_positive_rate: float,
        driver_alerts: bool,
    ) -> None:
        self.method = method
        self.sensing = sensing
        self.rng = rng
        self.push_button_use = push_button_use
        self.camera_recall = camera_recall
        self.camera_false_positive_rate = camera_false_positive_rate
        self.on_crossing = method == "radar"
        name, observes, identifiability, attributes, system = SENSORS[method]
        self.sensor = name
        sensing.register(
            Sensor(name, SERVICE, method, observes, identifiability, attributes, system, crosswalks)
        )
        if system != "signal_controllers":
            sensing.link(name, system, "recognise pedestrians who need more time")
        sensing.link(system, "signal_controllers", "extend pedestrian clearance")
        if driver_alerts:
            sensing.link(system, "roadside_units", "slow pedestrian on the crossing")
            sensing.link("roadside_units", "connected_vehicles", "driver alerts")

    def at_curb(self, crosswalk: Crosswalk, resident: Resident) -> bool:
        """``resident`` reached ``crosswalk``'s curb now; True if recognised as needing time."""
        method = self.method
        if method == "push_button":
            return resident.needs_time and self.rng.random() < self.push_button_use
        now = crosswalk.env.now
        if method == "opt_in_app":
            if not resident.opted_in:
                return False
            self.sensing.observe(
                self.sensor,
                now,
                resident.unique_id,
                node=crosswalk.node,
                disability=resident.impaired,
            )
            return resident.needs_time
        if method == "camera_ai":
            rate = self.camera_recall if resident.impaired else self.camera_false_positive_rate
            flagged = bool(self.rng.random() < rate)
            self.sensing.observe(
                self.sensor, now, resident.unique_id, node=crosswalk.node, disability=flagged
            )
            return flagged
        return False  # radar: senses the crossing, not the curb
