"""The 10x10 district's throughput-demand curve, with and without spillback.

Runs the 10x10 grid (200 m blocks, one lane, fixed 90 s) for two hours at a
range of demands and plots the vehicle trips that leave the district per hour
after a 30-minute warm-up against the demand, with finite links (spillback)
and with unlimited point queues. Writes ``docs/throughput_demand.png`` and
prints the numbers. Run from the project root:
``python benchmarks/throughput_demand.py`` (about a minute).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, not an installed package

DEMANDS = (2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 20000, 24000, 32000)


def throughput(vehicles_per_hour: float, spillback: bool, seed: int = 1) -> dict[str, float]:
    """Throughput (trips/h), honest mean delay (s) and gridlock time of one run."""
    from twin.scenario import parse_scenario
    from twin.simulation.runner import run_scenario

    scenario = parse_scenario(
        {
            "name": "throughput-demand",
            "seed": seed,
            "duration": "2h",
            "warmup": "30min",
            "city": {
                "rows": 10,
                "cols": 10,
                "block_length_m": 200,
                "lanes": 1,
                "spillback": spillback,
            },
            "population": {"residents": 500},
            "demand": {"vehicles_per_hour": vehicles_per_hour, "pedestrians_per_hour": 0},
            "signals": {"control": "fixed", "cycle_s": 90},
        }
    )
    metrics = run_scenario(scenario).metrics
    efficiency, congestion = metrics["efficiency"], metrics["congestion"]
    assert isinstance(efficiency, dict) and isinstance(congestion, dict)
    return {
        "throughput": float(efficiency["vehicle_throughput_per_h"]),
        "delay": float(efficiency["vehicle_delay_s_mean"]),
        "gridlock_s": float(congestion["gridlock_first_s"] or "nan"),
    }


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {flag: [throughput(d, flag) for d in DEMANDS] for flag in (True, False)}
    print("demand/h  spillback: trips/h  delay s  gridlock s | unlimited: trips/h  delay s")
    for i, demand in enumerate(DEMANDS):
        on, off = rows[True][i], rows[False][i]
        print(
            f"{demand:>8}  {on['throughput']:>18.0f}  {on['delay']:>7.0f}  "
            f"{on['gridlock_s']:>10.0f} | {off['throughput']:>18.0f}  {off['delay']:>7.0f}"
        )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(DEMANDS, DEMANDS, color="0.7", ls=":", label="throughput = demand")
    ax.plot(
        DEMANDS,
        [r["throughput"] for r in rows[True]],
        "o-",
        color="tab:red",
        label="finite links (spillback, default)",
    )
    ax.plot(
        DEMANDS,
        [r["throughput"] for r in rows[False]],
        "s--",
        color="tab:blue",
        label="unlimited point queues",
    )
    ax.set_xlabel("demand (vehicle trips entering per hour)")
    ax.set_ylabel("throughput (trips leaving per hour)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_title("10 x 10 grid, 200 m blocks, 1 lane, fixed 90 s: hour after a 30-min warm-up")
    ax.title.set_fontsize(9)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = ROOT / "docs" / "throughput_demand.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
