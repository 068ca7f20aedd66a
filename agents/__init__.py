"""Behaviour of the city's agents: signals, vehicles, pedestrians, ambulances,
sidewalks, the services' sensors, and the logs they leave.

Agents never import ``twin`` or ``metrics``; they receive the clock, their
random streams and their parameters from the caller.

Importing the package imports nothing else: each name below is loaded from its module
on first use, so ``import agents.sensing`` does not pull in Mesa.
"""

from importlib import import_module

#: Public name -> the module that defines it.
_HOME = {
    "ACTIVATIONS": "agents.heating_control",
    "Activation": "agents.heating_control",
    "Approach": "agents.approach",
    "AssistMethod": "agents.crossing_assist",
    "CROSSING_COLUMNS": "agents.crosswalk",
    "ColumnLog": "agents.log",
    "Crosswalk": "agents.crosswalk",
    "EMERGENCY_COLUMNS": "agents.ambulance",
    "EmergencyService": "agents.ambulance",
    "FlashingRed": "agents.all_way_stop",
    "HeatingPlan": "agents.sidewalk",
    "Intersection": "agents.intersection",
    "Link": "agents.sensing",
    "METHODS": "agents.crossing_assist",
    "OBSERVATION_COLUMNS": "agents.sensing",
    "PASSAGE_COLUMNS": "agents.vehicle",
    "PEDESTRIAN_TRIP_COLUMNS": "agents.pedestrian",
    "Preemption": "agents.signal_timing",
    "Resident": "agents.pedestrian",
    "SIGNAL_COLUMNS": "agents.signal",
    "Sensing": "agents.sensing",
    "Sensor": "agents.sensing",
    "Sidewalks": "agents.sidewalk",
    "SignalController": "agents.signal",
    "SignalTiming": "agents.signal_timing",
    "Traffic": "agents.vehicle",
    "VEHICLE_TRIP_COLUMNS": "agents.vehicle",
    "Walking": "agents.pedestrian",
    "Weather": "agents.sidewalk",
    "draw_walking_speeds": "agents.pedestrian",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> object:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
