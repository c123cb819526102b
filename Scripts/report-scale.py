#!/usr/bin/env python3
"""Adds a synthetic large run (default 164 tasks x 610 samples = 100,040 samples) to an Assay
database, so that `assay report --html` can be measured at scale. The database must exist
(any `assay evaluate` creates it). Outcomes are varied (passed, failed with a failing assert,
error with a traceback, timeout) and every sample has ~300 bytes of code.

usage: report-scale.py DB [TASKS] [SAMPLES_PER_TASK]
"""
import json, random, sqlite3, sys

db, tasks, per_task = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 164, int(sys.argv[3]) if len(sys.argv) > 3 else 610
rng = random.Random(20240601)
con = sqlite3.connect(db)
now = "2026-01-01T00:00:00.000Z"
set_hash = "scale-%d-%d" % (tasks, per_task)
con.execute("INSERT OR IGNORE INTO problem_sets VALUES (?, 'scale', 'humaneval', '/synthetic', ?, ?)", (set_hash, tasks, now))
for t in range(tasks):
    con.execute("INSERT OR IGNORE INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (set_hash, "Scale/%d" % t, t, "def f%d(x):\n    \"\"\"Return x plus %d.\"\"\"\n" % (t, t),
                 "    return x + %d\n" % t, "def check(c):\n    assert c(1) == %d\n" % (t + 1), "f%d" % t))
spec = {"kind": "evaluate", "problemSetName": "scale", "problemSetHash": set_hash, "samplesSource": "/synthetic/samples.jsonl",
        "samplesHash": set_hash, "settings": {"harness": "humaneval-check/1", "wall_ms": "3000", "cpu_ms": "3000"}}
cur = con.execute("INSERT INTO runs (created_at, finished_at, status, kind, spec_key, spec, problem_set, samples_source, host) "
                  "VALUES (?, ?, 'completed', 'evaluate', ?, ?, 'scale', '/synthetic/samples.jsonl', '{}')",
                  (now, now, set_hash, json.dumps(spec)))
run = cur.lastrowid
position = 0
for t in range(tasks):
    p = rng.random()
    for i in range(per_task):
        code = "    # sample %d of task %d\n    total = x\n    for step in range(%d):\n        total += 1\n    return total\n" % (i, t, t + (0 if rng.random() < p else 1))
        code += "    # padding " + "x" * rng.randint(100, 200) + "\n"
        con.execute("INSERT INTO samples VALUES (?, ?, ?, ?, 'completion', ?, ?)",
                    (run, "Scale/%d" % t, i, position, code, "/synthetic/samples.jsonl:%d" % (position + 1)))
        position += 1
        roll = rng.random()
        if roll < p:
            row = ("passed", None, "", None, "")
        elif roll < p + (1 - p) * 0.6:
            record = {"status": "failed", "error_type": "AssertionError", "message": "AssertionError()", "line": 5,
                      "failed_assert": {"source": "assert c(1) == %d" % (t + 1), "line": 5, "left": str(t + 2), "right": str(t + 1)}}
            row = ("failed", "AssertionError", "assert c(1) == %d (left: %d, right: %d)" % (t + 1, t + 2, t + 1), json.dumps(record), "")
        elif roll < p + (1 - p) * 0.95:
            record = {"status": "error", "error_type": "NameError", "message": "name 'totl' is not defined", "line": 4}
            row = ("error", "NameError", "NameError: name 'totl' is not defined (line 4 of the solution)", json.dumps(record),
                   "Traceback (most recent call last):\n  File \"<program>\", line 4, in f\nNameError: name 'totl' is not defined\n")
        else:
            row = ("timeout", "TimeoutError", "wall-clock limit of 3000 ms reached", None, "")
        con.execute("INSERT INTO executions (run_id, task_id, sample_index, round, status, error_type, detail, cpu_ms, wall_ms, "
                    "max_rss_kib, stdout, stderr, record, executed_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, 9000, '', ?, ?, ?)",
                    (run, "Scale/%d" % t, i, row[0], row[1], row[2], rng.uniform(5, 50), rng.uniform(5, 60), row[4], row[3], now))
con.commit()
print(run)
