"""Smart-city digital twin: scenarios, city building, services, runs and results.

The public entry points: ``twin.scenario.load_scenario`` / ``parse_scenario``,
``twin.model.CityModel``, ``twin.runner.run_scenario`` and the ``twin`` command
(``twin.cli.main``).
"""
