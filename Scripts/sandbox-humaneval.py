#!/usr/bin/env python3
"""Runs HumanEval problems (canonical solutions, or a samples file) through `assay-sandbox`.

Usage:
  Scripts/sandbox-humaneval.py [--problems FILE] [--samples FILE] [--repeat N] [--mode exec|serve]
                               [--sandbox PATH] [--jobs N] [--] [extra assay-sandbox flags...]

Prints one summary line per outcome (status / killed_by) and the throughput. With --verbose,
prints every response. Used to check 164/164 canonical passes and to measure samples/s.
"""
import argparse
import collections
import gzip
import json
import os
import resource
import secrets
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_request(problem, completion, rid, limits):
    solution = problem["prompt"] + completion
    program = solution + "\n" + problem["test"] + "\n" + "check(" + problem["entry_point"] + ")"
    req = {"v": 1, "id": rid, "kind": "humaneval", "program": program,
           "solution_end_line": len(solution.splitlines()), "entry_point": problem["entry_point"],
           "test_function": "check", "nonce": secrets.token_hex(8)}
    if limits:
        req["limits"] = limits
    return req


def summarize(req, resp):
    status = "?"
    if not resp.get("ok"):
        status = "infra:" + str(resp.get("error"))
    else:
        rec = None
        if resp.get("result"):
            try:
                rec = json.loads(resp["result"])
            except ValueError:
                rec = None
        if rec is not None and rec.get("nonce") != req["nonce"]:
            rec = None
        status = rec["status"] if rec else "no_result"
    return status, resp.get("killed_by")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="/work/shared/datasets/HumanEval.jsonl.gz")
    ap.add_argument("--samples")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--mode", default="exec", choices=["exec", "serve"])
    ap.add_argument("--sandbox", default=os.path.join(ROOT, ".build/debug/assay-sandbox"))
    ap.add_argument("--runner", default=os.path.join(ROOT, "Sandboxes/runner.py"))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--wall-ms", type=int)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()

    problems = {p["task_id"]: p for p in load_jsonl(args.problems)}
    if args.samples:
        pairs = [(problems[s["task_id"]], s["completion"]) for s in load_jsonl(args.samples)]
    else:
        pairs = [(p, p["canonical_solution"]) for p in problems.values()]
    pairs = pairs * args.repeat
    limits = {"wall_ms": args.wall_ms} if args.wall_ms else None
    reqs = [make_request(p, c, "%s#%d" % (p["task_id"], i), limits) for i, (p, c) in enumerate(pairs)]

    counts = collections.Counter()
    lock = threading.Lock()
    base = [args.sandbox, args.mode, "--python", "/usr/bin/python3", "--runner", args.runner] + args.extra

    def record(req, resp):
        key = summarize(req, resp)
        with lock:
            counts[key] += 1
            if args.verbose or key[0] not in ("passed",):
                short = {k: resp.get(k) for k in ("id", "ok", "error", "exit_code", "signal", "killed_by",
                                                  "syscall", "wall_ms", "cpu_ms", "stderr")}
                if args.verbose:
                    print(json.dumps(resp))
                else:
                    print(json.dumps(short)[:600])

    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.mode == "exec":
        queue = list(reqs)

        def worker():
            while True:
                with lock:
                    if not queue:
                        return
                    req = queue.pop(0)
                out = subprocess.run(base, input=json.dumps(req).encode() + b"\n", capture_output=True)
                if out.returncode != 0:
                    resp = {"ok": False, "error": "exit %d: %s" % (out.returncode, out.stderr.decode()[-300:])}
                else:
                    resp = json.loads(out.stdout)
                record(req, resp)

        threads = [threading.Thread(target=worker) for _ in range(args.jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        chunks = [reqs[i::args.jobs] for i in range(args.jobs)]

        def server(chunk, slot):
            p = subprocess.Popen(base + ["--slot", str(slot)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

            def feed():
                for req in chunk:
                    p.stdin.write(json.dumps(req).encode() + b"\n")
                    p.stdin.flush()
                p.stdin.close()

            threading.Thread(target=feed, daemon=True).start()
            for req in chunk:
                line = p.stdout.readline()
                if not line:
                    record(req, {"ok": False, "error": "serve ended early (exit %s)" % p.wait()})
                    continue
                resp = json.loads(line)
                if resp.get("id") != req["id"]:
                    record(req, {"ok": False, "error": "id mismatch"})
                    continue
                record(req, resp)
            p.wait()

        threads = [threading.Thread(target=server, args=(c, i)) for i, c in enumerate(chunks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    dt = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    for (status, killed), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print("%6d  %s%s" % (n, status, "  killed_by=" + killed if killed else ""))
    print("%d samples in %.2f s: %.1f samples/s (mode %s, jobs %d); sandbox CPU %.2f ms/sample "
          "(supervisors + workers + samples, from RUSAGE_CHILDREN); load %s" % (
              len(reqs), dt, len(reqs) / dt, args.mode, args.jobs, cpu * 1000 / len(reqs),
              " ".join(open("/proc/loadavg").read().split()[:3])))


if __name__ == "__main__":
    main()
