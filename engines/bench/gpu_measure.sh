#!/usr/bin/env bash
# The H200 measurements of docs/performance.md, run ON the GPU machine once the self-contained CLI and ORT's CUDA
# libraries are there (source /var/tmp/pdn-gpu/env.sh first). Writes JSON lines to $OUT (or ./gpu-results):
#   torch.jsonl   PyTorch eager FP32 / AMP FP16 of the DDColor-shaped benchmark models (random weights)
#   ours.jsonl    pdncolorize bench on the CUDA EP, FP32 and FP16, same models and sizes, same NVML method
#   levers.jsonl  tiny@512 with single CUDA options put back to ORT's defaults, one lever at a time
#   budget.jsonl  colorize 24 MP / 100 MP images under --vram-budget 2/4/8 GiB, NVML peak of the whole process
#   memory.jsonl  the planner's memory model fitted from its two probe runs, then each (batch, size) in its own
#                 process: measured NVML peak against the model's prediction (phase memory)
#   plan.jsonl    colorize 24 / 100 MP with the memory-model planner under 1/2/4/8 GiB budgets, and
#   graph-check.txt  the same pictures with and without CUDA graphs compared pixel by pixel (phase plan)
#   graph.jsonl   FP16 with and without CUDA graphs (enable_cuda_graph=1, IOBinding), PyTorch FP32 alongside (phase graph)
# Each configuration runs in its own process, so each pays for and measures its own CUDA context.
#   batch.txt     three 24 MP photos in one batch process at the default global-pass shape (auto)
#                 (rounds 6-8 compared shapes and save orders through 'batch --global-shape' and 'batch --sequential',
#                 switches retired since, docs/quality.md "Retired experiments"; this script at commit a6f83a0 still
#                 runs those comparisons; round 6 ran it at commit 742b830)
#   switch.jsonl  bench: tiles right after a run of the global pass's old shape (batch 1, another size or batch)
# Phases (one command each keeps every call under the GPU machine's 10-minute limit): models | levers | budget | memory | plan | batch | switch | shapes | graph | gridtiles | all
set -uo pipefail
phase="${1:-all}"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/gpu_env.sh"

# The embedded model travels in the working tree; put it where the app looks for embedded models.
mkdir -p "$PDN_GPU_APP/models" && cp engines/models/*.onnx engines/models/pdnc-*.json "$PDN_GPU_APP/models/" 2>/dev/null || true
nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv | tee -a "$out/log.txt"
[ "$phase" = budget ] || "$app" doctor >> "$out/log.txt" 2>&1

if [ "$phase" = fp16 ]; then
  log "FP16 only (after a converter or option change)"
  for spec in tiny:512 tiny:1024 large:512; do
    m=${spec%%:*}; s=${spec##*:}
    [ -f "$work/ddcolor-$m-$s.onnx" ] || python3 "$here/export_bench.py" --model "$m" --size "$s" -o "$work/ddcolor-$m-$s.onnx" >> "$out/log.txt" 2>&1
    "$app" bench --model "$work/ddcolor-$m-$s.onnx" --sizes "$s" --precision fp16 --device cuda --runs 20 2>> "$out/log.txt" | grep '^{' >> "$out/ours-fp16.jsonl"
  done
  for s in 256 512; do
    "$app" bench --sizes "$s" --precision fp16 --device cuda --runs 20 2>> "$out/log.txt" | grep '^{' >> "$out/ours-fp16.jsonl"
  done
fi
if [ "$phase" = models ] || [ "$phase" = all ]; then
log "export benchmark models (random weights)"
for spec in tiny:512 tiny:1024 large:512; do
  m=${spec%%:*}; s=${spec##*:}
  [ -f "$work/ddcolor-$m-$s.onnx" ] || python3 "$here/export_bench.py" --model "$m" --size "$s" -o "$work/ddcolor-$m-$s.onnx" >> "$out/log.txt" 2>&1
done

log "PyTorch eager baseline"
python3 "$here/bench_torch.py" --models tiny --sizes 512,1024 --precisions fp32,fp16 --runs 20 > "$out/torch.jsonl" 2>> "$out/log.txt"
python3 "$here/bench_torch.py" --models large --sizes 512 --precisions fp32,fp16 --runs 20 >> "$out/torch.jsonl" 2>> "$out/log.txt"

log "ours: CUDA EP FP32 and FP16"
for spec in tiny:512 tiny:1024 large:512; do
  m=${spec%%:*}; s=${spec##*:}
  for p in fp32 fp16; do
    "$app" bench --model "$work/ddcolor-$m-$s.onnx" --sizes "$s" --precision "$p" --device cuda --runs 20 2>> "$out/log.txt" | grep '^{' >> "$out/ours.jsonl"
  done
done
for s in 256 512 1024; do
  for p in fp32 fp16; do
    "$app" bench --sizes "$s" --precision "$p" --device cuda --runs 20 2>> "$out/log.txt" | grep '^{' >> "$out/ours.jsonl"
  done
done

fi
if [ "$phase" = levers ] || [ "$phase" = all ]; then
log "levers, one at a time back to ORT's default (tiny@512 FP16)"
for lever in "cudnn_conv_use_max_workspace=1" "arena_extend_strategy=kNextPowerOfTwo" "cudnn_conv_algo_search=EXHAUSTIVE" "prefer_nhwc=1"; do
  "$app" bench --model "$work/ddcolor-tiny-512.onnx" --sizes 512 --precision fp16 --device cuda --runs 20 --cuda-option "$lever" 2>> "$out/log.txt" \
    | grep '^{' | sed "s/^{/{\"lever\":\"$lever\",/" >> "$out/levers.jsonl"
done

fi
if [ "$phase" = budget ] || [ "$phase" = all ]; then
log "budget test: 24 MP and 100 MP under 2/4/8 GiB"
python3 - "$work" <<'PY' >> "$out/log.txt" 2>&1
import sys
from PIL import Image
work = sys.argv[1]
base = Image.open('tests/fixtures/photos/Kite.png').convert('L')
for name, size in (('24mp', (6000, 4000)), ('100mp', (12248, 8165))):
    base.resize(size, Image.BICUBIC).save(f'{work}/gray-{name}.jpg', quality=92)
PY
for img in 24mp 100mp; do
  for budget in 2048 4096 8192; do
    python3 "$here/nvml_peak.py" --label "$img budget=$budget ddcolor-tiny-512 detail=fine" -- \
      "$app" colorize "$work/gray-$img.jpg" -o "$work/out-$img.png" --device cuda --vram-budget "$budget" --detail fine \
      --model "$work/ddcolor-tiny-512.onnx" >> "$out/budget.jsonl" 2>> "$out/log.txt"
  done
done
fi
if [ "$phase" = memory ]; then
  log "memory model: probes, then predicted vs measured per (batch, size), each in its own process"
  [ -f "$work/ddcolor-tiny-512-dyn.onnx" ] || python3 "$here/export_bench.py" --model tiny --size 512 --dynamic-batch -o "$work/ddcolor-tiny-512-dyn.onnx" >> "$out/log.txt" 2>&1
  for spec in "embedded:256" "embedded:512" "$work/ddcolor-tiny-512-dyn.onnx:512"; do
    m=${spec%:*}; s=${spec##*:}; marg=(); [ "$m" = embedded ] || marg=(--model "$m")
    "$app" bench "${marg[@]}" --probe-memory --sizes "$s" --precision fp16 --device cuda 2>> "$out/log.txt" | grep '^{' | sed "s/^{/{\"kind\":\"probe\",/" >> "$out/memory.jsonl"
    for nb in 1:$s 2:$s 4:$s 8:$s 1:$((2*s)) 2:$((2*s)); do
      b=${nb%%:*}; z=${nb##*:}
      "$app" bench "${marg[@]}" --sizes "$z" --batch "$b" --precision fp16 --device cuda --runs 5 --warmup 2 2>> "$out/log.txt" \
        | grep '^{' | sed "s/^{/{\"kind\":\"check\",/" >> "$out/memory.jsonl"
    done
  done
fi
if [ "$phase" = plan ]; then
  [ -f "$work/ddcolor-tiny-512-dyn.onnx" ] || python3 "$here/export_bench.py" --model tiny --size 512 --dynamic-batch -o "$work/ddcolor-tiny-512-dyn.onnx" >> "$out/log.txt" 2>&1
  [ -f "$work/gray-100mp.jpg" ] || python3 -c "
from PIL import Image
b = Image.open('tests/fixtures/photos/Kite.png').convert('L')
b.resize((6000, 4000), Image.BICUBIC).save('$work/gray-24mp.jpg', quality=92)
b.resize((12248, 8165), Image.BICUBIC).save('$work/gray-100mp.jpg', quality=92)"
  for spec in "embedded" "$work/ddcolor-tiny-512-dyn.onnx"; do
    marg=(); [ "$spec" = embedded ] || marg=(--model "$spec")
    for run in 24mp:1024 24mp:2048 24mp:4096 24mp:8192 100mp:2048 100mp:8192; do
      img=${run%%:*}; budget=${run##*:}
      python3 "$here/nvml_peak.py" --label "$img budget=$budget $(basename "$spec") detail=fine" -- \
        "$app" colorize "$work/gray-$img.jpg" -o "$work/out-plan.png" --device cuda --vram-budget "$budget" --detail fine "${marg[@]}" \
        >> "$out/plan.jsonl" 2>> "$out/plan-log.txt"
    done
  done
  log "CUDA graphs: same picture with and without (global on a small photo, fine on 24 MP)"
  for g in 0 1; do
    "$app" colorize tests/fixtures/photos/Kite.png -o "$work/kite-g$g.png" --device cuda --detail global --cuda-option "enable_cuda_graph=$g" >> "$out/graph-check.txt" 2>&1
    python3 "$here/nvml_peak.py" --label "24mp graph=$g embedded detail=fine" -- \
      "$app" colorize "$work/gray-24mp.jpg" -o "$work/big-g$g.png" --device cuda --detail fine --cuda-option "enable_cuda_graph=$g" >> "$out/graph-check.txt" 2>&1
  done
  python3 - "$work" >> "$out/graph-check.txt" 2>&1 <<'PY'
import sys
import numpy as np
from PIL import Image
w = sys.argv[1]
for name in ('kite', 'big'):
    a = np.asarray(Image.open(f'{w}/{name}-g0.png').convert('RGB')).astype(int)
    b = np.asarray(Image.open(f'{w}/{name}-g1.png').convert('RGB')).astype(int)
    d = np.abs(a - b)
    print(f'{name}: graph vs plain: max |diff| {d.max()}, mean {d.mean():.4f}, pixels differing {(d.max(axis=2) > 0).mean() * 100:.3f} %')
PY

fi
if [ "$phase" = batch ]; then
  log "batch: three copies of the 24 MP card in one process (shapes warm after the first photo)"
  [ -f "$work/ddcolor-tiny-512-dyn.onnx" ] || python3 "$here/export_bench.py" --model tiny --size 512 --dynamic-batch -o "$work/ddcolor-tiny-512-dyn.onnx" >> "$out/log.txt" 2>&1
  mkdir -p "$work/batch-in" && python3 -c "
from PIL import Image
b = Image.open('tests/fixtures/photos/Kite.png').convert('L').resize((6000, 4000), Image.BICUBIC)
for i in range(3): b.save('$work/batch-in/card-%d.jpg' % i, quality=92)"
  # Each model at the default shape (auto: the fixed-size DDColor-tiny's global pass only fills the tiles' batch, the
  # embedded model's tiles take its global grid's shape). The memory fit is dropped before each process so every
  # first photo pays its probes, as in round 5.
  for spec in "embedded:auto" "$work/ddcolor-tiny-512-dyn.onnx:fine"; do
    m=${spec%%:*}; d=${spec#*:}; marg=(); [ "$m" = embedded ] || marg=(--model "$m")
    rm -rf "$work/batch-out"; find "$work/cache" -name memory-model.json -delete 2>/dev/null
    python3 "$here/nvml_peak.py" --label "batch 3 x 24mp $(basename "$m") detail=$d" -- \
      "$app" batch "$work/batch-in" "$work/batch-out" --device cuda --detail "$d" "${marg[@]}" >> "$out/batch.txt" 2>&1
  done
fi
if [ "$phase" = gridtiles ]; then
  log "gridtiles: the embedded model's tiles at its global grid's shape (auto since round 7)"
  copies=${GRIDTILES_COPIES:-3}
  rm -rf "$work/batch-in"; mkdir -p "$work/batch-in" && python3 -c "
from PIL import Image
b = Image.open('tests/fixtures/photos/Kite.png').convert('L').resize((6000, 4000), Image.BICUBIC)
for i in range($copies): b.save('$work/batch-in/card-%d.jpg' % i, quality=92)"
  # GRIDTILES_SAVES=1: saves behind as on a 4-core machine (one at a time) and as here (16 cores: three at once).
  # Runs are cores: (empty = all).
  if [ "${GRIDTILES_SAVES:-0}" = 1 ]; then runs="4 all"; else runs="all"; fi
  for round in $(seq 1 "${GRIDTILES_ROUNDS:-2}"); do
    for cores in $runs; do
      [ "$cores" = all ] && cores=""
      rm -rf "$work/batch-out"; find "$work/cache" -name memory-model.json -delete 2>/dev/null
      python3 "$here/nvml_peak.py" --label "round $round: batch $copies x 24mp embedded detail=auto cores=${cores:-all}" -- \
        env ${cores:+DOTNET_PROCESSOR_COUNT=$cores} "$app" batch "$work/batch-in" "$work/batch-out" --device cuda --detail auto >> "$out/gridtiles.txt" 2>&1
    done
  done
  [ "${GRIDTILES_SAVES:-0}" = 1 ] && { log "done: gridtiles (saves)"; exit 0; }
  # the tile plan the default makes on this GPU
  "$app" colorize "$work/batch-in/card-0.jpg" -o "$work/one.png" --device cuda --detail auto >> "$out/gridtiles-plan.txt" 2>&1
fi
if [ "$phase" = switch ]; then
  log "what the old job's shape switches cost: tiles right after a global pass of another shape (batch and/or size)"
  [ -f "$work/ddcolor-tiny-512-dyn.onnx" ] || python3 "$here/export_bench.py" --model tiny --size 512 --dynamic-batch -o "$work/ddcolor-tiny-512-dyn.onnx" >> "$out/log.txt" 2>&1
  # embedded on the H200: 6 tiles of 512 in one call, global pass 256x160 at batch 1
  "$app" bench --sizes 512 --batch 6 --alternate 1x160x256 --precision fp16 --device cuda --runs 10 2>> "$out/log.txt" | grep '^{' >> "$out/switch.jsonl"
  # DDColor-tiny (fixed 512, dynamic batch): 15 tiles as 2 calls of 8, global pass 512x512 at batch 1
  "$app" bench --model "$work/ddcolor-tiny-512-dyn.onnx" --sizes 512 --batch 8 --alternate 1x512x512 --precision fp16 --device cuda --runs 10 \
    2>> "$out/log.txt" | grep '^{' >> "$out/switch.jsonl"
fi
if [ "$phase" = shapes ]; then
  log "alternating shapes: runs of one shape each right after a run of another, per conv algorithm search"
  [ -f "$work/ddcolor-tiny-512-dyn.onnx" ] || python3 "$here/export_bench.py" --model tiny --size 512 --dynamic-batch -o "$work/ddcolor-tiny-512-dyn.onnx" >> "$out/log.txt" 2>&1
  for search in HEURISTIC DEFAULT; do
    "$app" bench --model "$work/ddcolor-tiny-512-dyn.onnx" --sizes 512 --alternate 352x512 --precision fp16 --device cuda --runs 10 \
      --cuda-option "cudnn_conv_algo_search=$search" 2>> "$out/log.txt" | grep '^{' | sed "s/^{/{\"search\":\"$search\",/" >> "$out/shapes.jsonl"
    "$app" bench --sizes 256 --alternate 160x256 --precision fp16 --device cuda --runs 10 \
      --cuda-option "cudnn_conv_algo_search=$search" 2>> "$out/log.txt" | grep '^{' | sed "s/^{/{\"search\":\"$search\",/" >> "$out/shapes.jsonl"
  done
fi
if [ "$phase" = graph ]; then
  log "CUDA graphs: FP16 plain vs enable_cuda_graph=1, PyTorch eager FP32 alongside"
  for spec in tiny:512 tiny:1024 large:512; do
    m=${spec%%:*}; s=${spec##*:}
    [ -f "$work/ddcolor-$m-$s.onnx" ] || python3 "$here/export_bench.py" --model "$m" --size "$s" -o "$work/ddcolor-$m-$s.onnx" >> "$out/log.txt" 2>&1
    for g in 0 1; do
      "$app" bench --model "$work/ddcolor-$m-$s.onnx" --sizes "$s" --precision fp16 --device cuda --runs 20 --cuda-option "enable_cuda_graph=$g" 2>> "$out/log.txt" \
        | grep '^{' | sed "s/^{/{\"cuda_graph\":$g,/" >> "$out/graph.jsonl"
    done
  done
  for s in 256 512; do
    for g in 0 1; do
      "$app" bench --sizes "$s" --precision fp16 --device cuda --runs 20 --cuda-option "enable_cuda_graph=$g" 2>> "$out/log.txt" \
        | grep '^{' | sed "s/^{/{\"cuda_graph\":$g,/" >> "$out/graph.jsonl"
    done
  done
  python3 "$here/bench_torch.py" --models tiny --sizes 512,1024 --precisions fp32 --runs 20 >> "$out/graph-torch.jsonl" 2>> "$out/log.txt"
  python3 "$here/bench_torch.py" --models large --sizes 512 --precisions fp32 --runs 20 >> "$out/graph-torch.jsonl" 2>> "$out/log.txt"
fi
log "done: $phase"
