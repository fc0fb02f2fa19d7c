#!/usr/bin/env bash
# One run on a GPU machine: train the embedded model's candidates and bring back what the CPU side needs.
# Run from the repo root with .gputrain (prepare_data.py) carried:  bash engines/models/training/gpu_train.sh
# Each run: $OUT/<run>.tgz (train.log, loss_log.csv, metrics.json, preview.png, decoding.npz) and the ONNX model in
# parts of < 16 MiB ($OUT/<run>.onnx.partN); join them with cat.
# RUNS="name:flags;name:flags" picks the runs; the default is the recipe of the shipped pdnc-resnet18-v2 (the other
# runs tried are listed with their flags and numbers in docs/models/pdnc-resnet18-v2.md).
set -o pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${SECONDS_EACH:-160}
RUNS=${RUNS:-"shipped:--freeze-frac 0.2 --enc-lr 0.1"}
nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv,noheader
python3 -c "import torch, onnx, onnxruntime; print('torch', torch.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__)"
IFS=';' read -ra LIST <<< "$RUNS"
for item in "${LIST[@]}"; do
  name=${item%%:*}; flags=${item#*:}
  work=/tmp/pdnc-train/$name; rm -rf "$work"; mkdir -p "$work"
  start=$(date +%s)
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 python3 train.py --data ../../../.gputrain --out "$work" --train-seconds "$SECONDS_EACH" \
      --batch 128 --crop 224 --sizes 256 --betas 0.5,1 --t-grid 0.3,0.4,0.5 --val-every 5 $flags 2>&1 \
      | tee "$work/train.log" | grep -v Warning | grep -E 'encoder|parameters|unfrozen|training done|chosen|S  256|gray baseline|ORT check|exported|all done|Error|error' 
  echo "run $name: $(( $(date +%s) - start )) s on the machine"
  tar czf "$OUT/$name.tgz" -C "$work" --exclude='*.onnx*' --exclude='weights.pt*' .
  for part in "$work"/*.onnx.part*; do [ -f "$part" ] && cp "$part" "$OUT/$name.onnx.${part##*.onnx.}"; done
  for whole in "$work"/*.onnx; do [ -f "$whole" ] && cp "$whole" "$OUT/$name.onnx"; done
done
ls -la "$OUT"
