"""Re-fold the read-out constants of an exported model without PyTorch (numpy + onnx only).

The exported graph decodes inside itself: logits = Conv(cls); p = Softmax(logits); ab = Conv(expect)(p) -> upsample ->
clip, where train.py folded the annealing temperature T and the prior correction beta into the cls convolution
(W / T, (b - beta * log w) / T) and the chroma gain into the expectation convolution (gain * bin centres).
train.py leaves decoding.npz beside the model (the raw cls weights, log w, the bin centres); this script finds the two
convolutions around the Softmax by the graph's structure and writes new constants, so a read-out sweep can be scored
with the product's own pipeline (`pdncolorize eval`) on a CPU machine.

Usage: python3 set_decoding.py MODEL.onnx decoding.npz --T 0.38 --beta 0.5 [--gain 1.0] -o OUT.onnx
"""
import argparse

import numpy as np
import onnx
from onnx import numpy_helper


def decoding_initializers(model):
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    conv_inputs = {n.input[0]: n for n in g.node if n.op_type == 'Conv'}
    # the read-out's Softmax is the one a convolution consumes (the attention layers' are not)
    softmax = [n for n in g.node if n.op_type == 'Softmax' and n.output[0] in conv_inputs]
    if len(softmax) != 1:
        raise ValueError(f'expected one Softmax feeding a convolution, found {len(softmax)}')
    cls = producer.get(softmax[0].input[0])
    expect = conv_inputs[softmax[0].output[0]]
    if cls is None or cls.op_type != 'Conv':
        raise ValueError('the Softmax is not between the classifier and the expectation convolutions')
    return inits[cls.input[1]], inits[cls.input[2]], inits[expect.input[1]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model')
    ap.add_argument('decoding')
    ap.add_argument('--T', type=float, required=True)
    ap.add_argument('--beta', type=float, required=True)
    ap.add_argument('--gain', type=float, default=1.0)
    ap.add_argument('-o', '--out', required=True)
    a = ap.parse_args()
    d = np.load(a.decoding)
    m = onnx.load(a.model)
    w_init, b_init, e_init = decoding_initializers(m)
    w = d['cls_weight'].astype(np.float32) / a.T
    b = (d['cls_bias'] - a.beta * d['log_rebal_w']).astype(np.float32) / a.T
    q = d['centres'].shape[0]
    e = (a.gain * d['centres'].T.reshape(2, q, 1, 1)).astype(np.float32)
    for init, arr in ((w_init, w), (b_init, b), (e_init, e)):
        if tuple(init.dims) != arr.shape:
            raise ValueError(f'{init.name}: graph {tuple(init.dims)} vs new {arr.shape}')
        init.CopyFrom(numpy_helper.from_array(arr, init.name))
    onnx.checker.check_model(m)
    onnx.save(m, a.out)
    print(f'{a.out}: T {a.T} beta {a.beta} gain {a.gain}')


if __name__ == '__main__':
    main()
