#!/usr/bin/env python3
"""Write a rule directory of synthetic signatures with their own literals, for scaling benches.

usage: gen_rules.py OUT_DIR COUNT [--seed N]

Writes COUNT signatures in flat `OUT_DIR/synthetic-NNN.toml` entries of 50 signatures each.
Every signature is a realistic-looking tool error (`error: <tool>: cannot <verb> <noun> ...`)
made of words that are generated, not taken from real tools: each signature has literals no
other signature and no ordinary build output contains, so the prefilter cannot cover new
rules with literals it already looks for (the trap of the old "10x rules" bench, whose
triggers contained the built-in ones). Patterns capture a package or file like real ones.
Deterministic for a given seed. The signatures never match logs made by gen_log.py.
"""
import os
import random
import sys

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "j", "k", "kl", "m", "n",
          "p", "pl", "qu", "r", "s", "sk", "sl", "st", "t", "tr", "v", "w", "z", "zh"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
CODAS = ["", "", "n", "r", "s", "x", "th", "nd", "rk", "lt", "mp", "st"]

TEMPLATES = [
    "error: {tool}: cannot {verb} {noun} '(?P<package>[^']+)': {reason}",
    "{Tool}Error: failed to {verb} the {noun} (?P<file>\\S+) ({reason})",
    "fatal: {tool} {noun} {verb} aborted: {reason} in (?P<package>\\S+)",
    "E{num}: {Tool} could not {verb} {noun} for (?P<package>\\S+): {reason}",
    "[{tool}] {noun} {verb} failed with status {num}: {reason}",
]


def word(rnd, syllables):
    return "".join(rnd.choice(ONSETS) + rnd.choice(VOWELS) + rnd.choice(CODAS)
                   for _ in range(syllables))


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    out, count = args[0], int(args[1])
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    used = set()

    def fresh(syllables):
        while True:
            w = word(rnd, syllables)
            if w not in used:
                used.add(w)
                return w

    per_file = 50
    for f in range((count + per_file - 1) // per_file):
        n = min(per_file, count - f * per_file)
        kind = f"synthetic-{f:04d}"
        lines = [f'kind = "{kind}"', f'title = "Synthetic failure {f}"',
                 'summary = "A generated signature set for scaling benchmarks."', ""]
        for i in range(n):
            tool, verb, noun = fresh(2), fresh(2), fresh(3)
            reason = " ".join(fresh(2) for _ in range(3))
            pattern = rnd.choice(TEMPLATES).format(
                tool=tool, Tool=tool.capitalize(), verb=verb, noun=noun,
                reason=reason, num=rnd.randint(100, 999))
            lines += ["[[signature]]", f'id = "s{i:03d}"', f"pattern = '''{pattern}'''",
                      "weight = 0.9", ""]
        with open(os.path.join(out, f"{kind}.toml"), "w") as fh:
            fh.write("\n".join(lines))


if __name__ == "__main__":
    main()
