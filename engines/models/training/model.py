"""PdnColorize Compact: a small U-Net colouriser that classifies ab into quantised bins.

Input  `input`  float32 [N,3,H,W]: gray sRGB in [0,1] (Lab(L,0,0) -> sRGB, three equal channels).
Output `output` float32 [N,2,H,W]: CIE Lab a, b (OpenCV float convention), clamped to +-127.
H and W must be multiples of 32.

Network (all convolutions are plain Conv+BN+ReLU so ONNX Runtime folds and fuses them):
  encoder  1/2 (32 ch) -> 1/4 (64) -> 1/8 (128) -> 1/16 (160) -> 1/32 (192)
           residual blocks at 1/4..1/16, two transformer layers (global context over the
           whole picture) at 1/32 with a depth-wise convolutional position encoding;
  decoder  1/32 -> 1/16 -> 1/8 -> 1/4 -> 1/2, additive skips + residual blocks;
  head     logits over Q ab bins at 1/2 resolution.
Decoding (inside the exported graph): ab = gain * softmax((logits - beta * log w) / T) @ bin_centres
(annealed mean, Zhang et al. 2016; w = class-rebalancing weights, beta in [0,1] optionally undoes
part of the rebalancing bias), then bilinear x2 to full resolution.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import labcolor as lc

# ImageNet statistics of the gray picture (mean/std of the three channel means/stds).
GRAY_MEAN = 0.449
GRAY_STD = 0.226


def conv_bn(cin, cout, k=3, s=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = conv_bn(c, c)
        self.c2 = conv_bn(c, c, act=False)
        nn.init.zeros_(self.c2[1].weight)  # start as identity

    def forward(self, x):
        return F.relu(x + self.c2(self.c1(x)))


class TransformerLayer(nn.Module):
    """Pre-norm multi-head self-attention + MLP over the H*W tokens of a feature map."""

    def __init__(self, c, heads=4, mlp=2):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(c // heads)
        self.pos = nn.Conv2d(c, c, 3, 1, 1, groups=c)  # conditional position encoding
        self.n1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.n2 = nn.LayerNorm(c)
        self.fc1 = nn.Linear(c, mlp * c)
        self.fc2 = nn.Linear(mlp * c, c)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.fc2.weight)

    def forward(self, x):
        n, c, h, w = x.shape
        x = x + self.pos(x)
        t = x.flatten(2).transpose(1, 2)                      # [N, HW, C]
        q, k, v = self.qkv(self.n1(t)).chunk(3, dim=-1)
        d = c // self.heads
        q = q.reshape(n, -1, self.heads, d).transpose(1, 2)   # [N, h, HW, d]
        k = k.reshape(n, -1, self.heads, d).transpose(1, 2)
        v = v.reshape(n, -1, self.heads, d).transpose(1, 2)
        att = torch.softmax((q * self.scale) @ k.transpose(-2, -1), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(n, -1, c)
        t = t + self.proj(o)
        t = t + self.fc2(F.gelu(self.fc1(self.n2(t))))
        return t.transpose(1, 2).reshape(n, c, h, w)


class CompactColorizer(nn.Module):
    def __init__(self, n_bins, ch=(32, 64, 128, 160, 192), blocks=(0, 2, 2, 2), attn_layers=2):
        super().__init__()
        c1, c2, c3, c4, c5 = ch
        self.stem = nn.Sequential(conv_bn(1, c1, 3, 2), conv_bn(c1, c1))              # 1/2
        self.e2 = nn.Sequential(conv_bn(c1, c2, 3, 2), *[ResBlock(c2) for _ in range(blocks[1])])  # 1/4
        self.e3 = nn.Sequential(conv_bn(c2, c3, 3, 2), *[ResBlock(c3) for _ in range(blocks[2])])  # 1/8
        self.e4 = nn.Sequential(conv_bn(c3, c4, 3, 2), *[ResBlock(c4) for _ in range(blocks[3])])  # 1/16
        self.e5 = conv_bn(c4, c5, 3, 2)                                                 # 1/32
        self.attn = nn.Sequential(*[TransformerLayer(c5) for _ in range(attn_layers)])
        self.l4 = conv_bn(c5, c4, 1)
        self.d4 = ResBlock(c4)
        self.l3 = conv_bn(c4, c3, 1)
        self.d3 = ResBlock(c3)
        self.l2 = conv_bn(c3, c2, 1)
        self.d2 = ResBlock(c2)
        self.l1 = conv_bn(c2, c1, 1)
        self.head = conv_bn(c1, 2 * c1)
        self.cls = nn.Conv2d(2 * c1, n_bins, 1)

    @staticmethod
    def up(x):
        return F.interpolate(x, scale_factor=2.0, mode='bilinear', align_corners=False)

    def forward(self, x):
        """x: [N,3,H,W] gray sRGB in [0,1] -> logits [N,Q,H/2,W/2]."""
        g = (x.mean(dim=1, keepdim=True) - GRAY_MEAN) * (1.0 / GRAY_STD)
        f1 = self.stem(g)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        f5 = self.attn(self.e5(f4))
        y = self.d4(self.up(self.l4(f5)) + f4)
        y = self.d3(self.up(self.l3(y)) + f3)
        y = self.d2(self.up(self.l2(y)) + f2)
        y = self.up(self.l1(y)) + f1
        return self.cls(self.head(y))


class ResNetColorizer(nn.Module):
    """pdnc-resnet18-v2: the ImageNet ResNet-18 (to stride 16) as encoder, a small U-Net decoder to stride 4.

    encoder  ResNet-18 stem/layer1/layer2/layer3 (resnet_encoder.py, weights from the NuGet package's ONNX):
             64 ch @1/2, 64 @1/4, 128 @1/8, 256 @1/16
    context  two transformer layers over the stride-16 tokens (the whole picture's context)
    decoder  1/16 -> 1/8 -> 1/4: bilinear up, 1x1 lateral + skip from the encoder, residual block
    head     logits over Q ab bins at 1/4 resolution (the exported graph upsamples the decoded ab x4)
    """

    stride = 4

    def __init__(self, n_bins, attn_layers=2, dec=(256, 128, 64)):
        super().__init__()
        from resnet_encoder import ResNet18S16, MEAN_BGR
        c16, c8, c4 = dec
        self.enc = ResNet18S16()
        self.register_buffer('mean', torch.tensor(MEAN_BGR).view(1, 3, 1, 1), persistent=False)
        self.mid = conv_bn(256, c16)
        self.attn = nn.Sequential(*[TransformerLayer(c16) for _ in range(attn_layers)])
        self.l8 = conv_bn(c16, c8, 1)
        self.s8 = conv_bn(128, c8, 1)
        self.d8 = ResBlock(c8)
        self.l4 = conv_bn(c8, c4, 1)
        self.s4 = conv_bn(64, c4, 1)
        self.d4 = ResBlock(c4)
        self.head = conv_bn(c4, 2 * c4)
        self.cls = nn.Conv2d(2 * c4, n_bins, 1)

    def encoder_parameters(self):
        return self.enc.parameters()

    def train(self, mode=True):
        # The encoder's BatchNorm keeps ImageNet's statistics (frozen, as when fine-tuning detection backbones):
        # batches of gray crops would otherwise move them away from what the pretrained weights expect.
        super().train(mode)
        for m in self.enc.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self

    def forward(self, x):
        """x: [N,3,H,W] gray sRGB in [0,1] -> logits [N,Q,H/4,W/4]."""
        _, f4, f8, f16 = self.enc(x * 255.0 - self.mean)
        y = self.attn(self.mid(f16))
        y = self.d8(F.interpolate(self.l8(y), scale_factor=2.0, mode='bilinear', align_corners=False) + self.s8(f8))
        y = self.d4(F.interpolate(self.l4(y), scale_factor=2.0, mode='bilinear', align_corners=False) + self.s4(f4))
        return self.cls(self.head(y))


class ExportWrapper(nn.Module):
    """gray [N,3,H,W] -> ab [N,2,H,W] with the annealed-mean decoding baked in.

    1/T is folded into the classifier weights (exactly equivalent to softmax(logits / T)); an
    optional per-bin logit offset `adj` (prior correction, see train.py) is folded into its bias;
    an optional chroma `gain` is folded into the expectation weights (gain * bin centres);
    the expectation over bins is a 1x1 convolution whose weights are the bin centres.
    """

    def __init__(self, net, centres, T, adj=None, gain=1.0):
        super().__init__()
        import copy
        self.net = copy.deepcopy(net).float().eval()
        with torch.no_grad():
            if adj is not None:
                self.net.cls.bias.add_(adj.float().cpu())
            self.net.cls.weight.mul_(1.0 / T)
            self.net.cls.bias.mul_(1.0 / T)
        q = centres.shape[0]
        self.expect = nn.Conv2d(q, 2, 1, bias=False)
        with torch.no_grad():
            self.expect.weight.copy_(gain * centres.float().cpu().t().reshape(2, q, 1, 1))

    def forward(self, x):
        p = torch.softmax(self.net(x), dim=1)
        up = float(getattr(self.net, 'stride', 2))
        ab = F.interpolate(self.expect(p), scale_factor=up, mode='bilinear', align_corners=False)
        return ab.clamp(-127.0, 127.0)


def decode_ab(logits, centres, T, adj=None):
    """Annealed mean at the logits' resolution (training/eval helper, float32)."""
    z = logits.float()
    if adj is not None:
        z = z + adj.view(1, -1, 1, 1)
    p = torch.softmax(z / T, dim=1)
    return torch.einsum('nqhw,qc->nchw', p, centres)


# ----------------------------------------------------------------------------- ab bins
def make_bins(step=10.0, extent=110.0):
    """Centres of a step x step ab grid that are in the sRGB gamut for some L in 1..99."""
    import numpy as np
    g = np.arange(-extent, extent + 1e-6, step)
    aa, bb = np.meshgrid(g, g, indexing='ij')
    ab = np.stack([aa.ravel(), bb.ravel()], axis=1)
    Ls = np.arange(1.0, 100.0, 1.0)
    keep = []
    for a, b in ab:
        # a bin is usable when any point of its cell (centre or a corner moved halfway) is in gamut
        ok = False
        for da, db in ((0, 0), (-.5, -.5), (-.5, .5), (.5, -.5), (.5, .5)):
            lab = np.stack([Ls, np.full_like(Ls, a + da * step), np.full_like(Ls, b + db * step)], 1)
            lin = lc.lab_to_rgb_np(lab, clip=False)
            if np.any(np.all((lin >= -1e-4) & (lin <= 1 + 1e-4), axis=1)):
                ok = True
                break
        keep.append(ok)
    return torch.tensor(ab[np.array(keep)], dtype=torch.float32)


def count_params(m):
    return sum(p.numel() for p in m.parameters())
