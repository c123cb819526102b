public import AssayCore
public import Foundation
import Synchronization

/// What is sent: a conversation (chat, Anthropic) or a raw prompt (completions).
public enum ModelPrompt: Sendable, Hashable {
    case chat([ChatMessage])
    case text(String)

    /// SHA-256 of the prompt's text, as stored in the ledger.
    public var hash: String {
        switch self {
        case .text(let text): return SHA256.hex(of: Array(("text\u{0}" + text).utf8))
        case .chat(let messages):
            return SHA256.hex(of: Array(messages.map { "\($0.role.rawValue)\u{0}\($0.content)" }.joined(separator: "\u{1}").utf8))
        }
    }
}

/// Why a model request failed for good.
public struct ModelServerError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Nothing answers at the base URL (at start, or it stopped answering mid-run).
        case unreachable
        /// The server does not serve the model (404, or absent from `/models`).
        case unknownModel
        /// 401/403: the key is missing or refused.
        case unauthorized
        /// 429 `insufficient_quota` or a spend limit.
        case quota
        /// 400/422 that no capability fallback could fix (e.g. prompt too long).
        case rejected
        /// Retries and deadline used up on 5xx/429/timeouts.
        case exhausted
    }

    public var kind: Kind
    public var message: String
    public var hint: String?
    public var attempts: Int

    public init(_ kind: Kind, _ message: String, hint: String? = nil, attempts: Int = 0) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.attempts = attempts
    }

    /// True when no other request of the run can succeed either: the run stops at once.
    public var isFatalForRun: Bool { kind == .unreachable || kind == .unknownModel || kind == .unauthorized || kind == .quota }

    public var description: String {
        var text = message
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

/// Bounds the requests in flight to one endpoint (FIFO).
public actor RequestGate {
    private let capacity: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public func acquire() async {
        if inUse < capacity {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A configured model on an OpenAI-compatible or Anthropic server: every request carries the
/// same decoding settings; retries, capability fallbacks and the concurrency bound are built in.
///
/// ```swift
/// let client = ModelClient(endpoint: endpoint, settings: settings, policy: RetryPolicy(), concurrency: 8)
/// let reply = try await client.chat([.user("Fix this function: …")], seed: 7)
/// print(reply.text, reply.usage.output ?? 0)
/// ```
public final class ModelClient: ChatModel, Sendable {
    public let endpoint: ModelEndpoint
    public let settings: DecodingSettings
    /// Stop strings sent with raw-prompt (completions) requests.
    public let stop: [String]
    public let policy: RetryPolicy
    private let http: HTTPClient
    private let gate: RequestGate
    private let learned: Mutex<(capabilities: Capabilities, notices: [String])>
    private let broken = Mutex<ModelServerError?>(nil)

    public init(
        endpoint: ModelEndpoint, settings: DecodingSettings, stop: [String] = [], capabilities: Capabilities? = nil,
        policy: RetryPolicy = RetryPolicy(), concurrency: Int
    ) {
        self.endpoint = endpoint
        self.settings = settings
        self.stop = stop
        self.policy = policy
        http = HTTPClient(maxConnections: concurrency)
        gate = RequestGate(capacity: concurrency)
        learned = Mutex((capabilities ?? Capabilities.defaults(for: endpoint.api), []))
    }

    /// What the endpoint is currently known to accept.
    public var capabilities: Capabilities { learned.withLock { $0.capabilities } }

    /// Capability changes learned from the server since the last call (each reported once).
    public func takeNotices() -> [String] {
        learned.withLock { state in
            defer { state.notices = [] }
            return state.notices
        }
    }

    // MARK: ChatModel

    public func chat(_ messages: [ChatMessage], seed: Int?) async throws -> ModelReply {
        let prompt: ModelPrompt = endpoint.api == .completions
            ? .text(messages.map(\.content).joined(separator: "\n\n")) : .chat(messages)
        return try await send(prompt, n: 1, seed: seed ?? settings.seed)
    }

    // MARK: Requests

    /// The endpoint a prompt goes to.
    public var requestURL: URL {
        switch endpoint.api {
        case .completions: return endpoint.url("completions")
        case .anthropic: return endpoint.url("messages")
        default: return endpoint.url("chat/completions")
        }
    }

    /// The JSON body that would be sent now (for the ledger; holds no key).
    public func body(_ prompt: ModelPrompt, n: Int, seed: Int?) -> String {
        String(decoding: Self.encode(makeBody(prompt, n: n, seed: seed, capabilities: capabilities)), as: UTF8.self)
    }

    /// Sends `prompt` asking for `n` choices. Fewer may come back (servers that ignore `n`);
    /// the caller asks again for the rest.
    public func send(_ prompt: ModelPrompt, n: Int, seed: Int?) async throws -> ModelReply {
        if let error = broken.withLock({ $0 }) { throw error }
        await gate.acquire()
        do {
            let reply = try await sendWithRetries(prompt, n: n, seed: seed)
            await gate.release()
            return reply
        } catch {
            await gate.release()
            if let failure = error as? ModelServerError, failure.isFatalForRun {
                broken.withLock { if $0 == nil { $0 = failure } }
            }
            throw error
        }
    }

    private func sendWithRetries(_ prompt: ModelPrompt, n requested: Int, seed: Int?) async throws -> ModelReply {
        let started = ContinuousClock.now
        var attempt = 0
        var n = requested
        var generator = SystemRandomNumberGenerator()
        while true {
            try Task.checkCancellation()
            attempt += 1
            let capabilities = self.capabilities
            if !capabilities.supportsN { n = 1 }
            let bodyValue = makeBody(prompt, n: n, seed: seed, capabilities: capabilities)
            let body = Self.encode(bodyValue)
            let elapsed = Self.seconds(ContinuousClock.now - started)
            let timeout = min(policy.requestTimeout, max(0.5, policy.deadline - elapsed))
            let attemptStart = ContinuousClock.now
            var retryReason: String
            var headers: [String: String] = [:]
            do {
                let response = try await http.send(method: "POST", url: requestURL, headers: requestHeaders(), body: body, timeout: timeout)
                let latency = Self.seconds(ContinuousClock.now - attemptStart) * 1000
                headers = response.headers
                let errorInfo = Self.errorInfo(response.body)
                if (200...299).contains(response.status) {
                    if let reply = parseReply(response.body, latencyMS: latency, attempts: attempt, body: body) {
                        return reply
                    }
                    retryReason = "unreadable answer (HTTP \(response.status), \(response.body.count) bytes: \(Self.preview(response.body)))"
                } else {
                    let status = response.status
                    let detail = "HTTP \(status) from \(requestURL.absoluteString): \(errorInfo.message)"
                    if status == 400 || status == 422 {
                        if adapt(to: errorInfo) { attempt -= 1; continue }
                        throw ModelServerError(.rejected, detail, attempts: attempt)
                    }
                    if status == 401 || status == 403 {
                        throw ModelServerError(
                            .unauthorized, detail,
                            hint: "set the API key in $\(endpoint.api.defaultKeyVariable) (or name another variable with --api-key-env)",
                            attempts: attempt)
                    }
                    if status == 404 {
                        throw ModelServerError(
                            .unknownModel, "the server does not serve model '\(endpoint.model)' (\(detail))",
                            hint: "check --model against GET \(endpoint.url("models").absoluteString), and --base-url (it must end in the API version, e.g. /v1)",
                            attempts: attempt)
                    }
                    if status == 429, errorInfo.isQuota {
                        throw ModelServerError(.quota, detail, hint: "the account's quota or spend limit is used up; retrying will not help",
                                               attempts: attempt)
                    }
                    let shouldRetry = headers["x-should-retry"]
                    if shouldRetry == "false" || (shouldRetry != "true" && !RetryPolicy.isRetryable(status: status)) {
                        throw ModelServerError(.rejected, detail, attempts: attempt)
                    }
                    retryReason = detail
                }
            } catch let failure as ConnectionFailure {
                retryReason = failure.message
                let spent = Self.seconds(ContinuousClock.now - started)
                if attempt >= policy.maxAttempts || spent >= policy.deadline {
                    let why = attempt >= policy.maxAttempts ? "after \(attempt) attempts" : "within the \(Int(policy.deadline)) s deadline (\(attempt) attempts)"
                    if failure.unreachable || !failure.timedOut {
                        throw ModelServerError(
                            .unreachable, "the model server stopped answering \(why): \(failure.message)",
                            hint: "check that the server is running at \(endpoint.baseURL.absoluteString); finished samples are stored, rerun to resume",
                            attempts: attempt)
                    }
                    throw ModelServerError(.exhausted, "gave up \(why): \(failure.message)", attempts: attempt)
                }
            }
            let delay = policy.delay(afterAttempt: attempt, headers: headers, random: Double.random(in: 0..<1, using: &generator))
            let spent = Self.seconds(ContinuousClock.now - started)
            if attempt >= policy.maxAttempts || spent + delay > policy.deadline {
                throw ModelServerError(
                    .exhausted, "gave up after \(attempt) attempts in \(Int(spent)) s; last: \(retryReason)", attempts: attempt)
            }
            try await Task.sleep(for: .milliseconds(Int((delay * 1000).rounded())))
        }
    }

    private func requestHeaders() -> [String: String] {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if endpoint.api == .anthropic {
            headers["anthropic-version"] = "2023-06-01"
            if let key = endpoint.apiKey { headers["x-api-key"] = key }
        } else if let key = endpoint.apiKey {
            headers["Authorization"] = "Bearer \(key)"
        }
        return headers
    }

    // MARK: Bodies

    func makeBody(_ prompt: ModelPrompt, n: Int, seed: Int?, capabilities: Capabilities) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(endpoint.model)]
        let stops = Array(stop.prefix(capabilities.maxStopStrings))
        switch endpoint.api {
        case .anthropic:
            var system: [String] = []
            var messages: [JSONValue] = []
            for message in Self.messages(prompt) {
                if message.role == .system {
                    system.append(message.content)
                } else {
                    messages.append(.object(["role": .string(message.role.rawValue), "content": .string(message.content)]))
                }
            }
            body["messages"] = .array(messages)
            if !system.isEmpty { body["system"] = .string(system.joined(separator: "\n\n")) }
            body["max_tokens"] = .int(settings.maxTokens)
            // Newer Anthropic models reject temperature and top_p together: send one.
            if capabilities.sendTemperature, let t = settings.temperature {
                body["temperature"] = .double(t)
            } else if capabilities.sendTopP, let p = settings.topP {
                body["top_p"] = .double(p)
            }
            let usable = stops.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            if !usable.isEmpty { body["stop_sequences"] = .array(usable.map { .string($0) }) }
            return .object(body)
        case .completions:
            if case .text(let text) = prompt {
                body["prompt"] = .string(text)
            } else {
                body["prompt"] = .string(Self.messages(prompt).map(\.content).joined(separator: "\n\n"))
            }
            body["max_tokens"] = .int(settings.maxTokens)
        default:
            body["messages"] = .array(Self.messages(prompt).map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            })
            body[capabilities.maxTokensField] = .int(settings.maxTokens)
        }
        if n > 1 { body["n"] = .int(n) }
        if capabilities.sendTemperature, let t = settings.temperature { body["temperature"] = .double(t) }
        if capabilities.sendTopP, let p = settings.topP { body["top_p"] = .double(p) }
        if capabilities.sendSeed, let seed { body["seed"] = .int(seed) }
        if !stops.isEmpty { body["stop"] = .array(stops.map { .string($0) }) }
        return .object(body)
    }

    static func messages(_ prompt: ModelPrompt) -> [ChatMessage] {
        switch prompt {
        case .chat(let messages): return messages
        case .text(let text): return [.user(text)]
        }
    }

    static func encode(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    // MARK: Answers

    func parseReply(_ data: Data, latencyMS: Double, attempts: Int, body: Data) -> ModelReply? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let object) = value else { return nil }
        var choices: [ModelReply.Choice] = []
        var usage = TokenUsage()
        if endpoint.api == .anthropic {
            guard let content = object["content"]?.arrayValue else { return nil }
            let text = content.compactMap { block -> String? in
                block["type"]?.stringValue == "text" ? block["text"]?.stringValue : nil
            }.joined()
            choices = [ModelReply.Choice(text: text, finishReason: Self.normalizedFinish(object["stop_reason"]?.stringValue))]
            usage = TokenUsage(input: object["usage"]?["input_tokens"]?.intValue, output: object["usage"]?["output_tokens"]?.intValue)
        } else {
            guard let list = object["choices"]?.arrayValue else { return nil }
            let ordered = list.enumerated().sorted { ($0.element["index"]?.intValue ?? $0.offset) < ($1.element["index"]?.intValue ?? $1.offset) }
            for (_, choice) in ordered {
                let text: String?
                if endpoint.api == .completions {
                    text = choice["text"]?.stringValue
                } else if let content = choice["message"]?["content"] {
                    switch content {
                    case .string(let s): text = s
                    case .null: text = ""
                    case .array(let parts): text = parts.compactMap { $0["text"]?.stringValue }.joined()
                    default: text = nil
                    }
                } else {
                    text = nil
                }
                guard let text else { return nil }
                choices.append(ModelReply.Choice(text: text, finishReason: Self.normalizedFinish(choice["finish_reason"]?.stringValue)))
            }
            usage = TokenUsage(input: object["usage"]?["prompt_tokens"]?.intValue, output: object["usage"]?["completion_tokens"]?.intValue)
        }
        return ModelReply(
            choices: choices, usage: usage, serverModel: object["model"]?.stringValue,
            fingerprint: object["system_fingerprint"]?.stringValue, latencyMS: latencyMS, attempts: attempts,
            requestBody: String(decoding: body, as: UTF8.self))
    }

    static func normalizedFinish(_ reason: String?) -> String? {
        switch reason {
        case "max_tokens": return "length"
        case "end_turn", "stop_sequence": return "stop"
        default: return reason
        }
    }

    struct ErrorInfo {
        var message: String
        var param: String?
        var code: String?
        var type: String?

        var isQuota: Bool {
            let text = [code, type, message].compactMap { $0?.lowercased() }.joined(separator: " ")
            return text.contains("insufficient_quota") || text.contains("spend limit") || text.contains("billing")
        }
    }

    static func errorInfo(_ data: Data) -> ErrorInfo {
        let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        let error = value?["error"]
        let message = error?["message"]?.stringValue ?? value?["message"]?.stringValue ?? error?.stringValue ?? preview(data)
        return ErrorInfo(message: message, param: error?["param"]?.stringValue, code: error?["code"]?.stringValue,
                         type: error?["type"]?.stringValue)
    }

    static func preview(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return text.isEmpty ? "(empty body)" : text
    }

    /// Learns from a 400 that names an unsupported parameter. Returns true when the request
    /// should be sent again without it.
    func adapt(to info: ErrorInfo) -> Bool {
        let text = (info.message + " " + (info.param ?? "")).lowercased()
        let unsupported = ["unsupported", "not supported", "does not support", "not allowed", "cannot both", "only the default",
                           "unrecognized", "not permitted", "extra inputs", "invalid"].contains { text.contains($0) }
        guard unsupported || info.param != nil else { return false }
        func mentions(_ name: String) -> Bool {
            info.param == name || text.contains("'\(name)'") || text.contains("`\(name)`") || text.contains("\"\(name)\"")
                || text.contains(" \(name) ") || text.hasPrefix("\(name) ")
        }
        return learned.withLock { state -> Bool in
            var caps = state.capabilities
            var note: String?
            if mentions("max_tokens"), caps.maxTokensField == "max_tokens", endpoint.api == .chat {
                caps.maxTokensField = "max_completion_tokens"
                note = "the server rejects max_tokens: sending max_completion_tokens instead"
            } else if mentions("temperature") && mentions("top_p") && endpoint.api == .anthropic, caps.sendTopP {
                caps.sendTopP = false
                note = "the server rejects temperature with top_p: sending temperature only"
            } else if mentions("temperature"), caps.sendTemperature {
                caps.sendTemperature = false
                note = "the server rejects temperature: sending none (the model's default applies)"
            } else if mentions("top_p"), caps.sendTopP {
                caps.sendTopP = false
                note = "the server rejects top_p: sending none"
            } else if mentions("seed"), caps.sendSeed {
                caps.sendSeed = false
                note = "the server rejects seed: sending none (samples are not seeded)"
            } else if mentions("n"), caps.supportsN {
                caps.supportsN = false
                note = "the server rejects n > 1: sending one request per sample, seeded seed + sample index"
            } else if mentions("stop") || mentions("stop_sequences"), caps.maxStopStrings > 0 {
                caps.maxStopStrings = caps.maxStopStrings > 4 ? 4 : 0
                note = "the server rejects the stop list: sending \(caps.maxStopStrings) stop strings, cutting the rest client-side"
            }
            guard let note else { return false }
            state.capabilities = caps
            state.notices.append(note)
            return true
        }
    }

    /// Records that the server ignores `n` (it answered with fewer choices than asked).
    public func learnIgnoresN() {
        learned.withLock { state in
            guard state.capabilities.supportsN else { return }
            state.capabilities.supportsN = false
            state.notices.append("the server answered fewer choices than n asked: asking for the rest one sample per request")
        }
    }

    // MARK: Preflight

    /// Checks, before anything is generated, that the server answers and serves the model.
    /// Returns the served model ids, or nil when the server has no model list.
    ///
    /// - Throws: ``ModelServerError`` `.unreachable`, `.unknownModel` or `.unauthorized`, at once.
    public func preflight() async throws -> [String]? {
        let url = endpoint.url("models")
        var lastFailure: ConnectionFailure?
        for attempt in 0..<3 {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            do {
                let response = try await http.send(method: "GET", url: url, headers: requestHeaders(), body: nil,
                                                   timeout: min(policy.requestTimeout, 15))
                if response.status == 401 || response.status == 403 {
                    throw ModelServerError(
                        .unauthorized, "HTTP \(response.status) from \(url.absoluteString): \(Self.errorInfo(response.body).message)",
                        hint: "set the API key in $\(endpoint.api.defaultKeyVariable) (or name another variable with --api-key-env)")
                }
                guard (200...299).contains(response.status),
                    let value = try? JSONDecoder().decode(JSONValue.self, from: response.body),
                    let list = value["data"]?.arrayValue ?? value["models"]?.arrayValue
                else { return nil }
                let ids = list.compactMap { $0["id"]?.stringValue ?? $0["name"]?.stringValue }
                if !ids.isEmpty && !ids.contains(endpoint.model) {
                    throw ModelServerError(
                        .unknownModel,
                        "the server at \(endpoint.baseURL.absoluteString) does not serve model '\(endpoint.model)'; it serves: \(ids.prefix(20).joined(separator: ", "))",
                        hint: "pass one of those names to --model")
                }
                return ids
            } catch let failure as ConnectionFailure {
                lastFailure = failure
                if !failure.unreachable && !failure.timedOut { return nil }
            }
        }
        throw ModelServerError(
            .unreachable, "cannot reach the model server: \(lastFailure?.message ?? url.absoluteString)",
            hint: "start the server (vLLM: vllm serve MODEL --port 8000; Ollama: ollama serve) or fix --base-url (now \(endpoint.baseURL.absoluteString))")
    }

    /// A duration in seconds.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
