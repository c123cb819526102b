/// Byte-level JSON scanning that keeps values as their original text.
///
/// Benchmark inputs hold integers beyond 64 bits (13 HumanEval+ tasks do), which a decode into
/// ``JSONValue`` would round to doubles. Inputs are therefore carried as their exact JSON text,
/// split here without being interpreted, and parsed only by Python inside the sandbox.
public enum RawJSON {
    /// A malformed JSON text.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The top-level members of a JSON object, each as the byte range of its value text.
    public static func objectMembers(_ bytes: [UInt8]) throws -> [(key: String, value: Range<Int>)] {
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw Malformed(offset: index, message: "expected an object") }
        index = skipSpace(bytes, index + 1)
        var members: [(key: String, value: Range<Int>)] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return members }
        while true {
            let keyRange = try stringRange(bytes, index)
            let key = try decodeString(bytes[keyRange])
            index = skipSpace(bytes, keyRange.upperBound)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed(offset: index, message: "expected ':'") }
            index = skipSpace(bytes, index + 1)
            let end = try valueEnd(bytes, index)
            members.append((key, index..<end))
            index = skipSpace(bytes, end)
            guard index < bytes.count else { throw Malformed(offset: index, message: "unterminated object") }
            if bytes[index] == UInt8(ascii: "}") { return members }
            guard bytes[index] == UInt8(ascii: ",") else { throw Malformed(offset: index, message: "expected ',' or '}'") }
            index = skipSpace(bytes, index + 1)
        }
    }

    /// The elements of a JSON array text, each as its own text.
    public static func arrayElements(_ text: some Collection<UInt8>) throws -> [[UInt8]] {
        let bytes = Array(text)
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw Malformed(offset: index, message: "expected an array") }
        index = skipSpace(bytes, index + 1)
        var elements: [[UInt8]] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return elements }
        while true {
            let end = try valueEnd(bytes, index)
            elements.append(Array(bytes[index..<end]))
            index = skipSpace(bytes, end)
            guard index < bytes.count else { throw Malformed(offset: index, message: "unterminated array") }
            if bytes[index] == UInt8(ascii: "]") { return elements }
            guard bytes[index] == UInt8(ascii: ",") else { throw Malformed(offset: index, message: "expected ',' or ']'") }
            index = skipSpace(bytes, index + 1)
        }
    }

    /// Number of elements of a JSON array text.
    public static func arrayCount(_ text: some Collection<UInt8>) throws -> Int {
        try arrayElements(text).count
    }

    /// Decodes the JSON string literal in `bytes` (quotes included).
    public static func decodeString(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else {
            throw Malformed(offset: bytes.startIndex, message: "expected a string")
        }
        let inner = Array(bytes.dropFirst().dropLast())
        guard String(validating: inner, as: UTF8.self) != nil else { throw Malformed(offset: bytes.startIndex, message: "invalid UTF-8") }
        return PyValue.decodeEscapes(inner)
    }

    static func skipSpace(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D {
            index += 1
        }
        return index
    }

    static func stringRange(_ bytes: [UInt8], _ start: Int) throws -> Range<Int> {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { throw Malformed(offset: start, message: "expected a string") }
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return start..<(index + 1)
            default: index += 1
            }
        }
        throw Malformed(offset: start, message: "unterminated string")
    }

    /// The end (exclusive) of the JSON value starting at `start`.
    static func valueEnd(_ bytes: [UInt8], _ start: Int) throws -> Int {
        guard start < bytes.count else { throw Malformed(offset: start, message: "expected a value") }
        switch bytes[start] {
        case UInt8(ascii: "\""): return try stringRange(bytes, start).upperBound
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""): index = try stringRange(bytes, index).upperBound; continue
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default: break
                }
                index += 1
            }
            throw Malformed(offset: start, message: "unterminated container")
        default:
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") || byte == 0x20
                    || byte == 0x0A || byte == 0x09 || byte == 0x0D
                {
                    break
                }
                index += 1
            }
            guard index > start else { throw Malformed(offset: start, message: "expected a value") }
            return index
        }
    }
}
