public import AssayCore
import FoundationEssentials

/// Repair attempts (migration 41, `repair_attempts`) and per-round outcomes (`executions.round`).
extension SQLiteStore: RepairStore {
    public func saveAttempt(_ attempt: RepairAttempt, run: RunID) async throws {
        func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
        let record = attempt.visibleRecord.flatMap { try? String(decoding: JSONEncoder.sorted.encode($0), as: UTF8.self) }
        let row: [SQLiteValue] = [
            .int(run), .text(attempt.key.taskID), .int(Int64(attempt.key.index)), .int(Int64(attempt.round)), .text(attempt.condition),
            .text(attempt.feedbackSource), text(attempt.prompt), text(attempt.raw), text(attempt.finishReason), text(attempt.code),
            text(attempt.extraction), .int(Int64(attempt.calls)), .int(Int64(attempt.tokensIn)), .int(Int64(attempt.tokensOut)),
            .double(attempt.latencyMS), text(attempt.scoringStatus?.rawValue), text(attempt.visibleStatus?.rawValue), text(record),
            text(attempt.visibleDetail), .int(Int64(attempt.executions)), .double(attempt.cpuMS), .double(attempt.wallMS),
            text(attempt.stopReason), .int(attempt.done ? 1 : 0), .text(Timestamp.now()),
        ]
        try await onQueue { db in
            try db.run(
                """
                INSERT OR REPLACE INTO repair_attempts (run_id, task_id, sample_index, round, condition, feedback_source, prompt, raw,
                    finish_reason, code, extraction, calls, tokens_in, tokens_out, latency_ms, scoring_status, visible_status,
                    visible_record, visible_detail, executions, cpu_ms, wall_ms, stop_reason, done, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, row)
        }
    }

    public func attempts(run: RunID) async throws -> [RepairAttempt] {
        try await onQueue { db in
            let decoder = JSONDecoder()
            return try db.query(
                """
                SELECT task_id, sample_index, round, condition, feedback_source, prompt, raw, finish_reason, code, extraction, calls,
                       tokens_in, tokens_out, latency_ms, scoring_status, visible_status, visible_record, visible_detail, executions,
                       cpu_ms, wall_ms, stop_reason, done
                FROM repair_attempts WHERE run_id = ? ORDER BY task_id, sample_index, round
                """, [.int(run)]
            ).map { row in
                RepairAttempt(
                    key: SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0)), round: Int(row[2].int ?? 0),
                    condition: row[3].text ?? "", feedbackSource: row[4].text ?? "", prompt: row[5].text, raw: row[6].text,
                    finishReason: row[7].text, code: row[8].text, extraction: row[9].text, calls: Int(row[10].int ?? 0),
                    tokensIn: Int(row[11].int ?? 0), tokensOut: Int(row[12].int ?? 0), latencyMS: row[13].double ?? 0,
                    scoringStatus: row[14].text.flatMap(Status.init(rawValue:)), visibleStatus: row[15].text.flatMap(Status.init(rawValue:)),
                    visibleRecord: row[16].text.flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) },
                    visibleDetail: row[17].text, executions: Int(row[18].int ?? 0), cpuMS: row[19].double ?? 0,
                    wallMS: row[20].double ?? 0, stopReason: row[21].text, done: row[22].int == 1)
            }
        }
    }

    public func recordOutcome(_ outcome: ExecutionOutcome, for key: SampleKey, run: RunID, round: Int) async throws {
        let row = Self.executionRow(outcome, key: key, run: run, at: Timestamp.now())
        try await onQueue { db in
            try db.run(
                """
                INSERT OR REPLACE INTO executions (run_id, task_id, sample_index, round, status, error_type, detail, cpu_ms, wall_ms,
                    max_rss_kib, exit_code, signal, syscall, stdout, stderr, record, tamper, executed_at)
                VALUES (?, ?, ?, \(round), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, row)
        }
    }

    public func outcomes(run: RunID, round: Int) async throws -> [SampleKey: ExecutionOutcome] {
        try await onQueue { db in
            let rows = try db.query(
                """
                SELECT task_id, sample_index, status, error_type, detail, cpu_ms, wall_ms, max_rss_kib, exit_code, signal,
                       syscall, stdout, stderr, record, tamper
                FROM executions WHERE run_id = ? AND round = ?
                """, [.int(run), .int(Int64(round))])
            return Self.outcomes(from: rows)
        }
    }
}
