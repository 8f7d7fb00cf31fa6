#!/usr/bin/env python3
"""Lint a directory of collected real-world environment definitions with buildmedic.

usage: lint_realworld.py DIR [--bin PATH] [--manifest FILE] [--today YYYY-MM-DD]
                         [--jobs N] [--timeout S] [--json OUT] [--summary OUT]
                         [--dir-mode] [--extra-arg ARG ...]

DIR holds files collected from public repositories (kept outside this repository, e.g.
/work/realworld/lint/<owner>+<repo>/<path>, with their directory layout so that Azure ML
`conda_file:` / `build.path` and Dockerfile `COPY` references resolve).

Files to lint: the entries of --manifest (a JSON list of {"repo", "path", "type"} with
paths relative to DIR/<repo>, or {"file", "type"} relative to DIR), else every file under
DIR that looks like an environment definition (the same names and top-level keys as
`buildmedic lint`'s directory search; see classify()).

Each file is linted by its own process (`buildmedic lint --format json --today D FILE`,
run in an empty working directory so that no buildmedic.toml applies). A file is a crash
when the process exits with a code above 2, is killed by a signal, prints `panicked at`,
or does not finish within --timeout seconds; exit 2 (input error) and unparsable JSON are
recorded apart. Findings on referenced files (a conda file followed from an Azure ML YAML)
are deduplicated by (file, line, column, check, message).

--dir-mode also lints DIR as one directory (`buildmedic lint DIR`), to see which files the
directory search picks up by itself and what it reports on files outside the manifest.

Output: --json (default lint_realworld.json in the working directory) with per-file
results, every error-severity finding (for review), and tables by check id x severity and
by file type; --summary (default stdout) a text summary.

Exit status: 0 when no file crashed, 1 otherwise, 2 on bad arguments.
Python 3.11 standard library only.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

DOCKER_NAME = re.compile(r"(^dockerfile$|^dockerfile\.|\.dockerfile$|^containerfile$)", re.I)
REQ_NAME = re.compile(r"(requirements|constraints)[^/]*\.(txt|in)$", re.I)


def classify(path):
    """The type buildmedic would give a file found by a directory search, or None."""
    name = os.path.basename(path)
    if DOCKER_NAME.search(name):
        return "dockerfile"
    if REQ_NAME.search(name):
        return "requirements"
    low = name.lower()
    try:
        with open(path, "rb") as f:
            head = f.read(200_000).decode("utf-8", "replace")
    except OSError:
        return None
    if low.endswith((".yml", ".yaml")):
        if re.search(r"^\$schema:.*environment", head, re.M) or re.search(
            r"^(image|build|conda_file|inference_config|os_type):", head, re.M
        ):
            return "azureml-yaml"
        if re.search(r"^(dependencies|channels):", head, re.M):
            return "conda"
        return None
    if low.endswith(".json"):
        try:
            j = json.loads(head)
        except ValueError:
            return None
        if isinstance(j, dict) and ({"python", "docker", "environmentVariables"} & set(j)):
            return "azureml-json"
    return None


def discover(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "target")]
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            t = classify(p)
            if t:
                out.append((os.path.relpath(p, root), t))
    return sorted(out)


def load_manifest(path, root):
    out = []
    for e in json.load(open(path)):
        rel = e["file"] if "file" in e else os.path.join(e["repo"], e["path"])
        if os.path.isfile(os.path.join(root, rel)):
            out.append((rel, e.get("type", "?")))
    return out


def run_one(binary, root, rel, today, timeout, extra, cwd):
    cmd = [binary, "lint", "--format", "json", "--today", today, *extra, os.path.join(root, rel)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return {"file": rel, "status": "timeout", "seconds": timeout}
    dt = time.monotonic() - t0
    stdout = p.stdout.decode("utf-8", "replace")
    stderr = p.stderr.decode("utf-8", "replace")
    res = {"file": rel, "rc": p.returncode, "seconds": round(dt, 3)}
    if p.returncode < 0 or p.returncode > 2 or "panicked at" in stderr:
        res["status"] = "crash"
        res["stderr"] = stderr[-4000:]
        return res
    try:
        doc = json.loads(stdout)
    except ValueError:
        res["status"] = "bad-json"
        res["stdout"] = stdout[:2000]
        res["stderr"] = stderr[-2000:]
        return res
    res["status"] = "input-error" if p.returncode == 2 else "ok"
    res["diagnostics"] = doc.get("diagnostics", [])
    res["errors"] = doc.get("errors", [])
    res["linted"] = doc.get("files", [])
    return res


def rel_to(root, path):
    try:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    except ValueError:
        return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "buildmedic"))
    ap.add_argument("--manifest")
    ap.add_argument("--today", default=time.strftime("%Y-%m-%d", time.gmtime()))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--json", default="lint_realworld.json")
    ap.add_argument("--summary")
    ap.add_argument("--dir-mode", action="store_true")
    ap.add_argument("--extra-arg", action="append", default=[])
    a = ap.parse_args()
    root = os.path.abspath(a.dir)
    if not os.path.isdir(root) or not os.access(a.bin, os.X_OK):
        print(f"lint_realworld: need a directory and an executable --bin ({a.bin})", file=sys.stderr)
        return 2
    files = load_manifest(a.manifest, root) if a.manifest else discover(root)
    ftype = dict(files)
    cwd = tempfile.mkdtemp(prefix="lint_realworld_")
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(run_one, a.bin, root, rel, a.today, a.timeout, a.extra_arg, cwd) for rel, _ in files]
        for f in concurrent.futures.as_completed(futs):
            results.append(f.result())
    results.sort(key=lambda r: r["file"])

    # deduplicate findings over all runs (an Azure ML YAML also reports on its conda file)
    seen = {}
    for r in results:
        for d in r.get("diagnostics", []):
            d = dict(d)
            d["file"] = rel_to(root, d.get("file", r["file"]))
            key = (d["file"], d.get("line"), d.get("column"), d.get("check"), d.get("message"))
            if key not in seen:
                d["via"] = r["file"]
                seen[key] = d
    diags = sorted(seen.values(), key=lambda d: (d["file"], d.get("line") or 0, d.get("column") or 0, d["check"]))

    def type_of(path):
        return ftype.get(path) or classify(os.path.join(root, path)) or "referenced"

    by_check = collections.Counter((d["check"], d["severity"]) for d in diags)
    by_type = collections.defaultdict(collections.Counter)
    for d in diags:
        by_type[type_of(d["file"])][d["severity"]] += 1
    files_with = collections.defaultdict(set)
    for d in diags:
        files_with[d["severity"]].add(d["file"])
    crashes = [r for r in results if r["status"] in ("crash", "timeout")]
    others = [r for r in results if r["status"] in ("bad-json", "input-error")]
    per_type = collections.Counter(t for _, t in files)

    dir_run = None
    if a.dir_mode:
        r = run_one(a.bin, os.path.dirname(root), os.path.basename(root), a.today, a.timeout * 20, a.extra_arg, cwd)
        dd = r.pop("diagnostics", [])
        linted = {rel_to(root, p) for p in r.pop("linted", [])}
        outside = sorted(linted - set(ftype))
        r["files_linted"] = len(linted)
        r["files_outside_manifest"] = outside
        r["findings_outside_manifest"] = [
            dict(x, file=rel_to(root, x["file"])) for x in dd if rel_to(root, x["file"]) not in ftype and x["severity"] == "error"
        ]
        r["findings_by_check"] = {f"{c}/{s}": n for (c, s), n in sorted(collections.Counter((x["check"], x["severity"]) for x in dd).items())}
        dir_run = r

    report = {
        "schema": "buildmedic.lint-realworld/v1",
        "dir": root,
        "bin": os.path.abspath(a.bin),
        "today": a.today,
        "files": len(files),
        "files_by_type": dict(per_type),
        "crashes": crashes,
        "input_errors": others,
        "findings": len(diags),
        "findings_by_check": [{"check": c, "severity": s, "count": n} for (c, s), n in sorted(by_check.items())],
        "findings_by_type": {t: dict(c) for t, c in sorted(by_type.items())},
        "files_with_findings": {s: len(v) for s, v in files_with.items()},
        "error_findings": [d for d in diags if d["severity"] == "error"],
        "all_findings": diags,
        "results": [{k: v for k, v in r.items() if k != "diagnostics"} for r in results],
        "dir_mode": dir_run,
    }
    with open(a.json, "w") as f:
        json.dump(report, f, indent=1)

    lines = [
        f"buildmedic lint over {len(files)} real files in {root} (today={a.today})",
        "files by type: " + ", ".join(f"{t} {n}" for t, n in sorted(per_type.items())),
        f"crashes/timeouts: {len(crashes)}; input errors / bad JSON: {len(others)}",
    ]
    for r in crashes:
        lines.append(f"  CRASH {r['status']} {r['file']} rc={r.get('rc')} {(r.get('stderr') or '').strip().splitlines()[-1:] }")
    for r in others:
        msg = "; ".join(e.get("message", "") for e in r.get("errors", []))[:200]
        lines.append(f"  {r['status']} {r['file']}: {msg}")
    lines.append(f"findings: {len(diags)} (files with an error: {len(files_with.get('error', ()))}, with a warning: {len(files_with.get('warning', ()))})")
    lines.append(f"{'check':40} {'severity':8} {'count':>6}")
    for (c, s), n in sorted(by_check.items(), key=lambda x: (x[0][1], -x[1], x[0][0])):
        lines.append(f"{c:40} {s:8} {n:6}")
    lines.append("findings by file type: " + "; ".join(f"{t}: " + ", ".join(f"{s} {n}" for s, n in sorted(c.items())) for t, c in sorted(by_type.items())))
    if dir_run:
        lines.append(f"dir mode: rc={dir_run.get('rc')} status={dir_run.get('status')} files linted={dir_run.get('files_linted')} outside manifest={len(dir_run.get('files_outside_manifest', []))} error findings there={len(dir_run.get('findings_outside_manifest', []))}")
    text = "\n".join(lines) + "\n"
    if a.summary:
        open(a.summary, "w").write(text)
    sys.stdout.write(text)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
