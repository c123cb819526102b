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

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", sample, status, errorType = "error_type", detail, cpuMS = "cpu_ms", wallMS = "wall_ms"
        case maxRSSKiB = "max_rss_kib", tamper
    }

    public init(key: SampleKey, outcome: ExecutionOutcome) {
        taskID = key.taskID
        sample = key.index
        status = outcome.status.rawValue
        errorType = outcome.errorType
        detail = outcome.detail
        cpuMS = (outcome.cpuMS * 1000).rounded() / 1000
        wallMS = (outcome.wallMS * 1000).rounded() / 1000
        maxRSSKiB = outcome.maxRSSKiB
        tamper = outcome.tamper.isEmpty ? nil : outcome.tamper
    }

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
    }
}

/// Writes a run's `results.jsonl` and `summary.json`.
public enum ResultFiles {
    /// Lines in problem-set order, then sample index.
    public static func lines(problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome]) -> [ResultLine] {
        let order = Dictionary(problemSet.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        return samples
            .sorted { (order[$0.taskID] ?? .max, $0.index) < (order[$1.taskID] ?? .max, $1.index) }
            .compactMap { sample in outcomes[sample.key].map { ResultLine(key: sample.key, outcome: $0) } }
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
