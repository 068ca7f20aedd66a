"""Smart-city digital twin: scenarios, city building, services, runs and results.

Use from Python::

    import twin
    scenario = twin.load("scenarios/baseline.yaml", {"duration": "1h"})
    result = twin.run(scenario)
    result.metrics["efficiency"]["vehicle_delay_s_mean"]
    twin.write(result, "results/mine")

``Scenario.with_changes({"city.rows": 6})`` gives a re-validated copy. The
command line is ``twin`` (``twin.cli.main``); the model is ``twin.simulation.model.CityModel``.
"""

from twin.api import load, run, write

__version__ = "0.1.0"
__all__ = ["__version__", "load", "run", "write"]
