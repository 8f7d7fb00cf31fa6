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


def static_index(out, src):
    """A static simple index of the files in `src` (PEP 503 HTML with data-requires-python,
    and PEP 691 JSON), as static-file indexes publish them."""
    import email.parser, json, tarfile as tf, zipfile as zf
    projects = {}
    for fn in sorted(os.listdir(src)):
        path = os.path.join(src, fn)
        if fn.endswith(".whl"):
            with zf.ZipFile(path) as z:
                meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
                text = z.read(meta).decode()
        else:
            with tf.open(path) as t:
                member = next(m for m in t.getmembers() if m.name.endswith("/PKG-INFO"))
                text = t.extractfile(member).read().decode()
        msg = email.parser.Parser().parsestr(text)
        name = msg["Name"].lower().replace("_", "-").replace(".", "-")
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        projects.setdefault(name, []).append((fn, msg.get("Requires-Python"), digest))
    root = os.path.join(out, "static-simple")
    files_dir = os.path.join(out, "static-files")
    os.makedirs(files_dir, exist_ok=True)
    for name, files in projects.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        links, entries = [], []
        for fn, rp, digest in files:
            with open(os.path.join(src, fn), "rb") as a, open(os.path.join(files_dir, fn), "wb") as b:
                b.write(a.read())
            attr = f' data-requires-python="{rp.replace(">", "&gt;").replace("<", "&lt;")}"' if rp else ""
            links.append(f'<a href="../../static-files/{fn}#sha256={digest}"{attr}>{fn}</a><br/>')
            entry = {"filename": fn, "url": f"../../static-files/{fn}", "hashes": {"sha256": digest}}
            if rp:
                entry["requires-python"] = rp
            entries.append(entry)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")
        with open(os.path.join(d, "index.json"), "w") as f:
            json.dump({"meta": {"api-version": "1.1"}, "name": name, "files": entries}, f)


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
    static_index(out, public)


if __name__ == "__main__":
    main()
