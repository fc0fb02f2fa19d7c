"""A DDColor-shaped network (tiny and large) for speed and memory measurements.

Written for PdnColorize from the published description of DDColor (Kang et al., "DDColor: Towards
Photo-Realistic Image Colorization via Dual Decoders", arXiv 2212.11613) as summarised in
docs/performance.md; it is NOT the official code and is never shipped as a colouriser: it
exists so that speed/memory of a DDColor-class model can be measured with random weights
(the official weights cannot be downloaded on our machines).

Shape:
  * ImageNet mean/std normalisation inside the model; input [N,3,S,S] gray sRGB in [0,1], S % 32 == 0.
  * Encoder: ConvNeXt-T (dims 96/192/384/768, depths 3/3/9/3) or ConvNeXt-L (192/384/768/1536,
    3/3/27/3); the features are taken after an extra channel LayerNorm at strides 4/8/16/32.
  * Pixel decoder: three U-Net blocks (1x1 conv + pixel shuffle x2 + blur, BN on the skip, 3x3 conv)
    giving 512 ch @1/16, 512 @1/8, 256 @1/4, then a x4 pixel shuffle to full resolution (256 ch).
  * Colour decoder: 100 learnable colour queries (features + positional embeddings), hidden 256,
    8 heads, 9 layers of cross-attention -> self-attention -> FFN(2048) (post-norm), cycling over the
    three decoder scales (1/16, 1/8, 1/4) with sine position embeddings and level embeddings;
    a final LayerNorm and a 3-layer MLP make 100 colour embeddings; their dot product with the
    full-resolution pixel features gives 100 maps.
  * Output: concat(100 maps, normalised input) -> 1x1 conv -> 2 channels = Lab a, b.
  Spectral normalisation of the official model is a training-time re-parametrisation; it does not
  change the inference graph and is left out here.

Parameter counts (checked by `python3 ddcolor_arch.py`): tiny ~55.0 M, large ~227.9 M.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

CONFIGS = {
    'tiny': dict(dims=(96, 192, 384, 768), depths=(3, 3, 9, 3)),
    'large': dict(dims=(192, 384, 768, 1536), depths=(3, 3, 27, 3)),
    # The same operators at a few MB: a test fixture for exporter conventions (LayerNormalization, GELU,
    # attention), not a size anyone measures speed at.
    'micro': dict(dims=(32, 64, 128, 256), depths=(1, 1, 1, 1),
                  decoder=dict(nf=64, d=64, queries=16, heads=4, ffn=256, layers=3)),
}


# ----------------------------------------------------------------------------- encoder
class ChannelNorm(nn.Module):
    """LayerNorm over the channel dimension of an NCHW tensor."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        x = (x - mu) / torch.sqrt(var + self.eps)
        return x * self.weight[:, None, None] + self.bias[:, None, None]


class ConvNeXtBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1 = nn.Linear(c, 4 * c)
        self.fc2 = nn.Linear(4 * c, c)
        self.scale = nn.Parameter(torch.full((c,), 1e-6))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)             # NHWC
        y = self.fc2(F.gelu(self.fc1(self.norm(y))))
        return x + (y * self.scale).permute(0, 3, 1, 2)


class ConvNeXtEncoder(nn.Module):
    def __init__(self, dims, depths, in_ch=3):
        super().__init__()
        self.down = nn.ModuleList()
        self.down.append(nn.Sequential(nn.Conv2d(in_ch, dims[0], 4, stride=4), ChannelNorm(dims[0])))
        for i in range(3):
            self.down.append(nn.Sequential(ChannelNorm(dims[i]), nn.Conv2d(dims[i], dims[i + 1], 2, stride=2)))
        self.stages = nn.ModuleList([nn.Sequential(*[ConvNeXtBlock(d) for _ in range(n)])
                                     for d, n in zip(dims, depths)])
        self.out_norms = nn.ModuleList([ChannelNorm(d) for d in dims])

    def forward(self, x):
        feats = []
        for down, stage, norm in zip(self.down, self.stages, self.out_norms):
            x = stage(down(x))
            feats.append(norm(x))
        return feats  # strides 4, 8, 16, 32


# ----------------------------------------------------------------------------- pixel decoder
class ShuffleUp(nn.Module):
    """1x1 conv to cout * scale^2, pixel shuffle, 2x2 average 'blur' (replicate-padded), ReLU."""

    def __init__(self, cin, cout, scale):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout * scale * scale, 1)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        x = self.shuffle(self.conv(x))
        x = F.avg_pool2d(F.pad(x, (1, 0, 1, 0), mode='replicate'), 2, stride=1)
        return F.relu(x)


class UpBlock(nn.Module):
    def __init__(self, up_in, skip_in, cout):
        super().__init__()
        self.up = ShuffleUp(up_in, cout, 2)
        self.skip_bn = nn.BatchNorm2d(skip_in)
        self.conv = nn.Conv2d(cout + skip_in, cout, 3, padding=1)

    def forward(self, x, skip):
        u = self.up(x)
        if u.shape[-2:] != skip.shape[-2:]:
            u = F.interpolate(u, size=skip.shape[-2:], mode='nearest')
        y = F.relu(torch.cat([u, self.skip_bn(skip)], 1))
        return F.relu(self.conv(y))


class PixelDecoder(nn.Module):
    def __init__(self, dims, nf=512):
        super().__init__()
        self.b1 = UpBlock(dims[3], dims[2], nf)          # -> 1/16
        self.b2 = UpBlock(nf, dims[1], nf)               # -> 1/8
        self.b3 = UpBlock(nf, dims[0], nf // 2)          # -> 1/4
        self.final = ShuffleUp(nf // 2, nf // 2, 4)      # -> full resolution, 256 ch

    def forward(self, feats):
        f4, f8, f16, f32 = feats
        o16 = self.b1(f32, f16)
        o8 = self.b2(o16, f8)
        o4 = self.b3(o8, f4)
        return [o16, o8, o4], self.final(o4)


# ----------------------------------------------------------------------------- colour decoder
def sine_position(x, num_feats=128, temperature=10000.0):
    """Normalised 2-D sine/cosine position embedding [N, 2*num_feats, H, W] for a feature map."""
    n, _, h, w = x.shape
    eps = 1e-6
    ys = torch.arange(1, h + 1, dtype=torch.float32, device=x.device).view(1, h, 1).expand(n, h, w)
    xs = torch.arange(1, w + 1, dtype=torch.float32, device=x.device).view(1, 1, w).expand(n, h, w)
    ys = ys / (h + eps) * 2 * math.pi
    xs = xs / (w + eps) * 2 * math.pi
    k = torch.arange(num_feats, dtype=torch.float32, device=x.device)
    freq = temperature ** (2 * torch.div(k, 2, rounding_mode='floor') / num_feats)
    px = xs[..., None] / freq
    py = ys[..., None] / freq
    px = torch.stack([px[..., 0::2].sin(), px[..., 1::2].cos()], dim=4).flatten(3)
    py = torch.stack([py[..., 0::2].sin(), py[..., 1::2].cos()], dim=4).flatten(3)
    return torch.cat([py, px], dim=3).permute(0, 3, 1, 2).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    def forward(self, q, k, v):
        n, lq, d = q.shape
        hd = d // self.h
        q = self.q(q).reshape(n, lq, self.h, hd).transpose(1, 2)
        k = self.k(k).reshape(n, -1, self.h, hd).transpose(1, 2)
        v = self.v(v).reshape(n, -1, self.h, hd).transpose(1, 2)
        a = torch.softmax((q * (1.0 / math.sqrt(hd))) @ k.transpose(-2, -1), dim=-1)
        return self.o((a @ v).transpose(1, 2).reshape(n, lq, d))


class DecoderLayer(nn.Module):
    """cross-attention -> self-attention -> FFN, each residual + post-LayerNorm."""

    def __init__(self, d=256, heads=8, ffn=2048):
        super().__init__()
        self.cross = Attention(d, heads)
        self.n1 = nn.LayerNorm(d)
        self.self_attn = Attention(d, heads)
        self.n2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)
        self.n3 = nn.LayerNorm(d)

    def forward(self, t, qpos, mem, mpos):
        t = self.n1(t + self.cross(t + qpos, mem + mpos, mem))
        q = t + qpos
        t = self.n2(t + self.self_attn(q, q, t))
        return self.n3(t + self.fc2(F.relu(self.fc1(t))))


class ColourDecoder(nn.Module):
    def __init__(self, in_channels=(512, 512, 256), d=256, queries=100, heads=8, ffn=2048, layers=9,
                 embed_dim=256):
        super().__init__()
        self.proj = nn.ModuleList([nn.Conv2d(c, d, 1) for c in in_channels])
        self.level_embed = nn.Parameter(torch.randn(len(in_channels), d) * 0.02)
        self.query_feat = nn.Parameter(torch.randn(queries, d) * 0.02)
        self.query_pos = nn.Parameter(torch.randn(queries, d) * 0.02)
        self.layers = nn.ModuleList([DecoderLayer(d, heads, ffn) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, embed_dim))

    def forward(self, feats, pixel):
        n = pixel.shape[0]
        mem, pos = [], []
        for i, f in enumerate(feats):
            mem.append((self.proj[i](f) + self.level_embed[i].view(1, -1, 1, 1)).flatten(2).transpose(1, 2))
            pos.append(sine_position(f, self.proj[i].out_channels // 2).flatten(2).transpose(1, 2))
        t = self.query_feat.unsqueeze(0).expand(n, -1, -1)
        qpos = self.query_pos.unsqueeze(0).expand(n, -1, -1)
        for i, layer in enumerate(self.layers):
            lvl = i % len(feats)
            t = layer(t, qpos, mem[lvl], pos[lvl])
        emb = self.mlp(self.norm(t))                          # [N, Q, C]
        return torch.einsum('nqc,nchw->nqhw', emb, pixel)     # [N, Q, H, W]


# ----------------------------------------------------------------------------- whole model
class DDColorBench(nn.Module):
    def __init__(self, size='tiny', queries=100, layers=9, nf=512):
        super().__init__()
        cfg = CONFIGS[size]
        dec = {**dict(nf=nf, d=256, queries=queries, heads=8, ffn=2048, layers=layers), **cfg.get('decoder', {})}
        queries, nf = dec['queries'], dec['nf']
        self.encoder = ConvNeXtEncoder(cfg['dims'], cfg['depths'])
        self.pixel_decoder = PixelDecoder(cfg['dims'], nf)
        self.colour_decoder = ColourDecoder((nf, nf, nf // 2), d=dec['d'], queries=queries, heads=dec['heads'],
                                            ffn=dec['ffn'], layers=dec['layers'], embed_dim=nf // 2)
        self.out = nn.Conv2d(queries + 3, 2, 1)
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        feats = self.encoder(x)
        multi, pixel = self.pixel_decoder(feats)
        maps = self.colour_decoder(multi, pixel)
        return self.out(torch.cat([maps, x], 1))


def build(size='tiny', seed=0):
    torch.manual_seed(seed)
    return DDColorBench(size).eval()


def count_params(m):
    return sum(p.numel() for p in m.parameters())


EXPECTED = {'tiny': 55.0e6, 'large': 227.9e6}

if __name__ == '__main__':
    import sys
    ok = True
    for name in ('tiny', 'large'):
        m = build(name)
        n = count_params(m)
        rel = n / EXPECTED[name] - 1
        ok &= abs(rel) < 0.01
        parts = {k: count_params(getattr(m, k)) for k in ('encoder', 'pixel_decoder', 'colour_decoder', 'out')}
        print(f'{name}: {n:,} parameters ({n / 1e6:.2f} M, {rel * 100:+.2f} % vs {EXPECTED[name] / 1e6} M) {parts}')
        if name == 'tiny':
            with torch.no_grad():
                y = m(torch.rand(1, 3, 64, 64))
            print('  forward 64x64 ->', tuple(y.shape))
            ok &= tuple(y.shape) == (1, 2, 64, 64)
        del m
    print('OK' if ok else 'MISMATCH')
    sys.exit(0 if ok else 1)
