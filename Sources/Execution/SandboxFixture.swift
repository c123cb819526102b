public import AssayCore
public import FoundationEssentials

/// A red-team or self-test fixture from `Sandboxes/redteam/` (format: that folder's README).
///
/// A fixture is the completion of `def f():` tested by `assert candidate() == 1`, preceded by
/// `# key: value` header lines stating what must happen.
public struct SandboxFixture: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var completion: String
    /// `expect` checks: field → accepted values (`null` for absent).
    public var expect: [String: [String]]
    public var about: String
    /// Request limits overriding the defaults (`wall_ms`, `cpu_ms`, `memory_bytes`, …).
    public var limits: [String: Int]
    /// Seccomp profile name in `Sandboxes/` (nil: the default profile).
    public var profile: String?
    /// Extra supervisor flags.
    public var flags: [String]
    public var hostCheck: String

    public var description: String { name }

    public init(
        name: String, completion: String, expect: [String: [String]] = [:], about: String = "", limits: [String: Int] = [:],
        profile: String? = nil, flags: [String] = [], hostCheck: String = ""
    ) {
        self.name = name
        self.completion = completion
        self.expect = expect
        self.about = about
        self.limits = limits
        self.profile = profile
        self.flags = flags
        self.hostCheck = hostCheck
    }

    public static let problem = Problem(
        taskID: "redteam/0", prompt: "def f():\n", canonicalSolution: "    return 1\n",
        test: "def check(candidate):\n    assert candidate() == 1\n", entryPoint: "f")

    /// Every fixture in `folder`, sorted by name.
    public static func load(from folder: URL) throws -> [SandboxFixture] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".py") }.sorted()
        return try names.map { try load(folder.appendingPathComponent($0)) }
    }

    public static func load(_ file: URL) throws -> SandboxFixture {
        guard let data = FileManager.default.contents(atPath: file.path) else { throw InputError("cannot read \(file.path)") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var header: [String: String] = [:]
        var position = 0
        while position < lines.count, lines[position].hasPrefix("# "), let colon = lines[position].firstIndex(of: ":") {
            let line = lines[position]
            header[line[line.index(line.startIndex, offsetBy: 2)..<colon].trimmed] = line[line.index(after: colon)...].trimmed
            position += 1
        }
        func pairs(_ text: String?) -> [(String, String)] {
            (text ?? "").split(separator: " ").compactMap { item -> (String, String)? in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }
        }
        var expect: [String: [String]] = [:]
        for (key, value) in pairs(header["expect"]) { expect[key] = value.split(separator: "|").map(String.init) }
        var limits: [String: Int] = [:]
        for (key, value) in pairs(header["limits"]) { limits[key] = Int(value) }
        return SandboxFixture(
            name: String(file.deletingPathExtension().lastPathComponent),
            completion: lines[position...].joined(separator: "\n"), expect: expect, about: header["about"] ?? "",
            limits: limits, profile: header["profile"],
            flags: (header["flags"] ?? "").split(separator: " ").map(String.init), hostCheck: header["host-check"] ?? "")
    }

    /// The verdicts the expectation allows, derived from its `killed_by` and `status` checks
    /// with the same precedence as ``VerdictPolicy``.
    public var expectedStatuses: Set<Status> {
        var result = Set<Status>()
        let killers = expect["killed_by"] ?? ["null"]
        for killer in killers {
            switch killer {
            case "wall", "cpu", "pids": result.insert(.timeout)
            case "memory": result.insert(.memory)
            case "output": result.insert(.outputLimit)
            case "seccomp": result.insert(.forbiddenSyscall)
            default:
                if let signals = expect["signal"], signals != ["null"] {
                    for signal in signals { result.insert(signal == "31" ? .forbiddenSyscall : (signal == "24" ? .timeout : .signal)) }
                    continue
                }
                for status in expect["status"] ?? [] {
                    if status == "error", let types = expect["error_type"] {
                        if types.contains("MemoryError") { result.insert(.memory) }
                        if types.contains(where: { $0 != "MemoryError" }) { result.insert(.error) }
                    } else if let value = Status(rawValue: status) {
                        result.insert(value)
                    }
                }
                if expect["flagged"] == ["true"] { result.formUnion([.failed, .error, .noResult, .passed]) }
            }
        }
        return result
    }

    /// The request for this fixture; `{PORT}` becomes `port`.
    public func request(port: Int, defaults: ExecutionLimits = ExecutionLimits()) -> SandboxRequest {
        var limits = defaults
        if let value = self.limits["wall_ms"] { limits.wallMS = value; limits.cpuMS = value }
        if let value = self.limits["cpu_ms"] { limits.cpuMS = value }
        if let value = self.limits["memory_bytes"] { limits.memoryBytes = value }
        if let value = self.limits["output_bytes"] { limits.outputBytes = value }
        if let value = self.limits["fsize_bytes"] { limits.fsizeBytes = value }
        if let value = self.limits["nofile"] { limits.nofile = value }
        let body = completion.replacingAll("{PORT}", with: String(port))
        let (program, end) = ProgramAssembly.humanEval(problem: Self.problem, body: .completion(body))
        return SandboxRequest(
            id: "redteam/\(name)", kind: "humaneval", program: program, solutionEndLine: end, entryPoint: "f",
            nonce: ProgramAssembly.nonce(), limits: limits)
    }

    /// Supervisor flags selecting this fixture's profile and extra flags.
    public func supervisorArguments(sandboxes: URL) -> [String] {
        (profile.map { ["--profile", sandboxes.appendingPathComponent("\($0).seccomp").path] } ?? []) + flags
    }
}

extension StringProtocol {
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice.removeLast() }
        return String(slice)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
