#!/usr/bin/env bash
# Runs samples/ConformanceKit the way a user would: a test project that references StockGuard and the
# StockGuard.Testing conformance kit as NuGet packages, not projects. Packs the two packages into artifacts/packages
# (unless --no-pack and they are there already), restores the sample into a fresh package folder so that no older
# copy of 0.1.0 from the machine's cache stands in, and runs its tests.
#
#   eng/conformance-kit.sh [--no-pack]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=artifacts/packages
restored=artifacts/conformance-kit/packages
log() { printf '[conformance-kit] %s\n' "$*"; }

if [ "${1:-}" != "--no-pack" ] || ! ls "$packages"/StockGuard.Testing.*.nupkg >/dev/null 2>&1; then
  log "pack StockGuard and StockGuard.Testing into $packages"
  dotnet pack src/StockGuard -c Release -o "$packages" --nologo -v quiet
  dotnet pack src/StockGuard.Testing -c Release -o "$packages" --nologo -v quiet
fi

rm -rf "$restored" samples/ConformanceKit/bin samples/ConformanceKit/obj
log "restore samples/ConformanceKit from the packages"
dotnet restore samples/ConformanceKit --packages "$restored" -v quiet
log "test"
dotnet test samples/ConformanceKit -c Release --no-restore --nologo
