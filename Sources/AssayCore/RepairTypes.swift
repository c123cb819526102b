/// One round of the self-critique repair loop for one sample, as stored (`repair_attempts`).
///
/// Round 0 holds the original code and its feedback-test run (no model call); round r ≥ 1 the
/// critique prompt, the model's answer, the extracted code and its executions.
public struct RepairAttempt: Sendable, Hashable, Codable {
    public var key: SampleKey
    public var round: Int
    public var condition: String
    /// `visible` (docstring examples), `scoring` (the task had none: oracle feedback) or `none`.
    public var feedbackSource: String
    /// The chat turns sent, as JSON (nil in round 0).
    public var prompt: String?
    public var raw: String?
    public var finishReason: String?
    /// The code of this round: a full solution (nil when none could be extracted).
    public var code: String?
    /// The extraction status (`ok`, `no_code`, …) for rounds ≥ 1.
    public var extraction: String?
    public var calls: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var latencyMS: Double
    /// The verdict of this round's code on the scoring tests (rounds ≥ 1; round 0 is the source run's).
    public var scoringStatus: Status?
    /// The verdict on the feedback tests, with the record the next prompt is built from.
    public var visibleStatus: Status?
    public var visibleRecord: JSONValue?
    public var visibleDetail: String?
    /// Sandbox executions of this round (scoring + feedback tests), their CPU and wall time.
    public var executions: Int
    public var cpuMS: Double
    public var wallMS: Double
    /// Why the sample left the loop after this round: `passed_feedback`, `repeated_code`,
    /// `no_code`, `rounds_exhausted`; nil while it continues.
    public var stopReason: String?
    /// False while the answer is stored but its executions are not (a resume finishes it).
    public var done: Bool

    public init(
        key: SampleKey, round: Int, condition: String, feedbackSource: String, prompt: String? = nil, raw: String? = nil,
        finishReason: String? = nil, code: String? = nil, extraction: String? = nil, calls: Int = 0, tokensIn: Int = 0,
        tokensOut: Int = 0, latencyMS: Double = 0, scoringStatus: Status? = nil, visibleStatus: Status? = nil,
        visibleRecord: JSONValue? = nil, visibleDetail: String? = nil, executions: Int = 0, cpuMS: Double = 0, wallMS: Double = 0,
        stopReason: String? = nil, done: Bool = false
    ) {
        self.key = key
        self.round = round
        self.condition = condition
        self.feedbackSource = feedbackSource
        self.prompt = prompt
        self.raw = raw
        self.finishReason = finishReason
        self.code = code
        self.extraction = extraction
        self.calls = calls
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.latencyMS = latencyMS
        self.scoringStatus = scoringStatus
        self.visibleStatus = visibleStatus
        self.visibleRecord = visibleRecord
        self.visibleDetail = visibleDetail
        self.executions = executions
        self.cpuMS = cpuMS
        self.wallMS = wallMS
        self.stopReason = stopReason
        self.done = done
    }
}

/// Durable home of repair attempts and of the per-round scoring outcomes.
public protocol RepairStore: Sendable {
    func saveAttempt(_ attempt: RepairAttempt, run: RunID) async throws
    func attempts(run: RunID) async throws -> [RepairAttempt]
    /// Stores the scoring outcome of a sample's code at `round` (the `executions` table).
    func recordOutcome(_ outcome: ExecutionOutcome, for key: SampleKey, run: RunID, round: Int) async throws
    func outcomes(run: RunID, round: Int) async throws -> [SampleKey: ExecutionOutcome]
}
