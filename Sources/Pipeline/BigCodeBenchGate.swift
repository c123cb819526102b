public import AssayCore
import Execution

/// The ground-truth gate of BigCodeBench: before scoring, find the tasks that cannot pass on this
/// machine for reasons of the environment, so they are reported apart instead of being counted as
/// model failures.
///
/// 1. A probe asks the interpreter which of the tasks' `libs` it can import; a task with a missing
///    library is excluded without running (`library missing: x`).
/// 2. The canonical solutions of the other tasks run (a run of their own, resumed like any run, so
///    later evaluations with the same interpreter and limits reuse it). A canonical solution that
///    fails because a module is missing, the network was needed (the runner's audit hook saw a
///    real DNS lookup or connection), NLTK/TextBlob data is missing, or the sandbox profile
///    forbids a system call it needs excludes its task, with that reason. Any other ground-truth
///    failure is listed but not excluded.
public enum BigCodeBenchGate {
    /// What the gate found.
    public struct Report: Sendable, Equatable {
        /// Task id → why it cannot be scored here.
        public var excluded: [String: String]
        /// Task id → verdict and detail, for canonical solutions that failed for other reasons.
        public var failures: [String: String]
        /// Canonical solutions that ran, how many passed, and how many failed for environment reasons.
        public var checked: Int
        public var passed: Int
        public var environmentFailures: Int
        /// Distinct libraries the tasks need, and those the interpreter lacks.
        public var libraries: Int
        public var missingLibraries: [String]

        public init(excluded: [String: String] = [:], failures: [String: String] = [:], checked: Int = 0, passed: Int = 0,
                    environmentFailures: Int = 0, libraries: Int = 0, missingLibraries: [String] = []) {
            self.excluded = excluded
            self.failures = failures
            self.checked = checked
            self.passed = passed
            self.environmentFailures = environmentFailures
            self.libraries = libraries
            self.missingLibraries = missingLibraries
        }
    }

    // MARK: Library probe

    /// What the interpreter has: importable modules, its version, and the identity of its
    /// installed packages.
    public struct Probe: Sendable, Equatable {
        /// Module → importable.
        public var modules: [String: Bool]
        public var pythonVersion: String
        /// SHA-256 of the sorted `name==version` list of installed distributions.
        public var packagesHash: String
        public var packages: Int
    }

    /// Asks the interpreter (through the sandbox, with the harness's environment) which of
    /// `modules` it can import, and which packages it has installed.
    public static func probe(_ modules: [String], executor: any CodeExecutor, environment: [String: String]) async throws -> Probe {
        let request = SandboxRequest(
            id: "bigcodebench-library-probe", kind: "unittest", program: "", solutionEndLine: 0, entryPoint: "",
            testFunction: "", nonce: ProgramAssembly.nonce(), limits: ExecutionLimits(wallMS: 60_000, memoryBytes: 4 << 30, nofile: 1024),
            payload: BigCodeBenchHarness.payload(environment: environment, extra: ["probe_modules": .array(modules.map { .string($0) })]))
        let outcome = try await executor.execute(request)
        guard let found = outcome.record?["modules"]?.objectValue else {
            throw SandboxError("the library probe did not answer (\(outcome.status.rawValue): \(outcome.detail))",
                               hint: "check that --python names a working interpreter; stderr: \(outcome.stderr.suffix(300))")
        }
        var result: [String: Bool] = [:]
        for module in modules { result[module] = found[module]?.boolValue ?? false }
        return Probe(
            modules: result, pythonVersion: outcome.record?["python"]?.stringValue ?? "",
            packagesHash: outcome.record?["packages_sha256"]?.stringValue ?? "", packages: outcome.record?["packages"]?.intValue ?? 0)
    }

    /// Task id → `library missing: …` for the problems whose libraries are not all importable.
    public static func missingLibraries(_ problems: [Problem], importable: [String: Bool]) -> [String: String] {
        var excluded: [String: String] = [:]
        for problem in problems {
            let missing = problem.libraries.filter { importable[$0] == false }
            if !missing.isEmpty { excluded[problem.taskID] = "library missing: " + missing.joined(separator: ", ") }
        }
        return excluded
    }

    // MARK: Classification

    /// Why a canonical solution's failure is the environment's fault, or nil when it is not (or
    /// it passed).
    public static func environmentReason(_ outcome: ExecutionOutcome) -> String? {
        guard outcome.status != .passed else { return nil }
        if outcome.status == .forbiddenSyscall {
            // The canonical solution needs a system call the sandbox profile does not allow.
            return "sandbox forbids \(outcome.syscall ?? "a system call")"
        }
        var failures: [(type: String, message: String)] = []
        if let type = outcome.record?["error_type"]?.stringValue {
            failures.append((type, outcome.record?["message"]?.stringValue ?? ""))
        }
        for test in outcome.tests where !test.isPass {
            failures.append((test.errorType ?? "", test.message))
        }
        for failure in failures where failure.type == "ModuleNotFoundError" {
            return "library missing: " + (quotedName(in: failure.message) ?? String(failure.message.prefix(120)))
        }
        for failure in failures where failure.type == "ImportError" {
            return "library cannot be imported: " + String(failure.message.prefix(160))
        }
        for failure in failures {
            if failure.type == "MissingCorpusError" {
                return "NLTK data missing (TextBlob corpora)"
            }
            if failure.type == "LookupError", failure.message.contains("nltk") || failure.message.contains("Resource") {
                return "NLTK data missing: " + (quotedName(in: failure.message) ?? "corpus")
            }
        }
        if let attempts = outcome.record?["network"]?.arrayValue?.compactMap(\.stringValue), let first = attempts.first {
            return "network needed (\(first)\(attempts.count > 1 ? ", …" : ""))"
        }
        return nil
    }

    /// The first `'name'` quoted in an exception message (`No module named 'x'`, `Resource 'y' not found`).
    static func quotedName(in message: String) -> String? {
        guard let open = message.firstIndex(of: "'") else { return nil }
        let rest = message[message.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        let name = rest[..<close]
        return name.isEmpty ? nil : String(name.prefix(80))
    }

    /// Sorts the ground-truth outcomes of `tasks` into a report (probe exclusions included).
    public static func report(
        tasks: [String], outcomes: [String: ExecutionOutcome], probeExclusions: [String: String], libraries: Int,
        missingLibraries: [String]
    ) -> Report {
        var report = Report(excluded: probeExclusions, libraries: libraries, missingLibraries: missingLibraries)
        for task in tasks where probeExclusions[task] == nil {
            guard let outcome = outcomes[task] else { continue }
            report.checked += 1
            if outcome.status == .passed {
                report.passed += 1
            } else if let reason = environmentReason(outcome) {
                report.excluded[task] = reason
                report.environmentFailures += 1
            } else {
                report.failures[task] = "\(outcome.status.rawValue): \(outcome.detail)"
            }
        }
        return report
    }
}
