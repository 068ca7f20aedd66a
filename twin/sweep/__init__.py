"""Policy sweeps: combinations x replications, run locally or on Dask, into SQLite."""

from twin.sweep.db import ResultsDB, RunRow, flatten_metrics
from twin.sweep.executor import SweepCheck, SweepSummary, check_sweep, run_sweep
from twin.sweep.spec import RunSpec, SweepSpec, load_sweep, seeds_for

__all__ = [
    "ResultsDB",
    "RunRow",
    "RunSpec",
    "SweepCheck",
    "SweepSpec",
    "SweepSummary",
    "check_sweep",
    "flatten_metrics",
    "load_sweep",
    "run_sweep",
    "seeds_for",
]
