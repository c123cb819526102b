#!/usr/bin/env python3
"""Runs the red-team fixtures (Sandboxes/redteam/*.py) through `assay-sandbox exec` and `serve`
and checks each expectation, plus, after every fixture: no process with a sandbox uid survives,
the host loopback listener received nothing, and no file appeared outside the work dirs.

  Scripts/sandbox-redteam.py [--mode exec|serve|both] [--sandbox PATH] [-k SUBSTRING] [-v]

Fixture format: Sandboxes/redteam/README.md. Exit status 0 when everything held.
"""
import argparse
import glob
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDTEAM = os.path.join(ROOT, "Sandboxes", "redteam")
TEST = "def check(candidate):\n    assert candidate() == 1\n"
SLOT = 900  # a slot of its own: other sandbox users on the machine (tests) use low slots
SANDBOX_UIDS = range(60000 + SLOT, 60000 + SLOT + 1)
WATCHED_DIRS = ["/tmp", "/var/tmp", "/dev/shm", "/etc", "/root", "/work", "/"]


# --------------------------------------------------------------------------------------------
# Fixtures

def load_fixture(path):
    header, body = {}, []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("# ") and ":" in lines[i]:
        key, _, value = lines[i][2:].partition(":")
        header[key.strip()] = value.strip()
        i += 1
    completion = "\n".join(lines[i:])
    expect = {}
    for item in header.get("expect", "").split():
        key, _, value = item.partition("=")
        expect[key] = value
    limits = {}
    for item in header.get("limits", "").split():
        key, _, value = item.partition("=")
        limits[key] = int(value)
    return {
        "name": os.path.basename(path)[:-3], "completion": completion, "expect": expect, "limits": limits,
        "profile": header.get("profile"), "flags": header.get("flags", "").split(),
        "host_check": header.get("host-check", ""), "about": header.get("about", ""),
    }


def make_request(fx, port):
    prompt = "def f():\n"
    completion = fx["completion"].replace("{PORT}", str(port))
    solution = prompt + completion
    program = solution + "\n" + TEST + "\n" + "check(f)"
    req = {"v": 1, "id": fx["name"], "kind": "humaneval", "program": program,
           "solution_end_line": len(solution.splitlines()), "entry_point": "f", "test_function": "check",
           "nonce": secrets.token_hex(8)}
    if fx["limits"]:
        req["limits"] = fx["limits"]
    return req


def record_of(req, resp):
    raw = resp.get("result")
    if not raw:
        return None
    lines = [l for l in raw.split("\n") if l.strip()]
    if len(lines) != 1:
        return None
    try:
        rec = json.loads(lines[0])
    except ValueError:
        return None
    if not isinstance(rec, dict) or rec.get("nonce") != req["nonce"]:
        return None
    return rec


def check_expectations(fx, req, resp):
    problems = []
    if not resp.get("ok"):
        return ["infrastructure error: %s" % resp.get("error")]
    rec = record_of(req, resp)
    status = rec["status"] if rec else "no_result"
    facts = {
        "killed_by": resp.get("killed_by") or "null", "syscall": resp.get("syscall") or "null",
        "signal": str(resp.get("signal")) if resp.get("signal") is not None else "null",
        "exit_code": str(resp.get("exit_code")) if resp.get("exit_code") is not None else "null",
        "status": status, "error_type": (rec or {}).get("error_type") or "null",
    }
    for key, want in fx["expect"].items():
        if key == "tamper":
            if want not in (rec or {}).get("tamper", []):
                problems.append("tamper %r not in %r" % (want, (rec or {}).get("tamper")))
        elif key == "flagged":
            if status == "passed" and not (rec or {}).get("tamper"):
                problems.append("passed without a tamper flag")
        elif key in facts:
            if facts[key] not in want.split("|"):
                problems.append("%s=%s (expected %s)" % (key, facts[key], want))
        else:
            problems.append("unknown expectation %r" % key)
    return problems


# --------------------------------------------------------------------------------------------
# Host checks

class Listener:
    """A TCP listener on the host's loopback (v4 and v6) that records every connection."""

    def __init__(self):
        self.hits = []
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind(("::", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.hits.append(addr)
            conn.close()


def sandbox_processes():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/status" % pid) as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        uids = [int(x) for x in line.split()[1:]]
                        if any(u in SANDBOX_UIDS for u in uids):
                            found.append(int(pid))
                        break
        except OSError:
            pass
    return found


MARKERS = ("assay-redteam", "planted", "fill0")


def snapshot():
    """Entries of the watched host dirs that a sample could have made: owned by a sandbox uid,
    or carrying a fixture's marker name. (Other processes on the machine create files too.)"""
    names = set()
    for d in WATCHED_DIRS:
        try:
            for entry in os.scandir(d):
                try:
                    owner = entry.stat(follow_symlinks=False).st_uid
                except OSError:
                    continue
                if owner in SANDBOX_UIDS or any(m in entry.name for m in MARKERS):
                    names.add(entry.path)
        except OSError:
            pass
    return names


def cgroup_leftovers():
    left = []
    for pattern in ("/sys/fs/cgroup/memory/**/assay-%d-*" % SLOT, "/sys/fs/cgroup/pids/**/assay-%d-*" % SLOT,
                    "/sys/fs/cgroup/unified/**/assay-%d-*" % SLOT):
        left += glob.glob(pattern, recursive=True)
    return left


# --------------------------------------------------------------------------------------------
# Running

class Server:
    def __init__(self, base):
        self.proc = subprocess.Popen(base, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, req):
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            return {"ok": False, "error": "serve ended (exit %s)" % self.proc.poll()}
        return json.loads(line)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        return self.proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="both", choices=["exec", "serve", "both"])
    ap.add_argument("--sandbox", default=os.path.join(ROOT, ".build/debug/assay-sandbox"))
    ap.add_argument("-k", dest="only", default="")
    ap.add_argument("-v", dest="verbose", action="store_true")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("note: not root: the uid drop and cgroups are unavailable; expectations assume root", file=sys.stderr)
    fixtures = [load_fixture(p) for p in sorted(glob.glob(os.path.join(REDTEAM, "*.py")))]
    fixtures = [fx for fx in fixtures if args.only in fx["name"]]
    listener = Listener()
    env = dict(os.environ, ASSAY_REDTEAM_SECRET="s3cr3t-" + secrets.token_hex(4))
    runner = os.path.join(ROOT, "Sandboxes", "runner.py")
    modes = ["exec", "serve"] if args.mode == "both" else [args.mode]
    before = snapshot()
    failures = 0
    servers = {}

    import tempfile
    workroot = tempfile.mkdtemp(prefix="assay-rt-root-")

    def base_cmd(mode, fx):
        cmd = [args.sandbox, mode, "--python", "/usr/bin/python3", "--runner", runner, "--slot", str(SLOT),
               "--workdir-root", workroot]
        if fx["profile"]:
            cmd += ["--profile", os.path.join(ROOT, "Sandboxes", fx["profile"] + ".seccomp")]
        return cmd + fx["flags"]

    for mode in modes:
        for fx in fixtures:
            req = make_request(fx, listener.port)
            hits_before = len(listener.hits)
            t0 = time.monotonic()
            if mode == "exec":
                out = subprocess.run(base_cmd(mode, fx), input=(json.dumps(req) + "\n").encode(),
                                     capture_output=True, env=env, timeout=120)
                resp = json.loads(out.stdout) if out.returncode == 0 and out.stdout else {
                    "ok": False, "error": "exit %d: %s" % (out.returncode, out.stderr.decode()[-300:])}
            else:
                key = tuple(base_cmd(mode, fx))
                if key not in servers:
                    servers[key] = Server(list(key))
                resp = servers[key].run(req)
            dt = time.monotonic() - t0
            problems = check_expectations(fx, req, resp)
            time.sleep(0.05)
            survivors = sandbox_processes()
            if survivors:
                problems.append("sandbox-uid processes survive: %s" % survivors)
            if len(listener.hits) != hits_before:
                problems.append("the host listener received %d connection(s)" % (len(listener.hits) - hits_before))
            if mode == "exec":
                appeared = snapshot() - before
                if appeared:
                    problems.append("new host files: %s" % sorted(appeared)[:5])
                if cgroup_leftovers():
                    problems.append("cgroups left: %s" % cgroup_leftovers()[:3])
            verdict = "ok  " if not problems else "FAIL"
            failures += bool(problems)
            rec = record_of(req, resp)
            print("%s %-5s %-28s %5.2fs killed_by=%-7s syscall=%-16s status=%-9s %s" % (
                verdict, mode, fx["name"], dt, resp.get("killed_by"), resp.get("syscall"),
                rec["status"] if rec else "no_result", "; ".join(problems)))
            if args.verbose and problems:
                print("      ", json.dumps({k: resp.get(k) for k in ("error", "exit_code", "signal", "stderr", "result", "cgroup")})[:800])
        for server in servers.values():
            rc = server.close()
            if rc != 0:
                failures += 1
                print("FAIL serve exited with status %d" % rc)
        servers.clear()
        # serve: checks after each server ended
        time.sleep(0.2)
        survivors = sandbox_processes()
        if survivors:
            failures += 1
            print("FAIL %s: sandbox-uid processes survive: %s" % (mode, survivors))
        appeared = snapshot() - before
        if appeared:
            failures += 1
            print("FAIL %s: new host files: %s" % (mode, sorted(appeared)[:5]))
        if cgroup_leftovers():
            failures += 1
            print("FAIL %s: cgroups left: %s" % (mode, cgroup_leftovers()[:3]))
        leftovers = os.listdir(workroot)
        if leftovers:
            failures += 1
            print("FAIL %s: work dirs left: %s" % (mode, leftovers[:3]))
    try:
        os.rmdir(workroot)
    except OSError as exc:
        failures += 1
        print("FAIL cannot remove %s: %s" % (workroot, exc))
    print("%d fixture run(s), %d failure(s); listener port %d received %d connection(s)" % (
        len(fixtures) * len(modes), failures, listener.port, len(listener.hits)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
