#!/usr/bin/env python3
"""Time two commands alternating (A, B, A, B, ...) and report the median of the pairs.

usage: alternate.py [--runs N] [--warmup N] [--repeat K] [--stdin FILE] NAME_A CMD_A NAME_B CMD_B

Each sample runs the command K times in a row (for commands that take a few milliseconds)
and keeps the wall time per run. The commands run without a shell (split with shlex);
their output goes to /dev/null and a non-zero exit fails the measurement. Prints one JSON
object: the median time of each command, and the median over the pairs of time(B)/time(A)
(so machine load that changes during the run hits both sides of a pair alike).
"""
import json
import shlex
import statistics
import subprocess
import sys
import time


def run(argv, repeat, stdin):
    start = time.perf_counter()
    for _ in range(repeat):
        if stdin:
            with open(stdin, "rb") as f:
                p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL)
        else:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        if p.returncode not in (0, 1):
            sys.exit(f"alternate.py: {shlex.join(argv)} exited with {p.returncode}")
    return (time.perf_counter() - start) / repeat


def main():
    args = sys.argv[1:]
    opts = {"--runs": 7, "--warmup": 1, "--repeat": 1, "--stdin": None}
    while args and args[0] in opts:
        key = args.pop(0)
        opts[key] = args.pop(0) if key == "--stdin" else int(args.pop(0))
    if len(args) != 4:
        sys.exit(__doc__)
    (na, ca, nb, cb) = args
    a, b = shlex.split(ca), shlex.split(cb)
    for _ in range(opts["--warmup"]):
        run(a, 1, opts["--stdin"])
        run(b, 1, opts["--stdin"])
    ta, tb = [], []
    for _ in range(opts["--runs"]):
        ta.append(run(a, opts["--repeat"], opts["--stdin"]))
        tb.append(run(b, opts["--repeat"], opts["--stdin"]))
    ratios = [y / x for x, y in zip(ta, tb)]
    print(json.dumps({
        "a": na, "b": nb, "runs": opts["--runs"], "repeat": opts["--repeat"],
        "median_a_s": statistics.median(ta), "median_b_s": statistics.median(tb),
        "median_ratio_b_over_a": statistics.median(ratios),
    }))


if __name__ == "__main__":
    main()
