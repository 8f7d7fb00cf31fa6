#!/usr/bin/env python3
"""Measure buildmedic's diagnosis accuracy on the labelled corpus in ../shared/corpus.

usage: eval_corpus.py [--bin PATH] [--corpus DIR] [--noise MB] [--gen PATH]
                      [--min-accuracy PCT] [--min-entities PCT] [--gate-entities LIST]
                      [--verbose] [--json OUT] [--rules DIR]

For every log of manifest.jsonl the expected kind is `relabel` if present, else `category`;
`accept` lists other kinds a fair grader accepts. `no-failure` logs must be reported as
succeeded; a failed build reported as `succeeded` is counted separately (it is the worst
miss: the user is told nothing is wrong). Entity recall is measured for every labelled
image / registry / file / channel / package / command value, per entity and in total: a
value counts as found when an extracted value of the same entity of the primary finding
equals it, contains it or is contained in it (case-insensitive, whitespace-normalised).

Per kind the report gives the labelled count, the correct answers and how often the engine
answered that kind (right or wrong); manifests with an `excerpt` flag also get the accuracy
of excerpts (no build framing) and of framed logs apart.

--noise MB places each log after MB megabytes of `gen_log.py MB --failure body` output
(a long successful BuildKit build) to check that position and noise do not change the
answer; --gen names gen_log.py (default <corpus>/../bench/gen_log.py, so a corpus outside
../shared needs --gen ../shared/bench/gen_log.py).

--min-entities applies to the recall of the entities named by --gate-entities (default
package,image,command: the set the gate has always measured; `all` for all six).

Exit status: 1 if top-1 accuracy or the gated entity recall is under the given minimum,
2 on bad arguments (missing gen_log.py, unknown entity name).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Entities whose recall is measured, in report order.
ENTITIES = ("image", "registry", "file", "channel", "package", "command")
# The set the --min-entities gate measured before the other three were added.
LEGACY_GATE = ("package", "image", "command")


# A log "shows" a failing step when the builder's framing names one: a verdict naming the
# failed command, a BuildKit step error or error summary, or a legacy step cut by an error.
VERDICT = re.compile(rb"returned a non-zero code|did not complete successfully|executor failed running|#\d+ ERROR|=> ERROR \[|^\s*> \[", re.M)


def shows_failing_step(data):
    return bool(VERDICT.search(data))


def norm(s):
    return " ".join(str(s).lower().split())


def entity_found(value, extracted):
    v = norm(value)
    for e in extracted:
        e = norm(e)
        if e == v or (len(v) >= 2 and v in e) or (len(e) >= 3 and e in v):
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "buildmedic"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--noise", type=float, default=0)
    ap.add_argument("--gen", help="gen_log.py for --noise (default <corpus>/../bench/gen_log.py)")
    ap.add_argument("--gate-entities", default=",".join(LEGACY_GATE),
                    help="comma-separated entities --min-entities applies to, or 'all'")
    ap.add_argument("--min-accuracy", type=float, default=0)
    ap.add_argument("--min-entities", type=float, default=0)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--json", help="write per-log results here")
    ap.add_argument("--rules", action="append", default=[], help="pass --rules DIR to buildmedic")
    args = ap.parse_args()

    if args.gate_entities == "all":
        gate = ENTITIES
    else:
        gate = tuple(e.strip() for e in args.gate_entities.split(",") if e.strip())
        unknown = [e for e in gate if e not in ENTITIES]
        if unknown or not gate:
            print(f"--gate-entities: unknown entity {unknown} (known: {', '.join(ENTITIES)}, or all)",
                  file=sys.stderr)
            return 2

    manifest = os.path.join(args.corpus, "manifest.jsonl")
    if not os.path.exists(manifest):
        print(f"no corpus at {args.corpus}; skipping", file=sys.stderr)
        return 0
    rows = [json.loads(l) for l in open(manifest) if l.strip()]

    noise = b""
    if args.noise:
        gen = args.gen or os.path.join(args.corpus, "..", "bench", "gen_log.py")
        if not os.path.exists(gen):
            print(f"--noise needs gen_log.py: {gen} does not exist (pass --gen PATH)", file=sys.stderr)
            return 2
        noise = subprocess.run([sys.executable, gen, str(args.noise), "--failure", "body"],
                               check=True, capture_output=True).stdout

    per_kind = collections.defaultdict(lambda: [0, 0])
    answered = collections.Counter()
    by_excerpt = collections.defaultdict(lambda: [0, 0])
    failed_as_succeeded = []
    confusion = collections.Counter()
    ent_total = collections.Counter()
    ent_found = collections.Counter()
    succ_total = succ_ok = 0
    step_visible = step_found = step_found_total = 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in rows:
            expected = r.get("relabel") or r["category"]
            accept = set(r.get("accept") or []) | {expected}
            path = os.path.join(args.corpus, r["file"])
            if noise:
                p = os.path.join(tmp, r["file"])
                with open(p, "wb") as f:
                    f.write(noise)
                    with open(path, "rb") as src:
                        f.write(src.read())
                path = p
            cmd = [args.bin, "diagnose", "--no-config", "--format", "json", path]
            for d in args.rules:
                cmd += ["--rules", d]
            out = subprocess.run(cmd, capture_output=True)
            if out.returncode not in (0, 1):
                print(f"{r['id']}: exit {out.returncode}: {out.stderr.decode(errors='replace')}", file=sys.stderr)
                got, ents, status = "<error>", {}, "error"
                d = {}
            else:
                d = json.loads(out.stdout)
                status = d["status"]
                prim = next((f for f in d["findings"] if f["primary"]), None)
                got = "no-failure" if status == "succeeded" else (prim["kind"] if prim else "<none>")
                ents = prim["entities"] if prim else {}
            ok = got in accept
            answered[got] += 1
            if expected != "no-failure" and status == "succeeded":
                failed_as_succeeded.append(r["id"])
            if "excerpt" in r:
                k = "excerpt" if r["excerpt"] else "framed"
                by_excerpt[k][0] += ok
                by_excerpt[k][1] += 1
            if expected != "no-failure":
                with open(os.path.join(args.corpus, r["file"]), "rb") as src:
                    visible = shows_failing_step(src.read())
                found = bool(d.get("failing_step"))
                step_visible += visible
                step_found += visible and found
                step_found_total += found
            if expected == "no-failure":
                succ_total += 1
                succ_ok += ok
            per_kind[expected][0] += ok
            per_kind[expected][1] += 1
            if not ok:
                confusion[(expected, got)] += 1
            missing = []
            for name in ENTITIES:
                if name in r.get("entities", {}):
                    v = r["entities"][name]
                    ent_total[name] += 1
                    if entity_found(v, ents.get(name, [])):
                        ent_found[name] += 1
                    else:
                        missing.append(f"{name}={v!r} got {ents.get(name, [])}")
            results.append({"id": r["id"], "expected": expected, "got": got, "status": status, "ok": ok,
                            "missing": missing})
            if args.verbose and (not ok or missing):
                mark = "MISS" if not ok else "ent "
                print(f"{mark} {r['id']:<7} expected {expected:<28} got {got:<28} {'; '.join(missing)}")

    total = len(rows)
    correct = sum(v[0] for v in per_kind.values())
    acc = 100.0 * correct / total
    et = sum(ent_total.values())
    ef = sum(ent_found.values())
    erec = 100.0 * ef / et if et else 100.0
    gt = sum(ent_total[n] for n in gate)
    gf = sum(ent_found[n] for n in gate)
    grec = 100.0 * gf / gt if gt else 100.0
    print(f"\n{'kind':<30} {'correct':>7} {'total':>5} {'answered':>8}")
    for k in sorted(set(per_kind) | set(answered)):
        c, t = per_kind.get(k, (0, 0))
        print(f"{k:<30} {c:>7} {t:>5} {answered[k]:>8}")
    if confusion:
        print("\nmisses (expected -> got):")
        for (e, g), n in confusion.most_common():
            print(f"  {n} x {e} -> {g}")
    print(f"\ntop-1 accuracy: {correct}/{total} = {acc:.1f}%" + (f" (after {args.noise} MB of noise)" if noise else ""))
    print(f"successful builds reported as succeeded: {succ_ok}/{succ_total}")
    print(f"failed builds reported as succeeded: {len(failed_as_succeeded)}/{total - succ_total}"
          + (f" ({', '.join(failed_as_succeeded)})" if failed_as_succeeded else ""))
    for k in ("excerpt", "framed"):
        if k in by_excerpt:
            c, t = by_excerpt[k]
            print(f"top-1 on {k} logs: {c}/{t} = {100.0 * c / t:.1f}%")
    print(f"failing step: found in {step_found}/{step_visible} failed logs whose framing shows one "
          f"({step_found_total} failed logs have a failing step in the output)")
    print("entity recall: " + ", ".join(f"{n} {ent_found[n]}/{ent_total[n]}" for n in ENTITIES)
          + f" = {ef}/{et} = {erec:.1f}%")
    print(f"entity recall gated by --min-entities ({', '.join(gate)}): {gf}/{gt} = {grec:.1f}%")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    fail = acc < args.min_accuracy or grec < args.min_entities
    if fail:
        print(f"FAIL: below the minimum (accuracy {args.min_accuracy}%, entities {args.min_entities}%)", file=sys.stderr)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
