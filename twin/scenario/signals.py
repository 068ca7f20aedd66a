"""The ``signals`` section: the district's signal plan (fixed-time cycle and split,
actuated and adaptive control settings, offsets) and the local plans that replace it at
single intersections."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from twin.scenario.base import PHASE_NAMES, NonNegativeDuration, Phase, PositiveDuration, Section

__all__ = ["Control", "Offsets", "SignalOverride", "Signals"]


Offsets = Literal["none", "green_wave_ew", "green_wave_ns", "random"]
Control = Literal["fixed", "actuated", "adaptive"]


class SignalOverride(Section):
    """A local plan: one intersection's own cycle, split, control or offset."""

    at: tuple[int, int] | int = Field(
        description="The intersection: [row, col] on a grid (indices), its OpenStreetMap node "
        "id on a map (integer)."
    )
    control: Control | None = Field(
        default=None, description="Signal program here (choice; default: the district's)."
    )
    cycle_s: PositiveDuration | None = Field(
        default=None, description="Fixed-time cycle length here (s; default: the district's)."
    )
    green_split_ns: float | None = Field(
        default=None,
        ge=0.1,
        le=0.9,
        description="Share of green for the north-south phase here (fraction 0.1-0.9; "
        "default: the district's).",
    )
    offset_s: NonNegativeDuration | None = Field(
        default=None,
        description="Time after the start at which this controller's north-south green "
        "begins; replaces the district's offsets pattern here (s).",
    )


class Signals(Section):
    """Signal programs with pedestrian phases: two phases, north-south and east-west."""

    control: Control = Field(
        default="fixed",
        description="Signal program (choice): 'fixed' time; vehicle-'actuated' on each "
        "intersection's own stop-line detectors; 'adaptive': max-pressure (Varaiya 2013) on "
        "the queues of the whole network, delivered through traffic management (needs "
        "policy.integration federated or integrated; else, or while that data path is cut, "
        "each intersection actuates on its own detectors, and with those down runs its "
        "fixed plan).",
    )
    cycle_s: PositiveDuration = Field(default=60.0, description="Fixed-time cycle length (s).")
    yellow_s: PositiveDuration = Field(default=3.0, description="Yellow after each green (s).")
    all_red_s: NonNegativeDuration = Field(
        default=2.0, description="All-red after each yellow (s)."
    )
    walk_s: PositiveDuration = Field(
        default=7.0, description="WALK interval; pedestrians start crossing only during WALK (s)."
    )
    left_turns: Literal["unopposed", "permissive", "protected"] = Field(
        default="permissive",
        description="Left turns on green (choice): 'permissive' (default) wait at the head "
        "of their lane for a gap in the opposing traffic (critical headway 4.5 s, follow-up "
        "2.5 s, two sneakers at the end of green: HCM's permissive left turn); 'unopposed' "
        "do not yield, taking left_turn_equivalent headways (at 1 the idealisation behind "
        "the s*g/C capacity); 'protected' gives each approach a phase of its own (split "
        "phasing: its left turns meet no opposing traffic, at the cost of more phases in "
        "the cycle; how a shared lane's left turn is protected).",
    )
    turns_yield_to_pedestrians: bool = Field(
        default=True,
        description="Turning vehicles (right and left) at a signal wait at the head of "
        "their lane while anyone is on the crosswalk across the street they turn into, "
        "and leave at the saturation headway once it is clear (HCM's pedestrian "
        "adjustment for turns, simulated).",
    )
    right_turn_equivalent: float = Field(
        default=1.18,
        ge=1,
        le=3,
        description="Saturation headways a right-turning vehicle takes at a signal, in "
        "through cars (HCM 6th ed., Ch. 19 and 31: E_R = 1.18; 1: turners discharge like "
        "through traffic, the idealisation behind s*g/C).",
    )
    left_turn_equivalent: float = Field(
        default=1.05,
        ge=1,
        le=3,
        description="Saturation headways a left-turning vehicle takes at a signal when it "
        "meets no opposing traffic (protected, unopposed, or no street facing it), in "
        "through cars (HCM 6th ed., Ch. 19 and 31: E_L = 1.05; a permissive left-turner's "
        "headway is its gap acceptance instead).",
    )
    saturation_flow_vph: float = Field(
        default=1800.0,
        ge=600,
        le=2400,
        description="Queue discharge rate during green, per lane (vehicles/h).",
    )
    green_split_ns: float = Field(
        default=0.5,
        ge=0.1,
        le=0.9,
        description="Share of the cycle's green time given to the north-south phase under "
        "fixed-time control (fraction 0.1-0.9).",
    )
    startup_lost_s: NonNegativeDuration = Field(
        default=2.0, description="Start-up lost time; effective green = green + yellow - this (s)."
    )
    clearance_speed_mps: float = Field(
        default=1.07,
        ge=0.5,
        le=2,
        description="Walking speed the flashing DON'T WALK is timed for (m/s; MUTCD: 3.5 ft/s).",
    )
    min_green_s: PositiveDuration = Field(
        default=7.0, description="Actuated and adaptive: shortest green (s)."
    )
    max_green_s: PositiveDuration = Field(
        default=45.0, description="Actuated and adaptive: longest green (s)."
    )
    passage_s: PositiveDuration = Field(
        default=3.0,
        description="Actuated: gap-out time, green ends after this long without a vehicle; "
        "adaptive: time between decisions (s).",
    )
    switch_margin_veh: float = Field(
        default=2.0,
        ge=0,
        le=50,
        description="Adaptive only: another phase gets the green when its pressure beats the "
        "current one's by this many vehicles (vehicles; assumption: damps switching, each "
        "switch costing a yellow and all-red).",
    )
    max_pedestrian_wait_s: PositiveDuration = Field(
        default=120.0,
        description="Adaptive only: a pedestrian waiting this long is served next (s; "
        "assumption: beyond two minutes pedestrians cross against the signal).",
    )
    offsets: Offsets = Field(
        default="none",
        description="Coordination of fixed-time controllers (choice): 'none' (all start "
        "together), 'green_wave_ew' / 'green_wave_ns' (each green opens when a vehicle "
        "leaving the previous intersection at the progression speed arrives: eastbound / "
        "southbound), 'random' (uniform in the cycle).",
    )
    progression_speed_kmh: float | None = Field(
        default=None,
        ge=5,
        le=130,
        description="Speed of the green wave (km/h; default: the speed limit).",
    )
    overrides: tuple[SignalOverride, ...] = Field(
        default=(),
        description="Local plans: a list of {at: [row, col], cycle_s, green_split_ns, "
        "control, offset_s}, each replacing the district's value at one intersection (list).",
    )

    def at(self, *where: int) -> Signals:
        """The signal plan of intersection ``where`` ((row, col) on a grid, (node id,) on a
        map): the district's with its override."""
        for override in self.overrides:
            if _names(override, where):
                changes = {
                    key: value
                    for key, value in override.model_dump(exclude={"at", "offset_s"}).items()
                    if value is not None
                }
                return self.model_copy(update={**changes, "overrides": ()})
        return self

    def override_offset_s(self, *where: int) -> float | None:
        """The offset an override sets at ``where`` (as in :meth:`at`), if any (s)."""
        for override in self.overrides:
            if _names(override, where):
                return override.offset_s
        return None

    @property
    def split_phases(self) -> bool:
        """Each approach has a phase of its own (protected left turns)."""
        return self.left_turns == "protected"

    @property
    def phase_green_total_s(self) -> float:
        """Green time the fixed-time cycle leaves for both phases together (s)."""
        return self.cycle_s - 2 * (self.yellow_s + self.all_red_s)

    def green_s(self, phase: Phase) -> float:
        """Displayed green of ``phase`` ('ns' or 'ew') under the fixed-time plan (s)."""
        if phase not in PHASE_NAMES:
            raise ValueError(f"phase must be 'ns' or 'ew', not {phase!r}")
        split = self.green_split_ns if phase == "ns" else 1 - self.green_split_ns
        return self.phase_green_total_s * split

    def effective_green_s(self, phase: Phase) -> float:
        """Green usable by traffic under the fixed-time plan: green + yellow - lost time (s)."""
        return self.green_s(phase) + self.yellow_s - self.startup_lost_s


def _names(override: SignalOverride, where: tuple[int, ...]) -> bool:
    """Whether ``override`` is for the intersection named ``where``."""
    at = override.at
    return at == where if isinstance(at, tuple) else (at,) == where
