public import AssayCore
import FoundationEssentials

/// Turns the sandbox's kernel facts and the runner's record into one verdict.
///
/// Precedence (DMOJ-style): infrastructure error (thrown) > timeout > memory > output limit >
/// forbidden syscall > signal > no result > failed / error > passed. A pass needs a well-formed
/// record with the request's nonce that says the tests ran and passed; exit status 0 alone never
/// counts.
public enum VerdictPolicy {
    static let signalNames: [Int: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
    ]

    public static func outcome(of response: SandboxResponse, request: SandboxRequest) throws -> ExecutionOutcome {
        guard response.ok else {
            throw SandboxError("the sandbox could not run \(request.id): \(response.error ?? "no reason given")")
        }
        var outcome = ExecutionOutcome(
            status: .noResult, cpuMS: response.cpuMS ?? 0, wallMS: response.wallMS ?? 0, maxRSSKiB: response.maxRSSKiB ?? 0,
            exitCode: response.exitCode, signal: response.signal, syscall: response.syscall,
            stdout: response.stdout ?? "", stderr: response.stderr ?? "")
        let parsed = parseRecord(response.result, nonce: request.nonce)
        if case .valid(let record) = parsed {
            outcome.record = record
            outcome.tamper = record["tamper"]?.arrayValue?.compactMap(\.stringValue) ?? []
            outcome.tests = testResults(in: record)
        }

        switch response.killedBy {
        case "wall":
            return with(outcome, .timeout, "TimeoutError", "wall-clock limit of \(request.limits.wallMS) ms reached")
        case "cpu":
            return with(outcome, .timeout, "TimeoutError", "CPU limit of \(request.limits.cpuMS) ms reached")
        case "memory":
            return with(outcome, .memory, "MemoryError", "killed by the memory cgroup (out of memory)")
        case "output":
            return with(outcome, .outputLimit, nil, "output over \(request.limits.outputBytes) bytes")
        case "seccomp":
            return with(outcome, .forbiddenSyscall, nil, "forbidden system call: \(response.syscall ?? "unknown")")
        case "pids":
            return with(outcome, .timeout, "TimeoutError",
                        "wall-clock limit of \(request.limits.wallMS) ms reached while the process limit refused forks (fork bomb)")
        default:
            break
        }
        if response.signal == 24 {
            return with(outcome, .timeout, "TimeoutError", "CPU limit of \(request.limits.cpuMS) ms reached (SIGXCPU)")
        }
        if case .valid(let record) = parsed, record["error_type"]?.stringValue == "MemoryError" {
            return with(outcome, .memory, "MemoryError", "MemoryError under the \(request.limits.memoryBytes >> 20) MiB limit")
        }
        if response.stdoutTruncated == true || response.stderrTruncated == true {
            return with(outcome, .outputLimit, nil, "output over \(request.limits.outputBytes) bytes")
        }
        if response.signal == 31 {
            return with(outcome, .forbiddenSyscall, nil, "forbidden system call: \(response.syscall ?? "unknown")")
        }
        if let signal = response.signal {
            let name = signalNames[signal] ?? "signal \(signal)"
            return with(outcome, .signal, name, "killed by \(name)")
        }

        switch parsed {
        case .missing:
            let exit = response.exitCode.map { "exit status \($0)" } ?? "no exit status"
            return with(outcome, .noResult, nil, "ended (\(exit)) without the harness's result record")
        case .invalid(let why):
            return with(outcome, .noResult, nil, "result record rejected: \(why)")
        case .valid(let record):
            return decide(outcome, record: record)
        }
    }

    private static func decide(_ base: ExecutionOutcome, record: JSONValue) -> ExecutionOutcome {
        if record["kind"]?.stringValue == "unittest" { return decideUnittest(base, record: record) }
        let status = record["status"]?.stringValue
        let errorType = record["error_type"]?.stringValue
        let message = record["message"]?.stringValue ?? ""
        switch status {
        case "passed":
            guard record["test_returned"]?.boolValue == true, (record["asserts_run"]?.intValue ?? 0) > 0 else {
                return with(base, .noResult, nil, "record says passed but the tests did not complete")
            }
            return with(base, .passed, nil, "")
        case "failed":
            var detail = "assertion failed"
            if let failed = record["failed_assert"] {
                let source = failed["source"]?.stringValue ?? ""
                detail = source.isEmpty ? detail : source
                if let left = failed["left"]?.stringValue, let right = failed["right"]?.stringValue {
                    detail += " (left: \(left), right: \(right))"
                }
            }
            return with(base, .failed, errorType ?? "AssertionError", clip(detail))
        case "error":
            var detail = message.isEmpty ? (errorType ?? "error") : "\(errorType ?? "Error"): \(message)"
            if let line = record["line"]?.intValue {
                detail += record["in_solution"]?.boolValue == true ? " (line \(line) of the solution)" : " (line \(line), in the tests)"
            }
            return with(base, .error, errorType ?? "Error", clip(detail))
        default:
            return with(base, .noResult, nil, "result record has no valid status")
        }
    }

    static func with(_ base: ExecutionOutcome, _ status: Status, _ errorType: String?, _ detail: String) -> ExecutionOutcome {
        var outcome = base
        outcome.status = status
        outcome.errorType = errorType
        outcome.detail = detail
        return outcome
    }

    static func clip(_ text: String, to limit: Int = 400) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 3)) + "..."
    }

    enum ParsedRecord {
        case missing
        case invalid(String)
        case valid(JSONValue)
    }

    private static let recordDecoder = JSONDecoder()

    /// The result channel must hold exactly one JSON object line carrying the request's nonce.
    static func parseRecord(_ text: String?, nonce: String) -> ParsedRecord {
        guard let text, !text.isEmpty else { return .missing }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count == 1 else { return .invalid("\(lines.count) lines on the result channel (expected one)") }
        guard let record = try? JSONValue.parse(Data(lines[0].utf8), decoder: recordDecoder), case .object = record else {
            return .invalid("not a JSON object")
        }
        guard record["nonce"]?.stringValue == nonce else { return .invalid("wrong nonce") }
        return .valid(record)
    }
}
