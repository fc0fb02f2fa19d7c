#!/usr/bin/env bash
# The H200 measurement visit of issue #4, run ON the GPU machine after ../shared/gpu/pack.sh's parts are unpacked
# (source /var/tmp/pdn-gpu/env.sh first). Writes JSON lines to $OUT (or ./gpu-results):
#   torch.jsonl   PyTorch eager FP32 / AMP FP16 of the DDColor-shaped benchmark models (random weights)
#   ours.jsonl    pdncolorize bench on the CUDA EP, FP32 and FP16, same models and sizes, same NVML method
#   levers.jsonl  tiny@512 with single CUDA options put back to ORT's defaults, one lever at a time
#   budget.jsonl  colorize 24 MP / 100 MP images under --vram-budget 2/4/8 GiB, NVML peak of the whole process
# Each configuration runs in its own process, so each pays for and measures its own CUDA context.
# Phases (one command each keeps every call under the GPU machine's 10-minute limit): models | levers | budget | all
set -uo pipefail
phase="${1:-all}"
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$PWD/gpu-results}"; mkdir -p "$out"
work=/var/tmp/pdn-work; mkdir -p "$work"
app="${PDN_GPU_APP:?source /var/tmp/pdn-gpu/env.sh first}/pdncolorize"
export PDNCOLORIZE_CACHE="$work/cache"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$out/log.txt"; }

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
log "done: $phase"
