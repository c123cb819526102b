"""Runner kind `unittest`: BigCodeBench-style tasks whose tests are a `unittest.TestCase` class.

Loaded by `runner.py` (see PROTOCOL.md, "Runner kinds"); `run(request, emit)` runs one program
(the sample, then the task's test module) and emits one result record with a result per test.

Semantics follow bigcodebench's `unsafe_execute`: the program is executed as a module named
`__test__` (with `sys`, `os` and `environ` pre-bound), registered in `sys.modules`, then the test
class is loaded with `unittest.TestLoader` and run with a plain result object; Python-level
stdout/stderr are swallowed and stdin reads fail. Deliberate differences: every expected test must
report (a skipped test is not a pass), the library environment is set up here (below), and a
failure at module level keeps its exception type.

Defences (sandbox.md §1 principle 5). Unittest-style tests compare inside the untrusted process,
so the verdict is only as good as these in-process checks, which are NOT a security boundary
(frame or gc introspection can reach anything): the sample runs in its own module globals; the
identities of `builtins`, the `unittest` machinery (TestCase, TestResult, TestLoader, TestSuite,
the case module) and their `sys.modules` entries are snapshotted before the program runs and
compared after every test and at the end; the test class must derive from the real TestCase
through classes the tests themselves define; every test the tests define must report exactly
once; the record is built from references taken before the sample ran.

Request `payload` (all optional):
  test_class      name of the TestCase class (default "TestCases")
  module_name     module name the program runs as (default "__test__")
  environment     {NAME: value} set before anything is imported; "{work}" expands to the
                  private per-sample folder (HOME, TMPDIR, …)
  site            true: run `site.main()` first, so a venv interpreter sees its site-packages
                  (the supervisor starts Python with -I -S)
  preload         module names imported before the sample (the anchor preloads matplotlib.pyplot)
  probe_modules   instead of running a program: report which of these top-level modules the
                  interpreter can import ({"modules": {name: true|false|"error"}}), the Python
                  version, and the SHA-256 of the sorted `name==version` list of installed
                  distributions (`packages_sha256`: the environment's identity in run specs)
"""

import ast
import builtins
import io
import os
import sys
import time

REPR_LIMIT = 300
MESSAGE_LIMIT = 1000
TRACEBACK_LIMIT = 2000
SWALLOW_KEEP = 4096

_FRAME_ATTRS = {"_getframe", "f_back", "f_locals", "f_globals", "f_builtins", "tb_frame", "gi_frame",
                "cr_frame", "ag_frame", "settrace", "setprofile", "excepthook", "_current_frames",
                "get_referrers", "get_objects", "get_referents"}
_SCREEN_MODULES = {"gc", "ctypes", "inspect", "atexit", "builtins", "faulthandler", "unittest"}
_RANK = {"passed": 0, "skipped": 1, "expected_failure": 1, "unexpected_success": 2, "failed": 3, "error": 3}


def _load_runner():
    """The runner.py that loads this kind: the module `runner` in the warm worker, `__main__`
    when it runs as a script. Its tamper screen and traceback helper serve here too."""
    for name in ("runner", "__main__"):
        module = sys.modules.get(name)
        if hasattr(module, "tamper_findings"):
            return module
    raise ImportError("kind_unittest is loaded by runner.py (Sandboxes/PROTOCOL.md, \"Runner kinds\")")


_runner = _load_runner()
_innermost_program_line = _runner._innermost_program_line


def _clip(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tail(text, limit):
    text = str(text)
    return text if len(text) <= limit else "..." + text[-(limit - 3):]


def _safe_str(exc):
    try:
        return str(exc)
    except BaseException as inner:  # a hostile __str__ must not break the runner
        return "<unprintable %s: %s>" % (type(exc).__name__, type(inner).__name__)


# --------------------------------------------------------------------------------------------
# Static screen of the sample's own lines (reported as `tamper`, not decisive)

def screen(tree, last_line):
    """The runner's tamper screen with this kind's rules (see `tamper_findings` in runner.py)."""
    return _runner.tamper_findings(tree, last_line, _FRAME_ATTRS, _SCREEN_MODULES, unittest=True)


def expected_tests(tree, first_line, class_name):
    """Test method names of `class_name` (and of its bases defined in the tests), from the source."""
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.lineno >= first_line:
            classes[node.name] = node  # the last definition wins, as at run time

    def collect(name, seen):
        node = classes.get(name)
        if node is None or name in seen:
            return []
        seen.add(name)
        names = []
        for base in node.bases:
            if isinstance(base, ast.Name):
                names += collect(base.id, seen)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("test"):
                names.append(stmt.name)
        return names

    if class_name not in classes:
        return None, set()
    ordered = []
    for name in collect(class_name, set()):
        if name not in ordered:
            ordered.append(name)
    return ordered, set(classes)


# --------------------------------------------------------------------------------------------
# Identity snapshots of what the verdict depends on

def _snapshot(targets):
    shot = {}
    for label, namespace in targets:
        try:
            items = list(namespace.items())
        except BaseException:
            items = []
        shot[label] = {key: id(value) for key, value in items}
    return shot


def _diff(before, after, additions_matter):
    changes = []
    for label, old in before.items():
        new = after.get(label, {})
        for key, ident in old.items():
            if key not in new:
                changes.append("deleted %s.%s" % (label, key))
            elif new[key] != ident:
                changes.append("replaced %s.%s" % (label, key))
        if label in additions_matter:
            for key in new:
                if key not in old:
                    changes.append("added %s.%s" % (label, key))
    return changes


class _Swallow(io.TextIOBase):
    """stdout/stderr stand-in: keeps the first bytes for diagnostics, drops the rest."""

    def __init__(self):
        self.kept = []
        self.size = 0
        self.total = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.total += len(text)
        if self.size < SWALLOW_KEEP:
            piece = text[: SWALLOW_KEEP - self.size]
            self.kept.append(piece)
            self.size += len(piece)
        return len(text)

    def flush(self):
        pass


class _NoInput(io.StringIO):
    """stdin stand-in: reading fails, as in the anchor (WriteOnlyStringIO)."""

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        return False


# --------------------------------------------------------------------------------------------

def _prepare(payload):
    """Private folders, environment and import path, before anything of the task is imported."""
    base = os.getcwd()
    work = os.path.join(base, "work")
    for sub in ("work", "home", "tmp"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    environment = payload.get("environment") or {}
    for name, value in environment.items():
        os.environ[str(name)] = str(value).replace("{work}", base)
    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "/usr/bin:/bin")
    if bindir and bindir not in path.split(":"):
        os.environ["PATH"] = bindir + ":" + path
    if "TZ" in environment:
        time.tzset()
    if payload.get("site"):
        import site
        site.main()
    os.chdir(work)


_NETWORK_EVENTS = {"socket.getaddrinfo": 0, "socket.gethostbyname": 0, "socket.gethostbyaddr": 0,
                   "socket.getnameinfo": 0, "socket.connect": 1, "socket.sendto": 1}
_LOOPBACK = ("localhost", "127.", "::1", "0.0.0.0")


def _network_watch():
    """Audit hook listing the non-loopback network operations the program really attempted (mocked
    calls never reach the socket module, so they are not listed). The ground-truth gate uses it to
    tell 'needs the network' from a wrong answer."""
    attempts = []

    def hook(event, args):
        if event not in _NETWORK_EVENTS or len(attempts) >= 5:
            return
        try:
            target = args[_NETWORK_EVENTS[event]]
            host = target[0] if isinstance(target, tuple) else target
            if not isinstance(host, (str, bytes)):
                return
            if isinstance(host, bytes):
                host = host.decode("ascii", "replace")
            if not host or host.startswith(_LOOPBACK) or host.startswith("/"):
                return
            entry = "%s %s" % (event[7:], host[:100])
            if entry not in attempts:
                attempts.append(entry)
        except BaseException:
            pass

    sys.addaudithook(hook)
    return attempts


def _probe(names):
    import importlib.util
    found = {}
    for name in names:
        try:
            found[name] = importlib.util.find_spec(str(name)) is not None
        except BaseException as exc:  # a broken package: present but not importable
            found[name] = "error: %s" % type(exc).__name__
    return found


def _packages():
    """`name==version` of every installed distribution, sorted: the environment's identity."""
    import importlib.metadata
    seen = set()
    for dist in importlib.metadata.distributions():
        try:
            name = (dist.metadata["Name"] or "").lower().replace("_", "-")
            seen.add("%s==%s" % (name, dist.version))
        except BaseException:
            pass
    return sorted(seen)


def run(request, emit):
    payload = request.get("payload") or {}
    started = time.monotonic()
    record = {"kind": "unittest", "status": "error", "tests": [], "tests_expected": 0, "tests_run": 0,
              "asserts_run": 0, "test_returned": False}

    try:
        _prepare(payload)
    except BaseException as exc:
        record.update(error_type="HarnessError", message="environment set-up failed: %s: %s" % (type(exc).__name__, _safe_str(exc)))
        return emit(record)

    network = _network_watch()
    plain_emit = emit

    def emit(record):
        if network:
            record["network"] = list(network)
        return plain_emit(record)

    if payload.get("probe_modules") is not None:
        import hashlib
        packages = _packages()
        record.update(status="passed", modules=_probe(payload["probe_modules"]), test_returned=True,
                      python=sys.version.split()[0], prefix=sys.prefix, packages=len(packages),
                      packages_sha256=hashlib.sha256("\n".join(packages).encode()).hexdigest())
        return emit(record)

    program = request["program"]
    solution_end = int(request.get("solution_end_line") or 0)
    class_name = str(payload.get("test_class") or "TestCases")
    module_name = str(payload.get("module_name") or "__test__")
    filename = module_name + ".py"

    # Trusted references, taken before any of the task's code runs.
    import linecache
    import traceback
    import types
    import unittest
    import unittest.case
    import unittest.mock  # noqa: F401  (tests patch through it; snapshot it too)
    TestCase = unittest.TestCase
    TestResult = unittest.TestResult
    TestSuite = unittest.TestSuite
    loader = unittest.TestLoader()
    format_exception = traceback.format_exception
    monotonic = time.monotonic
    real_issubclass = issubclass
    real_isinstance = isinstance
    real_type = type
    modules = sys.modules
    real_unittest = unittest

    for name in payload.get("preload") or []:
        try:
            __import__(str(name))
        except BaseException:
            pass

    # As the anchor's reliability_guard: exit() and quit() are not available to the program.
    builtins.exit = None
    builtins.quit = None

    def syntax_error(exc):
        line = getattr(exc, "lineno", None)
        record.update(error_type=type(exc).__name__, message=_clip(getattr(exc, "msg", None) or exc, MESSAGE_LIMIT),
                      line=line, in_solution=(line is not None and line <= solution_end))
        return emit(record)

    try:
        tree = ast.parse(program, filename)
    except (SyntaxError, ValueError) as exc:
        return syntax_error(exc)
    record["tamper"] = screen(tree, solution_end)
    names, test_classes = expected_tests(tree, solution_end + 1, class_name)
    if names is None:
        record.update(error_type="HarnessError", message="the tests define no class %s" % class_name)
        return emit(record)
    record["tests_expected"] = len(names)
    try:
        code = compile(tree, filename, "exec")
    except SyntaxError as exc:
        return syntax_error(exc)
    # Tracebacks show source lines.
    lines = program.splitlines(True)
    linecache.cache[filename] = (len(program), None, lines, filename)

    watched = [("builtins", builtins.__dict__), ("unittest", unittest.__dict__),
               ("unittest.case", unittest.case.__dict__), ("TestCase", TestCase.__dict__),
               ("TestResult", TestResult.__dict__), ("TestSuite", TestSuite.__dict__),
               ("BaseTestSuite", unittest.suite.BaseTestSuite.__dict__),
               ("TestLoader", unittest.TestLoader.__dict__),
               ("sys.modules", {k: modules.get(k) for k in ("builtins", "unittest", "unittest.case", "unittest.suite",
                                                             "unittest.loader", "unittest.result", "unittest.mock",
                                                             "traceback", "linecache")})]
    # Additions count only on the classes; modules gain submodules and caches legitimately.
    strict = {"TestCase", "TestResult", "TestSuite", "BaseTestSuite", "TestLoader"}

    def current():
        live = [(label, ns) for label, ns in watched[:-1]]
        live.append(("sys.modules", {k: modules.get(k) for k in watched[-1][1]}))
        return _snapshot(live)

    before = _snapshot(watched)
    tampered = []

    seen_changes = set()

    def check(where):
        for change in _diff(before, current(), strict):
            if change not in seen_changes and len(tampered) < 20:
                seen_changes.add(change)
                tampered.append("%s (%s)" % (change, where))

    module = types.ModuleType(module_name)
    module.__dict__.update({"__builtins__": builtins, "__file__": filename, "__package__": None, "__doc__": None,
                            "sys": sys, "os": os, "environ": os.environ})
    sink = _Swallow()
    saved = (sys.stdout, sys.stderr, sys.stdin)
    sys.stdout, sys.stderr, sys.stdin = sink, sink, _NoInput()

    def restore():
        sys.stdout, sys.stderr, sys.stdin = saved

    def tail_of(exc):
        try:
            text = "".join(format_exception(type(exc), exc, exc.__traceback__))
        except BaseException:
            text = "%s: %s" % (type(exc).__name__, _safe_str(exc))
        return _tail(text, TRACEBACK_LIMIT)

    # ---- the program: the sample, then the test module ----
    try:
        exec(code, module.__dict__)
        modules[module_name] = module
    except BaseException as exc:
        restore()
        line = _innermost_program_line(exc.__traceback__, filename)
        record.update(error_type=type(exc).__name__, message=_clip(_safe_str(exc), MESSAGE_LIMIT), line=line,
                      in_solution=line is not None and line <= solution_end, traceback=tail_of(exc),
                      wall_s=round(monotonic() - started, 3))
        check("after the module ran")
        if tampered:
            record["tampered"] = tampered
        exc.__traceback__ = None
        return emit(record)
    check("after the module ran")

    # ---- the test class must be the tests' own, derived from the real TestCase ----
    cls = module.__dict__.get(class_name)
    problem = None
    if not (real_isinstance(cls, real_type) and real_issubclass(cls, TestCase)):
        problem = "%s is not a unittest.TestCase class" % class_name
    else:
        # Classes the program defines must be the tests' own (bound under their name after the
        # tests ran, methods below the sample's lines); library classes (unittest's, pyfakefs's
        # TestCase, …) must hold no code from the program.
        for klass in cls.__mro__:
            if klass is object:
                continue
            in_program = klass.__module__ == module_name
            if in_program and (klass.__name__ not in test_classes or module.__dict__.get(klass.__name__) is not klass):
                problem = "%s derives from %s, which the tests do not define" % (class_name, klass.__qualname__)
                break
            for attr, value in list(vars(klass).items()):
                try:
                    code_obj = getattr(getattr(value, "__func__", value), "__code__", None)
                except BaseException:
                    code_obj = None
                if code_obj is not None and code_obj.co_filename == filename and \
                        (not in_program or code_obj.co_firstlineno <= solution_end):
                    problem = "%s.%s is defined by the sample, not the tests" % (klass.__qualname__, attr)
                    break
            if problem:
                break
    if problem:
        restore()
        tampered.append(problem)
        record.update(status="failed", error_type="Tampering", message=problem, tampered=tampered)
        return emit(record)

    loaded = list(loader.getTestCaseNames(cls))
    missing_from_loader = [n for n in names if n not in loaded]
    if missing_from_loader:
        tampered.append("the loader does not see %s" % ", ".join(missing_from_loader))
    order = names + [n for n in loaded if n not in names]

    outcomes = {}
    class_errors = []

    def put(test, status, err=None, result=None):
        try:
            test_id = test.id()
        except BaseException:
            test_id = "?"
        name = test_id.rsplit(".", 1)[-1]
        if not real_isinstance(test, cls):
            class_errors.append({"name": _clip(test_id, REPR_LIMIT), "status": status,
                                 "error_type": err[0].__name__ if err else None,
                                 "message": _clip(_safe_str(err[1]), MESSAGE_LIMIT) if err else ""})
            return
        entry = outcomes.get(name)
        if entry is None:
            entry = outcomes[name] = {"name": name, "status": "passed", "error_type": None, "message": "",
                                      "traceback": None}
        # A test's result is its worst event; the first failure is the one kept (subtests can add more).
        if entry["status"] in ("failed", "error") or _RANK[status] <= _RANK[entry["status"]]:
            return
        entry["status"] = status
        if err is not None:
            entry["error_type"] = err[0].__name__
            entry["message"] = _clip(_safe_str(err[1]), MESSAGE_LIMIT)
            text = None
            if result is not None:
                try:
                    text = result._exc_info_to_string(err, test)
                except BaseException:
                    text = None
            entry["traceback"] = _tail(text or "%s: %s" % (err[0].__name__, entry["message"]), TRACEBACK_LIMIT)

    class Recorder(TestResult):
        def startTest(self, test):
            TestResult.startTest(self, test)
            self._assay_t0 = monotonic()

        def stopTest(self, test):
            TestResult.stopTest(self, test)
            try:
                name = test.id().rsplit(".", 1)[-1]
                if name in outcomes:
                    outcomes[name]["wall_s"] = round(monotonic() - self._assay_t0, 3)
            except BaseException:
                pass
            check("after %s" % getattr(test, "_testMethodName", "a test"))

        def addSuccess(self, test):
            TestResult.addSuccess(self, test)
            put(test, "passed")

        def addFailure(self, test, err):
            TestResult.addFailure(self, test, err)
            put(test, "failed", err, self)

        def addError(self, test, err):
            TestResult.addError(self, test, err)
            put(test, "error", err, self)

        def addSkip(self, test, reason):
            TestResult.addSkip(self, test, reason)
            put(test, "skipped", (unittest.SkipTest, unittest.SkipTest(reason), None))

        def addExpectedFailure(self, test, err):
            TestResult.addExpectedFailure(self, test, err)
            put(test, "expected_failure", err, self)

        def addUnexpectedSuccess(self, test):
            TestResult.addUnexpectedSuccess(self, test)
            put(test, "unexpected_success")

        def addSubTest(self, test, subtest, err):
            TestResult.addSubTest(self, test, subtest, err)
            if err is not None:
                failure = real_issubclass(err[0], test.failureException)
                put(test, "failed" if failure else "error", err, self)

    result = Recorder()
    crashed = None
    try:
        suite = TestSuite([cls(name) for name in order if name in loaded])
        suite.run(result)
    except BaseException as exc:  # KeyboardInterrupt and friends escape unittest's own handling
        crashed = exc
    restore()
    check("after the tests")

    tests = []
    for name in order:
        entry = outcomes.get(name)
        if entry is None:
            tests.append({"name": name, "status": "not_run", "error_type": None,
                          "message": "the test did not report a result", "traceback": None})
            continue
        entry.pop("events", None)
        tests.append(entry)
    record["tests"] = tests
    record["tests_run"] = sum(1 for t in tests if t["status"] != "not_run")
    record["asserts_run"] = sum(1 for t in tests if t["status"] == "passed")
    record["wall_s"] = round(monotonic() - started, 3)
    if sink.total:
        record["output_chars"] = sink.total
    if class_errors:
        record["class_errors"] = class_errors[:10]
    if crashed is not None:
        record.update(error_type=real_type(crashed).__name__, message=_clip(_safe_str(crashed), MESSAGE_LIMIT),
                      traceback=tail_of(crashed))
        crashed.__traceback__ = None

    if tampered:
        record.update(status="failed", error_type="Tampering", message=tampered[0], tampered=tampered)
        return emit(record)
    bad = [t for t in tests if t["status"] != "passed"]
    if crashed is None and not bad and not class_errors and len(tests) > 0 and len(tests) >= len(names):
        record.update(status="passed", test_returned=True)
        return emit(record)
    first_failure = next((t for t in bad if t["status"] == "failed"), None)
    first = first_failure or (bad[0] if bad else None)
    record["status"] = "failed" if first_failure is not None else "error"
    if crashed is None:
        if first is not None:
            record["error_type"] = first["error_type"] or {"not_run": "NotRun", "skipped": "Skipped",
                                                           "unexpected_success": "UnexpectedSuccess"}.get(first["status"], "Error")
            record["message"] = "%s: %s" % (first["name"], first["message"])
        elif class_errors:
            record["error_type"] = class_errors[0]["error_type"] or "Error"
            record["message"] = "%s: %s" % (class_errors[0]["name"], class_errors[0]["message"])
        else:
            record["error_type"] = "NoTests"
            record["message"] = "the test class has no tests"
    return emit(record)
