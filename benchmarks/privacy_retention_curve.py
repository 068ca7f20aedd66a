"""How exposure grows with retention, stores at steady state (the curve in docs/privacy.md).

Runs ``scenarios/surveillance_default.yaml`` and ``scenarios/aizuwakamatsu_opt_in.yaml`` for
2 hours (from 08:00) at each retention of every identifiable class, stores holding the 31
days before (``policy.history``), and prints per retention the residents exposed,
identified with certainty, expected to be re-identified, the identifiable records held
and the record-days over the run; with ``--plot PATH`` it also draws them.
Run by hand (``--plot docs/figures/privacy_retention.png`` for the figure in the docs).
"""

from __future__ import annotations

import argparse

import twin

RETENTIONS = ("10min", "1h", "6h", "1d", "7d", "31d")
HOURS = {"10min": 1 / 6, "1h": 1, "6h": 6, "1d": 24, "7d": 168, "31d": 744}
KEYS = ("persons_exposed", "expected_reidentified", "identifiable_records_retained")


def curve(path: str) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {key: [] for key in KEYS}
    for retention in RETENTIONS:
        changes = {
            "duration": "2h",
            "warmup": 0,
            "demand.start_hour": 8,
            **{f"policy.retention.{cls}": retention for cls in ("direct", "persistent",
                                                                  "pseudonymous")},
        }  # fmt: skip
        privacy = twin.run(twin.load(path, changes)).metrics["privacy"]
        assert isinstance(privacy, dict)
        print(
            f"{path} {retention:>6}: exposed {privacy['persons_exposed']:,}, certain "
            f"{privacy['directly_identified']:,}, expected re-identified "
            f"{privacy['expected_reidentified']:,.0f}, records held "
            f"{privacy['identifiable_records_retained']:,}, record-days "
            f"{privacy['identifiable_record_days']:,.0f}"
        )
        for key in KEYS:
            rows[key].append(float(privacy[key]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plot", help="write the figure here")
    args = parser.parse_args()
    curves = {
        name: curve(f"scenarios/{name}.yaml")
        for name in ("surveillance_default", "aizuwakamatsu_opt_in")
    }
    if args.plot:
        from metrics.plots import save_png, subplots

        hours = [HOURS[r] for r in RETENTIONS]
        fig, axes = subplots(1, 2, figsize=(10, 4))
        for name, rows in curves.items():
            axes[0].plot(hours, rows["persons_exposed"], marker="o", label=f"{name}: exposed")
            axes[0].plot(hours, rows["expected_reidentified"], marker="x", ls="--",
                         label=f"{name}: expected re-identified")  # fmt: skip
            axes[1].plot(hours, rows["identifiable_records_retained"], marker="o", label=name)
        for ax in axes:
            ax.set_xscale("log")
            ax.set_xlabel("retention of identifiable records (hours, log scale)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        axes[0].set_ylabel("residents")
        axes[1].set_ylabel("identifiable records held")
        axes[1].set_yscale("log")
        fig.suptitle("2-hour runs with stores at steady state (31 days of history)")
        fig.tight_layout()
        save_png(fig, args.plot, dpi=100)


if __name__ == "__main__":
    main()
