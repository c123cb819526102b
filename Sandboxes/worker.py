"""Assay's warm worker: a fork server started once per slot by `assay-sandbox serve`.

It runs inside the slot's envelope (pid/mount/net/ipc/uts namespaces, minimal read-only root),
as root of that envelope so that it can drop each child to the sandbox uid. It imports the
common modules and the runner once, then, per request from the supervisor, forks a child that
confines itself with libAssaySandboxChild (C: cgroup entry, setsid, descriptors, work dir, uid
drop, rlimits, no_new_privs, seccomp with the listener sent to the supervisor), reseeds
`random`, runs `runner.handle(request, 3)` and leaves with `os._exit`. Sample code never runs
in this process.

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
import shutil
import socket

CONTROL_FD = 3
BPF_FD = 4
ABI = 2


def load_runner():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("runner", os.path.join(here, "runner.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["runner"] = module
    spec.loader.exec_module(module)
    if hasattr(module, "preload_kinds"):
        module.preload_kinds()
    return module


class ChildConfig(ctypes.Structure):
    """Mirror of assay_child_config (Sources/AssaySandboxChild/include/assay_sandbox_child.h)."""
    _fields_ = [(name, ctypes.c_int64) for name in (
        "abi", "stdin_fd", "stdout_fd", "stderr_fd", "result_fd", "request_fd", "notify_fd", "uid", "gid",
        "oom_score_adj", "rl_as", "rl_cpu_soft", "rl_cpu_hard", "rl_fsize", "rl_nofile", "rl_nproc", "bpf_len")] + [
        ("bpf", ctypes.c_void_p), ("workdir", ctypes.c_char_p), ("cgroup_procs", ctypes.c_char_p * 4),
        ("error", ctypes.c_char_p), ("error_len", ctypes.c_int64)]


def parse_args(argv):
    opts = {"uid": -1, "gid": -1, "lib": None, "cgroup": [], "box": "/box", "wipe_tmp": False}
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
        elif key == "--cgroup-procs":
            opts["cgroup"].append(value)
        elif key == "--box":
            opts["box"] = value
        elif key == "--wipe-tmp":
            opts["wipe_tmp"] = value == "1"  # only inside a private mount namespace
        else:
            raise SystemExit("worker.py: unknown option " + key)
    return opts


def wipe(path):
    """Removes everything below path (no symlink is followed)."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


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
        lib = ctypes.CDLL(opts["lib"])
        lib.assay_child_enter.argtypes = [ctypes.POINTER(ChildConfig)]
        lib.assay_child_enter.restype = ctypes.c_int
        bpf_bytes = b""
        while True:
            chunk = os.read(BPF_FD, 1 << 16)
            if not chunk:
                break
            bpf_bytes += chunk
        os.close(BPF_FD)
        bpf = ctypes.create_string_buffer(bpf_bytes, len(bpf_bytes)) if bpf_bytes else None
        cgroups = (ctypes.c_char_p * 4)(*([p.encode() for p in opts["cgroup"]] + [None] * (4 - len(opts["cgroup"]))))
        error_buf = ctypes.create_string_buffer(512)
    except BaseException as exc:  # noqa: BLE001 - report anything to the supervisor
        control.send(("fatal %s: %s" % (type(exc).__name__, exc)).encode()[:4000])
        os._exit(1)

    box = opts["box"]
    previous = None
    warm_up(runner)
    # Everything imported so far lives as long as the worker: keep the collector away from it,
    # so that children do not copy-on-write the pages it would touch.
    import gc
    gc.collect()
    gc.freeze()
    sys.stdout.flush()
    sys.stderr.flush()
    control.send(b"ready %d" % os.getpid())

    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 4096, 8)
        except InterruptedError:
            continue
        if not msg:
            os._exit(0)
        fields = msg.split()
        if fields[0] != b"run" or len(fds) != 5:
            for fd in fds:
                os.close(fd)
            control.send(b"error bad control message")
            continue
        seq, rl_as, cpu_soft, cpu_hard, fsize, nofile, nproc = (int(x) for x in fields[1:8])
        request_fd, out_fd, err_fd, result_fd, notify_fd = fds
        # The previous sample's tree has been swept by the supervisor: clean its files now.
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        if opts["wipe_tmp"]:
            wipe("/tmp")
        workdir = "%s/s%d" % (box, seq)
        previous = workdir
        if os.path.lexists(workdir):
            shutil.rmtree(workdir, ignore_errors=True)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            control.send(("error fork: %s" % exc).encode())
            continue
        if pid == 0:
            # ---- child: confine, then run the sample. Never returns.
            try:
                config = ChildConfig(
                    abi=ABI, stdin_fd=-1, stdout_fd=out_fd, stderr_fd=err_fd, result_fd=result_fd,
                    request_fd=request_fd, notify_fd=notify_fd, uid=opts["uid"], gid=opts["gid"],
                    oom_score_adj=1000, rl_as=rl_as, rl_cpu_soft=cpu_soft, rl_cpu_hard=cpu_hard, rl_fsize=fsize,
                    rl_nofile=nofile, rl_nproc=nproc, bpf_len=len(bpf_bytes),
                    bpf=ctypes.cast(bpf, ctypes.c_void_p) if bpf is not None else None,
                    workdir=workdir.encode(), cgroup_procs=cgroups,
                    error=ctypes.cast(error_buf, ctypes.c_char_p), error_len=len(error_buf))
                null = os.open("/dev/null", os.O_RDONLY)
                config.stdin_fd = null
                if lib.assay_child_enter(ctypes.byref(config)) != 0:
                    os._exit(125)  # the library reported "E ..." on the notify socket
                random.seed()
                chunks = []
                while True:
                    chunk = os.read(4, 1 << 20)
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
        # ---- parent
        for fd in fds:
            os.close(fd)
        try:
            pidfd = os.pidfd_open(pid)
            socket.send_fds(control, [b"pid %d" % pid], [pidfd])
            os.close(pidfd)
        except OSError as exc:
            control.send(("error pidfd: %s" % exc).encode())
        while True:
            try:
                _, status, usage = os.wait4(pid, 0)
                break
            except InterruptedError:
                continue
        control.send(b"exit %d %d %d %d" % (status, int(usage.ru_utime * 1e6), int(usage.ru_stime * 1e6),
                                            usage.ru_maxrss))


if __name__ == "__main__":
    main()
