#!/usr/bin/env bash
# Adds every new public member of the packages under src/ to its PublicAPI.Unshipped.txt (RS0016 fixes).
# Review the diff: it is the change to the public API.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dir=$(dirname "$project")
  [ -f "$dir/PublicAPI.Unshipped.txt" ] || continue
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity warn
done
