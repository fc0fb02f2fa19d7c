"""Stage the training data into the repo's git-ignored .gputrain/ folder.

The GPU machine only receives the repository's working tree, so the images it trains on are
copied there (and named in `carry` of the device run):

  .gputrain/train/  the 720 training images of shared/data/train (JPEG, copied byte for byte)
  .gputrain/val/    the 80 validation images (sorted index i with i % 10 == 9), never trained on
  .gputrain/bsds/   the 300 BSDS500 images, resized to 256 px on the long side (JPEG q=92)

It also writes engines/models/training/val_split.txt (one file name per line).

Usage: python3 prepare_data.py [--data /work/shared/data] [--out <repo>/.gputrain]
"""
import argparse
import os
import shutil

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))


def split_names(names):
    names = sorted(names)
    val = [n for i, n in enumerate(names) if i % 10 == 9]
    train = [n for i, n in enumerate(names) if i % 10 != 9]
    return train, val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.abspath(os.path.join(REPO, '..', 'shared', 'data')))
    ap.add_argument('--out', default=os.path.join(REPO, '.gputrain'))
    ap.add_argument('--long-side', type=int, default=256)
    args = ap.parse_args()

    src_train = os.path.join(args.data, 'train')
    src_bsds = os.path.join(args.data, 'train-bsds')
    names = [n for n in os.listdir(src_train) if n.lower().endswith(('.jpg', '.jpeg', '.png'))]
    train, val = split_names(names)
    assert len(val) == len(names) // 10, (len(val), len(names))
    with open(os.path.join(HERE, 'val_split.txt'), 'w') as f:
        f.write('\n'.join(val) + '\n')

    for sub in ('train', 'val', 'bsds'):
        d = os.path.join(args.out, sub)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for n in train:
        shutil.copyfile(os.path.join(src_train, n), os.path.join(args.out, 'train', n))
    for n in val:
        shutil.copyfile(os.path.join(src_train, n), os.path.join(args.out, 'val', n))
    nb = 0
    for n in sorted(os.listdir(src_bsds)):
        if not n.lower().endswith(('.jpg', '.jpeg', '.png')):
            continue
        im = Image.open(os.path.join(src_bsds, n)).convert('RGB')
        s = args.long_side / max(im.size)
        if s < 1.0:
            im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)
        im.save(os.path.join(args.out, 'bsds', os.path.splitext(n)[0] + '.jpg'), quality=92)
        nb += 1
    total = 0
    for root, _, files in os.walk(args.out):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print(f'train {len(train)}  val {len(val)}  bsds {nb}  -> {args.out} ({total / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
