"""Draw loss_log.csv curves (training CE, validation CE) of one or more runs into a PNG with Pillow only.

Usage: python3 plot_curves.py OUT.png LABEL=runs/x/loss_log.csv [LABEL=...]
"""
import csv
import sys

from PIL import Image, ImageDraw

COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189)]


def read(path):
    rows = list(csv.DictReader(open(path)))
    tr = [(float(r['seconds']), float(r['ce'])) for r in rows]
    va = [(float(r['seconds']), float(r['val_ce'])) for r in rows if r['val_ce']]
    return tr, va


def main():
    out, runs = sys.argv[1], [a.split('=', 1) for a in sys.argv[2:]]
    data = [(label, *read(path)) for label, path in runs]
    W, H, L, R, T, B = 900, 420, 60, 20, 30, 50
    xs = [x for _, tr, va in data for x, _ in tr + va]
    ys = [y for _, tr, va in data for _, y in tr + va]
    x0, x1, y0, y1 = 0.0, max(xs), min(ys) - 0.1, min(max(ys), 5.5)
    im = Image.new('RGB', (W, H), 'white')
    d = ImageDraw.Draw(im)

    def px(x, y):
        return L + (x - x0) / (x1 - x0) * (W - L - R), T + (y1 - min(y, y1)) / (y1 - y0) * (H - T - B)

    d.rectangle([L, T, W - R, H - B], outline='black')
    for k in range(6):
        y = y0 + k * (y1 - y0) / 5
        d.text((5, px(0, y)[1] - 6), f'{y:.2f}', fill='black')
        x = x0 + k * (x1 - x0) / 5
        d.text((px(x, y0)[0] - 10, H - B + 5), f'{x:.0f}s', fill='black')
    for i, (label, tr, va) in enumerate(data):
        c = COLOURS[i % len(COLOURS)]
        d.line([px(x, y) for x, y in tr], fill=c, width=1)
        d.line([px(x, y) for x, y in va], fill=c, width=3)
        best = min(va, key=lambda p: p[1])
        bx, by = px(*best)
        d.ellipse([bx - 5, by - 5, bx + 5, by + 5], outline=c, width=2)
        d.text((L + 10, T + 8 + 16 * i), f'{label}: thin = training CE, thick = validation CE, circle = kept '
               f'({best[1]:.3f} at {best[0]:.0f}s)', fill=c)
    d.text((L, H - 20), 'cross-entropy (unweighted) against wall-clock seconds of training on one H200', fill='black')
    im.save(out)


if __name__ == '__main__':
    main()
