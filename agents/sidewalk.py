"""Snow on the sidewalks, and the heating that melts it.

Depth is piecewise linear in time: each segment's net rate (snowfall - melt)
changes only at events (snowfall, schedule, warm-up done, cleared, hold over),
so depth, energy and snow-covered time are integrated analytically and
updated in bulk with numpy at those events.

Not modelled (assumptions): ploughing, shovelling, compaction by trampling, drifting,
refreezing, sun and shade; snow has one density and the air one temperature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from agents.heating_control import ACTIVATIONS
from agents.sensing import ANONYMOUS, Sensing, Sensor

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

# --- Snow and melting -------------------------------------------------------------------------
SNOW_DENSITY_KG_M3 = 100.0  # fresh snow, the common 10:1 snow-to-water ratio (assumption)
FUSION_KJ_KG = 334.0  # latent heat of fusion of ice
ICE_HEAT_KJ_KG_K = 2.1  # specific heat of ice
WATER_HEAT_KJ_KG_K = 4.186  # specific heat of water
WATER_DENSITY_KG_M3 = 1000.0
#: Unheated snow melts this many mm of water per degree-day above 0 °C (assumption: mid-range
#: of the degree-day factors used for snow in hydrology, about 2-6 mm/°C/day).
DEGREE_DAY_MM = 4.0
NATURAL_MELT_CM_PER_C_H = DEGREE_DAY_MM * WATER_DENSITY_KG_M3 / SNOW_DENSITY_KG_M3 / 10.0 / 24.0

# --- Holland, MI (docs/references.md): ~1 in/h at 20 °F; 4,700-5,500 gpm, 95/75 °F, ~600,000 ft²
HOLLAND_MELT_CM_H = 2.54
HOLLAND_AIR_C = (20.0 - 32.0) * 5.0 / 9.0
HOLLAND_FLOW_KG_S = 0.5 * (4700 + 5500) * 3.785411784e-3 / 60.0 * WATER_DENSITY_KG_M3  # mid gpm
HOLLAND_DELTA_K = (95.0 - 75.0) * 5.0 / 9.0
HOLLAND_AREA_M2 = 600_000 * 0.09290304
#: Heat delivered per m² of the Holland system: flow * c_w * ΔT / area (about 269 W/m²).
HOLLAND_FLUX_W_M2 = HOLLAND_FLOW_KG_S * WATER_HEAT_KJ_KG_K * 1e3 * HOLLAND_DELTA_K / HOLLAND_AREA_M2

# --- Control ------------------------------------------------------------------------------------
SEASON_MAX_C = 3.0  # heating season: air at or below this (assumption)

# --- Pedestrians on snow ------------------------------------------------------------------------
SNOW_COVERED_CM = 0.5  # depth from which a segment counts as snow-covered (assumption)
TYPICAL_PACE_MPS = 1.4
ICE_EXTRA_S_PER_KM = 120.0  # clean ice adds ~2 min/km (Fossum & Ryeng 2021, docs/references.md)
ICE_SPEED_FACTOR = (1000.0 / TYPICAL_PACE_MPS) / (1000.0 / TYPICAL_PACE_MPS + ICE_EXTRA_S_PER_KM)
DEEP_SNOW_SLOWDOWN_PER_CM = 0.01  # further speed loss per cm above the threshold (assumption)
SPEED_FACTOR_FLOOR = 0.6  # wading through deep unploughed snow (assumption)
#: Slips and near-falls (not injuries) per km walked on snow: an order-of-magnitude assumption
#: (one per ~50 km); the fall studies in docs/references.md count injurious falls, not a
#: rate per km walked.
SLIP_RATE_PER_KM = 0.02

_EPS_S = 1e-6  # tolerance on event times (float round-off of the SimPy clock)
_CLEAR_CM = 1e-6  # depth below this is bare pavement


def melt_rate_cm_h(flux_w_m2: float, air_c: float, efficiency: float = 1.0) -> float:
    """Snow depth (cm/h) melted by ``efficiency * flux_w_m2`` at air temperature ``air_c``."""
    kj_per_kg = FUSION_KJ_KG + ICE_HEAT_KJ_KG_K * max(0.0, -air_c)  # warm the ice to 0 °C, melt it
    return efficiency * flux_w_m2 * 3.6 / (SNOW_DENSITY_KG_M3 * 0.01 * kj_per_kg)


#: Share of the heat flux that reaches the snow (the rest is lost to air, ground and edges),
#: calibrated so that the Holland flux melts 1 in/h at 20 °F (about 0.91, an upper-end value).
MELT_EFFICIENCY = HOLLAND_MELT_CM_H / melt_rate_cm_h(HOLLAND_FLUX_W_M2, HOLLAND_AIR_C)


@dataclass(frozen=True)
class Weather:
    """Snowfall intervals ``(start_s, end_s, rate_cm_per_h)``, in time order and not
    overlapping (the scenario schema checks), and a constant air temperature."""

    snowfall: tuple[tuple[float, float, float], ...]
    temperature_c: float

    def rate_at(self, t: float) -> float:
        """Snowfall (cm/h) at time ``t``."""
        for start, end, rate in self.snowfall:
            if start - _EPS_S <= t < end - _EPS_S:
                return rate
        return 0.0


@dataclass(frozen=True)
class HeatingPlan:
    """How heated sidewalk segments are switched, and what they draw.

    Built from the scenario's ``services.sidewalk_heating`` section, which holds the
    defaults and validates them. ``slab_warmup_s`` is the heating warm-up
    (switch-on to full melting), not the run's statistics warm-up.
    """

    activation: str  # a key of ACTIVATIONS
    heat_flux_w_m2: float
    idle_flux_w_m2: float
    idling: bool
    slab_warmup_s: float
    schedule_hours: tuple[tuple[float, float], ...]
    occupancy_hold_s: float
    sidewalk_width_m: float
    start_hour: float = 0.0

    def in_window(self, t: float) -> bool:
        """True if sim time ``t`` falls in a schedule window (windows may wrap midnight)."""
        h = (self.start_hour + (t + _EPS_S) / 3600.0) % 24.0
        return any(a <= h < b if a < b else (h >= a or h < b) for a, b in self.schedule_hours)

    def next_boundary(self, now: float) -> float:
        """First sim time after ``now`` at which a schedule window opens or closes."""
        best = math.inf
        for edge in (h for window in self.schedule_hours for h in window):
            base = ((edge - self.start_hour) * 3600.0) % 86400.0
            best = min(best, base + math.ceil((now + _EPS_S - base) / 86400.0) * 86400.0)
        return best


class Sidewalks:
    """Snow depth and heating on every sidewalk segment.

    Args:
        env: the simulation clock.
        lengths_m: length of each segment.
        heated: which segments have a heated slab.
        weather: snowfall and air temperature.
        plan: how heated segments are switched.
        sensing: where the heating controller's sensors are declared and log observations.
        warmup_s: the run's statistics warm-up; accounting counts only time after it.
        service: the service deploying it (its sensors' ``service`` and system).
    """

    def __init__(
        self,
        env: simpy.Environment,
        lengths_m: np.ndarray,
        heated: np.ndarray,
        weather: Weather,
        plan: HeatingPlan,
        sensing: Sensing | None = None,
        warmup_s: float = 0.0,
        service: str = "",
    ) -> None:
        self.env = env
        self.lengths_m = np.asarray(lengths_m, dtype=float)
        self.heated = np.asarray(heated, dtype=bool)
        if self.heated.shape != self.lengths_m.shape:
            raise ValueError("lengths_m and heated must have one entry per segment")
        self.weather, self.plan, self.sensing, self.warmup_s = weather, plan, sensing, warmup_s
        n = len(self.lengths_m)
        self.n_heated = int(self.heated.sum())
        self._area = np.where(self.heated, self.lengths_m * plan.sidewalk_width_m, 0.0)
        temperature = weather.temperature_c
        self.season = temperature <= SEASON_MAX_C
        self.natural_melt_cm_h = NATURAL_MELT_CM_PER_C_H * max(0.0, temperature)
        self.heated_melt_cm_h = melt_rate_cm_h(plan.heat_flux_w_m2, temperature, MELT_EFFICIENCY)
        self.control = control = ACTIVATIONS[plan.activation]()
        self._idles = plan.idling and self.season and control.may_idle
        # An always-on slab has been on since before the run, so it is already warm.
        self._heatup_s = 0.0 if self._idles or control.warm_at_start else plan.slab_warmup_s
        self._all = np.arange(n)
        self._t = np.full(n, float(env.now))  # time each segment's state below refers to
        self._depth = np.zeros(n)  # cm at self._t
        self._rate = np.zeros(n)  # net cm/h since self._t
        self._flux = np.zeros(n)  # W/m² drawn since self._t
        self._on = np.zeros(n, dtype=bool)
        self._melt_from = np.full(n, math.inf)  # when an ON slab is warm enough to melt
        self.clear_since = np.full(n, math.nan)  # pavement sensor: snow-free and dry since
        self.hold_until = np.full(n, -math.inf)  # occupancy camera: on until
        self._timer_at = np.full(n, math.inf)  # pending timer of each segment
        self._acc = np.zeros((3, n))  # kWh, ON s, snow-covered s, up to self._t
        self._snow_cm_h = weather.rate_at(env.now)
        #: the heating controller is down (a cyberattack): every slab is off
        self.forced_off = False
        declared = control.declaration(service, self.n_heated)
        #: the sensor that observes pedestrians walking onto heated segments, if any
        self._camera = declared.name if declared and control.watches_people and sensing else None
        self._watches = control.watches_people
        if sensing is not None and declared is not None:
            self._declare(sensing, declared)
        self._update(self._all)
        env.process(self._timeline())

    def _declare(self, sensing: Sensing, sensor: Sensor) -> None:
        """Register the controller's sensors (one per heated segment) and the links they need."""
        sensing.register(sensor)
        sensing.link(sensor.name, "heating_controller", "switch heating")
        if sensor.identifiability != ANONYMOUS:
            sensing.link(sensor.name, "camera_vendor_cloud", "video analytics")

    def force_off(self, off: bool) -> None:
        """The heating controller stops (``True``) or works again (``False``) from now."""
        self.forced_off = off
        self._update(self._all)

    # --- the pedestrians' interface ---------------------------------------------------------
    def walk_onto(self, segment: int, resident: int) -> None:
        """``resident`` starts walking ``segment`` now: seen by its camera, may switch it on."""
        if not self.heated.item(segment):
            return
        now = self.env.now
        if self._camera is not None and self.sensing is not None:
            self.sensing.observe(self._camera, now, subject=resident, segment=segment)
        if not self._watches:
            return
        if self._snow_cm_h > 0 or self.depth_cm(segment) > 0:  # seen while there is snow
            self.hold_until[segment] = now + self.plan.occupancy_hold_s
            if not self._on.item(segment):
                self._update(np.array([segment]))

    def depth_cm(self, segment: int) -> float:
        """Snow depth on ``segment`` now."""
        dt_h = (self.env.now - self._t.item(segment)) / 3600.0  # .item(): plain floats are faster
        depth = self._depth.item(segment) + self._rate.item(segment) * dt_h
        return depth if depth >= _CLEAR_CM else 0.0

    def depths_cm(self) -> np.ndarray:
        """Snow depth on every segment now."""
        return self._peek(self._all, self.env.now)[1]

    def speed_factor(self, segment: int) -> float:
        """Multiplier (<= 1) on walking speed for the snow on ``segment`` now."""
        depth = self.depth_cm(segment)
        if depth < SNOW_COVERED_CM:
            return 1.0
        slower = ICE_SPEED_FACTOR - DEEP_SNOW_SLOWDOWN_PER_CM * (depth - SNOW_COVERED_CM)
        return max(SPEED_FACTOR_FLOOR, slower)

    def slip_probability(self, segment: int, metres: float) -> float:
        """Probability of at least one slip or near-fall walking ``metres`` of ``segment`` now."""
        if self.depth_cm(segment) < SNOW_COVERED_CM:
            return 0.0
        return -math.expm1(-SLIP_RATE_PER_KM * metres / 1000.0)

    def heating_on(self) -> np.ndarray:
        """Which segments are switched ON (full flux) now."""
        return self._on.copy()

    @property
    def on_share(self) -> float:
        """Share of heated segments switched ON now."""
        return float(self._on[self.heated].mean()) if self.n_heated else 0.0

    @property
    def heated_area_m2(self) -> float:
        """Heated sidewalk area."""
        return float(self._area.sum())

    @property
    def energy_kwh(self) -> float:
        """Heating energy after the run's warm-up, so far."""
        return float(self._totals()[0].sum())

    @property
    def active_hours(self) -> float:
        """Mean hours ON per heated segment after the run's warm-up, so far."""
        on_s = self._totals()[1][self.heated]
        return float(on_s.mean() / 3600.0) if self.n_heated else 0.0

    @property
    def snow_covered_km_h(self) -> float:
        """Sum of km of sidewalk with depth >= 0.5 cm times hours, after the warm-up, so far."""
        return float(self.lengths_m @ self._totals()[2] / 3.6e6)

    def _totals(self) -> np.ndarray:
        """kWh, ON seconds and snow-covered seconds per segment (rows), so far."""
        return self._acc + self._peek(self._all, self.env.now)[0]

    # --- the event machinery ----------------------------------------------------------------
    def _timeline(self) -> Generator[simpy.Event, object, None]:
        """Wake at every change of snowfall and of the heating schedule."""
        edges = sorted({t for start, end, _ in self.weather.snowfall for t in (start, end)})
        scheduled = self.control.scheduled and self.season
        while True:
            now = self.env.now
            nxt = min((t for t in edges if t > now + _EPS_S), default=math.inf)
            if scheduled:
                nxt = min(nxt, self.plan.next_boundary(now))
            if nxt == math.inf:
                return
            yield self.env.timeout(nxt - now)
            self._snow_cm_h = self.weather.rate_at(self.env.now)
            self._update(self._all)

    def _peek(self, idx: np.ndarray, now: float) -> tuple[np.ndarray, np.ndarray]:
        """kWh, ON s and snow-covered s (rows) accrued since the last update; depth now."""
        t0, d0, rate = self._t[idx], self._depth[idx], self._rate[idx] / 3600.0
        start = np.maximum(t0, self.warmup_s)
        counted = np.maximum(0.0, now - start)
        kwh = self._flux[idx] * self._area[idx] * counted / 3.6e6
        on_s = np.where(self._on[idx], counted, 0.0)
        # The depth is >= the threshold on one interval [lo, hi]; it is linear above zero.
        safe = np.where(rate != 0.0, rate, 1.0)
        crossing = t0 + (SNOW_COVERED_CM - d0) / safe
        above = d0 >= SNOW_COVERED_CM
        lo = np.where(above, -math.inf, np.where(rate > 0, crossing, math.inf))
        hi = np.where(above & (rate < 0), crossing, math.inf)
        covered = np.maximum(0.0, np.minimum(now, hi) - np.maximum(start, lo))
        depth = np.maximum(0.0, d0 + rate * (now - t0))
        depth[depth < _CLEAR_CM] = 0.0
        return np.stack([kwh, on_s, covered]), depth

    def _update(self, idx: np.ndarray) -> None:
        """Bring segments ``idx`` to now, re-decide their heating, and set their next timers."""
        now = self.env.now
        accrued, depth = self._peek(idx, now)
        self._acc[:, idx] += accrued
        self._depth[idx], self._t[idx] = depth, now
        snowing = self._snow_cm_h > 0
        was_on = self._on[idx]
        on, due = self.control.decide(self, idx, depth, snowing, was_on, now)
        if self.forced_off:
            on = np.zeros_like(on)
        switched = idx[on & ~was_on]
        self._melt_from[switched] = now + self._heatup_s
        self._on[idx] = on
        melting = on & (now >= self._melt_from[idx] - _EPS_S)
        idle = self.plan.idle_flux_w_m2 if self._idles else 0.0
        self._flux[idx] = np.where(
            on, self.plan.heat_flux_w_m2, np.where(self.heated[idx], idle, 0.0)
        )
        melt = self.natural_melt_cm_h + np.where(melting, self.heated_melt_cm_h, 0.0)
        self._rate[idx] = self._snow_cm_h - melt
        due = np.where(on & ~melting, np.minimum(due, self._melt_from[idx]), due)
        if self.control.stops_when_clear and not snowing:
            falling = on & (depth > 0) & (self._rate[idx] < 0)
            zero_at = now + depth / np.where(falling, -self._rate[idx], 1.0) * 3600.0
            due = np.where(falling, np.minimum(due, zero_at), due)
        self._schedule(idx, due)

    def _schedule(self, idx: np.ndarray, due: np.ndarray) -> None:
        """One SimPy timeout per distinct time, for segments not already woken earlier."""
        sooner = due < self._timer_at[idx] - _EPS_S
        idx, due = idx[sooner], due[sooner]
        self._timer_at[idx] = due
        for when in np.unique(due):
            segments = idx[due == when]
            timeout = self.env.timeout(max(0.0, float(when) - self.env.now))
            timeout.callbacks.append(partial(self._wake, float(when), segments))

    def _wake(self, when: float, segments: np.ndarray, _: simpy.Event) -> None:
        mine = segments[np.abs(self._timer_at[segments] - when) <= _EPS_S]
        if mine.size:
            self._timer_at[mine] = math.inf
            self._update(mine)
