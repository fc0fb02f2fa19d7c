"""Export the DDColor-shaped benchmark network (ddcolor_arch.py) to ONNX with random weights.

Stand-in for speed/memory measurements only (never a colouriser: the weights are random).
Contract as the product's models: input `input` float32 [1,3,S,S] (gray sRGB in [0,1]),
output `output` float32 [1,2,S,S] (Lab a, b), opset 17. With --dynamic-batch the first
dimension is the symbolic `N`.

Usage:
  python3 export_bench.py --model tiny --size 512 -o ddcolor-tiny-512.onnx [--dynamic-batch] [--seed 0]
"""
import argparse
import hashlib
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ddcolor_arch import build, count_params  # noqa: E402


def export(model, size, path, dynamic_batch=False, opset=17, exporter='torchscript'):
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(1))
    kw = dict(opset_version=opset, input_names=['input'], output_names=['output'], do_constant_folding=True)
    if dynamic_batch:
        kw['dynamic_axes'] = {'input': {0: 'N'}, 'output': {0: 'N'}}
    if exporter == 'dynamo':  # torch.export based (what DDColor's own export script uses under torch 2.x)
        torch.onnx.export(model, (x,), path, dynamo=True, external_data=False, **kw)
        return x, 'dynamo'
    try:
        torch.onnx.export(model, (x,), path, dynamo=False, **kw)
        how = 'torchscript'
    except TypeError:       # torch < 2.5 has no `dynamo` argument
        torch.onnx.export(model, (x,), path, **kw)
        how = 'torchscript'
    except Exception as e:  # legacy exporter unavailable: the torch.export based one
        print('legacy exporter failed:', repr(e)[:300], '- trying dynamo=True', file=sys.stderr)
        torch.onnx.export(model, (x,), path, dynamo=True, **kw)
        how = 'dynamo'
    return x, how


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', choices=['tiny', 'large', 'micro'], default='tiny')
    ap.add_argument('--exporter', choices=['torchscript', 'dynamo'], default='torchscript')
    ap.add_argument('--opset', type=int, default=17)
    ap.add_argument('--size', type=int, default=512)
    ap.add_argument('-o', '--output', default=None)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--dynamic-batch', action='store_true')
    ap.add_argument('--check', action='store_true', help='run the .onnx with onnxruntime (CPU) against PyTorch')
    args = ap.parse_args()
    if args.size % 32:
        ap.error('--size must be a multiple of 32')
    out = args.output or f'ddcolor-{args.model}-{args.size}.onnx'
    t = time.time()
    model = build(args.model, args.seed)
    x, how = export(model, args.size, out, args.dynamic_batch, args.opset, args.exporter)
    import onnx
    m = onnx.load(out)
    onnx.checker.check_model(out)
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    info = {
        'model': f'ddcolor-{args.model}-bench', 'file': out, 'bytes': os.path.getsize(out),
        'sha256': hashlib.sha256(open(out, 'rb').read()).hexdigest(), 'parameters': count_params(model),
        'seed': args.seed, 'exporter': how,
        'opset': [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')],
        'input': (m.graph.input[0].name, dims(m.graph.input[0])),
        'output': (m.graph.output[0].name, dims(m.graph.output[0])), 'seconds': round(time.time() - t, 1),
        'ops': sorted({n.op_type for n in m.graph.node}),
    }
    if args.check:
        import numpy as np
        import onnxruntime as ort
        sess = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
        with torch.no_grad():
            ref = model(x).numpy()
        got = sess.run(['output'], {'input': x.numpy()})[0]
        info['ort_max_abs_diff'] = float(np.abs(ref - got).max())
    print(info)


if __name__ == '__main__':
    main()
