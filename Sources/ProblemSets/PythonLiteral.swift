public import AssayCore

/// A small parser for the Python literals datasets store inside strings, such as BigCodeBench's
/// `libs` field (`"['random', 'itertools']"`): strings (single, double or triple quoted, with
/// escapes, adjacent literals concatenated, `r`/`b`/`u` prefixes), integers, floats, `True`,
/// `False`, `None`, lists, tuples (as arrays) and dicts with string keys. Anything else (names,
/// calls, operators) is refused: this is `ast.literal_eval` for data, not an evaluator.
public enum PythonLiteral {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// 0-based offset (in Unicode scalars) where parsing failed.
        public var offset: Int
        public var message: String
        public var description: String { "\(message) at offset \(offset)" }
    }

    /// Parses `text` as one Python literal.
    public static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var parser = Parser(Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("unexpected text after the literal") }
        return value
    }

    /// Parses a literal list of strings (BigCodeBench `libs`).
    public static func stringList(_ text: String) throws(ParseError) -> [String] {
        let value = try parse(text)
        guard case .array(let items) = value else { throw ParseError(offset: 0, message: "expected a list") }
        var strings: [String] = []
        for item in items {
            guard case .string(let string) = item else { throw ParseError(offset: 0, message: "expected a list of strings") }
            strings.append(string)
        }
        return strings
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { index >= scalars.count }
        var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        func error(_ message: String) -> ParseError { ParseError(offset: index, message: message) }

        mutating func skipSpace() {
            while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
        }

        mutating func value() throws(ParseError) -> JSONValue {
            skipSpace()
            guard let c = current else { throw error("unexpected end of input") }
            if isPrefixedString() { return .string(try strings()) }
            switch c {
            case "[": return .array(try sequence(close: "]"))
            case "(": return .array(try sequence(close: ")"))
            case "{": return try dictionary()
            case "'", "\"": return .string(try strings())
            case "-", "+", "0"..."9", ".": return try number()
            default:
                let word = identifier()
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .null
                case "": throw error("unexpected character '\(c)'")
                default: throw error("'\(word)' is not a literal")
                }
            }
        }

        func isPrefixedString() -> Bool {
            var i = index
            while i < scalars.count, i - index < 2, "rRbBuU".unicodeScalars.contains(scalars[i]) { i += 1 }
            return i < scalars.count && (scalars[i] == "'" || scalars[i] == "\"")
        }

        mutating func identifier() -> String {
            var word = ""
            while let c = current, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                word.unicodeScalars.append(c)
                index += 1
            }
            return word
        }

        mutating func sequence(close: Unicode.Scalar) throws(ParseError) -> [JSONValue] {
            index += 1
            var items: [JSONValue] = []
            while true {
                skipSpace()
                if current == close { index += 1; return items }
                items.append(try value())
                skipSpace()
                if current == "," { index += 1; continue }
                if current == close { index += 1; return items }
                throw error(atEnd ? "unterminated \(close == "]" ? "list" : "tuple")" : "expected ',' or '\(close)'")
            }
        }

        mutating func dictionary() throws(ParseError) -> JSONValue {
            index += 1
            var object: [String: JSONValue] = [:]
            while true {
                skipSpace()
                if current == "}" { index += 1; return .object(object) }
                guard case .string(let key) = try value() else { throw error("dictionary keys must be strings") }
                skipSpace()
                guard current == ":" else { throw error("expected ':'") }
                index += 1
                object[key] = try value()
                skipSpace()
                if current == "," { index += 1; continue }
                if current == "}" { index += 1; return .object(object) }
                throw error(atEnd ? "unterminated dictionary" : "expected ',' or '}'")
            }
        }

        /// One or more adjacent string literals, concatenated as Python does.
        mutating func strings() throws(ParseError) -> String {
            var result = try string()
            while true {
                let save = index
                skipSpace()
                if let c = current, c == "'" || c == "\"" || isPrefixedString() {
                    result += try string()
                } else {
                    index = save
                    return result
                }
            }
        }

        mutating func string() throws(ParseError) -> String {
            var raw = false
            while let c = current, c != "'", c != "\"" {
                if c == "r" || c == "R" { raw = true }
                index += 1
            }
            guard let quote = current else { throw error("expected a string") }
            let triple = index + 2 < scalars.count && scalars[index + 1] == quote && scalars[index + 2] == quote
            index += triple ? 3 : 1
            var out = String.UnicodeScalarView()
            while true {
                guard let c = current else { throw error("unterminated string") }
                if c == quote {
                    if !triple { index += 1; return String(out) }
                    if index + 2 < scalars.count, scalars[index + 1] == quote, scalars[index + 2] == quote {
                        index += 3
                        return String(out)
                    }
                }
                if !triple, c == "\n" { throw error("newline in a single-quoted string") }
                if c == "\\" {
                    if raw {
                        out.append(c)
                        index += 1
                        if let next = current { out.append(next); index += 1 }
                        continue
                    }
                    index += 1
                    guard let e = current else { throw error("unterminated escape") }
                    index += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "0": out.append("\0")
                    case "a": out.append("\u{07}")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "v": out.append("\u{0B}")
                    case "\\", "'", "\"": out.append(e)
                    case "\n": break  // line continuation
                    case "x": out.append(try hexScalar(digits: 2))
                    case "u": out.append(try hexScalar(digits: 4))
                    case "U": out.append(try hexScalar(digits: 8))
                    default:
                        out.append("\\")  // Python keeps unknown escapes verbatim
                        out.append(e)
                    }
                    continue
                }
                out.append(c)
                index += 1
            }
        }

        mutating func hexScalar(digits: Int) throws(ParseError) -> Unicode.Scalar {
            guard index + digits <= scalars.count else { throw error("truncated \\x/\\u escape") }
            var text = ""
            for i in 0..<digits { text.unicodeScalars.append(scalars[index + i]) }
            guard let code = UInt32(text, radix: 16), let scalar = Unicode.Scalar(code) else { throw error("bad escape \\\(text)") }
            index += digits
            return scalar
        }

        mutating func number() throws(ParseError) -> JSONValue {
            let start = index
            var text = ""
            while let c = current, "+-0123456789._eExXabcdefABCDEFoObB".unicodeScalars.contains(c) {
                if c != "_" { text.unicodeScalars.append(c) }
                index += 1
            }
            if let value = Int(text) { return .int(value) }
            let lowered = text.lowercased()
            let sign = lowered.hasPrefix("-") ? -1 : 1
            let unsigned = lowered.trimmingPrefix(while: { $0 == "-" || $0 == "+" })
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where unsigned.hasPrefix(prefix) {
                if let value = Int(unsigned.dropFirst(2), radix: radix) { return .int(sign * value) }
            }
            if let value = Double(text), value.isFinite { return .double(value) }
            index = start
            throw error("bad number '\(text)'")
        }
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        var slice = self
        while let first = slice.first, predicate(first) { slice = slice.dropFirst() }
        return slice
    }
}

extension String {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        Substring(self).trimmingPrefix(while: predicate)
    }
}
