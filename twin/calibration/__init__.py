"""Calibration of vehicle demand to traffic counts (``twin calibrate``): GEH, the routes'
link use, the origin-destination fit and its check by simulation."""
