#!/usr/bin/env bash
# Profiles one load-harness cell with Linux perf: the whole machine, so the loopback database server's CPU is in
# the same profile as the client's and the library's. Prints where the time went per process and per binary, and
# leaves the recording for `perf report`.
#
#   eng/profile-load.sh TARGET [CLIENTS] [WORKLOAD]     e.g. eng/profile-load.sh postgres/atomic 16 uniform
#
# Needs perf (Debian: apt-get install -y linux-perf) and the servers (eng/servers.sh). The harness runs for 12 s;
# perf records 5 s of it after the runtime has compiled the hot paths. .NET frames are named through the runtime's
# perf map (DOTNET_PerfMapEnabled=1; W^X off so that perf can read the code it maps).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: eng/profile-load.sh TARGET [CLIENTS] [WORKLOAD]}
clients=${2:-16}
workload=${3:-uniform}
out=${PROFILE_OUT:-artifacts/profile}
name=$(echo "$target-$workload-x$clients" | tr '/+' '__')
command -v perf >/dev/null || { echo "profile-load: perf is missing (apt-get install -y linux-perf)" >&2; exit 2; }

mkdir -p "$out"
dotnet build -c Release benchmarks/StockGuard.Benchmarks -v quiet --nologo >/dev/null
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  dotnet benchmarks/StockGuard.Benchmarks/bin/Release/net10.0/StockGuard.Benchmarks.dll \
  load --targets "$target" --workload "$workload" --clients "$clients" --duration 12s --warmup 0 >"$out/$name.log" 2>&1 &
harness=$!
sleep 7
perf record -F 999 -a -g -o "$out/$name.perf.data" -- sleep 5 >/dev/null 2>&1
wait "$harness"

grep '^\[load\]' "$out/$name.log"
echo "== share of all CPU samples, by process and binary (perf report -i $out/$name.perf.data for more)"
perf report -i "$out/$name.perf.data" --sort comm,dso --stdio -g none --no-children 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
