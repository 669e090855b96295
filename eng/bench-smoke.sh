#!/usr/bin/env bash
# CI smoke test of the benchmarks. Checks that they run, never how fast: no speed thresholds.
#   1. BenchmarkDotNet in Dry mode (one cold invocation per case) on a few benchmarks, then the database stores'
#      suite in Dry mode in this process with 4 callers (every reachable store x strategy x hot/uniform items).
#   2. The load harness's --smoke: every reachable target, hot and sell-out cells, 4 clients, ~1 s each.
#      It exits non-zero when a target other than the naive baseline oversells.
# Unreachable database servers skip their targets unless STOCKGUARD_REQUIRE_SERVERS=1 (start them with
# eng/servers.sh). Takes about a minute and a half on 2 cores (86 s with every target reachable).
# No step has a tight time limit: BenchmarkDotNet builds its generated project with a limit of
# BENCH_BUILD_TIMEOUT seconds (default 1800; its own default, 120 s, fails on a loaded machine).
#
#   eng/bench-smoke.sh [artifacts-dir]     # default: artifacts/bench-smoke
set -euo pipefail

cd "$(dirname "$0")/.."
project=benchmarks/StockGuard.Benchmarks
artifacts=${1:-artifacts/bench-smoke}
build_timeout=${BENCH_BUILD_TIMEOUT:-1800}
mkdir -p "$artifacts"

log() { printf '[bench-smoke] %s\n' "$*"; }

log "build"
dotnet build -c Release "$project" -nologo -v quiet

log "BenchmarkDotNet, --job Dry"
dotnet run -c Release --no-build --project "$project" -- \
  --job Dry --filter '*DeductOneUnit*' '*ReserveThenConfirm*' \
  --buildTimeout "$build_timeout" \
  --artifacts "$artifacts/bdn" --exporters markdown

log "BenchmarkDotNet over the database stores, --job Dry, in process, 4 callers"
STOCKGUARD_BENCH_SMOKE=1 dotnet run -c Release --no-build --project "$project" -- \
  --job Dry --inProcess --filter '*DatabaseDeduct*' \
  --artifacts "$artifacts/bdn-db" --exporters markdown

log "load harness, --smoke"
dotnet run -c Release --no-build --project "$project" -- \
  load --smoke --out "$artifacts/load-smoke.md"

log "done: $artifacts"
