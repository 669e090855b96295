#!/usr/bin/env bash
# Runs every StockGuard test against real servers: installs and starts PostgreSQL 15, PgBouncer, MariaDB,
# a single Redis and a six-node Redis Cluster (three masters, three replicas) on loopback when they are not
# already up, and Chromium for the shop's browser test when it is missing (eng/servers.sh), then runs the
# whole solution's tests with
# STOCKGUARD_REQUIRE_SERVERS=1, so a server that cannot be reached fails the run instead of skipping.
#
#   eng/test.sh                  # everything
#   eng/test.sh --filter Name~X  # extra arguments go to dotnet test
set -euo pipefail
cd "$(dirname "$0")/.."

bash eng/servers.sh
export STOCKGUARD_REQUIRE_SERVERS="${STOCKGUARD_REQUIRE_SERVERS:-1}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test StockGuard.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

# One closing line for the whole run, summed over the test assemblies.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  f += $(i+1);
         if ($i == "Passed:")  p += $(i+1);
         if ($i == "Skipped:") s += $(i+1);
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
