#if canImport(Glibc)
import Glibc
#endif
public import AssayCore

/// What the sandbox observed for one input of an input/output task.
public enum ObservedOutput: Sendable, Equatable {
    /// The function returned; its typed-JSON text (`Sandboxes/kind_io.py`).
    case value([UInt8])
    /// The call raised: the exception class and message.
    case raised(type: String, message: String)
    /// The call ran past its time limit.
    case timeLimit(micros: Int)
}

/// The verdict on one input.
public enum InputVerdict: Sendable, Equatable {
    case pass
    /// The output differs from the expected one (both shown as Python-like reprs).
    case wrong(got: String, expected: String, why: String)
    case raised(type: String, message: String)
    case timeLimit(micros: Int)
    /// The output text could not be parsed (a corrupt or forged result line).
    case malformed(String)

    public var isPass: Bool { self == .pass }
}

/// evalplus's output check (`evalplus/eval/__init__.py`, `unsafe_execute`), done in Swift over
/// typed values so that the sample's own `__eq__` is never consulted.
///
/// Per input, in order:
/// 1. `find_zero` (HumanEval/32): passes iff `abs(poly(xs, out)) <= atol`; nothing else applies.
/// 2. `exact = out == exp` (Python semantics: `1 == 1.0 == True`, tuple ≠ list, NaN ≠ NaN).
/// 3. If `atol == 0` and `exp` is a float or a non-empty list/tuple of floats, `atol` becomes
///    1e-6 — and stays so for the later inputs of the same split, exactly as evalplus's loop
///    variable does.
/// 4. If not exact and `atol != 0`: same type, same length (lists/tuples), then
///    `numpy.allclose(out, exp, rtol=1e-7, atol=atol)`; otherwise `exact` decides.
public struct EvalplusComparator: Sendable {
    public enum Oracle: Sendable, Equatable {
        case standard
        /// HumanEval/32: `abs(_poly(*input, out)) <= atol`.
        case findZero
    }

    public private(set) var atol: Double
    public let oracle: Oracle

    public init(atol: Double, oracle: Oracle = .standard) {
        self.atol = atol
        self.oracle = oracle
    }

    /// Checks one input; call in input order (the tolerance is sticky, as in evalplus).
    public mutating func check(_ observed: ObservedOutput, expected: [UInt8], input: [UInt8]) -> InputVerdict {
        let outText: [UInt8]
        switch observed {
        case .raised(let type, let message): return .raised(type: type, message: message)
        case .timeLimit(let micros): return .timeLimit(micros: micros)
        case .value(let text): outText = text
        }
        if oracle == .findZero {
            guard let out = try? PyValue.parse(outText) else { return .malformed(String(decoding: outText.prefix(80), as: UTF8.self)) }
            guard let args = try? PyValue.parse(input), case .list(let list) = args, list.count == 1 else {
                return .malformed("find_zero input")
            }
            if let value = Self.poly(list[0], at: out), abs(value) <= atol { return .pass }
            return .wrong(got: out.repr(), expected: "a root (|poly(x)| <= \(atol))", why: "not a root within atol")
        }
        // Identical serialisations are equal, unless NaN or opaque objects are involved.
        let identical = outText == expected && !Self.containsNeverEqual(outText)
        if identical && (atol != 0 || !Self.mayHoldFloats(expected)) { return .pass }
        guard let exp = try? PyValue.parse(expected) else { return .malformed("expected output") }
        if identical {
            if exp.isFloats { atol = 1e-6 }
            return .pass
        }
        guard let out = try? PyValue.parse(outText) else { return .malformed(String(decoding: outText.prefix(80), as: UTF8.self)) }
        let exact = out.pythonEquals(exp)
        if atol == 0 && exp.isFloats { atol = 1e-6 }
        if !exact && atol != 0 {
            guard out.typeName == exp.typeName else {
                return .wrong(got: out.repr(), expected: exp.repr(), why: "type \(out.typeName) instead of \(exp.typeName)")
            }
            if case .list = exp.unwrapped, out.length != exp.length {
                return .wrong(got: out.repr(), expected: exp.repr(), why: "length \(out.length ?? 0) instead of \(exp.length ?? 0)")
            }
            if case .tuple = exp.unwrapped, out.length != exp.length {
                return .wrong(got: out.repr(), expected: exp.repr(), why: "length \(out.length ?? 0) instead of \(exp.length ?? 0)")
            }
            if Self.allclose(out, exp, rtol: 1e-7, atol: atol) { return .pass }
            return .wrong(got: out.repr(), expected: exp.repr(), why: "not close (atol \(atol), rtol 1e-07)")
        }
        return exact ? .pass : .wrong(got: out.repr(), expected: exp.repr(), why: "not equal")
    }

    /// False only when the text cannot be a float or a list/tuple of floats (a string, an int,
    /// a bool, None, …): then `is_floats` need not be evaluated.
    public static func mayHoldFloats(_ text: [UInt8]) -> Bool {
        guard let first = text.first, first != UInt8(ascii: "\""), first != UInt8(ascii: "t"), first != UInt8(ascii: "n") else { return false }
        if first == UInt8(ascii: "f") && text.count == 5 { return false }  // false
        return text.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "{") }
    }

    /// True if the text may hold a NaN or an opaque object, which never compare equal.
    static func containsNeverEqual(_ text: [UInt8]) -> Bool {
        // `{"f":"nan"}` and `{"o":` are the only spellings; a string containing these bytes is
        // escaped (`\"`), so a plain search has no false negatives.
        let nan = Array(#"{"f":"nan"}"#.utf8)
        let opaque = Array(#"{"o":"#.utf8)
        return contains(text, nan) || contains(text, opaque)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    // MARK: numpy.allclose

    /// A regular n-dimensional float array (what `numpy.asarray` makes of numeric nests).
    struct NDArray {
        var shape: [Int]
        var values: [Double]
    }

    /// `numpy.asarray(value, dtype=float)`, or nil where numpy would fail (ragged nests,
    /// strings, None, dicts, ints beyond 64 bits without a float beside them).
    static func ndarray(_ value: PyValue) -> NDArray? {
        var sawFloat = false
        var sawBig = false
        func build(_ value: PyValue, depth: Int) -> NDArray? {
            guard depth < 64 else { return nil }
            switch value.unwrapped {
            case .bool(let flag): return NDArray(shape: [], values: [flag ? 1 : 0])
            case .int(let number): return NDArray(shape: [], values: [Double(number)])
            case .bigInt(let text):
                sawBig = true
                guard let number = Double(text), number.isFinite else { return nil }  // OverflowError
                return NDArray(shape: [], values: [number])
            case .float(let number):
                sawFloat = true
                return NDArray(shape: [], values: [number])
            case .list(let items), .tuple(let items):
                var shape: [Int]?
                var values: [Double] = []
                for item in items {
                    guard let child = build(item, depth: depth + 1) else { return nil }
                    if let shape, shape != child.shape { return nil }  // ragged
                    shape = child.shape
                    values += child.values
                }
                return NDArray(shape: [items.count] + (shape ?? []), values: values)
            default:
                return nil
            }
        }
        guard let array = build(value, depth: 0) else { return nil }
        if sawBig && !sawFloat { return nil }  // an object array: numpy.isfinite raises
        return array
    }

    /// `numpy.allclose(a, b, rtol, atol)`: broadcast, then |a − b| ≤ atol + rtol·|b| for finite
    /// pairs and a == b for infinite ones; NaN is never close.
    public static func allclose(_ a: PyValue, _ b: PyValue, rtol: Double, atol: Double) -> Bool {
        guard let x = ndarray(a), let y = ndarray(b) else { return false }
        let rank = max(x.shape.count, y.shape.count)
        let xs = Array(repeating: 1, count: rank - x.shape.count) + x.shape
        let ys = Array(repeating: 1, count: rank - y.shape.count) + y.shape
        var shape: [Int] = []
        for (m, n) in zip(xs, ys) {
            guard m == n || m == 1 || n == 1 else { return false }  // not broadcastable: ValueError
            shape.append(m == 1 ? n : m)
        }
        func strides(_ dims: [Int]) -> [Int] {
            var result = Array(repeating: 0, count: dims.count)
            var step = 1
            for axis in stride(from: dims.count - 1, through: 0, by: -1) {
                result[axis] = dims[axis] == 1 ? 0 : step
                step *= dims[axis]
            }
            return result
        }
        let xStrides = strides(xs)
        let yStrides = strides(ys)
        let total = shape.reduce(1, *)
        var position = Array(repeating: 0, count: rank)
        for _ in 0..<total {
            var xi = 0
            var yi = 0
            for axis in 0..<rank {
                xi += position[axis] * xStrides[axis]
                yi += position[axis] * yStrides[axis]
            }
            let u = x.values[xi]
            let v = y.values[yi]
            let close = u.isFinite && v.isFinite ? abs(u - v) <= atol + rtol * abs(v) : u == v
            if !close { return false }
            var axis = rank - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < shape[axis] { break }
                position[axis] = 0
                axis -= 1
            }
        }
        return true
    }

    // MARK: find_zero

    /// evalplus's `_poly(xs, x)`: `sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])`,
    /// summed left to right from the int 0 (CPython 3.11's `sum`). Nil where Python raises.
    public static func poly(_ coefficients: PyValue, at point: PyValue) -> Double? {
        guard case .list(let xs) = coefficients.unwrapped else { return nil }
        guard let x = point.floatValue else { return nil }  // math.pow(x, i) needs a real number
        var total = 0.0
        for (i, coefficient) in xs.enumerated() {
            let power = Glibc.pow(x, Double(i))
            if power.isInfinite && x.isFinite { return nil }  // math.pow: OverflowError
            guard let c = coefficient.floatValue else { return nil }
            total += c * power
        }
        return total
    }
}
