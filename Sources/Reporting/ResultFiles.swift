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
    /// Input/output tasks: each split's status (`base` → `pass`), written as `<split>_status`.
    public var splitStatus: [String: String] = [:]
    /// Input/output tasks: each split's failing inputs as exact JSON text, written as
    /// `<split>_fail_tests` (evalplus's key; only the first unless test details were on).
    public var failTests: [String: [String]] = [:]
    /// Per-test results of unittest-style tasks (BigCodeBench); absent for other kinds.
    public var tests: [TestCaseResult]?
    /// Why the task is not scored on this machine (BigCodeBench's ground-truth gate); absent otherwise.
    public var excluded: String?

    /// ENAMEL runs: the sample's hardness-weighted efficiency score e and its per-level scores.
    public var eff: Double?
    public var effLevels: [Double]?

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", sample, status, errorType = "error_type", detail, cpuMS = "cpu_ms", wallMS = "wall_ms"
        case maxRSSKiB = "max_rss_kib", tamper
        case bugCategory = "bug_category", bugSubcategory = "bug_subcategory", bugEvidence = "bug_evidence"
        case bugConfidence = "bug_confidence", bugAlternatives = "bug_alternatives", bugTags = "bug_tags", complexity
        case tests, excluded
        case eff, effLevels = "eff_levels"
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
        tests = outcome.tests.isEmpty ? nil : outcome.tests
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
        if let splits = outcome.record?["splits"]?.objectValue {
            for (name, entry) in splits {
                if let status = entry["status"]?.stringValue { splitStatus[name] = status }
                if let inputs = entry["fail_inputs"]?.arrayValue { failTests[name] = inputs.compactMap(\.stringValue) }
                else if splitStatus[name] != nil { failTests[name] = [] }
            }
        }
    }

    /// The line carries the taxonomy fields (explicit nulls included, for a stable schema).
    private var hasDiagnosis = false

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(taskID, forKey: DynamicKey(CodingKeys.taskID.rawValue))
        try container.encode(sample, forKey: DynamicKey(CodingKeys.sample.rawValue))
        try container.encode(status, forKey: DynamicKey(CodingKeys.status.rawValue))
        try container.encode(errorType, forKey: DynamicKey(CodingKeys.errorType.rawValue))  // explicit null, stable schema
        try container.encode(detail, forKey: DynamicKey(CodingKeys.detail.rawValue))
        try container.encode(cpuMS, forKey: DynamicKey(CodingKeys.cpuMS.rawValue))
        try container.encode(wallMS, forKey: DynamicKey(CodingKeys.wallMS.rawValue))
        try container.encode(maxRSSKiB, forKey: DynamicKey(CodingKeys.maxRSSKiB.rawValue))
        try container.encodeIfPresent(tamper, forKey: DynamicKey(CodingKeys.tamper.rawValue))
        try container.encodeIfPresent(tests, forKey: DynamicKey(CodingKeys.tests.rawValue))
        try container.encodeIfPresent(excluded, forKey: DynamicKey(CodingKeys.excluded.rawValue))
        if hasDiagnosis {
            try container.encode(bugCategory, forKey: DynamicKey(CodingKeys.bugCategory.rawValue))
            try container.encode(bugSubcategory, forKey: DynamicKey(CodingKeys.bugSubcategory.rawValue))
            try container.encode(bugEvidence, forKey: DynamicKey(CodingKeys.bugEvidence.rawValue))
            try container.encode(bugConfidence, forKey: DynamicKey(CodingKeys.bugConfidence.rawValue))
            try container.encode(bugAlternatives, forKey: DynamicKey(CodingKeys.bugAlternatives.rawValue))
            try container.encode(bugTags, forKey: DynamicKey(CodingKeys.bugTags.rawValue))
            try container.encode(complexity, forKey: DynamicKey(CodingKeys.complexity.rawValue))
        }
        for (split, status) in splitStatus { try container.encode(status, forKey: DynamicKey("\(split)_status")) }
        try container.encodeIfPresent(eff, forKey: DynamicKey(CodingKeys.eff.rawValue))
        try container.encodeIfPresent(effLevels, forKey: DynamicKey(CodingKeys.effLevels.rawValue))
    }

    /// The JSON line: the encoded fields plus the failing inputs, spliced in as exact JSON text
    /// (they may hold integers beyond 64 bits).
    func jsonLine(_ encoder: JSONEncoder) throws -> Data {
        var data = try encoder.encode(self)
        guard !failTests.isEmpty, data.last == UInt8(ascii: "}") else { return data }
        data.removeLast()
        for (split, inputs) in failTests.sorted(by: { $0.key < $1.key }) {
            data.append(contentsOf: Array(",\"\(split)_fail_tests\":[".utf8))
            data.append(contentsOf: Array(inputs.joined(separator: ",").utf8))
            data.append(UInt8(ascii: "]"))
        }
        data.append(UInt8(ascii: "}"))
        return data
    }
}

/// A coding key made at run time (split names, section names).
struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Writes a run's `results.jsonl` and `summary.json`.
public enum ResultFiles {
    /// Lines in problem-set order, then sample index; a task in `excluded` (BigCodeBench's
    /// ground-truth gate) carries its reason.
    public static func lines(
        problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome], diagnoses: [SampleKey: SampleDiagnosis]? = nil,
        excluded: [String: String] = [:],
        scores: [SampleKey: EfficiencyScore] = [:]
    ) -> [ResultLine] {
        let order = Dictionary(problemSet.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        return samples
            .sorted { (order[$0.taskID] ?? .max, $0.index) < (order[$1.taskID] ?? .max, $1.index) }
            .compactMap { sample in
                outcomes[sample.key].map { outcome in
                    // With a taxonomy, every line has its fields (null where there is no diagnosis).
                    let diagnosis = diagnoses.map { $0[sample.key] ?? SampleDiagnosis(key: sample.key, label: nil, complexity: nil, findings: nil, classifier: "") }
                    var line = ResultLine(key: sample.key, outcome: outcome, diagnosis: diagnosis)
                    line.excluded = excluded[sample.taskID]
                    if let score = scores[sample.key] {
                        line.eff = score.eff
                        line.effLevels = score.levels
                    }
                    return line
                }
            }
    }

    /// Writes `lines` as JSON Lines to `file` (e.g. BigCodeBench's `results-raw.jsonl`).
    public static func writeLines(_ lines: [ResultLine], to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for line in lines {
            data.append(try line.jsonLine(encoder))
            data.append(0x0A)
        }
        try data.write(to: file, options: .atomic)
    }

    public static func write(lines: [ResultLine], summary: RunSummary, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for line in lines {
            data.append(try line.jsonLine(encoder))
            data.append(0x0A)
        }
        try data.write(to: directory.appendingPathComponent("results.jsonl"), options: .atomic)
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var summaryData = try encoder.encode(summary)
        summaryData.append(0x0A)
        try summaryData.write(to: directory.appendingPathComponent("summary.json"), options: .atomic)
    }
}
