"""Service-efficiency outcomes from the run's trip and crossing tables."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from metrics.analytic import pedestrian_los

Table = Mapping[str, np.ndarray]


def _mean(values: np.ndarray) -> float | None:
    """Mean, or None (``null``: nothing to measure) for no values."""
    return float(values.mean()) if values.size else None


def _p90(values: np.ndarray) -> float | None:
    """90th percentile, or None for no values."""
    return float(np.percentile(values, 90)) if values.size else None


def control_delay(
    vehicle_trips: Table, unfinished: Table, warmup_s: float, demand_end_s: float
) -> float | None:
    """HCM control delay: mean delay of the vehicles that entered from ``warmup_s`` to
    ``demand_end_s``, each counted to the end of its trip; None unless all finished."""
    started = unfinished["start_s"]
    if ((started >= warmup_s) & (started < demand_end_s)).any():
        return None
    start = vehicle_trips["start_s"]
    period = (start >= warmup_s) & (start < demand_end_s)
    delay = vehicle_trips["end_s"] - start - vehicle_trips["freeflow_s"]
    return _mean(delay[period])


def vehicle_metrics(
    vehicle_trips: Table,
    unfinished: Table,
    warmup_s: float,
    end_s: float,
    demand_end_s: float | None = None,
) -> dict[str, float | int | None]:
    """Vehicle delay over every vehicle that entered after ``warmup_s``.

    A finished trip counts with its delay (travel time minus free-flow time);
    a trip still under way at ``end_s`` (or still waiting outside the district
    to enter it) counts with its delay so far. Counting finished trips alone
    would hide the longest delays exactly when queues grow without bound.
    Throughput is the trips that left the district after the warm-up per hour.
    Control delay counts the vehicles entering before ``demand_end_s`` (default
    ``end_s``) once all of them have finished (see :func:`control_delay`).
    """
    finished = vehicle_trips["start_s"] >= warmup_s
    finished_delay = (
        vehicle_trips["end_s"] - vehicle_trips["start_s"] - vehicle_trips["freeflow_s"]
    )[finished]
    late = unfinished["start_s"] >= warmup_s
    delay = np.concatenate([finished_delay, unfinished["delay_so_far_s"][late]])
    hours = (end_s - warmup_s) / 3600.0
    exits = int((vehicle_trips["end_s"] >= warmup_s).sum())
    return {
        "vehicle_trips_completed": int(finished.sum()),
        "vehicle_trips_unfinished": int(late.sum()),
        "vehicle_delay_s_mean": float(delay.mean()) if delay.size else None,
        "vehicle_delay_s_p90": _p90(delay) if delay.size else None,
        "vehicle_delay_s_mean_completed": _mean(finished_delay) if finished_delay.size else None,
        "vehicle_control_delay_s_mean": control_delay(
            vehicle_trips, unfinished, warmup_s, end_s if demand_end_s is None else demand_end_s
        ),
        "vehicle_stops_per_trip": _mean(vehicle_trips["stops"][finished]),
        "vehicles_in_network_end": int((unfinished["inside"] == 1).sum()),
        "vehicles_waiting_to_enter_end": int((unfinished["inside"] == 0).sum()),
        "vehicle_throughput_per_h": exits / hours if hours > 0 else None,
    }


def efficiency_metrics(
    vehicle_trips: Table,
    pedestrian_trips: Table,
    crossings: Table,
    warmup_s: float,
    unfinished: Table | None = None,
    end_s: float | None = None,
    demand_end_s: float | None = None,
) -> dict[str, float | int | str | None]:
    """The ``efficiency`` section of ``metrics.json``.

    Only trips and crossings that start at or after ``warmup_s`` count.
    Delay is travel time minus free-flow travel time; a pedestrian's free-flow
    time is the route length at the pedestrian's own walking speed. Vehicle
    delay also counts the trips still under way at ``end_s``; control delay
    those entering before ``demand_end_s`` (see :func:`vehicle_metrics`). A
    mean, percentile, rate or level of service with nothing to measure is None.
    """
    if unfinished is None:
        unfinished = {name: np.zeros(0) for name in ("start_s", "delay_so_far_s", "inside")}
    if end_s is None:
        end_s = float(max(vehicle_trips["end_s"].max(initial=warmup_s), warmup_s))
    walkers = pedestrian_trips["start_s"] >= warmup_s
    walker_delay = (
        pedestrian_trips["end_s"] - pedestrian_trips["start_s"] - pedestrian_trips["freeflow_s"]
    )[walkers]
    counted = crossings["arrive_s"] >= warmup_s
    wait = (crossings["start_s"] - crossings["arrive_s"])[counted]
    impaired = crossings["impaired"][counted] == 1
    stranded = crossings["stranded"][counted] == 1
    return {
        **vehicle_metrics(vehicle_trips, unfinished, warmup_s, end_s, demand_end_s),
        "pedestrian_trips_completed": int(walkers.sum()),
        "pedestrian_delay_s_mean": _mean(walker_delay),
        "pedestrian_signal_wait_s_mean": _mean(wait),
        "pedestrian_signal_wait_s_p90": _p90(wait),
        "pedestrian_signal_los": pedestrian_los(float(wait.mean())) if wait.size else None,
        "crossings": int(counted.sum()),
        "impaired_crossings": int(impaired.sum()),
        "stranded_crossings": int(stranded.sum()),
        "stranded_impaired_crossings": int((stranded & impaired).sum()),
        "stranded_crossings_per_1000_impaired": (
            1000.0 * float((stranded & impaired).sum()) / float(impaired.sum())
            if impaired.any()
            else None
        ),
        "slip_incidents": int(pedestrian_trips["slips"][walkers].sum()),
    }


def emergency_metrics(incidents: Table, warmup_s: float) -> dict[str, float | int | None]:
    """Response = incident call to the ambulance's arrival (waiting for a free ambulance,
    turnout and the drive), for incidents called in after ``warmup_s``."""
    counted = incidents["call_s"] >= warmup_s
    response = (incidents["arrive_s"] - incidents["call_s"])[counted]
    return {
        "emergency_responses": int(counted.sum()),
        "emergency_response_s_mean": _mean(response),
        "emergency_response_s_p90": _p90(response),
        "emergency_signal_delay_s_mean": _mean(incidents["signal_delay_s"][counted]),
    }


def vehicle_delay_hours(trips: Table, warmup_s: float) -> float:
    """Vehicle-hours of delay of the finished trips that started after the warm-up."""
    late = trips["start_s"] >= warmup_s
    delay = trips["end_s"] - trips["start_s"] - trips["freeflow_s"]
    return float(delay[late].sum()) / 3600.0
