"""Signal control: the controllers at every intersection and the traffic management centre.

Always on. Its parts are what an attack on the signals reaches: each
intersection's controller (which keeps the records of the sensors wired to it)
and the centre other systems reach the controllers through. A fallen controller
trips its conflict monitor and flashes red: its approaches discharge as an
all-way stop (HCM 6th ed. Ch. 21 headways) until it is restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.all_way_stop import FlashingRed
from metrics.analytic import AWSC_CASE_HEADWAY_S
from twin.services.base import DRIVERS, PEDESTRIANS, BuildContext, Part, Service, register

if TYPE_CHECKING:
    from twin.scenario import Scenario

__all__ = ["AWSC_STOP_S", "CONTROLLERS", "SignalControl"]

CONTROLLERS = "signal_controllers"
CENTRE = "traffic_management"
#: Time lost by a vehicle that has to stop at an otherwise empty all-way stop (s): the
#: constant the HCM adds to all-way-stop control delay for deceleration and acceleration.
AWSC_STOP_S = 5.0


@register
class SignalControl(Service):
    """The signal controllers (``signals``) and the traffic management centre."""

    name = "signal_control"

    def __init__(self, scenario: Scenario, context: BuildContext) -> None:
        super().__init__(scenario, context)
        context.sensing.link(CENTRE, CONTROLLERS, "signal timing plans")

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return True

    def functions(self) -> dict[str, tuple[str, ...]]:
        return {self.name: (PEDESTRIANS, DRIVERS)}

    def parts(self) -> tuple[Part, ...]:
        return (
            Part(
                CONTROLLERS,
                "traffic",
                (self.name,),
                per_intersection=True,
                keeps_records=True,
                reached_through=CENTRE,
            ),
            Part(CENTRE, "traffic", (self.name,)),
        )

    def take_down(
        self, component: str, functions: tuple[str, ...], start_s: float, end_s: float
    ) -> None:
        """A fallen controller ``signal_controllers:i`` flashes red from ``start_s`` to
        ``end_s`` (an all-way stop), then resumes its plan; the centre and anything
        upstream of it leave the controllers running their local plans."""
        super().take_down(component, functions, start_s, end_s)
        kind, _, index = component.partition(":")
        if kind == CONTROLLERS and index:
            self.flash(int(index), start_s, end_s)

    def flash(self, node: int, start_s: float, end_s: float) -> None:
        """Intersection ``node``'s controller flashes red from ``start_s`` to ``end_s``."""
        env = self.context.env
        intersection = self.context.grid.intersections[node]
        red = FlashingRed(env, intersection.approaches, AWSC_CASE_HEADWAY_S, 0.0, AWSC_STOP_S)
        intersection.controller.fail_safe(max(start_s, env.now), end_s, red)
