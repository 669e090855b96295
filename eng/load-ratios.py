#!/usr/bin/env python3
# Used by docs/benchmarks.md ("Keyed deducts ...", "Carts ..."):  python3 eng/load-ratios.py RUN.csv TARGET[@COLUMN]:REFERENCE[@COLUMN] ...
"""Ratios of interleaved rounds from a load-harness CSV (load --repeat N): per round, a target's ok/s over its
reference's in the same round (same workload and clients), then the median of the rounds. TARGET@COLUMN (or
REFERENCE@COLUMN) reads that side's rate from another CSV column, e.g. postgres/atomic+hold@holds_per_s:postgres/atomic
(carts: holds granted per second over deducts per second) or
postgres/atomic+hold@holds_per_s:ledger-postgres+hold@holds_per_s (the library's carts over the baseline's)."""
import csv, sys, statistics
from collections import defaultdict
path, pairs = sys.argv[1], [p.split(':') for p in sys.argv[2:]]
rows = list(csv.DictReader(open(path)))
side = lambda s: (s.split('@')[0], s.split('@')[1] if '@' in s else 'granted_per_s')
seen = defaultdict(int); row = {}; bad = defaultdict(int)
for r in rows:
    k = (r['target'], r['workload'], r['clients'])
    rnd = seen[k]; seen[k] += 1
    row[k + (rnd,)] = r
    bad[k] += int(r['oversold'] or 0) + int(r['errors'] or 0)
rate = lambda t, col, w, c, i: float(row[(t, w, c, i)][col] or 0)
cells = sorted({(w, int(c)) for (_, w, c) in seen}, key=lambda x: (x[0], x[1]))
print('| target | reference | workload | clients | ok/s (median) | reference ok/s (median) | ratio per round | median ratio |')
print('| --- | --- | --- | ---: | ---: | ---: | --- | ---: |')
for target, reference in pairs:
    (t, tc), (ref, rc) = side(target), side(reference)
    for w, c in cells:
        c = str(c)
        n = min(seen.get((t, w, c), 0), seen.get((ref, w, c), 0))
        if n == 0: continue
        ratios = [rate(t, tc, w, c, i) / rate(ref, rc, w, c, i) for i in range(n)]
        a = statistics.median(rate(t, tc, w, c, i) for i in range(n)); b = statistics.median(rate(ref, rc, w, c, i) for i in range(n))
        flag = '' if bad[(t, w, c)] == 0 else f' (errors/oversold {bad[(t,w,c)]})'
        print(f"| {target} | {reference} | {w} | {c} | {a:,.0f} | {b:,.0f} | {' '.join(f'{x:.2f}' for x in ratios)} | **{statistics.median(ratios):.2f}**{flag} |")
