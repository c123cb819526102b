public import AssayCore
import Execution
import Synchronization

/// Everything one evaluation needs, decided before anything runs.
public struct EvaluationPlan: Sendable {
    public var problems: ProblemSet
    public var samples: [Sample]
    /// Samples too large to execute (key → size in bytes); recorded as `error` / `SampleTooLarge`.
    public var oversized: [SampleKey: Int]
    public var spec: RunSpec
    public var fresh: Bool
    public var limits: ExecutionLimits
    /// Requests kept in flight (a little above the executor's slot count keeps slots busy).
    public var inFlight: Int
    public var host: [String: String]
    /// Re-run each sample that hit the *wall-clock* limit once more, alone, after the parallel
    /// pass: a wall timeout on a loaded machine is often the load, not the sample. CPU-limit
    /// timeouts are never retried.
    public var retryWallTimeouts: Bool

    public init(
        problems: ProblemSet, samples: [Sample], oversized: [SampleKey: Int] = [:], spec: RunSpec, fresh: Bool,
        limits: ExecutionLimits, inFlight: Int, host: [String: String] = [:], retryWallTimeouts: Bool = true
    ) {
        self.retryWallTimeouts = retryWallTimeouts
        self.problems = problems
        self.samples = samples
        self.oversized = oversized
        self.spec = spec
        self.fresh = fresh
        self.limits = limits
        self.inFlight = max(1, inFlight)
        self.host = host
    }
}

/// What an evaluation produced.
public struct EvaluationResult: Sendable {
    public var run: RunID
    public var resumed: Bool
    /// Samples executed by this invocation.
    public var executedNow: Int
    /// Samples whose stored outcome was reused (resume).
    public var reused: Int
    public var samples: [Sample]
    public var outcomes: [SampleKey: ExecutionOutcome]
    /// Samples the sandbox could not run (left pending; a rerun retries them).
    public var infrastructureFailures: [SampleKey: String]
    /// Wall-clock timeouts re-run serially, and how many of them no longer timed out.
    public var timeoutRetries: (retried: Int, changed: Int) = (0, 0)

    public var isComplete: Bool { infrastructureFailures.isEmpty && outcomes.count >= samples.count }
}

/// Streams a plan's pending samples through the executor into the store, with bounded
/// parallelism, resume, progress and fail-fast on systemic sandbox failure.
public struct EvaluationPipeline: Sendable {
    public let store: any ResultStore & WorkQueue
    public let executor: any CodeExecutor
    public let harness: any TaskHarness
    public let progress: (any ProgressReporting)?

    public init(
        store: any ResultStore & WorkQueue, executor: any CodeExecutor, harness: any TaskHarness,
        progress: (any ProgressReporting)? = nil
    ) {
        self.store = store
        self.executor = executor
        self.harness = harness
        self.progress = progress
    }

    public func run(_ plan: EvaluationPlan) async throws -> EvaluationResult {
        try await store.saveProblemSet(plan.problems)
        let (run, resumed) = try await store.openRun(plan.spec, fresh: plan.fresh, host: plan.host)
        try await store.saveSamples(plan.samples, run: run)
        let pending = try await store.pendingWork(run: run)
        let stored = try await store.samples(run: run)
        let samplesByKey = Dictionary(stored.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let problems = plan.problems.byTaskID

        progress?.start(total: stored.count, done: stored.count - pending.count, label: "executing")
        let tally = Tally()
        var executedNow = 0

        try await withThrowingTaskGroup(of: Bool.self) { group in
            var iterator = pending.makeIterator()
            var running = 0

            func submitNext() -> Bool {
                guard let key = iterator.next() else { return false }
                guard let sample = samplesByKey[key], let problem = problems[key.taskID] else {
                    _ = tally.fail(key, "sample or problem missing from the store")
                    return true
                }
                if let size = plan.oversized[key] {
                    let outcome = ExecutionOutcome(
                        status: .error, errorType: "SampleTooLarge",
                        detail: "sample is \(size) bytes, over the size limit; not executed")
                    group.addTask {
                        try await store.record(outcome, for: key, run: run)
                        progress?.advance(by: 1)
                        return true
                    }
                    return true
                }
                group.addTask {
                    do {
                        let outcome = try await harness.evaluate(problem: problem, sample: sample, limits: plan.limits, executor: executor)
                        try await store.record(outcome, for: key, run: run)
                        tally.succeed(wallTimeout: Self.isWallTimeout(outcome) ? key : nil)
                        progress?.advance(by: 1)
                        return true
                    } catch let error as SandboxError {
                        // A sandbox that fails again and again is broken, not unlucky: stop.
                        if tally.fail(key, "\(error)") { throw SandboxFailure(message: "\(error)") }
                        return true
                    }
                }
                return true
            }

            while running < plan.inFlight, submitNext() { running += 1 }
            while let finished = try await group.next() {
                if finished { executedNow += 1 }
                if !submitNext() { running -= 1 }
            }
        }
        progress?.finish()

        var retries = (retried: 0, changed: 0)
        if plan.retryWallTimeouts {
            retries = try await retrySerially(tally.wallTimeouts, samples: samplesByKey, problems: problems, plan: plan, run: run)
        }

        let outcomes = try await store.outcomes(run: run)
        let failed = tally.failures
        var result = EvaluationResult(
            run: run, resumed: resumed, executedNow: executedNow - failed.count, reused: stored.count - pending.count,
            samples: stored, outcomes: outcomes, infrastructureFailures: failed)
        result.timeoutRetries = retries
        return result
    }

    static func isWallTimeout(_ outcome: ExecutionOutcome) -> Bool {
        outcome.status == .timeout && outcome.detail.hasPrefix("wall-clock")
    }

    /// Runs each wall-clock timeout once more with nothing else running; the new outcome
    /// replaces the old one, and its detail says that it came from the retry.
    private func retrySerially(
        _ keys: [SampleKey], samples: [SampleKey: Sample], problems: [String: Problem], plan: EvaluationPlan, run: RunID
    ) async throws -> (retried: Int, changed: Int) {
        guard !keys.isEmpty else { return (0, 0) }
        progress?.start(total: keys.count, done: 0, label: "re-running wall-clock timeouts one at a time")
        var changed = 0
        for key in keys.sorted() {
            guard let sample = samples[key], let problem = problems[key.taskID] else { continue }
            var outcome: ExecutionOutcome
            do {
                outcome = try await harness.evaluate(problem: problem, sample: sample, limits: plan.limits, executor: executor)
            } catch is SandboxError {
                continue  // keep the first verdict
            }
            if !Self.isWallTimeout(outcome) {
                changed += 1
                outcome.detail = outcome.detail.isEmpty
                    ? "on a serial retry after a wall-clock timeout under load"
                    : outcome.detail + " (on a serial retry after a wall-clock timeout under load)"
            }
            try await store.record(outcome, for: key, run: run)
            progress?.advance(by: 1)
        }
        progress?.finish()
        return (keys.count, changed)
    }

}

/// Counts of one evaluation's executions, shared by its concurrent tasks.
private final class Tally: Sendable {
    private let state = Mutex((succeeded: 0, failures: [SampleKey: String](), wallTimeouts: [SampleKey]()))

    func succeed(wallTimeout key: SampleKey?) {
        state.withLock { state in
            state.succeeded += 1
            if let key { state.wallTimeouts.append(key) }
        }
    }

    var wallTimeouts: [SampleKey] { state.withLock { $0.wallTimeouts } }

    /// Records a failure; returns true when failures dominate (the sandbox is broken).
    func fail(_ key: SampleKey, _ message: String) -> Bool {
        state.withLock { state in
            state.failures[key] = message
            return state.failures.count >= 5 && state.failures.count > state.succeeded
        }
    }

    var failures: [SampleKey: String] { state.withLock { $0.failures } }
}

/// The sandbox failed repeatedly: the evaluation stops, and everything stored so far is kept.
public struct SandboxFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String {
        "the sandbox keeps failing, so the evaluation stopped (finished samples are stored; rerun to resume): \(message)"
    }
}
