#!/usr/bin/env bash
# ENAMEL efficiency benchmark (not a test: the figures depend on the machine and its load).
#
# Runs, one after the other on this machine: ENAMEL's expert references (`--ground-truth`) once,
# then the HumanEval canonical samples RUNS times (default 3), each a fresh run of all 142 problems.
# Prints eff@1, pass@1, wall time, re-timed problems and the load average of every run, then the
# spread (max − min) of the HumanEval canonical eff@1 values.
#
#   Scripts/bench-enamel.sh [RUNS] [extra assay evaluate flags…]
#   ASSAY=/path/to/assay Scripts/bench-enamel.sh      # use an existing build (default: swift build)
#   ASSAY_HOME=/path/to/frozen/checkout …              # data folders (Sandboxes/, Problems/) to use
#   ASSAY_BENCH_SKIP_REFERENCES=1 Scripts/bench-enamel.sh
#
# Anchor figures to compare with (metrics.md §2.10): published eff@1 0.458 / pass@1 0.908 for the
# HumanEval canonical samples; ENAMEL's own harness gave 0.4643, 0.4784, 0.4645 on three runs on a
# loaded 2-core machine (spread 0.014), and 0.968–0.980 for its references.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
repo=$PWD

datasets=""
for dir in "${ASSAY_DATASETS:-}" ../shared/datasets; do
  [ -n "$dir" ] && [ -f "$dir/enamel.csv" ] && datasets=$(cd "$dir" && pwd) && break
done
[ -n "$datasets" ] || { echo "enamel.csv not found: set ASSAY_DATASETS" >&2; exit 2; }
samples=$datasets/enamel_samples_humaneval-canonical.json

if [ -z "${ASSAY:-}" ]; then
  swift build --product assay >/dev/null
  swift build --product assay-sandbox >/dev/null
  ASSAY=$repo/.build/debug/assay
fi
work=$(mktemp -d /tmp/assay-bench-enamel.XXXXXX)
echo "work folder: $work (kept: databases and summaries)"
cd "$work"

one() {  # name, flags…
  local name=$1
  shift
  local start end
  start=$(date +%s)
  ASSAY_DATASETS=$datasets ASSAY_HOME=${ASSAY_HOME:-$repo} "$ASSAY" evaluate --problems enamel --db "$name.sqlite" --out "$name" --k 1 --quiet "$@" \
    >"$name.log" 2>&1 || { cat "$name.log" >&2; return 1; }
  end=$(date +%s)
  python3 - "$name/summary.json" "$name" $((end - start)) <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
e = s["efficiency"]
print("%-12s eff@1 %.4f  pass@1 %.4f  %4ds  re-timed problems %d, re-measured reps %d, contended re-runs %d  load %s -> %s" % (
    sys.argv[2], s["eff_at_k"]["1"], s["pass_at_k"]["1"], int(sys.argv[3]), e["retries"], e["remeasured_reps"], e["contended_reruns"],
    " ".join("%.2f" % x for x in e["load_at_start"]), " ".join("%.2f" % x for x in e["load_at_end"])))
PY
}

[ -n "${ASSAY_BENCH_SKIP_REFERENCES:-}" ] || one references --ground-truth "$@"
for i in $(seq 1 "$runs"); do
  one "canonical-$i" --samples "$samples" "$@"
done
python3 - "$runs" <<'PY'
import json, sys
values = [json.load(open("canonical-%d/summary.json" % i))["eff_at_k"]["1"] for i in range(1, int(sys.argv[1]) + 1)]
print("humaneval-canonical eff@1: %s; spread (max - min) %.4f; published 0.458" % (
    ", ".join("%.4f" % v for v in values), max(values) - min(values)))
PY
