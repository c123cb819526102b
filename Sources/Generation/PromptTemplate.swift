public import AssayCore
import Foundation

/// A prompt template loaded from a JSON file (`Problems/prompts/<name>.json`).
///
/// ```json
/// {"name": "instruct", "mode": "instruct", "system": null,
///  "user": "… a markdown code block:\n```python\n{prompt_stripped}\n```"}
/// {"name": "base", "mode": "base", "prompt": "{prompt}", "stop": ["\ndef ", …]}
/// ```
///
/// Placeholders: `{prompt}` (the problem's prompt), `{prompt_stripped}` (with surrounding
/// whitespace removed, as EvalPlus sends it), `{entry_point}`, `{task_id}`. Text that is not a
/// placeholder, braces included, is kept as written.
public struct PromptTemplate: Sendable, Hashable {
    public var name: String
    public var mode: PromptMode
    public var system: String?
    /// Instruct: the user turn. Base: the raw prompt.
    public var text: String
    public var stop: [String]
    /// SHA-256 of the file: part of the generation key, so editing a template starts fresh samples.
    public var hash: String
    public var path: String

    /// Loads a template by name (from `Problems/prompts/`) or path.
    public static func load(_ nameOrPath: String) throws -> PromptTemplate {
        let path: String
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            path = nameOrPath
        } else {
            path = try Resources.problems().appendingPathComponent("prompts/\(nameOrPath).json").path
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: Resources.problems().appendingPathComponent("prompts").path))?
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted() ?? []
            throw InputError("no prompt template '\(nameOrPath)' (looked for \(path))",
                             hint: known.isEmpty ? "give a path to a template .json file" : "known templates: \(known.joined(separator: ", "))")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let object) = value,
            let modeName = object["mode"]?.stringValue, let mode = PromptMode(rawValue: modeName)
        else {
            throw InputError("prompt template \(path) is not a JSON object with \"mode\": \"base\" or \"instruct\"")
        }
        let text = mode == .base ? object["prompt"]?.stringValue : object["user"]?.stringValue
        guard let text else {
            throw InputError("prompt template \(path) needs a \"\(mode == .base ? "prompt" : "user")\" string")
        }
        return PromptTemplate(
            name: object["name"]?.stringValue ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, mode: mode,
            system: object["system"]?.stringValue, text: text,
            stop: object["stop"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            hash: SHA256.hex(of: [UInt8](data)), path: path)
    }

    /// The prompt for one problem.
    public func render(_ problem: Problem) -> ModelPrompt {
        let filled = Self.fill(text, problem)
        switch mode {
        case .base: return .text(filled)
        case .instruct:
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(Self.fill(system, problem))) }
            messages.append(.user(filled))
            return .chat(messages)
        }
    }

    static func fill(_ template: String, _ problem: Problem) -> String {
        fill(template, [
            "prompt": problem.prompt,
            "prompt_stripped": problem.prompt.trimmingCharacters(in: .whitespacesAndNewlines),
            "entry_point": problem.entryPoint,
            "task_id": problem.taskID,
        ])
    }

    /// Replaces `{name}` placeholders; other braces stay as written. Values are not re-scanned.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        return out + rest
    }
}
