"""Assay's warm worker: a fork server started once per slot by `assay-sandbox serve`.

It runs inside the slot's envelope (pid/mount/net/ipc/uts namespaces, minimal read-only root),
as root of that envelope so that it can drop each child to the sandbox uid. It imports the
common modules and the runner once, warms the runner up, freezes the heap for the collector,
then hands the loop to libAssaySandboxChild (C, `assay_worker_serve`): per request from the
supervisor it empties the work dirs' parent and /tmp, forks with CPython's fork protocol,
confines the child (setsid, descriptors, work dir, uid drop, rlimits, no_new_privs, seccomp
with the listener sent to the supervisor), reports the child's pidfd, waits for it and reports
its status and rusage. The worker itself never returns to Python between requests (no bytecode,
few written pages: a child copies less on write). Only the confined child comes back here: it
reads the request on fd 4, runs `runner.handle(request, 3)` and leaves with `os._exit`.
`random` is reseeded in each child by its own at-fork hook (PyOS_AfterFork_Child runs it).
Sample code never runs in this process.

Control socket (fd 3, SOCK_SEQPACKET), one message each:
  supervisor → worker  b"run SEQ AS CPU_SOFT CPU_HARD FSIZE NOFILE NPROC" + fds
                       [request memfd, stdout, stderr, result, notify socket]
                       (limits: -2 unlimited, -1 leave alone)
  worker → supervisor  b"ready PID" at start, b"fatal MESSAGE" if it cannot start,
                       b"pid PID" + [pidfd of the child] after each fork,
                       b"exit STATUS UTIME_US STIME_US MAXRSS_KIB" after each child,
                       b"error MESSAGE" when a request could not be started.
Descriptor 4 holds the precompiled seccomp program (empty: no seccomp).
"""

import os
import sys

# Before anything else: the common modules samples use, imported once for every child.
import typing, math, collections, itertools, re, functools, heapq, string, random, json  # noqa: E401,F401
import bisect, statistics, fractions, decimal, copy, operator, hashlib, datetime, unittest  # noqa: E401,F401
import ctypes
import importlib.util
import socket

CONTROL_FD = 3
BPF_FD = 4
WORKER_ABI = 1


def load_runner():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("runner", os.path.join(here, "runner.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["runner"] = module
    spec.loader.exec_module(module)
    if hasattr(module, "preload_kinds"):
        module.preload_kinds()
    return module


class WorkerConfig(ctypes.Structure):
    """Mirror of assay_worker_config (Sources/AssaySandboxChild/include/assay_sandbox_child.h)."""
    _fields_ = [(name, ctypes.c_int64) for name in (
        "abi", "control_fd", "uid", "gid", "oom_score_adj", "wipe_tmp", "bpf_len")] + [
        ("bpf", ctypes.c_void_p), ("box", ctypes.c_char_p), ("error", ctypes.c_char_p), ("error_len", ctypes.c_int64)]


def parse_args(argv):
    opts = {"uid": -1, "gid": -1, "lib": None, "box": "/box", "wipe_tmp": False}
    i = 0
    while i < len(argv):
        key = argv[i]
        value = argv[i + 1]
        i += 2
        if key == "--uid":
            opts["uid"] = int(value)
        elif key == "--gid":
            opts["gid"] = int(value)
        elif key == "--lib":
            opts["lib"] = value
        elif key == "--box":
            opts["box"] = value
        elif key == "--wipe-tmp":
            opts["wipe_tmp"] = value == "1"  # only inside a private mount namespace
        else:
            raise SystemExit("worker.py: unknown option " + key)
    return opts


WARM_UP_PROGRAM = (
    "from typing import List\n"
    "def f(xs: List[int]) -> int:\n"
    "    \"\"\"Sum of squares.\"\"\"\n"
    "    return sum(x * x for x in xs if x % 2 == 0) + len([c for c in 'abc' if c.isalpha()])\n"
    "\n"
    "def check(candidate):\n"
    "    assert candidate([1, 2, 3]) == 7\n"
    "    assert candidate([]) == 3, 'empty'\n"
    "    assert abs(candidate([4]) - 19) < 1e-9\n"
    "check(f)")


def warm_up(runner):
    """Runs the runner a few times in the worker, so that what CPython initializes or specializes
    lazily (bytecode quickening, caches) is done once here instead of being copied-on-write in
    every child."""
    request = {"v": 1, "id": "warm-up", "kind": "humaneval", "program": WARM_UP_PROGRAM,
               "solution_end_line": 4, "entry_point": "f", "test_function": "check", "nonce": "0"}
    r, w = os.pipe()
    try:
        for _ in range(20):
            runner.handle(json.loads(json.dumps(request)), w)
            os.read(r, 1 << 16)
    finally:
        os.close(r)
        os.close(w)


def main():
    control = socket.socket(fileno=CONTROL_FD)
    try:
        opts = parse_args(sys.argv[1:])
        runner = load_runner()
        # PyDLL: the GIL stays held during the call, which is what CPython's fork protocol needs.
        lib = ctypes.PyDLL(opts["lib"])
        lib.assay_worker_serve.argtypes = [ctypes.POINTER(WorkerConfig)]
        lib.assay_worker_serve.restype = ctypes.c_int
        bpf_bytes = b""
        while True:
            chunk = os.read(BPF_FD, 1 << 16)
            if not chunk:
                break
            bpf_bytes += chunk
        os.close(BPF_FD)
        bpf = ctypes.create_string_buffer(bpf_bytes, len(bpf_bytes)) if bpf_bytes else None
        error_buf = ctypes.create_string_buffer(512)
        config = WorkerConfig(
            abi=WORKER_ABI, control_fd=CONTROL_FD, uid=opts["uid"], gid=opts["gid"], oom_score_adj=1000,
            wipe_tmp=1 if opts["wipe_tmp"] else 0, bpf_len=len(bpf_bytes),
            bpf=ctypes.cast(bpf, ctypes.c_void_p) if bpf is not None else None, box=opts["box"].encode(),
            error=ctypes.cast(error_buf, ctypes.c_char_p), error_len=len(error_buf))
    except BaseException as exc:  # noqa: BLE001 - report anything to the supervisor
        control.send(("fatal %s: %s" % (type(exc).__name__, exc)).encode()[:4000])
        os._exit(1)

    warm_up(runner)
    if hasattr(runner, "prefork"):
        runner.prefork()
    # Everything imported so far lives as long as the worker: keep the collector away from it,
    # so that children do not copy-on-write the pages it would touch.
    import gc
    gc.collect()
    gc.freeze()
    sys.stdout.flush()
    sys.stderr.flush()
    control.send(b"ready %d" % os.getpid())
    control.detach()  # fd 3 stays open for the loop (and becomes the result channel in a child)

    rc = lib.assay_worker_serve(ctypes.byref(config))
    if rc != 0:
        if rc < 0:
            sys.stderr.write("worker.py: %s\n" % error_buf.value.decode(errors="replace"))
            sys.stderr.flush()
        os._exit(0 if rc == 1 else 1)

    # ---- a freshly forked child, confined: fds 0-4 wired, cwd its work dir. Never returns.
    try:
        chunks = []
        size = os.fstat(4).st_size + 1  # a sealed memfd: one read (no 1 MiB buffer per child)
        while True:
            chunk = os.read(4, size)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(4)
        request = json.loads(b"".join(chunks).decode("utf-8"))
        runner.handle(request, 3)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(0)


if __name__ == "__main__":
    main()
