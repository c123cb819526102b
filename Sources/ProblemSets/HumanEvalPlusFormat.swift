public import AssayCore

/// Reads evalplus's HumanEval+ files (`HumanEvalPlus[-Mini|-NoExtreme]-v0.1.10.jsonl.gz`).
///
/// Fields as formats.md §2.2 describes them; `test` is optional (the Mini variant has none).
/// `base_input` and `plus_input` are kept as their exact JSON text in
/// ``Problem/extras`` (`base_input_json`, `plus_input_json`): 13 tasks hold integers beyond
/// 64 bits, which a JSON decode into doubles would change. Python parses them, in the sandbox.
/// Also kept: `atol` (a number), `contract` (a string), `n_base_inputs`, `n_plus_inputs`.
public enum HumanEvalPlusFormat {
    public static let format = "humanevalplus"
    static let required = ["task_id", "prompt", "entry_point", "canonical_solution", "contract", "base_input", "plus_input", "atol"]

    /// True when the first line of a JSON Lines file has HumanEval+'s `base_input`.
    public static func detect(_ bytes: [UInt8]) -> Bool {
        guard let first = JSONLines.split(bytes).first,
              let members = try? RawJSON.objectMembers(Array(first.bytes)) else { return false }
        let keys = Set(members.map(\.key))
        return keys.contains("base_input") && keys.contains("plus_input")
    }

    /// Loads a HumanEval+ file; a bad line refuses the whole file with `file:line`.
    public static func load(path: String, name: String, bytes preloaded: [UInt8]? = nil) throws -> ProblemSet {
        let bytes = try preloaded ?? FileBytes.read(path)
        var problems: [Problem] = []
        var seen = Set<String>()
        for line in JSONLines.split(bytes) {
            let location = SourceLocation(file: path, line: line.number)
            let text = Array(line.bytes)
            let members: [(key: String, value: Range<Int>)]
            do {
                members = try RawJSON.objectMembers(text)
            } catch {
                throw InputError("malformed JSON (\(error))", at: location, hint: "problem files must be valid JSON Lines; fix or re-download the file")
            }
            var fields: [String: ArraySlice<UInt8>] = [:]
            for member in members { fields[member.key] = text[member.value] }
            for key in required where fields[key] == nil {
                throw InputError("missing field '\(key)'", at: location, hint: "a HumanEval+ problem needs \(required.joined(separator: ", "))")
            }
            func string(_ key: String) throws -> String {
                do {
                    return try RawJSON.decodeString(fields[key]!)
                } catch {
                    throw InputError("field '\(key)' must be a string", at: location)
                }
            }
            let taskID = try string("task_id")
            guard seen.insert(taskID).inserted else { throw InputError("duplicate task_id '\(taskID)'", at: location) }
            var extras: [String: JSONValue] = [:]
            let atolText = String(decoding: fields["atol"]!, as: UTF8.self)
            guard let atol = Double(atolText), atol >= 0 else {
                throw InputError("field 'atol' must be a non-negative number, found \(atolText.prefix(40))", at: location)
            }
            extras["atol"] = Int(atolText).map { .int($0) } ?? .double(atol)
            extras["contract"] = .string(try string("contract"))
            for split in ["base", "plus"] {
                let raw = fields["\(split)_input"]!
                let count: Int
                do {
                    count = try RawJSON.arrayCount(raw)
                } catch {
                    throw InputError("field '\(split)_input' must be a list of argument lists (\(error))", at: location)
                }
                extras["\(split)_input_json"] = .string(String(decoding: raw, as: UTF8.self))
                extras["n_\(split)_inputs"] = .int(count)
            }
            let test = fields["test"] != nil ? try string("test") : ""
            problems.append(Problem(
                taskID: taskID, prompt: try string("prompt"), canonicalSolution: try string("canonical_solution"),
                test: test, entryPoint: try string("entry_point"), extras: extras))
        }
        guard !problems.isEmpty else { throw InputError("no problems in \(path)") }
        return ProblemSet(name: name, source: path, format: format, hash: try FileBytes.sha256(path), problems: problems)
    }
}
