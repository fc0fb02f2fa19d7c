"""Export an official DDColor checkpoint to ONNX in PdnColorize's model contract.

NOT RUN IN THIS PROJECT'S CI OR ON ITS MACHINES: the official DDColor repository and its weights
cannot be downloaded here, so this script was written from DDColor's public description and its
documented inference settings and could only be checked for syntax. It is for users who have a
checkout of the official DDColor repository and a trained `.pth` (e.g. the published "tiny" or
"large" ImageNet / paper checkpoints).

What it produces (docs/architecture.md, "The model contract and descriptors"):
  * one input  `input`  float32 [N,3,S,S]: the gray sRGB image in [0,1] (Lab(L,0,0) -> sRGB);
  * one output `output` float32 [N,2,S,S]: CIE Lab a and b (D65, OpenCV float convention).
    DDColor's network already outputs ab in Lab: its own pipeline concatenates that output with
    the photo's L and converts Lab -> RGB, so no post-processing is added here (with --clamp the
    graph clamps ab to +-127, which the product also does on its side);
  * S fixed (DDColor builds its decoder for the input size it is constructed with; the official
    inference runs at 512, training was at 256), N fixed to 1 unless --dynamic-batch;
  * opset 17; a manifest JSON beside the .onnx (id, name, input_size, dynamic_size, license,
    source, sha256, parameters, notes) as `pdncolorize models import` expects.
  DDColor normalises its input with the ImageNet mean/std inside forward(), so the exported graph
  takes the plain [0,1] gray image.

Usage:
  python3 export_ddcolor.py --repo /path/to/DDColor --weights ddcolor_modelscope.pth \
      --model-size large --size 512 -o ddcolor-large-512.onnx [--dynamic-batch] [--check]

  --model-size picks the encoder (tiny = ConvNeXt-T, large = ConvNeXt-L); --arch-kwargs '{"...": ...}'
  overrides/extends the constructor arguments if your checkout's DDColor class differs.
"""
import argparse
import hashlib
import inspect
import json
import os
import sys


def import_ddcolor(repo):
    """Find the DDColor class in the user's checkout (several layouts exist across versions)."""
    repo = os.path.abspath(repo)
    if not os.path.isdir(repo):
        sys.exit(f'--repo {repo}: not a folder')
    sys.path.insert(0, repo)
    errors = []
    for mod, attr in (('basicsr.archs.ddcolor_arch', 'DDColor'), ('ddcolor.model', 'DDColor'),
                      ('ddcolor', 'DDColor'), ('ddcolor_model', 'DDColor')):
        try:
            m = __import__(mod, fromlist=[attr])
            return getattr(m, attr), mod
        except Exception as e:  # keep trying the other layouts
            errors.append(f'{mod}: {e!r}')
    sys.exit('could not import DDColor from ' + repo + ':\n  ' + '\n  '.join(errors)
             + '\n(install the repository\'s requirements, e.g. timm, into this Python first)')


def build_model(cls, model_size, size, extra):
    kwargs = dict(
        encoder_name='convnext-t' if model_size == 'tiny' else 'convnext-l',
        decoder_name='MultiScaleColorDecoder',
        input_size=[size, size],
        num_output_channels=2,
        last_norm='Spectral',
        do_normalize=False,
        num_queries=100,
        num_scales=3,
        dec_layers=9,
    )
    kwargs.update(extra)
    try:
        params = inspect.signature(cls.__init__).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            dropped = [k for k in kwargs if k not in params]
            for k in dropped:
                kwargs.pop(k)
            if dropped:
                print('note: this DDColor class takes no', dropped, '- left out')
    except (TypeError, ValueError):
        pass
    return cls(**kwargs), kwargs


def load_weights(model, path, key):
    import torch
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=False)
    except TypeError:  # torch < 1.13
        ckpt = torch.load(path, map_location='cpu')
    state = ckpt
    if isinstance(ckpt, dict):
        keys = [key] if key else ['params', 'params_ema', 'state_dict', 'model']
        for k in keys:
            if k in ckpt and isinstance(ckpt[k], dict):
                state = ckpt[k]
                print(f'using checkpoint["{k}"]')
                break
    state = {(k[7:] if k.startswith('module.') else k): v for k, v in state.items()}
    res = model.load_state_dict(state, strict=False)
    missing = [k for k in res.missing_keys if not k.endswith(('num_batches_tracked',))]
    print(f'loaded {len(state)} tensors; missing {len(missing)}, unexpected {len(res.unexpected_keys)}')
    if missing:
        print('  missing (first 10):', missing[:10])
    if res.unexpected_keys:
        print('  unexpected (first 10):', res.unexpected_keys[:10])
    return missing


def bake_spectral_norm(model):
    """Replace spectral-norm re-parametrisations by plain weights (eval value, no power iteration)."""
    import torch
    n = 0
    for m in model.modules():
        if hasattr(m, 'weight_orig'):
            try:
                torch.nn.utils.remove_spectral_norm(m)
                n += 1
            except ValueError:
                pass
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repo', required=True, help='root of the official DDColor checkout')
    ap.add_argument('--weights', required=True, help='.pth checkpoint')
    ap.add_argument('--model-size', choices=['tiny', 'large'], required=True)
    ap.add_argument('--size', type=int, default=512, help='input size S (multiple of 32; official inference: 512)')
    ap.add_argument('-o', '--output', default=None)
    ap.add_argument('--opset', type=int, default=17)
    ap.add_argument('--dynamic-batch', action='store_true')
    ap.add_argument('--clamp', action='store_true', help='clamp ab to +-127 inside the graph')
    ap.add_argument('--key', default=None, help='checkpoint dict key holding the state dict (default: auto)')
    ap.add_argument('--arch-kwargs', default='{}', help='JSON dict of extra/overriding DDColor(...) arguments')
    ap.add_argument('--allow-missing', action='store_true', help='export even if weights are missing')
    ap.add_argument('--check', action='store_true', help='compare onnxruntime (CPU) with PyTorch on a random input')
    ap.add_argument('--id', default=None, help='model id for the manifest (default ddcolor-<size>-<S>)')
    args = ap.parse_args()
    if args.size % 32:
        ap.error('--size must be a multiple of 32')

    import torch
    import torch.nn as nn
    cls, where = import_ddcolor(args.repo)
    print(f'DDColor class from {where}')
    model, kwargs = build_model(cls, args.model_size, args.size, json.loads(args.arch_kwargs))
    missing = load_weights(model, args.weights, args.key)
    if missing and not args.allow_missing:
        sys.exit('weights are missing for some parameters (wrong --model-size or --arch-kwargs?); '
                 'use --allow-missing to export anyway')
    model.eval()
    print('spectral norms baked:', bake_spectral_norm(model))

    class Contract(nn.Module):
        def __init__(self, net, clamp):
            super().__init__()
            self.net = net
            self.clamp = clamp

        def forward(self, x):          # x: gray sRGB [N,3,S,S] in [0,1]
            ab = self.net(x)           # DDColor: ImageNet normalisation inside, ab (Lab) out
            return ab.clamp(-127.0, 127.0) if self.clamp else ab

    wrap = Contract(model, args.clamp).eval()
    ident = args.id or f'ddcolor-{args.model_size}-{args.size}'
    out = args.output or ident + '.onnx'
    # a gray test input: three equal channels
    g = torch.rand(1, 1, args.size, args.size, generator=torch.Generator().manual_seed(0))
    x = g.expand(1, 3, args.size, args.size).contiguous()
    with torch.no_grad():
        ref = wrap(x)
    if tuple(ref.shape) != (1, 2, args.size, args.size):
        sys.exit(f'unexpected output shape {tuple(ref.shape)}: expected [1,2,S,S] (num_output_channels=2?)')
    kw = dict(opset_version=args.opset, input_names=['input'], output_names=['output'], do_constant_folding=True)
    if args.dynamic_batch:
        kw['dynamic_axes'] = {'input': {0: 'N'}, 'output': {0: 'N'}}
    try:
        torch.onnx.export(wrap, (x,), out, dynamo=False, **kw)
    except TypeError:   # torch < 2.5
        torch.onnx.export(wrap, (x,), out, **kw)
    import onnx
    onnx.checker.check_model(out)
    n_par = sum(p.numel() for p in model.parameters())
    if args.check:
        import numpy as np
        import onnxruntime as ort
        sess = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
        got = sess.run(['output'], {'input': x.numpy()})[0]
        print('onnxruntime vs PyTorch max |diff| (ab units):', float(np.abs(got - ref.numpy()).max()))
    sha = hashlib.sha256(open(out, 'rb').read()).hexdigest()
    manifest = {
        'id': ident,
        'name': f'DDColor {args.model_size} ({args.size})',
        'input_size': args.size,
        'dynamic_size': False,
        'license': 'as published by the DDColor authors for these weights (the official repository is '
                   'Apache-2.0; check the licence and the training data terms of the checkpoint you use)',
        'source': f'DDColor checkpoint {os.path.basename(args.weights)} exported by engines/models/export_ddcolor.py',
        'sha256': sha,
        'parameters': int(n_par),
        'notes': f'output is Lab ab from DDColor directly; constructor {kwargs}; '
                 f'batch {"dynamic" if args.dynamic_batch else "1"}; opset {args.opset}'
                 + ('; ab clamped to +-127 in the graph' if args.clamp else ''),
    }
    with open(os.path.splitext(out)[0] + '.json', 'w') as f:
        json.dump(manifest, f, indent=2)
    print(f'wrote {out} ({os.path.getsize(out) / 2**20:.1f} MiB, {n_par:,} parameters) and its manifest')


if __name__ == '__main__':
    main()
