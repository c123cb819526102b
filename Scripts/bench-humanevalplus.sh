#!/usr/bin/env bash
# HumanEval+ benchmark: the 164 canonical solutions on the full HumanEval+ v0.1.10 (1,570 base +
# 122,683 plus inputs), evaluated by evalplus 0.3.1 (PyPI, in a throwaway venv, reading the local
# file through HUMANEVAL_OVERRIDE_PATH) and by `assay evaluate --problems humanevalplus
# --ground-truth`, one after the other on this machine, in this run. Prints wall time and peak
# memory (max RSS from /usr/bin/time -v) of both and the ratios. Not a test: the figures depend on
# the machine and its load, which is why both tools are measured here, side by side.
#
# Two rounds: "cold" (neither tool has its expected outputs cached: evalplus computes its
# ground-truth pickle, assay its SQLite cache) and "warm" (both reuse them). Each tool runs with
# its own defaults (evalplus: --parallel = cores/2; assay: --jobs = cores) unless flags are given.
#
#   Scripts/bench-humanevalplus.sh [extra assay evaluate flags…]
#   ASSAY_BENCH_SKIP_ANCHOR=1 Scripts/bench-humanevalplus.sh   # assay only
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/assay-bench-hep.XXXXXX)
trap 'rm -rf "$work"' EXIT

swift build -c release --product assay >/dev/null
swift build -c release --product assay-sandbox >/dev/null
assay=$PWD/.build/release/assay

dataset=""
for dir in "${ASSAY_DATASETS:-}" ../shared/datasets; do
  [ -n "$dir" ] && [ -f "$dir/HumanEvalPlus-v0.1.10.jsonl.gz" ] && dataset=$(cd "$dir" && pwd)/HumanEvalPlus-v0.1.10.jsonl.gz && break
done
[ -n "$dataset" ] || { echo "HumanEvalPlus-v0.1.10.jsonl.gz not found: run Scripts/get-datasets.sh or set ASSAY_DATASETS" >&2; exit 2; }
export ASSAY_DATASETS=$(dirname "$dataset")

if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q evalplus==0.3.1
fi

# The canonical solutions as a samples file, for evalplus (assay uses --ground-truth).
python3 - "$dataset" "$work/samples.jsonl" <<'PY'
import gzip, json, sys
with open(sys.argv[2], "w") as out:
    for line in gzip.open(sys.argv[1], "rt"):
        p = json.loads(line)
        out.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
PY
echo "HumanEval+ canonical solutions; cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

# measure NAME LOG -- command…: runs it under /usr/bin/time -v; sets ${NAME}_s (wall), ${NAME}_cpu
# (user + system seconds of the whole process tree) and ${NAME}_kib (peak RSS of any one process).
measure() {
  local name=$1 log=$2
  shift 3
  /usr/bin/time -v -o "$work/$name.time" "$@" >"$log" 2>&1 </dev/null || { cat "$log" >&2; echo "$name failed" >&2; exit 1; }
  local wall kib
  wall=$(grep "Elapsed (wall clock)" "$work/$name.time" | awk '{print $NF}')
  kib=$(grep "Maximum resident set size" "$work/$name.time" | awk '{print $NF}')
  local cpu
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$work/$name.time")
  printf -v "${name}_cpu" '%s' "$cpu"
  printf -v "${name}_s" '%s' "$(python3 -c "
p='$wall'.split(':'); s=0
for x in p: s=s*60+float(x)
print(f'{s:.1f}')")"
  printf -v "${name}_kib" '%s' "$kib"
}

mib() { python3 -c "print(f'{$1/1024:.0f}')"; }

evalplus_round() {  # evalplus_round NAME SAMPLES
  XDG_CACHE_HOME="$work/evalplus-cache" HUMANEVAL_OVERRIDE_PATH="$dataset" \
    measure "$1" "$work/$1.log" -- "$work/venv/bin/evalplus.evaluate" --dataset humaneval --samples "$2" --i-just-wanna-run
  local base plus
  base=$(grep -A1 "humaneval (base tests)" "$work/$1.log" | tail -1 | tr -d '\t' | sed 's/\x1b\[[0-9;]*m//g')
  plus=$(grep -A1 "humaneval+ (base + extra tests)" "$work/$1.log" | tail -1 | tr -d '\t' | sed 's/\x1b\[[0-9;]*m//g')
  local s=${1}_s kib=${1}_kib cpu=${1}_cpu
  echo "  evalplus: ${!s} s wall, ${!cpu} s CPU, $(mib "${!kib}") MiB peak; base ${base}, plus ${plus}"
}

assay_round() {  # assay_round NAME EXTRA…
  local name=$1
  shift
  measure "$name" "$work/$name.log" -- "$assay" evaluate --problems humanevalplus --ground-truth --db "$work/assay.sqlite" \
    --out "$work/$name-out" --quiet "$@"
  local s=${name}_s kib=${name}_kib cpu=${name}_cpu
  python3 - "$work/$name-out/summary.json" "${!s}" "$(mib "${!kib}")" "${!cpu}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
b, p = s["base"]["status_counts"].get("pass", 0), s["plus"]["status_counts"].get("pass", 0)
print(f"  assay:    {sys.argv[2]} s wall, {sys.argv[4]} s CPU, {sys.argv[3]} MiB peak; base {b}/164 pass@1 {s['base']['pass_at_k']['1']}, plus {p}/164 pass@1 {s['plus']['pass_at_k']['1']}")
if b != 164 or p != 164:
    print("  assay did not pass 164/164 on base and plus", file=sys.stderr); sys.exit(1)
PY
  grep "expected outputs:" "$work/$name.log" | sed 's/^/    /'
}

ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }

echo "cold (expected outputs computed by each tool):"
[ -n "${ASSAY_BENCH_SKIP_ANCHOR:-}" ] || evalplus_round ep_cold "$work/samples.jsonl"
assay_round as_cold "$@"
echo "warm (expected outputs reused):"
if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  cp "$work/samples.jsonl" "$work/samples-warm.jsonl"
  evalplus_round ep_warm "$work/samples-warm.jsonl"
fi
assay_round as_warm --fresh "$@"

# Agreement on samples that fail: HumanEval's original canonical solutions, graded by both tools
# on HumanEval+ (several of them fail plus inputs), evalplus with the time-limit floor and factor
# of the anchor commit and of Assay (4 s, 4×; PyPI 0.3.1 defaults to a 1 s floor, which under load
# turns slow-but-correct solutions into failures). Lists every task whose statuses differ.
he=$(dirname "$dataset")/HumanEval.jsonl.gz
if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ] && [ -f "$he" ]; then
  python3 - "$he" "$work/original.jsonl" <<'PY'
import gzip, json, sys
with open(sys.argv[2], "w") as out:
    for line in gzip.open(sys.argv[1], "rt"):
        p = json.loads(line)
        out.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
PY
  XDG_CACHE_HOME="$work/evalplus-cache" HUMANEVAL_OVERRIDE_PATH="$dataset" \
    "$work/venv/bin/evalplus.evaluate" --dataset humaneval --samples "$work/original.jsonl" --i-just-wanna-run \
    --min-time-limit 4 --gt-time-limit-factor 4 >"$work/ep_orig.log" 2>&1 </dev/null
  "$assay" evaluate --problems humanevalplus --samples "$work/original.jsonl" --db "$work/assay.sqlite" --out "$work/as-orig" \
    --quiet --k 1 --no-taxonomy >"$work/as_orig.log" 2>&1
  echo "agreement on HumanEval's original canonical solutions (they fail some HumanEval+ inputs):"
  python3 - "$work/original_eval_results.json" "$work/as-orig/results.jsonl" <<'PY'
import json, sys
ep = json.load(open(sys.argv[1]))["eval"]
rows = {r["task_id"]: r for r in map(json.loads, open(sys.argv[2]))}
diff = []
for task, results in ep.items():
    e, a = results[0], rows[task]
    if (e["base_status"], e["plus_status"]) != (a["base_status"], a["plus_status"]):
        diff.append(f"{task}: evalplus {e['base_status']}/{e['plus_status']}, assay {a['base_status']}/{a['plus_status']} ({a['detail'][:100]})")
n = len(ep)
base = sum(r[0]["base_status"] == "pass" for r in ep.values()), sum(r["base_status"] == "pass" for r in rows.values())
plus = sum(r[0]["base_status"] == r[0]["plus_status"] == "pass" for r in ep.values()), sum(r["status"] == "passed" for r in rows.values())
print(f"  base passes: evalplus {base[0]}/{n}, assay {base[1]}/{n}; base+plus passes: evalplus {plus[0]}/{n}, assay {plus[1]}/{n}")
print(f"  tasks whose base/plus status differ: {len(diff)}")
for line in diff:
    print("    " + line)
PY
fi

if [ -z "${ASSAY_BENCH_SKIP_ANCHOR:-}" ]; then
  echo "ratios (evalplus / assay):"
  echo "  cold: $(ratio "$ep_cold_s" "$as_cold_s")× faster (wall), $(ratio "$ep_cold_cpu" "$as_cold_cpu")× less CPU, $(ratio "$ep_cold_kib" "$as_cold_kib")× less peak memory"
  echo "  warm: $(ratio "$ep_warm_s" "$as_warm_s")× faster (wall), $(ratio "$ep_warm_cpu" "$as_warm_cpu")× less CPU, $(ratio "$ep_warm_kib" "$as_warm_kib")× less peak memory"
fi
