"""Count the arithmetic of an ONNX model at one input shape.

FLOPs = 2 x multiply-adds (MACs), counted for Conv (grouped/depthwise too), ConvTranspose, MatMul (batch dims
broadcast), Gemm and two-operand Einsum. Bias adds, Gemm's alpha/beta and every other op (norms, activations,
elementwise, Softmax, resizes) are NOT counted: they are listed as 'other' node counts by op type. A node whose
needed shapes shape inference could not find is counted under 'unknown' by op type instead of being guessed
(so is an Einsum of other than two operands). Nodes inside subgraphs (If/Loop/Scan) and model-local functions are
not looked into. Shapes come from onnx.shape_inference plus a small numpy folding of the constant shape
arithmetic that exporters leave in graphs (without it most of DDColor's attention MatMuls stay unknown).

Usage:
  python3 count_flops.py MODEL.onnx [--input N,C,H,W] [--json]
  python3 count_flops.py --self-test
"""
import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

COUNTED = ('Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum')


def infer(model):
    """Shape-inferred copy of `model`. data_prop carries Shape->Gather->Concat values into Reshape, which the
    symbolic-batch exports need. Protobuf cannot serialise >2 GB, so a big model goes through files."""
    if model.ByteSize() < 2**31 - 1:
        return shape_inference.infer_shapes(model, data_prop=True)
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, 'in.onnx'), os.path.join(d, 'out.onnx')
        onnx.save(model, src, save_as_external_data=True, location='in.data')
        shape_inference.infer_shapes_path(src, dst, data_prop=True)
        return onnx.load(dst, load_external_data=False)


NP = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def axes_of(n, v, attr):  # axes moved from an attribute to input 1 in opset 13
    return [int(a) for a in (v[1] if len(v) > 1 else attr['axes'])]


def unsqueeze(x, axes):
    r = x.ndim + len(axes)
    for a in sorted(a % r for a in axes):
        x = np.expand_dims(x, a)
    return x


def np_slice(x, starts, ends, axes=None, steps=None):
    idx = [slice(None)] * x.ndim
    for i, a in enumerate(axes if axes is not None else range(len(starts))):
        idx[int(a)] = slice(int(starts[i]), int(ends[i]), int(steps[i]) if steps is not None else 1)
    return x[tuple(idx)]


def int_div(a, b):  # ONNX integer Div truncates towards zero
    return (np.trunc(a / b).astype(a.dtype)) if a.dtype.kind in 'iu' else a / b


FOLD = {  # numpy versions of the ops that compute shapes (torch leaves some unfolded: Pad's pads, expand(-1))
    'Identity': lambda n, v, at: v[0], 'Cast': lambda n, v, at: v[0].astype(NP[at['to']]),
    'Gather': lambda n, v, at: np.take(v[0], v[1], axis=at.get('axis', 0)),
    'Concat': lambda n, v, at: np.concatenate(v, axis=at['axis']),
    'Unsqueeze': lambda n, v, at: unsqueeze(v[0], axes_of(n, v, at)),
    'Squeeze': lambda n, v, at: np.squeeze(v[0], tuple(axes_of(n, v, at))) if len(v) > 1 or 'axes' in at
    else np.squeeze(v[0]),
    'Slice': lambda n, v, at: np_slice(v[0], *v[1:]),
    'Reshape': lambda n, v, at: v[0].reshape([d or v[0].shape[i] for i, d in enumerate(v[1])]),
    'Transpose': lambda n, v, at: np.transpose(v[0], at.get('perm')),
    'ConstantOfShape': lambda n, v, at: np.full(v[0], numpy_helper.to_array(at['value'])[0] if 'value' in at
                                                else np.float32(0)),
    'Expand': lambda n, v, at: v[0] * np.ones(v[1], v[0].dtype),
    'Range': lambda n, v, at: np.arange(v[0], v[1], v[2]).astype(v[0].dtype),
    'Where': lambda n, v, at: np.where(*v), 'Equal': lambda n, v, at: np.equal(*v),
    'Add': lambda n, v, at: v[0] + v[1], 'Sub': lambda n, v, at: v[0] - v[1], 'Mul': lambda n, v, at: v[0] * v[1],
    'Div': lambda n, v, at: int_div(*v),
}


def fold(model, inferred):
    """ONNX's inference does not evaluate constant subgraphs, so a Reshape/Pad/Expand fed by one ends its shapes.
    Evaluate small such subgraphs with numpy and replace their nodes by Constants; True if anything was folded."""
    S = shapes_of(inferred)
    val = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer
           if t.data_location != onnx.TensorProto.EXTERNAL and math.prod(t.dims) <= 64}
    changed = False
    for k, n in enumerate(model.graph.node):
        attr = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        ins = [i for i in n.input if i]
        if n.op_type == 'Constant' and 'value' in attr:
            val[n.output[0]] = numpy_helper.to_array(attr['value'])
            continue
        if n.op_type == 'Shape' and n.input[0] in S:
            out = np.array(S[n.input[0]][attr.get('start', 0):attr.get('end')], np.int64)
        elif n.op_type in FOLD and n.domain in ('', 'ai.onnx') and all(i in val for i in ins):
            try:
                out = np.asarray(FOLD[n.op_type](n, [val[i] for i in ins], attr))
            except Exception:  # an op form this small evaluator does not know: leave the node as it is
                continue
        else:
            continue
        if out.size > 64:  # keep to shape arithmetic, not tensors
            continue
        val[n.output[0]] = out
        model.graph.node[k].CopyFrom(helper.make_node('Constant', [], [n.output[0]], name=n.name,
                                                      value=numpy_helper.from_array(out, n.output[0])))
        changed = True
    return changed


def prepare(model, shape):
    """Pin the first real graph input to `shape` and drop stale shape annotations so inference re-derives them."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]  # old (IR < 4) exports list initializers as inputs too
    first = inputs[0]
    dims = first.type.tensor_type.shape.dim
    if shape:
        if len(shape) != len(dims):
            sys.exit(f'--input has rank {len(shape)}, input {first.name!r} has rank {len(dims)}')
        for d, v in zip(dims, shape):
            if d.HasField('dim_value') and d.dim_value != v:
                sys.exit(f'input {first.name!r} has fixed shape {[x.dim_value for x in dims]}, not {shape}')
            d.dim_value = v  # replaces a dim_param ('N') too: they are a oneof
    # Exported value_info/outputs carry symbolic dims ('N', 'Conv_12_dim_0') that inference would keep.
    del g.value_info[:]
    for o in g.output:
        o.type.tensor_type.ClearField('shape')
    return first.name, [d.dim_value if d.HasField('dim_value') else (d.dim_param or '?') for d in dims]


def shapes_of(model):
    """name -> list of ints, only for fully known shapes."""
    g, out = model.graph, {}
    for t in g.initializer:
        out[t.name] = list(t.dims)
    for v in list(g.input) + list(g.value_info) + list(g.output):
        tt = v.type.tensor_type
        if tt.HasField('shape') and all(d.HasField('dim_value') for d in tt.shape.dim):
            out.setdefault(v.name, [d.dim_value for d in tt.shape.dim])
    return out


def einsum_macs(eq, shapes):
    """Two operands: one multiply-add per point of the space spanned by all labels (what a loop nest does)."""
    terms = eq.replace(' ', '').split('->')[0].split(',')
    if len(terms) != 2:
        return None
    size = {}
    for term, shape in zip(terms, shapes):
        if '...' in term:  # ellipsis dims get labels of their own, aligned from the right (they broadcast)
            a, b = term.split('...')
            n = len(shape) - len(a) - len(b)
            labels = list(a) + [f'.{n - i}' for i in range(n)] + list(b)
        else:
            labels = list(term)
        for lab, s in zip(labels, shape):
            size[lab] = max(size.get(lab, 1), s)
    return math.prod(size.values())


def node_macs(n, S):
    """MACs of one node, or None if a needed shape is unknown."""
    get = lambda i: S.get(n.input[i]) if len(n.input) > i and n.input[i] else None  # noqa: E731
    y = S.get(n.output[0])
    attr = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    if n.op_type == 'Conv':  # W [Cout, Cin/g, k...]: each output element is Cin/g * prod(k) MACs
        w = get(1)
        return None if w is None or y is None else math.prod(y) * math.prod(w[1:])
    if n.op_type == 'ConvTranspose':  # W [Cin, Cout/g, k...]: each input element scatters to Cout/g * prod(k)
        x, w = get(0), get(1)
        return None if x is None or w is None else math.prod(x) * math.prod(w[1:])
    if n.op_type == 'MatMul':  # [..., M, K] x [..., K, N]: K MACs per output element, batch dims already in Y
        a = get(0)
        return None if a is None or y is None else math.prod(y) * a[-1]
    if n.op_type == 'Gemm':
        a = get(0)
        return None if a is None or y is None else math.prod(y) * a[0 if attr.get('transA', 0) else 1]
    if n.op_type == 'Einsum':
        ins = [get(i) for i in range(len(n.input))]
        if any(s is None for s in ins):
            return None
        eq = attr['equation']
        return einsum_macs(eq.decode() if isinstance(eq, bytes) else eq, ins)
    raise ValueError(n.op_type)


def count(model, shape=None):
    """Count `model` (its weights' bytes are dropped: only their dims matter) with its first input set to `shape`."""
    name, dims = prepare(model, shape)
    for t in model.graph.initializer:  # so the copies and serialisations below are cheap
        if math.prod(t.dims) > 64:
            for f in ('raw_data', 'float_data', 'int32_data', 'int64_data', 'double_data'):
                t.ClearField(f)
    work = onnx.ModelProto()
    work.CopyFrom(model)  # folding rewrites nodes; the counts below are of the graph as given
    inferred = infer(work)
    for _ in range(50):  # each round: new shapes -> more Shape nodes evaluable -> more folding
        if not fold(work, inferred):
            break
        inferred = infer(work)
    S = shapes_of(inferred)
    macs, nodes, unknown, other = {}, {}, {}, {}
    for n in model.graph.node:
        if n.op_type not in COUNTED or n.domain not in ('', 'ai.onnx'):
            other[n.op_type] = other.get(n.op_type, 0) + 1
            continue
        m = node_macs(n, S)
        if m is None:
            unknown[n.op_type] = unknown.get(n.op_type, 0) + 1
            continue
        macs[n.op_type] = macs.get(n.op_type, 0) + m
        nodes[n.op_type] = nodes.get(n.op_type, 0) + 1
    total = sum(macs.values())
    return {'input': {name: dims}, 'gflop': 2 * total / 1e9, 'gmac': total / 1e9,
            'by_op': {k: {'nodes': nodes[k], 'gflop': 2 * macs[k] / 1e9} for k in sorted(macs, key=macs.get, reverse=True)},
            'unknown': unknown, 'other': dict(sorted(other.items(), key=lambda kv: -kv[1])),
            'functions': len(model.functions)}


def show(r):
    print(f"{r['model']}  input {r['input']}")
    print(f"{'op':<16}{'nodes':>7}{'GFLOP':>12}{'share':>8}")
    for op, v in r['by_op'].items():
        print(f"{op:<16}{v['nodes']:>7}{v['gflop']:>12.3f}{v['gflop'] / r['gflop'] if r['gflop'] else 0:>8.1%}")
    print(f"{'total':<16}{sum(v['nodes'] for v in r['by_op'].values()):>7}{r['gflop']:>12.3f}"
          f"   = {r['gmac']:.3f} GMAC (bias adds not counted)")
    print('unknown shapes (nodes not counted):', r['unknown'] or 'none')
    print(f"other ops ({sum(r['other'].values())} nodes, not counted):",
          ', '.join(f'{k} {v}' for k, v in r['other'].items()) or 'none')
    if any(not isinstance(d, int) for d in next(iter(r['input'].values()))):
        print('note: the input has symbolic dims; pass --input to count at a shape')
    if r['functions']:
        print(f"warning: {r['functions']} model-local functions; nodes inside them are not counted")


def self_test():
    """A graph whose MACs are worked out by hand below; N is symbolic and pinned to 2, w1 is also a graph input,
    one Reshape's shape must be folded (ConstantOfShape -> Concat) and one's is unknowable (a graph input)."""
    init = lambda name, *s, v=0, t=np.float32: numpy_helper.from_array(np.full(s, v, t), name)  # noqa: E731
    vi = lambda name, s: helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, s)  # noqa: E731
    nodes = [
        helper.make_node('Conv', ['x', 'w1', 'b1'], ['y1'], pads=[1, 1, 1, 1]),           # [2,4,8,8]
        helper.make_node('Conv', ['y1', 'w2'], ['y2'], pads=[1, 1, 1, 1], group=4),        # depthwise [2,4,8,8]
        helper.make_node('ConvTranspose', ['y2', 'w3'], ['y3'], strides=[2, 2]),          # [2,2,16,16]
        helper.make_node('MatMul', ['y3', 'b'], ['y4']),                                 # [2,2,16,5]
        helper.make_node('Einsum', ['y1', 'y2'], ['e'], equation='nchw,nchw->nc'),         # [2,4]
        helper.make_node('Flatten', ['y4'], ['f']),                                      # [2,160]
        helper.make_node('Gemm', ['f', 'w5'], ['g'], transB=1),                           # [2,10]
        helper.make_node('ConstantOfShape', ['one'], ['m1'], value=numpy_helper.from_array(np.array([-1]))),
        helper.make_node('Concat', ['m1', 'sixteen'], ['s2'], axis=0),                   # [-1,16]
        helper.make_node('Reshape', ['y3', 's2'], ['r']),                                # [64,16]
        helper.make_node('MatMul', ['r', 'b'], ['y5']),                                  # [64,5]
        helper.make_node('Reshape', ['y3', 'shp'], ['u']),                               # unknown
        helper.make_node('MatMul', ['u', 'b'], ['y6']),
    ]
    inits = [init('w1', 4, 3, 3, 3), init('b1', 4), init('w2', 4, 1, 3, 3), init('w3', 4, 2, 2, 2),
             init('b', 16, 5), init('w5', 10, 160), init('one', 1, v=1, t=np.int64), init('sixteen', 1, v=16, t=np.int64)]
    shp = helper.make_tensor_value_info('shp', onnx.TensorProto.INT64, [2])
    g = helper.make_graph(nodes, 'selftest', [vi('x', ['N', 3, 8, 8]), vi('w1', [4, 3, 3, 3]), shp],
                          [vi('e', ['N', 4]), vi('g', ['N', 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
    expect = {'Conv': 2 * 4 * 8 * 8 * 3 * 9 + 2 * 4 * 8 * 8 * 1 * 9,  # N*Cout*H*W*(Cin/g)*kh*kw
              'ConvTranspose': 2 * 4 * 8 * 8 * 2 * 2 * 2,             # N*Cin*Hin*Win*(Cout/g)*kh*kw
              'MatMul': 2 * 2 * 16 * 5 * 16 + 64 * 5 * 16,            # batch*M*N*K, twice
              'Einsum': 2 * 4 * 8 * 8,                                # all labels n,c,h,w
              'Gemm': 2 * 10 * 160}                                   # M*N*K
    r = count(m, [2, 3, 8, 8])
    got = {k: round(v['gflop'] * 1e9 / 2) for k, v in r['by_op'].items()}
    other = {'Flatten': 1, 'ConstantOfShape': 1, 'Concat': 1, 'Reshape': 2}
    ok = got == expect and r['unknown'] == {'MatMul': 1} and r['other'] == other
    print('self-test', 'OK' if ok else 'MISMATCH', 'got', got, r['unknown'], r['other'],
          'expected', expect, {'MatMul': 1}, other, 'total MACs', sum(got.values()))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model', nargs='?')
    ap.add_argument('--input', help='shape of the first graph input, e.g. 1,3,512,512 (sets symbolic dims)')
    ap.add_argument('--json', action='store_true', help='print one JSON line')
    ap.add_argument('--self-test', action='store_true')
    args = ap.parse_args()
    if args.self_test:
        sys.exit(0 if self_test() else 1)
    if not args.model:
        ap.error('MODEL.onnx is required')
    # Shapes and weight dims are all we need: external weight files (>2 GB models) stay unread.
    model = onnx.load(args.model, load_external_data=False)
    shape = [int(s) for s in args.input.split(',')] if args.input else None
    r = {'model': os.path.basename(args.model), **count(model, shape)}
    if args.json:
        print(json.dumps(r))
    else:
        show(r)


if __name__ == '__main__':
    main()
