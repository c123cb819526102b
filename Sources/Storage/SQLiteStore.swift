public import AssayCore
import Dispatch
import FoundationEssentials
import Synchronization

/// The embedded default store: one SQLite file in WAL mode.
///
/// All access goes through one serial dispatch queue (never the cooperative pool). Outcomes are
/// group-committed: every outcome that arrives while a commit is in progress goes into the next
/// transaction, and ``record(_:for:run:)`` returns only once its row is committed. A SIGKILL can
/// therefore lose only outcomes whose `record` had not yet returned.
///
/// ```swift
/// let store = try SQLiteStore(path: "assay.sqlite")
/// let (run, resumed) = try await store.openRun(spec, fresh: false, host: [:])
/// ```
public final class SQLiteStore: ResultStore, WorkQueue, Sendable {
    private let queue: DispatchQueue
    private let connection: SQLiteConnection
    private let pending = Mutex<PendingOutcomes>(PendingOutcomes())
    public let path: String

    private struct PendingOutcome {
        var run: RunID
        var key: SampleKey
        var outcome: ExecutionOutcome
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct PendingOutcomes {
        var items: [PendingOutcome] = []
        var flushScheduled = false
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        queue = DispatchQueue(label: "assay.sqlite")
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = NORMAL")
        try connection.execute("PRAGMA foreign_keys = ON")
        try Migrations.apply(to: connection)
    }

    /// Runs `body` on the store's queue (every access to the connection goes through here).
    func onQueue<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [connection] in
                continuation.resume(with: Result { try body(connection) })
            }
        }
    }

    func onQueueForTesting<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await onQueue(body)
    }

    /// Reads the journal mode (for tests and `assay db` diagnostics).
    public func journalMode() async throws -> String {
        try await onQueue { try $0.query("PRAGMA journal_mode").first?.first?.text ?? "" }
    }

    // MARK: Runs

    public func openRun(_ spec: RunSpec, fresh: Bool, host: [String: String]) async throws -> (run: RunID, resumed: Bool) {
        let specJSON = try String(decoding: JSONEncoder.sorted.encode(spec), as: UTF8.self)
        let hostJSON = try String(decoding: JSONEncoder.sorted.encode(host), as: UTF8.self)
        return try await onQueue { db in
            try db.transaction {
                if !fresh,
                    let id = try db.query("SELECT id FROM runs WHERE spec_key = ? ORDER BY id DESC LIMIT 1", [.text(spec.key)])
                        .first?.first?.int
                {
                    try db.run("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ? AND status != 'completed'", [.int(id)])
                    return (id, true)
                }
                try db.run(
                    """
                    INSERT INTO runs (created_at, status, kind, spec_key, spec, problem_set, samples_source, host)
                    VALUES (?, 'running', ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(Timestamp.now()), .text(spec.kind), .text(spec.key), .text(specJSON), .text(spec.problemSetName),
                     .text(spec.samplesSource), .text(hostJSON)])
                return (db.lastInsertRowID, false)
            }
        }
    }

    public func finishRun(_ run: RunID, summary: String) async throws {
        try await onQueue { db in
            try db.run(
                "UPDATE runs SET status = 'completed', finished_at = ?, summary = ? WHERE id = ?",
                [.text(Timestamp.now()), .text(summary), .int(run)])
        }
    }

    public func mergeHostFacts(_ facts: [String: String], run: RunID) async throws {
        try await onQueue { db in
            try db.transaction {
                let current = try db.query("SELECT host FROM runs WHERE id = ?", [.int(run)]).first?.first?.text ?? "{}"
                var merged = (try? JSONDecoder().decode([String: String].self, from: Data(current.utf8))) ?? [:]
                for (key, value) in facts { merged[key] = value }
                let text = String(decoding: try JSONEncoder.sorted.encode(merged), as: UTF8.self)
                try db.run("UPDATE runs SET host = ? WHERE id = ?", [.text(text), .int(run)])
            }
        }
    }

    public func runRecord(_ run: RunID) async throws -> RunRecord? {
        try await onQueue { db in
            guard let row = try db.query(
                "SELECT id, spec, status, created_at, finished_at, summary FROM runs WHERE id = ?", [.int(run)]
            ).first else { return nil }
            let spec = try JSONDecoder().decode(RunSpec.self, from: Data((row[1].text ?? "{}").utf8))
            return RunRecord(
                id: row[0].int ?? run, spec: spec, status: row[2].text ?? "", createdAt: row[3].text ?? "",
                finishedAt: row[4].text, summary: row[5].text)
        }
    }

    /// Every run, newest first.
    public func runs() async throws -> [RunRecord] {
        let ids = try await onQueue { db in try db.query("SELECT id FROM runs ORDER BY id DESC").compactMap { $0.first?.int } }
        var records: [RunRecord] = []
        for id in ids {
            if let record = try await runRecord(id) { records.append(record) }
        }
        return records
    }

    // MARK: Problems and samples

    public func saveProblemSet(_ set: ProblemSet) async throws {
        let encoder = JSONEncoder.sorted
        let rows: [[SQLiteValue]] = try set.problems.enumerated().map { position, problem in
            let extras = problem.extras.isEmpty ? SQLiteValue.null : .text(String(decoding: try encoder.encode(problem.extras), as: UTF8.self))
            return [.text(set.hash), .text(problem.taskID), .int(Int64(position)), .text(problem.prompt),
                    .text(problem.canonicalSolution), .text(problem.test), .text(problem.entryPoint), extras]
        }
        try await onQueue { db in
            try db.transaction {
                let exists = try db.query("SELECT 1 FROM problem_sets WHERE hash = ?", [.text(set.hash)]).isEmpty == false
                if exists { return }
                try db.run(
                    "INSERT INTO problem_sets (hash, name, format, source, n_problems, loaded_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(set.hash), .text(set.name), .text(set.format), .text(set.source), .int(Int64(set.problems.count)),
                     .text(Timestamp.now())])
                for row in rows {
                    try db.run(
                        """
                        INSERT INTO problems (set_hash, task_id, position, prompt, canonical_solution, test, entry_point, extras)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, row)
                }
            }
        }
    }

    public func saveSamples(_ samples: [Sample], run: RunID) async throws {
        let rows: [[SQLiteValue]] = samples.enumerated().map { position, sample in
            [.int(run), .text(sample.taskID), .int(Int64(sample.index)), .int(Int64(position)), .text(sample.body.kindName),
             .text(sample.body.code),
             sample.origin.map { .text($0.description) } ?? .null]
        }
        try await onQueue { db in
            try db.transaction {
                for row in rows {
                    try db.run(
                        "INSERT OR IGNORE INTO samples (run_id, task_id, sample_index, position, body_kind, code, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        row)
                }
            }
        }
    }

    public func samples(run: RunID) async throws -> [Sample] {
        try await onQueue { db in
            try db.query(
                "SELECT task_id, sample_index, body_kind, code, origin FROM samples WHERE run_id = ? ORDER BY position",
                [.int(run)]
            ).map(Self.sample(from:))
        }
    }

    private static func sample(from row: [SQLiteValue]) -> Sample {
        let code = row[3].text ?? ""
        let body: Sample.Body = row[2].text == "solution" ? .solution(code) : .completion(code)
        var origin: SourceLocation?
        if let text = row[4].text, let colon = text.lastIndex(of: ":"), let line = Int(text[text.index(after: colon)...]) {
            origin = SourceLocation(file: String(text[..<colon]), line: line)
        }
        return Sample(key: SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0)), body: body, origin: origin)
    }

    // MARK: Outcomes

    public func pendingWork(run: RunID) async throws -> [SampleKey] {
        try await onQueue { db in
            try db.query(
                """
                SELECT s.task_id, s.sample_index FROM samples s
                LEFT JOIN executions e
                  ON e.run_id = s.run_id AND e.task_id = s.task_id AND e.sample_index = s.sample_index AND e.round = 0
                WHERE s.run_id = ? AND e.status IS NULL
                ORDER BY s.position
                """, [.int(run)]
            ).map { SampleKey(taskID: $0[0].text ?? "", index: Int($0[1].int ?? 0)) }
        }
    }

    public func record(_ outcome: ExecutionOutcome, for key: SampleKey, run: RunID) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let schedule = pending.withLock { state -> Bool in
                state.items.append(PendingOutcome(run: run, key: key, outcome: outcome, continuation: continuation))
                if state.flushScheduled { return false }
                state.flushScheduled = true
                return true
            }
            if schedule { queue.async { self.flush() } }
        }
    }

    /// Commits every queued outcome in one transaction (runs on the store's queue).
    private func flush() {
        let batch = pending.withLock { state -> [PendingOutcome] in
            let items = state.items
            state.items = []
            state.flushScheduled = false
            return items
        }
        guard !batch.isEmpty else { return }
        let now = Timestamp.now()
        let result = Result {
            try connection.transaction {
                for item in batch {
                    try Self.deleteTestResults(connection, key: item.key, run: item.run)
                    try connection.run(Self.insertExecution, Self.executionRow(item.outcome, key: item.key, run: item.run, at: now))
                    try Self.insertTestResults(connection, item.outcome.tests, key: item.key, run: item.run)
                }
            }
        }
        for item in batch { item.continuation.resume(with: result) }
    }

    private static let insertExecution = """
        INSERT OR REPLACE INTO executions (run_id, task_id, sample_index, round, status, error_type, detail, cpu_ms, wall_ms,
            max_rss_kib, exit_code, signal, syscall, stdout, stderr, record, tamper, executed_at)
        VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func executionRow(_ outcome: ExecutionOutcome, key: SampleKey, run: RunID, at time: String) -> [SQLiteValue] {
        func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
        func int(_ value: Int?) -> SQLiteValue { value.map { .int(Int64($0)) } ?? .null }
        let record = outcome.record.flatMap { try? String(decoding: JSONEncoder.sorted.encode($0), as: UTF8.self) }
        return [
            .int(run), .text(key.taskID), .int(Int64(key.index)), .text(outcome.status.rawValue), text(outcome.errorType),
            .text(outcome.detail), .double(outcome.cpuMS), .double(outcome.wallMS), .int(Int64(outcome.maxRSSKiB)),
            int(outcome.exitCode), int(outcome.signal), text(outcome.syscall), .text(outcome.stdout), .text(outcome.stderr),
            text(record), outcome.tamper.isEmpty ? .null : .text(outcome.tamper.joined(separator: ",")), .text(time),
        ]
    }

    public func outcomes(run: RunID) async throws -> [SampleKey: ExecutionOutcome] {
        try await onQueue { db in
            let rows = try db.query(
                """
                SELECT task_id, sample_index, status, error_type, detail, cpu_ms, wall_ms, max_rss_kib, exit_code, signal,
                       syscall, stdout, stderr, record, tamper
                FROM executions WHERE run_id = ? AND round = 0
                """, [.int(run)])
            var result = Self.outcomes(from: rows)
            for (key, tests) in try Self.testResults(db, run: run) where result[key] != nil {
                result[key]?.tests = tests
            }
            return result
        }
    }

    /// Outcomes from `executions` rows selected in the column order of ``outcomes(run:)``.
    static func outcomes(from rows: [[SQLiteValue]]) -> [SampleKey: ExecutionOutcome] {
        var result: [SampleKey: ExecutionOutcome] = [:]
        let decoder = JSONDecoder()
        for row in rows {
            let key = SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))
            let record = row[13].text.flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) }
            result[key] = ExecutionOutcome(
                status: Status(rawValue: row[2].text ?? "") ?? .noResult, errorType: row[3].text, detail: row[4].text ?? "",
                cpuMS: row[5].double ?? 0, wallMS: row[6].double ?? 0, maxRSSKiB: Int(row[7].int ?? 0),
                exitCode: row[8].int.map { Int($0) }, signal: row[9].int.map { Int($0) }, syscall: row[10].text,
                stdout: row[11].text ?? "", stderr: row[12].text ?? "", record: record,
                tamper: row[14].text.map { $0.split(separator: ",").map(String.init) } ?? [])
        }
        return result
    }

    /// Number of stored executions of a run (all rounds).
    public func executionCount(run: RunID) async throws -> Int {
        try await onQueue { db in Int(try db.query("SELECT count(*) FROM executions WHERE run_id = ?", [.int(run)]).first?.first?.int ?? 0) }
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so stored JSON is stable across runs (made once: it is
    /// used for every stored record).
    static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension SQLiteStore {
    /// Runs raw SQL. For tests and diagnostics only.
    public func executeForTesting(_ sql: String) async throws {
        try await onQueueForTesting { try $0.execute(sql) }
    }
}
