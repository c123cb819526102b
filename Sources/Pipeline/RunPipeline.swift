public import AssayCore
import Execution
public import Generation
import Synchronization

/// Everything `assay run` needs, decided before anything runs.
public struct RunPlan: Sendable {
    public var problems: ProblemSet
    public var spec: RunSpec
    public var fresh: Bool
    public var limits: ExecutionLimits
    /// Executions kept in flight.
    public var inFlight: Int
    public var host: [String: String]

    public init(problems: ProblemSet, spec: RunSpec, fresh: Bool, limits: ExecutionLimits, inFlight: Int, host: [String: String] = [:]) {
        self.problems = problems
        self.spec = spec
        self.fresh = fresh
        self.limits = limits
        self.inFlight = max(1, inFlight)
        self.host = host
    }
}

/// What `assay run` produced.
public struct RunResult: Sendable {
    public var run: RunID
    public var resumed: Bool
    public var generation: GenerationReport
    /// Why generation stopped early (server gone, unknown model, …); nil when it finished.
    public var generationError: String?
    /// Every generated sample of the run, in problem order then index.
    public var generated: [GeneratedSample]
    public var samples: [Sample]
    public var outcomes: [SampleKey: ExecutionOutcome]
    public var executedNow: Int
    /// Samples whose stored outcome was reused.
    public var reusedOutcomes: Int
    public var infrastructureFailures: [SampleKey: String]

    public var isComplete: Bool {
        generationError == nil && generation.failures.isEmpty && infrastructureFailures.isEmpty && outcomes.count >= samples.count
    }
}

/// Generation feeding execution: each sample is executed as soon as it is generated, while
/// other requests are still in flight. Both halves resume: stored answers are not asked for
/// again, stored outcomes are not executed again.
public struct RunPipeline: Sendable {
    public let store: any ResultStore & WorkQueue
    public let executor: any CodeExecutor
    public let harness: any TaskHarness
    public let generator: Generator
    public let progress: (any AssayCore.ProgressReporting)?

    public init(
        store: any ResultStore & WorkQueue, executor: any CodeExecutor, harness: any TaskHarness, generator: Generator,
        progress: (any AssayCore.ProgressReporting)? = nil
    ) {
        self.store = store
        self.executor = executor
        self.harness = harness
        self.generator = generator
        self.progress = progress
    }

    private enum Event: Sendable {
        case generated(GenerationReport)
        case generationFailed(String)
        case executed(Bool)
    }

    public func run(_ plan: RunPlan) async throws -> RunResult {
        try await store.saveProblemSet(plan.problems)
        let (run, resumed) = try await store.openRun(plan.spec, fresh: plan.fresh, host: plan.host)
        let stored = try await store.outcomes(run: run)
        let problems = plan.problems.byTaskID
        let (stream, continuation) = AsyncStream.makeStream(of: GeneratedSample.self)
        let generator = generator
        var collected: [GeneratedSample] = []
        let failures = ExecutionTally()
        let expected = plan.problems.problems.count * generator.n
        progress?.start(total: expected, done: 0, label: "generate+execute")

        var report = GenerationReport()
        var generationError: String?
        var executedNow = 0
        var reusedOutcomes = 0

        try await withThrowingTaskGroup(of: Event.self) { group in
            group.addTask {
                defer { continuation.finish() }
                do {
                    let report = try await generator.run(plan.problems) { sample, _ in continuation.yield(sample) }
                    return .generated(report)
                } catch {
                    return .generationFailed("\(error)")
                }
            }
            var running = 0
            func handle(_ event: Event) {
                switch event {
                case .generated(let value): report = value
                case .generationFailed(let message): generationError = message
                case .executed(let ran):
                    running -= 1
                    if ran { executedNow += 1 }
                }
            }
            for await sample in stream {
                collected.append(sample)
                try await store.saveSamples([sample.sample], run: run)
                if stored[sample.key] != nil {
                    reusedOutcomes += 1
                    progress?.advance(by: 1)
                    continue
                }
                guard let problem = problems[sample.key.taskID] else { continue }
                while running >= plan.inFlight, let event = try await group.next() { handle(event) }
                let request = harness.request(problem: problem, sample: sample.sample, limits: plan.limits)
                let key = sample.key
                running += 1
                group.addTask {
                    do {
                        let outcome = try await executor.execute(request)
                        try await store.record(outcome, for: key, run: run)
                        failures.succeed()
                        progress?.advance(by: 1)
                        return .executed(true)
                    } catch let error as SandboxError {
                        if failures.fail(key, "\(error)") { throw SandboxFailure(message: "\(error)") }
                        return .executed(false)
                    }
                }
            }
            while let event = try await group.next() { handle(event) }
        }
        progress?.finish()

        let order = Dictionary(plan.problems.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let generated = collected.sorted {
            (order[$0.key.taskID] ?? .max, $0.key.index) < (order[$1.key.taskID] ?? .max, $1.key.index)
        }
        let outcomes = try await store.outcomes(run: run)
        return RunResult(
            run: run, resumed: resumed, generation: report, generationError: generationError, generated: generated,
            samples: generated.map(\.sample), outcomes: outcomes, executedNow: executedNow, reusedOutcomes: reusedOutcomes,
            infrastructureFailures: failures.failures)
    }
}

/// Executions of one run that the sandbox could not perform, shared by concurrent tasks.
private final class ExecutionTally: Sendable {
    private let state = Mutex((succeeded: 0, failures: [SampleKey: String]()))

    func succeed() {
        state.withLock { $0.succeeded += 1 }
    }

    /// Records a failure; returns true when failures dominate (the sandbox is broken).
    func fail(_ key: SampleKey, _ message: String) -> Bool {
        state.withLock { state in
            state.failures[key] = message
            return state.failures.count >= 5 && state.failures.count > state.succeeded
        }
    }

    var failures: [SampleKey: String] { state.withLock { $0.failures } }
}
