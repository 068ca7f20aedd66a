"""Behaviour of the city's agents: signals, vehicles, pedestrians and their logs.

Agents never import ``twin`` or ``metrics``; they receive the clock, their
random streams and their parameters from the caller.
"""

from agents.approach import Approach
from agents.crosswalk import CROSSING_COLUMNS, Crosswalk
from agents.intersection import Intersection
from agents.log import ColumnLog
from agents.pedestrian import PEDESTRIAN_TRIP_COLUMNS, Resident, Walking, draw_walking_speeds
from agents.signal import SIGNAL_COLUMNS, SignalController, SignalTiming
from agents.vehicle import VEHICLE_TRIP_COLUMNS, Traffic

__all__ = [
    "CROSSING_COLUMNS",
    "PEDESTRIAN_TRIP_COLUMNS",
    "SIGNAL_COLUMNS",
    "VEHICLE_TRIP_COLUMNS",
    "Approach",
    "ColumnLog",
    "Crosswalk",
    "Intersection",
    "Resident",
    "SignalController",
    "SignalTiming",
    "Traffic",
    "Walking",
    "draw_walking_speeds",
]
