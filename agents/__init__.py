"""Behaviour of the city's agents: signals, vehicles, pedestrians, ambulances,
sidewalks, the services' sensors, and the logs they leave.

Agents never import ``twin`` or ``metrics``; they receive the clock, their
random streams and their parameters from the caller.
"""

from agents.all_way_stop import FlashingRed
from agents.ambulance import EMERGENCY_COLUMNS, EmergencyService
from agents.approach import Approach
from agents.crossing_assist import METHODS, AssistMethod
from agents.crosswalk import CROSSING_COLUMNS, Crosswalk
from agents.heating_control import ACTIVATIONS, Activation
from agents.intersection import Intersection
from agents.log import ColumnLog
from agents.pedestrian import PEDESTRIAN_TRIP_COLUMNS, Resident, Walking, draw_walking_speeds
from agents.sensing import OBSERVATION_COLUMNS, Link, Sensing, Sensor
from agents.sidewalk import HeatingPlan, Sidewalks, Weather
from agents.signal import SIGNAL_COLUMNS, Preemption, SignalController, SignalTiming
from agents.vehicle import PASSAGE_COLUMNS, VEHICLE_TRIP_COLUMNS, Traffic

__all__ = [
    "ACTIVATIONS",
    "CROSSING_COLUMNS",
    "EMERGENCY_COLUMNS",
    "METHODS",
    "OBSERVATION_COLUMNS",
    "PASSAGE_COLUMNS",
    "PEDESTRIAN_TRIP_COLUMNS",
    "SIGNAL_COLUMNS",
    "VEHICLE_TRIP_COLUMNS",
    "Activation",
    "Approach",
    "AssistMethod",
    "ColumnLog",
    "Crosswalk",
    "EmergencyService",
    "FlashingRed",
    "HeatingPlan",
    "Intersection",
    "Link",
    "Preemption",
    "Resident",
    "Sensing",
    "Sensor",
    "Sidewalks",
    "SignalController",
    "SignalTiming",
    "Traffic",
    "Walking",
    "Weather",
    "draw_walking_speeds",
]
