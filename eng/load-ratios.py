#!/usr/bin/env python3
# Used by docs/benchmarks.md ("Keyed deducts ...", "Carts ..."):  python3 eng/load-ratios.py RUN.csv TARGET[@COLUMN]:REFERENCE ...
"""Ratios of interleaved rounds from a load-harness CSV (load --repeat N): per round, a target's ok/s over its
reference's in the same round (same workload and clients), then the median of the rounds. TARGET@COLUMN reads the
target's rate from another CSV column, e.g. postgres/atomic+hold@holds_per_s:postgres/atomic (carts: holds granted
per second over deducts per second)."""
import csv, sys, statistics
from collections import defaultdict
path, pairs = sys.argv[1], [p.split(':') for p in sys.argv[2:]]
rows = list(csv.DictReader(open(path)))
columns = {t.split('@')[0]: t.split('@')[1] for t, _ in pairs if '@' in t}
pairs = [(t.split('@')[0], ref) for t, ref in pairs]
seen = defaultdict(int); rate = {}; bad = defaultdict(int)
for r in rows:
    k = (r['target'], r['workload'], r['clients'])
    rnd = seen[k]; seen[k] += 1
    rate[k + (rnd,)] = float(r[columns.get(r['target'], 'granted_per_s')] or 0)
    bad[k] += int(r['oversold'] or 0) + int(r['errors'] or 0)
cells = sorted({(w, int(c)) for (_, w, c) in seen}, key=lambda x: (x[0], x[1]))
print('| target | reference | workload | clients | ok/s (median) | reference ok/s (median) | ratio per round | median ratio |')
print('| --- | --- | --- | ---: | ---: | ---: | --- | ---: |')
for t, ref in pairs:
    for w, c in cells:
        c = str(c)
        n = min(seen.get((t, w, c), 0), seen.get((ref, w, c), 0))
        if n == 0: continue
        ratios = [rate[(t, w, c, i)] / rate[(ref, w, c, i)] for i in range(n)]
        a = statistics.median(rate[(t, w, c, i)] for i in range(n)); b = statistics.median(rate[(ref, w, c, i)] for i in range(n))
        flag = '' if bad[(t, w, c)] == 0 else f' (errors/oversold {bad[(t,w,c)]})'
        print(f"| {t} | {ref} | {w} | {c} | {a:,.0f} | {b:,.0f} | {' '.join(f'{x:.2f}' for x in ratios)} | **{statistics.median(ratios):.2f}**{flag} |")
