#!/usr/bin/env python3
"""Writes the conda channels the tests serve as static files.

Usage: make_channel.py OUT_DIR   (needs the `zstandard` module: run it with the venv)

OUT_DIR/main   linux-64 + noarch; repodata.json and its .zst and .bz2 variants
OUT_DIR/other  linux-64 + noarch; repodata.json only (carries `other-only`)

main/linux-64:  demo-lib 1.0.0 (py310_0, py311_0), 1.1.0 (py39_0 only),
                cpp-lib 2.1.0 (no python), python 3.9.18 / 3.10.13 / 3.11.7
main/noarch:    noarch-tool 0.3.0 (python >=3.8)
other/linux-64: other-only 4.2.0 (py311_0)
"""
import bz2
import hashlib
import json
import os
import sys

import zstandard

TIMESTAMP = 1700000000000


def record(name, version, build, depends, subdir, noarch=None):
    fake = f"{name}-{version}-{build}".encode()
    rec = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": int(build.rsplit("_", 1)[-1]) if build[-1].isdigit() else 0,
        "depends": depends,
        "license": "BSD-3-Clause",
        "md5": hashlib.md5(fake).hexdigest(),
        "sha256": hashlib.sha256(fake).hexdigest(),
        "size": 1000 + len(fake),
        "subdir": subdir,
        "timestamp": TIMESTAMP,
    }
    if noarch:
        rec["noarch"] = noarch
    return f"{name}-{version}-{build}.conda", rec


def write_subdir(channel, subdir, records, variants):
    path = os.path.join(channel, subdir)
    os.makedirs(path, exist_ok=True)
    repodata = {
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": dict(records),
        "removed": [],
        "repodata_version": 1,
    }
    data = json.dumps(repodata, indent=1, sort_keys=True).encode()
    with open(os.path.join(path, "repodata.json"), "wb") as f:
        f.write(data)
    if "zst" in variants:
        with open(os.path.join(path, "repodata.json.zst"), "wb") as f:
            f.write(zstandard.ZstdCompressor(level=3).compress(data))
    if "bz2" in variants:
        with open(os.path.join(path, "repodata.json.bz2"), "wb") as f:
            f.write(bz2.compress(data))


def py(minor):
    return [f"python >=3.{minor},<3.{minor + 1}.0a0", f"python_abi 3.{minor}.* *_cp3{minor}"]


def main():
    out = sys.argv[1]
    main_ch = os.path.join(out, "main")
    write_subdir(main_ch, "linux-64", [
        record("demo-lib", "1.0.0", "py310_0", py(10), "linux-64"),
        record("demo-lib", "1.0.0", "py311_0", py(11), "linux-64"),
        record("demo-lib", "1.1.0", "py39_0", py(9), "linux-64"),
        record("cpp-lib", "2.1.0", "h1234567_0", ["libgcc-ng >=12"], "linux-64"),
        record("python", "3.9.18", "h0000000_0", [], "linux-64"),
        record("python", "3.10.13", "h0000000_0", [], "linux-64"),
        record("python", "3.11.7", "h0000000_0", [], "linux-64"),
    ], {"zst", "bz2"})
    write_subdir(main_ch, "noarch", [
        record("noarch-tool", "0.3.0", "pyhd8ed1ab_0", ["python >=3.8"], "noarch", "python"),
    ], {"zst", "bz2"})
    other = os.path.join(out, "other")
    write_subdir(other, "linux-64", [
        record("other-only", "4.2.0", "py311_0", py(11), "linux-64"),
    ], set())
    write_subdir(other, "noarch", [], set())


if __name__ == "__main__":
    main()
