#!/usr/bin/env bash
# Throughput of `assay-sandbox serve` / `exec` on HumanEval canonical solutions, without a
# client in the loop: request lines are written to files first, then each slot's supervisor
# reads its shard from a file and writes responses to a file. Prints samples/s, the CPU per
# sample of the whole sandbox tree (supervisors, inits, workers, samples) and the pass count.
#
#   Scripts/sandbox-bench.sh [serve|exec] [JOBS] [REPEAT] [extra assay-sandbox flags...]
#   SANDBOX=.build/release/assay-sandbox Scripts/sandbox-bench.sh serve 4 10
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-serve}; jobs=${2:-2}; repeat=${3:-10}; shift $(( $# < 3 ? $# : 3 ))
sandbox=${SANDBOX:-.build/release/assay-sandbox}
work=$(mktemp -d /tmp/assay-sbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work" "$jobs" "$repeat" <<'PY'
import gzip, json, secrets, sys
work, jobs, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
problems = [json.loads(l) for l in gzip.open("/work/shared/datasets/HumanEval.jsonl.gz", "rt")]
shards = [open("%s/req.%d" % (work, j), "w") for j in range(jobs)]
n = 0
for r in range(repeat):
    for p in problems:
        sol = p["prompt"] + p["canonical_solution"]
        req = {"v": 1, "id": "%s#%d" % (p["task_id"], r), "kind": "humaneval",
               "program": sol + "\n" + p["test"] + "\n" + "check(" + p["entry_point"] + ")",
               "solution_end_line": len(sol.splitlines()), "entry_point": p["entry_point"],
               "test_function": "check", "nonce": secrets.token_hex(8)}
        shards[n % jobs].write(json.dumps(req) + "\n")
        n += 1
PY
runner=$PWD/Sandboxes/runner.py
total=$(cat "$work"/req.* | wc -l)
echo "mode $mode, jobs $jobs, samples $total, load $(cut -d' ' -f1-3 /proc/loadavg), flags: $*"
start=$(date +%s.%N)
if [ "$mode" = serve ]; then
  # bash's `times` after wait gives the children's CPU (all reaped descendants)
  for j in $(seq 0 $((jobs - 1))); do
    "$sandbox" serve --python /usr/bin/python3 --runner "$runner" --slot $((800 + j)) "$@" <"$work/req.$j" >"$work/resp.$j" &
  done
  wait
else
  for j in $(seq 0 $((jobs - 1))); do
    ( while IFS= read -r line; do printf '%s\n' "$line" | "$sandbox" exec --python /usr/bin/python3 --runner "$runner" --slot $((800 + j)) "$@"; done <"$work/req.$j" >"$work/resp.$j" ) &
  done
  wait
fi
end=$(date +%s.%N)
times >"$work/times"
cpu=$(tail -1 "$work/times")
/usr/bin/python3 - "$work" "$start" "$end" "$cpu" "$total" <<'PY'
import glob, json, sys
work, start, end, cpu, total = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def secs(t):
    m, s = t.rstrip("s").split("m")
    return int(m) * 60 + float(s)
user, sys_ = (secs(x) for x in cpu.split())
passed = ok = 0
child_cpu = 0.0
for f in glob.glob(work + "/resp.*"):
    for line in open(f):
        d = json.loads(line)
        ok += d["ok"]
        child_cpu += d.get("cpu_ms") or 0
        rec = json.loads(d["result"]) if d.get("result") else {}
        passed += rec.get("status") == "passed"
dt = end - start
print("%d/%d passed, %d ok; %.2f s: %.1f samples/s; CPU %.2f ms/sample (user %.1f s, sys %.1f s), "
      "of which the samples' own processes %.2f ms (rusage in the responses)" % (
    passed, total, ok, dt, total / dt, (user + sys_) * 1000 / total, user, sys_, child_cpu / total))
PY
