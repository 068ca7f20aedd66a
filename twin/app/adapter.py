"""The model side of the explorer: a :class:`CityModel` built from controls, and where
its agents are right now.

The model is event-driven: a vehicle or pedestrian has no position between
events. The explorer registers as the optional watcher of the vehicles,
pedestrians and ambulances (``Traffic.watchers``, ``Walking.watchers``,
``EmergencyService.watchers``: read-only hooks that leave the run unchanged) and
places a moving agent by linear interpolation between the event it last passed
and the next one; queued vehicles and pedestrians waiting at a curb are drawn
where they wait. Positions are metres on the street graph's plane: x east, y north.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.pedestrian import Legs, Resident
from agents.vehicle import Route
from metrics.privacy import AGGREGATE
from twin.app.controls import all_controls, available_controls, scenario_value
from twin.digital.policy import records_for_policy
from twin.digital.records import observations_from_sensing
from twin.digital.retention import record_retention
from twin.district.walkways import Walkways
from twin.errors import TwinError
from twin.scenario import Scenario, load_scenario
from twin.scenario.loading import DEFAULT_SCENARIO
from twin.simulation.model import CityModel

#: Simulated seconds per frame: about two minutes, and not a multiple of a signal cycle,
#: so successive frames catch the signals in different states.
DEFAULT_STEP_S = 110.0
#: Live privacy indicators (the ``privacy`` chart), from what the live sensors observed.
PRIVACY_SERIES = ("privacy_people_identified", "privacy_records_held", "privacy_people_in_records")

Point = tuple[float, float]
#: Vehicles are drawn this far right of a street's centre line (m).
KEEP_RIGHT_M = 4.0


def crosswalk_xy(walkways: Walkways, node: int, leg: int) -> Point:
    """Middle of the crosswalk across ``leg`` of intersection ``node`` (m)."""
    k = int(walkways.corner_base[node + 1] - walkways.corner_base[node])
    a = walkways.corner_xy[walkways.corner(node, (leg - 1) % k)]
    b = walkways.corner_xy[walkways.corner(node, leg)]
    return (float(a[0] + b[0]) / 2, float(a[1] + b[1]) / 2)


@dataclass
class Detections:
    """What the sensors observed during the last frame (from ``model.sensing``)."""

    sensor: list[str] = field(default_factory=list)
    node: np.ndarray = field(default_factory=lambda: np.empty(0))
    segment: np.ndarray = field(default_factory=lambda: np.empty(0))
    identified: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))


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


class ExplorerModel(CityModel):
    """A :class:`CityModel` built from a scenario file and the explorer's controls.

    Args:
        scenario_file: scenario YAML (default: the baseline district).
        step_s: simulated seconds per frame.
        scenario: ignored: Mesa 3.5's SolaraViz hands a Mesa scenario object to the
            model it rebuilds on reset; the twin's scenario comes from the file.
        settings: the explorer page's control values, by control name. The page's
            controls change this very mapping and Mesa's Reset hands it to the next
            model, which is built from its values then (see ``settings``).
        seed: the run's seed (default: the scenario's).
        **kwargs: values of the controls (``twin.app.controls.all_controls``),
            by name, over ``settings``; a control left out keeps the scenario's value.
    """

    def __init__(
        self,
        scenario_file: str = str(DEFAULT_SCENARIO),
        step_s: float = DEFAULT_STEP_S,
        scenario: object = None,
        settings: dict[str, Any] | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        del scenario  # Mesa 3.5's SolaraViz passes its own (empty) scenario on reset
        values = {**(settings or {}), **kwargs}
        scenario = build_scenario(scenario_file, values)
        super().__init__(scenario, step_s=step_s, seed=seed)
        self.scenario_file = scenario_file
        #: the controls' values for the next Reset (the page edits the mapping it was given)
        self.settings: dict[str, Any] = settings if settings is not None else dict(values)
        self._vehicles: dict[int, Move] = {}
        self._pedestrians: dict[int, Move] = {}
        self._ambulances: dict[int, tuple[Sequence[Point], float, float]] = {}
        self._observations_seen = 0
        self._systems = sorted({s.system for s in self.sensing.sensors.values()})
        self._resident_ids = np.array([r.unique_id for r in self.residents], dtype=np.int64)
        self._links = [(link.source, link.target) for link in self.sensing.links]
        self._identified: set[int] = set()
        #: person-level records the policy lets the stores keep: time, person, retention (s)
        self._records = np.empty((0, 3))
        #: what the sensors observed during the last frame
        self.detections = Detections()
        #: every model reporter's value at each frame (the live charts)
        self.frames: dict[str, list[float]] = {}
        # the page reads model reporters only: no per-agent rows at every frame
        self.datacollector.agent_reporters = {}
        self.traffic.watchers.append(self)
        self.walking.watchers.append(self)
        #: some service runs ambulances (drawn, and in the legend)
        self.has_ambulances = any(s.attach(self) for s in self.services.values())
        self._record_frame()

    # -- frames -------------------------------------------------------------------

    def step(self) -> None:
        """Advance one frame and record the reporters' values for the live charts."""
        before = self.env.now
        super().step()
        if self.env.now > before:  # not the step that finds the end
            self._record_frame()

    def _record_frame(self) -> None:
        for key, reporter in self.datacollector.model_reporters.items():
            value = reporter(self)
            self.frames.setdefault(key, []).append(float("nan") if value is None else float(value))
        self._read_observations()
        now = self.env.now
        held = self._records[now - self._records[:, 0] < self._records[:, 2]]
        self._records = held  # deleted records never come back
        values = (len(self._identified), len(held), len(np.unique(held[:, 1])))
        for key, value in zip(PRIVACY_SERIES, values, strict=True):
            self.frames.setdefault(key, []).append(float(value))

    def _read_observations(self) -> None:
        """What the live sensors saw since the last frame (new rows of ``sensing.log``),
        and the person-level records the policy keeps of it.

        The policy is applied by the digital layer's own rule
        (``twin.digital.policy.records_for_policy``); a record is held while younger than its
        class's retention.
        """
        log = self.sensing.log
        new = log.since(self._observations_seen)
        self._observations_seen = len(log)
        sensors = list(self.sensing.sensors.values())
        subject = new["subject"]
        identified = subject >= 0
        self._identified.update(subject[identified].astype(int).tolist())
        self.detections = Detections(
            [sensors[int(i)].name for i in new["sensor"]],
            new["node"].astype(int),
            new["segment"].astype(int),
            identified,
        )
        policy = self.spec.policy
        observations = observations_from_sensing(new, sensors, self._systems, self._resident_ids)
        records = records_for_policy(observations, self._systems, policy, self._links)
        identifiable = records.cls != AGGREGATE
        retention = record_retention(records, policy.retention)
        kept = np.column_stack([records.time_s, records.person, retention])[identifiable]
        self._records = np.concatenate([self._records, kept])

    def node_xy(self, node: int) -> Point:
        """Position of node ``node`` (m; x east, y north)."""
        return (float(self.graph.x_m[node]), float(self.graph.y_m[node]))

    def link_points(self, link: int, keep_right_m: float = KEEP_RIGHT_M) -> np.ndarray:
        """From the start to the end of ``link``, shifted to the right of the street."""
        tail, head, _ = self.graph.links[link]
        (x0, y0), (x1, y1) = self.node_xy(tail), self.node_xy(head)
        length = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
        ox, oy = (y1 - y0) / length * keep_right_m, -(x1 - x0) / length * keep_right_m
        return np.array([[x0 + ox, y0 + oy], [x1 + ox, y1 + oy]])

    # -- watching (read-only hooks of the agents) ------------------------------

    def vehicle_moving(
        self, trip: int, route: Route, index: int, leave_s: float, arrive_s: float
    ) -> None:
        """A vehicle sets off (or is given a departure) towards stop line ``index``."""
        if not route.links:
            return
        link = route.stops[index].link if index < len(route) else route.links[-1]
        # before ``leave_s`` it stands at the stop line it was given a departure from
        self._vehicles[trip] = Move(self.link_points(link), leave_s, arrive_s)

    def vehicle_waiting(self, trip: int) -> None:
        """Queued: drawn with its approach (or outside the district: not drawn)."""
        self._vehicles.pop(trip, None)

    def vehicle_done(self, trip: int) -> None:
        self._vehicles.pop(trip, None)

    def walker_moving(
        self, trip: int, resident: Resident, legs: Legs, index: int, start_s: float, end_s: float
    ) -> None:
        """A pedestrian crosses (if at a curb) and walks leg ``index`` of their route."""
        points = self._leg_points(legs, index)
        self._pedestrians[trip] = Move(points, start_s, end_s, bool(resident.impaired))

    def walker_waiting(self, trip: int) -> None:
        """At a curb: drawn with the crowd waiting there."""
        self._pedestrians.pop(trip, None)

    def walker_done(self, trip: int) -> None:
        self._pedestrians.pop(trip, None)

    def ambulance_driving(self, incident: int, route: Route, lights: bool) -> None:
        """An ambulance sets off along ``route`` (drawn at free-flow progress)."""
        graph = self.graph
        points: list[Point] = []
        if route.links:
            points = [self.node_xy(graph.links[route.links[0]][0])]
            points += [self.node_xy(graph.links[k][1]) for k in route.links]
        self._ambulances[incident] = (points, self.env.now, route.freeflow_s)

    def ambulance_stopped(self, incident: int) -> None:
        self._ambulances.pop(incident, None)

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
        walkways = self.walkways
        start = crosswalk_xy(walkways, before.node, before.leg) if before else None
        end = crosswalk_xy(walkways, crosswalk.node, crosswalk.leg) if crosswalk else None
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
        now = self.env.now
        out = []
        for points, start, drive_s in self._ambulances.values():
            if not points:
                continue
            out.append(Move(np.asarray(points), start, start + drive_s).at(now))
        return np.array(out).reshape(-1, 2)


def _dist(a: Point, b: Point) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def build_scenario(scenario_file: str | Path, controls: dict[str, Any]) -> Scenario:
    """The scenario in ``scenario_file`` with the controls' values applied, counted from
    the start (no warm-up: the costs panel moves from the first frame)."""
    known = {control.name: control for control in all_controls()}
    base = load_scenario(scenario_file)
    overrides = ["warmup=0s"]  # the explorer counts from its first frame
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
    return load_scenario(scenario_file, overrides)


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
            values[control.name] = scenario_value(base, control)
    return values
