"""Choose the decoding constants of a trained model on the validation split, on the CPU.

The network's logits are computed once per validation image (at S x S); then every decoding
setting is scored like train.py's evaluation (ab resized back, L* of the photo kept, RGB rounded
to 8 bits, mean CIEDE2000 and Hasler-Suesstrunk colourfulness against the photo):

    ab = gain * softmax((logits - beta * log w) / T) @ bin_centres

  T     annealing temperature of the annealed mean (Zhang et al. 2016);
  beta  prior correction: how much of the class-rebalancing bias (log w) is removed again;
  gain  chroma gain (folded into the expectation's weights, so the graph is unchanged).

The choice rule is train.py's `choose` (mean CIEDE2000 <= gray baseline and colourfulness >= 20;
then the lowest CIEDE2000 with colourfulness >= 25, else the most colourful). With --export the
model is exported again (same graph as train.py's export, only constants differ) and metrics are
written next to it.

Usage:
  python3 tune_decoding.py --weights weights.pt --data <repo>/.gputrain --size 256 \
      [--betas ...] [--temps ...] [--gains ...] [--export out.onnx] [--json tune.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labcolor as lc  # noqa: E402
import model as M  # noqa: E402
from train import choose, export_onnx, load_dir, resize  # noqa: E402


def floats(s):
    return [float(v) for v in s.split(',')]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--weights', required=True)
    ap.add_argument('--data', default=os.path.join(HERE, '..', '..', '..', '.gputrain'))
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--betas', default='0.5,0.6,0.7,0.8,0.9,1.0')
    ap.add_argument('--temps', default='0.2,0.3,0.4,0.55,0.7,1.0')
    ap.add_argument('--gains', default='1.0,1.15,1.3,1.5,1.75,2.0')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--export', default=None, help='export the chosen setting to this .onnx')
    ap.add_argument('--only', default=None, metavar='BETA,T,GAIN',
                    help='score (and export) just this setting instead of searching the grid')
    ap.add_argument('--json', default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    ck = torch.load(args.weights, map_location='cpu')
    centres = ck['centres'].float()
    logw = torch.log(ck['rebal_w'].float())
    net = M.CompactColorizer(centres.shape[0], ch=tuple(ck['ch']))
    net.load_state_dict(ck['state_dict'])
    net.eval()
    val = load_dir(os.path.join(args.data, 'val'))
    names = open(os.path.join(HERE, 'val_split.txt')).read().split()
    assert [n for n, _ in val] == sorted(names), 'val folder does not match val_split.txt'
    betas, temps, gains = floats(args.betas), floats(args.temps), floats(args.gains)
    if args.only:
        b0, t0_, g0 = floats(args.only)
        betas, temps, gains = [b0], [t0_], [g0]
    grid = [(b, t, g) for b in betas for t in temps for g in gains]
    acc = {k: [0.0, 0.0] for k in grid}
    gray_de = gray_cf = 0.0
    t0 = time.time()
    S = args.size
    with torch.no_grad():
        for i, (_, a) in enumerate(val):
            h, w = a.shape[:2]
            lab_gt64 = lc.rgb_to_lab_np(a / 255.0)
            lab_gt = torch.from_numpy(lab_gt64.transpose(2, 0, 1))[None].float()
            L = lab_gt[:, :1]
            g8 = np.round(lc.gray_input_np(a / 255.0) * 255)
            gray_de += float(lc.ciede2000_np(lab_gt64, lc.rgb_to_lab_np(g8 / 255.0)).mean())
            gray_cf += lc.colourfulness_np(g8)
            gray = torch.from_numpy(lc.gray_input_np(a / 255.0).transpose(2, 0, 1))[None].float()
            logits = net(resize(gray, S, S)).float()
            # all (T, gain) of one beta are scored as one batch
            for b in betas:
                z = logits - b * logw.view(1, -1, 1, 1)
                ab0 = torch.cat([torch.einsum('nqhw,qc->nchw', torch.softmax(z / t, 1), centres)
                                 for t in temps])                                   # [nT,2,h,w]
                ab0 = F.interpolate(ab0, scale_factor=2.0, mode='bilinear', align_corners=False)
                gv = torch.tensor(gains).view(1, -1, 1, 1, 1)
                ab = (ab0[:, None] * gv).reshape(-1, 2, S, S).clamp(-127, 127)     # [nT*nG,2,S,S]
                ab = resize(ab, h, w)
                k = ab.shape[0]
                out = lc.lab_to_rgb_t(torch.cat([L.expand(k, -1, -1, -1), ab], 1))
                oq = torch.round(out * 255) / 255
                de = lc.ciede2000_t(lab_gt.expand(k, -1, -1, -1), lc.rgb_to_lab_t(oq)).mean((1, 2))
                rgb = oq * 255
                rg = rgb[:, 0] - rgb[:, 1]
                yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
                cf = (rg.var((1, 2), unbiased=False) + yb.var((1, 2), unbiased=False)).sqrt() + \
                    0.3 * (rg.mean((1, 2)) ** 2 + yb.mean((1, 2)) ** 2).sqrt()
                j = 0
                for t in temps:
                    for g in gains:
                        acc[(b, t, g)][0] += float(de[j])
                        acc[(b, t, g)][1] += float(cf[j])
                        j += 1
            if i % 10 == 9:
                print(f'  {i + 1}/{len(val)} images, {time.time() - t0:.0f}s', flush=True)
    n = len(val)
    res = {k: (v[0] / n, v[1] / n) for k, v in acc.items()}
    gray_de /= n
    gray_cf /= n
    print(f'gray baseline: dE2000 {gray_de:.3f} colourfulness {gray_cf:.2f}')
    front = sorted(res.items(), key=lambda kv: kv[1][0])
    best_cf = -1.0
    print('Pareto front (dE2000 ascending, colourfulness rising):')
    for (b, t, g), (de, cf) in front:
        if cf > best_cf:
            best_cf = cf
            print(f'  beta {b:.2f} T {t:.2f} gain {g:.2f}: dE2000 {de:.3f} colourfulness {cf:.2f}')
    (b, t, g), why = choose(res, gray_de)
    print(f'chosen beta {b} T {t} gain {g}: dE2000 {res[(b, t, g)][0]:.3f} cf {res[(b, t, g)][1]:.2f} ({why})')
    out = {'size': S, 'gray': {'delta_e2000': gray_de, 'colourfulness': gray_cf},
           'chosen': {'beta': b, 'T': t, 'gain': g, 'why': why,
                      'delta_e2000': res[(b, t, g)][0], 'colourfulness': res[(b, t, g)][1]},
           'grid': {f'beta{k[0]}_T{k[1]}_gain{k[2]}': {'delta_e2000': v[0], 'colourfulness': v[1]}
                    for k, v in sorted(res.items())}}
    if args.only:
        b, t, g = betas[0], temps[0], gains[0]
    if args.export:
        wrap, info = export_onnx(net, centres, t, args.export, S, -b * logw, gain=g)
        out['export'] = info
        print('exported', args.export, info)
        # independent check: the exported module's output, scored with the numpy reference code
        de, cf = [], []
        with torch.no_grad():
            for _, a in val:
                h, w = a.shape[:2]
                lab_gt = lc.rgb_to_lab_np(a / 255.0)
                gray = torch.from_numpy(lc.gray_input_np(a / 255.0).transpose(2, 0, 1))[None].float()
                ab = resize(wrap(resize(gray, S, S)), h, w)[0].numpy().transpose(1, 2, 0)
                lab = np.concatenate([lab_gt[..., :1], ab.astype(np.float64)], -1)
                rgb8 = np.round(lc.lab_to_rgb_np(lab) * 255)
                de.append(lc.ciede2000_np(lab_gt, lc.rgb_to_lab_np(rgb8 / 255.0)).mean())
                cf.append(lc.colourfulness_np(rgb8))
        out['exported_numpy'] = {'delta_e2000': float(np.mean(de)), 'colourfulness': float(np.mean(cf)),
                                 'per_image_delta_e2000': [float(v) for v in de],
                                 'per_image_colourfulness': [float(v) for v in cf]}
        print(f'exported model, numpy metrics: dE2000 {np.mean(de):.3f} colourfulness {np.mean(cf):.2f}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
