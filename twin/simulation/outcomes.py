"""The run's outcomes so far, for Mesa's DataCollector: what ``metrics.json`` reports at
the end (trips, delay, stranded crossings, conflicts; columns ``*_so_far``) read at
every sample while the model runs, the components an attack has down now, and per
agent (each intersection's queue, delay and stranded crossings; whether a sensor has
identified each resident).

Counted as ``metrics.json`` counts them (trips and crossings from the warm-up on), so the
row at the end of a run equals its ``efficiency`` values; conflicts are before driver
alerts. Read incrementally from the agents' logs (``ColumnLog.since``): a sample costs
the rows added since the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from metrics.safety import vehicle_pedestrian_conflicts

if TYPE_CHECKING:
    from twin.simulation.model import CityModel

__all__ = ["LiveOutcomes", "collect", "components_down"]


class LiveOutcomes:
    """Outcomes of ``model`` so far; :meth:`model_reporters` and :meth:`agent_reporters`
    are its DataCollector columns (refreshed once per simulated instant)."""

    def __init__(self, model: CityModel) -> None:
        self.model = model
        self.warmup_s = model.spec.warmup
        self._at = -1.0
        self._trips_read = 0
        self._walks_read = 0
        self._observations_read = 0
        self._passages_read = 0
        self._crossings_settled = 0  # crossings before this row have ended: final
        self._stranded_settled = np.zeros(len(model.streets.intersections), dtype=np.int64)
        self.vehicle_trips = 0
        self._delay_total_s = 0.0
        self.walking_trips = 0
        self.conflicts = 0
        self.stranded = np.zeros(len(model.streets.intersections), dtype=np.int64)
        self.vehicle_delay_s_mean: float | None = None
        self.identified: set[int] = set()

    # -- reporters ------------------------------------------------------------------

    def model_reporters(self) -> dict[str, Callable[[Any], object]]:
        """Columns of the DataCollector's model table, each ``f(model)``."""

        def read(name: str) -> Callable[[Any], object]:
            def reporter(model: Any) -> object:
                self.refresh()
                return getattr(self, name)

            return reporter

        def stranded(model: Any) -> int:
            self.refresh()
            return int(self.stranded.sum())

        def down(model: Any) -> int:
            return len(components_down(model))

        return {
            "vehicle_trips_completed_so_far": read("vehicle_trips"),
            "vehicle_delay_s_mean_so_far": read("vehicle_delay_s_mean"),
            "pedestrian_trips_completed_so_far": read("walking_trips"),
            "stranded_crossings_so_far": stranded,
            "vehicle_pedestrian_conflicts_so_far": read("conflicts"),
            "residents_identified_so_far": read("residents_identified"),
            "components_down": down,
        }

    def agent_reporters(self) -> dict[str, Callable[[Any], object]]:
        """Columns of the DataCollector's agent table, each ``f(agent)``: an intersection's
        ``intersection_*`` (vehicles queued now, mean stop-line delay and stranded
        crossings so far), a resident's ``resident_identified_so_far`` (whether a live
        sensor has identified them); ``None`` for the other kind of agent."""

        def at_intersection(read: Callable[[Any], object]) -> Callable[[Any], object]:
            def reporter(agent: Any) -> object:
                return read(agent) if hasattr(agent, "approaches") else None

            return reporter

        def identified(agent: Any) -> object:
            if not hasattr(agent, "anchors"):
                return None
            self.refresh()
            return agent.unique_id in self.identified

        return {
            "intersection_vehicles_queued": at_intersection(lambda agent: agent.vehicles_queued),
            "intersection_stop_line_delay_s_mean": at_intersection(
                lambda agent: agent.mean_delay_s
            ),
            "intersection_stranded_crossings_so_far": at_intersection(self._stranded_at),
            "resident_identified_so_far": identified,
        }

    @property
    def residents_identified(self) -> int:
        """Residents a live sensor has identified so far (observations made in bulk after
        the run, e.g. traffic monitoring's, are not here)."""
        return len(self.identified)

    def _stranded_at(self, intersection: Any) -> int:
        self.refresh()
        return int(self.stranded[intersection.node])

    # -- reading the logs -------------------------------------------------------------

    def refresh(self) -> None:
        """Read what the logs gained since the last refresh (once per simulated instant)."""
        model = self.model
        now = model.env.now
        if now == self._at:
            return
        self._at = now
        warmup = self.warmup_s
        trips = model.traffic.log.since(self._trips_read)
        self._trips_read += len(trips["start_s"])
        counted = trips["start_s"] >= warmup
        self.vehicle_trips += int(counted.sum())
        delay = trips["end_s"] - trips["start_s"] - trips["freeflow_s"]
        self._delay_total_s += float(delay[counted].sum())
        unfinished = model.traffic.unfinished()
        late = unfinished["start_s"] >= warmup
        entered = self.vehicle_trips + int(late.sum())
        so_far = self._delay_total_s + float(unfinished["delay_so_far_s"][late].sum())
        self.vehicle_delay_s_mean = so_far / entered if entered else None
        walks = model.walking.log.since(self._walks_read)
        self._walks_read += len(walks["start_s"])
        self.walking_trips += int((walks["start_s"] >= warmup).sum())
        self._read_crossings(now, at_end=now >= model.end_s)
        observations = model.sensing.log.since(self._observations_read)
        self._observations_read += len(observations["subject"])
        subjects = observations["subject"]
        self.identified.update(np.unique(subjects[subjects >= 0]).astype(int).tolist())

    def _read_crossings(self, now: float, at_end: bool) -> None:
        """Stranded crossings and conflicts. A crossing's row is final once it has ended
        (it can be found stranded until then); a passage is counted once its time has
        come (a departure can be scheduled ahead), against every crossing not yet final
        before it."""
        model = self.model
        crossings = model.crossing_log.since(self._crossings_settled)
        passages = model.traffic.passages.since(self._passages_read)
        due = np.ones(len(passages["time_s"]), dtype=bool) if at_end else passages["time_s"] <= now
        # passages are appended in event order: the due ones form a prefix up to the
        # first that is not (a vehicle given a later departure); the rest wait
        first_late = int(np.argmin(due)) if not due.all() else len(due)
        ready = {name: values[:first_late] for name, values in passages.items()}
        self._passages_read += first_late
        self.conflicts += vehicle_pedestrian_conflicts(ready, crossings, self.warmup_s)[0]
        counted = (crossings["stranded"] == 1) & (crossings["arrive_s"] >= self.warmup_s)
        nodes = len(self.stranded)
        ended = crossings["end_s"] <= now
        settled = int(np.argmin(ended)) if not ended.all() else len(ended)
        final = np.bincount(
            crossings["node"][:settled][counted[:settled]].astype(int), minlength=nodes
        )
        self._stranded_settled += final
        self._crossings_settled += settled
        pending = np.bincount(
            crossings["node"][settled:][counted[settled:]].astype(int), minlength=nodes
        )
        self.stranded = self._stranded_settled + pending


def collect(datacollector: Any, model: Any, agents: bool = True) -> None:
    """``datacollector.collect(model)``; without the agent table when ``agents`` is False.
    Run to the end, Mesa keys agent rows by step (0 throughout), so only the last row's
    are kept: reading them at every sample would cost a third of the run of a district
    of 5,000 residents for rows that are overwritten."""
    if agents:
        datacollector.collect(model)
        return
    reporters, datacollector.agent_reporters = datacollector.agent_reporters, {}
    try:
        datacollector.collect(model)
    finally:
        datacollector.agent_reporters = reporters


def components_down(model: Any) -> set[str]:
    """Components out of order now: those the scenario's and launched attacks took down
    (``model.compromised``) and any outage a service recorded (``Service.take_down``)."""
    now = model.env.now
    down = {
        outage.component
        for service in model.services.values()
        for outage in service.outages
        if outage.start_s <= now < outage.end_s
    }
    return down | set(model.compromised)
