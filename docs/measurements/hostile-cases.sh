#!/bin/bash
# The hostile-input cases of docs/fidelity.md, each in a fresh folder: usage: FX=<fixtures> hostile-cases.sh <folder with pdncolorize.dll> <label>
# (the full-disk case mounts a 400 KB tmpfs: root only). Prints one line a case: exit code, message, new files.
BIN=$1; LABEL=$2
FX=${FX:?set FX to the fixture folder (see hostile-fixtures.py)}
run() { # name, then command line (pdnc = the CLI) run in a fresh folder W holding the fixtures
  local name=$1; shift
  local W=$(mktemp -d ${TMPDIR:-/tmp}/case.XXXX)
  cp $FX/* $W/ 2>/dev/null
  mkdir -p $W/cache
  local before=$(ls -A $W | sort)
  ( cd $W; export PDNCOLORIZE_CACHE=$W/cache PDNCOLORIZE_MODELS=$W/models; eval "$@" ) > $W/.stdout 2> $W/.stderr
  local rc=$?
  local after=$(cd $W; ls -A | grep -v '^\.std' | sort; [ -d out ] && (cd out && ls -A | sed 's#^#out/#'))
  local left=$(comm -13 <(echo "$before") <(echo "$after" | sort) | grep -v '^out$\|^cache$' | tr '\n' ' ')
  local msg=$( (grep -h "pdncolorize:\|Unhandled\|stopped:\|cancelled\|not done\|ok, .* failed\|cannot be written\|not read (" $W/.stderr $W/.stdout | grep -v "^\s*at " | head -3; ) | cut -c1-230 | tr '\n' ' ')
  echo "[$LABEL] $name | exit $rc | $msg | new files: ${left:-none}"
  rm -rf $W
}
P="dotnet $BIN/pdncolorize.dll"
run "strength abc" "$P colorize gray.png -o o.png --strength abc"
run "strength 0,5" "$P colorize gray.png -o o.png --strength 0,5"
run "eval limit abc" "$P eval . --limit abc"
run "region overflow" "$P colorize gray.png -o o.png --region 2147483647,0,10,10"
run "empty -o" "$P colorize gray.png -o ''"
run "manifest input_size 99999" "$P colorize gray.png -o o.png --model big.onnx"
run "bit-flipped model" "$P colorize gray.png -o o.png --model flip.onnx"
run "FIFO as input" "mkfifo f.png; timeout 10 $P colorize f.png -o o.png; r=\$?; rm f.png; exit \$r"
run "/dev/urandom" "timeout 10 $P colorize /dev/urandom -o o.png"
run "damaged JPEG scan" "$P colorize damaged.jpg -o o.png"
run "12-bit JPEG" "$P colorize 12bit.jpg -o o.png"
run "bad IHDR CRC" "$P colorize badcrc.png -o o.png"
run "HEIC" "$P colorize photo.heic -o o.png"
run "16-bit gray PNG" "$P colorize gray16.png -o o.png && python3 -c \"import sys; b=open('o.png','rb').read(); print('pdncolorize: output bit depth', b[24], file=sys.stderr)\""
run "16-bit TIFF input" "$P colorize scan16.tif -o o.png && python3 -c \"import sys; b=open('o.png','rb').read(); print('pdncolorize: output bit depth', b[24], file=sys.stderr)\""
run "colour photo" "$P colorize colour.png -o o.png"
run "colour photo in batch" "mkdir in; cp colour.png gray.png in/; $P batch in out"
run "batch <file>" "$P batch gray.png out"
run "batch lists unread" "mkdir in; cp gray.png in/; echo x > in/notes.txt; cp photo.heic in/; $P batch in out"
run "--size 4096 (20 s limit)" "timeout 20 $P colorize gray.png -o o.png --size 4096"
run "fp16, cache is a file" "rm -rf cache; echo x > cache; $P colorize gray.png -o o.png --precision fp16"
run "calibrate, output under a file" "mkdir ph; cp gray.png colour.png ph/; echo x > blocker; $P calibrate good.onnx ph -o blocker/cal --samples 1 --validation 0"
run "eval on B&W photos" "mkdir set; cp gray.png set/a.png; cp colour.png set/b.png; $P eval set --size 64"
run "255-byte output name" "$P colorize gray.png -o $(printf 'n%.0s' $(seq 1 251)).png"
run "stale temp from a killed save" "mkdir -p in out; cp gray.png in/; : > out/.gray.png.0123abcd.tmp; touch -d '-5 min' out/.gray.png.0123abcd.tmp; $P batch in out"
run "SIGINT mid-batch" "mkdir in; for i in \$(seq 1 60); do cp gray.png in/p\$i.png; done; python3 $(dirname "$(readlink -f "$0")")/hostile-signal.py SIGINT 3 $P batch in out"
run "SIGTERM mid-colorize" "python3 $(dirname "$(readlink -f "$0")")/hostile-signal.py SIGTERM 3 $P colorize large.png -o o.png --size 1536"
run "full disk mid-batch" "mkdir in disk; for i in 1 2 3 4 5 6; do cp gray.png in/p\$i.png; done; mount -t tmpfs -o size=400k tmpfs disk; $P batch in disk/out --size 64; r=\$?; ls -A disk/out | sed 's/^/pdncolorize: [left in disk\/out] /' >&2; umount disk; exit \$r"
