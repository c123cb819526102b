/// Just enough of Python's lexical structure to cut source into top-level statements and to
/// list the identifiers a statement mentions: strings (all quote forms), comments, brackets,
/// backslash continuations. No parsing beyond that; it never fails, whatever the input.
enum PythonSource {
    enum Kind: Equatable {
        case importStatement
        case function(String)
        case classDefinition(String)
        case assignment([String])
        case mainGuard
        case other
    }

    struct Statement {
        /// 0-based line range in the source.
        var firstLine: Int
        var endLine: Int
        var text: String
        var kind: Kind

        /// Names this statement defines at top level.
        var defines: [String] {
            switch kind {
            case .function(let name), .classDefinition(let name): return [name]
            case .assignment(let names): return names
            default: return []
            }
        }
    }

    /// Splits `code` into top-level statements. Comment and blank lines between statements
    /// belong to the statement before them; decorators belong to the definition after them.
    static func statements(_ code: String) -> [Statement] {
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var starts: [Int] = []
        var state = LexState()
        var pendingDecorator = false
        for (index, line) in lines.enumerated() {
            let atLogicalStart = state.isAtLogicalStart
            let first = line.first
            let isIndented = first == " " || first == "\t"
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            let blankOrComment = trimmed.isEmpty || trimmed.first == "#"
            // A column-0 def/class/import cannot be inside brackets in valid code: recover from
            // prose that left a bracket open.
            if !atLogicalStart, state.tripleQuote == nil, !isIndented, startsDefinition(line) {
                state.reset()
            }
            if state.isAtLogicalStart && !isIndented && !blankOrComment {
                let continuesCompound = ["else", "elif", "except", "finally"].contains { keyword in
                    line.hasPrefix(keyword) && (line.dropFirst(keyword.count).first.map { $0 == ":" || $0 == " " || $0 == "(" } ?? false)
                }
                if !continuesCompound && !pendingDecorator { starts.append(index) }
                pendingDecorator = line.hasPrefix("@")
            }
            state.scan(line)
        }
        var result: [Statement] = []
        for (position, start) in starts.enumerated() {
            var end = position + 1 < starts.count ? starts[position + 1] : lines.count
            // Trailing blank and comment lines are not part of the statement's text.
            while end > start + 1 {
                let trimmed = lines[end - 1].drop { $0 == " " || $0 == "\t" }
                if trimmed.isEmpty || trimmed.first == "#" { end -= 1 } else { break }
            }
            let text = lines[start..<end].joined(separator: "\n")
            result.append(Statement(firstLine: start, endLine: end, text: text, kind: kind(of: text)))
        }
        return result
    }

    static func startsDefinition(_ line: String) -> Bool {
        ["def ", "class ", "async def ", "import ", "from ", "@"].contains { line.hasPrefix($0) }
    }

    static func kind(of text: String) -> Kind {
        // Skip decorators.
        var header = Substring(text)
        while header.hasPrefix("@"), let newline = header.firstIndex(of: "\n") {
            header = header[header.index(after: newline)...]
        }
        if header.hasPrefix("import ") || header.hasPrefix("from ") { return .importStatement }
        for prefix in ["def ", "async def "] where header.hasPrefix(prefix) {
            return .function(identifier(at: header.dropFirst(prefix.count)))
        }
        if header.hasPrefix("class ") { return .classDefinition(identifier(at: header.dropFirst(6))) }
        if header.hasPrefix("if __name__") || header.hasPrefix("if '__main__'") || header.hasPrefix("if \"__main__\"") {
            return .mainGuard
        }
        if let names = assignedNames(header) { return .assignment(names) }
        return .other
    }

    static func identifier(at text: Substring) -> String {
        let trimmed = text.drop { $0 == " " }
        return String(trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }

    /// `a = …`, `a, b = …`, `a: T = …` → the names; nil for anything else (`a == b`, `f(x)`, `a[0] = …`).
    static func assignedNames(_ header: Substring) -> [String]? {
        var names: [String] = []
        var rest = header
        while true {
            rest = rest.drop { $0 == " " || $0 == "(" }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            guard let first = name.first, first.isLetter || first == "_" else { return nil }
            names.append(String(name))
            rest = rest.dropFirst(name.count).drop { $0 == " " || $0 == ")" }
            if rest.first == "," { rest = rest.dropFirst(); continue }
            break
        }
        if rest.first == ":" {
            // Annotated assignment: `name: T = value` (no `=` means a bare annotation).
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            rest = rest[equals...]
        }
        let operators = ["=", "+=", "-=", "*=", "/=", "|=", "&=", "//=", "%=", "**=", "^=", ">>=", "<<="]
        guard operators.contains(where: { rest.hasPrefix($0) }), !rest.hasPrefix("==") else { return nil }
        return names
    }

    /// Identifiers mentioned in `text`, outside strings and comments.
    static func identifiers(in text: String) -> Set<String> { identifierTokens(text) }

    /// Identifier tokens of `text`, skipping string literals (triple-quoted ones across lines) and comments.
    static func identifierTokens(_ text: String) -> Set<String> {
        var names = Set<String>()
        let chars = Array(text)
        var i = 0
        var quote: [Character]? = nil
        var current = ""
        func flush() {
            if let first = current.first, first.isLetter || first == "_" { names.insert(current) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 2; continue }
                if chars[i...].starts(with: q) { i += q.count; quote = nil; continue }
                if q.count == 1 && c == "\n" { quote = nil }
                i += 1
                continue
            }
            if c == "#" {
                flush()
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" || c == "'" {
                flush()
                let triple = [c, c, c]
                quote = chars[i...].starts(with: triple) ? triple : [c]
                i += quote!.count
                continue
            }
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                flush()
            }
            i += 1
        }
        flush()
        return names
    }
}

/// Lexical state carried from one line to the next.
struct LexState {
    var depth = 0
    /// The open triple quote (`"""` or `'''`), if any.
    var tripleQuote: String?
    var backslashContinuation = false

    var isAtLogicalStart: Bool { depth == 0 && tripleQuote == nil && !backslashContinuation }

    mutating func reset() {
        depth = 0
        tripleQuote = nil
        backslashContinuation = false
    }

    mutating func scan(_ line: String) {
        backslashContinuation = false
        let chars = Array(line)
        var i = 0
        var single: Character? = nil
        while i < chars.count {
            let c = chars[i]
            if let triple = tripleQuote {
                if c == "\\" { i += 2; continue }
                let q = Array(triple)
                if chars[i...].starts(with: q) { tripleQuote = nil; i += 3; continue }
                i += 1
                continue
            }
            if let s = single {
                if c == "\\" { i += 2; continue }
                if c == s { single = nil }
                i += 1
                continue
            }
            switch c {
            case "#":
                return
            case "\"", "'":
                if chars[i...].starts(with: [c, c, c]) {
                    tripleQuote = String(repeating: c, count: 3)
                    i += 3
                    continue
                }
                single = c
            case "(", "[", "{":
                depth += 1
            case ")", "]", "}":
                depth = max(0, depth - 1)
            case "\\" where i == chars.count - 1:
                backslashContinuation = true
            default:
                break
            }
            i += 1
        }
    }
}
