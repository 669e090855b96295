#!/usr/bin/env python3
"""Draws docs/images/throughput.png from the load harness's CSV: granted deducts per second against clients,
one line per target, one panel per workload (the sell-out cells measure correctness, not speed, and are left out).

    python3 eng/plot-benchmarks.py docs/benchmarks-results.csv docs/images/throughput.png

Needs matplotlib (Debian: apt-get install -y python3-matplotlib)."""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source = sys.argv[1] if len(sys.argv) > 1 else "docs/benchmarks-results.csv"
target_png = sys.argv[2] if len(sys.argv) > 2 else "docs/images/throughput.png"

series = defaultdict(dict)  # (workload, target) -> {clients: ok/s}
naive = set()
with open(source, newline="") as f:
    for row in csv.DictReader(f):
        if row["workload"] == "sellout":
            continue
        series[(row["workload"], row["target"])][int(row["clients"])] = float(row["granted_per_s"])
        if row["expected_to_oversell"] == "true":
            naive.add(row["target"])

workloads = [w for w in ("hot", "zipf", "uniform") if any(k[0] == w for k in series)]
targets = sorted({k[1] for k in series}, key=lambda t: (t in naive, t))
fig, axes = plt.subplots(1, len(workloads), figsize=(5 * len(workloads), 4.2), sharey=True, squeeze=False)
for ax, workload in zip(axes[0], workloads):
    for target in targets:
        points = series.get((workload, target))
        if not points:
            continue
        clients = sorted(points)
        label = target + (" (oversells)" if target in naive else "")
        ax.plot(clients, [points[c] for c in clients], marker="o", linestyle="--" if target in naive else "-", label=label)
    ax.set_title(f"workload: {workload}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("concurrent clients")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_xticks(sorted({c for k, v in series.items() if k[0] == workload for c in v}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
axes[0][0].set_ylabel("granted deducts per second (log)")
axes[0][-1].legend(fontsize=8, loc="best")
fig.suptitle("StockGuard load harness: throughput vs clients (2 shared cores, loopback servers; indicative)", fontsize=10)
fig.tight_layout()
fig.savefig(target_png, dpi=110)
print(f"wrote {target_png}")
