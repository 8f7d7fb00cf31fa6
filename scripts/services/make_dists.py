#!/usr/bin/env python3
"""Builds the wheels and sdists the test package index serves.

Usage: make_dists.py OUT_DIR

Each file is a real distribution: wheels are zip files with a .dist-info directory
(METADATA, WHEEL, RECORD with sha256 hashes), sdists are .tar.gz files with PKG-INFO and a
pyproject.toml. They differ in Requires-Python and in wheel tags:

  demo-pkg     1.0.0  py3-none-any, Requires-Python >=3.8
               2.0.0  py3-none-any, Requires-Python >=3.12
  native-pkg   1.0    cp310 and cp311 manylinux_2_17_x86_64 wheels
               1.1    cp38 manylinux_2_17_x86_64 wheel only
               1.2    win_amd64 wheel only (cp311)
  sdist-only   0.5    sdist only (Requires-Python >=3.7)
  private-pkg  1.0    py3-none-any (served by the index that requires a login)
"""
import base64
import hashlib
import io
import os
import sys
import tarfile
import zipfile


def metadata(name, version, requires_python):
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
             "Summary: buildmedic preflight test distribution"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    return "\n".join(lines) + "\n"


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def wheel(out, name, version, tag, requires_python=None):
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    py, abi, plat = tag.split("-")
    files = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": metadata(name, version, requires_python).encode(),
        f"{info}/WHEEL": (f"Wheel-Version: 1.0\nGenerator: buildmedic-test\n"
                          f"Root-Is-Purelib: {'true' if abi == 'none' else 'false'}\n"
                          f"Tag: {tag}\n").encode(),
    }
    record = [record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = os.path.join(out, f"{dist}-{version}-{py}-{abi}-{plat}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            zi = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)


def sdist(out, name, version, requires_python=None):
    dist = name.replace("-", "_")
    root = f"{dist}-{version}"
    files = {
        f"{root}/PKG-INFO": metadata(name, version, requires_python).encode(),
        f"{root}/pyproject.toml": (f'[project]\nname = "{name}"\nversion = "{version}"\n'
                                   '[build-system]\nrequires = ["setuptools"]\n'
                                   'build-backend = "setuptools.build_meta"\n').encode(),
        f"{root}/{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    path = os.path.join(out, f"{root}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for p, d in files.items():
            ti = tarfile.TarInfo(p)
            ti.size = len(d)
            ti.mtime = 1577836800
            tar.addfile(ti, io.BytesIO(d))


def main():
    out = sys.argv[1]
    public = os.path.join(out, "public")
    private = os.path.join(out, "private")
    os.makedirs(public, exist_ok=True)
    os.makedirs(private, exist_ok=True)
    wheel(public, "demo-pkg", "1.0.0", "py3-none-any", ">=3.8")
    sdist(public, "demo-pkg", "1.0.0", ">=3.8")
    wheel(public, "demo-pkg", "2.0.0", "py3-none-any", ">=3.12")
    wheel(public, "native-pkg", "1.0", "cp310-cp310-manylinux_2_17_x86_64")
    wheel(public, "native-pkg", "1.0", "cp311-cp311-manylinux_2_17_x86_64")
    wheel(public, "native-pkg", "1.1", "cp38-cp38-manylinux_2_17_x86_64")
    wheel(public, "native-pkg", "1.2", "cp311-cp311-win_amd64")
    sdist(public, "sdist-only", "0.5", ">=3.7")
    wheel(private, "private-pkg", "1.0", "py3-none-any", ">=3.8")


if __name__ == "__main__":
    main()
