/// One timed test of an ENAMEL efficiency run: the raw repetitions and their Hodges–Lehmann estimate.
public struct EfficiencyTiming: Sendable, Hashable, Codable {
    /// `reference` (the expert solution) or `sample`.
    public var role: String
    public var taskID: String
    /// The sample's index; -1 for the reference.
    public var sampleIndex: Int
    /// Retry round of the problem (0 first); a retry re-times the whole problem.
    public var attempt: Int
    /// For the reference: 0 = timed before the samples, 1 = after them. 0 for samples.
    public var pass: Int
    public var level: Int
    public var test: Int
    /// CPU time of each repetition of the call, in nanoseconds.
    public var repsNS: [Int]
    /// Hodges–Lehmann estimate, in seconds.
    public var estimate: Double

    public init(role: String, taskID: String, sampleIndex: Int, attempt: Int, pass: Int, level: Int, test: Int, repsNS: [Int], estimate: Double) {
        self.role = role
        self.taskID = taskID
        self.sampleIndex = sampleIndex
        self.attempt = attempt
        self.pass = pass
        self.level = level
        self.test = test
        self.repsNS = repsNS
        self.estimate = estimate
    }
}

/// A sample's ENAMEL result: the pass flag, per-level scores and the hardness-weighted score.
public struct EfficiencyScore: Sendable, Hashable, Codable {
    public var key: SampleKey
    public var passed: Bool
    /// e_0 … e_{L−1}.
    public var levels: [Double]
    /// The weighted score e.
    public var eff: Double
    /// Level where a limit or failure stopped the sample.
    public var stoppedAt: Int?
    public var reason: String?
    /// The time limit T = α · t*_max in seconds (without the tolerance).
    public var limit: Double
    /// t*_j per level, seconds (0 for hardness-0 levels).
    public var references: [Double]
    /// How many times the problem was timed (1 + retries).
    public var attempts: Int

    public init(key: SampleKey, passed: Bool, levels: [Double], eff: Double, stoppedAt: Int?, reason: String?, limit: Double,
                references: [Double], attempts: Int) {
        self.key = key
        self.passed = passed
        self.levels = levels
        self.eff = eff
        self.stoppedAt = stoppedAt
        self.reason = reason
        self.limit = limit
        self.references = references
        self.attempts = attempts
    }
}

/// Identifies generated ENAMEL tests: the same dataset, seed, test counts and interpreter must
/// give the same inputs and answers on every run.
public struct GeneratedTestsKey: Sendable, Hashable, Codable {
    public var problemSetHash: String
    public var seed: Int
    /// e.g. `8,4,4,4`.
    public var nTests: String
    /// Interpreter path and version.
    public var interpreter: String

    public init(problemSetHash: String, seed: Int, nTests: String, interpreter: String) {
        self.problemSetHash = problemSetHash
        self.seed = seed
        self.nTests = nTests
        self.interpreter = interpreter
    }
}

/// Storage of efficiency runs (ENAMEL): generated-test identities, raw timings and scores.
public protocol EfficiencyStore: Sendable {
    /// Digests of generated tests stored under `key`, as "task_id/level" → SHA-256.
    func generatedTestDigests(_ key: GeneratedTestsKey) async throws -> [String: String]
    /// Stores digests not yet known under `key` (known ones are kept).
    func saveGeneratedTestDigests(_ digests: [String: String], key: GeneratedTestsKey, run: RunID) async throws
    /// Stores one problem's timings and scores in one transaction, replacing earlier ones of the run.
    func saveEfficiency(taskID: String, timings: [EfficiencyTiming], scores: [EfficiencyScore], run: RunID) async throws
    func efficiencyScores(run: RunID) async throws -> [SampleKey: EfficiencyScore]
}
