#!/usr/bin/env bash
# The full BigCodeBench ground truth: all 1,140 canonical solutions through `assay evaluate
# --ground-truth` with the BigCodeBench venv (Scripts/bigcodebench-env.sh), 2 at a time. Prints
# Assay's table, the wall time, the exclusions by reason and the canonical solutions that fail for
# other reasons. Not a test: it needs the ~3 GiB venv and takes ~30 minutes on 2 cores.
#
#   Scripts/bench-bigcodebench.sh [extra assay evaluate flags…]     e.g. --subset 0-99.txt, --jobs 1
#   ASSAY_BENCH_DIR=/path        where the database and results go (default /tmp/assay-bigcodebench;
#                                the same folder resumes an interrupted run)
#   ASSAY_BIN=/path/to/assay     use this build instead of building a release one
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(Scripts/bigcodebench-env.sh --print-python) || {
  echo "bench-bigcodebench: build the environment first: Scripts/bigcodebench-env.sh (about 25 minutes)" >&2
  exit 2
}
if [ -z "${ASSAY_BIN:-}" ]; then
  swift build -c release --product assay >/dev/null
  swift build -c release --product assay-sandbox >/dev/null
  ASSAY_BIN=$PWD/.build/release/assay
fi
work=${ASSAY_BENCH_DIR:-/tmp/assay-bigcodebench}
mkdir -p "$work"
echo "python: $python; cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); results in $work"

start=$(date +%s)
status=0
"$ASSAY_BIN" evaluate --problems bigcodebench --ground-truth --python "$python" --jobs "${JOBS:-2}" --k 1 \
  --db "$work/bigcodebench.sqlite" --out "$work/out" --no-taxonomy "$@" || status=$?
echo "wall: $(( $(date +%s) - start )) s (exit status $status)"

python3 - "$work/out/summary.json" "$work/out/results.jsonl" <<'PY'
import collections, json, sys
summary = json.load(open(sys.argv[1]))
gate = summary.get("ground_truth", {})
excluded = summary.get("excluded", {})
scorable = gate.get("checked", 0) - gate.get("environment_failures", 0)
print(f"tasks: {summary['n_problems'] + len(excluded)}; libraries importable: "
      f"{gate.get('libraries', 0) - len(gate.get('missing_libraries', []))}/{gate.get('libraries', 0)}")
print(f"ground truth: {gate.get('passed')}/{scorable} pass ({100 * gate.get('pass_rate', 0):.1f}%) of the tasks not excluded; "
      f"{gate.get('checked')} canonical solutions ran")
kinds = collections.Counter(reason.split(":")[0].split(" (")[0] for reason in excluded.values())
print(f"excluded: {len(excluded)} " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
key = lambda t: int(t.split("/")[-1])
for task in sorted(excluded, key=key):
    print(f"  {task}: {excluded[task]}")
failures = gate.get("failures", {})
print(f"other ground-truth failures: {len(failures)}")
for task in sorted(failures, key=key):
    print(f"  {task}: {failures[task][:200]}")
walls = sorted(json.loads(line)["wall_ms"] / 1000 for line in open(sys.argv[2]))
if walls:
    print(f"per task wall: median {walls[len(walls) // 2]:.2f} s, p99 {walls[int(len(walls) * 0.99)]:.1f} s, max {walls[-1]:.1f} s")
PY
exit $status
