"""Runs a command and reports the GPU's NVML peak used memory during it, minus the value before it started.

Same method as bench_torch.py and `pdncolorize bench` (device used memory, sampled every 2 ms, so the CUDA context
counts). Run it alone on the GPU. Prints one JSON line: {"command", "rc", "seconds", "peak_vram_mib"}.

  python3 nvml_peak.py --label budget-2g -- pdncolorize colorize big.jpg -o out.png --vram-budget 2048
"""
import json
import subprocess
import sys
import threading
import time

import pynvml


def main():
    argv = sys.argv[1:]
    label = None
    if argv[:1] == ['--label']:
        label, argv = argv[1], argv[2:]
    if argv[:1] == ['--']:
        argv = argv[1:]
    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    base = pynvml.nvmlDeviceGetMemoryInfo(handle).used
    peak = [base]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            used = pynvml.nvmlDeviceGetMemoryInfo(handle).used
            if used > peak[0]:
                peak[0] = used
            time.sleep(0.002)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.time()
    rc = subprocess.call(argv)
    stop.set()
    t.join()
    print(json.dumps({"label": label, "command": " ".join(argv[:3]), "rc": rc,
                      "seconds": round(time.time() - start, 2),
                      "peak_vram_mib": round((peak[0] - base) / 1048576, 1)}), flush=True)
    sys.exit(rc)


if __name__ == '__main__':
    main()
