#!/usr/bin/env bash
# What the PostgreSQL server alone can sell of one hot item in a fleet's shapes, with clients that cost next to
# nothing: pgbench sends the store's own batch statement (docs/sql/postgresql.sql, SellBatchUnreserved) and its
# flush barrier, B sales a batch, from C connections at once, as C processes of B buyers each would. Prints sales per
# second and the CPU the clients and the whole machine spent, per shape.
#
#   eng/fleet-thin-clients.sh [SECONDS] [ROUNDS]        (defaults: 5 s, 1 round; shapes 1 x 51, 4 x 16, 8 x 8)
#
# Needs the servers (eng/servers.sh) and one load-harness run on PostgreSQL before it (its schema's tables are
# copied: STOCKGUARD_LOAD_SCHEMA, default stockguard_load). Works in a scratch schema, fleet_thin, dropped first.
# The connection is the harness's default (PGHOST etc. override it); set PGSSLMODE=disable for TLS off.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-1}
source_schema=${STOCKGUARD_LOAD_SCHEMA:-stockguard_load}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-stockguard} PGPASSWORD=${PGPASSWORD:-stockguard} PGDATABASE=${PGDATABASE:-stockguard}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages TO warning;
DROP SCHEMA IF EXISTS fleet_thin CASCADE;
CREATE SCHEMA fleet_thin;
CREATE TABLE fleet_thin.stock_items (LIKE "$source_schema".stock_items INCLUDING ALL);
CREATE TABLE fleet_thin.stock_movements (LIKE "$source_schema".stock_movements INCLUDING ALL);
INSERT INTO fleet_thin.stock_items (sku, location, on_hand) VALUES ('hot', '', 1000000000000);
SQL

# The statement as the store sends it, its parameters written in: B sales of one unit, no references.
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
text = open("docs/sql/postgresql.sql").read().split("-- SellBatchUnreserved\n")[1].split("\n")[0]
text = text.replace('"stockguard".', '"fleet_thin".')
for batch in (8, 16, 51):
    sql = text
    for name, value in (("@onHandDelta", f"-{batch}"), ("@versions", str(batch)), ("@sku", "'hot'"), ("@location", "''"),
                        ("@quantities::bigint[]", "'{" + ",".join(["1"] * batch) + "}'::bigint[]"),
                        ("@references::text[]", "'{" + ",".join(["NULL"] * batch) + "}'::text[]"),
                        ("@quantity", str(batch)), ("@now", "now()")):
        sql = sql.replace(name, value)
    assert "@" not in sql, sql
    open(f"{work}/batch{batch}.sql", "w").write(sql + "\nSELECT pg_current_xact_id();\n")
PY

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
ticks=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
  for shape in "1 51" "4 16" "8 8"; do
    read -r connections batch <<<"$shape"
    before=$(busy)
    out=$( { /usr/bin/time -f 'client %U %S' pgbench -n -M prepared -c "$connections" -j "$(( connections < 2 ? 1 : 2 ))" -T "$seconds" -f "$work/batch$batch.sql"; } 2>&1 )
    after=$(busy)
    tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$out")
    client=$(awk '/^client /{print $2+$3}' <<<"$out")
    awk -v r="$round" -v c="$connections" -v b="$batch" -v t="$tps" -v cl="$client" -v m="$(( after - before ))" -v hz="$ticks" -v s="$seconds" -v n="$(nproc)" \
      'BEGIN { printf "round %s, %s x %s: %.0f sales/s (%.0f batches/s); CPU s: clients %.2f, machine %.2f of %d\n", r, c, b, t * b, t, cl, m / hz, n * s }'
  done
done
