#!/usr/bin/env bash
# Lint throughput: generate 1,000 varied environment definitions (conda files, requirements,
# Azure ML v2 YAML with build contexts and Dockerfiles, v1 JSON) and time
# `buildmedic lint` over them on one core.
#
#   bench/lint_bench.sh            # builds release, prints hyperfine's table and files/second
#   N=5000 bench/lint_bench.sh     # another corpus size
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
cargo build --release -q -p buildmedic
BIN=$PWD/target/release/buildmedic
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

python3 - "$DIR" "$N" <<'PY'
import json, os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
pkgs = ["numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "requests", "pyyaml", "tqdm",
        "torch", "transformers", "mlflow", "azureml-core", "azure-ai-ml", "pillow", "opencv-python"]
def ver(): return f"{rng.randint(0, 3)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
def conda_doc():
    deps = [f"python={rng.choice(['3.8', '3.10', '3.11', '3.12'])}", rng.choice(["pip", "pip>=24.0"])]
    deps += [rng.choice([p, f"{p}={ver()}", f"{p}>={ver()}", f"conda-forge::{p}=={ver()}", f"{p}=>{ver()}"])
             for p in rng.sample(pkgs, rng.randint(3, 10))]
    pip = [rng.choice([p, f"{p}=={ver()}", f"{p}={ver()}", f"{p}[extra]>={ver()}; python_version>'3.8'"])
           for p in rng.sample(pkgs, rng.randint(2, 8))]
    lines = ["name: env", "channels:", "  - conda-forge", "dependencies:"]
    lines += [f"  - {d}" for d in deps] + ["  - pip:"] + [f"    - {p}" for p in pip]
    return "\n".join(lines) + "\n"
def reqs_doc():
    out = ["# generated", "--extra-index-url https://download.pytorch.org/whl/cu121"]
    for p in rng.sample(pkgs, rng.randint(5, 15)):
        out.append(rng.choice([p, f"{p}=={ver()}", f"{p}>={ver()},<{ver()}", f"{p}={ver()}",
                               f"{p}=={ver()} \\\n    --hash=sha256:{'0'*64}"]))
    return "\n".join(out) + "\n"
for i in range(n):
    d = os.path.join(root, f"e{i:05d}")
    os.makedirs(d)
    kind = i % 4
    if kind == 0:
        open(os.path.join(d, "conda.yml"), "w").write(conda_doc())
    elif kind == 1:
        open(os.path.join(d, "requirements.txt"), "w").write(reqs_doc())
    elif kind == 2:
        img = rng.choice(["mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1",
                          "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04", "pytorch/pytorch:latest"])
        if i % 8 == 2:
            body = f"$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: env-{i}\nimage: {img}\nconda_file: conda.yml\n"
            open(os.path.join(d, "conda.yml"), "w").write(conda_doc())
        else:
            body = f"$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: AzureML-env-{i}\nbuild:\n  path: ctx\n"
            os.makedirs(os.path.join(d, "ctx"))
            open(os.path.join(d, "ctx", "Dockerfile"), "w").write(
                f"FROM {img}\nRUN apt-get install curl\nRUN pip install numpy>=1.2 \\\n    scipy\nCOPY requirements.txt /tmp/\n")
        open(os.path.join(d, "environment.yml"), "w").write(body)
    else:
        env = {"name": f"env{i}", "python": {"userManagedDependencies": False,
               "condaDependencies": {"channels": ["conda-forge"], "dependencies": ["python=3.8", {"pip": ["azureml-defaults"]}]}},
               "environmentVariables": {"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"},
               "docker": {"enabled": False, "baseImage": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04", "shmSize": "2g"},
               "r": None}
        open(os.path.join(d, "azureml_environment.json"), "w").write(json.dumps(env, indent=2))
PY

FILES=$(find "$DIR" -type f | wc -l)
echo "corpus: $N environments, $FILES files in $DIR"
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
$PIN "$BIN" lint --format json --today 2026-11-26 "$DIR" > "$DIR.json" || true
echo "findings: $(grep -c '"check"' "$DIR.json")"; rm -f "$DIR.json"
hyperfine --warmup 2 --runs 10 -i --export-json "$DIR/../lint_bench.json" \
  "$PIN $BIN lint --format json --today 2026-11-26 $DIR"
python3 - "$DIR/../lint_bench.json" "$FILES" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
files = int(sys.argv[2])
print(f"mean {r['mean']*1000:.1f} ms for {files} files on one core -> {files / r['mean']:,.0f} files/s")
PY
rm -f "$DIR/../lint_bench.json"
