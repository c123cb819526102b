/// What happened when one sample ran: the verdict plus the kernel facts behind it.
public struct ExecutionOutcome: Sendable, Hashable, Codable {
    public var status: Status
    /// Python exception class name (`error`, and `failed`: `AssertionError`), or the limit.
    public var errorType: String?
    /// Short human-readable explanation.
    public var detail: String
    public var cpuMS: Double
    public var wallMS: Double
    public var maxRSSKiB: Int
    public var exitCode: Int?
    public var signal: Int?
    /// Name of the forbidden system call, when seccomp stopped one.
    public var syscall: String?
    /// Start of the program's stdout.
    public var stdout: String
    /// End of the program's stderr.
    public var stderr: String
    /// The trusted runner's result record, when a valid one arrived.
    public var record: JSONValue?
    /// Static findings of tampering tools in the sample's code (reported, not decisive).
    public var tamper: [String]
    /// Per-test results of unittest-style tasks (empty for other kinds).
    public var tests: [TestCaseResult]

    public init(
        status: Status, errorType: String? = nil, detail: String = "", cpuMS: Double = 0, wallMS: Double = 0,
        maxRSSKiB: Int = 0, exitCode: Int? = nil, signal: Int? = nil, syscall: String? = nil,
        stdout: String = "", stderr: String = "", record: JSONValue? = nil, tamper: [String] = [], tests: [TestCaseResult] = []
    ) {
        self.status = status
        self.errorType = errorType
        self.detail = detail
        self.cpuMS = cpuMS
        self.wallMS = wallMS
        self.maxRSSKiB = maxRSSKiB
        self.exitCode = exitCode
        self.signal = signal
        self.syscall = syscall
        self.stdout = stdout
        self.stderr = stderr
        self.record = record
        self.tamper = tamper
        self.tests = tests
    }
}
