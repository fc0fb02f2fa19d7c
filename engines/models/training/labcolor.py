"""Colour maths shared by the PdnColorize training, evaluation and export scripts.

Conventions (fixed by docs/architecture.md, "The model contract and descriptors"):
  * sRGB in [0, 1] with the sRGB transfer curve, D65 white (0.950456, 1, 1.088754),
    CIE threshold 0.008856, exactly like OpenCV's float RGB<->Lab conversion.
  * L in 0..100, a/b roughly -128..127.

Everything here is written from the textbook formulas (CIE 15, Sharma et al. 2005 for
CIEDE2000, Hasler & Suesstrunk 2003 for colourfulness).  numpy versions are the reference;
torch versions are used on the GPU for speed and are cross-checked against numpy in the
self-test of train.py.
"""
import math

import numpy as np

# sRGB (linear) -> XYZ, the matrix OpenCV uses.
M_RGB2XYZ = np.array([[0.412453, 0.357580, 0.180423],
                      [0.212671, 0.715160, 0.072169],
                      [0.019334, 0.119193, 0.950227]], dtype=np.float64)
M_XYZ2RGB = np.linalg.inv(M_RGB2XYZ)
WHITE = np.array([0.950456, 1.0, 1.088754], dtype=np.float64)
EPS = 0.008856          # (6/29)^3 as rounded by OpenCV
KAPPA = 903.3
L_THRESH = EPS * KAPPA  # 7.9996...
F_THRESH = 0.206893     # cube root of EPS (what OpenCV compares fx/fz with)


# ----------------------------------------------------------------------------- numpy
def srgb_to_linear_np(c):
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb_np(c):
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)


def rgb_to_lab_np(rgb):
    """rgb: [..., 3] sRGB in [0, 1] -> [..., 3] Lab (float64)."""
    lin = srgb_to_linear_np(rgb)
    xyz = lin @ M_RGB2XYZ.T / WHITE
    f = np.where(xyz > EPS, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    y = xyz[..., 1]
    L = np.where(y > EPS, 116.0 * np.cbrt(y) - 16.0, KAPPA * y)
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def lab_to_rgb_np(lab, clip=True):
    """lab: [..., 3] -> sRGB [..., 3] in [0, 1] (clipped, like OpenCV)."""
    lab = np.asarray(lab, dtype=np.float64)
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    low = L <= L_THRESH
    y = np.where(low, L / KAPPA, ((L + 16.0) / 116.0) ** 3)
    fy = np.where(low, 7.787 * y + 16.0 / 116.0, (L + 16.0) / 116.0)
    fx = a / 500.0 + fy
    fz = fy - b / 200.0
    x = np.where(fx > F_THRESH, fx ** 3, (fx - 16.0 / 116.0) / 7.787)
    z = np.where(fz > F_THRESH, fz ** 3, (fz - 16.0 / 116.0) / 7.787)
    xyz = np.stack([x, y, z], axis=-1) * WHITE
    lin = xyz @ M_XYZ2RGB.T
    if not clip:
        return lin  # linear, unclipped (gamut tests)
    return linear_to_srgb_np(lin)


def gray_input_np(rgb):
    """The model input: gray sRGB image of L* with a = b = 0 (three equal channels)."""
    lab = rgb_to_lab_np(rgb)
    lab[..., 1:] = 0.0
    return lab_to_rgb_np(lab)


def ciede2000_np(lab1, lab2):
    """CIEDE2000 colour difference (kL = kC = kH = 1), element-wise over [..., 3]."""
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    C1 = np.hypot(a1, b1)
    C2 = np.hypot(a2, b2)
    Cm = 0.5 * (C1 + C2)
    Cm7 = Cm ** 7
    G = 0.5 * (1.0 - np.sqrt(Cm7 / (Cm7 + 25.0 ** 7)))
    a1p = (1.0 + G) * a1
    a2p = (1.0 + G) * a2
    C1p = np.hypot(a1p, b1)
    C2p = np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    h1p = np.where(C1p == 0, 0.0, h1p)
    h2p = np.where(C2p == 0, 0.0, h2p)
    dLp = L2 - L1
    dCp = C2p - C1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, dh)
    dh = np.where(dh < -180.0, dh + 360.0, dh)
    prod0 = (C1p * C2p) == 0
    dh = np.where(prod0, 0.0, dh)
    dHp = 2.0 * np.sqrt(C1p * C2p) * np.sin(np.radians(dh) / 2.0)
    Lpm = 0.5 * (L1 + L2)
    Cpm = 0.5 * (C1p + C2p)
    hsum = h1p + h2p
    hdiff = np.abs(h1p - h2p)
    hpm = np.where(hdiff <= 180.0, 0.5 * hsum,
                   np.where(hsum < 360.0, 0.5 * (hsum + 360.0), 0.5 * (hsum - 360.0)))
    hpm = np.where(prod0, hsum, hpm)
    T = (1.0 - 0.17 * np.cos(np.radians(hpm - 30.0)) + 0.24 * np.cos(np.radians(2.0 * hpm))
         + 0.32 * np.cos(np.radians(3.0 * hpm + 6.0)) - 0.20 * np.cos(np.radians(4.0 * hpm - 63.0)))
    dtheta = 30.0 * np.exp(-(((hpm - 275.0) / 25.0) ** 2))
    Cpm7 = Cpm ** 7
    RC = 2.0 * np.sqrt(Cpm7 / (Cpm7 + 25.0 ** 7))
    SL = 1.0 + 0.015 * (Lpm - 50.0) ** 2 / np.sqrt(20.0 + (Lpm - 50.0) ** 2)
    SC = 1.0 + 0.045 * Cpm
    SH = 1.0 + 0.015 * Cpm * T
    RT = -np.sin(np.radians(2.0 * dtheta)) * RC
    tL, tC, tH = dLp / SL, dCp / SC, dHp / SH
    return np.sqrt(tL * tL + tC * tC + tH * tH + RT * tC * tH)


def colourfulness_np(rgb255):
    """Hasler & Suesstrunk (2003) colourfulness M of one image, rgb on the 0..255 scale."""
    rgb = np.asarray(rgb255, dtype=np.float64).reshape(-1, 3)
    rg = rgb[:, 0] - rgb[:, 1]
    yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
    sd = math.sqrt(rg.std() ** 2 + yb.std() ** 2)
    mu = math.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    return sd + 0.3 * mu


# ----------------------------------------------------------------------------- torch
def _torch():
    import torch
    return torch


def _consts(ref):
    torch = _torch()
    m = torch.tensor(M_RGB2XYZ, dtype=torch.float32, device=ref.device)
    mi = torch.tensor(M_XYZ2RGB, dtype=torch.float32, device=ref.device)
    w = torch.tensor(WHITE, dtype=torch.float32, device=ref.device).view(1, 3, 1, 1)
    return m, mi, w


def rgb_to_lab_t(rgb):
    """rgb: [N,3,H,W] float in [0,1] -> Lab [N,3,H,W] (float32)."""
    torch = _torch()
    rgb = rgb.float().clamp(0.0, 1.0)
    m, _, w = _consts(rgb)
    lin = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = torch.einsum('ij,njhw->nihw', m, lin) / w
    f = torch.where(xyz > EPS, xyz.clamp_min(1e-12) ** (1.0 / 3.0), 7.787 * xyz + 16.0 / 116.0)
    y = xyz[:, 1]
    L = torch.where(y > EPS, 116.0 * y.clamp_min(1e-12) ** (1.0 / 3.0) - 16.0, KAPPA * y)
    a = 500.0 * (f[:, 0] - f[:, 1])
    b = 200.0 * (f[:, 1] - f[:, 2])
    return torch.stack([L, a, b], dim=1)


def lab_to_rgb_t(lab):
    """Lab [N,3,H,W] -> sRGB [N,3,H,W] clipped to [0,1]."""
    torch = _torch()
    lab = lab.float()
    _, mi, w = _consts(lab)
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    low = L <= L_THRESH
    y = torch.where(low, L / KAPPA, ((L + 16.0) / 116.0) ** 3)
    fy = torch.where(low, 7.787 * y + 16.0 / 116.0, (L + 16.0) / 116.0)
    fx = a / 500.0 + fy
    fz = fy - b / 200.0
    x = torch.where(fx > F_THRESH, fx ** 3, (fx - 16.0 / 116.0) / 7.787)
    z = torch.where(fz > F_THRESH, fz ** 3, (fz - 16.0 / 116.0) / 7.787)
    xyz = torch.stack([x, y, z], dim=1) * w
    lin = torch.einsum('ij,njhw->nihw', mi, xyz).clamp(0.0, 1.0)
    return torch.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin.clamp_min(1e-12) ** (1.0 / 2.4) - 0.055)


def gray_from_L_t(L):
    """L [N,1,H,W] -> gray sRGB [N,3,H,W]: Lab(L,0,0) -> sRGB (three equal channels)."""
    torch = _torch()
    lab = torch.cat([L, torch.zeros_like(L), torch.zeros_like(L)], dim=1)
    return lab_to_rgb_t(lab)


def ciede2000_t(lab1, lab2):
    """CIEDE2000 over dim 1 of [N,3,...] tensors (float64 recommended) -> [N,...]."""
    torch = _torch()
    L1, a1, b1 = lab1[:, 0], lab1[:, 1], lab1[:, 2]
    L2, a2, b2 = lab2[:, 0], lab2[:, 1], lab2[:, 2]
    C1 = torch.hypot(a1, b1)
    C2 = torch.hypot(a2, b2)
    Cm7 = (0.5 * (C1 + C2)) ** 7
    G = 0.5 * (1.0 - torch.sqrt(Cm7 / (Cm7 + 25.0 ** 7)))
    a1p, a2p = (1.0 + G) * a1, (1.0 + G) * a2
    C1p, C2p = torch.hypot(a1p, b1), torch.hypot(a2p, b2)
    h1p = torch.rad2deg(torch.atan2(b1, a1p)) % 360.0
    h2p = torch.rad2deg(torch.atan2(b2, a2p)) % 360.0
    h1p = torch.where(C1p == 0, torch.zeros_like(h1p), h1p)
    h2p = torch.where(C2p == 0, torch.zeros_like(h2p), h2p)
    dLp = L2 - L1
    dCp = C2p - C1p
    dh = h2p - h1p
    dh = torch.where(dh > 180.0, dh - 360.0, dh)
    dh = torch.where(dh < -180.0, dh + 360.0, dh)
    prod0 = (C1p * C2p) == 0
    dh = torch.where(prod0, torch.zeros_like(dh), dh)
    dHp = 2.0 * torch.sqrt(C1p * C2p) * torch.sin(torch.deg2rad(dh) / 2.0)
    Lpm = 0.5 * (L1 + L2)
    Cpm = 0.5 * (C1p + C2p)
    hsum = h1p + h2p
    hdiff = (h1p - h2p).abs()
    hpm = torch.where(hdiff <= 180.0, 0.5 * hsum,
                      torch.where(hsum < 360.0, 0.5 * (hsum + 360.0), 0.5 * (hsum - 360.0)))
    hpm = torch.where(prod0, hsum, hpm)
    r = torch.deg2rad
    T = (1.0 - 0.17 * torch.cos(r(hpm - 30.0)) + 0.24 * torch.cos(r(2.0 * hpm))
         + 0.32 * torch.cos(r(3.0 * hpm + 6.0)) - 0.20 * torch.cos(r(4.0 * hpm - 63.0)))
    dtheta = 30.0 * torch.exp(-(((hpm - 275.0) / 25.0) ** 2))
    Cpm7 = Cpm ** 7
    RC = 2.0 * torch.sqrt(Cpm7 / (Cpm7 + 25.0 ** 7))
    SL = 1.0 + 0.015 * (Lpm - 50.0) ** 2 / torch.sqrt(20.0 + (Lpm - 50.0) ** 2)
    SC = 1.0 + 0.045 * Cpm
    SH = 1.0 + 0.015 * Cpm * T
    RT = -torch.sin(r(2.0 * dtheta)) * RC
    tL, tC, tH = dLp / SL, dCp / SC, dHp / SH
    return torch.sqrt(tL * tL + tC * tC + tH * tH + RT * tC * tH)


def colourfulness_t(rgb255):
    """rgb255: [3,H,W] tensor on the 0..255 scale -> float colourfulness."""
    rg = rgb255[0] - rgb255[1]
    yb = 0.5 * (rgb255[0] + rgb255[1]) - rgb255[2]
    sd = (rg.var(unbiased=False) + yb.var(unbiased=False)).sqrt()
    mu = (rg.mean() ** 2 + yb.mean() ** 2).sqrt()
    return float(sd + 0.3 * mu)


# Published CIEDE2000 test pairs (Sharma, Wu, Dalal 2005), used by the self-test.
SHARMA_PAIRS = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]
