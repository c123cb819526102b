#!/usr/bin/env python3
"""Runs a command and reports the CPU time of the command's own process and of everything below
it, separately: it waits for the exit without reaping (waitid WNOWAIT), reads utime/stime and
cutime/cstime (every descendant that was waited for) from /proc/PID/stat, then reaps it.

  Scripts/proc-cpu.py OUT.json COMMAND [ARGS...]

Writes {"wall_s", "self_cpu_s", "children_cpu_s", "status"} to OUT.json and exits with the
command's exit status. Used by the benchmark scripts (the figures are CPU seconds, which load
from other processes barely changes, unlike wall time).
"""
import json
import os
import subprocess
import sys
import time

out, command = sys.argv[1], sys.argv[2:]
tick = os.sysconf("SC_CLK_TCK")
start = time.perf_counter()
proc = subprocess.Popen(command)
while True:
    try:
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        break
    except InterruptedError:
        continue
wall = time.perf_counter() - start
fields = open("/proc/%d/stat" % proc.pid).read().rsplit(")", 1)[1].split()
utime, stime, cutime, cstime = (int(x) / tick for x in fields[11:15])
status = proc.wait()
with open(out, "w") as f:
    json.dump({"wall_s": wall, "self_cpu_s": utime + stime, "children_cpu_s": cutime + cstime, "status": status}, f)
sys.exit(status if status >= 0 else 128 - status)
