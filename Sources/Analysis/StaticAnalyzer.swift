public import AssayCore
import FoundationEssentials

/// The runtime facts of one execution the classifier and the analyser use, read from the
/// stored ``ExecutionOutcome`` and its trusted result record (`Sandboxes/PROTOCOL.md`).
public struct RuntimeSignals: Sendable, Hashable {
    public var status: Status
    public var errorType: String?
    public var message: String
    /// Innermost line of the program the exception came from.
    public var line: Int?
    /// That line belongs to the sample (true) or to the harness's tests (false); nil when the
    /// harness does not say (HumanEval+'s input/output runs).
    public var inSolution: Bool?
    public var failedSource: String?
    /// Both sides of the failing `==` assert (reprs), when there was one.
    public var left: String?
    public var right: String?
    public var stdout: String
    public var detail: String

    public init(outcome: ExecutionOutcome) {
        status = outcome.status
        let record = outcome.record
        errorType = record?["error_type"]?.stringValue ?? outcome.errorType
        message = record?["message"]?.stringValue ?? ""
        line = record?["line"]?.intValue
        inSolution = record?["in_solution"]?.boolValue
        failedSource = record?["failed_assert"]?["source"]?.stringValue
        left = record?["failed_assert"]?["left"]?.stringValue
        right = record?["failed_assert"]?["right"]?.stringValue
        stdout = String(outcome.stdout.prefix(4096))
        detail = outcome.detail
        if record?["harness"]?.stringValue == "evalplus-io" { readInputOutputDetail() }
        if let tests = record?["tests"]?.arrayValue, status == .failed || status == .error { readUnittestRecord(tests) }
    }

    /// BigCodeBench's unittest runs report one entry per test method. The label follows the first
    /// test that raised (a crash hides the functional result, so A > B > C), else the first
    /// failed assertion; `assertEqual`'s "first != second" gives the two sides.
    private mutating func readUnittestRecord(_ tests: [JSONValue]) {
        let errored = tests.first { $0["status"]?.stringValue == "error" && $0["error_type"]?.stringValue != nil }
        guard let chosen = errored ?? tests.first(where: { $0["status"]?.stringValue == "failed" }) else { return }
        let name = chosen["name"]?.stringValue ?? "a test"
        errorType = chosen["error_type"]?.stringValue ?? errorType
        message = chosen["message"]?.stringValue ?? message
        failedSource = name
        inSolution = nil
        line = nil
        if errored != nil {
            status = .error
        } else if let separator = message.ranges(of: " != ").first, message.ranges(of: " != ").count == 1 {
            left = String(message[..<separator.lowerBound])
            right = String(message[separator.upperBound...].split(separator: "\n", maxSplits: 1).first ?? "")
        }
    }

    /// HumanEval+'s input/output harness reports in its detail: "base input #3 raised T: msg" or
    /// "plus input #7: expected E, got G (why)".
    private mutating func readInputOutputDetail() {
        var text = detail
        if text.hasSuffix(" more failing inputs)"), let more = text.ranges(of: " (and ").last { text.removeSubrange(more.lowerBound...) }
        if let type = errorType, let raised = text.firstRange(of: " raised \(type): ") {
            message = String(text[raised.upperBound...])
            failedSource = String(text[..<raised.lowerBound])
        } else if let expected = text.firstRange(of: ": expected "),
            let got = text[expected.upperBound...].firstRange(of: ", got "),
            let why = text[got.upperBound...].ranges(of: " (").last
        {
            failedSource = String(text[..<expected.lowerBound])
            right = String(text[expected.upperBound..<got.lowerBound])
            left = String(text[got.upperBound..<why.lowerBound])
        }
    }

    /// The part the static analyser needs (JSON for the `analyze` request).
    var json: JSONValue {
        var object: [String: JSONValue] = ["error_type": errorType.map(JSONValue.string) ?? .null, "message": .string(message),
                                           "in_solution": .bool(inSolution == true), "stdout": .string(stdout)]
        if let line { object["line"] = .int(line) }
        if let left { object["left"] = .string(left) }
        if let right { object["right"] = .string(right) }
        return .object(object)
    }
}

/// One sample to analyse: its solution source and what to compare it with.
public struct AnalysisItem: Sendable, Hashable {
    public var key: SampleKey
    /// The sample's whole solution: `prompt + completion`, or an evalplus-style `solution`.
    public var code: String
    public var entryPoint: String
    /// The reference solution (`prompt + canonical_solution`), for the entry point's arity.
    public var reference: String
    public var prompt: String
    public var runtime: RuntimeSignals?

    public init(key: SampleKey, code: String, entryPoint: String, reference: String, prompt: String, runtime: RuntimeSignals?) {
        self.key = key
        self.code = code
        self.entryPoint = entryPoint
        self.reference = reference
        self.prompt = prompt
        self.runtime = runtime
    }

    /// The item for a HumanEval-style problem and one of its samples.
    public init(problem: Problem, sample: Sample, outcome: ExecutionOutcome?) {
        let code: String
        switch sample.body {
        case .completion(let completion): code = problem.prompt + completion
        case .solution(let solution): code = solution
        }
        self.init(
            key: sample.key, code: code, entryPoint: problem.entryPoint, reference: problem.prompt + problem.canonicalSolution,
            prompt: problem.prompt, runtime: outcome.map(RuntimeSignals.init(outcome:)))
    }

    var json: JSONValue {
        .object([
            "id": .string(key.description), "code": .string(code), "entry_point": .string(entryPoint),
            "reference": .string(reference), "prompt": .string(prompt), "runtime": runtime?.json ?? .null,
        ])
    }
}

/// Runs `Sandboxes/kind_analyze.py` over many samples per sandbox execution.
///
/// Batches go through the same ``CodeExecutor`` as the samples (so the analysis sees the
/// sandbox's interpreter and import path), several at once. A batch that fails (time, memory, a
/// crash on some pathological input) is split in halves and retried, down to single samples;
/// a single sample that still fails gets an analysis with `failure` set, never an error.
public struct StaticAnalyzer: Sendable {
    public let executor: any CodeExecutor
    public let batchSize: Int
    public let limits: ExecutionLimits
    public let concurrency: Int

    public init(executor: any CodeExecutor, batchSize: Int = 48, limits: ExecutionLimits = StaticAnalyzer.defaultLimits, concurrency: Int = 2) {
        self.executor = executor
        self.batchSize = max(1, batchSize)
        self.limits = limits
        self.concurrency = max(1, concurrency)
    }

    /// 20 s and 1 GiB per batch: parsing is fast, but a batch holds many samples.
    public static let defaultLimits = ExecutionLimits(wallMS: 20_000, memoryBytes: 1 << 30, outputBytes: 1 << 20)

    /// Largest total code size of one batch; bigger samples go alone.
    static let batchBytes = 2 << 20

    /// Analyses every item; the result maps each key to its analysis. `progress` advances once
    /// per analysed item. Throws only when the sandbox itself cannot run (infrastructure).
    public func analyze(_ items: [AnalysisItem], progress: (any ProgressReporting)? = nil) async throws -> [SampleKey: StaticAnalysis] {
        var batches: [[AnalysisItem]] = []
        var current: [AnalysisItem] = []
        var bytes = 0
        for item in items {
            let size = item.code.utf8.count + item.reference.utf8.count
            if !current.isEmpty && (current.count >= batchSize || bytes + size > Self.batchBytes) {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(item)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }

        var results: [SampleKey: StaticAnalysis] = [:]
        try await withThrowingTaskGroup(of: [SampleKey: StaticAnalysis].self) { group in
            var iterator = batches.makeIterator()
            var running = 0
            func submit() -> Bool {
                guard let batch = iterator.next() else { return false }
                group.addTask {
                    let analysed = try await self.run(batch)
                    progress?.advance(by: batch.count)
                    return analysed
                }
                return true
            }
            while running < concurrency, submit() { running += 1 }
            while let analysed = try await group.next() {
                results.merge(analysed) { first, _ in first }
                if !submit() { running -= 1 }
            }
        }
        return results
    }

    private func run(_ batch: [AnalysisItem]) async throws -> [SampleKey: StaticAnalysis] {
        let request = SandboxRequest(
            id: "analyze:\(batch[0].key)+\(batch.count)", kind: "analyze", program: "", solutionEndLine: 0, entryPoint: "",
            testFunction: "", nonce: Self.nonce(), limits: limits, payload: .object(["samples": .array(batch.map(\.json))]))
        let outcome = try await executor.execute(request)
        if outcome.status == .passed, let analyses = outcome.record?["analyses"]?.arrayValue, analyses.count == batch.count {
            var result: [SampleKey: StaticAnalysis] = [:]
            for (item, analysis) in zip(batch, analyses) { result[item.key] = StaticAnalysis(raw: analysis) }
            return result
        }
        if batch.count == 1 {
            let reason = "static analysis did not finish: \(outcome.status.rawValue) \(outcome.detail)"
            return [batch[0].key: StaticAnalysis(raw: .object(["failure": .string(reason)]))]
        }
        let middle = batch.count / 2
        var result = try await run(Array(batch[..<middle]))
        result.merge(try await run(Array(batch[middle...]))) { first, _ in first }
        return result
    }

    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
