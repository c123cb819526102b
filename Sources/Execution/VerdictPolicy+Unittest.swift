import AssayCore

/// Verdicts of the `unittest` runner kind (Sandboxes/kind_unittest.py; BigCodeBench).
///
/// A pass needs every test the task defines to have reported `passed`, as many results as
/// expected tests, and no tampering; a sample that changed the test machinery fails with error
/// type `Tampering` whatever its tests said. Otherwise the first failing test decides: an
/// assertion failure is `failed`, any other exception `error` with its type. A failure at module
/// level (import, syntax, an exception while defining things) keeps its exception type.
extension VerdictPolicy {
    static func decideUnittest(_ base: ExecutionOutcome, record: JSONValue) -> ExecutionOutcome {
        let status = record["status"]?.stringValue
        let errorType = record["error_type"]?.stringValue
        let message = record["message"]?.stringValue ?? ""
        let tests = base.tests
        if let tampered = record["tampered"]?.arrayValue?.compactMap(\.stringValue), !tampered.isEmpty {
            let more = tampered.count > 1 ? " (+\(tampered.count - 1) more)" : ""
            return with(base, .failed, "Tampering", clip("the sample tampered with the test harness: \(tampered[0])\(more)"))
        }
        switch status {
        case "passed":
            let expected = record["tests_expected"]?.intValue ?? 0
            guard expected > 0, tests.count >= expected, tests.allSatisfy(\.isPass) else {
                return with(base, .noResult, nil, "record says passed but not every expected test passed")
            }
            return with(base, .passed, nil, "")
        case "failed", "error":
            if tests.isEmpty || tests.allSatisfy(\.isPass) {
                // The module itself failed (or the run ended outside any test).
                var detail = message.isEmpty ? (errorType ?? "error") : "\(errorType ?? "Error"): \(message)"
                if let line = record["line"]?.intValue {
                    detail += record["in_solution"]?.boolValue == true ? " (line \(line) of the solution)" : " (line \(line), in the tests)"
                }
                let verdict: Status = status == "failed" ? .failed : .error
                return with(base, verdict, errorType ?? "Error", clip(detail))
            }
            let failing = tests.filter { !$0.isPass }
            let first = failing.first { $0.status == "failed" } ?? failing[0]
            let more = failing.count > 1 ? " (+\(failing.count - 1) more failing of \(tests.count))" : " (1 failing of \(tests.count))"
            let type = first.errorType ?? errorType ?? "Error"
            let what = first.message.isEmpty ? type : "\(type): \(first.message)"
            let verdict: Status = first.status == "failed" ? .failed : .error
            return with(base, verdict, type, clip("\(first.name): \(what)\(more)"))
        default:
            return with(base, .noResult, nil, "result record has no valid status")
        }
    }

    /// The per-test results a record carries (`tests`), in the order the runner listed them.
    static func testResults(in record: JSONValue) -> [TestCaseResult] {
        guard let items = record["tests"]?.arrayValue else { return [] }
        return items.compactMap { item in
            guard let name = item["name"]?.stringValue, let status = item["status"]?.stringValue else { return nil }
            return TestCaseResult(
                name: String(name.prefix(200)), status: status, errorType: item["error_type"]?.stringValue,
                message: item["message"]?.stringValue ?? "", traceback: item["traceback"]?.stringValue,
                wallMS: item["wall_s"]?.doubleValue.map { ($0 * 1000).rounded() })
        }
    }
}
