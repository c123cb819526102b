public import AssayCore

/// Reads BigCodeBench problem files (the Hugging Face schema of `bigcode/bigcodebench`, as in
/// `BigCodeBench-v0.1.0-hf.jsonl.gz`): `task_id`, `complete_prompt`, `instruct_prompt`,
/// `code_prompt`, `canonical_solution`, `test` (a `unittest` module), `entry_point`, `doc_struct`
/// (a JSON string) and `libs` (a Python-literal list in a string).
///
/// A problem's ``Problem/prompt`` is the split's prompt (`complete_prompt` or `instruct_prompt`);
/// every field is also kept in ``Problem/extras`` (`libs` parsed into an array of strings), so the
/// harness can assemble the anchor's programs whatever the split.
public enum BigCodeBenchFormat {
    /// The two prompt flavours of BigCodeBench.
    public enum Split: String, Sendable, CaseIterable {
        case complete
        case instruct
    }

    /// The format identifier of BigCodeBench problem sets.
    public static let format = "bigcodebench"

    /// The fields the anchor's loader requires.
    static let required = ["task_id", "complete_prompt", "instruct_prompt", "canonical_solution", "code_prompt", "test", "entry_point"]

    /// True when a decoded problem object looks like BigCodeBench's schema.
    public static func matches(_ fields: [String: JSONValue]) -> Bool {
        fields["complete_prompt"] != nil && fields["code_prompt"] != nil
    }

    /// Loads a BigCodeBench file. Any bad line, missing field, unparsable `libs` or duplicate task
    /// id refuses the whole file, with its file and line.
    ///
    /// The set's hash is the file's SHA-256 plus the split, so the two splits are different sets.
    public static func load(path: String, name: String, split: Split = .complete) throws -> ProblemSet {
        let objects = try JSONLReader.problemObjects(path: path)
        var problems: [Problem] = []
        var seen = Set<String>()
        for object in objects {
            let values = try object.requiredStrings(required, kind: "BigCodeBench")
            let taskID = values["task_id"]!
            guard seen.insert(taskID).inserted else {
                throw InputError("duplicate task_id '\(taskID)'", at: object.location)
            }
            var extras = object.fields
            for key in ["task_id", "canonical_solution", "test", "entry_point"] { extras.removeValue(forKey: key) }
            extras["libs"] = .array(try libs(object.fields["libs"], at: object.location).map { .string($0) })
            extras["split"] = .string(split.rawValue)
            let prompt = split == .complete ? values["complete_prompt"]! : values["instruct_prompt"]!
            problems.append(Problem(
                taskID: taskID, prompt: prompt, canonicalSolution: values["canonical_solution"]!, test: values["test"]!,
                entryPoint: values["entry_point"]!, extras: extras))
        }
        guard !problems.isEmpty else { throw InputError("no problems in \(path)") }
        let fileHash = try FileBytes.sha256(path)
        let hash = SHA256.hex(of: Array("\(fileHash)\nbigcodebench-split=\(split.rawValue)\n".utf8))
        return ProblemSet(name: name, source: path, format: format, hash: hash, problems: problems)
    }

    /// `libs` as stored: a Python-literal list in a string (the usual case), a JSON array, or absent.
    static func libs(_ value: JSONValue?, at location: SourceLocation) throws -> [String] {
        switch value {
        case nil, .null?:
            return []
        case .string(let text)?:
            do {
                return try PythonLiteral.stringList(text)
            } catch {
                throw InputError("field 'libs' is not a Python list of strings (\(error))", at: location)
            }
        case .array(let items)?:
            return try items.map {
                guard case .string(let name) = $0 else { throw InputError("field 'libs' must list strings", at: location) }
                return name
            }
        default:
            throw InputError("field 'libs' must be a string holding a Python list", at: location)
        }
    }
}
