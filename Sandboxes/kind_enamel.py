"""Runner kind `enamel`: one level of one ENAMEL problem, for one piece of code, timed.

Request (see Sandboxes/PROTOCOL.md): `program` is the code under test as the anchor assembles it
(`prompt + "\\n" + solution`, or `prompt + "\\n" + reference_solution` for the expert reference);
`entry_point` is the function to call. `payload`:

    {"prompt", "input_generator", "reference_solution", "checker", "entry_point",
     "index": problem number (0-based row of enamel.csv), "seed", "n_tests": [..], "sizes": [..],
     "level": j, "reps": R, "limit_s": T + tolerance (CPU seconds) or null, "wall_factor": 5}

What the kind does, in one fresh process (so nothing carries over between runs):
1. generates the level's inputs exactly as ENAMEL does (`random.seed(seed ^ index ^ (offset_j + k))`,
   then `generate_input(size=s_j, lid=j, cid=k)`), with one change: sets built by the generator
   iterate in a stable order. ENAMEL's generators for problems 7, 64 and 80 pick from `list(set(...))`
   of strings, whose order depends on the per-process string hash seed; here it does not, so the
   inputs are identical on every run;
2. computes the expected answers with the reference solution (untimed);
3. runs the code under test R times per test: each repetition executes the program afresh in a new
   namespace (as the anchor does, so module-level caches do not carry over), deep-copies the input,
   and times only the call `entry_point(*input)` in CPU time (the calling thread's clock, exact to
   the nanosecond; the process clock when other threads did more than 10 ms of the work; garbage
   collector off),
   under a CPU-time limit (`limit_s`, SIGPROF) and a generous wall-clock backstop (SIGALRM);
4. checks every output with the problem's checker, on a strict copy of the output (exact builtin
   types only, so an object with a rigged `__eq__` cannot pass);
5. re-measures outliers: a repetition over twice the median of its test's repetitions is timed
   again (at most R extra calls per test), since such values come from interrupts and preemption.

Record: `{"status": "completed", "times_ns": [[per repetition] per test], "digest": …}`, or
`{"status": "limit", "error_type": "Timeout"|"MemoryError"|"OverflowError", "test": k}`, or
`{"status": "failed", "error_type": …, "message": …, "test": k}` (wrong output or another exception),
plus `"tests_digest"` (SHA-256 of the canonical inputs and answers) and `"tamper"` findings.

The answers live in this process while the sample runs: a sample that digs them out through gc or
frame introspection is flagged (`tamper`), not prevented.
"""

import ast
import builtins
import copy
import gc
import hashlib
import os
import random
import signal
import string
import sys
import time

_BUILTINS = dict(builtins.__dict__)
_process_ns = time.process_time_ns
_thread_ns = time.thread_time_ns
# Work done in other threads counts once it exceeds what the coarse process clock can miss: with a
# process CPU timer armed (RLIMIT_CPU, ITIMER_PROF) Linux advances CLOCK_PROCESS_CPUTIME_ID only at
# scheduler ticks, while CLOCK_THREAD_CPUTIME_ID stays exact to the nanosecond.
_OTHER_THREADS_NS = 10_000_000


# --------------------------------------------------------------------------------------------
# ENAMEL's generator helpers. These reproduce the behaviour of `enam/datautils.py` (q-rz/enamel,
# Apache-2.0), including the exact sequence of calls to `random`, so generated inputs match the
# anchor's for the same seed.

def rand_parens(size, valid=True, par='()', sep=''):
    if not valid:
        assert sep == ''
        half = (size + 1) // 2 - 1
        return rand_parens(size=half, valid=True, par=par) + par[1] + par[0] + rand_parens(size=half, valid=True, par=par)
    size += size % 2
    groups = []
    depth = 0
    for i in range(size):
        if depth == 0 or (depth < size - i and random.randint(0, 1)):
            if depth == 0:
                groups.append([])
            groups[-1].append(par[0])
            depth += 1
        else:
            groups[-1].append(par[1])
            depth -= 1
    groups = [''.join(group) for group in groups]
    if sep is not None:
        groups = sep.join(groups)
    return groups


def miller_rabin(n, k=5):
    if n == 2 or n == 3:
        return True
    if n == 1 or n % 2 == 0:
        return False
    r, d = 0, n - 1
    while d % 2 == 0:
        r += 1
        d //= 2
    for _ in range(k):
        x = pow(random.randint(2, n - 2), d, n)
        if x == 1 or x == n - 1:
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def rand_probably_prime(lb, ub=None):
    if ub is None:
        lb = max(lb, 3)
        lb, ub = lb // 2, lb
    else:
        lb = max(lb, 0)
        ub = max(lb * 2, ub, 3)
    p = random.randint(lb, ub)
    while not miller_rabin(p):
        p = random.randint(lb, ub)
    return p


def rand_primality(size, lid, cid):
    size = max(size, 4)
    if lid == 0 and cid < 4:
        return [2 * 3 * 5 * 7 * 11 * 13 + 1, 561, 2, 125][cid]
    if cid % 3 == 0:
        return rand_probably_prime(size)
    m = int(size ** 0.5 + 1)
    if cid % 3 == 1:
        return rand_probably_prime(m) ** 2
    return rand_probably_prime(m) * rand_probably_prime(m)


def _generator_scope():
    # ENAMEL: dict(time=time, **vars(datautils)); datautils imports random and string.
    return {"__builtins__": dict(_BUILTINS), "time": time, "random": random, "string": string,
            "rand_parens": rand_parens, "miller_rabin": miller_rabin,
            "rand_probably_prime": rand_probably_prime, "rand_primality": rand_primality,
            "set": _StableSet, "frozenset": _StableFrozenSet, "__assay_set": _StableSet}


# --------------------------------------------------------------------------------------------
# Stable set iteration for generators (see the module docstring).

def _order_key(value):
    return (type(value).__name__, repr(value))


class _StableSet(set):
    def __iter__(self):
        return iter(sorted(set.__iter__(self), key=_order_key))

    def _wrap(method):
        def wrapped(self, *args):
            result = method(self, *args)
            return _StableSet(set.__iter__(result)) if isinstance(result, (set, frozenset)) else result
        return wrapped

    def _reflected(method):
        def wrapped(self, other):
            if not isinstance(other, (set, frozenset)):
                return NotImplemented
            return _StableSet(set.__iter__(method(set(other), set(self))))
        return wrapped

    __sub__ = _wrap(set.__sub__)
    __or__ = _wrap(set.__or__)
    __and__ = _wrap(set.__and__)
    __xor__ = _wrap(set.__xor__)
    __rsub__ = _reflected(set.__sub__)
    __ror__ = _reflected(set.__or__)
    __rand__ = _reflected(set.__and__)
    __rxor__ = _reflected(set.__xor__)
    difference = _wrap(set.difference)
    union = _wrap(set.union)
    intersection = _wrap(set.intersection)
    symmetric_difference = _wrap(set.symmetric_difference)
    copy = _wrap(set.copy)
    del _wrap, _reflected


class _StableFrozenSet(frozenset):
    def __iter__(self):
        return iter(sorted(frozenset.__iter__(self), key=_order_key))


class _StableSets(ast.NodeTransformer):
    """Routes set displays and set comprehensions through `__assay_set`."""

    def _wrap(self, node):
        self.generic_visit(node)
        call = ast.Call(func=ast.Name(id="__assay_set", ctx=ast.Load()), args=[node], keywords=[])
        return ast.copy_location(call, node)

    visit_Set = _wrap
    visit_SetComp = _wrap


def _plain(value):
    """Generator output with the stable sets turned back into builtin sets."""
    if isinstance(value, _StableFrozenSet):
        return frozenset(_plain(v) for v in frozenset.__iter__(value))
    if isinstance(value, _StableSet):
        return set(_plain(v) for v in set.__iter__(value))
    kind = type(value)
    if kind is list:
        return [_plain(v) for v in value]
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------
# Strict copies and canonical digests

class _Unsupported(Exception):
    pass


_ATOMS = (int, float, bool, str, bytes, complex, type(None))


def _strict(value, depth=0):
    """A copy of `value` built only from exact builtin types; anything else is refused."""
    if depth > 200:
        raise _Unsupported("nested deeper than 200 levels")
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is list:
        return [_strict(v, depth + 1) for v in value]
    if kind is tuple:
        return tuple(_strict(v, depth + 1) for v in value)
    if kind is dict:
        return {_strict(k, depth + 1): _strict(v, depth + 1) for k, v in dict.items(value)}
    if kind is set:
        return {_strict(v, depth + 1) for v in set.__iter__(value)}
    if kind is frozenset:
        return frozenset(_strict(v, depth + 1) for v in frozenset.__iter__(value))
    raise _Unsupported("output of type %s (only builtin types are accepted)" % kind.__name__)


def _canon(value, out):
    kind = type(value)
    if kind in (list, tuple):
        out.append("L(" if kind is list else "T(")
        for v in value:
            _canon(v, out)
            out.append(",")
        out.append(")")
    elif kind is dict:
        parts = []
        for k, v in value.items():
            item = []
            _canon(k, item)
            item.append(":")
            _canon(v, item)
            parts.append("".join(item))
        out.append("D(" + ",".join(sorted(parts)) + ")")
    elif kind in (set, frozenset, _StableSet, _StableFrozenSet):
        parts = []
        for v in (set.__iter__(value) if isinstance(value, set) else frozenset.__iter__(value)):
            item = []
            _canon(v, item)
            parts.append("".join(item))
        out.append("S(" + ",".join(sorted(parts)) + ")")
    elif kind is int:
        out.append("int:" + hex(value))  # hex: no digit limit for huge integers
    else:
        out.append(kind.__name__ + ":" + repr(value))


def _digest(tests):
    out = []
    _canon([[t[0], t[1]] for t in tests], out)
    return hashlib.sha256("".join(out).encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------------------------
# Time limits inside the process (the supervisor's limits are the backstop)

def _calibrate():
    """CPU time of a fixed piece of interpreter work (best of 3, ns): how fast this CPU runs for us
    right now. Under contention from other virtual machines or processes (stolen cycles, cache and
    memory bandwidth) it grows with the timings, so the Swift side re-runs a process whose
    calibration is well above the run's best."""
    best = None
    for _ in range(3):
        t0 = _thread_ns()
        x = 0
        for i in range(10000):
            x += i * i % 7
        elapsed = _thread_ns() - t0
        best = elapsed if best is None or elapsed < best else best
    return best


class _Timeout(BaseException):
    pass


class _Sink:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


# --------------------------------------------------------------------------------------------

def _generate(payload):
    prompt = payload["prompt"]
    index = int(payload["index"])
    seed = int(payload["seed"])
    level = int(payload["level"])
    n_tests = [int(n) for n in payload["n_tests"]]
    size = int(payload["sizes"][level])
    offset = sum(n_tests[:level])
    source = prompt + "\n" + payload["input_generator"] + "\n"
    tree = _StableSets().visit(ast.parse(source, "<generator>"))
    ast.fix_missing_locations(tree)
    code = compile(tree, "<generator>", "exec")
    inputs = []
    for k in range(n_tests[level]):
        scope = _generator_scope()
        exec(code, scope)
        random.seed(seed ^ index ^ (offset + k))
        inputs.append(_plain(scope["generate_input"](size=size, lid=level, cid=k)))
    return inputs


def _answers(payload, inputs):
    program = compile(payload["prompt"] + "\n" + payload["reference_solution"] + "\n", "<reference>", "exec")
    answers = []
    for test_input in inputs:
        scope = {"__builtins__": dict(_BUILTINS), "time": time}
        exec(program, scope)
        answers.append(scope[payload["entry_point"]](*copy.deepcopy(test_input)))
    return answers


def run(request, emit):
    payload = request.get("payload") or {}
    record = {"status": "failed", "test": None, "python": sys.version.split()[0]}
    try:
        entry_point = payload["entry_point"]
        level = int(payload["level"])
        reps = int(payload["reps"])
        limit_s = payload.get("limit_s")
        wall_factor = float(payload.get("wall_factor") or 5)
    except (KeyError, TypeError, ValueError) as exc:
        record.update(status="error", error_type="HarnessError", message="bad enamel payload: %r" % (exc,))
        return emit(record)

    calibration = [_calibrate()]
    record["calibration_ns"] = calibration
    # 1–2. Inputs and answers: trusted dataset code, before any sample code is loaded.
    started = _process_ns()
    try:
        inputs = _generate(payload)
        answers = _answers(payload, inputs)
    except BaseException as exc:
        record.update(status="error", error_type="HarnessError",
                      message="generating the tests failed: %s: %s" % (type(exc).__name__, str(exc)[:300]))
        return emit(record)
    record["tests_digest"] = _digest(list(zip(inputs, answers)))
    record["generate_ms"] = (_process_ns() - started) / 1e6
    try:
        checker = compile(payload["prompt"] + "\n    pass\n" + payload["checker"] + "\n", "<checker>", "exec")
    except SyntaxError as exc:
        record.update(status="error", error_type="HarnessError", message="checker: %s" % exc)
        return emit(record)

    # 3. The code under test.
    program = request.get("program") or ""
    solution_end = int(request.get("solution_end_line") or 0)
    try:
        tree = ast.parse(program, "<program>")
        finder = getattr(sys.modules.get("runner"), "tamper_findings", None) \
            or getattr(sys.modules.get("__main__"), "tamper_findings", None)
        if finder is not None and payload.get("role") != "reference":
            record["tamper"] = finder(tree, solution_end)
        code = compile(tree, "<program>", "exec")
    except (SyntaxError, ValueError) as exc:
        record.update(status="failed", error_type="SyntaxError", message=str(exc)[:300], test=0)
        return emit(record)

    state = {"fired": 0, "test": 0}

    def on_limit(signum, frame):
        state["fired"] += 1
        if state["fired"] == 1:
            raise _Timeout()
        # The sample swallowed the first timeout and kept going: end the process now.
        record.update(status="limit", error_type="Timeout", message="kept running after the time limit",
                      test=state["test"])
        emit(record)
        os._exit(0)

    setitimer = signal.setitimer
    if limit_s is not None:
        limit_s = float(limit_s)
        signal.signal(signal.SIGPROF, on_limit)
        signal.signal(signal.SIGALRM, on_limit)
    saved_streams = (sys.stdout, sys.stderr)
    sink = _Sink()
    deepcopy = copy.deepcopy
    def measure(k, test_input):
        """Runs the program afresh and times one call; returns (failure or None, elapsed ns)."""
        namespace = {"__builtins__": dict(_BUILTINS), "time": time, "input": None, "print": None}
        args = deepcopy(test_input)
        failure = None
        elapsed = 0
        output = None
        sys.stdout, sys.stderr = sink, sink
        try:
            exec(code, namespace)
            function = namespace[entry_point]
            state["fired"] = 0
            if limit_s is not None:
                setitimer(signal.ITIMER_PROF, limit_s, 0.05)
                setitimer(signal.ITIMER_REAL, limit_s * wall_factor + 0.5, 0.05)
            gc.disable()
            p0 = _process_ns()
            t0 = _thread_ns()
            output = function(*args)
            t1 = _thread_ns()
            p1 = _process_ns()
            gc.enable()
            if limit_s is not None:
                setitimer(signal.ITIMER_PROF, 0)
                setitimer(signal.ITIMER_REAL, 0)
            elapsed = t1 - t0
            if p1 - p0 > elapsed + _OTHER_THREADS_NS:
                elapsed = p1 - p0
            if limit_s is not None and elapsed >= limit_s * 1e9:
                raise _Timeout()
        except _Timeout:
            failure = ("limit", "Timeout", "")
        except MemoryError:
            failure = ("limit", "MemoryError", "")
        except OverflowError as exc:
            failure = ("limit", "OverflowError", str(exc)[:300])
        except BaseException as exc:
            failure = ("failed", type(exc).__name__, str(exc)[:300])
        finally:
            if limit_s is not None:
                setitimer(signal.ITIMER_PROF, 0)
                setitimer(signal.ITIMER_REAL, 0)
            gc.enable()
            sys.stdout, sys.stderr = saved_streams
        namespace = args = None
        if failure is None:
            # 4. The checker, on a strict copy of the output.
            try:
                clean = _strict(output)
                scope = {"__builtins__": dict(_BUILTINS), "time": time}
                exec(checker, scope)
                accepted = bool(scope["__check"](test_input, answers[k], clean))
                message = "" if accepted else "wrong output"
            except _Unsupported as exc:
                accepted, message = False, str(exc)
            except RecursionError:
                accepted, message = False, "output nested too deeply"
            except BaseException as exc:
                accepted, message = False, "checker raised %s: %s" % (type(exc).__name__, str(exc)[:200])
            if not accepted:
                failure = ("failed", "WrongOutput", message)
        return failure, elapsed

    times = []
    remeasured = 0
    for k, test_input in enumerate(inputs):
        test_times = []
        state["test"] = k
        for rep in range(reps):
            failure, elapsed = measure(k, test_input)
            if failure is not None:
                record.update(status=failure[0], error_type=failure[1], message=failure[2], test=k, rep=rep)
                return emit(record)
            test_times.append(elapsed)
        # Outliers: a repetition over twice the median of its test was almost always hit by an
        # interrupt or a preemption (they cost tens of microseconds of CPU time in the timed region).
        # Measure it again, at most `reps` extra calls per test; the new value replaces it.
        budget = reps if reps > 1 else 0
        while budget > 0:
            median = sorted(test_times)[len(test_times) // 2]
            worst = max(range(len(test_times)), key=test_times.__getitem__)
            if test_times[worst] <= 2 * median:
                break
            failure, elapsed = measure(k, test_input)
            if failure is not None:
                record.update(status=failure[0], error_type=failure[1], message=failure[2], test=k, rep=worst)
                return emit(record)
            test_times[worst] = elapsed
            remeasured += 1
            budget -= 1
        times.append(test_times)
    record["remeasured"] = remeasured
    calibration.append(_calibrate())
    record.update(status="completed", times_ns=times, test=None)
    return emit(record)
