"""Runs a command and prints every line it writes (stdout and stderr merged) with the seconds since it started,
then the longest silence: the longest time between two lines, or from the start to the first line, or from the
last line to the end. The first-use check of docs/performance.md: a user must never wait a second on nothing.

  python3 stamp_lines.py -- pdncolorize colorize photo.jpg -o out.png --model big.onnx
Prints a final JSON line {"command", "rc", "seconds", "lines", "longest_silence_s", "silence_after"}.
"""
import json
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if argv[:1] == ['--']:
        argv = argv[1:]
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    last, lines = start, 0
    longest, after = 0.0, '(start)'
    previous = '(start)'
    for line in proc.stdout:
        now = time.monotonic()
        if now - last > longest:
            longest, after = now - last, previous
        last, previous = now, line.rstrip()[:120]
        lines += 1
        print(f'[{now - start:7.2f} s] {line.rstrip()}', flush=True)
    rc = proc.wait()
    end = time.monotonic()
    if end - last > longest:
        longest, after = end - last, previous
    print(json.dumps({'command': ' '.join(argv)[:300], 'rc': rc, 'seconds': round(end - start, 2), 'lines': lines,
                      'longest_silence_s': round(longest, 2), 'silence_after': after}), flush=True)
    sys.exit(rc)


if __name__ == '__main__':
    main()
