import AssayCore
import Pipeline
import Testing

/// How the ground-truth gate sorts canonical-solution failures (pure; no sandbox).
@Suite struct BigCodeBenchGateTests {
    static func outcome(_ status: Status, record: [String: JSONValue] = [:], tests: [TestCaseResult] = []) -> ExecutionOutcome {
        ExecutionOutcome(status: status, record: .object(record), tests: tests)
    }

    @Test func environmentReasons() {
        #expect(BigCodeBenchGate.environmentReason(Self.outcome(.passed, record: ["network": .array([.string("getaddrinfo x")])])) == nil)
        let module = Self.outcome(.error, record: ["error_type": .string("ModuleNotFoundError"), "message": .string("No module named 'faker'")])
        #expect(BigCodeBenchGate.environmentReason(module) == "library missing: faker")
        let inTest = Self.outcome(.error, tests: [
            TestCaseResult(name: "test_a", status: "passed"),
            TestCaseResult(name: "test_b", status: "error", errorType: "ModuleNotFoundError", message: "No module named 'requests_mock'"),
        ])
        #expect(BigCodeBenchGate.environmentReason(inTest) == "library missing: requests_mock")
        let nltk = Self.outcome(.error, tests: [TestCaseResult(
            name: "test_a", status: "error", errorType: "LookupError",
            message: "\n****\n  Resource 'stopwords' not found.\n  Please use the NLTK Downloader to obtain the resource:\n  >>> import nltk")])
        #expect(BigCodeBenchGate.environmentReason(nltk) == "NLTK data missing: stopwords")
        let textblob = Self.outcome(.error, tests: [TestCaseResult(name: "t", status: "error", errorType: "MissingCorpusError", message: "x")])
        #expect(BigCodeBenchGate.environmentReason(textblob) == "NLTK data missing (TextBlob corpora)")
        let network = Self.outcome(.failed, record: ["network": .array([.string("gethostbyaddr 8.8.8.8"), .string("gethostbyaddr 1.1.1.1")])],
                                   tests: [TestCaseResult(name: "t", status: "failed", errorType: "AssertionError", message: "None != 'dns.google'")])
        #expect(BigCodeBenchGate.environmentReason(network) == "network needed (gethostbyaddr 8.8.8.8, …)")
        let wrong = Self.outcome(.failed, tests: [TestCaseResult(name: "t", status: "failed", errorType: "AssertionError", message: "1 != 2")])
        #expect(BigCodeBenchGate.environmentReason(wrong) == nil)
        #expect(BigCodeBenchGate.environmentReason(Self.outcome(.timeout)) == nil)
        let forbidden = ExecutionOutcome(status: .forbiddenSyscall, detail: "forbidden system call: fchown", syscall: "fchown")
        #expect(BigCodeBenchGate.environmentReason(forbidden) == "sandbox forbids fchown")
    }

    @Test func reportSeparatesEnvironmentFromRealFailures() {
        let problems = [
            Problem(taskID: "B/0", prompt: "", canonicalSolution: "", test: "", entryPoint: "f", extras: ["libs": .array([.string("os")])]),
            Problem(taskID: "B/1", prompt: "", canonicalSolution: "", test: "", entryPoint: "f", extras: ["libs": .array([.string("tensorflow"), .string("os")])]),
        ]
        let probe = BigCodeBenchGate.missingLibraries(problems, importable: ["os": true, "tensorflow": false])
        #expect(probe == ["B/1": "library missing: tensorflow"])
        let outcomes = [
            "B/0": Self.outcome(.passed),
            "B/2": Self.outcome(.error, record: ["error_type": .string("ModuleNotFoundError"), "message": .string("No module named 'x'")]),
            "B/3": ExecutionOutcome(status: .timeout, detail: "wall-clock limit of 240000 ms reached"),
        ]
        let report = BigCodeBenchGate.report(tasks: ["B/0", "B/1", "B/2", "B/3", "B/4"], outcomes: outcomes, probeExclusions: probe,
                                             libraries: 2, missingLibraries: ["tensorflow"])
        #expect(report.checked == 3 && report.passed == 1 && report.environmentFailures == 1)
        #expect(report.excluded == ["B/1": "library missing: tensorflow", "B/2": "library missing: x"])
        #expect(report.failures == ["B/3": "timeout: wall-clock limit of 240000 ms reached"])
    }
}
