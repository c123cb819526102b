import AssayCore
public import Foundation

/// Which wire protocol (or offline source) produces the samples.
public enum ModelAPI: String, Sendable, Hashable, Codable, CaseIterable {
    /// OpenAI-compatible `POST {base}/chat/completions` (instruct models).
    case chat
    /// OpenAI-compatible `POST {base}/completions` (base models: raw prompt, completion appended).
    case completions
    /// Anthropic Messages `POST {base}/messages`.
    case anthropic
    /// Samples from an existing samples file (no server).
    case replay
    /// Each problem's canonical solution (no server): the self-check.
    case reference

    public var usesServer: Bool { self == .chat || self == .completions || self == .anthropic }

    /// The environment variable the API key is read from by default.
    public var defaultKeyVariable: String { self == .anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY" }

    /// The base URL used when none is given.
    public var defaultBaseURL: String? {
        switch self {
        case .anthropic: return "https://api.anthropic.com/v1"
        case .chat, .completions: return "https://api.openai.com/v1"
        case .replay, .reference: return nil
        }
    }
}

/// Where the model is served and which model to ask. The API key is held in memory only: it is
/// never part of a ledger row, a run spec, a log line or an error message.
public struct ModelEndpoint: Sendable {
    public var api: ModelAPI
    /// Base URL ending in the API version folder, e.g. `http://localhost:8000/v1`.
    public var baseURL: URL
    public var model: String
    public var apiKey: String?

    public init(api: ModelAPI, baseURL: URL, model: String, apiKey: String?) {
        self.api = api
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// Parses a user-given base URL: `http://host:port` gains `/v1`; `…/v1` is kept as given.
    public static func normalizedBaseURL(_ text: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw InputError("--base-url '\(text)' is not an http(s) URL", hint: "e.g. --base-url http://localhost:8000/v1")
        }
        if url.path.isEmpty || url.path == "/" { return URL(string: trimmed + "/v1")! }
        return url
    }

    /// `base` + `/` + `path`.
    public func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + "/" + path)!
    }
}

/// Decoding settings sent with every request (and part of the generation key).
public struct DecodingSettings: Sendable, Hashable, Codable {
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int
    /// Base seed; sample `i` uses `seed + i` (nil: no seed sent).
    public var seed: Int?

    public init(temperature: Double?, topP: Double?, maxTokens: Int, seed: Int?) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case temperature, topP = "top_p", maxTokens = "max_tokens", seed
    }
}

/// What an endpoint accepts. Starts from the user's flags and learns from `400` answers that
/// name an unsupported parameter (the request is then re-sent without it, and the change is
/// reported once).
public struct Capabilities: Sendable, Hashable, Codable {
    /// `n > 1` in one request. Off: parallel single requests with per-sample seeds.
    public var supportsN: Bool
    /// `max_tokens` (legacy, most servers) or `max_completion_tokens` (OpenAI o-series, gpt-5).
    public var maxTokensField: String
    public var sendTemperature: Bool
    public var sendTopP: Bool
    public var sendSeed: Bool
    /// Largest number of stop strings sent (OpenAI allows 4); the rest are applied client-side.
    public var maxStopStrings: Int

    public init(
        supportsN: Bool = true, maxTokensField: String = "max_tokens", sendTemperature: Bool = true, sendTopP: Bool = true,
        sendSeed: Bool = true, maxStopStrings: Int = 16
    ) {
        self.supportsN = supportsN
        self.maxTokensField = maxTokensField
        self.sendTemperature = sendTemperature
        self.sendTopP = sendTopP
        self.sendSeed = sendSeed
        self.maxStopStrings = maxStopStrings
    }

    /// Defaults for an API: Anthropic has no `n` and no `seed`.
    public static func defaults(for api: ModelAPI) -> Self {
        api == .anthropic ? Self(supportsN: false, sendSeed: false) : Self()
    }

    /// Applies a comma-separated list of overrides: `no-n`, `no-seed`, `no-temperature`,
    /// `no-top-p`, `max-completion-tokens`, `stops=N`.
    public mutating func apply(_ list: String) throws {
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            switch item {
            case "no-n": supportsN = false
            case "n": supportsN = true
            case "no-seed": sendSeed = false
            case "no-temperature": sendTemperature = false
            case "no-top-p": sendTopP = false
            case "max-completion-tokens": maxTokensField = "max_completion_tokens"
            default:
                if item.hasPrefix("stops="), let n = Int(item.dropFirst(6)), n >= 0 {
                    maxStopStrings = n
                } else {
                    throw InputError(
                        "unknown capability '\(item)'",
                        hint: "use a comma-separated list of: no-n, no-seed, no-temperature, no-top-p, max-completion-tokens, stops=N")
                }
            }
        }
    }
}
