"""Summarise an ONNX Runtime profile (SessionOptions.EnableProfiling) by op type.

The profile is a Chrome-trace JSON list. Each inference is a "Session" event named "model_run"; each kernel is a
"Node" event named "<node>_kernel_time" with "dur" (microseconds) and args {op_name, provider}. Kernels are given
to the run whose [ts, ts + dur] holds their start; the first K runs (warm-up: allocation, kernel selection,
cuDNN/cuBLAS searches) are skipped. The gap between the sum of kernel times and the run time is ORT's own time
between kernels (launches, allocation, copies not profiled as nodes); with parallel execution the sum can exceed
the run instead.

Usage:
  python3 ort_profile_summary.py profile.json [--skip-runs K] [--top 20] [--json]
  python3 ort_profile_summary.py --self-test
"""
import argparse
import bisect
import json
import sys


def summarise(events, skip=1):
    runs = sorted((e['ts'], e['ts'] + e['dur']) for e in events
                  if e.get('cat') == 'Session' and e.get('name') == 'model_run')
    kept = runs[skip:]
    if not kept:
        sys.exit(f'{len(runs)} model_run events, none left after skipping {skip}')
    starts = [r[0] for r in kept]
    ops = {}  # op -> {'us': total over kept runs, 'nodes': distinct node names, 'providers': set}
    for e in events:
        if e.get('cat') != 'Node' or not e.get('name', '').endswith('_kernel_time'):
            continue
        i = bisect.bisect_right(starts, e['ts']) - 1
        if i < 0 or e['ts'] > kept[i][1]:  # in a skipped run, or outside any run
            continue
        a = e.get('args', {})
        o = ops.setdefault(a.get('op_name', '?'), {'us': 0, 'nodes': set(), 'providers': set()})
        o['us'] += e['dur']
        o['nodes'].add(e['name'][:-len('_kernel_time')])
        o['providers'].add(a.get('provider', '?'))
    n = len(kept)
    run_ms = sum(b - a for a, b in kept) / n / 1e3
    by_op = {k: {'ms_per_run': v['us'] / n / 1e3, 'share': v['us'] / n / 1e3 / run_ms, 'nodes': len(v['nodes']),
                 'providers': sorted(v['providers'])}
             for k, v in sorted(ops.items(), key=lambda kv: -kv[1]['us'])}
    kernel_ms = sum(v['ms_per_run'] for v in by_op.values())
    return {'runs': len(runs), 'skipped': min(skip, len(runs)), 'run_ms': run_ms, 'kernel_ms': kernel_ms,
            'gap_ms': run_ms - kernel_ms, 'by_op': by_op}


def show(r, top):
    print(f"{r['runs']} runs, {r['skipped']} skipped; mean model_run {r['run_ms']:.3f} ms")
    print(f"{'op':<24}{'ms/run':>10}{'share':>8}{'nodes':>7}  provider")
    items = list(r['by_op'].items())
    for op, v in items[:top]:
        print(f"{op:<24}{v['ms_per_run']:>10.3f}{v['share']:>8.1%}{v['nodes']:>7}  {','.join(v['providers'])}")
    rest = items[top:]
    if rest:
        ms = sum(v['ms_per_run'] for _, v in rest)
        print(f"{f'({len(rest)} more op types)':<24}{ms:>10.3f}{ms / r['run_ms']:>8.1%}"
              f"{sum(v['nodes'] for _, v in rest):>7}")
    print(f"{'kernels, all ops':<24}{r['kernel_ms']:>10.3f}{r['kernel_ms'] / r['run_ms']:>8.1%}"
          f"{sum(v['nodes'] for v in r['by_op'].values()):>7}")
    print(f"{'between kernels (gap)':<24}{r['gap_ms']:>10.3f}{r['gap_ms'] / r['run_ms']:>8.1%}")


def self_test():
    """A hand-made trace: 3 runs (the first a slow warm-up), 2 Conv nodes and 1 Relu; the answer is worked out."""
    ev = [{'cat': 'Session', 'name': 'session_initialization', 'ts': 0, 'dur': 50}]
    for r, (t0, conv) in enumerate([(100, 500), (1000, 60), (2000, 80)]):
        ev.append({'cat': 'Session', 'name': 'model_run', 'ts': t0, 'dur': 200 if r else 2000})
        t = t0 + 5
        for node, op, dur in (('conv1', 'Conv', conv), ('relu1', 'Relu', 10), ('conv2', 'Conv', 40)):
            ev.append({'cat': 'Node', 'name': node + '_fence_before', 'ts': t, 'dur': 0, 'args': {'op_name': op}})
            ev.append({'cat': 'Node', 'name': node + '_kernel_time', 'ts': t, 'dur': dur,
                       'args': {'op_name': op, 'provider': 'CPUExecutionProvider'}})
            t += dur + 3
    r = summarise(ev, skip=1)
    # kept runs: Conv (60+40 + 80+40)/2 = 110 us, Relu 10 us, run 200 us -> gap 80 us
    ok = (r['runs'] == 3 and abs(r['run_ms'] - 0.2) < 1e-9 and abs(r['by_op']['Conv']['ms_per_run'] - 0.11) < 1e-9
          and r['by_op']['Conv']['nodes'] == 2 and abs(r['by_op']['Relu']['ms_per_run'] - 0.01) < 1e-9
          and abs(r['gap_ms'] - 0.08) < 1e-9 and list(r['by_op']) == ['Conv', 'Relu'])
    show(r, 20)
    print('self-test', 'OK' if ok else 'MISMATCH')
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('profile', nargs='?')
    ap.add_argument('--skip-runs', type=int, default=1, help='warm-up runs to leave out (default 1)')
    ap.add_argument('--top', type=int, default=20, help='op types to list; the rest are summed in one line')
    ap.add_argument('--json', action='store_true', help='print one JSON line')
    ap.add_argument('--self-test', action='store_true')
    args = ap.parse_args()
    if args.self_test:
        sys.exit(0 if self_test() else 1)
    if not args.profile:
        ap.error('profile.json is required')
    with open(args.profile) as f:
        r = summarise(json.load(f), args.skip_runs)
    if args.json:
        print(json.dumps({'profile': args.profile, **r}))
    else:
        show(r, args.top)


if __name__ == '__main__':
    main()
