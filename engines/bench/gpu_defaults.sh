#!/usr/bin/env bash
# The default GPU path measured against PyTorch eager (docs/performance.md, "The default path: CUDA graphs, float16
# I/O"), run ON the GPU machine once the self-contained CLI and ORT's CUDA libraries are there (source
# /var/tmp/pdn-gpu/env.sh first). Each configuration runs in its own process (its own CUDA context and NVML peak).
# Writes to $OUT (or ./gpu-results):
#   export the benchmark models (random weights) into /var/tmp/pdn-work, all at once before anything is timed
#   speed  torch.jsonl (PyTorch eager FP32 and AMP FP16, batch 1), ours.jsonl (bench at the defaults, then one lever
#          changed at a time: graphs off, FP32, EXHAUSTIVE conv search, NHWC), flops.jsonl (count_flops.py)
#   sweep  sweep.jsonl (DDColor-tiny, dynamic batch, tiles of 512 at batch 1..16: TFLOP/s)
#   jobs   batch-*.txt (six 24 MP photos in one batch: DDColor-tiny fixed-size and dynamic-batch exports at fine, the
#          embedded model at auto), firstuse.txt (DDColor-large's first colourisation with an empty cache, then
#          again: every output line time-stamped)
# At most 8 files come back from a call: each phase writes fewer.
set -uo pipefail
phase="${1:?export | speed | jobs}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/gpu_env.sh"
bench() { "$app" bench "$@" 2>> "$out/bench-log.txt" | grep '^{'; }
tag() { sed "s/^{/{\"config\":\"$1\",/"; }
gflop() { python3 - "$1" <<'PY'
import json, sys
print(next((json.loads(l)['gflop'] for l in open(sys.argv[1]) if l.strip()), ''))
PY
}

mkdir -p "$PDN_GPU_APP/models" && cp engines/models/*.onnx engines/models/pdnc-*.json "$PDN_GPU_APP/models/" 2>/dev/null || true
nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,clocks.max.sm --format=csv | tee -a "$out/log.txt"

export_models() {
  # All exports at once on the CPU before anything is timed. large-dyn18 is DDColor's own export route (torch.export,
  # opset 18), for the first-use measurement.
  local pids=()
  for spec in tiny:512: large:512: tiny:512:--dynamic-batch; do
    IFS=: read -r m s extra <<< "$spec"
    f="$work/ddcolor-$m-$s${extra:+-dyn}.onnx"
    [ -f "$f" ] || { python3 "$here/export_bench.py" --model "$m" --size "$s" $extra -o "$f" >> "$out/export-log.txt" 2>&1 & pids+=($!); }
  done
  [ -f "$work/ddcolor-large-512-dynamo18.onnx" ] || { python3 "$here/export_bench.py" --model large --size 512 --exporter dynamo --opset 18 \
      -o "$work/ddcolor-large-512-dynamo18.onnx" >> "$out/export-log.txt" 2>&1 & pids+=($!); }
  for p in "${pids[@]}"; do wait "$p"; done
  ls -la "$work"/*.onnx >> "$out/log.txt"
}

if [ "$phase" = export ]; then log "export"; export_models; fi

if [ "$phase" = speed ]; then
  export_models
  log "FLOPs"
  for m in tiny-512 large-512; do
    python3 "$here/count_flops.py" "$work/ddcolor-$m.onnx" --json | sed "s/^{/{\"file\":\"$m\",/" >> "$out/flops.jsonl" 2>> "$out/log.txt"
  done
  log "PyTorch eager"
  python3 "$here/bench_torch.py" --models tiny,large --sizes 512 --precisions fp32,fp16 --runs 20 > "$out/torch.jsonl" 2>> "$out/log.txt"
  log "ours: defaults, then one lever at a time"
  for m in tiny-512 large-512; do
    g=$(gflop <(grep "\"file\":\"$m\"" "$out/flops.jsonl"))
    f="$work/ddcolor-$m.onnx"
    common=(--model "$f" --sizes 512 --device cuda --runs 20 ${g:+--gflop $g})
    bench "${common[@]}" | tag "$m default" >> "$out/ours.jsonl"
    bench "${common[@]}" --cuda-option enable_cuda_graph=0 | tag "$m graphs off" >> "$out/ours.jsonl"
    bench "${common[@]}" --precision fp32 | tag "$m fp32" >> "$out/ours.jsonl"
    if [ "${LEVERS:-}" = conv ]; then # round 9a only: both measured slower with graphs
      bench "${common[@]}" --cuda-option cudnn_conv_algo_search=EXHAUSTIVE | tag "$m exhaustive" >> "$out/ours.jsonl"
      bench "${common[@]}" --cuda-option prefer_nhwc=1 | tag "$m nhwc" >> "$out/ours.jsonl"
    else
      bench "${common[@]}" --cuda-option arena_extend_strategy=kSameAsRequested | tag "$m arena same-as-requested" >> "$out/ours.jsonl"
    fi
    bench "${common[@]}" | tag "$m default again" >> "$out/ours.jsonl"
  done
  for s in 256 512; do
    bench --sizes "$s" --device cuda --runs 20 | tag "embedded default" >> "$out/ours.jsonl"
    bench --sizes "$s" --device cuda --runs 20 --cuda-option enable_cuda_graph=0 | tag "embedded graphs off" >> "$out/ours.jsonl"
  done
  log "PyTorch eager again (its spread between processes)"
  python3 "$here/bench_torch.py" --models tiny,large --sizes 512 --precisions fp32 --runs 20 >> "$out/torch.jsonl" 2>> "$out/log.txt"
fi

if [ "$phase" = sweep ]; then
  export_models
  dyn="$work/ddcolor-tiny-512-dyn.onnx"
  python3 "$here/count_flops.py" "$dyn" --input 1,3,512,512 --json > "$out/flops-dyn.jsonl" 2>> "$out/log.txt"
  g=$(gflop "$out/flops-dyn.jsonl")
  log "tiles of 512 at batch 1..16 (FP16; ORT refuses this export CUDA graphs: plain runs)"
  for b in 1 2 4 8 16; do
    bench --model "$dyn" --sizes 512 --batch "$b" --device cuda --runs 10 --warmup 3 ${g:+--gflop $g} | tag "tiny-dyn batch $b" >> "$out/sweep.jsonl"
  done
  bench --model "$dyn" --sizes 512 --batch 8 --device cuda --runs 10 --precision fp32 ${g:+--gflop $g} | tag "tiny-dyn batch 8 fp32" >> "$out/sweep.jsonl"
  bench --model "$dyn" --sizes 512 --batch 8 --device cuda --runs 10 --cuda-option enable_cuda_graph=0 ${g:+--gflop $g} | tag "tiny-dyn batch 8 graphs off" >> "$out/sweep.jsonl"
fi

if [ "$phase" = jobs ]; then
  export_models
  dyn="$work/ddcolor-tiny-512-dyn.onnx"
  log "first use of DDColor-large (torch.export, opset 18) on a 960x960 photo: empty cache, then again"
  python3 -c "
from PIL import Image
Image.open('tests/fixtures/photos/Garden.png').convert('L').resize((960, 960), Image.BICUBIC).save('$work/gray-960.png')"
  large="$work/ddcolor-large-512-dynamo18.onnx"
  for run in first again; do
    [ "$run" = first ] && rm -rf "$work/cache-firstuse"
    PDNCOLORIZE_CACHE="$work/cache-firstuse" python3 "$here/stamp_lines.py" -- \
      "$app" colorize "$work/gray-960.png" -o "$work/large-960.png" --model "$large" --device cuda --precision fp16 >> "$out/firstuse.txt" 2>&1
  done
  # Does the FP16 first run's cost (7 s in round 9a, every process) come back from the driver's JIT cache once it may
  # keep more than its default size? Two processes with a 4 GiB cache in a fresh folder.
  rm -rf "$work/nvcache"
  for run in 1 2; do
    echo "== CUDA_CACHE_MAXSIZE=4 GiB, process $run" >> "$out/firstuse.txt"
    CUDA_CACHE_PATH="$work/nvcache" CUDA_CACHE_MAXSIZE=4294967296 PDNCOLORIZE_CACHE="$work/cache-firstuse" python3 "$here/stamp_lines.py" -- \
      "$app" colorize "$work/gray-960.png" -o "$work/large-960.png" --model "$large" --device cuda --precision fp16 >> "$out/firstuse.txt" 2>&1
  done
  du -sh "$work/nvcache" >> "$out/firstuse.txt" 2>&1
  log "six 24 MP photos in one batch (DDColor-tiny fine; embedded auto), graphs on and off"
  rm -rf "$work/batch-in"; mkdir -p "$work/batch-in" && python3 -c "
from PIL import Image
b = Image.open('tests/fixtures/photos/Kite.png').convert('L').resize((6000, 4000), Image.BICUBIC)
for i in range(6): b.save('$work/batch-in/card-%d.jpg' % i, quality=92)"
  # tiny: the fixed-size export (batch 1: graphs replay every tile); tinydyn: the dynamic-batch one (graphs refused)
  # tinydyn twice: the second process opens once (the first remembers that ORT refused it graphs)
  for spec in ${JOBS:-tiny:fine:1 tinydyn:fine:1 tinydyn:fine:1 embedded:auto:1}; do
    IFS=: read -r m d g <<< "$spec"
    case "$m" in tiny) marg=(--model "$work/ddcolor-tiny-512.onnx");; tinydyn) marg=(--model "$dyn");; *) marg=();; esac
    rm -rf "$work/batch-out"
    python3 "$here/nvml_peak.py" --label "batch 6 x 24mp $m detail=$d graphs=$g" -- \
      "$app" batch "$work/batch-in" "$work/batch-out" --device cuda --detail "$d" "${marg[@]}" --cuda-option "enable_cuda_graph=$g" \
      >> "$out/batch-$m-g$g.txt" 2>&1
  done

fi
log "done: $phase"
