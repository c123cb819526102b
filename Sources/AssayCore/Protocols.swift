/// Runs one sandbox request and returns the verdict with its evidence.
///
/// Implementations: `Execution.SandboxExecutor` (the real sandbox). An execution that could not
/// happen at all (no interpreter, broken supervisor) throws; anything the *sample* did is an
/// ``ExecutionOutcome``.
public protocol CodeExecutor: Sendable {
    func execute(_ request: SandboxRequest) async throws -> ExecutionOutcome
    /// Runs one request and returns the sandbox's raw response, for harnesses that read the
    /// result channel themselves (kind `io` streams one line per input).
    func send(_ request: SandboxRequest) async throws -> SandboxResponse
}

extension CodeExecutor {
    public func send(_ request: SandboxRequest) async throws -> SandboxResponse {
        throw InputError("this executor cannot return raw sandbox responses (needed by the \(request.kind) runner kind)")
    }
}

/// Identifies a run in a store.
public typealias RunID = Int64

/// What defines a run: two commands with equal specs share (and resume) one run.
public struct RunSpec: Sendable, Hashable, Codable {
    /// `evaluate`, `generate`, …
    public var kind: String
    public var problemSetName: String
    public var problemSetHash: String
    /// `ground-truth`, or the samples file path.
    public var samplesSource: String
    /// SHA-256 of the samples file (empty for ground truth).
    public var samplesHash: String
    /// Every setting that changes results (limits, runner kind, interpreter, …), as key → value.
    public var settings: [String: String]

    public init(
        kind: String, problemSetName: String, problemSetHash: String, samplesSource: String, samplesHash: String,
        settings: [String: String]
    ) {
        self.kind = kind
        self.problemSetName = problemSetName
        self.problemSetHash = problemSetHash
        self.samplesSource = samplesSource
        self.samplesHash = samplesHash
        self.settings = settings
    }

    /// Stable identity of the spec: SHA-256 over its canonical text.
    public var key: String {
        var text = "kind=\(kind)\nset=\(problemSetHash)\nsamples=\(samplesHash.isEmpty ? samplesSource : samplesHash)\n"
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            text += "\(name)=\(value)\n"
        }
        return SHA256.hex(of: Array(text.utf8))
    }
}

/// A run as stored.
public struct RunRecord: Sendable, Hashable, Codable {
    public var id: RunID
    public var spec: RunSpec
    public var status: String
    public var createdAt: String
    public var finishedAt: String?
    /// JSON summary written when the run finished.
    public var summary: String?

    public init(id: RunID, spec: RunSpec, status: String, createdAt: String, finishedAt: String?, summary: String?) {
        self.id = id
        self.spec = spec
        self.status = status
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.summary = summary
    }
}

/// Durable home of runs, samples and outcomes. SQLite on one machine (`Storage.SQLiteStore`);
/// the same protocol is meant for a PostgreSQL store shared by many workers.
public protocol ResultStore: Sendable {
    /// Returns the newest run with the same spec key (resuming it) unless `fresh`, else a new run.
    func openRun(_ spec: RunSpec, fresh: Bool, host: [String: String]) async throws -> (run: RunID, resumed: Bool)
    func saveProblemSet(_ set: ProblemSet) async throws
    /// Stores samples; ones already stored for this run are kept as they are.
    func saveSamples(_ samples: [Sample], run: RunID) async throws
    func samples(run: RunID) async throws -> [Sample]
    /// Stores one outcome durably (its own transaction, or a group commit).
    func record(_ outcome: ExecutionOutcome, for key: SampleKey, run: RunID) async throws
    func outcomes(run: RunID) async throws -> [SampleKey: ExecutionOutcome]
    func finishRun(_ run: RunID, summary: String) async throws
    /// Adds facts learnt while running (e.g. the sandbox layers that were active) to the run's host facts.
    func mergeHostFacts(_ facts: [String: String], run: RunID) async throws
    func runRecord(_ run: RunID) async throws -> RunRecord?
}

/// Hands out the work of a run: the units without a stored outcome.
///
/// On one machine this is a query over the store; a cluster implementation claims units with
/// leases (`SELECT … FOR UPDATE SKIP LOCKED`) so that many workers share one run.
public protocol WorkQueue: Sendable {
    /// Sample keys of `run` that still need an execution.
    func pendingWork(run: RunID) async throws -> [SampleKey]
}

/// Receives progress of a long operation.
public protocol ProgressReporting: Sendable {
    func start(total: Int, done: Int, label: String)
    func advance(by count: Int)
    func finish()
}
