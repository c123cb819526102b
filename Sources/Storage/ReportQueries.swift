public import AssayCore
import FoundationEssentials

/// Reads per-sample data that a stage stored in its own table, for the reports.
///
/// Extension point: a stage that stores per-sample results (taxonomy labels, HumanEval+
/// base/plus statuses, generation records, …) appends an annotator to
/// ``ReportQueries/annotators``. Its fields appear in `ReportSample.annotations` under the names it
/// returns; `Reporting` renders the ones it knows (see `Sources/Reporting/README.md`) and lists
/// the rest in the per-sample detail.
struct SampleAnnotator: Sendable {
    var name: String
    var read: @Sendable (SQLiteConnection, RunID) throws -> [SampleKey: [String: JSONValue]]
}

/// Reads per-problem metric values (e.g. ENAMEL's per-problem eff@k) for the reports.
struct TaskMetricReader: Sendable {
    var name: String
    var read: @Sendable (SQLiteConnection, RunID) throws -> [String: [String: Double]]
}

/// Reads run-level data (e.g. per-round repair costs) into `ReportData.sections[name]`.
struct SectionReader: Sendable {
    var name: String
    var read: @Sendable (SQLiteConnection, RunID) throws -> JSONValue?
}

enum ReportQueries {
    /// Per-sample annotators. Append yours; each runs once per report.
    static let annotators: [SampleAnnotator] = [bugLabels, unittestDetails]

    /// The bug taxonomy (table `sample_labels`, round 0): `bug_category`, `bug_subcategory`,
    /// `bug_confidence`, `bug_rule`, `bug_evidence`, and complexity `loc`, `cyclomatic`, `calls`.
    static let bugLabels = SampleAnnotator(name: "taxonomy") { db, run in
        var result: [SampleKey: [String: JSONValue]] = [:]
        let rows = try db.query(
            """
            SELECT task_id, sample_index, category, subcategory, confidence, rule, evidence, loc, cyclomatic, calls
            FROM sample_labels WHERE run_id = ? AND round = 0
            """, [.int(run)])
        for row in rows {
            var fields: [String: JSONValue] = [:]
            for (name, column) in [("bug_category", 2), ("bug_subcategory", 3), ("bug_confidence", 4), ("bug_rule", 5), ("bug_evidence", 6)] {
                if let text = row[column].text, !text.isEmpty { fields[name] = .string(text) }
            }
            if let loc = row[7].int { fields["loc"] = .int(Int(loc)) }
            if let cyclomatic = row[8].double { fields["cyclomatic"] = .double(cyclomatic) }
            if let calls = row[9].int { fields["calls"] = .int(Int(calls)) }
            if !fields.isEmpty { result[SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))] = fields }
        }
        return result
    }
    /// Per-problem metric readers.
    static let taskMetrics: [TaskMetricReader] = []
    /// Run-level section readers.
    static let sections: [SectionReader] = []

    /// How much of stderr a report keeps (the end, where the traceback is).
    static let stderrTailCharacters = 2_000
}

/// A `<run>` argument that names no stored run.
public struct UnknownRunError: Error, Sendable, CustomStringConvertible {
    public var reference: String
    public var database: String
    public var description: String {
        reference == "latest"
            ? "the database \(database) has no runs yet; run `assay evaluate` first, or pass --db <path>"
            : "no run '\(reference)' in \(database); `assay runs --db \(database)` lists the runs"
    }
}

extension SQLiteStore {
    /// Resolves a `<run>` argument: a run id, or `latest` (the newest run).
    public func resolveRun(_ reference: String) async throws -> RunID {
        let trimmed = reference.filter { $0 != " " }
        if trimmed == "latest" {
            let newest = try await onQueue { db in try db.query("SELECT max(id) FROM runs").first?.first?.int }
            guard let newest else { throw UnknownRunError(reference: trimmed, database: path) }
            return newest
        }
        guard let id = Int64(trimmed), try await runRecord(id) != nil else {
            throw UnknownRunError(reference: trimmed, database: path)
        }
        return id
    }

    /// The host facts stored with a run.
    public func host(run: RunID) async throws -> [String: String] {
        let text = try await onQueue { db in try db.query("SELECT host FROM runs WHERE id = ?", [.int(run)]).first?.first?.text }
        guard let text, let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    /// Per-problem sample and pass counts of a run (round 0), in the problem set's order.
    public func taskCounts(run: RunID) async throws -> [TaskCount] {
        try await onQueue { db in try Self.taskCounts(db, run: run) }
    }

    static func taskCounts(_ db: SQLiteConnection, run: RunID) throws -> [TaskCount] {
        try db.query(
            """
            SELECT s.task_id, count(*), sum(CASE WHEN e.status = 'passed' THEN 1 ELSE 0 END)
            FROM samples s
            LEFT JOIN executions e
              ON e.run_id = s.run_id AND e.task_id = s.task_id AND e.sample_index = s.sample_index AND e.round = 0
            LEFT JOIN runs r ON r.id = s.run_id
            LEFT JOIN problems p ON p.set_hash = json_extract(r.spec, '$.problemSetHash') AND p.task_id = s.task_id
            WHERE s.run_id = ?
            GROUP BY s.task_id
            ORDER BY min(coalesce(p.position, 1e18)), min(s.position)
            """, [.int(run)]
        ).map { TaskCount(taskID: $0[0].text ?? "", n: Int($0[1].int ?? 0), c: Int($0[2].int ?? 0)) }
    }

    /// One row per run, newest first, for `assay runs`.
    public func runListings() async throws -> [RunListing] {
        var listings: [RunListing] = []
        for record in try await runs() {
            let run = record.id
            let (counts, executed) = try await onQueue { db in
                (try Self.taskCounts(db, run: run),
                 Int(try db.query("SELECT count(*) FROM executions WHERE run_id = ? AND round = 0", [.int(run)]).first?.first?.int ?? 0))
            }
            let model = record.spec.settings["model"]
                ?? (record.spec.samplesSource == "ground-truth"
                    ? "ground-truth" : URL(fileURLWithPath: record.spec.samplesSource).lastPathComponent)
            listings.append(RunListing(
                run: record, model: model, problems: counts.count, samples: counts.reduce(0) { $0 + $1.n }, executed: executed,
                counts: counts))
        }
        return listings
    }

    /// Everything a report of `run` needs, in one read.
    public func reportData(run: RunID) async throws -> ReportData {
        guard let record = try await runRecord(run) else { throw UnknownRunError(reference: String(run), database: path) }
        let host = try await host(run: run)
        let setHash = record.spec.problemSetHash
        return try await onQueue { db in
            let setRow = try db.query("SELECT name, hash, format, source, n_problems FROM problem_sets WHERE hash = ?", [.text(setHash)]).first
            let problemSet = setRow.map {
                ProblemSetInfo(name: $0[0].text ?? "", hash: $0[1].text ?? "", format: $0[2].text ?? "", source: $0[3].text ?? "",
                               count: Int($0[4].int ?? 0))
            }
            var order: [String] = []
            var tasks: [String: ReportTask] = [:]
            for row in try db.query("SELECT task_id, entry_point, prompt FROM problems WHERE set_hash = ? ORDER BY position", [.text(setHash)]) {
                let id = row[0].text ?? ""
                order.append(id)
                tasks[id] = ReportTask(taskID: id, entryPoint: row[1].text ?? "", prompt: row[2].text ?? "", samples: [])
            }

            let verdictColumns = """
                e.round, e.status, e.error_type, e.detail, e.cpu_ms, e.wall_ms, e.max_rss_kib, e.tamper,
                substr(e.stderr, -\(ReportQueries.stderrTailCharacters)),
                json_extract(e.record, '$.message'), json_extract(e.record, '$.failed_assert.source'),
                json_extract(e.record, '$.failed_assert.line'), json_extract(e.record, '$.failed_assert.left'),
                json_extract(e.record, '$.failed_assert.right'), json_extract(e.record, '$.line')
                """
            let rows = try db.query(
                """
                SELECT s.task_id, s.sample_index, s.body_kind, s.code, s.origin, s.position, \(verdictColumns)
                FROM samples s
                LEFT JOIN executions e
                  ON e.run_id = s.run_id AND e.task_id = s.task_id AND e.sample_index = s.sample_index AND e.round = 0
                WHERE s.run_id = ?
                ORDER BY s.task_id, s.sample_index
                """, [.int(run)])
            var samples: [String: [ReportSample]] = [:]
            for row in rows {
                let id = row[0].text ?? ""
                let code = row[3].text ?? ""
                let body: Sample.Body = row[2].text == "solution" ? .solution(code) : .completion(code)
                samples[id, default: []].append(ReportSample(
                    index: Int(row[1].int ?? 0), position: Int(row[5].int ?? 0), body: body, origin: row[4].text,
                    verdict: Self.verdict(row, from: 6)))
            }
            // Later repair rounds, when a repair loop stored any.
            let roundRows = try db.query(
                "SELECT e.task_id, e.sample_index, \(verdictColumns) FROM executions e WHERE e.run_id = ? AND e.round > 0 ORDER BY e.round",
                [.int(run)])
            var rounds: [SampleKey: [ReportVerdict]] = [:]
            for row in roundRows {
                if let verdict = Self.verdict(row, from: 2) {
                    rounds[SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0)), default: []].append(verdict)
                }
            }
            var annotations: [SampleKey: [String: JSONValue]] = [:]
            for annotator in ReportQueries.annotators {
                for (key, fields) in try annotator.read(db, run) {
                    annotations[key, default: [:]].merge(fields) { _, new in new }
                }
            }
            var metrics: [String: [String: Double]] = [:]
            for reader in ReportQueries.taskMetrics {
                for (task, values) in try reader.read(db, run) { metrics[task, default: [:]].merge(values) { _, new in new } }
            }
            var sections: [String: JSONValue] = [:]
            for reader in ReportQueries.sections {
                if let value = try reader.read(db, run) { sections[reader.name] = value }
            }

            // Tasks with samples but not in the stored set (should not happen) go last, sorted.
            for id in samples.keys.sorted() where tasks[id] == nil {
                order.append(id)
                tasks[id] = ReportTask(taskID: id, entryPoint: "", prompt: "", samples: [])
            }
            let reportTasks: [ReportTask] = order.map { id in
                var task = tasks[id]!
                task.samples = (samples[id] ?? []).map { sample in
                    var sample = sample
                    let key = SampleKey(taskID: id, index: sample.index)
                    sample.rounds = rounds[key] ?? []
                    sample.annotations = annotations[key] ?? [:]
                    return sample
                }
                task.metrics = metrics[id] ?? [:]
                return task
            }
            let summary = record.summary.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            return ReportData(run: record, host: host, problemSet: problemSet, tasks: reportTasks, summary: summary, sections: sections)
        }
    }

    private static func verdict(_ row: [SQLiteValue], from start: Int) -> ReportVerdict? {
        guard let statusText = row[start + 1].text else { return nil }
        var failing: FailingTest?
        if let source = row[start + 10].text {
            failing = FailingTest(
                source: source, line: row[start + 11].int.map { Int($0) }, actual: row[start + 12].text, expected: row[start + 13].text)
        }
        return ReportVerdict(
            round: Int(row[start].int ?? 0), status: Status(rawValue: statusText) ?? .noResult, errorType: row[start + 2].text,
            detail: row[start + 3].text ?? "", cpuMS: row[start + 4].double ?? 0, wallMS: row[start + 5].double ?? 0,
            maxRSSKiB: Int(row[start + 6].int ?? 0), failingTest: failing, message: row[start + 9].text,
            line: row[start + 14].int.map { Int($0) },
            stderrTail: row[start + 8].text ?? "",
            tamper: row[start + 7].text.map { $0.split(separator: ",").map(String.init) } ?? [])
    }
}
