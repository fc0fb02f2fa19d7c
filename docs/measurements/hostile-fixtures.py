"""Makes the fixture folder of hostile-cases.sh: python3 hostile-fixtures.py <repo> <out-folder> [<new pdncolorize.dll>].

gray.png (docs/images/sample-gray.png), colour.png (a colour fixture photo), gray16.png (16-bit gray PNG), damaged.jpg
(64 random bytes over the middle of a real JPEG's scan data), 12bit.jpg (its frame header saying 12 bits), badcrc.png
(one bit of the IHDR checksum flipped), photo.heic (a HEIC signature), large.png (2048x1536 gray), big.onnx/json (the
embedded model with input_size 99999), good.onnx (the embedded model, no manifest), flip.onnx/json (the embedded model with one bit flipped, its manifest's hash
kept) and, with a pdncolorize.dll that writes TIFF, scan16.tif (16-bit).
"""
import json, os, random, shutil, struct, subprocess, sys, zlib

repo, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
def png(path, w, h, depth, rows):
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(rows, 1)) + chunk(b'IEND', b''))
shutil.copy(f'{repo}/docs/images/sample-gray.png', f'{out}/gray.png')
shutil.copy(f'{repo}/tests/fixtures/photos/Garden.png', f'{out}/colour.png')
png(f'{out}/gray16.png', 320, 200, 16, b''.join(b'\x00' + b''.join(struct.pack('>H', min(65535, 900 + x * 200 + (y % 13) * 7)) for x in range(320)) for y in range(200)))
png(f'{out}/large.png', 2048, 1536, 8, b''.join(b'\x00' + bytes(((x * 7 + y * 3) // 16) % 256 for x in range(2048)) for y in range(1536)))
jpeg = open(f'{repo}/docs/images/before-after-Kite.jpg', 'rb').read()
def segment(data, markers):
    i = 2
    while data[i + 1] not in markers: i += 2 + (data[i + 2] << 8 | data[i + 3])
    return i
j = bytearray(jpeg); i = segment(j, (0xDA,)); scan = i + 2 + (j[i + 2] << 8 | j[i + 3])
rng = random.Random(7); at = scan + (len(j) - scan) // 2
j[at:at + 64] = bytes(rng.randrange(256) for _ in range(64)); open(f'{out}/damaged.jpg', 'wb').write(j)
k = bytearray(jpeg); i = segment(k, (0xC0, 0xC1)); k[i + 1] = 0xC1; k[i + 4] = 12; open(f'{out}/12bit.jpg', 'wb').write(k)
p = bytearray(open(f'{out}/gray.png', 'rb').read()); p[29] ^= 1; open(f'{out}/badcrc.png', 'wb').write(p)
open(f'{out}/photo.heic', 'wb').write(b'\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic' + b'\x00' * 64)
embedded = sorted(f for f in os.listdir(f'{repo}/engines/models') if f.endswith('.onnx'))[0]  # the one embedded model
model = open(f'{repo}/engines/models/{embedded}', 'rb').read()
manifest = json.load(open(f'{repo}/engines/models/{embedded[:-5]}.json'))
open(f'{out}/big.onnx', 'wb').write(model); json.dump(dict(manifest, id='big', input_size=99999), open(f'{out}/big.json', 'w'))
open(f'{out}/good.onnx', 'wb').write(model)  # no manifest beside it: used by path
flipped = bytearray(model); flipped[len(flipped) // 2] ^= 4
open(f'{out}/flip.onnx', 'wb').write(flipped); json.dump(dict(manifest, id='flip'), open(f'{out}/flip.json', 'w'))
if len(sys.argv) > 3:
    subprocess.run(['dotnet', sys.argv[3], 'colorize', f'{out}/gray16.png', '-o', f'{out}/scan16.tif', '--strength', '0'], check=True, capture_output=True)
