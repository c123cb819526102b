/// The result of one test method of a unittest-style task (BigCodeBench), as the trusted runner
/// reported it.
public struct TestCaseResult: Sendable, Hashable, Codable {
    /// The test method's name, e.g. `test_case_1`.
    public var name: String
    /// `passed`, `failed` (an assertion), `error` (another exception), `skipped`,
    /// `expected_failure`, `unexpected_success`, or `not_run` (the test never reported).
    public var status: String
    /// The exception's class name, when the test failed or raised.
    public var errorType: String?
    public var message: String
    /// The end of the formatted traceback (unittest's own text, capped), when there was one.
    public var traceback: String?
    /// Wall time of the test, when measured.
    public var wallMS: Double?

    public init(name: String, status: String, errorType: String? = nil, message: String = "", traceback: String? = nil, wallMS: Double? = nil) {
        self.name = name
        self.status = status
        self.errorType = errorType
        self.message = message
        self.traceback = traceback
        self.wallMS = wallMS
    }

    public var isPass: Bool { status == "passed" }

    enum CodingKeys: String, CodingKey {
        case name, status, errorType = "error_type", message, traceback, wallMS = "wall_ms"
    }
}
