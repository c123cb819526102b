public import AssayCore
public import FoundationEssentials

/// `generation.json`: what a generation pass asked, got and cost.
public struct GenerationSummary: Sendable, Codable, Equatable {
    public var problems: String
    public var api: String
    public var model: String
    public var baseURL: String
    public var template: String
    public var generationKey: String
    public var n: Int
    /// Decoding settings as sent (temperature, top_p, max_tokens, seed).
    public var decoding: [String: JSONValue]
    public var samples: Int
    public var generatedNow: Int
    /// Samples whose stored answer was reused (no request sent).
    public var reused: Int
    /// Requests answered by this invocation, and the HTTP attempts they took.
    public var calls: Int
    public var attempts: Int
    public var tokensIn: Int
    public var tokensOut: Int
    /// Totals over every invocation of this generation configuration (the ledger).
    public var ledger: LedgerTotals?
    public var wallSeconds: Double
    /// Every extraction status → its count (zeros included).
    public var extraction: [String: Int]
    /// Samples that could not be generated (they stay missing; a rerun asks again).
    public var failed: Int
    public var notices: [String]
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case problems, api, model, baseURL = "base_url", template, generationKey = "generation_key", n, decoding, samples
        case generatedNow = "generated_now", reused, calls, attempts, tokensIn = "tokens_in", tokensOut = "tokens_out", ledger
        case wallSeconds = "wall_seconds", extraction, failed, notices, complete
    }

    public init(
        problems: String, api: String, model: String, baseURL: String, template: String, generationKey: String, n: Int,
        decoding: [String: JSONValue], samples: [GeneratedSample], generatedNow: Int, reused: Int, calls: Int, attempts: Int,
        tokensIn: Int, tokensOut: Int, ledger: LedgerTotals?, wallSeconds: Double, failed: Int, notices: [String], complete: Bool
    ) {
        self.problems = problems
        self.api = api
        self.model = model
        self.baseURL = baseURL
        self.template = template
        self.generationKey = generationKey
        self.n = n
        self.decoding = decoding
        self.samples = samples.count
        self.generatedNow = generatedNow
        self.reused = reused
        self.calls = calls
        self.attempts = attempts
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.ledger = ledger
        self.wallSeconds = (wallSeconds * 1000).rounded() / 1000
        var counts = Dictionary(uniqueKeysWithValues: ExtractionStatus.allCases.map { ($0.rawValue, 0) })
        for sample in samples { counts[sample.status.rawValue, default: 0] += 1 }
        extraction = counts
        self.failed = failed
        self.notices = notices
        self.complete = complete
    }

    /// The lines `assay generate` and `assay run` print about generation.
    public func terminalLines() -> String {
        var out = ""
        let reusedText = reused > 0 ? " (\(generatedNow) now, \(reused) stored answers reused)" : ""
        out += "  " + "samples".padding(to: 12) + "\(samples)\(reusedText)\n"
        let statuses = ExtractionStatus.allCases.compactMap { status -> String? in
            let count = extraction[status.rawValue] ?? 0
            return count > 0 ? "\(status.rawValue) \(count)" : nil
        }
        out += "  " + "extraction".padding(to: 12) + (statuses.isEmpty ? "-" : statuses.joined(separator: " · ")) + "\n"
        if api != "replay" && api != "reference" {
            out += "  " + "model calls".padding(to: 12) + "\(calls) (\(attempts) HTTP attempts) · tokens in \(tokensIn) · out \(tokensOut)\n"
        }
        out += "  " + "wall time".padding(to: 12) + Self.seconds(wallSeconds) + "\n"
        return out
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}

/// Writes generated samples: `samples.jsonl` (evalplus format, `{task_id, solution}`),
/// `samples.raw.jsonl` (the raw answers with their extraction) and `generation.json`.
public enum GenerationFiles {
    struct RawLine: Encodable {
        var taskID: String
        var sample: Int
        var raw: String
        var finishReason: String?
        var extractionStatus: String
        var extractionDetail: String
        var solution: String
        var requestID: Int64?

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id", sample, raw, finishReason = "finish_reason", extractionStatus = "extraction_status"
            case extractionDetail = "extraction_detail", solution, requestID = "request_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(taskID, forKey: .taskID)
            try container.encode(sample, forKey: .sample)
            try container.encode(raw, forKey: .raw)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(extractionStatus, forKey: .extractionStatus)
            try container.encode(extractionDetail, forKey: .extractionDetail)
            try container.encode(solution, forKey: .solution)
            try container.encode(requestID, forKey: .requestID)
        }
    }

    /// The evalplus `solution` of a sample: completions are appended to the problem's prompt.
    public static func solution(_ sample: GeneratedSample, problem: Problem?) -> String {
        switch sample.body {
        case .solution(let code): return code
        case .completion(let completion): return (problem?.prompt ?? "") + completion
        }
    }

    public static func write(samples: [GeneratedSample], problemSet: ProblemSet, summary: GenerationSummary, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let problems = problemSet.byTaskID
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var plain = Data()
        var raw = Data()
        for sample in samples {
            let solution = solution(sample, problem: problems[sample.key.taskID])
            plain.append(try encoder.encode(["task_id": sample.key.taskID, "solution": solution]))
            plain.append(0x0A)
            raw.append(try encoder.encode(RawLine(
                taskID: sample.key.taskID, sample: sample.key.index, raw: sample.raw, finishReason: sample.finishReason,
                extractionStatus: sample.status.rawValue, extractionDetail: sample.detail, solution: solution,
                requestID: sample.requestID)))
            raw.append(0x0A)
        }
        try plain.write(to: directory.appendingPathComponent("samples.jsonl"), options: .atomic)
        try raw.write(to: directory.appendingPathComponent("samples.raw.jsonl"), options: .atomic)
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(summary)
        data.append(0x0A)
        try data.write(to: directory.appendingPathComponent("generation.json"), options: .atomic)
    }
}
