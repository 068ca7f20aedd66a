"""Smart-city digital twin: scenarios, city building, digital layer, attacks, runs and sweeps."""
