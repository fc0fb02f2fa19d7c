"""The ImageNet ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 (MIT) as a PyTorch encoder of our own.

The ONNX graph (CNTK export, opset 8) is a standard ResNet-18 with CNTK's padding: every stride-2 3x3 or 7x7
convolution and the max-pool pad one pixel less at the bottom/right than at the top/left (pads [1,1,0,0] and
[3,3,2,2]). Its input (`Input247`) is BGR on a 0..255 scale minus a mean image (ResNetPreprocess.onnx: per-channel
means about 103.1 / 115.9 / 123.2 with a little spatial variation); for our gray input the three channels are
equal, so the channel order does not matter and the per-channel means of that image are used.

The weights are read from the cut graph that prepare_data.py writes (stages up to stride 16) by walking its
nodes in order: each Conv is followed by its BatchNormalization, blocks are recognised by their Add nodes and the
1x1 stride-2 projection convolutions. `check_against_onnx` runs ONNX Runtime on the same input and compares every
stage's activation with ours.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Per-channel means of ResNetPreprocess.onnx's MeanImage (B, G, R), read from the package's file.
MEAN_BGR = (103.06262, 115.902885, 123.15163)
STAGES = ('stem', 'layer1', 'layer2', 'layer3')   # strides 2, 4, 8, 16
CHANNELS = (64, 64, 128, 256)


class ConvBn(nn.Module):
    """Conv (no bias) + BatchNorm with ONNX-style explicit pads (top, left, bottom, right)."""

    def __init__(self, cin, cout, k, stride, pads):
        super().__init__()
        self.pads = pads
        self.conv = nn.Conv2d(cin, cout, k, stride, 0, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5)

    def forward(self, x):
        t, l, b, r = self.pads
        if any(self.pads):
            x = F.pad(x, (l, r, t, b))
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        down = (1, 1, 0, 0) if stride == 2 else (1, 1, 1, 1)
        self.c1 = ConvBn(cin, cout, 3, stride, down)
        self.c2 = ConvBn(cout, cout, 3, 1, (1, 1, 1, 1))
        self.proj = ConvBn(cin, cout, 1, stride, (0, 0, 0, 0)) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.c2(F.relu(self.c1(x)))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class ResNet18S16(nn.Module):
    """ResNet-18 up to its stride-16 stage; returns the stride 2, 4, 8 and 16 activations."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBn(3, 64, 7, 2, (3, 3, 2, 2))
        self.layer1 = nn.Sequential(BasicBlock(64, 64, 1), BasicBlock(64, 64, 1))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128, 1))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256, 1))

    def forward(self, x):
        """x: the graph's own input convention (BGR 0..255 minus the mean)."""
        s2 = F.relu(self.stem(x))
        s4 = self.layer1(F.max_pool2d(F.pad(s2, (1, 0, 1, 0), value=float('-inf')), 3, 2))
        s8 = self.layer2(s4)
        s16 = self.layer3(s8)
        return s2, s4, s8, s16

    @staticmethod
    def from_gray(gray01):
        """Our contract's gray sRGB [N,3,H,W] in 0..1 -> the graph's input convention."""
        mean = torch.tensor(MEAN_BGR, dtype=gray01.dtype, device=gray01.device).view(1, 3, 1, 1)
        return gray01 * 255.0 - mean


def _conv_bn_modules(enc):
    """Our ConvBn modules in the order the ONNX graph computes them (projection before the block's first conv)."""
    order = [enc.stem]
    for layer in (enc.layer1, enc.layer2, enc.layer3):
        for block in layer:
            if block.proj is not None:
                order.append(block.proj)
            order += [block.c1, block.c2]
    return order


def load_from_onnx(enc, path):
    """Copy the cut graph's Conv/BatchNormalization initializers into `enc`, checking every shape and attribute."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    nodes = list(m.graph.node)
    pairs = []
    for i, n in enumerate(nodes):
        if n.op_type != 'Conv':
            continue
        bn = next(x for x in nodes if x.op_type == 'BatchNormalization' and x.input[0] == n.output[0])
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        pairs.append((n, bn, attrs))
    mods = _conv_bn_modules(enc)
    if len(pairs) != len(mods):
        raise ValueError(f'{len(pairs)} Conv nodes in {path}, the encoder has {len(mods)}')
    for (conv, bn, attrs), mod in zip(pairs, mods):
        w = inits[conv.input[1]]
        if tuple(w.shape) != tuple(mod.conv.weight.shape):
            raise ValueError(f'{conv.output[0]}: weight {w.shape} vs ours {tuple(mod.conv.weight.shape)}')
        if list(attrs.get('strides', [1, 1])) != list(mod.conv.stride):
            raise ValueError(f'{conv.output[0]}: strides {attrs.get("strides")} vs ours {mod.conv.stride}')
        p = list(attrs.get('pads', [0, 0, 0, 0]))         # ONNX: top, left, bottom, right
        if p != list(mod.pads):
            raise ValueError(f'{conv.output[0]}: pads {p} vs ours {mod.pads}')
        if len(conv.input) > 2:
            raise ValueError(f'{conv.output[0]}: a Conv bias is not expected before BatchNormalization')
        scale, bias, mean, var = (inits[name] for name in bn.input[1:5])
        with torch.no_grad():
            mod.conv.weight.copy_(torch.from_numpy(w))
            mod.bn.weight.copy_(torch.from_numpy(scale))
            mod.bn.bias.copy_(torch.from_numpy(bias))
            mod.bn.running_mean.copy_(torch.from_numpy(mean))
            mod.bn.running_var.copy_(torch.from_numpy(var))
        eps = next((onnx.helper.get_attribute_value(a) for a in bn.attribute if a.name == 'epsilon'), 1e-5)
        mod.bn.eps = float(eps)
    return enc


@torch.no_grad()
def check_against_onnx(enc, path, sizes=((224, 224), (256, 320)), seed=3):
    """Max |ours - ONNX Runtime| per stage on gray inputs in the graph's convention (float32, CPU)."""
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    names = [o.name for o in sess.get_outputs()]
    enc_cpu = enc.float().cpu().eval()
    g = torch.Generator().manual_seed(seed)
    report = []
    for h, w in sizes:
        gray = torch.rand(1, 1, h, w, generator=g).expand(1, 3, h, w).contiguous()
        x = ResNet18S16.from_gray(gray)
        ours = [t.numpy() for t in enc_cpu(x)]
        theirs = sess.run(names, {sess.get_inputs()[0].name: x.numpy().astype(np.float32)})
        for stage, a, b in zip(STAGES, ours, theirs):
            if a.shape != b.shape:
                raise ValueError(f'{stage} at {h}x{w}: ours {a.shape} vs ONNX Runtime {b.shape}')
            report.append({'size': [h, w], 'stage': stage, 'shape': list(a.shape),
                           'max_abs_diff': float(np.abs(a - b).max()), 'max_abs': float(np.abs(b).max())})
    return report
