"""Train, evaluate and export the embedded colouriser (pdnc-resnet18-v2; --arch compact: the older pdnc-compact-v1).

One command does everything (meant for one run on a GPU machine, see README.md and gpu_train.sh):
  1. self-test (Lab reference values, CIEDE2000 test pairs, torch/numpy agreement, export wrapper);
  2. loads .gputrain/train and .gputrain/val (prepare_data.py), computes the ab prior of the training pixels and
     the class-rebalancing weights (Zhang et al. 2016: Gaussian-smoothed prior mixed with uniform);
  3. --arch resnet18: loads the ImageNet ResNet-18 weights from the cut ONNX graph of prepare_data.py by the
     graph's structure and checks every stage's activation against ONNX Runtime before any training;
  4. trains with soft-encoded ab-bin cross-entropy weighted by the rebalancing weights + a small L1 auxiliary on
     the mean ab, bf16 autocast on CUDA, EMA of the weights, a wall-clock budget (cosine LR over the budget), the
     pretrained encoder frozen for --freeze-frac of it and then fine-tuned at --enc-lr x the rate (its BatchNorm
     statistics stay ImageNet's), validation CE every few seconds; the EMA state with the best validation CE is kept;
  5. evaluates the kept model on the validation split like the product does (gray image squashed to S x S, model,
     ab resized back, L of the photo kept) for a grid of read-outs (T, beta): mean CIEDE2000, Hasler-Suesstrunk
     colourfulness and colour recall beside the gray baseline (the final read-out is chosen with the product's own
     `pdncolorize eval` and set_decoding.py);
  6. exports ONNX (opset 17, `input` [N,3,H,W] -> `output` [N,2,H,W], N/H/W dynamic) with the annealed-mean
     decoding inside the graph, checks it with onnx + onnxruntime (CPU) against PyTorch and times it with two threads;
  7. writes loss_log.csv, metrics.json, the .onnx, weights.pt, decoding.npz and preview.png to --out.

Usage:
  python3 train.py --self-test
  python3 train.py --data <repo>/.gputrain --out OUTDIR [--train-seconds 160]
  smoke test on CPU: python3 train.py --data ... --out /tmp/x --max-steps 4 --limit-images 12 \
                                      --batch 6 --crop 96 --sizes 64 --t-grid 1,0.4 --betas 0.5
"""
import argparse
import copy
import csv
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labcolor as lc  # noqa: E402
import model as M  # noqa: E402
import resnet_encoder as RE  # noqa: E402

T0 = time.time()
SEED = 1234


def log(*a):
    print(f'[{time.time() - T0:7.1f}s]', *a, flush=True)


# ============================================================================ self-test
def self_test():
    ok = True

    def check(name, cond, detail=''):
        nonlocal ok
        ok = ok and bool(cond)
        print(f'  {"ok " if cond else "FAIL"} {name} {detail}')

    print('self-test:')
    ref = {(1, 0, 0): (53.24, 80.09, 67.20), (0, 0, 1): (32.30, 79.19, -107.86)}
    for rgb, lab in ref.items():
        got = lc.rgb_to_lab_np(np.array(rgb, dtype=np.float64))
        check(f'numpy sRGB{rgb} -> Lab', np.allclose(got, lab, atol=0.01), np.round(got, 2))
        gt = lc.rgb_to_lab_t(torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1)).view(3).numpy()
        check(f'torch sRGB{rgb} -> Lab', np.allclose(gt, lab, atol=0.02), np.round(gt, 2))
    for p, q, e in lc.SHARMA_PAIRS:
        d = float(lc.ciede2000_np(p, q))
        dt = float(lc.ciede2000_t(torch.tensor(p, dtype=torch.float64).view(1, 3),
                                  torch.tensor(q, dtype=torch.float64).view(1, 3)))
        check(f'CIEDE2000 {p} {q}', abs(d - e) < 1e-4 and abs(dt - e) < 1e-4, f'{d:.4f} {dt:.4f} want {e}')
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 16, 16, generator=g)
    xn = x.double().numpy().transpose(0, 2, 3, 1)
    lab_n = lc.rgb_to_lab_np(xn)
    lab_t = lc.rgb_to_lab_t(x).double().numpy().transpose(0, 2, 3, 1)
    check('torch vs numpy Lab', np.abs(lab_n - lab_t).max() < 2e-3, f'{np.abs(lab_n - lab_t).max():.2e}')
    check('Lab round trip', np.abs(lc.lab_to_rgb_np(lab_n) - xn).max() < 1e-9)
    gray = lc.gray_input_np(xn)
    check('gray has equal channels', np.abs(gray[..., 0] - gray[..., 1]).max() < 1e-9
          and np.abs(gray[..., 2] - gray[..., 1]).max() < 1e-9)
    gray_t = lc.gray_from_L_t(lc.rgb_to_lab_t(x)[:, :1]).double().numpy().transpose(0, 2, 3, 1)
    check('torch gray == numpy gray', np.abs(gray_t - gray).max() < 1e-4, f'{np.abs(gray_t - gray).max():.2e}')
    check('gray keeps L*', np.abs(lc.rgb_to_lab_np(gray)[..., 0] - lab_n[..., 0]).max() < 1e-6)
    cf = lc.colourfulness_np(np.stack([np.full((4, 4), 200.), np.full((4, 4), 50.), np.full((4, 4), 50.)], -1))
    check('colourfulness of flat red = 0.3*|mean|', abs(cf - 0.3 * math.hypot(150, 75)) < 1e-9, f'{cf:.3f}')
    cft = lc.colourfulness_t(torch.tensor(xn[0] * 255).permute(2, 0, 1))
    check('colourfulness torch == numpy', abs(cft - lc.colourfulness_np(xn[0] * 255)) < 1e-6)
    centres = M.make_bins()
    net = M.CompactColorizer(centres.shape[0]).eval()
    npar = M.count_params(net)
    check('bins', 200 < centres.shape[0] < 400, centres.shape[0])
    check('parameters <= 10M', npar <= 10_000_000, npar)
    adj = -0.5 * torch.log(torch.rand(centres.shape[0], generator=g) + 0.5)
    wrap = M.ExportWrapper(net, centres, 0.4, adj).eval()
    xi = torch.rand(1, 3, 64, 96, generator=g)
    with torch.no_grad():
        ref_ab = F.interpolate(M.decode_ab(net(xi), centres, 0.4, adj), scale_factor=2.0, mode='bilinear',
                               align_corners=False).clamp(-127, 127)
        got_ab = wrap(xi)
    check('export wrapper == decode_ab', got_ab.shape == (1, 2, 64, 96)
          and (got_ab - ref_ab).abs().max() < 1e-3, f'{(got_ab - ref_ab).abs().max():.2e}')
    print('self-test', 'PASSED' if ok else 'FAILED', flush=True)
    return ok


# ============================================================================ model
def build(arch, q, ck=None):
    if arch == 'resnet18':
        return M.ResNetColorizer(q)
    return M.CompactColorizer(q, ch=tuple(ck['ch'])) if ck else M.CompactColorizer(q)


def encoder_check(enc, path):
    """Our encoder against ONNX Runtime on the package's own graph: the mapping must be exact before training."""
    try:
        report = RE.check_against_onnx(enc, path)
    except ImportError:
        log('onnxruntime not installed: encoder check skipped')
        return None
    worst = max(r['max_abs_diff'] for r in report)
    for r in report:
        log(f"encoder check {r['size']} {r['stage']:6s} {r['shape']}: max |ours - ORT| {r['max_abs_diff']:.2e} "
            f"(activations up to {r['max_abs']:.1f})")
    if worst > 1e-3:
        raise RuntimeError(f'encoder weights mapped wrongly: max difference {worst:.3e} against ONNX Runtime')
    return {'max_abs_diff': worst, 'stages': report}


# ============================================================================ data
def load_dir(d, limit=0):
    names = sorted(n for n in os.listdir(d) if n.lower().endswith(('.jpg', '.jpeg', '.png')))
    if limit:
        names = names[:limit]
    out = []
    for n in names:
        im = Image.open(os.path.join(d, n)).convert('RGB')
        if max(im.size) > 256:
            s = 256 / max(im.size)
            im = im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS)
        out.append((n, np.array(im, dtype=np.uint8)))
    return out


def pack(images, dev, side=256):
    """Pad every image into a [N,3,side,side] uint8 tensor (top-left) + sizes [N,2] (w, h)."""
    t = torch.zeros(len(images), 3, side, side, dtype=torch.uint8)
    wh = torch.zeros(len(images), 2)
    for i, (_, a) in enumerate(images):
        h, w = a.shape[:2]
        t[i, :, :h, :w] = torch.from_numpy(a).permute(2, 0, 1)
        wh[i, 0], wh[i, 1] = w, h
    return t.to(dev), wh.to(dev)


def nearest_bins(ab, centres):
    """ab [N,2,H,W] -> (dist2 [N,Q,H,W] is not kept) index of the nearest bin [N,H,W]."""
    d2 = (ab * ab).sum(1, keepdim=True) - 2 * torch.einsum('nchw,qc->nqhw', ab, centres) \
        + (centres * centres).sum(1).view(1, -1, 1, 1)
    return d2.argmin(1)


def compute_prior(images, centres, dev, sigma=5.0, lam=0.5):
    q = centres.shape[0]
    counts = torch.zeros(q, dtype=torch.float64, device=dev)
    for _, a in images:
        rgb = torch.from_numpy(np.ascontiguousarray(a[::2, ::2])).to(dev).permute(2, 0, 1)[None].float() / 255.0
        ab = lc.rgb_to_lab_t(rgb)[:, 1:]
        idx = nearest_bins(ab, centres)
        counts += torch.bincount(idx.flatten(), minlength=q).double()
    p = counts / counts.sum()
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1).double()
    k = torch.exp(-d2 / (2 * sigma ** 2))
    ps = (k / k.sum(1, keepdim=True)) @ p     # Gaussian-smoothed prior (smoothing keeps mass)
    ps = ps / ps.sum()
    w = 1.0 / ((1 - lam) * ps + lam / q)
    w = w / (ps * w).sum()                       # E_prior[w] = 1
    return p.float(), ps.float(), w.float()


def image_chroma(a):
    lab = lc.rgb_to_lab_np(a[::2, ::2].astype(np.float64) / 255.0)
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


# ============================================================================ augmentation
def sample_batch(src, wh, idx, crop, gen, dev):
    """Random resized crop (area 25-100 %, aspect 3:4..4:3, 25 % whole picture squashed),
    horizontal flip and a mild gamma change, all on the device with one grid_sample."""
    b = idx.numel()
    W, H = wh[idx, 0], wh[idx, 1]
    u = torch.rand(b, 6, generator=gen, device=dev)
    area = (0.25 + 0.75 * u[:, 0]) * W * H
    ratio = torch.exp((u[:, 1] - 0.5) * 2 * math.log(4 / 3))
    cw = torch.minimum(torch.sqrt(area * ratio), W)
    ch = torch.minimum(torch.sqrt(area / ratio), H)
    whole = u[:, 2] < 0.25
    cw = torch.where(whole, W, cw)
    ch = torch.where(whole, H, ch)
    x0 = u[:, 3] * (W - cw)
    y0 = u[:, 4] * (H - ch)
    flip = torch.where(u[:, 5] < 0.5, -1.0, 1.0)
    side = src.shape[-1]
    theta = torch.zeros(b, 2, 3, device=dev)
    theta[:, 0, 0] = flip * cw / side
    theta[:, 0, 2] = (x0 + cw / 2) / (side / 2) - 1
    theta[:, 1, 1] = ch / side
    theta[:, 1, 2] = (y0 + ch / 2) / (side / 2) - 1
    grid = F.affine_grid(theta, [b, 3, crop, crop], align_corners=False)
    img = F.grid_sample(src[idx].float() / 255.0, grid, mode='bilinear', padding_mode='border',
                        align_corners=False)
    gamma = torch.exp((torch.rand(b, 1, 1, 1, generator=gen, device=dev) - 0.5) * 0.4)
    use = (torch.rand(b, 1, 1, 1, generator=gen, device=dev) < 0.5).float()
    img = img.clamp(0, 1) ** (use * gamma + (1 - use))
    return img


def targets(rgb, centres, k=5, sigma=5.0, stride=2):
    """rgb [B,3,H,W] -> gray input, ab at the logits' resolution (1/stride), soft-encoded targets (k nearest bins)."""
    lab = lc.rgb_to_lab_t(rgb)
    gray = lc.gray_from_L_t(lab[:, :1])
    ab = F.avg_pool2d(lab[:, 1:], stride)
    d2 = (ab * ab).sum(1, keepdim=True) - 2 * torch.einsum('nchw,qc->nqhw', ab, centres) \
        + (centres * centres).sum(1).view(1, -1, 1, 1)
    vals, nidx = torch.topk(d2, k, dim=1, largest=False)
    wts = torch.softmax(-vals.clamp_min(0) / (2 * sigma ** 2), dim=1)
    return gray, ab, nidx, wts


def loss_fn(logits, ab, nidx, wts, centres, rebal_w, aux_w):
    logp = torch.log_softmax(logits.float(), dim=1)
    ce = -(wts * logp.gather(1, nidx)).sum(1)               # [B,h,w]
    pw = rebal_w[nidx[:, 0]]                                  # rebalancing weight of the nearest bin
    ce_w = (ce * pw).mean()
    mean_ab = torch.einsum('nqhw,qc->nchw', logp.exp(), centres)
    l1 = (mean_ab - ab).abs().mean()
    return ce_w + aux_w * l1 / 50.0, ce_w.detach(), ce.mean().detach(), l1.detach()


# ============================================================================ evaluation
def resize(x, h, w):
    if x.shape[-2] == h and x.shape[-1] == w:
        return x
    anti = h < x.shape[-2] or w < x.shape[-1]
    return F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False, antialias=anti)


@torch.no_grad()
def evaluate(net, val, centres, sizes, betas, t_grid, dev, logw, keep=None):
    """Product-like evaluation on full validation images.
    Returns {(S, beta, T): (mean dE2000, mean colourfulness)}, gray (dE, cf), gt cf,
    kept RGB for keep=(S, beta, T)."""
    net.eval()
    res = {(s, b, t): [0.0, 0.0, 0.0, 0.0] for s in sizes for b in betas for t in t_grid}
    stride = float(getattr(net, 'stride', 2))
    gray_de = gray_cf = gt_cf = 0.0
    kept = []
    for _, a in val:
        h, w = a.shape[:2]
        rgb = torch.from_numpy(a).to(dev).permute(2, 0, 1)[None].float() / 255.0
        lab_gt = lc.rgb_to_lab_t(rgb).double()
        L = lab_gt[:, :1].float()
        gray = lc.gray_from_L_t(L)
        gq = torch.round(gray * 255) / 255
        gray_de += float(lc.ciede2000_t(lab_gt, lc.rgb_to_lab_t(gq).double()).mean())
        gray_cf += lc.colourfulness_t(gq[0] * 255)
        gt_cf += lc.colourfulness_t(rgb[0] * 255)
        for s in sizes:
            logits = net(resize(gray, s, s)).float()
            for b in betas:
                for t in t_grid:
                    ab = F.interpolate(M.decode_ab(logits, centres, t, -b * logw), scale_factor=stride,
                                       mode='bilinear', align_corners=False).clamp(-127, 127)
                    ab = resize(ab, h, w)
                    out = lc.lab_to_rgb_t(torch.cat([L, ab], 1))
                    oq = torch.round(out * 255) / 255
                    res[(s, b, t)][0] += float(lc.ciede2000_t(lab_gt, lc.rgb_to_lab_t(oq).double()).mean())
                    res[(s, b, t)][1] += lc.colourfulness_t(oq[0] * 255)
                    hit, total = colour_recall_counts(lab_gt, lc.rgb_to_lab_t(oq).double())
                    res[(s, b, t)][2] += hit
                    res[(s, b, t)][3] += total
                    if keep == (s, b, t):
                        kept.append((oq[0] * 255).round().byte().permute(1, 2, 0).cpu().numpy())
    n = len(val)
    res = {k: (v[0] / n, v[1] / n, v[2] / max(v[3], 1.0)) for k, v in res.items()}
    return res, (gray_de / n, gray_cf / n), gt_cf / n, kept


def colour_recall_counts(lab_gt, lab_out, min_true=15.0, min_out=8.0, max_hue_deg=45.0):
    """Pixels whose true chroma >= 15, and how many of them the output gives chroma >= 8 within 45 degrees of hue
    of the truth (pooled over the set by the caller; the same definition as `pdncolorize eval`'s colour_recall)."""
    at, bt = lab_gt[:, 1], lab_gt[:, 2]
    ao, bo = lab_out[:, 1], lab_out[:, 2]
    ct, co = torch.hypot(at, bt), torch.hypot(ao, bo)
    want = ct >= min_true
    cosd = (at * ao + bt * bo) / (ct * co).clamp_min(1e-9)
    ok = want & (co >= min_out) & (cosd >= math.cos(math.radians(max_hue_deg)))
    return float(ok.sum()), float(want.sum())


@torch.no_grad()
def val_loss(net, vbatch, centres, rebal_w, dev, bs=40):
    net.eval()
    tot = totw = 0.0
    for i in range(0, vbatch.shape[0], bs):
        gray, ab, nidx, wts = targets(vbatch[i:i + bs], centres, stride=getattr(net, 'stride', 2))
        with autocast(dev):
            logits = net(gray.contiguous(memory_format=torch.channels_last))
        _, cew, ce, _ = loss_fn(logits, ab, nidx, wts, centres, rebal_w, 0.0)
        n = gray.shape[0]
        tot += float(ce) * n
        totw += float(cew) * n
    return tot / vbatch.shape[0], totw / vbatch.shape[0]


def choose(res, gray_de, cf_min=28.0, de_ratio=1.03, recall_min=0.60):
    """The read-out (S, beta, T) to ship: among the settings with colourfulness >= cf_min, mean CIEDE2000 <= de_ratio x
    the gray baseline and colour recall >= recall_min, the one with the highest colour recall (the share of coloured
    pixels given the right hue is what a user sees first); without such a setting, the most recalling one among
    those within the CIEDE2000 bound; else the lowest CIEDE2000."""
    bound = de_ratio * gray_de
    feas = [(k, v) for k, v in res.items() if v[0] <= bound and v[1] >= cf_min and v[2] >= recall_min]
    if feas:
        return max(feas, key=lambda kv: (round(kv[1][2], 3), -kv[1][0]))[0], 'all three targets met'
    near = [(k, v) for k, v in res.items() if v[0] <= bound]
    if near:
        return max(near, key=lambda kv: kv[1][2])[0], 'TARGET MISSED: colourfulness or recall short within the dE bound'
    return min(res.items(), key=lambda kv: kv[1][0])[0], 'TARGET MISSED: every setting is above the dE bound'


# ============================================================================ export
def export_onnx(net, centres, T, path, size, adj=None, gain=1.0):
    wrap = M.ExportWrapper(net.to(memory_format=torch.contiguous_format), centres.cpu(), T, adj, gain).cpu().eval()
    x = torch.rand(1, 3, size, size)
    kw = dict(opset_version=17, input_names=['input'], output_names=['output'],
              dynamic_axes={'input': {0: 'N', 2: 'H', 3: 'W'}, 'output': {0: 'N', 2: 'H', 3: 'W'}},
              do_constant_folding=True)
    how = 'torchscript'
    try:
        torch.onnx.export(wrap, (x,), path, dynamo=False, **kw)
    except TypeError:            # torch without the dynamo argument (< 2.5): legacy exporter
        torch.onnx.export(wrap, (x,), path, **kw)
    except Exception as e:       # legacy exporter gone: dynamo exporter
        log('legacy exporter failed:', repr(e)[:300], '- trying dynamo=True')
        torch.onnx.export(wrap, (x,), path, dynamo=True, external_data=False, **kw)
        how = 'dynamo'
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    opset = [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')]
    ins = [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in m.graph.input]
    outs = [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in m.graph.output]
    return wrap, {'exporter': how, 'opset': opset, 'inputs': ins, 'outputs': outs}


def ort_check(path, wrap, val, out_info):
    try:
        import onnxruntime as ort
    except ImportError:
        out_info['ort'] = 'onnxruntime not installed'
        log('onnxruntime not installed: skipping the ORT check')
        return
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])
    g = torch.Generator().manual_seed(7)
    cases = []
    imgs = [torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255 for _, a in val[:4]]
    grays = [lc.gray_from_L_t(lc.rgb_to_lab_t(x)[:, :1]) for x in imgs]
    cases.append(torch.cat([resize(gi, 256, 256) for gi in grays]))          # N=4, 256x256
    cases.append(torch.cat([resize(gi, 224, 320) for gi in grays[:2]]))      # N=2, 224x320
    cases.append(torch.rand(1, 3, 512, 512, generator=g))                    # N=1, 512x512
    diffs = []
    for x in cases:
        with torch.no_grad():
            ref = wrap(x).numpy()
        got = sess.run(['output'], {'input': x.numpy().astype(np.float32)})[0]
        diffs.append((list(x.shape), float(np.abs(ref - got).max()), list(got.shape)))
    times = {}
    for s in (256, 512):
        x = np.random.RandomState(0).rand(1, 3, s, s).astype(np.float32)
        sess.run(['output'], {'input': x})
        ts = []
        for _ in range(7):
            t = time.perf_counter()
            sess.run(['output'], {'input': x})
            ts.append(time.perf_counter() - t)
        times[s] = 1000 * float(np.median(ts))
    out_info['ort'] = {'version': ort.__version__, 'max_abs_diff_vs_torch': diffs,
                       'cpu_2threads_median_ms': times}
    log('ORT check:', diffs, 'CPU 2-thread median ms:', times)
    if max(d[1] for d in diffs) > 0.05:
        raise RuntimeError('ONNX Runtime output differs from PyTorch')


def split_big(path, limit=15 * 2 ** 20):
    size = os.path.getsize(path)
    if size <= limit + 2 ** 19:
        return [path]
    parts = []
    with open(path, 'rb') as f:
        k = 0
        while True:
            chunk = f.read(limit)
            if not chunk:
                break
            p = f'{path}.part{k}'
            with open(p, 'wb') as g:
                g.write(chunk)
            parts.append(p)
            k += 1
    os.remove(path)
    return parts


def copy_buffers(dst, src):
    with torch.no_grad():
        for bd, bs in zip(dst.buffers(), src.buffers()):
            bd.copy_(bs)


def autocast(dev):
    if dev.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.bfloat16)
    return torch.autocast('cpu', enabled=False)


def preview(val, kept, path, n=6):
    rows = []
    for (_, a), p in list(zip(val, kept))[:n]:
        g = (lc.gray_input_np(a / 255.0) * 255).round().astype(np.uint8)
        tiles = []
        for im in (a, g, p):
            t = np.zeros((256, 256, 3), np.uint8)
            t[:im.shape[0], :im.shape[1]] = im
            tiles.append(t)
        rows.append(np.concatenate(tiles, 0))
    Image.fromarray(np.concatenate(rows, 1)).save(path)


# ============================================================================ main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--self-test', action='store_true')
    ap.add_argument('--data', default=os.path.join(HERE, '..', '..', '..', '.gputrain'))
    ap.add_argument('--out', default='out')
    ap.add_argument('--name', default='pdnc-resnet18-v2')
    ap.add_argument('--arch', choices=['compact', 'resnet18'], default='resnet18',
                    help='compact: the from-scratch U-Net of pdnc-compact-v1; resnet18: the ImageNet ResNet-18 encoder')
    ap.add_argument('--encoder', default=None,
                    help='the cut ResNet-18 ONNX of prepare_data.py (default <data>/encoder/resnet18-s16.onnx)')
    ap.add_argument('--freeze-frac', type=float, default=0.2,
                    help='share of the budget the pretrained encoder stays frozen (then fine-tuned)')
    ap.add_argument('--enc-lr', type=float, default=0.1, help='encoder learning rate as a share of --lr once unfrozen')
    ap.add_argument('--seed', type=int, default=SEED)
    ap.add_argument('--train-seconds', type=float, default=100.0)
    ap.add_argument('--max-steps', type=int, default=0, help='stop after this many steps (smoke tests)')
    ap.add_argument('--limit-images', type=int, default=0)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--crop', type=int, default=192)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--wd', type=float, default=0.05)
    ap.add_argument('--aux', type=float, default=1.0, help='weight of the L1 auxiliary (ab/50)')
    ap.add_argument('--ema', type=float, default=0.998)
    ap.add_argument('--val-every', type=float, default=5.0, help='seconds between validation passes')
    ap.add_argument('--sizes', default='256,512')
    ap.add_argument('--eval-only', default=None, metavar='WEIGHTS_PT',
                    help='skip training: evaluate/export the weights.pt of an earlier run')
    ap.add_argument('--betas', default='0,0.5,1', help='prior-correction strengths to try at decoding')
    ap.add_argument('--t-grid', default='1.0,0.7,0.55,0.46,0.40,0.35,0.31,0.27,0.23,0.19,0.15')
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if not self_test():
        sys.exit(1)
    if args.self_test:
        return
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if dev.type == 'cuda':
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log('device', torch.cuda.get_device_name(0), 'torch', torch.__version__)
    else:
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        log('device cpu, torch', torch.__version__)

    # ---------------------------------------------------------------- data
    lim = args.limit_images
    tr = load_dir(os.path.join(args.data, 'train'), lim)
    if os.path.isdir(os.path.join(args.data, 'bsds')):
        tr += load_dir(os.path.join(args.data, 'bsds'), lim)
    val = load_dir(os.path.join(args.data, 'val'), lim)
    val_names = open(os.path.join(HERE, 'val_split.txt')).read().split()
    assert not (set(n for n, _ in tr) & set(val_names)), 'validation image in the training set'
    if not lim:
        assert [n for n, _ in val] == sorted(val_names), 'val folder does not match val_split.txt'
    chroma = [image_chroma(a) for _, a in tr]
    n_all = len(tr)
    tr = [x for x, c in zip(tr, chroma) if c >= 2.0]
    log(f'train images {len(tr)} (dropped {n_all - len(tr)} near-gray), val images {len(val)}')

    if args.eval_only:
        ck = torch.load(args.eval_only, map_location='cpu')
        net = build(ck.get('arch', 'compact'), ck['centres'].shape[0], ck).to(dev)
        net.load_state_dict(ck['state_dict'])
        centres, rebal_w = ck['centres'].to(dev), ck['rebal_w'].to(dev)
        ck = {k: v for k, v in ck.items() if k not in ('T', 'S', 'beta')}
        torch.save(ck, os.path.join(args.out, 'weights.pt'))
        finish(args, net.eval(), val, centres, rebal_w, dev, M.count_params(net), centres.shape[0], tr, n_all,
               0, 0, 0.0, (ck.get('best_val_ce', float('nan')), None, ck.get('best_epoch', -1)), [], ck)
        return

    centres = M.make_bins().to(dev)
    q = centres.shape[0]
    p_raw, p_smooth, rebal_w = compute_prior(tr, centres, dev)
    log(f'{q} ab bins; rebalancing weights min {rebal_w.min():.2f} max {rebal_w.max():.2f}; '
        f'top prior bins {centres[p_raw.argsort(descending=True)[:3]].tolist()}')
    src, wh = pack(tr, dev)
    vbatch = torch.cat([resize(torch.from_numpy(a).to(dev).permute(2, 0, 1)[None].float() / 255, 256, 256)
                        for _, a in val])

    # ---------------------------------------------------------------- model
    net = build(args.arch, q)
    enc_check = None
    if args.arch == 'resnet18':
        enc_path = args.encoder or os.path.join(args.data, 'encoder', 'resnet18-s16.onnx')
        RE.load_from_onnx(net.enc, enc_path)
        enc_check = encoder_check(net.enc, enc_path)
    net = net.to(dev).to(memory_format=torch.channels_last)
    n_par = M.count_params(net)
    log(f'parameters {n_par:,}')
    enc_params = list(net.encoder_parameters()) if args.arch == 'resnet18' else []
    enc_ids = {id(p) for p in enc_params}
    frozen = bool(enc_params) and args.freeze_frac > 0
    for p in enc_params:
        p.requires_grad_(not frozen)
    ema = copy.deepcopy(net).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    decay, no_decay = [], []
    for n, p in net.named_parameters():
        if id(p) not in enc_ids:
            (no_decay if p.ndim <= 1 or n.endswith('.bias') else decay).append(p)
    groups = [{'params': decay, 'weight_decay': args.wd, 'lr_scale': 1.0},
              {'params': no_decay, 'weight_decay': 0.0, 'lr_scale': 1.0}]
    if enc_params:  # pretrained weights: a lower rate, little decay (it would pull them away from ImageNet's)
        groups.append({'params': enc_params, 'weight_decay': 0.01, 'lr_scale': args.enc_lr})
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.99), **({'fused': True} if dev.type == 'cuda' else {}))
    stride = getattr(net, 'stride', 2)
    gen = torch.Generator(device=dev).manual_seed(args.seed)
    ema_p, net_p = list(ema.parameters()), list(net.parameters())

    # ---------------------------------------------------------------- train
    csv_path = os.path.join(args.out, 'loss_log.csv')
    fcsv = open(csv_path, 'w', newline='')
    wcsv = csv.writer(fcsv)
    wcsv.writerow(['epoch', 'step', 'seconds', 'lr', 'loss', 'ce_weighted', 'ce', 'l1_ab',
                   'val_ce', 'val_ce_weighted'])
    n_tr = len(tr)
    steps_per_epoch = max(1, n_tr // args.batch)
    step = epoch = 0
    best = (float('inf'), None, -1)
    t_start = time.time()
    last_val = t_start
    history = []
    done = False
    while not done:
        perm = torch.randperm(n_tr, generator=gen, device=dev)
        net.train()
        acc = torch.zeros(4, device=dev)
        for i in range(steps_per_epoch):
            el = time.time() - t_start
            prog = step / args.max_steps if args.max_steps else el / args.train_seconds
            if prog >= 1.0:
                done = True
                break
            lr = args.lr * min(1.0, prog / 0.03) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * prog)))
            if frozen and prog >= args.freeze_frac:
                frozen = False
                for p in enc_params:
                    p.requires_grad_(True)
                log(f'encoder unfrozen at step {step} ({el:.0f}s)')
            for g_ in opt.param_groups:
                g_['lr'] = lr * g_['lr_scale']
            idx = perm[i * args.batch:(i + 1) * args.batch]
            with torch.no_grad():
                rgb = sample_batch(src, wh, idx, args.crop, gen, dev)
                gray, ab, nidx, wts = targets(rgb, centres, stride=stride)
            with autocast(dev):
                logits = net(gray.contiguous(memory_format=torch.channels_last))
            loss, cew, ce, l1 = loss_fn(logits, ab, nidx, wts, centres, rebal_w, args.aux)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 2.0)
            opt.step()
            step += 1
            d = min(args.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                if hasattr(torch, '_foreach_lerp_'):
                    torch._foreach_lerp_(ema_p, net_p, 1 - d)
                else:
                    for pe, pn in zip(ema_p, net_p):
                        pe.lerp_(pn, 1 - d)
            acc += torch.stack([loss.detach(), cew, ce, l1])
        if acc[0] == 0:
            break
        epoch += 1
        a = (acc / max(1, i if done else steps_per_epoch)).tolist()
        now = time.time()
        vce = vcew = ''
        if now - last_val >= args.val_every or done or (args.max_steps and step >= args.max_steps):
            copy_buffers(ema, net)
            vce, vcew = val_loss(ema, vbatch, centres, rebal_w, dev)
            last_val = now
            if vce < best[0]:
                best = (vce, copy.deepcopy(ema.state_dict()), epoch)
            log(f'epoch {epoch:4d} step {step:6d} loss {a[0]:.4f} ce_w {a[1]:.4f} ce {a[2]:.4f} '
                f'l1 {a[3]:.2f} | val ce {vce:.4f} ce_w {vcew:.4f} | lr {lr:.2e}')
        row = [epoch, step, round(now - t_start, 2), f'{lr:.3e}'] + [f'{v:.5f}' for v in a] + \
              [f'{vce:.5f}' if vce != '' else '', f'{vcew:.5f}' if vcew != '' else '']
        wcsv.writerow(row)
        fcsv.flush()
        history.append(row)
    fcsv.close()
    train_s = time.time() - t_start
    if best[1] is None:  # the loop ended on an epoch boundary before any validation pass
        copy_buffers(ema, net)
        vce, _ = val_loss(ema, vbatch, centres, rebal_w, dev)
        best = (vce, copy.deepcopy(ema.state_dict()), epoch)
    log(f'training done: {step} steps, {epoch} epochs, {train_s:.0f}s, '
        f'{step * args.batch / max(train_s, 1e-9):.0f} samples/s; best val ce {best[0]:.4f} at epoch {best[2]}')
    ema.load_state_dict(best[1])
    ema.eval()
    wpath = os.path.join(args.out, 'weights.pt')
    ck = {'state_dict': {k: v.float().cpu() for k, v in ema.state_dict().items()},
          'centres': centres.cpu(), 'rebal_w': rebal_w.cpu(), 'prior': p_smooth.cpu(),
          'ch': (32, 64, 128, 160, 192), 'best_epoch': best[2], 'best_val_ce': best[0], 'arch': args.arch,
          'encoder_check': enc_check}
    torch.save(ck, wpath)
    log('saved', wpath)
    try:
        finish(args, ema, val, centres, rebal_w, dev, n_par, q, tr, n_all, step, epoch, train_s, best, history, ck)
    except Exception:
        import traceback
        traceback.print_exc()
        log('evaluation/export FAILED after training; weights.pt and loss_log.csv are in', args.out)
        sys.exit(2)
    log(f'all done in {time.time() - T0:.0f}s')


def finish(args, ema, val, centres, rebal_w, dev, n_par, q, tr, n_all, step, epoch, train_s, best, history, ck):

    # ---------------------------------------------------------------- evaluate
    sizes = [int(s) for s in args.sizes.split(',')]
    t_grid = [float(t) for t in args.t_grid.split(',')]
    betas = [float(b) for b in args.betas.split(',')]
    logw = torch.log(rebal_w)
    t_eval = time.time()
    res, (g_de, g_cf), gt_cf, _ = evaluate(ema, val, centres, sizes, betas, t_grid, dev, logw)
    for (s, b, t), (de, cf, rc) in sorted(res.items()):
        log(f'  S {s:4d} beta {b:.2f} T {t:.2f}: dE2000 {de:.3f}  colourfulness {cf:.2f}  colour recall {rc:.3f}')
    log(f'  gray baseline: dE2000 {g_de:.3f} colourfulness {g_cf:.2f}; ground truth colourfulness {gt_cf:.2f}'
        f' (grid evaluated in {time.time() - t_eval:.0f}s)')
    (S, B, T), why = choose(res, g_de)
    log(f'chosen S {S} beta {B} T {T} ({why})')
    res_c, _, _, kept = evaluate(ema, val, centres, [S], [B], [T], dev, logw, keep=(S, B, T))
    # numpy cross-check of the chosen setting and of the gray baseline (independent implementation)
    de_np, cf_np, gde_np, gcf_np = [], [], [], []
    for (_, a), p in zip(val, kept):
        lab_gt = lc.rgb_to_lab_np(a / 255.0)
        de_np.append(lc.ciede2000_np(lab_gt, lc.rgb_to_lab_np(p / 255.0)).mean())
        cf_np.append(lc.colourfulness_np(p))
        g = np.round(lc.gray_input_np(a / 255.0) * 255)
        gde_np.append(lc.ciede2000_np(lab_gt, lc.rgb_to_lab_np(g / 255.0)).mean())
        gcf_np.append(lc.colourfulness_np(g))
    log(f'numpy check: model dE {np.mean(de_np):.3f} cf {np.mean(cf_np):.2f} | '
        f'gray dE {np.mean(gde_np):.3f} cf {np.mean(gcf_np):.2f}')
    preview(val, kept, os.path.join(args.out, 'preview.png'))

    # ---------------------------------------------------------------- export
    onnx_path = os.path.join(args.out, args.name + '.onnx')
    net_cpu = copy.deepcopy(ema).float().cpu().eval()
    wrap, info = export_onnx(net_cpu, centres, T, onnx_path, S, -B * logw)
    log('exported', onnx_path, os.path.getsize(onnx_path), 'bytes', info)
    sha = hashlib.sha256(open(onnx_path, 'rb').read()).hexdigest()
    try:
        ort_check(onnx_path, wrap, val, info)
    except Exception as e:  # keep going: the files must come back either way
        info['ort_error'] = repr(e)
        log('ORT check FAILED:', repr(e))
    wpath = os.path.join(args.out, 'weights.pt')
    ck.update({'T': T, 'S': S, 'beta': B})
    torch.save(ck, wpath)
    # What set_decoding.py needs to re-fold other read-out constants into the exported graph on any machine.
    np.savez(os.path.join(args.out, 'decoding.npz'), cls_weight=net_cpu.cls.weight.detach().numpy(),
             cls_bias=net_cpu.cls.bias.detach().numpy(), log_rebal_w=logw.cpu().numpy(),
             centres=centres.cpu().numpy(), T=T, beta=B)

    curve_idx = np.unique(np.linspace(0, len(history) - 1, 12).round().astype(int)).tolist()
    metrics = {
        'name': args.name, 'parameters': n_par, 'bins': q, 'onnx_bytes': os.path.getsize(onnx_path),
        'onnx_sha256': sha, 'chosen': {'S': S, 'T': T, 'beta': B, 'why': why},
        'val_images': len(val), 'train_images': len(tr), 'dropped_near_gray': n_all - len(tr),
        'model': {'delta_e2000': res_c[(S, B, T)][0], 'colourfulness': res_c[(S, B, T)][1],
                  'colour_recall': res_c[(S, B, T)][2],
                  'delta_e2000_numpy': float(np.mean(de_np)), 'colourfulness_numpy': float(np.mean(cf_np))},
        'gray': {'delta_e2000': g_de, 'colourfulness': g_cf,
                 'delta_e2000_numpy': float(np.mean(gde_np)), 'colourfulness_numpy': float(np.mean(gcf_np))},
        'gt_colourfulness': gt_cf,
        'arch': ck.get('arch'), 'encoder_check': ck.get('encoder_check'),
        'grid': {f'S{s}_beta{b}_T{t}': {'delta_e2000': v[0], 'colourfulness': v[1], 'colour_recall': v[2]}
                 for (s, b, t), v in sorted(res.items())},
        'train': {'steps': step, 'epochs': epoch, 'seconds': train_s, 'batch': args.batch, 'crop': args.crop,
                  'best_val_ce': best[0], 'best_epoch': best[2], 'lr': args.lr, 'wd': args.wd,
                  'aux': args.aux, 'ema': args.ema, 'device': str(dev), 'torch': torch.__version__},
        'curve': [{'epoch': history[i][0], 'seconds': history[i][2], 'loss': history[i][4],
                   'ce': history[i][6], 'val_ce': history[i][8]} for i in curve_idx] if history else [],
        'export': info, 'total_seconds': time.time() - T0,
    }
    with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)
    for p in (onnx_path, os.path.join(args.out, 'weights.pt')):
        parts = split_big(p)
        if len(parts) > 1:
            log('split', p, 'into', [os.path.basename(x) for x in parts])


if __name__ == '__main__':
    main()
