"""Signal control: the controllers at every intersection and the traffic management centre.

Always on. Its parts are what an attack on the signals reaches: each
intersection's controller (which keeps the records of the sensors wired to it)
and the centre other systems reach the controllers through. A fallen controller
trips its conflict monitor and flashes red: its approaches discharge as an
all-way stop (HCM 6th ed. Ch. 21 headways) until it is restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.services.base import DRIVERS, PEDESTRIANS, BuildContext, Part, Service, register

if TYPE_CHECKING:
    from twin.scenario import Scenario

__all__ = ["CONTROLLERS", "SignalControl"]

CONTROLLERS = "signal_controllers"
CENTRE = "traffic_management"


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
        env, streets = self.context.env, self.context.streets
        controller = streets.intersections[node].controller
        if controller is None:
            return  # an all-way stop already: nothing to fall back to
        controller.fail_safe(max(start_s, env.now), end_s, streets.all_way_stop(node))
