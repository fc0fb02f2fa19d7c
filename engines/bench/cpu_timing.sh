#!/usr/bin/env bash
# CPU timing of a model as a user meets it: `bench` at 256/512 and `colorize` end to end, three runs per photo.
# usage: engines/bench/cpu_timing.sh CLI_DLL PHOTO... [-- extra colorize/bench options, e.g. --model x.onnx]
# Prints the load average first (the build box is shared), then bench's lines and, per run, the CLI's own timing line
# (decode/model/compose/save/total) with the process's wall time and peak RSS from /usr/bin/time.
set -u
cli=$1; shift
photos=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do photos+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
out=$(mktemp -d)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$cli" bench --device cpu --sizes 256,512 --runs 10 "$@" 2>&1 | grep -E 'median'
for img in "${photos[@]}"; do
  for i in 1 2 3; do
    /usr/bin/time -f "wall %e s, max RSS %M KB" dotnet "$cli" colorize "$img" -o "$out/run.png" "$@" 2>&1 \
      | grep -oE "model [0-9]+ ms.*total [0-9]+ ms|detail [a-z]+|wall.*" | tr '\n' ' '
    echo " [$(basename "$img") run $i]"
  done
done
rm -rf "$out"
