# Sourced by the GPU machine's measurement scripts (gpu_measure.sh, gpu_defaults.sh): where results, models and the
# published CLI are, and the log line. Needs /var/tmp/pdn-gpu/env.sh sourced first (../shared/gpu/unpack.sh writes it).
out="${OUT:-$PWD/gpu-results}"; mkdir -p "$out"
work=/var/tmp/pdn-work; mkdir -p "$work"
app="${PDN_GPU_APP:?source /var/tmp/pdn-gpu/env.sh first}/pdncolorize"
export PDNCOLORIZE_CACHE="$work/cache"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$out/log.txt"; }
