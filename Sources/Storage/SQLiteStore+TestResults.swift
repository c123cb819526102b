public import AssayCore

/// Per-test results of unittest-style executions (table `test_results`, migration 60), written in
/// the same transaction as their execution row and read back into ``ExecutionOutcome/tests``.
extension SQLiteStore {
    static func deleteTestResults(_ db: SQLiteConnection, key: SampleKey, run: RunID) throws {
        try db.run(
            "DELETE FROM test_results WHERE run_id = ? AND task_id = ? AND sample_index = ? AND round = 0",
            [.int(run), .text(key.taskID), .int(Int64(key.index))])
    }

    static func insertTestResults(_ db: SQLiteConnection, _ tests: [TestCaseResult], key: SampleKey, run: RunID) throws {
        for (position, test) in tests.enumerated() {
            try db.run(
                """
                INSERT INTO test_results (run_id, task_id, sample_index, round, position, name, status, error_type, message, traceback, wall_ms)
                VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.int(run), .text(key.taskID), .int(Int64(key.index)), .int(Int64(position)), .text(test.name), .text(test.status),
                 test.errorType.map { .text($0) } ?? .null, .text(test.message), test.traceback.map { .text($0) } ?? .null,
                 test.wallMS.map { .double($0) } ?? .null])
        }
    }

    static func testResults(_ db: SQLiteConnection, run: RunID) throws -> [SampleKey: [TestCaseResult]] {
        let rows = try db.query(
            """
            SELECT task_id, sample_index, name, status, error_type, message, traceback, wall_ms
            FROM test_results WHERE run_id = ? AND round = 0 ORDER BY task_id, sample_index, position
            """, [.int(run)])
        var result: [SampleKey: [TestCaseResult]] = [:]
        for row in rows {
            let key = SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))
            result[key, default: []].append(TestCaseResult(
                name: row[2].text ?? "", status: row[3].text ?? "", errorType: row[4].text, message: row[5].text ?? "",
                traceback: row[6].text, wallMS: row[7].double))
        }
        return result
    }

    /// The per-test results of one run, by sample.
    public func testResults(run: RunID) async throws -> [SampleKey: [TestCaseResult]] {
        try await onQueue { db in try Self.testResults(db, run: run) }
    }
}

extension ReportQueries {
    /// BigCodeBench's `details` (table `test_results`): failing test name → its traceback, as
    /// bigcodebench's `_eval_results.json` has it, for samples with a failing test.
    static let unittestDetails = SampleAnnotator(name: "unittest") { db, run in
        let rows = try db.query(
            """
            SELECT task_id, sample_index, name, status, error_type, message, traceback
            FROM test_results WHERE run_id = ? AND round = 0 AND status != 'passed' ORDER BY task_id, sample_index, position
            """, [.int(run)])
        var details: [SampleKey: [String: JSONValue]] = [:]
        for row in rows {
            let key = SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))
            let text = row[6].text ?? "\(row[3].text ?? ""): \(row[4].text ?? "")\(row[5].text.map { ": " + $0 } ?? "")"
            details[key, default: [:]][row[2].text ?? ""] = .string(text)
        }
        return details.mapValues { ["details": .object($0)] }
    }
}
