#!/usr/bin/env python3
"""How GPT-3 175B (the bundled default scenario) scales from 128 to 2048 A100s: step time and MFU
for each GPU count, as a table and as a PNG.

    PYTHONPATH=build/python python3 examples/gpu_scaling.py gpu_scaling.png

The tensor and pipeline degrees stay as the scenario states them (TP 8 x PP 16); each node count
adds data-parallel replicas. Add ``--search`` to let trainsim choose the best strategy at each
size instead (slower: a strategy search per point).
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402

import trainsim  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("png", help="where to save the plot")
    parser.add_argument("--scenario", default=None, help="scenario file (default: bundled)")
    parser.add_argument("--nodes", default="16..256*2", help="node counts, as sweep --vary")
    parser.add_argument("--search", action="store_true", help="best strategy at each size")
    args = parser.parse_args()

    points = trainsim.sweep(args.scenario, vary=[f"cluster.nodes={args.nodes}"],
                            search=args.search)
    rows = [p["prediction"] for p in points if p["status"] == "ok"]
    for p in points:
        if p["status"] != "ok":
            print(f"skipped {p['values']}: {p.get('error', p['status'])}", file=sys.stderr)
    if not rows:
        print("no node count could be predicted", file=sys.stderr)
        return 1

    print(f"{'GPUs':>6} {'step s':>9} {'MFU':>6} {'tokens/s':>12}")
    for r in rows:
        print(f"{r['gpus']:>6} {r['step_time_s']:>9.2f} {r['mfu']:>6.1%} {r['tokens_per_s']:>12,.0f}")

    gpus = [r["gpus"] for r in rows]
    fig, time_axis = plt.subplots(figsize=(7, 4))
    time_axis.plot(gpus, [r["step_time_s"] for r in rows], "o-", color="tab:blue")
    time_axis.set_xscale("log", base=2)
    time_axis.set_xticks(gpus, [str(g) for g in gpus])
    time_axis.set_yscale("log")
    time_axis.yaxis.set_major_formatter(ScalarFormatter())
    time_axis.yaxis.set_minor_formatter(ScalarFormatter())
    time_axis.set_xlabel("GPUs")
    time_axis.set_ylabel("step time (s)", color="tab:blue")
    mfu_axis = time_axis.twinx()
    mfu_axis.plot(gpus, [100 * r["mfu"] for r in rows], "s--", color="tab:red")
    mfu_axis.set_ylabel("MFU (%)", color="tab:red")
    mfu_axis.set_ylim(0, 100)
    time_axis.set_title(f"{rows[0]['scenario']}, node count varied")
    fig.tight_layout()
    fig.savefig(args.png, dpi=120)
    print(f"plot saved to {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
