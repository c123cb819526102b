import ArgumentParser
import AssayCore
import Foundation
import Generation
import ProblemSets

/// Options of every command that asks a model for samples (`generate`, `run`).
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Model name as the server knows it.", valueName: "name"))
    var model: String?

    @Option(name: .customLong("base-url"), help: ArgumentHelp(
        "Server base URL, e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama).", valueName: "url"))
    var baseURL: String?

    @Option(name: .long, help: "chat | completions | anthropic | replay (a samples file) | reference (canonical solutions).")
    var api: String = "chat"

    @Option(name: .customLong("replay"), help: ArgumentHelp("Samples file to replay (with --api replay).", valueName: "path"))
    var replayPath: String?

    @Option(name: .long, help: ArgumentHelp("Samples per problem.", valueName: "N"))
    var n: Int = 1

    @Option(name: .long, help: ArgumentHelp("Sampling temperature (default: 0 for --n 1, else 0.8).", valueName: "T"))
    var temperature: Double?

    @Option(name: .customLong("top-p"), help: ArgumentHelp("Nucleus sampling (default: 0.95 when temperature > 0).", valueName: "P"))
    var topP: Double?

    @Option(name: .customLong("max-tokens"), help: ArgumentHelp("Tokens per answer (EvalPlus: 768).", valueName: "N"))
    var maxTokens: Int = 768

    @Option(name: .long, help: ArgumentHelp("Base seed; sample i is asked with seed + i.", valueName: "S"))
    var seed: Int = 0

    @Option(name: .long, help: ArgumentHelp("Requests in flight at once.", valueName: "C"))
    var concurrency: Int = 8

    @Flag(name: .long, help: "Greedy decoding: temperature 0, one sample per problem.")
    var greedy = false

    @Option(name: .long, help: ArgumentHelp(
        "Prompt template: a name in Problems/prompts/ or a .json path (default: instruct; base for --api completions).",
        valueName: "name|path"))
    var template: String?

    @Option(name: .long, help: ArgumentHelp(
        "What the server accepts: no-n, no-seed, no-temperature, no-top-p, max-completion-tokens, stops=N (comma-separated).",
        valueName: "list"))
    var capabilities: String = ""

    @Option(name: .customLong("api-key-env"), help: ArgumentHelp(
        "Environment variable holding the API key (default: OPENAI_API_KEY; ANTHROPIC_API_KEY for --api anthropic).",
        valueName: "NAME"))
    var apiKeyEnv: String?

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds one HTTP exchange may take.", valueName: "s"))
    var requestTimeout: Double = 300

    @Option(name: .customLong("max-attempts"), help: ArgumentHelp("HTTP attempts per request (retries + 1).", valueName: "N"))
    var maxAttempts: Int = 8

    @Option(name: .customLong("retry-delay"), help: ArgumentHelp("First backoff delay in seconds (doubles, capped at 8 s).", valueName: "s"))
    var retryDelay: Double = 0.5

    func validate() throws {
        guard let kind = ModelAPI(rawValue: api) else {
            throw ValidationError("--api must be one of: \(ModelAPI.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kind.usesServer && (model ?? "").isEmpty { throw ValidationError("--model is required with --api \(api)") }
        if kind == .replay && replayPath == nil { throw ValidationError("--api replay needs --replay <samples file>") }
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
        if greedy && n > 1 { throw ValidationError("--greedy means one sample per problem: drop --n \(n) or --greedy") }
        if greedy, let temperature, temperature != 0 { throw ValidationError("--greedy means temperature 0: drop --temperature") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard concurrency >= 1 && concurrency <= 1024 else { throw ValidationError("--concurrency must be between 1 and 1024") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
    }

    var apiKind: ModelAPI { ModelAPI(rawValue: api) ?? .chat }

    var decoding: DecodingSettings {
        let t = greedy ? 0 : (temperature ?? (n == 1 ? 0 : 0.8))
        let p = topP ?? (t > 0 ? 0.95 : nil)
        return DecodingSettings(temperature: t, topP: p, maxTokens: maxTokens, seed: seed)
    }

    var policy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: retryDelay, requestTimeout: requestTimeout,
                    deadline: max(requestTimeout * 3, 900))
    }
}

/// A sample source ready to run, with the identity of what it generates.
struct PreparedSource {
    var source: SampleSource
    var config: GenerationConfig
    var client: ModelClient?
    var template: PromptTemplate?
    var description: String
}

extension ModelOptions {
    /// Builds the source: checks the server (unreachable, unknown model and refused key fail here,
    /// at once), loads the template, reads a replay file.
    func prepare(problems: ProblemSet, maxSampleBytes: Int = SamplesReader.defaultMaxSampleBytes) async throws -> PreparedSource {
        let kind = apiKind
        switch kind {
        case .reference:
            let config = GenerationConfig(api: "reference", baseURL: "", model: "", template: "", templateHash: "", mode: "verbatim",
                                          decoding: decoding, stop: [], problemSetHash: problems.hash, source: "canonical solutions")
            return PreparedSource(source: .reference, config: config, description: "reference (canonical solutions)")
        case .replay:
            let path = replayPath ?? ""
            let file = try SamplesReader.read(path: path, problems: problems, maxSampleBytes: maxSampleBytes)
            for issue in file.issues.prefix(20) { Console.warn(issue.description) }
            let config = GenerationConfig(api: "replay", baseURL: "", model: "", template: "", templateHash: "", mode: "verbatim",
                                          decoding: decoding, stop: [], problemSetHash: problems.hash, source: "\(path)#\(file.hash)")
            return PreparedSource(source: .replay(file.samples), config: config, description: "replay of \(path) (\(file.format) format)")
        case .chat, .completions, .anthropic:
            let template = try PromptTemplate.load(self.template ?? (kind == .completions ? "base" : "instruct"))
            if kind == .completions && template.mode != .base {
                Console.warn("template \(template.name) is an instruct template; --api completions sends its user turn as a raw prompt")
            }
            let keyVariable = apiKeyEnv ?? kind.defaultKeyVariable
            let key = ProcessInfo.processInfo.environment[keyVariable].flatMap { $0.isEmpty ? nil : $0 }
            if apiKeyEnv != nil && key == nil {
                throw InputError("--api-key-env \(keyVariable): that environment variable is not set")
            }
            let base = try ModelEndpoint.normalizedBaseURL(baseURL ?? kind.defaultBaseURL!)
            if key == nil, let host = base.host, host.hasSuffix("openai.com") || host.hasSuffix("anthropic.com") {
                throw InputError("no API key for \(host)", hint: "export \(keyVariable)=… (the key is read from the environment, never stored)")
            }
            var caps = Capabilities.defaults(for: kind)
            try caps.apply(capabilities)
            if greedy { caps.supportsN = false }
            let endpoint = ModelEndpoint(api: kind, baseURL: base, model: model ?? "", apiKey: key)
            let stop = template.mode == .base ? template.stop : []
            let client = ModelClient(endpoint: endpoint, settings: decoding, stop: stop, capabilities: caps, policy: policy,
                                     concurrency: concurrency)
            _ = try await client.preflight()
            let config = GenerationConfig(
                api: kind.rawValue, baseURL: base.absoluteString, model: endpoint.model, template: template.name,
                templateHash: template.hash, mode: template.mode.rawValue, decoding: decoding, stop: stop,
                problemSetHash: problems.hash, source: "")
            return PreparedSource(source: .model(client, template), config: config, client: client, template: template,
                                  description: "\(endpoint.model) (\(kind.rawValue), \(base.absoluteString), template \(template.name))")
        }
    }

    /// Decoding settings as written to generation.json.
    var decodingJSON: [String: JSONValue] {
        let d = decoding
        return ["temperature": d.temperature.map { .double($0) } ?? .null, "top_p": d.topP.map { .double($0) } ?? .null,
                "max_tokens": .int(d.maxTokens), "seed": d.seed.map { .int($0) } ?? .null]
    }
}
