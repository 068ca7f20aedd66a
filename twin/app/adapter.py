"""The model side of the explorer: a :class:`CityModel` built from controls, and where
its agents are right now.

The model is event-driven: a vehicle or pedestrian has no position between
events. The explorer watches each trip's events (without changing the model)
and places a moving agent by linear interpolation between the event it last
passed and the next one; queued vehicles and pedestrians waiting at a curb are
drawn where they wait. Positions are in blocks: x grows east, y grows south.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from simpy.events import Timeout

from agents.compass import STEP
from agents.pedestrian import Legs, Resident
from agents.vehicle import Route
from twin.app.controls import CONTROLS, available_controls, get_path
from twin.errors import TwinError
from twin.model import CityModel
from twin.scenario import Scenario, load_scenario
from twin.walkways import CORNER_OFFSET

#: The scenario the explorer opens when no file is given.
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
#: Simulated seconds per frame: about two minutes, and not a multiple of a signal cycle,
#: so successive frames catch the signals in different states.
DEFAULT_STEP_S = 110.0

Point = tuple[float, float]


def crosswalk_xy(node_xy: Point, leg: int) -> Point:
    """Middle of the crosswalk across ``leg`` of the intersection at ``node_xy``."""
    (ax, ay), (bx, by) = CORNER_OFFSET[(leg - 1) % 4], CORNER_OFFSET[leg]
    return (node_xy[0] + (ax + bx) / 2, node_xy[1] + (ay + by) / 2)


def _observed(
    inner: Generator[simpy.Event, Any, Any],
    on_event: Callable[[simpy.Event], None],
    on_end: Callable[[], object],
) -> Generator[simpy.Event, Any, Any]:
    """Run ``inner`` unchanged, calling ``on_event`` with every event it waits for."""
    try:
        event = next(inner)
        while True:
            on_event(event)
            try:
                value = yield event
            except GeneratorExit:
                inner.close()
                raise
            except BaseException as error:  # an interrupt: hand it to the trip
                event = inner.throw(error)
            else:
                event = inner.send(value)
    except StopIteration as stop:
        return stop.value
    finally:
        on_end()


@dataclass
class Move:
    """A straight-line (or polyline) move between two events."""

    points: np.ndarray  # (k, 2) polyline
    start_s: float
    end_s: float
    flag: bool = False  # pedestrians: reduced mobility

    def at(self, now: float) -> Point:
        """Position at ``now`` (linear in time along the polyline)."""
        share = (
            1.0
            if self.end_s <= self.start_s
            else (now - self.start_s) / (self.end_s - self.start_s)
        )
        share = min(max(share, 0.0), 1.0)
        steps = np.linalg.norm(np.diff(self.points, axis=0), axis=1)
        total = float(steps.sum())
        if total == 0.0:
            return (float(self.points[0, 0]), float(self.points[0, 1]))
        target = share * total
        cumulative = np.concatenate(([0.0], np.cumsum(steps)))
        i = min(int(np.searchsorted(cumulative, target, side="right")) - 1, len(steps) - 1)
        part = (target - cumulative[i]) / steps[i] if steps[i] else 0.0
        x, y = self.points[i] + part * (self.points[i + 1] - self.points[i])
        return (float(x), float(y))


def _end_of(event: simpy.Event, now: float) -> float:
    delay = getattr(event, "_delay", 0.0)
    return now + float(delay)


class ExplorerModel(CityModel):
    """A :class:`CityModel` built from a scenario file and the explorer's controls.

    Args:
        scenario_file: scenario YAML (default: the baseline district).
        step_s: simulated seconds per frame.
        scenario: ignored: Mesa 3.5's SolaraViz hands a Mesa scenario object to the
            model it rebuilds on reset; the twin's scenario comes from the file.
        **kwargs: values of the controls in :data:`twin.app.controls.CONTROLS`,
            by name; a control left out keeps the scenario's value.
    """

    def __init__(
        self,
        scenario_file: str = str(DEFAULT_SCENARIO),
        step_s: float = DEFAULT_STEP_S,
        scenario: object = None,
        **kwargs: Any,
    ) -> None:
        del scenario  # Mesa 3.5's SolaraViz passes its own (empty) scenario on reset
        scenario = build_scenario(scenario_file, kwargs)
        super().__init__(scenario, step_s=step_s)
        self.scenario_file = scenario_file
        self._vehicles: dict[int, Move] = {}
        self._pedestrians: dict[int, Move] = {}
        self._ambulances: dict[int, tuple[Sequence[Point], float]] = {}
        self._walks = 0
        self._runs = 0
        #: every model reporter's value at each frame (the live charts)
        self.frames: dict[str, list[float]] = {}
        self._watch()
        self._record_frame()

    def step(self) -> None:
        """Advance one frame and record the reporters' values for the live charts."""
        super().step()
        self._record_frame()

    def _record_frame(self) -> None:
        for key, reporter in self.datacollector.model_reporters.items():
            self.frames.setdefault(key, []).append(float(reporter(self)))

    # -- watching trips (the model is not changed) ----------------------------

    def _watch(self) -> None:
        drive, walk = self.traffic._drive, self.walking._walk
        self.traffic._drive = self._watched_drive(drive)  # type: ignore[method-assign]
        self.walking._walk = self._watched_walk(walk)  # type: ignore[method-assign]
        if self.emergency is not None:
            emergency = self.emergency
            lights, back = emergency._drive_with_lights, emergency._drive_back
            emergency._drive_with_lights = self._watched_ambulance(lights)  # type: ignore[method-assign]
            emergency._drive_back = self._watched_ambulance(back)  # type: ignore[method-assign]

    def node_xy(self, node: int) -> Point:
        """Position of intersection ``node``."""
        row, col = divmod(node, self.grid.cols)
        return (float(col), float(row))

    def _watched_drive(self, drive: Callable[..., Generator[simpy.Event, Any, Any]]) -> Any:
        def watched(trip: int, entry: int, exit_: int, route: Route) -> Any:
            legs = 0

            def on_event(event: simpy.Event) -> None:
                nonlocal legs
                if not isinstance(event, Timeout):
                    self._vehicles.pop(trip, None)  # queued: drawn with its approach
                    return
                if legs < len(route):
                    approach = route[legs][0]
                    x1, y1 = self.node_xy(approach.node)
                    dr, dc = STEP[approach.heading]
                    x0, y0 = x1 - dc, y1 - dr
                else:
                    approach, leaving = route[-1]
                    x0, y0 = self.node_xy(approach.node)
                    dr, dc = STEP[leaving] if leaving >= 0 else (0, 0)
                    x1, y1 = x0 + dc, y0 + dr
                legs += 1
                # keep to the right of the street
                ox, oy = -(y1 - y0) * 0.05, (x1 - x0) * 0.05
                points = np.array([[x0 + ox, y0 + oy], [x1 + ox, y1 + oy]])
                self._vehicles[trip] = Move(points, self.env.now, _end_of(event, self.env.now))

            return _observed(
                drive(trip, entry, exit_, route), on_event, lambda: self._vehicles.pop(trip, None)
            )

        return watched

    def _watched_walk(self, walk: Callable[..., Generator[simpy.Event, Any, Any]]) -> Any:
        def watched(resident: Resident, legs: Legs) -> Any:
            self._walks += 1
            key = self._walks
            leg = 0

            def on_event(event: simpy.Event) -> None:
                nonlocal leg
                if not isinstance(event, Timeout):
                    self._pedestrians.pop(key, None)  # waiting at a curb
                    return
                points = self._leg_points(legs, leg)
                leg += 1
                self._pedestrians[key] = Move(
                    points, self.env.now, _end_of(event, self.env.now), bool(resident.impaired)
                )

            return _observed(
                walk(resident, legs), on_event, lambda: self._pedestrians.pop(key, None)
            )

        return watched

    def _watched_ambulance(self, drive: Callable[..., Generator[simpy.Event, Any, Any]]) -> Any:
        def watched(route: Route) -> Any:
            self._runs += 1
            key = self._runs
            points: list[Point] = []
            if route:
                first = route[0][0]
                x, y = self.node_xy(first.node)
                dr, dc = STEP[first.heading]
                points = [(x - dc, y - dr)] + [self.node_xy(a.node) for a, _ in route]
            self._ambulances[key] = (points, self.env.now)
            return _observed(drive(route), lambda _: None, lambda: self._ambulances.pop(key, None))

        return watched

    def _leg_points(self, legs: Legs, index: int) -> np.ndarray:
        """Polyline of walking leg ``index``: past the previous crossing, along the
        sidewalks, to the next curb."""
        segments = self.walkways.segments_xy
        pieces, _, crosswalk = legs[index]
        before = legs[index - 1][2] if index > 0 else None
        points: list[Point] = []
        for segment, _ in pieces:
            if segment < 0:
                continue
            a, b = segments[segment]
            if not points:
                points = [a, b]
            elif np.allclose(points[-1], a):
                points.append(b)
            elif np.allclose(points[-1], b):
                points.append(a)
            elif np.allclose(points[0], a) or np.allclose(points[0], b):
                points.reverse()
                points.append(b if np.allclose(points[-1], a) else a)
            else:
                points.append(a)
                points.append(b)
        start = crosswalk_xy(self.node_xy(before.node), before.leg) if before else None
        end = crosswalk_xy(self.node_xy(crosswalk.node), crosswalk.leg) if crosswalk else None
        if len(points) == 2:
            near_end = end is not None and _dist(points[0], end) < _dist(points[1], end)
            near_start = start is not None and _dist(points[1], start) < _dist(points[0], start)
            if near_end or near_start:
                points.reverse()
        if start is not None:
            points.insert(0, start)
        if end is not None:
            points.append(end)
        if not points:
            points = [(0.0, 0.0)]
        return np.asarray(points, dtype=float)

    # -- what the map shows ---------------------------------------------------

    def vehicle_positions(self) -> np.ndarray:
        """(n, 2) positions of vehicles driving between stop lines."""
        now = self.env.now
        return np.array([m.at(now) for m in self._vehicles.values()]).reshape(-1, 2)

    def pedestrian_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, 2) positions of pedestrians walking, and which have reduced mobility."""
        now = self.env.now
        moves = list(self._pedestrians.values())
        xy = np.array([m.at(now) for m in moves]).reshape(-1, 2)
        return xy, np.array([m.flag for m in moves], dtype=bool)

    def ambulance_positions(self) -> np.ndarray:
        """(n, 2) positions of ambulances on the road, at free-flow progress."""
        now, link_s = self.env.now, self.grid.link_s
        out = []
        for points, start in self._ambulances.values():
            if not points:
                continue
            move = Move(np.asarray(points), start, start + link_s * (len(points) - 1))
            out.append(move.at(now))
        return np.array(out).reshape(-1, 2)


def _dist(a: Point, b: Point) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def build_scenario(scenario_file: str | Path, controls: dict[str, Any]) -> Scenario:
    """The scenario in ``scenario_file`` with the controls' values applied."""
    known = {control.name: control for control in CONTROLS}
    base = load_scenario(scenario_file)
    overrides: list[str] = []
    for name, value in controls.items():
        control = known.get(name)
        if control is None:
            raise TwinError(
                f"explorer: unknown control {name!r}; expected one of {', '.join(known)}"
            )
        if value is None:
            continue
        if name == "size":
            overrides += [f"city.rows={int(value)}", f"city.cols={int(value)}"]
        elif name == "demand":
            factor = float(value)
            overrides += [
                f"demand.vehicles_per_hour={base.demand.vehicles_per_hour * factor:g}",
                f"demand.pedestrians_per_hour={base.demand.pedestrians_per_hour * factor:g}",
            ]
        elif isinstance(value, bool):
            overrides.append(f"{control.path}={'true' if value else 'false'}")
        else:
            overrides.append(f"{control.path}={value}")
    return load_scenario(scenario_file, overrides) if overrides else base


def initial_values(scenario_file: str | Path) -> dict[str, Any]:
    """Each available control's starting value, read from the scenario file."""
    base = load_scenario(scenario_file)
    values: dict[str, Any] = {}
    for control in available_controls():
        if control.name == "size":
            values[control.name] = base.city.rows
        elif control.name == "demand":
            values[control.name] = 1.0
        else:
            values[control.name] = get_path(base, control.path)
    return values
