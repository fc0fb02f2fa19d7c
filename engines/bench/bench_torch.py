"""PyTorch eager baseline for the DDColor-shaped benchmark network (random weights).

For each configuration (model x size x precision) it prints one JSON line:
  {"model", "device", "precision", "size", "batch", "median_ms", "peak_vram_mib", "host_peak_mib", ...}
  * median_ms: median wall time of `runs` forward passes (batch 1 by default) after `warmup` passes,
    each followed by torch.cuda.synchronize();
  * peak_vram_mib: NVML peak of the GPU's used memory minus its value before this process touched
    CUDA, i.e. the whole-process delta including the CUDA context, sampled every 2 ms in a thread
    (pynvml from the nvidia-ml-py package). Run it alone on the GPU: other processes' memory counts;
  * precision fp32 = eager FP32; fp16 = torch.autocast(float16) (AMP) with FP32 weights.
Each configuration runs in a fresh child process (so each one pays and measures its own CUDA
context), unless --inproc is given. Without CUDA it runs FP32 on the CPU (for smoke tests) and
reports peak_vram_mib null.

Usage:
  python3 bench_torch.py --models tiny,large --sizes 512,1024 --precisions fp32,fp16 [--runs 20] [--json out.json]
  python3 bench_torch.py --models tiny --sizes 64 --runs 3 --warmup 1      # CPU smoke test
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class NvmlSampler:
    """Samples the device's used memory every `period` seconds; peak minus baseline in MiB."""

    def __init__(self, index=0, period=0.002):
        import pynvml
        self.nv = pynvml
        pynvml.nvmlInit()
        self.h = pynvml.nvmlDeviceGetHandleByIndex(index)
        self.period = period
        self.base = self.used()
        self.peak = self.base
        self.samples = 0
        self._stop = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)

    def used(self):
        return self.nv.nvmlDeviceGetMemoryInfo(self.h).used

    def _run(self):
        while not self._stop.is_set():
            u = self.used()
            if u > self.peak:
                self.peak = u
            self.samples += 1
            time.sleep(self.period)

    def start(self):
        self.t.start()
        return self

    def stop(self):
        self._stop.set()
        self.t.join()
        u = self.used()
        self.peak = max(self.peak, u)
        self.nv.nvmlShutdown()
        return (self.peak - self.base) / 2 ** 20


def run_one(model_name, size, precision, batch, runs, warmup, seed):
    # NVML baseline is read before torch initialises CUDA in this process
    import importlib.util
    sampler = None
    has_nvml = importlib.util.find_spec('pynvml') is not None
    import torch
    cuda = torch.cuda.is_available()
    if cuda and has_nvml:
        idx = torch.cuda.current_device() if torch.cuda.is_initialized() else 0
        sampler = NvmlSampler(idx).start()
    sys.path.insert(0, HERE)
    from ddcolor_arch import build
    dev = torch.device('cuda' if cuda else 'cpu')
    if not cuda and precision != 'fp32':
        return {'model': f'ddcolor-{model_name}-bench', 'device': 'cpu', 'precision': precision, 'size': size,
                'batch': batch, 'skipped': 'fp16 needs CUDA'}
    context_mib = None
    if cuda and sampler is not None:
        torch.zeros(1, device=dev)  # the context and PyTorch's allocator, before any weight
        torch.cuda.synchronize()
        context_mib = round((sampler.used() - sampler.base) / 2 ** 20, 1)
    model = build(model_name, seed).to(dev)
    weights_mib = round(torch.cuda.memory_allocated() / 2 ** 20, 1) if cuda else None
    x = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(seed + 1)).to(dev)
    ctx = (lambda: torch.autocast('cuda', dtype=torch.float16)) if precision == 'fp16' else \
        (lambda: torch.autocast('cuda' if cuda else 'cpu', enabled=False))
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    times = []
    with torch.inference_mode():
        for i in range(warmup + runs):
            sync()
            t = time.perf_counter()
            with ctx():
                y = model(x)
            sync()
            if i >= warmup:
                times.append((time.perf_counter() - t) * 1000)
    assert tuple(y.shape) == (batch, 2, size, size), y.shape
    res = {'model': f'ddcolor-{model_name}-bench', 'device': 'cuda' if cuda else 'cpu', 'precision': precision,
           'size': size, 'batch': batch, 'median_ms': round(statistics.median(times), 3),
           'min_ms': round(min(times), 3), 'runs': runs, 'warmup': warmup,
           'peak_vram_mib': None,
           'host_peak_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           'torch': torch.__version__}
    if cuda:
        res['torch_max_allocated_mib'] = round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
        res['torch_max_reserved_mib'] = round(torch.cuda.max_memory_reserved() / 2 ** 20, 1)
        res['weights_mib'] = weights_mib
        res['context_mib'] = context_mib
        res['gpu'] = torch.cuda.get_device_name(0)
    if sampler is not None:
        res['peak_vram_mib'] = round(sampler.stop(), 1)
        res['nvml_samples'] = sampler.samples
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', default='tiny')
    ap.add_argument('--sizes', default='512')
    ap.add_argument('--precisions', default='fp32,fp16')
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--runs', type=int, default=20)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--inproc', action='store_true', help='measure in this process (no fresh CUDA context)')
    ap.add_argument('--json', default=None, help='also write the list of results to this file')
    ap.add_argument('--one', default=None, help=argparse.SUPPRESS)  # child mode: model,size,precision
    args = ap.parse_args()

    if args.one:
        m, s, p = args.one.split(',')
        print(json.dumps(run_one(m, int(s), p, args.batch, args.runs, args.warmup, args.seed)), flush=True)
        return
    results = []
    for m in args.models.split(','):
        for s in (int(v) for v in args.sizes.split(',')):
            if s % 32:
                ap.error(f'size {s} is not a multiple of 32')
            for p in args.precisions.split(','):
                if args.inproc:
                    r = run_one(m, s, p, args.batch, args.runs, args.warmup, args.seed)
                else:
                    cmd = [sys.executable, os.path.abspath(__file__), '--one', f'{m},{s},{p}',
                           '--batch', str(args.batch), '--runs', str(args.runs), '--warmup', str(args.warmup),
                           '--seed', str(args.seed)]
                    cp = subprocess.run(cmd, capture_output=True, text=True)
                    lines = [ln for ln in cp.stdout.splitlines() if ln.startswith('{')]
                    if cp.returncode != 0 or not lines:
                        r = {'model': f'ddcolor-{m}-bench', 'size': s, 'precision': p,
                             'error': (cp.stderr or cp.stdout)[-800:]}
                    else:
                        r = json.loads(lines[-1])
                print(json.dumps(r), flush=True)
                results.append(r)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
