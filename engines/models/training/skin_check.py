"""Skin check: is the colourised face warm (mean a* > 0 and b* > 0 inside the face box)?

Usage: python3 skin_check.py val_faces.tsv OUTPUT_DIR [--truth TRUTH_DIR]
OUTPUT_DIR holds the colourised validation images (e.g. `pdncolorize batch <val> OUTPUT_DIR`), found by the stem of
each file named in val_faces.tsv (any of .png/.jpg). With --truth the ground truth's mean a*/b* is printed beside.
Numbers only: numpy, Pillow and labcolor.py's reference sRGB -> Lab.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labcolor as lc  # noqa: E402


def find(folder, name):
    stem = os.path.splitext(name)[0]
    for ext in ('.png', '.jpg', '.jpeg'):
        p = os.path.join(folder, stem + ext)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f'no output for {name} in {folder}')


def mean_ab(path, box):
    x, y, w, h = box
    rgb = np.asarray(Image.open(path).convert('RGB'), dtype=np.float64)[y:y + h, x:x + w] / 255.0
    lab = lc.rgb_to_lab_np(rgb)
    return float(lab[..., 1].mean()), float(lab[..., 2].mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('faces')
    ap.add_argument('outputs')
    ap.add_argument('--truth')
    a = ap.parse_args()
    rows = [l.rstrip('\n').split('\t') for l in open(a.faces) if l.strip() and not l.startswith('#')]
    warm = 0
    for name, *box in rows:
        box = tuple(int(v) for v in box)
        am, bm = mean_ab(find(a.outputs, name), box)
        ok = am > 0 and bm > 0
        warm += ok
        extra = ''
        if a.truth:
            at, bt = mean_ab(os.path.join(a.truth, name), box)
            extra = f'  truth a* {at:6.2f} b* {bt:6.2f}'
        print(f'{"warm" if ok else "COLD"}  a* {am:6.2f} b* {bm:6.2f}{extra}  {name} {box}')
    print(f'warm faces: {warm} of {len(rows)} ({100.0 * warm / len(rows):.0f} %)')


if __name__ == '__main__':
    main()
