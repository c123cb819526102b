import AssayCore
import AssayTestSupport
import Storage
import Testing

/// Per-test results of unittest-style executions (table `test_results`, migration 60).
@Suite struct TestResultsStoreTests {
    @Test func perTestResultsRoundTripAndAreReplacedWithTheirExecution() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("a.sqlite"))
        let spec = RunSpec(kind: "evaluate", problemSetName: "b", problemSetHash: "h", samplesSource: "s", samplesHash: "x", settings: [:])
        let (run, _) = try await store.openRun(spec, fresh: false, host: [:])
        let key = SampleKey(taskID: "BigCodeBench/4", index: 0)
        try await store.saveSamples([Sample(key: key, body: .solution("def task_func(d): ...")), Sample(key: SampleKey(taskID: "B/1", index: 0), body: .completion(""))], run: run)

        let tests = [
            TestCaseResult(name: "test_case_1", status: "passed", wallMS: 3),
            TestCaseResult(name: "test_case_4", status: "failed", errorType: "AssertionError", message: "None != {}",
                           traceback: "Traceback (most recent call last):\n  ...\nAssertionError: None != {}\n", wallMS: 1),
            TestCaseResult(name: "test_case_6", status: "error", errorType: "TypeError", message: "unhashable type: 'list'"),
        ]
        let outcome = ExecutionOutcome(status: .failed, errorType: "AssertionError", detail: "test_case_4: …", tests: tests)
        try await store.record(outcome, for: key, run: run)
        try await store.record(ExecutionOutcome(status: .passed), for: SampleKey(taskID: "B/1", index: 0), run: run)
        #expect(try await store.outcomes(run: run)[key] == outcome)
        #expect(try await store.outcomes(run: run)[SampleKey(taskID: "B/1", index: 0)]?.tests == [])
        #expect(try await store.testResults(run: run)[key] == tests)

        // Recording the sample again (a retried execution) replaces its rows, it does not add to them.
        let again = ExecutionOutcome(status: .passed, tests: [TestCaseResult(name: "test_case_1", status: "passed")])
        try await store.record(again, for: key, run: run)
        #expect(try await store.testResults(run: run)[key] == again.tests)
        #expect(try await store.outcomes(run: run)[key]?.status == .passed)
    }
}
