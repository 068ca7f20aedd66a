"""Plots that show a service at work: ambulance runs and crossing timelines.

Imported only when writing results, so the model runs without matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from metrics.efficiency import Table
from metrics.plots import hh_mm, save_png, subplots


def plot_ambulance_responses(
    incidents: Table, series: Mapping[str, np.ndarray], path: Path, start_hour: float, title: str
) -> None:
    """Each response split into turnout, driving and time lost at signals, over the traffic."""
    order = np.argsort(incidents["call_s"])
    call_h = start_hour + incidents["call_s"][order] / 3600.0  # clock hours
    wait = (incidents["dispatch_s"] - incidents["call_s"])[order]
    turnout = incidents["turnout_s"][order]
    lost = incidents["signal_delay_s"][order]
    driving = incidents["drive_s"][order] - lost
    fig, (top, bottom) = subplots(
        2, 1, figsize=(10, 6.5), height_ratios=(2, 1), layout="constrained"
    )
    index = np.arange(len(order))
    left = np.zeros(len(order))
    for values, label, colour in (
        (wait, "waiting for a free ambulance", "tab:gray"),
        (turnout, "turnout", "tab:olive"),
        (driving, "driving", "tab:blue"),
        (lost, "lost at signals", "tab:red"),
    ):
        top.barh(index, values, left=left, color=colour, label=label, height=0.8)
        left += values
    top.set_yticks(
        index, [_clock_seconds(t, start_hour)[:5] for t in incidents["call_s"][order]], fontsize=7
    )
    top.invert_yaxis()
    top.set_xlabel("seconds from call to arrival")
    top.set_title(title)
    top.legend(loc="lower right", fontsize=8)
    top.grid(axis="x", alpha=0.3)
    hours = start_hour + series["time_s"] / 3600.0
    bottom.plot(hours, series["vehicles_queued"], color="tab:blue", label="vehicles queued")
    for h in call_h:
        bottom.axvline(h, color="tab:red", alpha=0.3, lw=1)
    bottom.xaxis.set_major_formatter(FuncFormatter(hh_mm))
    bottom.set_xlabel("clock time (HH:MM); red lines: incidents called in")
    bottom.set_ylabel("vehicles queued")
    bottom.set_ylim(bottom=0)
    bottom.grid(alpha=0.3)
    save_png(fig, path)


def _clock_seconds(time_s: float, start_hour: float) -> str:
    seconds = round(start_hour * 3600.0 + time_s) % 86_400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


#: Crosswalk keys: node x this + leg (no intersection has this many legs).
_LEGS = 64


def _busiest_crosswalk(crossings: Table) -> tuple[int, int]:
    """(node, leg) of the crosswalk with the most stranded, else impaired, else any crossings."""
    key = crossings["node"] * _LEGS + crossings["crosswalk"]
    weight = crossings["stranded"] * 1e6 + crossings["impaired"] * 1e3 + 1.0
    totals = np.bincount(key.astype(int), weights=weight)
    best = int(np.argmax(totals))
    return divmod(best, _LEGS)


def plot_crossing_timeline(
    crossings: Table,
    phases: Table,
    path: Path,
    clearance_s: float,
    start_hour: float,
    title: str,
    crosswalks: Mapping[tuple[int, int], tuple[int, str]],
    window_s: float = 300.0,
) -> None:
    """Signal intervals and every crossing on one crosswalk over a few cycles.

    ``crosswalks``: per (node, leg), the phase whose WALK serves it and how a reader
    names it (e.g. "intersection (2, 3), across the street to (2, 4)").

    Picks the crosswalk with the most stranded crossings (else the most
    impaired ones) and a window around its first stranded (or impaired)
    crossing in the second half of the run. Each crossing is a horizontal
    line from its start to the far curb.
    """
    if len(crossings["start_s"]) == 0:
        return
    node, leg = _busiest_crosswalk(crossings)
    mine = (crossings["node"] == node) & (crossings["crosswalk"] == leg)
    focus = mine & (crossings["stranded"] == 1)
    if not focus.any():
        focus = mine & (crossings["impaired"] == 1)
    if not focus.any():
        focus = mine
    starts = crossings["start_s"][focus]
    middle = 0.5 * float(crossings["start_s"].max())
    centre = float(starts[starts >= middle][0] if (starts >= middle).any() else starts[-1])
    t0, t1 = centre - window_s / 2, centre + window_s / 2
    walk_phase, where = crosswalks[(node, leg)]
    fig, ax = subplots(figsize=(10, 5))
    at_node = (phases["node"] == node) & (phases["onset_s"] < t1) & (phases["onset_s"] > t0 - 200)
    for onset, green_end, phase, walk in zip(
        phases["onset_s"][at_node],
        phases["green_end_s"][at_node],
        phases["phase"][at_node],
        phases["walk_s"][at_node],
        strict=True,
    ):
        if phase == walk_phase:
            if walk > 0:
                ax.axvspan(onset, onset + walk, color="tab:green", alpha=0.35, lw=0)
                ax.axvspan(
                    onset + walk, onset + walk + clearance_s, color="tab:orange", alpha=0.3, lw=0
                )
        else:
            ax.axvspan(onset, green_end, color="tab:red", alpha=0.12, lw=0)
    rows = np.flatnonzero(mine & (crossings["end_s"] > t0) & (crossings["start_s"] < t1))
    # one collection for the lines and one for the curb marks (not two artists per crossing)
    y = np.arange(len(rows), dtype=float)
    stranded = crossings["stranded"][rows] == 1
    impaired = crossings["impaired"][rows] == 1
    colours = np.where(stranded, "tab:red", np.where(impaired, "tab:purple", "0.35"))
    segments = np.stack(
        [
            np.column_stack([crossings["start_s"][rows], y]),
            np.column_stack([crossings["end_s"][rows], y]),
        ],
        axis=1,
    )
    ax.add_collection(
        LineCollection(
            list(segments), colors=list(colours), linewidths=np.where(impaired, 2.5, 1.2)
        )
    )
    ax.scatter(crossings["arrive_s"][rows], y, marker="|", c=list(colours), s=36)
    handles = [
        Rectangle((0, 0), 1, 1, color="tab:green", alpha=0.35, label="WALK"),
        Rectangle((0, 0), 1, 1, color="tab:orange", alpha=0.3, label="flashing DON'T WALK"),
        Rectangle((0, 0), 1, 1, color="tab:red", alpha=0.12, label="conflicting green"),
        Line2D([], [], color="0.35", label="crossing"),
        Line2D([], [], color="tab:purple", lw=2.5, label="reduced mobility"),
        Line2D([], [], color="tab:red", lw=2.5, label="stranded"),
        Line2D([], [], color="0.35", marker="|", ls="", label="reached the curb"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=2)
    ax.set_xlim(t0, t1)
    step = 60.0 if window_s <= 600 else 300.0
    ticks = np.arange(np.ceil(t0 / step) * step, t1 + 1e-9, step)
    ax.set_xticks(ticks, [_clock_seconds(t, start_hour) for t in ticks])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("clock time")
    ax.set_ylabel("crossings (one line each)")
    ax.set_title(f"{title}\n{where}")
    # fixed margins (inches: 10 x 5 figure) instead of a constrained-layout pass
    fig.subplots_adjust(left=0.07, right=0.98, top=0.87, bottom=0.1)
    save_png(fig, path)
