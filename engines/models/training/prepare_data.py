"""Stage the training data and the pretrained encoder into the repo's git-ignored .gputrain/ folder.

The GPU machine only receives the repository's working tree (64 MiB a call), so what it trains on is
copied there and named in `carry` of the device run:

  .gputrain/train/    every photo of every folder of shared/data whose name starts with `train`
                      (subfolders included), except the validation tenth; file names flattened to
                      `<folder>__<subfolder>__<name>.jpg`
  .gputrain/val/      the validation tenth (per folder, sorted, index i with i % 10 == 9), never trained on
  .gputrain/encoder/  resnet18-s16.onnx: the ImageNet ResNet-18 of the NuGet package
                      Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (MIT), cut after its stride-16 stage,
                      with the stride 2/4/8/16 activations as graph outputs (train.py reads the weights from it
                      by the graph's structure and checks its own encoder against ONNX Runtime on them)

Images wider or taller than --long-side are resized (Lanczos, JPEG q=92); the others are copied byte for byte.
It also writes engines/models/training/val_split.txt (the flattened validation names, one per line).

Usage: python3 prepare_data.py [--data <the training-data folder; default ../shared/data beside the repo>] [--out <repo>/.gputrain] [--resnet18 PATH]
The encoder comes from the NuGet package: `dotnet restore engines/models/training/encoder/fetch-resnet18.csproj`
puts it under ~/.nuget/packages (the default for --resnet18).
"""
import argparse
import math
import os
import shutil

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
IMAGE_EXT = ('.jpg', '.jpeg', '.png')
RESNET18 = os.path.join(os.path.expanduser('~'), '.nuget', 'packages', 'microsoft.ml.dnnimagefeaturizer.resnet18',
                        '0.24.0', 'tools', 'DnnImageModels', 'ResNet18Onnx', 'ResNet18.onnx')
# The last activation of each ResNet-18 stage in that graph (CNTK names): stride 2 (stem), 4, 8, 16.
STAGE_OUTPUTS = ['ReLU253_Output_0', 'ReLU283_Output_0', 'ReLU315_Output_0', 'ReLU347_Output_0']


def training_folders(data):
    return sorted(d for d in os.listdir(data) if d.startswith('train') and os.path.isdir(os.path.join(data, d)))


def photos_of(root):
    """Relative paths of every image under root, sorted (subfolders included)."""
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.lower().endswith(IMAGE_EXT):
                out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def flat_name(folder, rel):
    stem = os.path.splitext(rel)[0].replace(os.sep, '__')
    return f'{folder}__{stem}.jpg'


def split(names):
    return ([n for i, n in enumerate(names) if i % 10 != 9], [n for i, n in enumerate(names) if i % 10 == 9])


def stage_image(src, dst, long_side):
    im = Image.open(src)
    if max(im.size) <= long_side and src.lower().endswith(('.jpg', '.jpeg')) and im.mode == 'RGB':
        shutil.copyfile(src, dst)
        return
    im = im.convert('RGB')
    s = long_side / max(im.size)
    if s < 1.0:
        im = im.resize((max(1, round(im.width * s)), max(1, round(im.height * s))), Image.LANCZOS)
    im.save(dst, quality=92)


def cut_encoder(src, dst):
    """Keep the nodes that the stride-16 activation depends on; expose the four stage activations."""
    import onnx
    m = onnx.load(src)
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    need, stack = set(), list(STAGE_OUTPUTS)
    while stack:
        t = stack.pop()
        n = producer.get(t)
        if n is None or id(n) in need:
            continue
        need.add(id(n))
        stack.extend(n.input)
    keep = [n for n in g.node if id(n) in need]
    used = {i for n in keep for i in n.input}
    inits = [t for t in g.initializer if t.name in used]
    outputs = [onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, ['n', 'c', 'h', 'w']) for name in STAGE_OUTPUTS]
    # any batch and size (the package's graph declares 1x3x224x224; its convolutions work at any multiple of 32)
    inputs = [onnx.helper.make_tensor_value_info(g.input[0].name, onnx.TensorProto.FLOAT, ['n', 3, 'h', 'w'])]
    graph = onnx.helper.make_graph(keep, 'resnet18_s16', inputs, outputs, inits)
    cut = onnx.helper.make_model(graph, opset_imports=list(m.opset_import), producer_name='pdncolorize-prepare')
    cut.ir_version = max(4, m.ir_version)  # IR 4+: initializers need not be listed as graph inputs
    onnx.checker.check_model(cut)
    onnx.save(cut, dst)
    params = sum(math.prod(t.dims) for t in inits)
    return len(keep), params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.abspath(os.path.join(REPO, '..', 'shared', 'data')))
    ap.add_argument('--out', default=os.path.join(REPO, '.gputrain'))
    ap.add_argument('--long-side', type=int, default=256)
    ap.add_argument('--resnet18', default=RESNET18)
    args = ap.parse_args()

    for sub in ('train', 'val', 'encoder'):
        d = os.path.join(args.out, sub)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    val_names, counts = [], []
    for folder in training_folders(args.data):
        names = photos_of(os.path.join(args.data, folder))
        tr, va = split(names)
        counts.append((folder, len(tr), len(va)))
        for sub, part in (('train', tr), ('val', va)):
            for rel in part:
                flat = flat_name(folder, rel)
                stage_image(os.path.join(args.data, folder, rel), os.path.join(args.out, sub, flat), args.long_side)
                if sub == 'val':
                    val_names.append(flat)
    with open(os.path.join(HERE, 'val_split.txt'), 'w') as f:
        f.write('\n'.join(sorted(val_names)) + '\n')
    nodes, params = cut_encoder(args.resnet18, os.path.join(args.out, 'encoder', 'resnet18-s16.onnx'))
    total = 0
    for root, _, files in os.walk(args.out):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    for folder, t, v in counts:
        print(f'{folder:12s} train {t:4d}  val {v:3d}')
    print(f'total train {sum(c[1] for c in counts)}  val {len(val_names)}; encoder cut: {nodes} nodes, '
          f'{params:,} parameters -> {args.out} ({total / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
