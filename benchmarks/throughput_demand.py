"""The 10x10 district's throughput-demand curve beside SUMO's.

Runs the 10x10 grid of the side-by-side with SUMO 1.28 in issue 18 (150 m blocks,
one lane, fixed 90 s, one hour from an empty network, no pedestrians) at a range of
demands, with finite links (spillback, backward waves) and left turns permissive
(yielding to opposing traffic, as in SUMO: the default) or unopposed, and with
unlimited point queues, and counts the vehicle trips that arrived (entered and left the district
within the hour: SUMO's "arrived"), averaged over three seeds. Writes
``docs/throughput_demand.png`` and prints the numbers beside SUMO's (measured by
``benchmarks/sumo_side_by_side.py``, which needs the ``sumo`` extra). Run from the
project root: ``python benchmarks/throughput_demand.py`` (a few minutes).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, not an installed package

DEMANDS = (3000, 6000, 9000, 12000, 15000, 18000, 21000, 24000, 32000)
SEEDS = (1, 2, 3)
#: Vehicles arrived in the hour, SUMO 1.28 on the same grid, no teleports, driving the
#: twin's own trips along the twin's routes (``benchmarks/sumo_side_by_side.py``; mean of
#: seeds 1-3 below capacity, of seeds 1-6 from 12,000 on, where single runs vary up to 2x).
SUMO_ARRIVED = {3000: 2804, 6000: 5567, 9000: 8229, 12000: 8869, 15000: 6460, 18000: 5002,
                24000: 4240}  # fmt: skip
#: The same, SUMO routing those trips itself (``--sumo-routing``; seeds 1-3): its routes
#: zigzag across the grid, twice the twin's turns per trip (issue 18 measured this way).
SUMO_OWN_ROUTES = {9000: 8020, 12000: 5470, 18000: 2871, 24000: 2288}


#: The curves: (label, finite links, left turns).
CURVES = (
    ("finite links, permissive left turns (default)", True, "permissive"),
    ("finite links, left turns unopposed", True, "unopposed"),
    ("unlimited point queues", False, "permissive"),
)


def throughput(
    vehicles_per_hour: float, spillback: bool, seed: int = 1, left_turns: str = "permissive"
) -> dict[str, float]:
    """Trips arrived in the hour, trips still inside at its end, honest mean delay (s)
    and the time of the first gridlock (nan: none) of one run."""
    from twin.scenario import parse_scenario
    from twin.simulation.runner import run_scenario

    scenario = parse_scenario(
        {
            "name": "throughput-demand",
            "seed": seed,
            "duration": "1h",
            "warmup": 0,
            "city": {
                "rows": 10,
                "cols": 10,
                "block_length_m": 150,
                "lanes": 1,
                "spillback": spillback,
            },
            "population": {"residents": 500},
            "demand": {"vehicles_per_hour": vehicles_per_hour, "pedestrians_per_hour": 0},
            "signals": {"control": "fixed", "cycle_s": 90, "left_turns": left_turns},
        }
    )
    metrics = run_scenario(scenario).metrics
    efficiency, congestion = metrics["efficiency"], metrics["congestion"]
    assert isinstance(efficiency, dict) and isinstance(congestion, dict)
    return {
        "arrived": float(efficiency["vehicle_trips_completed"]),
        "inside": float(efficiency["vehicles_in_network_end"]),
        "delay": float(efficiency["vehicle_delay_s_mean"]),
        "gridlock_s": float(congestion["gridlock_first_s"] or "nan"),
    }


def mean_row(vehicles_per_hour: float, spillback: bool, left_turns: str) -> dict[str, float]:
    """:func:`throughput` averaged over ``SEEDS`` (gridlock: the earliest; nan: none)."""
    runs = [throughput(vehicles_per_hour, spillback, seed, left_turns) for seed in SEEDS]
    row = {key: sum(r[key] for r in runs) / len(runs) for key in ("arrived", "delay")}
    row["gridlock_s"] = min(
        (r["gridlock_s"] for r in runs if r["gridlock_s"] < math.inf), default=math.nan
    )
    return row


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [[mean_row(d, finite, left) for d in DEMANDS] for _, finite, left in CURVES]
    print("demand/h | " + " | ".join(label for label, _, _ in CURVES) + " | SUMO arrived")
    print("         | " + " | ".join("arrived, delay s, gridlock s" for _ in CURVES))
    for i, demand in enumerate(DEMANDS):
        cells = [
            f"{r[i]['arrived']:>6.0f} {r[i]['delay']:>5.0f} {r[i]['gridlock_s']:>5.0f}"
            for r in rows
        ]
        print(f"{demand:>8} | " + " | ".join(cells) + f" | {SUMO_ARRIVED.get(demand, '')}")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(DEMANDS, DEMANDS, color="0.7", ls=":", label="arrived = demand")
    for (label, _, _), r, style in zip(CURVES, rows, ("o-", "^-", "s--"), strict=True):
        ax.plot(DEMANDS, [row["arrived"] for row in r], style, label=f"twin: {label}")
    sumo = (
        (SUMO_ARRIVED, "the same trips on the twin's routes", "D--",
         {"color": "black", "mfc": "none", "ms": 9, "lw": 1}),
        (SUMO_OWN_ROUTES, "routing them itself (issue 18)", "D:", {"color": "0.45"}),
    )  # fmt: skip
    for arrived, label, fmt, style in sumo:
        ax.plot(list(arrived), list(arrived.values()), fmt, **style, label=f"SUMO 1.28, {label}")
    ax.set_xlabel("demand (vehicle trips entering per hour)")
    ax.set_ylabel("vehicle trips arrived in the hour")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_title(
        "10 x 10 grid, 150 m blocks, 1 lane, fixed 90 s, 1 h from empty\n"
        "mean of 3 seeds (SUMO from 12,000 veh/h: 6)"
    )
    ax.title.set_fontsize(9)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = ROOT / "docs" / "throughput_demand.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
