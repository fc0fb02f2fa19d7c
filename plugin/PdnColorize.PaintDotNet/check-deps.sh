#!/usr/bin/env bash
# Checks a packaged plugin folder against its .deps.json: every file the deps file names, for every runtime
# identifier it lists, must be in the folder. .NET's host resolves a plugin's dependencies from that file and can
# treat a listed but missing file as fatal, so a package with such a gap must never be zipped.
#
#   check-deps.sh <plugin folder>      prints one line per entry (ok / MISSING); exit 0 only when none is missing
#
# Paths are resolved the way the host resolves an app-local component: a package's managed and native assets by
# file name beside the .deps.json, RID-specific assets (runtimeTargets) by their path below it, satellite resources
# under their culture folder.
set -euo pipefail

dir="${1:?usage: check-deps.sh <plugin folder>}"
[[ -d "$dir" ]] || { echo "check-deps.sh: no folder $dir" >&2; exit 2; }
shopt -s nullglob
deps_files=("$dir"/*.deps.json)
[[ ${#deps_files[@]} -eq 1 ]] || { echo "check-deps.sh: expected one .deps.json in $dir, found ${#deps_files[@]}" >&2; exit 2; }
deps="${deps_files[0]}"
command -v jq >/dev/null || { echo "check-deps.sh: needs jq" >&2; exit 2; }

entries="$(jq -r '
  .targets[] | to_entries[] | .key as $lib | .value |
  ( (.runtime // {} | keys[] | "any\t\(split("/") | last)\t\($lib)"),
    (.native // {} | keys[] | "any\t\(split("/") | last)\t\($lib)"),
    (.resources // {} | to_entries[] | "any\t\(.value.locale)/\(.key | split("/") | last)\t\($lib)"),
    (.runtimeTargets // {} | to_entries[] | "\(.value.rid)\t\(.key)\t\($lib)") )' "$deps")"

total=0 missing=0
while IFS=$'\t' read -r rid path lib; do
  [[ -n "$path" ]] || continue
  total=$((total + 1))
  if [[ -f "$dir/$path" ]]; then mark=ok; else mark=MISSING; missing=$((missing + 1)); fi
  printf '  %-8s %-11s %-60s %s\n' "$mark" "$rid" "$path" "$lib"
done <<< "$entries"

if [[ $missing -gt 0 ]]; then
  echo "check-deps.sh: $missing of $total files named by $(basename "$deps") are missing from $dir" >&2
  exit 1
fi
echo "$(basename "$deps"): all $total files it names are present"
