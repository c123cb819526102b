"""Runner kind `io`: call a function on many inputs and report its outputs, never a verdict.

Used for HumanEval+ (and later MBPP+/ENAMEL-style) input/output tasks. The sample's code is
executed (`exec`, fresh globals per split, stdout/stderr swallowed as evalplus does), then the
entry point is called on each input. Each output is serialised with its exact builtin type
("typed JSON", below) and written to the result channel as it is produced; Swift compares it
with the expected output outside the sandbox (Sandboxes/PROTOCOL.md, kind `io`). The expected
outputs never enter the sandbox, so a sample can only pass by computing the right values.

Request payload:
  mode         "truth" (canonical solution: deep-copy each input, time each call, no per-input
               limit) or "check" (a candidate: per-input time limits, optional fail-fast)
  splits       [{"name", "inputs" (JSON text of a list of argument lists), "start",
                 "limits_ms" (per input, or null), "budget_ms" (whole split, or null),
                 "full_from" (index from which numeric values are never elided, or null),
                 truth mode only: "program", "entry_point", "atol" of the split's own task, so
                 that one execution computes several tasks' expected outputs}]
  atol         the task's tolerance (truth mode: decides which outputs stay in full)
  fail_fast    stop a split at the first input that raises or times out
  elide_bytes  outputs whose serialisation is longer are sent as a digest (see `canonical`)
  result_budget bytes this execution may write; past it the runner asks to be resumed

Result channel, one line each (tab-separated):
  {"nonce": …, "kind": "io", "python": "3.11.2"}  header (JSON)
  S <split>                      the program was executed, calls begin
  X <split> <type> <message>     the program itself failed (exec or missing entry point)
  R <i> <micros> <typed JSON>    input i returned
  E <i> <micros> <type> <message> input i raised
  T <i> <micros>                 input i hit its time limit
  W <split> <i>                  the split's whole budget ran out at input i
  B <split> <i>                  result budget used up: resume this split at input i
  D <split> <count>              the split ended normally
  Z                              everything done
<message> is a JSON string. Lines are written as they are produced, so a run killed from outside
still tells Swift how far it got.

Typed JSON: null, true, false; an integer token is an int of at most 63 bits, {"ix":"-1f…"} a
larger one in hex; a number token with `.` or `e` is a float (Python's repr); {"f":"nan"|"inf"|"-inf"}; "string" (json.dumps with
ensure_ascii=False, lone surrogates as \\uXXXX); [list]; {"t":[tuple]}; {"d":[[k,v],…]};
{"s":[set]}; {"fs":[frozenset]}; {"b":"hex"} bytes; {"ba":"hex"} bytearray; {"c":[re,im]};
{"sub":"module.Name","v":value} for instances of subclasses of builtins (the value read through
the builtin's own methods, never the subclass's); {"o":"module.Name","r":"repr…"} for anything
else (never equal to anything); {"h":"sha256","ty":"type","n":len,"p":"preview"} an elided value.
"""

import builtins
import copy
import hashlib
import json
import re
import struct
import sys
import time

_encode_str = json.encoder.encode_basestring  # ensure_ascii=False escaping: " \\ and controls
_loads = json.loads
_sha256 = hashlib.sha256
_SURROGATE = re.compile("[\ud800-\udfff]")
_hex_double = struct.Struct(">d").pack
_PREVIEW = 120
_BIG = 1 << 63
_MAX_DEPTH = 100

_int, _float, _str, _bool, _list, _tuple, _dict = int, float, str, bool, list, tuple, dict
_set, _frozenset, _bytes, _bytearray, _complex, _type = set, frozenset, bytes, bytearray, complex, type
_isinstance, _repr, _len = isinstance, repr, len
_NUMBER_TYPES = frozenset((int, float))
_STR_TYPES = frozenset((str,))
from math import isfinite as _isfinite
_float_repr = float.__repr__
_int_repr = int.__repr__


class _Unrepresentable(Exception):
    pass


def _type_name(t):
    try:
        module = type.__dict__["__module__"].__get__(t)
        name = type.__dict__["__qualname__"].__get__(t)
        if not _isinstance(module, _str) or not _isinstance(name, _str):
            return "?"
        return name if module == "builtins" else module + "." + name
    except BaseException:
        return "?"


def _short(text, limit=_PREVIEW):
    return text if _len(text) <= limit else text[: limit - 3] + "..."


def _escape_surrogates(text):
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


_INF = float("inf")
_NINF = -_INF


def _float_text(x):
    if x != x:
        return '{"f":"nan"}'
    if x == _INF:
        return '{"f":"inf"}'
    if x == _NINF:
        return '{"f":"-inf"}'
    return _float_repr(x)


def _fast_list_text(x):
    """The typed JSON of a list of exact ints, floats or strs at C speed, or None."""
    kinds = set(map(_type, x))
    if not kinds:
        return "[]"
    if kinds <= _NUMBER_TYPES:
        try:
            if not (-_BIG < min(x) and max(x) < _BIG):  # NaN or ±inf fail this too (or raise)
                return None
        except BaseException:
            return None
        if _float in kinds and not all(map(_isfinite, x)):
            return None
        return "[" + ",".join(map(_repr, x)) + "]" if _float in kinds else "[" + ",".join(map(_int_repr, x)) + "]"
    if kinds == _STR_TYPES:
        return "[" + ",".join(map(_encode_str, x)) + "]"
    return None


def _fast_list_canonical(x, t, out):
    """Appends the canonical bytes of a list or tuple of ints and integral floats, in chunks;
    False (nothing appended) for any other list."""
    kinds = set(map(_type, x))
    if not kinds or not kinds <= _NUMBER_TYPES:
        return False
    try:
        ints = list(map(_int, x))
    except BaseException:  # NaN, ±inf
        return False
    if ints != x if t is _list else ints != list(x):  # some float is not integral
        return False
    out.append((b"L%d[" if t is _list else b"T%d[") % _len(x))
    hexed = b"%x;".__mod__
    for start in range(0, _len(ints), 4096):
        out.append(b"i" + b"i".join(map(hexed, ints[start:start + 4096])))
    out.append(b"]")
    return True


class _HashSink:
    """Takes canonical bytes straight into a SHA-256, so long values are never held twice."""

    def __init__(self):
        self.hash = _sha256()
        self.append = self.hash.update


def _builtin_view(x):
    """(base type, value read through the builtin's own methods) for a subclass instance."""
    for base in (_int, _float, _str, _list, _tuple, _dict, _frozenset, _set, _bytearray, _bytes, _complex):
        if _isinstance(x, base):
            if base is _int:
                return base, int.__int__(x)
            if base is _float:
                return base, float.__float__(x)
            if base is _str:
                return base, str.__str__(x)
            if base is _list:
                return base, [*list.__iter__(x)]
            if base is _tuple:
                return base, tuple(tuple.__iter__(x))
            if base is _dict:
                return base, dict(dict.items(x))
            if base is _frozenset:
                return base, frozenset(frozenset.__iter__(x))
            if base is _set:
                return base, set(set.__iter__(x))
            if base is _bytearray:
                return base, bytearray(bytearray.__iter__(x))
            if base is _bytes:
                return base, bytes(bytes.__iter__(x))
            return base, complex(complex.__dict__["real"].__get__(x), complex.__dict__["imag"].__get__(x))
    return None, None


def serialise(x, depth=0):
    """Typed JSON text of x (see the module docstring)."""
    t = _type(x)
    if t is _int:
        # Ints beyond 63 bits go as hex: no 4,300-digit limit, linear time.
        return _int_repr(x) if -_BIG < x < _BIG else '{"ix":"%x"}' % x
    if t is _str:
        return _encode_str(x)
    if t is _bool:
        return "true" if x else "false"
    if t is _float:
        return _float_text(x)
    if x is None:
        return "null"
    if depth > _MAX_DEPTH:
        return '{"o":"<nested too deep>","r":""}'
    d = depth + 1
    if t is _list:
        fast = _fast_list_text(x) if _len(x) > 8 else None
        return fast if fast is not None else "[" + ",".join([serialise(i, d) for i in x]) + "]"
    if t is _tuple:
        return '{"t":[' + ",".join([serialise(i, d) for i in x]) + "]}"
    if t is _dict:
        return '{"d":[' + ",".join(["[" + serialise(k, d) + "," + serialise(v, d) + "]" for k, v in x.items()]) + "]}"
    if t is _set or t is _frozenset:
        return ('{"s":[' if t is _set else '{"fs":[') + ",".join([serialise(i, d) for i in x]) + "]}"
    if t is _bytes:
        return '{"b":"' + x.hex() + '"}'
    if t is _bytearray:
        return '{"ba":"' + x.hex() + '"}'
    if t is _complex:
        return '{"c":[' + _float_text(x.real) + "," + _float_text(x.imag) + "]}"
    name = _type_name(t)
    base, value = _builtin_view(x)
    if base is None and name.startswith("numpy.") and name != "numpy.ndarray":
        # numpy scalars (numpy.int64, numpy.bool_, …) compare by value in evalplus.
        try:
            value = x.item()
            base = _type(value)
            if base not in (_int, _float, _bool, _complex, _str, _bytes):
                base = None
        except BaseException:
            base = None
    if base is None:
        try:
            text = _repr(x)
            if not _isinstance(text, _str):
                text = "?"
        except BaseException:
            text = "?"
        return '{"o":' + _encode_str(name) + ',"r":' + _encode_str(_short(text)) + "}"
    return '{"sub":' + _encode_str(name) + ',"v":' + serialise(value, d) + "}"


def canonical(x, out, depth=0):
    """Appends the canonical bytes of x: Python-equal values (1 == 1.0 == True, set == frozenset,
    dicts in any order) give equal bytes. Raises _Unrepresentable for nan and opaque objects,
    which are never equal to anything. Assay's Swift side computes the same bytes (PyValue)."""
    t = _type(x)
    if t is _bool or t is _int:
        out.append(b"i%x;" % x)
    elif t is _float:
        if x != x:
            raise _Unrepresentable()
        if x.is_integer():
            out.append(b"i%x;" % int(x))
        else:
            out.append(b"f" + _hex_double(x).hex().encode() + b";")
    elif t is _str:
        try:
            encoded = _encode_str(x)[1:-1].encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: escaped as in the serialised text
            encoded = _escape_surrogates(_encode_str(x)[1:-1]).encode("utf-8")
        out.append(b"s%d:" % _len(encoded) + encoded)
    elif x is None:
        out.append(b"N;")
    elif depth > _MAX_DEPTH:
        raise _Unrepresentable()
    elif t is _list or t is _tuple:
        if _len(x) > 8 and _fast_list_canonical(x, t, out):
            return
        out.append((b"L%d[" if t is _list else b"T%d[") % _len(x))
        for i in x:
            canonical(i, out, depth + 1)
        out.append(b"]")
    elif t is _dict:
        entries = []
        for k, v in x.items():
            kb, vb = [], []
            canonical(k, kb, depth + 1)
            canonical(v, vb, depth + 1)
            entries.append((b"".join(kb), b"".join(vb)))
        entries.sort()
        out.append(b"D%d{" % _len(entries) + b"".join(k + v for k, v in entries) + b"}")
    elif t is _set or t is _frozenset:
        items = []
        for i in x:
            ib = []
            canonical(i, ib, depth + 1)
            items.append(b"".join(ib))
        items.sort()
        out.append(b"S%d{" % _len(items) + b"".join(items) + b"}")
    elif t is _bytes or t is _bytearray:
        out.append(b"B%d:" % _len(x) + x.hex().encode() + b";")
    elif t is _complex:
        if x.real != x.real or x.imag != x.imag:
            raise _Unrepresentable()
        if x.imag == 0:
            canonical(x.real, out, depth)
        else:
            out.append(b"c" + _hex_double(x.real).hex().encode() + _hex_double(x.imag).hex().encode() + b";")
    else:
        base, value = _builtin_view(x)
        if base is None and _type_name(t).startswith("numpy."):
            try:
                value = x.item()
                base = _type(value)
            except BaseException:
                base = None
        if base is None:
            raise _Unrepresentable()
        canonical(value, out, depth)


def _type_tag(x):
    t = _type(x)
    if t in (_int, _float, _str, _bool, _list, _tuple, _dict, _set, _frozenset, _bytes, _bytearray, _complex):
        return t.__name__
    return "NoneType" if x is None else _type_name(t)


def _numeric_struct(x, depth=0):
    """int/float/bool, or lists and tuples of them: what numpy.allclose can compare."""
    t = _type(x)
    if t is _int or t is _float or t is _bool:
        return True
    if (t is _list or t is _tuple) and depth < _MAX_DEPTH:
        return all(_numeric_struct(i, depth + 1) for i in x)
    return False


def _is_floats(x):
    # evalplus.eval.is_floats
    if _isinstance(x, _float):
        return True
    if _isinstance(x, (_list, _tuple)) and x:
        return all(_isinstance(i, _float) for i in x)
    return False


def _elided(x, text):
    sink = _HashSink()
    canonical(x, sink)
    digest = sink.hash.hexdigest()
    n = ""
    try:
        if _type(x) in (_list, _tuple, _dict, _set, _frozenset, _str, _bytes, _bytearray):
            n = ',"n":%d' % _len(x)
    except BaseException:
        pass
    return '{"h":"%s","ty":%s%s,"p":%s}' % (digest, _encode_str(_type_tag(x)), n, _encode_str(_short(text)))


def _preview_text(x):
    """The start of a long list, tuple or str's typed JSON (for messages only)."""
    t = _type(x)
    if t is _str:
        return _encode_str(x[:_PREVIEW])
    head = serialise(x[:16])
    return (head[:-1] if t is _list else head[:-2]) + ",..."


class _NullIO:
    """Where the sample's prints go (evalplus swallows them too)."""

    def write(self, text):
        return len(text) if _isinstance(text, _str) else 0

    def writelines(self, lines):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def read(self, *args):
        raise OSError("stdin is not readable")

    readline = read


class _TimeLimit(BaseException):
    pass


def run(request, emit_record):
    import os
    import signal

    # Lines are streamed on the result channel (fd 3, or the warm worker's fd given by runner.py).
    result_fd = getattr(emit_record, "fd", 3)
    nonce = str(request.get("nonce", ""))
    payload = request.get("payload") or {}
    program = request.get("program", "")
    entry_point = request.get("entry_point", "")
    truth = payload.get("mode") == "truth"
    fail_fast = bool(payload.get("fail_fast", True))
    elide_bytes = int(payload.get("elide_bytes") or 1024)
    budget = int(payload.get("result_budget") or 900_000)
    task_atol = payload.get("atol") or 0
    write = os.write
    perf = time.perf_counter
    deepcopy = copy.deepcopy
    setitimer = signal.setitimer
    ITIMER_REAL = signal.ITIMER_REAL
    state = {"written": 0, "limit": None}

    def out(line):
        try:
            data = (line + "\n").encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates (only inside strings): escape them
            data = (_escape_surrogates(line) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[write(result_fd, view):]
        state["written"] += len(data)

    def message(exc):
        try:
            text = str(exc)
        except BaseException:
            text = "<unprintable>"
        return _encode_str(_escape_surrogates(_short(text, 300)))

    def on_alarm(signum, frame):
        raise _TimeLimit()

    header = {"nonce": nonce, "kind": "io", "python": sys.version.split()[0]}
    out(json.dumps(header))
    compiled = {}

    def compiled_program(text):
        if text not in compiled:
            try:
                compiled[text] = compile(text, "<program>", "exec")
            except BaseException as exc:
                compiled[text] = exc
        return compiled[text]

    null_io = _NullIO()
    real_out, real_err = sys.stdout, sys.stderr

    for split in payload.get("splits", []):
        name = split["name"]
        inputs = _loads(split["inputs"])
        start = int(split.get("start") or 0)
        limits = split.get("limits_ms")
        split_budget = split.get("budget_ms")
        full_from = split.get("full_from")
        # Ground truth may batch several tasks: a split can bring its own program.
        code = compiled_program(split.get("program", program))
        entry = split.get("entry_point", entry_point)
        atol_active = bool(split.get("atol", task_atol))
        if _isinstance(code, BaseException):
            out("X\t%s\t%s\t%s" % (name, _type(code).__name__, message(code)))
            continue
        # Like evalplus's `exec(code, {})`, with a private copy of the builtins so that patching
        # them cannot reach this runner.
        namespace = {"__builtins__": dict(builtins.__dict__)}
        sys.stdout = sys.stderr = null_io
        try:
            exec(code, namespace)
            fn = namespace[entry]
        except BaseException as exc:
            sys.stdout, sys.stderr = real_out, real_err
            out("X\t%s\t%s\t%s" % (name, _type(exc).__name__, message(exc)))
            continue
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        out("S\t" + name)
        split_start = perf()
        finished = True
        for i in range(start, len(inputs)):
            args = inputs[i]
            if truth:
                args = deepcopy(args)
            limit = None
            whole = False
            if not truth:
                if limits is not None:
                    limit = limits[i] / 1000.0
                if split_budget is not None:
                    left = split_budget / 1000.0 - (perf() - split_start)
                    if left <= 0:
                        out("W\t%s\t%d" % (name, i))
                        finished = False
                        break
                    if limit is None or left < limit:
                        limit, whole = left, True
            failed = None
            value = None
            elapsed = limit or 0.0
            sys.stdout = sys.stderr = null_io
            try:
                if limit is not None:
                    signal.signal(signal.SIGALRM, on_alarm)
                    setitimer(ITIMER_REAL, limit)
                began = perf()
                try:
                    value = fn(*args)
                finally:
                    elapsed = perf() - began
                    if limit is not None:
                        setitimer(ITIMER_REAL, 0)
            except _TimeLimit:
                failed = "T"
            except BaseException as exc:
                failed = exc
            finally:
                sys.stdout, sys.stderr = real_out, real_err
            micros = int(elapsed * 1e6)
            if failed == "T":
                if whole:
                    out("W\t%s\t%d" % (name, i))
                    finished = False
                    break
                out("T\t%d\t%d" % (i, micros))
                if fail_fast:
                    break
                continue
            if failed is not None:
                out("E\t%d\t%d\t%s\t%s" % (i, micros, _type(failed).__name__, message(failed)))
                failed = None
                if fail_fast:
                    break
                continue
            if truth and not atol_active and _is_floats(value):
                atol_active = True
            keep_full = (atol_active if truth else (full_from is not None and i >= full_from)) and _numeric_struct(value)
            line = None
            vt = _type(value)
            if not keep_full and ((vt is _list or vt is _tuple or vt is _str) and _len(value) > elide_bytes):
                # Certainly longer than elide_bytes once serialised: go straight to the digest.
                try:
                    line = "R\t%d\t%d\t%s" % (i, micros, _elided(value, _preview_text(value)))
                except (_Unrepresentable, RecursionError):
                    line = None
            if line is None:
                try:
                    text = serialise(value)
                except RecursionError:
                    text = '{"o":"<nested too deep>","r":""}'
                line = "R\t%d\t%d\t%s" % (i, micros, text)
                if len(text) > elide_bytes and (not keep_full or len(line) > budget // 2):
                    try:
                        line = "R\t%d\t%d\t%s" % (i, micros, _elided(value, text))
                    except (_Unrepresentable, RecursionError):
                        pass
            if len(line) > budget // 2:  # not elidable (NaN or opaque inside) and too large to send
                line = 'R\t%d\t%d\t{"o":"<output too large to send>","r":""}' % (i, micros)
            if state["written"] + len(line) + 64 > budget:
                out("B\t%s\t%d" % (name, i))
                out("Z")
                return
            out(line)
            value = None
        if finished:
            out("D\t%s\t%d" % (name, len(inputs)))
    out("Z")
