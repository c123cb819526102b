/// The canonical solution's outputs on one split (`base`, `plus`) of one task, and how long each
/// call took: the reference for input/output tasks and the source of per-input time limits.
public struct ExpectedSplit: Sendable, Hashable {
    /// Typed-JSON text of each output (`Sandboxes/kind_io.py`), in input order.
    public var outputs: [[UInt8]]
    /// Wall time of each call in microseconds, measured inside the sandbox.
    public var micros: [Int]

    public init(outputs: [[UInt8]], micros: [Int]) {
        self.outputs = outputs
        self.micros = micros
    }
}

/// Expected outputs of a whole problem set under one interpreter, as cached in the store.
public struct ExpectedOutputs: Sendable {
    /// SHA-256 of the problem file.
    public var setHash: String
    /// Identity of the interpreter: its real path, size and modification time.
    public var interpreter: String
    /// `sys.version` of that interpreter, as the runner reported it.
    public var pythonVersion: String
    /// Host facts of the machine that measured the times (JSON).
    public var machine: String
    public var computedAt: String
    /// task id → split name → expected split.
    public var tasks: [String: [String: ExpectedSplit]]

    public init(setHash: String, interpreter: String, pythonVersion: String, machine: String, computedAt: String,
                tasks: [String: [String: ExpectedSplit]]) {
        self.setHash = setHash
        self.interpreter = interpreter
        self.pythonVersion = pythonVersion
        self.machine = machine
        self.computedAt = computedAt
        self.tasks = tasks
    }
}

/// Where expected outputs are cached (one entry per problem-set hash and interpreter).
public protocol ExpectedOutputStore: Sendable {
    /// The cached outputs, or nil when none are stored for this set and interpreter.
    func expectedOutputs(setHash: String, interpreter: String) async throws -> ExpectedOutputs?
    /// Stores (or replaces) the outputs of a set under an interpreter.
    func saveExpectedOutputs(_ outputs: ExpectedOutputs) async throws
}

extension Problem {
    /// The exact JSON text of a HumanEval+ split's inputs (`base` or `plus`), if the problem has it.
    public func inputsJSON(_ split: String) -> String? {
        extras["\(split)_input_json"]?.stringValue
    }

    /// The task's `atol` (0 when absent).
    public var atol: Double { extras["atol"]?.doubleValue ?? 0 }
}
