"""Runner kind `analyze`: static analysis of many samples in one sandboxed execution.

The samples' code is never executed: it is compiled, parsed, walked and given to `symtable`.
Import checks use `importlib.util.find_spec` in *this* interpreter, which is the interpreter
(and the `-I -S` path) the samples run under, so "does not resolve" means "would not import in
the sandbox".

Request: `kind: "analyze"`, `payload: {"samples": [item, ...]}`, where an item is

    {"id": str, "code": the sample's solution source (prompt + completion, or the full solution),
     "entry_point": str, "reference": the reference solution source (or ""),
     "prompt": the task prompt (or ""),
     "runtime": null or {"error_type", "message", "line", "in_solution", "left", "right", "stdout"}}

Record: `{"status": "passed", "test_returned": true, "asserts_run": <items analysed>,
"analyses": [analysis, ...]}` in request order ("passed" means: the analysis ran to its end).
An analysis holds only facts; the classification is made on the Swift side (Sources/Analysis).
Its members are documented in Sources/Analysis/StaticAnalysis.swift.

Complexity follows Dou et al.'s Scripts/analysis.py: lines of code (non-blank lines that do not
start with `#`, docstrings included), cyclomatic complexity as radon's `cc_visit` computes it,
averaged over its blocks (1 when there is none), and the number of `ast.Call` nodes. Radon's
algorithm is re-implemented below with `ast` (radon is not installed in the sandbox).
"""

import ast
import builtins
import importlib.machinery
import importlib.util
import re
import symtable
import sys

LIST_LIMIT = 10
TEXT_LIMIT = 200

# Usual import aliases (np → numpy, …): a NameError on one of them is a missing import.
ALIASES = {"np": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot", "sns": "seaborn", "tf": "tensorflow",
           "sp": "scipy", "nx": "networkx", "mpl": "matplotlib", "cv2": "cv2", "torch": "torch"}

# Standard-library modules whose exported names are commonly used without their import
# (`defaultdict` without `from collections import defaultdict`). Modules whose exports are
# everyday words (os.path, re.sub, copy.copy, time.time, …) are left out on purpose.
EXPORTING_MODULES = ("collections", "itertools", "functools", "math", "typing", "heapq", "bisect", "string",
                     "statistics", "fractions", "decimal")

ORDER_WORDS = re.compile(r"\b(sort|sorts|sorted|order|ordered|ascending|descending|increasing|decreasing)\b", re.I)


def _clip(text, limit=TEXT_LIMIT):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Complexity (Dou et al.; radon's cc_visit re-implemented)

def lines_of_code(code):
    count = 0
    for line in code.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count


class _Function:
    __slots__ = ("complexity",)

    def __init__(self, complexity):
        self.complexity = complexity


class _Class:
    __slots__ = ("methods", "real_complexity")

    def __init__(self, methods, real_complexity):
        self.methods = methods
        self.real_complexity = real_complexity

    @property
    def complexity(self):
        if not self.methods:
            return self.real_complexity
        methods = len(self.methods)
        return int(self.real_complexity / float(methods)) + (methods > 1)


class ComplexityVisitor(ast.NodeVisitor):
    """radon.visitors.ComplexityVisitor (radon 6.0.1), decision points counted identically."""

    def __init__(self, off=True):
        self.off = off
        self.complexity = 1 if off else 0
        self.functions = []
        self.classes = []

    @property
    def functions_complexity(self):
        return sum(f.complexity for f in self.functions) - len(self.functions)

    @property
    def blocks(self):
        blocks = list(self.functions)
        for cls in self.classes:
            blocks.append(cls)
            blocks.extend(cls.methods)
        return blocks

    def generic_visit(self, node):
        name = node.__class__.__name__
        if name in ("Try", "TryExcept"):
            self.complexity += len(node.handlers) + bool(node.orelse)
        elif name == "BoolOp":
            self.complexity += len(node.values) - 1
        elif name in ("If", "IfExp"):
            self.complexity += 1
        elif name == "Match":
            underscore = any(case for case in node.cases if getattr(case.pattern, "pattern", False) is None)
            self.complexity += max(0, len(node.cases) - underscore)
        elif name in ("For", "While", "AsyncFor"):
            self.complexity += bool(node.orelse) + 1
        elif name == "comprehension":
            self.complexity += len(node.ifs) + 1
        super().generic_visit(node)

    def visit_Assert(self, node):
        self.complexity += 1

    def visit_AsyncFunctionDef(self, node):
        self.visit_FunctionDef(node)

    def visit_FunctionDef(self, node):
        body_complexity = 1
        for child in node.body:
            visitor = ComplexityVisitor(off=False)
            visitor.visit(child)
            body_complexity += visitor.complexity
        self.functions.append(_Function(body_complexity))

    def visit_ClassDef(self, node):
        methods = []
        body_complexity = 1
        for child in node.body:
            visitor = ComplexityVisitor(off=False)
            visitor.visit(child)
            methods.extend(visitor.functions)
            body_complexity += visitor.complexity + visitor.functions_complexity + len(visitor.functions)
        self.classes.append(_Class(methods, body_complexity))


def cyclomatic_complexity(tree):
    visitor = ComplexityVisitor()
    visitor.visit(tree)
    values = [block.complexity for block in visitor.blocks]
    return sum(values) / len(values) if values else 1


def call_count(tree):
    return sum(isinstance(node, ast.Call) for node in ast.walk(tree))


# --------------------------------------------------------------------------------------------
# Names and imports

def _module_resolves(name):
    """True when `import name` would find the module here, without importing it: a top-level
    name is looked up with find_spec (which imports nothing), submodules by path in their
    package's search locations (parents that are not imported yet are not imported now)."""
    if name in sys.modules:
        return True
    parts = name.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError, AttributeError):
        return False
    if spec is None:
        return False
    for index in range(1, len(parts)):
        full = ".".join(parts[: index + 1])
        if full in sys.modules:
            spec = getattr(sys.modules[full], "__spec__", None) or spec
            continue
        parent = sys.modules.get(".".join(parts[:index]))
        locations = getattr(parent, "__path__", None) if parent is not None else spec.submodule_search_locations
        if locations is None:
            return False
        try:
            spec = importlib.machinery.PathFinder.find_spec(full, list(locations))
        except (ImportError, ValueError, AttributeError):
            return False
        if spec is None:
            return False
    return True


_EXPORTS = {}


def _exporter_of(name):
    """The standard-library module (of EXPORTING_MODULES) that exports `name`, if any."""
    if not _EXPORTS:
        for module_name in EXPORTING_MODULES:
            try:
                module = __import__(module_name)
            except BaseException:
                continue
            for attr in dir(module):
                if not attr.startswith("_"):
                    _EXPORTS.setdefault(attr, module_name)
    return _EXPORTS.get(name)


def name_kind(name):
    """What an unbound name most likely was: a module that was not imported, a usual alias of
    one, a name a standard module exports, or nothing known (then None)."""
    if not name:
        return None
    if name in getattr(sys, "stdlib_module_names", ()):
        return {"kind": "stdlib_module", "module": name}
    if name in ALIASES:
        return {"kind": "alias", "module": ALIASES[name]}
    exporter = _exporter_of(name)
    if exporter is not None:
        return {"kind": "stdlib_export", "module": exporter}
    if name.isidentifier() and _module_resolves(name):
        return {"kind": "module", "module": name}
    return None


def undefined_names(code, tree):
    """Names read somewhere but bound nowhere (module level, any scope's globals, builtins)."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            return []  # a module-level star import may bind anything
    table = symtable.symtable(code, "<solution>", "exec")
    bound = set(dir(builtins))
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            bound.add(symbol.get_name())
    candidates = set()

    def walk(scope, top):
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if not symbol.is_referenced():
                continue
            if top:
                if not (symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()):
                    candidates.add(name)
            elif symbol.is_global():
                if symbol.is_declared_global() and symbol.is_assigned():
                    bound.add(name)
                candidates.add(name)
        for child in scope.get_children():
            walk(child, False)

    walk(table, True)
    # `global x; x = 1` inside a function binds x at module level too.
    def collect_globals(scope):
        for symbol in scope.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                bound.add(symbol.get_name())
        for child in scope.get_children():
            collect_globals(child)

    collect_globals(table)
    missing = candidates - bound
    if not missing:
        return []
    lines = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in missing and isinstance(node.ctx, ast.Load):
            line = getattr(node, "lineno", 0)
            if node.id not in lines or line < lines[node.id]:
                lines[node.id] = line
    found = []
    for name in sorted(missing, key=lambda n: (lines.get(n, 0), n)):
        entry = {"name": name, "line": lines.get(name)}
        kind = name_kind(name)
        if kind:
            entry["missing_import"] = kind
        found.append(entry)
    return found[:LIST_LIMIT]


def unresolved_imports(tree):
    found = []
    seen = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.level or 0) == 0 and node.module:
            names = [node.module]
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            if not _module_resolves(name):
                found.append({"module": name, "line": getattr(node, "lineno", None)})
    return found[:LIST_LIMIT]


# --------------------------------------------------------------------------------------------
# The entry point

def _signature(function):
    args = function.args
    positional = len(args.posonlyargs) + len(args.args)
    return {"positional": positional, "required": positional - len(args.defaults),
            "required_keyword": sum(1 for d in args.kw_defaults if d is None),
            "varargs": args.vararg is not None, "kwargs": args.kwarg is not None}


def _find_entry(tree, entry_point):
    found = None
    other = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            found = node
        elif isinstance(node, ast.ClassDef) and node.name == entry_point:
            other = True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == entry_point for t in targets):
                other = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == entry_point for alias in node.names):
                other = True
    return found, other


def _accepts(signature, count):
    if signature["required_keyword"]:
        return False
    if count < signature["required"]:
        return False
    return signature["varargs"] or count <= signature["positional"]


def _body_without_docstring(function):
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _is_stub(function):
    for statement in _body_without_docstring(function):
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # `...` or a stray string
        if isinstance(statement, ast.Raise):
            exc = statement.exc
            target = exc.func if isinstance(exc, ast.Call) else exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                continue
        return False
    return True


def _own_nodes(function):
    """Nodes of a function's body, without descending into nested functions or classes."""
    stack = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _is_constant(node):
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and not node.elts:
        return True
    if isinstance(node, ast.Dict) and not node.keys:
        return True
    return False


def _entry_facts(function):
    params = [a.arg for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs]
    if function.args.vararg:
        params.append(function.args.vararg.arg)
    if function.args.kwarg:
        params.append(function.args.kwarg.arg)
    used = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
    unused = [p for p in params if p not in used and p not in ("self", "cls")]
    returns = [node.value for node in _own_nodes(function) if isinstance(node, ast.Return)]
    constant = all(_is_constant(value) for value in returns)
    return {"stub": _is_stub(function), "unused_parameters": unused[:LIST_LIMIT],
            "all_parameters_unused": bool(params) and len(unused) == len(params),
            "constant_result": constant}


def call_arity_findings(tree):
    """Calls to module-level functions of the sample with a count of arguments they cannot take."""
    functions = {}
    rebound = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name in functions:
                rebound.add(node.name)
            functions[node.name] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in functions:
            rebound.add(node.id)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        name = node.func.id
        if name not in functions or name in rebound:
            continue
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            continue
        target = functions[name]
        signature = _signature(target)
        named = {a.arg for a in target.args.args + target.args.kwonlyargs}
        given = len(node.args)
        keywords = [k.arg for k in node.keywords]
        covered = given + sum(1 for k in keywords if k in {a.arg for a in target.args.args})
        problem = None
        if given > signature["positional"] and not signature["varargs"]:
            problem = "takes %d positional arguments but %d are given" % (signature["positional"], given)
        elif covered < signature["required"]:
            problem = "needs %d arguments but %d are given" % (signature["required"], covered)
        elif not signature["kwargs"] and any(k not in named for k in keywords):
            problem = "unexpected keyword argument"
        if problem:
            found.append({"callee": name, "line": node.lineno, "problem": problem})
            if len(found) >= 5:
                break
    return found


# --------------------------------------------------------------------------------------------
# Wrong values: is the difference only one of form?

def _literal(text):
    if text is None or len(text) > 100_000:
        return None, False
    try:
        return ast.literal_eval(text), True
    except BaseException:
        return None, False


def _plain(value):
    """Type-normalised form: tuples, sets and lists become lists, numbers floats, and
    numeric strings numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(_plain(v) for v in value)
        except TypeError:
            return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_key(k): _plain(v) for k, v in value.items()}
    return value


def _key(k):
    p = _plain(k)
    return tuple(p) if isinstance(p, list) else p


def _map_strings(value, fn):
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map_strings(v, fn) for v in value)
    if isinstance(value, dict):
        return {_map_strings(k, fn): _map_strings(v, fn) for k, v in value.items()}
    return value


def _sorted_deep(value):
    if isinstance(value, (list, tuple)):
        items = [_sorted_deep(v) for v in value]
        try:
            return sorted(items, key=repr)
        except TypeError:
            return items
    if isinstance(value, dict):
        return {k: _sorted_deep(v) for k, v in value.items()}
    return value


def _close(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def format_difference(runtime, prompt):
    """How a wrong value differs from the expected one when only its form is off, or None."""
    left_text, right_text = runtime.get("left"), runtime.get("right")
    left, left_ok = _literal(left_text)
    right, right_ok = _literal(right_text)
    facts = {"order_specified": bool(ORDER_WORDS.search(prompt or ""))}
    if not right_ok:
        return None, facts
    if left_ok and left is None and right is not None:
        stdout = runtime.get("stdout") or ""
        lines = [line.rstrip("\r") for line in stdout.split("\n")]
        if stdout and (str(right) in lines or repr(right) in lines):
            return "printed", facts
    if not left_ok:
        return None, facts
    if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool) \
            and not isinstance(right, bool) and abs(left - right) == 1:
        facts["off_by_one"] = True
    if type(left) is type(right) and isinstance(left, (int, float)) and not isinstance(left, bool):
        if _close(left, right) and left != right:
            return "precision", facts
        return None, facts
    if type(left) is not type(right) and (str(left) == str(right) or _plain(left) == _plain(right)):
        return "type", facts
    if _plain(left) == _plain(right):
        return "type", facts
    if _close(_plain(left), _plain(right)):
        return "precision", facts
    if isinstance(left, str) and isinstance(right, str):
        if left.strip() == right.strip() or " ".join(left.split()) == " ".join(right.split()):
            return "whitespace", facts
    for transform in (str.lower, str.upper, str.title, str.capitalize):
        if _map_strings(right, transform) == left and left != right:
            return "case", facts
    if isinstance(left, (list, tuple, dict)) and _sorted_deep(_plain(left)) == _sorted_deep(_plain(right)):
        return "order", facts
    return None, facts


# --------------------------------------------------------------------------------------------

def _raised_here(tree, line):
    """`raise` or `assert` when the sample's own statement at `line` raises by itself."""
    if not line:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Raise, ast.Assert)) and node.lineno <= line <= getattr(node, "end_lineno", node.lineno):
            return "raise" if isinstance(node, ast.Raise) else "assert"
    return None


def analyze(item):
    code = item.get("code") or ""
    entry_point = item.get("entry_point") or ""
    runtime = item.get("runtime") or {}
    result = {"id": item.get("id")}
    complexity = {"loc": lines_of_code(code), "cc": None, "calls": None}
    result["complexity"] = complexity

    try:
        compile(code, "<solution>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        text = exc.text
        if not text and exc.lineno:  # compiler-stage errors carry no text when the source is a string
            lines = code.split("\n")
            text = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        text = (text or "").rstrip("\n")
        syntax = {"type": type(exc).__name__, "message": _clip(exc.msg), "line": exc.lineno,
                  "offset": exc.offset, "text": _clip(text.strip())}
        if "import *" in (exc.msg or ""):
            syntax["star_import"] = True
        if exc.msg in ("'return' outside function", "'yield' outside function") and text and not text[:1].isspace():
            syntax["column0_body"] = True
        result["syntax"] = syntax
        return result
    except (ValueError, MemoryError, RecursionError) as exc:
        result["syntax"] = {"type": "SyntaxError", "message": _clip("%s: %s" % (type(exc).__name__, exc)), "line": None}
        return result

    tree = ast.parse(code)
    try:
        complexity["cc"] = cyclomatic_complexity(tree)
    except RecursionError:
        pass
    complexity["calls"] = call_count(tree)

    result["undefined_names"] = undefined_names(code, tree)
    result["unresolved_imports"] = unresolved_imports(tree)
    result["call_arity"] = call_arity_findings(tree)

    function, other = _find_entry(tree, entry_point)
    entry = {"defined": function is not None or other}
    if function is not None:
        entry["signature"] = _signature(function)
        entry.update(_entry_facts(function))
        entry["other_functions"] = sum(1 for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))) - 1
    reference = item.get("reference") or ""
    if reference and function is not None:
        try:
            ref_function, _ = _find_entry(ast.parse(reference), entry_point)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            ref_function = None
        if ref_function is not None:
            ref_signature = _signature(ref_function)
            entry["reference_positional"] = ref_signature["positional"]
            entry["arity_mismatch"] = not _accepts(entry["signature"], ref_signature["required"])
    result["entry"] = entry

    if runtime:
        raised = _raised_here(tree, runtime.get("line") if runtime.get("in_solution") else None)
        if raised:
            result["raised_by_solution"] = raised
        error_type = runtime.get("error_type") or ""
        if error_type in ("NameError", "UnboundLocalError"):
            match = re.search(r"name '([^']+)'", runtime.get("message") or "")
            if match:
                result["runtime_name"] = match.group(1)
                kind = name_kind(match.group(1))
                if kind:
                    result["runtime_name_kind"] = kind
        if runtime.get("right") is not None:
            difference, facts = format_difference(runtime, item.get("prompt") or "")
            if difference:
                result["format_difference"] = difference
            result.update(facts)
    return result


def run(request, emit):
    payload = request.get("payload") or {}
    items = payload.get("samples") or []
    analyses = []
    for item in items:
        try:
            analyses.append(analyze(item))
        except BaseException as exc:  # one odd sample must not lose the batch
            analyses.append({"id": item.get("id") if isinstance(item, dict) else None,
                             "failure": _clip("%s: %s" % (type(exc).__name__, exc))})
    emit({"status": "passed", "test_returned": True, "asserts_run": len(analyses), "analyses": analyses})
