"""Outcomes of a run: efficiency metrics, time series, analytic references, plots.

``metrics`` reads plain tables (mappings of column name to numpy array); it
never imports the simulation. ``metrics.plots``, ``metrics.service_plots``
and ``metrics.winter_plots`` need matplotlib and are imported on their own.
"""

from metrics.analytic import (
    degree_of_saturation,
    hcm_signal_delay,
    pedestrian_los,
    pedestrian_signal_delay,
    webster_delay,
)
from metrics.efficiency import efficiency_metrics, emergency_metrics
from metrics.privacy import exposure_over_time, privacy_metrics
from metrics.safety import vehicle_pedestrian_conflicts
from metrics.timeseries import time_series

__all__ = [
    "degree_of_saturation",
    "efficiency_metrics",
    "emergency_metrics",
    "exposure_over_time",
    "hcm_signal_delay",
    "pedestrian_los",
    "pedestrian_signal_delay",
    "privacy_metrics",
    "time_series",
    "vehicle_pedestrian_conflicts",
    "webster_delay",
]
