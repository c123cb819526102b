/// A Python value as the `io` runner kind serialises it ("typed JSON", `Sandboxes/kind_io.py`):
/// exact builtin types, so that Swift can compare outputs with Python's `==` semantics without
/// trusting anything the sample's process computed about them.
///
/// Strings are kept as their escaped UTF-8 text (the runner's escaping is canonical: equal
/// strings give equal bytes), so comparisons never decode them.
public indirect enum PyValue: Sendable, Equatable {
    case none
    case bool(Bool)
    /// An int that fits 64 bits.
    case int(Int)
    /// An int outside Int's range, as lowercase hex with an optional `-` (Python's `'%x' % n`).
    case bigInt(String)
    case float(Double)
    case complex(Double, Double)
    /// The string's escaped text (between the quotes), UTF-8.
    case str([UInt8])
    /// `bytes` or `bytearray`, as lowercase hex.
    case bytes(hex: String, mutable: Bool)
    case list([PyValue])
    case tuple([PyValue])
    /// Keys and values interleaved: k0, v0, k1, v1, …
    case dict([PyValue])
    case set([PyValue], frozen: Bool)
    /// An instance of a subclass of a builtin type (`numpy.float64`, a user class deriving from
    /// int): its type name and its value read through the builtin's own methods.
    case subclass(String, PyValue)
    /// Anything else: its type name and a repr preview. Never equal to anything.
    case opaque(String, String)
    /// A long value sent as the SHA-256 of its canonical bytes (see ``canonicalBytes()``).
    case elided(digest: String, type: String, count: Int?, preview: String)
}

/// A typed-JSON text that could not be parsed.
public struct PyValueParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "malformed typed value at byte \(offset): \(message)" }
}

// MARK: - Parsing

extension PyValue {
    /// Parses typed JSON (also plain JSON: objects without a known tag are read as dicts with
    /// string keys, numbers with `.`/`e` as floats, other numbers as ints).
    public static func parse(_ text: some Collection<UInt8>) throws -> PyValue {
        let bytes = Array(text)
        return try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.index == buffer.count else { throw parser.error("trailing characters") }
            return value
        }
    }

    public static func parse(_ text: String) throws -> PyValue { try parse(Array(text.utf8)) }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> PyValueParseError { PyValueParseError(message: message, offset: index) }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D {
                index += 1
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
            index += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return index < bytes.count ? bytes[index] : nil
        }

        mutating func value(depth: Int) throws -> PyValue {
            guard depth < 400 else { throw error("nested too deep") }
            guard let byte = peek() else { throw error("unexpected end") }
            switch byte {
            case UInt8(ascii: "n"): try literal("null"); return .none
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "\""): return .str(try rawString())
            case UInt8(ascii: "["): return .list(try array(depth: depth))
            case UInt8(ascii: "{"): return try object(depth: depth)
            default: return try number()
            }
        }

        mutating func literal(_ word: String) throws {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
                throw error("bad literal")
            }
            index += expected.count
        }

        /// The escaped text between the quotes, as is.
        mutating func rawString() throws -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    let text = Array(bytes[start..<index])
                    index += 1
                    return text
                }
                index += 1
            }
            throw error("unterminated string")
        }

        mutating func array(depth: Int) throws -> [PyValue] {
            try expect(UInt8(ascii: "["))
            var items: [PyValue] = []
            if peek() == UInt8(ascii: "]") {
                index += 1
                return items
            }
            while true {
                items.append(try value(depth: depth + 1))
                guard let next = peek() else { throw error("unterminated array") }
                index += 1
                if next == UInt8(ascii: "]") { return items }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
            }
        }

        mutating func object(depth: Int) throws -> PyValue {
            try expect(UInt8(ascii: "{"))
            var fields: [(String, PyValue)] = []
            if peek() == UInt8(ascii: "}") {
                index += 1
                return .dict([])
            }
            while true {
                let key = String(decoding: try rawString(), as: UTF8.self)
                try expect(UInt8(ascii: ":"))
                fields.append((key, try value(depth: depth + 1)))
                guard let next = peek() else { throw error("unterminated object") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
            }
            return try tagged(fields)
        }

        func tagged(_ fields: [(String, PyValue)]) throws -> PyValue {
            func field(_ name: String) -> PyValue? { fields.first { $0.0 == name }?.1 }
            func text(_ name: String) -> String? {
                if case .str(let raw)? = field(name) { return PyValue.decodeEscapes(raw) }
                return nil
            }
            let first = fields.first?.0 ?? ""
            switch (first, fields.count) {
            case ("f", 1):
                switch text("f") {
                case "nan": return .float(.nan)
                case "inf": return .float(.infinity)
                case "-inf": return .float(-.infinity)
                default: throw error("unknown float tag")
                }
            case ("t", 1):
                if case .list(let items)? = field("t") { return .tuple(items) }
            case ("d", 1):
                if case .list(let pairs)? = field("d") {
                    var flat: [PyValue] = []
                    flat.reserveCapacity(pairs.count * 2)
                    for pair in pairs {
                        guard case .list(let kv) = pair, kv.count == 2 else { throw error("bad dict entry") }
                        flat.append(kv[0])
                        flat.append(kv[1])
                    }
                    return .dict(flat)
                }
            case ("s", 1), ("fs", 1):
                if case .list(let items)? = field(first) { return .set(items, frozen: first == "fs") }
            case ("b", 1), ("ba", 1):
                if let hex = text(first) { return .bytes(hex: hex, mutable: first == "ba") }
            case ("c", 1):
                if case .list(let parts)? = field("c"), parts.count == 2 {
                    return .complex(parts[0].asDouble ?? .nan, parts[1].asDouble ?? .nan)
                }
            case ("ix", 1):
                if let hex = text("ix") { return PyValue.integer(hex: hex) }
            case ("sub", 2):
                if let name = text("sub"), let value = field("v") { return .subclass(name, value) }
            case ("o", 2):
                return .opaque(text("o") ?? "?", text("r") ?? "")
            case ("h", _):
                if let digest = text("h") {
                    return .elided(digest: digest, type: text("ty") ?? "?", count: field("n")?.asInt, preview: text("p") ?? "")
                }
            default:
                break
            }
            // Plain JSON object (dataset inputs): a dict with string keys.
            var flat: [PyValue] = []
            for (key, value) in fields {
                flat.append(.str(Array(key.utf8)))
                flat.append(value)
            }
            return .dict(flat)
        }

        mutating func number() throws -> PyValue {
            let start = index
            var isFloat = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                    index += 1
                } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    isFloat = true
                    index += 1
                } else {
                    break
                }
            }
            guard index > start else { throw error("unexpected character") }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isFloat {
                guard let value = Double(text) else { throw error("bad float \(text)") }
                return .float(value)
            }
            if let value = Int(text) { return .int(value) }
            let negative = text.hasPrefix("-")
            let digits = text.dropFirst(negative ? 1 : 0)
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { throw error("bad int \(text)") }
            return PyValue.integer(hex: (negative ? "-" : "") + PyValue.decimalToHex(String(digits)))
        }
    }

    var asDouble: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    var asInt: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// Decodes JSON string escapes (lone surrogates become U+FFFD; for display only).
    public static func decodeEscapes(_ raw: [UInt8]) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var plain: [UInt8] = []
        func flush() {
            if !plain.isEmpty {
                scalars.append(contentsOf: String(decoding: plain, as: UTF8.self).unicodeScalars)
                plain.removeAll()
            }
        }
        var i = 0
        var pendingHigh: UInt32?
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\"), i + 1 < raw.count else {
                plain.append(byte)
                i += 1
                continue
            }
            flush()
            let escape = raw[i + 1]
            i += 2
            var scalar: UInt32?
            switch escape {
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "u") where i + 4 <= raw.count:
                scalar = UInt32(String(decoding: raw[i..<i + 4], as: UTF8.self), radix: 16)
                i += 4
            default: scalar = UInt32(escape)
            }
            guard let code = scalar else { continue }
            if (0xD800...0xDBFF).contains(code) {
                if pendingHigh != nil { scalars.append("\u{FFFD}") }
                pendingHigh = code
                continue
            }
            if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                pendingHigh = nil
                if let combined = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)) { scalars.append(combined) }
                continue
            }
            if pendingHigh != nil {
                scalars.append("\u{FFFD}")
                pendingHigh = nil
            }
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        }
        flush()
        if pendingHigh != nil { scalars.append("\u{FFFD}") }
        return String(scalars)
    }
}

// MARK: - Python semantics

extension PyValue {
    /// Python's `type(x).__name__` (qualified for non-builtins), as evalplus compares types.
    public var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .complex: return "complex"
        case .str: return "str"
        case .bytes(_, let mutable): return mutable ? "bytearray" : "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .set(_, let frozen): return frozen ? "frozenset" : "set"
        case .subclass(let name, _), .opaque(let name, _): return name
        case .elided(_, let type, _, _): return type
        }
    }

    /// `len(x)` for sized values.
    public var length: Int? {
        switch self {
        case .list(let items), .tuple(let items), .set(let items, _): return items.count
        case .dict(let flat): return flat.count / 2
        case .subclass(_, let value): return value.length
        case .elided(_, _, let count, _): return count
        default: return nil
        }
    }

    /// The value behind a builtin subclass.
    public var unwrapped: PyValue {
        if case .subclass(_, let value) = self { return value.unwrapped }
        return self
    }

    /// `isinstance(self, float)`.
    public var isFloatInstance: Bool {
        if case .float = unwrapped { return true }
        return false
    }

    /// evalplus's `is_floats`: a float, or a non-empty list/tuple of floats.
    public var isFloats: Bool {
        switch unwrapped {
        case .float: return true
        case .list(let items), .tuple(let items): return !items.isEmpty && items.allSatisfy(\.isFloatInstance)
        default: return false
        }
    }

    /// Python's `self == other` for two independently produced values (no object is shared, so
    /// NaN never equals anything and opaque objects are never trusted to compare themselves).
    public func pythonEquals(_ other: PyValue) -> Bool {
        let a = unwrapped
        let b = other.unwrapped
        switch (a, b) {
        case (.elided(let x, _, _, _), .elided(let y, _, _, _)): return x == y
        case (.elided(let digest, _, _, _), let value), (let value, .elided(let digest, _, _, _)):
            return value.canonicalDigest() == digest
        case (.opaque, _), (_, .opaque): return false
        case (.none, .none): return true
        case (.str(let x), .str(let y)): return x == y
        case (.bytes(let x, _), .bytes(let y, _)): return x == y
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            guard x.count == y.count else { return false }
            for index in x.indices where !x[index].pythonEquals(y[index]) { return false }
            return true
        case (.dict(let x), .dict(let y)):
            guard x.count == y.count else { return false }
            if x.isEmpty { return true }
            var lookup: [[UInt8]: PyValue] = [:]
            for index in stride(from: 0, to: y.count, by: 2) {
                guard let key = y[index].canonicalBytes() else { return false }
                lookup[key] = y[index + 1]
            }
            for index in stride(from: 0, to: x.count, by: 2) {
                guard let key = x[index].canonicalBytes(), let value = lookup[key], x[index + 1].pythonEquals(value) else { return false }
            }
            return true
        case (.set(let x, _), .set(let y, _)):
            guard x.count == y.count else { return false }
            var keys = Set<[UInt8]>()
            for item in y {
                guard let key = item.canonicalBytes() else { return false }
                keys.insert(key)
            }
            for item in x {
                guard let key = item.canonicalBytes(), keys.contains(key) else { return false }
            }
            return true
        default:
            guard let x = a.number, let y = b.number else { return false }
            return Number.equal(x, y)
        }
    }

    /// A numeric view: bool, int, float, complex.
    enum Number {
        case int(Int)
        case big(String)
        case float(Double)
        case complex(Double, Double)

        static func equal(_ a: Number, _ b: Number) -> Bool {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x == y
            case (.big(let x), .big(let y)): return x == y
            case (.int, .big), (.big, .int): return false
            case (.float(let x), .float(let y)): return x == y
            case (.int(let i), .float(let f)), (.float(let f), .int(let i)):
                return f.isFinite && f.rounded(.towardZero) == f && PyValue.exactHex(f) == String(i, radix: 16)
            case (.big(let i), .float(let f)), (.float(let f), .big(let i)):
                return f.isFinite && f.rounded(.towardZero) == f && PyValue.exactHex(f) == i
            case (.complex(let r1, let i1), .complex(let r2, let i2)): return r1 == r2 && i1 == i2
            case (.complex(let r, let i), let other), (let other, .complex(let r, let i)):
                return i == 0 && equal(.float(r), other)
            }
        }
    }

    var number: Number? {
        switch unwrapped {
        case .bool(let value): return .int(value ? 1 : 0)
        case .int(let value): return .int(value)
        case .bigInt(let value): return .big(value)
        case .float(let value): return .float(value)
        case .complex(let re, let im): return .complex(re, im)
        default: return nil
        }
    }

    /// Python's `float(x)` for numeric values (nil when it would raise).
    public var floatValue: Double? {
        switch unwrapped {
        case .bool(let value): return value ? 1 : 0
        case .int(let value): return Double(value)
        case .bigInt(let hex):
            let value = Self.hexToDouble(hex)
            return value.isFinite ? value : nil  // OverflowError
        case .float(let value): return value
        default: return nil
        }
    }

    /// An int from its hex text, as `.int` when it fits.
    static func integer(hex: String) -> PyValue {
        let negative = hex.hasPrefix("-")
        var digits = Substring(hex.dropFirst(negative ? 1 : 0).lowercased())
        while digits.count > 1, digits.first == "0" { digits = digits.dropFirst() }
        if let magnitude = UInt64(digits, radix: 16) {
            if !negative, magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
            if negative, magnitude <= UInt64(Int.max) + 1 { return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)) }
        }
        return .bigInt((negative ? "-" : "") + digits)
    }

    /// Decimal digits → lowercase hex digits (schoolbook division; big literals are rare).
    static func decimalToHex(_ decimal: String) -> String {
        var digits = decimal.utf8.map { Int($0) - 48 }
        var hex: [Character] = []
        let symbols = Array("0123456789abcdef")
        while !(digits.count == 1 && digits[0] == 0) && !digits.isEmpty {
            var remainder = 0
            var quotient: [Int] = []
            for digit in digits {
                let current = remainder * 10 + digit
                let q = current / 16
                remainder = current % 16
                if !(quotient.isEmpty && q == 0) { quotient.append(q) }
            }
            hex.append(symbols[remainder])
            digits = quotient.isEmpty ? [0] : quotient
        }
        return hex.isEmpty ? "0" : String(hex.reversed())
    }

    /// Python's `float(n)` for an int given in hex: correctly rounded (round half to even).
    static func hexToDouble(_ hex: String) -> Double {
        let negative = hex.hasPrefix("-")
        let digits = Array(hex.dropFirst(negative ? 1 : 0).utf8).map { byte -> UInt64 in
            UInt64(byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : byte - UInt8(ascii: "a") + 10)
        }
        // The top 64 bits, with a sticky bit for everything below them.
        var top: UInt64 = 0
        var used = 0
        var sticky = false
        var leading = true
        for digit in digits {
            if leading && digit == 0 { continue }
            leading = false
            if used + 4 <= 64 {
                top = top << 4 | digit
                used += 4
            } else if digit != 0 {
                sticky = true
            }
        }
        let droppedBits = (digits.drop { $0 == 0 }.count * 4) - used
        let window = Double(sticky ? top | 1 : top)
        let value = Double(sign: .plus, exponent: droppedBits, significand: window)
        return negative ? -value : value
    }

    /// The exact hex expansion of an integral, finite double (Python's `'%x' % int(f)`).
    static func exactHex(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) < 9.2e18 { return String(Int64(value), radix: 16) }
        // |value| = significand × 2^shift, shift ≥ 11 here: write the significand's bits, then zeros.
        let shift = Int(value.exponent) - Double.significandBitCount
        let significand = (UInt64(1) << UInt64(Double.significandBitCount)) | value.significandBitPattern
        var bits = Array(String(significand, radix: 2)) + Array(repeating: Character("0"), count: shift)
        let pad = (4 - bits.count % 4) % 4
        bits = Array(repeating: Character("0"), count: pad) + bits
        let symbols = Array("0123456789abcdef")
        var hex = ""
        for start in stride(from: 0, to: bits.count, by: 4) {
            let nibble = bits[start..<start + 4].reduce(0) { $0 * 2 + ($1 == "1" ? 1 : 0) }
            if hex.isEmpty && nibble == 0 { continue }
            hex.append(symbols[nibble])
        }
        return (value < 0 ? "-" : "") + hex
    }
}

// MARK: - Canonical bytes and digests

extension PyValue {
    /// Bytes equal for Python-equal values (`1 == 1.0 == True`, `set == frozenset`, dicts in any
    /// order), computed exactly as `kind_io.canonical` does; nil for NaN and opaque values, which
    /// are never equal to anything.
    public func canonicalBytes() -> [UInt8]? {
        var out: [UInt8] = []
        return appendCanonical(to: &out) ? out : nil
    }

    /// SHA-256 (hex) of ``canonicalBytes()``: what an elided value carries.
    public func canonicalDigest() -> String? {
        canonicalBytes().map { SHA256.hex(of: $0) }
    }

    private static func hex16(_ value: Double) -> [UInt8] {
        let text = String(value.bitPattern, radix: 16)
        return Array((String(repeating: "0", count: 16 - text.count) + text).utf8)
    }

    private func appendCanonical(to out: inout [UInt8]) -> Bool {
        func ascii(_ text: String) { out.append(contentsOf: text.utf8) }
        switch self {
        case .bool(let value): ascii(value ? "i1;" : "i0;")
        case .int(let value): ascii("i\(String(value, radix: 16));")
        case .bigInt(let hex): ascii("i\(hex);")
        case .float(let value):
            if value.isNaN { return false }
            if value.isFinite && value.rounded(.towardZero) == value {
                ascii("i\(Self.exactHex(value));")
            } else {
                ascii("f")
                out.append(contentsOf: Self.hex16(value))
                ascii(";")
            }
        case .complex(let re, let im):
            if re.isNaN || im.isNaN { return false }
            if im == 0 { return PyValue.float(re).appendCanonical(to: &out) }
            ascii("c")
            out.append(contentsOf: Self.hex16(re))
            out.append(contentsOf: Self.hex16(im))
            ascii(";")
        case .str(let raw):
            ascii("s\(raw.count):")
            out.append(contentsOf: raw)
        case .none: ascii("N;")
        case .list(let items), .tuple(let items):
            if case .list = self { ascii("L\(items.count)[") } else { ascii("T\(items.count)[") }
            for item in items where !item.appendCanonical(to: &out) { return false }
            ascii("]")
        case .dict(let flat):
            var entries: [([UInt8], [UInt8])] = []
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let key = flat[index].canonicalBytes(), let value = flat[index + 1].canonicalBytes() else { return false }
                entries.append((key, value))
            }
            entries.sort { $0.0 == $1.0 ? $0.1.lexicographicallyPrecedes($1.1) : $0.0.lexicographicallyPrecedes($1.0) }
            ascii("D\(entries.count){")
            for (key, value) in entries {
                out.append(contentsOf: key)
                out.append(contentsOf: value)
            }
            ascii("}")
        case .set(let items, _):
            var keys: [[UInt8]] = []
            for item in items {
                guard let key = item.canonicalBytes() else { return false }
                keys.append(key)
            }
            keys.sort { $0.lexicographicallyPrecedes($1) }
            ascii("S\(keys.count){")
            for key in keys { out.append(contentsOf: key) }
            ascii("}")
        case .bytes(let hex, _):
            ascii("B\(hex.utf8.count / 2):\(hex);")
        case .subclass(_, let value):
            return value.appendCanonical(to: &out)
        case .opaque, .elided:
            return false
        }
        return true
    }
}

// MARK: - Display

extension PyValue {
    /// A Python-like repr, cut at `limit` characters, for messages.
    public func repr(limit: Int = 200) -> String {
        var text = ""
        render(into: &text, limit: limit)
        return text.count > limit ? String(text.prefix(limit - 3)) + "..." : text
    }

    private func render(into text: inout String, limit: Int) {
        guard text.count <= limit else { return }
        func items(_ values: [PyValue], _ open: String, _ close: String) {
            text += open
            for (index, value) in values.enumerated() {
                if index > 0 { text += ", " }
                value.render(into: &text, limit: limit)
                if text.count > limit { return }
            }
            text += close
        }
        switch self {
        case .none: text += "None"
        case .bool(let value): text += value ? "True" : "False"
        case .int(let value): text += String(value)
        case .bigInt(let hex): text += hex.hasPrefix("-") ? "-0x" + hex.dropFirst() : "0x" + hex
        case .float(let value): text += Self.floatRepr(value)
        case .complex(let re, let im): text += "(\(Self.floatRepr(re))+\(Self.floatRepr(im))j)"
        case .str(let raw): text += Self.stringRepr(Self.decodeEscapes(raw))
        case .bytes(let hex, let mutable): text += mutable ? "bytearray.fromhex('\(hex)')" : "bytes.fromhex('\(hex)')"
        case .list(let values): items(values, "[", "]")
        case .tuple(let values): items(values, "(", values.count == 1 ? ",)" : ")")
        case .dict(let flat):
            text += "{"
            for index in stride(from: 0, to: flat.count, by: 2) {
                if index > 0 { text += ", " }
                flat[index].render(into: &text, limit: limit)
                text += ": "
                flat[index + 1].render(into: &text, limit: limit)
                if text.count > limit { return }
            }
            text += "}"
        case .set(let values, let frozen):
            if values.isEmpty { text += frozen ? "frozenset()" : "set()" } else { items(values, frozen ? "frozenset({" : "{", frozen ? "})" : "}") }
        case .subclass(let name, let value):
            text += "\(name)("
            value.render(into: &text, limit: limit)
            text += ")"
        case .opaque(let name, let preview): text += preview.isEmpty ? "<\(name) object>" : preview
        case .elided(_, let type, let count, let preview):
            text += Self.decodeEscapes(Array(preview.utf8)) + " (\(type)\(count.map { " of length \($0)" } ?? ""), compared by digest)"
        }
    }

    static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let text = "\(value)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    static func stringRepr(_ value: String) -> String {
        let quote: Character = value.contains("'") && !value.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }
}
