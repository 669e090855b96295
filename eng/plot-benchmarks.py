#!/usr/bin/env python3
"""Draws docs/images/throughput.png from the load harness's CSV: granted deducts per second against clients,
one line per target, one panel per workload (the sell-out cells measure correctness, not speed, and are left out).

    python3 eng/plot-benchmarks.py docs/benchmarks-results.csv docs/images/throughput.png

Needs matplotlib (Debian: apt-get install -y python3-matplotlib, then run it with /usr/bin/python3)."""
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
# One colour per target (20 distinct ones), one marker per store, dashed for the baselines without the library.
colours = plt.cm.tab20.colors
markers = {"postgres": "o", "mysql": "s", "sqlite": "^", "inmemory": "*"}
fig, axes = plt.subplots(1, len(workloads), figsize=(5.2 * len(workloads), 5.2), sharey=True, squeeze=False)
for ax, workload in zip(axes[0], workloads):
    for index, target in enumerate(targets):
        points = series.get((workload, target))
        if not points:
            continue
        clients = sorted(points)
        store = target.split("/")[0]
        baseline = "/" not in target and store != "inmemory"
        label = target + (" (oversells)" if target in naive else "")
        ax.plot(
            clients,
            [points[c] for c in clients],
            marker=markers.get(store, "x"),
            markersize=4,
            linewidth=1.2,
            color=colours[index % len(colours)],
            linestyle="--" if baseline else "-",
            label=label,
        )
    ax.set_title(f"workload: {workload}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("concurrent clients")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_xticks(sorted({c for k, v in series.items() if k[0] == workload for c in v}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
axes[0][0].set_ylabel("granted deducts per second (log)")
handles, labels = axes[0][0].get_legend_handles_labels()
fig.legend(handles, labels, fontsize=7, loc="center left", bbox_to_anchor=(0.85, 0.5), ncol=1, frameon=False)
fig.suptitle("StockGuard load harness, one run: granted deducts/s vs clients (2 cores shared with the servers; dashed: no library)", fontsize=10)
fig.tight_layout(rect=(0, 0, 0.84, 1))
fig.savefig(target_png, dpi=110)
print(f"wrote {target_png}")
