public import AssayCore
public import FoundationEssentials

/// One line of `results.jsonl`.
public struct ResultLine: Sendable, Codable, Equatable {
    public var taskID: String
    public var sample: Int
    public var status: String
    public var errorType: String?
    public var detail: String
    public var cpuMS: Double
    public var wallMS: Double
    public var maxRSSKiB: Int
    public var tamper: [String]?
    /// The bug label (null when the sample passed or was not analysed).
    public var bugCategory: String?
    public var bugSubcategory: String?
    public var bugEvidence: String?
    public var bugConfidence: String?
    public var bugAlternatives: [String]?
    public var bugTags: [String]?
    /// Dou et al.'s measures of the sample's code: `loc`, `cc`, `calls`.
    public var complexity: CodeComplexity?

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", sample, status, errorType = "error_type", detail, cpuMS = "cpu_ms", wallMS = "wall_ms"
        case maxRSSKiB = "max_rss_kib", tamper
        case bugCategory = "bug_category", bugSubcategory = "bug_subcategory", bugEvidence = "bug_evidence"
        case bugConfidence = "bug_confidence", bugAlternatives = "bug_alternatives", bugTags = "bug_tags", complexity
    }

    public init(key: SampleKey, outcome: ExecutionOutcome, diagnosis: SampleDiagnosis? = nil) {
        taskID = key.taskID
        sample = key.index
        status = outcome.status.rawValue
        errorType = outcome.errorType
        detail = outcome.detail
        cpuMS = (outcome.cpuMS * 1000).rounded() / 1000
        wallMS = (outcome.wallMS * 1000).rounded() / 1000
        maxRSSKiB = outcome.maxRSSKiB
        tamper = outcome.tamper.isEmpty ? nil : outcome.tamper
        if let label = diagnosis?.label {
            bugCategory = label.category.rawValue
            bugSubcategory = label.subcategory.rawValue
            bugEvidence = label.evidence
            bugConfidence = label.confidence.rawValue
            bugAlternatives = label.alternatives.map(\.rawValue)
            bugTags = label.tags.isEmpty ? nil : label.tags
        }
        complexity = diagnosis?.complexity
        hasDiagnosis = diagnosis != nil
    }

    /// The line carries the taxonomy fields (explicit nulls included, for a stable schema).
    private var hasDiagnosis = false

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(sample, forKey: .sample)
        try container.encode(status, forKey: .status)
        try container.encode(errorType, forKey: .errorType)  // explicit null, stable schema
        try container.encode(detail, forKey: .detail)
        try container.encode(cpuMS, forKey: .cpuMS)
        try container.encode(wallMS, forKey: .wallMS)
        try container.encode(maxRSSKiB, forKey: .maxRSSKiB)
        try container.encodeIfPresent(tamper, forKey: .tamper)
        if hasDiagnosis {
            try container.encode(bugCategory, forKey: .bugCategory)
            try container.encode(bugSubcategory, forKey: .bugSubcategory)
            try container.encode(bugEvidence, forKey: .bugEvidence)
            try container.encode(bugConfidence, forKey: .bugConfidence)
            try container.encode(bugAlternatives, forKey: .bugAlternatives)
            try container.encode(bugTags, forKey: .bugTags)
            try container.encode(complexity, forKey: .complexity)
        }
    }
}

/// Writes a run's `results.jsonl` and `summary.json`.
public enum ResultFiles {
    /// Lines in problem-set order, then sample index.
    public static func lines(
        problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome], diagnoses: [SampleKey: SampleDiagnosis]? = nil
    ) -> [ResultLine] {
        let order = Dictionary(problemSet.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        return samples
            .sorted { (order[$0.taskID] ?? .max, $0.index) < (order[$1.taskID] ?? .max, $1.index) }
            .compactMap { sample in
                outcomes[sample.key].map { outcome in
                    // With a taxonomy, every line has its fields (null where there is no diagnosis).
                    let diagnosis = diagnoses.map { $0[sample.key] ?? SampleDiagnosis(key: sample.key, label: nil, complexity: nil, findings: nil, classifier: "") }
                    return ResultLine(key: sample.key, outcome: outcome, diagnosis: diagnosis)
                }
            }
    }

    public static func write(lines: [ResultLine], summary: RunSummary, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for line in lines {
            data.append(try encoder.encode(line))
            data.append(0x0A)
        }
        try data.write(to: directory.appendingPathComponent("results.jsonl"), options: .atomic)
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var summaryData = try encoder.encode(summary)
        summaryData.append(0x0A)
        try summaryData.write(to: directory.appendingPathComponent("summary.json"), options: .atomic)
    }
}
