/// One benchmark task, in the HumanEval shape that every supported format maps onto.
///
/// Format-specific fields (HumanEval+ `base_input`, BigCodeBench `libs`, ENAMEL generators, …)
/// are kept verbatim in ``extras`` so that later stages can use them without the core knowing
/// every format.
public struct Problem: Sendable, Hashable, Codable {
    public var taskID: String
    public var prompt: String
    public var canonicalSolution: String
    public var test: String
    public var entryPoint: String
    public var extras: [String: JSONValue]

    public init(
        taskID: String, prompt: String, canonicalSolution: String, test: String, entryPoint: String,
        extras: [String: JSONValue] = [:]
    ) {
        self.taskID = taskID
        self.prompt = prompt
        self.canonicalSolution = canonicalSolution
        self.test = test
        self.entryPoint = entryPoint
        self.extras = extras
    }
}

/// A loaded problem set: its problems in file order plus where they came from.
public struct ProblemSet: Sendable {
    /// Short name (`humaneval`, `assay-mini`) or the file name.
    public var name: String
    /// Absolute path of the file it was read from.
    public var source: String
    /// Format identifier, e.g. `humaneval`.
    public var format: String
    /// SHA-256 of the file's bytes: the identity used by caches and run configurations.
    public var hash: String
    public var problems: [Problem]

    public init(name: String, source: String, format: String, hash: String, problems: [Problem]) {
        self.name = name
        self.source = source
        self.format = format
        self.hash = hash
        self.problems = problems
    }

    /// Problems by task id.
    public var byTaskID: [String: Problem] {
        Dictionary(problems.map { ($0.taskID, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
