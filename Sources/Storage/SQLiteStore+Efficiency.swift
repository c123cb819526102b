public import AssayCore
import FoundationEssentials

extension SQLiteStore: EfficiencyStore {
    public func generatedTestDigests(_ key: GeneratedTestsKey) async throws -> [String: String] {
        try await onQueue { db in
            var result: [String: String] = [:]
            for row in try db.query(
                "SELECT task_id, level, digest FROM generated_tests WHERE set_hash = ? AND seed = ? AND n_tests = ? AND interpreter = ?",
                [.text(key.problemSetHash), .int(Int64(key.seed)), .text(key.nTests), .text(key.interpreter)])
            {
                result["\(row[0].text ?? "")/\(row[1].int ?? 0)"] = row[2].text ?? ""
            }
            return result
        }
    }

    public func saveGeneratedTestDigests(_ digests: [String: String], key: GeneratedTestsKey, run: RunID) async throws {
        let now = Timestamp.now()
        try await onQueue { db in
            try db.transaction {
                for (name, digest) in digests.sorted(by: { $0.key < $1.key }) {
                    guard let slash = name.lastIndex(of: "/"), let level = Int(name[name.index(after: slash)...]) else { continue }
                    try db.run(
                        """
                        INSERT OR IGNORE INTO generated_tests (set_hash, seed, n_tests, interpreter, task_id, level, digest, first_run, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [.text(key.problemSetHash), .int(Int64(key.seed)), .text(key.nTests), .text(key.interpreter),
                         .text(String(name[..<slash])), .int(Int64(level)), .text(digest), .int(run), .text(now)])
                }
            }
        }
    }

    public func saveEfficiency(taskID: String, timings: [EfficiencyTiming], scores: [EfficiencyScore], run: RunID) async throws {
        let encoder = JSONEncoder.sorted
        let timingRows: [[SQLiteValue]] = try timings.map { t in
            [.int(run), .text(t.taskID), .text(t.role), .int(Int64(t.sampleIndex)), .int(Int64(t.attempt)), .int(Int64(t.pass)),
             .int(Int64(t.level)), .int(Int64(t.test)), .text(String(decoding: try encoder.encode(t.repsNS), as: UTF8.self)),
             .double(t.estimate)]
        }
        let scoreRows: [[SQLiteValue]] = try scores.map { s in
            [.int(run), .text(s.key.taskID), .int(Int64(s.key.index)), .int(s.passed ? 1 : 0),
             .text(String(decoding: try encoder.encode(s.levels), as: UTF8.self)), .double(s.eff),
             s.stoppedAt.map { .int(Int64($0)) } ?? .null, s.reason.map { .text($0) } ?? .null, .double(s.limit),
             .text(String(decoding: try encoder.encode(s.references), as: UTF8.self)), .int(Int64(s.attempts))]
        }
        try await onQueue { db in
            try db.transaction {
                try db.run("DELETE FROM efficiency_timings WHERE run_id = ? AND task_id = ?", [.int(run), .text(taskID)])
                try db.run("DELETE FROM efficiency_scores WHERE run_id = ? AND task_id = ?", [.int(run), .text(taskID)])
                for row in timingRows {
                    try db.run(
                        """
                        INSERT INTO efficiency_timings (run_id, task_id, role, sample_index, attempt, pass, level, test, reps_ns, estimate_s)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, row)
                }
                for row in scoreRows {
                    try db.run(
                        """
                        INSERT INTO efficiency_scores (run_id, task_id, sample_index, passed, levels, eff, stopped_at, reason, limit_s,
                            references_s, attempts)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, row)
                }
            }
        }
    }

    public func efficiencyScores(run: RunID) async throws -> [SampleKey: EfficiencyScore] {
        try await onQueue { db in
            let decoder = JSONDecoder()
            var result: [SampleKey: EfficiencyScore] = [:]
            for row in try db.query(
                """
                SELECT task_id, sample_index, passed, levels, eff, stopped_at, reason, limit_s, references_s, attempts
                FROM efficiency_scores WHERE run_id = ?
                """, [.int(run)])
            {
                let key = SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))
                result[key] = EfficiencyScore(
                    key: key, passed: row[2].int == 1,
                    levels: (try? decoder.decode([Double].self, from: Data((row[3].text ?? "[]").utf8))) ?? [],
                    eff: row[4].double ?? 0, stoppedAt: row[5].int.map { Int($0) }, reason: row[6].text, limit: row[7].double ?? 0,
                    references: (try? decoder.decode([Double].self, from: Data((row[8].text ?? "[]").utf8))) ?? [],
                    attempts: Int(row[9].int ?? 1))
            }
            return result
        }
    }
}
