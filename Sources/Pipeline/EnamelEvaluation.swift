public import AssayCore
import Execution
import FoundationEssentials
import Scoring
import Synchronization

/// ENAMEL's settings (defaults as in q-rz/enamel `demo.py`), plus Assay's noise controls.
public struct EnamelSettings: Sendable, Hashable {
    public var seed = 998_244_353
    /// Tests per level.
    public var nTests = [8, 4, 4, 4]
    /// Hardness weight per level; levels with weight 0 are checked for correctness only.
    public var hardness: [Double] = [0, 3, 3, 4]
    /// Repetitions per test on levels with hardness > 0 (1 on the others).
    public var nReps = 6
    /// α: the time limit is α × the slowest reference time.
    public var timeoutFactor = 2.0
    /// Added to the limit before a run is stopped (seconds).
    public var tolerance = 0.01
    /// Address-space limit of each timed process (ENAMEL: 4 GiB).
    public var memoryBytes = 4 << 30
    /// Re-time a problem (references and samples) when the reference timed before the samples and
    /// the one timed after them disagree on t*_max by more than this fraction…
    public var bracketTolerance = 0.25
    /// …at most this many times.
    public var maxRetries = 2
    /// In-process wall-clock backstop per call: this many times the CPU limit, plus 0.5 s.
    public var wallFactor = 5.0
    /// A timed process whose calibration loop ran this much slower than the run's best is run
    /// again (the machine was contended: stolen cycles, cache and memory bandwidth)…
    public var contentionThreshold = 1.3
    /// …at most this many times (the least contended attempt is kept).
    public var contentionReruns = 3

    public init() {}

    /// Every setting that changes results, for the run spec.
    public var specSettings: [String: String] {
        [
            "enamel_seed": String(seed), "enamel_n_tests": nTests.map(String.init).joined(separator: ","),
            "enamel_hardness": hardness.map { String($0) }.joined(separator: ","), "enamel_n_reps": String(nReps),
            "enamel_timeout_factor": String(timeoutFactor), "enamel_tolerance_s": String(tolerance),
            "memory_bytes": String(memoryBytes), "enamel_bracket_tolerance": String(bracketTolerance),
            "enamel_retries": String(maxRetries), "timing": "cpu",
            "enamel_contention_threshold": String(contentionThreshold), "enamel_contention_reruns": String(contentionReruns),
        ]
    }
}

/// Builds the sandbox requests of the `enamel` runner kind (Sandboxes/kind_enamel.py).
public struct EnamelHarness: Sendable {
    public var settings: EnamelSettings
    public init(settings: EnamelSettings) { self.settings = settings }

    public var name: String { "enamel-cpu/1" }

    /// The program the anchor times: `prompt + "\n" + code` (ENAMEL's prompts have no trailing newline).
    public static func program(problem: Problem, body: Sample.Body) -> String {
        problem.prompt + "\n" + body.code
    }

    public func request(
        problem: Problem, program: String, role: String, id: String, level: Int, reps: Int, limit: Double?, limits: ExecutionLimits
    ) -> SandboxRequest {
        var payload: [String: JSONValue] = [
            "prompt": .string(problem.prompt),
            "input_generator": problem.extras["input_generator"] ?? .string(""),
            "reference_solution": .string(problem.canonicalSolution),
            "checker": problem.extras["checker"] ?? .string(""),
            "entry_point": .string(problem.entryPoint),
            "index": problem.extras["enamel_index"] ?? .int(0),
            "seed": .int(settings.seed),
            "n_tests": .array(settings.nTests.map { .int($0) }),
            "sizes": problem.extras["input_levels"] ?? .array([]),
            "level": .int(level),
            "reps": .int(reps),
            "role": .string(role),
            "wall_factor": .double(settings.wallFactor),
            "contention_threshold": .double(settings.contentionThreshold),
            "contention_reruns": .int(settings.contentionReruns),
        ]
        payload["limit_s"] = limit.map { .double($0) } ?? .null
        var lines = 1
        for byte in program.utf8 where byte == UInt8(ascii: "\n") { lines += 1 }
        return SandboxRequest(
            id: id, kind: "enamel", program: program, solutionEndLine: role == "reference" ? 0 : lines,
            entryPoint: problem.entryPoint, testFunction: "", nonce: ProgramAssembly.nonce(), limits: limits,
            payload: .object(payload))
    }
}

/// Everything one ENAMEL evaluation needs.
public struct EnamelPlan: Sendable {
    public var problems: ProblemSet
    public var samples: [Sample]
    public var oversized: [SampleKey: Int]
    public var spec: RunSpec
    public var fresh: Bool
    public var settings: EnamelSettings
    public var host: [String: String]
    /// Interpreter path, for the generated-tests identity.
    public var python: String

    public init(problems: ProblemSet, samples: [Sample], oversized: [SampleKey: Int], spec: RunSpec, fresh: Bool,
                settings: EnamelSettings, host: [String: String], python: String) {
        self.problems = problems
        self.samples = samples
        self.oversized = oversized
        self.spec = spec
        self.fresh = fresh
        self.settings = settings
        self.host = host
        self.python = python
    }
}

/// What an ENAMEL evaluation produced.
public struct EnamelResult: Sendable {
    public var run: RunID
    public var resumed: Bool
    public var problemsTimedNow: Int
    public var samples: [Sample]
    public var outcomes: [SampleKey: ExecutionOutcome]
    public var scores: [SampleKey: EfficiencyScore]
    public var infrastructureFailures: [SampleKey: String]
    /// Problems re-timed because their two reference timings disagreed.
    public var retries: Int
    /// Per problem timed now: relative disagreement of t*_max between the reference timed before and after the samples.
    public var referenceDisagreement: [Double]
    /// "task/level" of generated tests whose digest differs from an earlier run with the same key.
    public var changedTests: [String]
    /// Repetitions timed again because they were over twice their test's median (interrupts, preemption).
    public var remeasured: Int
    /// Processes run again because their calibration showed a contended machine.
    public var contendedReruns: Int
    /// The run's best calibration (ns of CPU time for the fixed loop).
    public var calibrationNS: Int?

    public var isComplete: Bool { infrastructureFailures.isEmpty && outcomes.count >= samples.count }
}

/// A harness-side failure (a reference that fails its own tests, inputs that differ between processes).
public struct EnamelHarnessError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Runs ENAMEL's efficiency evaluation as its own serial stage: one process at a time, each problem
/// timed as a bracket (reference, samples, reference again), interleaving the expert reference with
/// the samples so both see the same machine conditions.
public struct EnamelEvaluation: Sendable {
    public let store: any ResultStore & WorkQueue & EfficiencyStore
    public let executor: any CodeExecutor
    public let progress: (any ProgressReporting)?
    let gate = CalibrationGate()

    public init(store: any ResultStore & WorkQueue & EfficiencyStore, executor: any CodeExecutor, progress: (any ProgressReporting)? = nil) {
        self.store = store
        self.executor = executor
        self.progress = progress
    }

    public func run(_ plan: EnamelPlan) async throws -> EnamelResult {
        try await store.saveProblemSet(plan.problems)
        let (run, resumed) = try await store.openRun(plan.spec, fresh: plan.fresh, host: plan.host)
        try await store.saveSamples(plan.samples, run: run)
        let pending = Set(try await store.pendingWork(run: run).map(\.taskID))
        let stored = try await store.samples(run: run)
        let byTask = Dictionary(grouping: stored, by: \.taskID)
        let todo = plan.problems.problems.filter { pending.contains($0.taskID) && byTask[$0.taskID] != nil }
        let withSamples = plan.problems.problems.filter { byTask[$0.taskID] != nil }.count

        progress?.start(total: withSamples, done: withSamples - todo.count, label: "timing")
        var failures: [SampleKey: String] = [:]
        var retries = 0
        var disagreement: [Double] = []
        var changed: [String] = []
        var remeasured = 0
        var contendedReruns = 0
        var timedNow = 0
        var consecutiveFailures = 0
        var knownDigests: [String: String]?
        var testsKey: GeneratedTestsKey?
        let harness = EnamelHarness(settings: plan.settings)
        for problem in todo {
            let samples = (byTask[problem.taskID] ?? []).sorted { $0.index < $1.index }
            do {
                let timed = try await timeProblem(problem, samples: samples, oversized: plan.oversized, harness: harness)
                // Generated tests must be the same in every process and on every run with the same key.
                let key = GeneratedTestsKey(
                    problemSetHash: plan.problems.hash, seed: plan.settings.seed,
                    nTests: plan.settings.nTests.map(String.init).joined(separator: ","),
                    interpreter: plan.python + " " + timed.pythonVersion)
                if testsKey != key {
                    testsKey = key
                    knownDigests = try await store.generatedTestDigests(key)
                }
                for (name, digest) in timed.digests where knownDigests?[name] != nil && knownDigests?[name] != digest {
                    changed.append(name)
                }
                try await store.saveGeneratedTestDigests(timed.digests, key: key, run: run)
                try await store.saveEfficiency(taskID: problem.taskID, timings: timed.timings, scores: timed.scores, run: run)
                for (key, outcome) in timed.outcomes.sorted(by: { $0.key < $1.key }) {
                    try await store.record(outcome, for: key, run: run)
                }
                retries += timed.attempts - 1
                remeasured += timed.remeasured
                contendedReruns += timed.contendedReruns
                disagreement.append(timed.disagreement)
                timedNow += 1
                consecutiveFailures = 0
            } catch let error as SandboxError {
                for sample in samples { failures[sample.key] = "\(error)" }
                consecutiveFailures += 1
                if consecutiveFailures >= 3 { throw SandboxFailure(message: "\(error)") }
            } catch let error as EnamelHarnessError {
                for sample in samples { failures[sample.key] = error.message }
            } catch let error as EfficiencyError {
                for sample in samples { failures[sample.key] = "scoring \(problem.taskID) failed: \(error)" }
            }
            progress?.advance(by: 1)
        }
        progress?.finish()
        return EnamelResult(
            run: run, resumed: resumed, problemsTimedNow: timedNow, samples: stored,
            outcomes: try await store.outcomes(run: run), scores: try await store.efficiencyScores(run: run),
            infrastructureFailures: failures, retries: retries, referenceDisagreement: disagreement, changedTests: changed,
            remeasured: remeasured, contendedReruns: contendedReruns, calibrationNS: gate.best)
    }

    // MARK: One problem

    /// The reference runs under the same armed CPU and wall timers as the samples (arming them costs
    /// about 50 ns per call, which matters for sub-microsecond functions), with a limit it never meets.
    static let referenceLimit = 600.0

    struct TimedProblem {
        var timings: [EfficiencyTiming] = []
        var scores: [EfficiencyScore] = []
        var outcomes: [SampleKey: ExecutionOutcome] = [:]
        var digests: [String: String] = [:]
        var attempts = 1
        var disagreement = 0.0
        var pythonVersion = ""
        var remeasured = 0
        var contendedReruns = 0
    }

    /// One level of one code as the kind reported it.
    struct LevelRun {
        var outcome: EnamelLevelOutcome
        /// Repetitions per test, ns (completed levels only).
        var reps: [[Int]] = []
        var cpuMS = 0.0
        var wallMS = 0.0
        var maxRSSKiB = 0
        var errorType: String?
        var tamper: [String] = []
    }

    func timeProblem(_ problem: Problem, samples: [Sample], oversized: [SampleKey: Int], harness: EnamelHarness) async throws -> TimedProblem {
        let settings = harness.settings
        let levels = settings.hardness.count
        var result = TimedProblem()
        var attempt = 0
        while true {
            result.timings = []
            result.digests = [:]
            result.remeasured = 0
            let before = try await timeReference(problem, harness: harness, attempt: attempt, pass: 0, into: &result)
            let tMaxBefore = before.estimates.compactMap { $0.max() }.max() ?? 0
            let runLimit = settings.timeoutFactor * tMaxBefore + settings.tolerance
            var runs: [SampleKey: [LevelRun]] = [:]
            for sample in samples where oversized[sample.key] == nil {
                runs[sample.key] = try await timeSample(
                    problem, sample: sample, harness: harness, limit: runLimit, referenceCPU: before.cpuMS, into: &result, attempt: attempt)
            }
            let after = try await timeReference(problem, harness: harness, attempt: attempt, pass: 1, into: &result)
            let tMaxAfter = after.estimates.compactMap { $0.max() }.max() ?? 0
            result.disagreement = abs(tMaxBefore - tMaxAfter) / max(min(tMaxBefore, tMaxAfter), 1e-12)
            result.attempts = attempt + 1
            if result.disagreement <= settings.bracketTolerance || attempt >= settings.maxRetries {
                // Reference estimate per test: Hodges–Lehmann over both timings' repetitions.
                var references = [Double](repeating: 0, count: levels)
                for j in 0..<levels where settings.hardness[j] > 0 {
                    var slowest = 0.0
                    for k in 0..<before.reps[j].count {
                        let pooled = (before.reps[j][k] + after.reps[j][k]).map { Double($0) / 1e9 }
                        slowest = max(slowest, try HodgesLehmann.estimate(pooled))
                    }
                    references[j] = slowest
                }
                let limit = settings.timeoutFactor * (references.max() ?? 0)
                for sample in samples {
                    let (score, outcome) = try scoreSample(
                        sample, runs: runs[sample.key], oversized: oversized[sample.key], references: references, limit: limit,
                        settings: settings, attempts: attempt + 1)
                    result.scores.append(score)
                    result.outcomes[sample.key] = outcome
                }
                return result
            }
            attempt += 1
        }
    }

    struct ReferenceTiming {
        /// Per level (empty for hardness-0 levels): per test, the repetitions in ns.
        var reps: [[[Int]]]
        /// Per level: per test Hodges–Lehmann estimate (seconds).
        var estimates: [[Double]]
        var cpuMS: [Double]
    }

    func timeReference(_ problem: Problem, harness: EnamelHarness, attempt: Int, pass: Int, into result: inout TimedProblem) async throws -> ReferenceTiming {
        let settings = harness.settings
        let levels = settings.hardness.count
        var timing = ReferenceTiming(reps: Array(repeating: [], count: levels), estimates: Array(repeating: [], count: levels),
                                     cpuMS: Array(repeating: 0, count: levels))
        let program = EnamelHarness.program(problem: problem, body: .completion(problem.canonicalSolution))
        for j in 0..<levels where settings.hardness[j] > 0 {
            let limits = ExecutionLimits(wallMS: 600_000, cpuMS: 600_000, memoryBytes: settings.memoryBytes)
            let request = harness.request(
                problem: problem, program: program, role: "reference", id: "\(problem.taskID)#ref\(pass).L\(j)", level: j,
                reps: settings.nReps, limit: Self.referenceLimit, limits: limits)
            let run = try await execute(request, level: j, problem: problem, into: &result)
            guard case .completed = run.outcome else {
                throw EnamelHarnessError(message: "the reference solution of \(problem.taskID) did not complete level \(j): \(run.outcome)")
            }
            timing.reps[j] = run.reps
            timing.estimates[j] = try run.reps.map { try HodgesLehmann.estimate($0.map { Double($0) / 1e9 }) }
            timing.cpuMS[j] = run.cpuMS
            for (k, reps) in run.reps.enumerated() {
                result.timings.append(EfficiencyTiming(
                    role: "reference", taskID: problem.taskID, sampleIndex: -1, attempt: attempt, pass: pass, level: j, test: k,
                    repsNS: reps, estimate: timing.estimates[j][k]))
            }
        }
        return timing
    }

    func timeSample(
        _ problem: Problem, sample: Sample, harness: EnamelHarness, limit: Double, referenceCPU: [Double],
        into result: inout TimedProblem, attempt: Int
    ) async throws -> [LevelRun] {
        let settings = harness.settings
        let program = EnamelHarness.program(problem: problem, body: sample.body)
        var runs: [LevelRun] = []
        for j in 0..<settings.hardness.count {
            let reps = settings.hardness[j] > 0 ? settings.nReps : 1
            let calls = Double(settings.nTests[j] * reps)
            // Supervisor backstop: generating the tests (about what the reference's request took),
            // every call at the limit, and slack. The in-process limit normally fires first.
            let setupMS = 2 * (referenceCPU[j] > 0 ? referenceCPU[j] : (referenceCPU.max() ?? 0))
            let cpuMS = Int(setupMS + calls * limit * 1000 + 5_000)
            let limits = ExecutionLimits(wallMS: cpuMS * 3 + 5_000, cpuMS: cpuMS, memoryBytes: settings.memoryBytes)
            let request = harness.request(
                problem: problem, program: program, role: "sample", id: "\(sample.key).L\(j)", level: j, reps: reps,
                limit: limit, limits: limits)
            let run = try await execute(request, level: j, problem: problem, into: &result)
            runs.append(run)
            if case .completed = run.outcome {
                for (k, repsNS) in run.reps.enumerated() {
                    result.timings.append(EfficiencyTiming(
                        role: "sample", taskID: problem.taskID, sampleIndex: sample.index, attempt: attempt, pass: 0, level: j,
                        test: k, repsNS: repsNS, estimate: try HodgesLehmann.estimate(repsNS.map { Double($0) / 1e9 })))
                }
                continue
            }
            break
        }
        return runs
    }

    /// Runs one request; runs it again while its calibration shows a contended machine, and keeps
    /// the least contended attempt.
    func execute(_ request: SandboxRequest, level: Int, problem: Problem, into result: inout TimedProblem) async throws -> LevelRun {
        let threshold = max(1.0, Self.settingsThreshold(request))
        var best: (run: LevelRun, ratio: Double)?
        var attempt = 0
        while true {
            let outcome = try await executor.execute(request)
            let calibration = outcome.record?["calibration_ns"]?.arrayValue?.compactMap(\.intValue) ?? []
            let run = try interpret(outcome, request: request, level: level, problem: problem, into: &result)
            guard let slowest = calibration.max(), let fastest = calibration.min(), fastest > 0 else { return best?.run ?? run }
            let baseline = gate.observe(fastest)
            let ratio = Double(slowest) / Double(baseline)
            if best == nil || ratio < best!.ratio { best = (run, ratio) }
            if ratio <= threshold || attempt >= Self.settingsReruns(request) { return best!.run }
            attempt += 1
            result.contendedReruns += 1
            try await Task.sleep(for: .milliseconds(100 * attempt))
        }
    }

    static func settingsThreshold(_ request: SandboxRequest) -> Double {
        request.payload?["contention_threshold"]?.doubleValue ?? 1.3
    }

    static func settingsReruns(_ request: SandboxRequest) -> Int {
        request.payload?["contention_reruns"]?.intValue ?? 3
    }

    /// Reads the kind's record (kernel facts first, as in VerdictPolicy).
    func interpret(_ outcome: ExecutionOutcome, request: SandboxRequest, level: Int, problem: Problem, into result: inout TimedProblem) throws -> LevelRun {
        var run = LevelRun(outcome: .failed(""), cpuMS: outcome.cpuMS, wallMS: outcome.wallMS, maxRSSKiB: outcome.maxRSSKiB)
        run.tamper = outcome.tamper
        if let record = outcome.record {
            if let digest = record["tests_digest"]?.stringValue {
                let name = "\(problem.taskID)/\(level)"
                if let earlier = result.digests[name], earlier != digest {
                    throw EnamelHarnessError(message: "the generated tests of \(name) differ between two processes of the same run (generator not deterministic)")
                }
                result.digests[name] = digest
            }
            if let version = record["python"]?.stringValue { result.pythonVersion = version }
            result.remeasured += record["remeasured"]?.intValue ?? 0
        }
        switch outcome.status {
        case .timeout:
            run.outcome = .limit("Timeout")
            run.errorType = "TimeoutError"
            return run
        case .memory:
            run.outcome = .limit("MemoryError")
            run.errorType = "MemoryError"
            return run
        default:
            break
        }
        guard let record = outcome.record, let status = record["status"]?.stringValue else {
            run.outcome = .failed("\(outcome.status.rawValue): \(outcome.detail)")
            run.errorType = outcome.errorType ?? outcome.status.rawValue
            return run
        }
        let errorType = record["error_type"]?.stringValue
        let message = record["message"]?.stringValue ?? ""
        let test = record["test"]?.intValue
        switch status {
        case "completed":
            let reps = record["times_ns"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } ?? []
            guard !reps.isEmpty, reps.allSatisfy({ !$0.isEmpty }) else {
                throw EnamelHarnessError(message: "\(request.id): a completed record without timings")
            }
            run.reps = reps
            run.outcome = .completed(try reps.map { try HodgesLehmann.estimate($0.map { Double($0) / 1e9 }) })
        case "limit":
            run.outcome = .limit("\(errorType ?? "Timeout") on level \(level), test \(test ?? 0)")
            run.errorType = errorType == "Timeout" ? "TimeoutError" : errorType
        case "failed":
            let what = errorType == "WrongOutput" ? "wrong output" : "\(errorType ?? "Error")"
            run.outcome = .failed("\(what)\(message.isEmpty || errorType == "WrongOutput" && message == "wrong output" ? "" : ": \(message)") on level \(level), test \(test ?? 0)")
            run.errorType = errorType
        default:
            if errorType == "HarnessError" {
                throw EnamelHarnessError(message: "\(request.id): \(message)")
            }
            run.outcome = .failed("\(errorType ?? "error"): \(message)")
            run.errorType = errorType
        }
        return run
    }

    func scoreSample(
        _ sample: Sample, runs: [LevelRun]?, oversized: Int?, references: [Double], limit: Double, settings: EnamelSettings, attempts: Int
    ) throws -> (EfficiencyScore, ExecutionOutcome) {
        let levels = settings.hardness.count
        guard let runs else {
            let outcome = ExecutionOutcome(status: .error, errorType: "SampleTooLarge",
                                           detail: "sample is \(oversized ?? 0) bytes, over the size limit; not executed")
            return (EfficiencyScore(key: sample.key, passed: false, levels: Array(repeating: 0, count: levels), eff: 0, stoppedAt: 0,
                                    reason: outcome.detail, limit: limit, references: references, attempts: attempts), outcome)
        }
        let rules = try EnamelRules.score(runs.map(\.outcome), references: references, limit: limit, hardness: settings.hardness)
        let eff = try EnamelScore.weighted(rules.levels, hardness: settings.hardness)
        let score = EfficiencyScore(
            key: sample.key, passed: rules.passed, levels: rules.levels, eff: eff, stoppedAt: rules.stoppedAt, reason: rules.reason,
            limit: limit, references: references, attempts: attempts)
        let last = runs.last
        let status: Status
        var errorType: String? = nil
        var detail: String
        let levelText = rules.levels.map { String(format4($0)) }.joined(separator: ", ")
        if rules.passed {
            status = .passed
            detail = "eff \(format4(eff)) (levels \(levelText))"
            if let at = rules.stoppedAt { detail += "; \(rules.reason ?? "limit") (e_\(at)… = 0)" }
        } else {
            switch (last?.outcome, last?.errorType) {
            case (.limit?, "TimeoutError"?): status = .timeout
            case (.limit?, "MemoryError"?): status = .memory
            case (.failed?, "WrongOutput"?): status = .failed
            default: status = .error
            }
            errorType = last?.errorType == "WrongOutput" ? "WrongOutput" : last?.errorType
            detail = rules.reason ?? "failed"
        }
        let outcome = ExecutionOutcome(
            status: status, errorType: errorType, detail: detail, cpuMS: runs.map(\.cpuMS).reduce(0, +),
            wallMS: runs.map(\.wallMS).reduce(0, +), maxRSSKiB: runs.map(\.maxRSSKiB).max() ?? 0,
            record: .object([
                "eff": .double(eff), "levels": .array(rules.levels.map { .double($0) }), "passed": .bool(rules.passed),
                "limit_s": .double(limit), "references_s": .array(references.map { .double($0) }),
            ]),
            tamper: Array(Set(runs.flatMap(\.tamper))).sorted())
        return (score, outcome)
    }
}

/// Four decimals.
func format4(_ value: Double) -> String {
    let scaled = (value * 10_000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let magnitude = Int(abs(scaled))
    let fraction = String(magnitude % 10_000)
    return "\(sign)\(magnitude / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
}

/// The run's best calibration: the CPU time of the kind's fixed loop on a quiet machine.
final class CalibrationGate: Sendable {
    private let state = Mutex<Int?>(nil)

    /// Records a calibration and returns the best so far (including it).
    func observe(_ ns: Int) -> Int {
        state.withLock { best in
            if best == nil || ns < best! { best = ns }
            return best!
        }
    }

    var best: Int? { state.withLock { $0 } }
}
