public import AssayCore
import FoundationEssentials

/// The generation ledger in the same SQLite file (tables `generation_configs`,
/// `generation_requests`, `generations`; migration 10).
///
/// A request row is committed before the request is sent (`state = 'sent'`); its answer and the
/// samples cut from it are committed together in one transaction (`state = 'completed'`). A
/// SIGKILL between the two leaves a `sent` row and no samples, so the rerun asks again for
/// exactly those samples and for nothing that was stored.
extension SQLiteStore: GenerationLedger {
    public func saveGenerationConfig(key: String, config: String) async throws {
        try await onQueue { db in
            try db.run(
                "INSERT OR IGNORE INTO generation_configs (key, config, created_at) VALUES (?, ?, ?)",
                [.text(key), .text(config), .text(Timestamp.now())])
        }
    }

    public func generatedSamples(key: String) async throws -> [GeneratedSample] {
        try await onQueue { db in
            try db.query(
                """
                SELECT task_id, sample_index, request_id, choice_index, raw_output, finish_reason, body_kind, code,
                       extraction_status, extraction_detail
                FROM generations WHERE generation_key = ? ORDER BY task_id, sample_index
                """, [.text(key)]
            ).map { row in
                let code = row[7].text ?? ""
                return GeneratedSample(
                    key: SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0)), requestID: row[2].int,
                    choiceIndex: Int(row[3].int ?? 0), raw: row[4].text ?? "", finishReason: row[5].text,
                    body: row[6].text == "solution" ? .solution(code) : .completion(code),
                    status: ExtractionStatus(rawValue: row[8].text ?? "") ?? .noCode, detail: row[9].text ?? "")
            }
        }
    }

    public func begin(_ request: LedgerRequest) async throws -> Int64 {
        try await onQueue { db in
            try db.run(
                """
                INSERT INTO generation_requests (generation_key, purpose, task_id, first_sample, n_samples, api, url, model,
                    request_body, prompt_hash, seed, state, sent_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?)
                """,
                [.text(request.generationKey), .text(request.purpose), .text(request.taskID), .int(Int64(request.firstSample)),
                 .int(Int64(request.count)), .text(request.api), .text(request.url), .text(request.model), .text(request.body),
                 .text(request.promptHash), request.seed.map { .int(Int64($0)) } ?? .null, .text(Timestamp.now())])
            return db.lastInsertRowID
        }
    }

    public func complete(_ request: Int64, reply: ModelReply, samples: [GeneratedSample]) async throws {
        try await onQueue { db in
            try db.transaction {
                let key = try db.query("SELECT generation_key FROM generation_requests WHERE id = ?", [.int(request)]).first?.first?.text
                guard let key else { throw SQLiteError(code: 0, message: "no generation request \(request)", sql: nil) }
                func int(_ value: Int?) -> SQLiteValue { value.map { .int(Int64($0)) } ?? .null }
                func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
                try db.run(
                    """
                    UPDATE generation_requests SET state = 'completed', attempts = ?, latency_ms = ?, tokens_in = ?, tokens_out = ?,
                        n_choices = ?, server_model = ?, fingerprint = ?, request_body = ?, completed_at = ?
                    WHERE id = ?
                    """,
                    [.int(Int64(reply.attempts)), .double(reply.latencyMS), int(reply.usage.input), int(reply.usage.output),
                     .int(Int64(reply.choices.count)), text(reply.serverModel), text(reply.fingerprint), .text(reply.requestBody),
                     .text(Timestamp.now()), .int(request)])
                let now = Timestamp.now()
                for sample in samples {
                    try db.run(
                        """
                        INSERT OR IGNORE INTO generations (generation_key, task_id, sample_index, request_id, choice_index, raw_output,
                            finish_reason, body_kind, code, extraction_status, extraction_detail, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [.text(key), .text(sample.key.taskID), .int(Int64(sample.key.index)), .int(request),
                         .int(Int64(sample.choiceIndex)), .text(sample.raw), text(sample.finishReason), .text(sample.body.kindName),
                         .text(sample.body.code), .text(sample.status.rawValue), .text(sample.detail), .text(now)])
                }
            }
        }
    }

    public func fail(_ request: Int64, error: String, attempts: Int) async throws {
        try await onQueue { db in
            try db.run(
                "UPDATE generation_requests SET state = 'failed', error = ?, attempts = ?, completed_at = ? WHERE id = ?",
                [.text(error), .int(Int64(attempts)), .text(Timestamp.now()), .int(request)])
        }
    }

    public func totals(key: String) async throws -> LedgerTotals {
        try await onQueue { db in
            let row = try db.query(
                """
                SELECT
                    coalesce(sum(state = 'completed'), 0), coalesce(sum(state = 'failed'), 0), coalesce(sum(state = 'sent'), 0),
                    coalesce(sum(attempts), 0), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), coalesce(sum(latency_ms), 0)
                FROM generation_requests WHERE generation_key = ?
                """, [.text(key)]
            ).first ?? []
            let samples = try db.query("SELECT count(*) FROM generations WHERE generation_key = ?", [.text(key)]).first?.first?.int ?? 0
            func int(_ index: Int) -> Int { index < row.count ? Int(row[index].int ?? 0) : 0 }
            return LedgerTotals(
                completedRequests: int(0), failedRequests: int(1), unansweredRequests: int(2), attempts: int(3), inputTokens: int(4),
                outputTokens: int(5), latencyMS: row.count > 6 ? (row[6].double ?? 0) : 0, samples: Int(samples))
        }
    }

    /// Keys of every generated sample under any configuration, with its request's state (diagnostics, tests).
    public func generatedSampleKeys() async throws -> [SampleKey] {
        try await onQueue { db in
            try db.query("SELECT task_id, sample_index FROM generations ORDER BY task_id, sample_index").map {
                SampleKey(taskID: $0[0].text ?? "", index: Int($0[1].int ?? 0))
            }
        }
    }

    /// Request rows by state (`sent`, `completed`, `failed`) across configurations (diagnostics, tests).
    public func generationRequestCounts() async throws -> [String: Int] {
        try await onQueue { db in
            var counts: [String: Int] = [:]
            for row in try db.query("SELECT state, count(*) FROM generation_requests GROUP BY state") {
                counts[row[0].text ?? ""] = Int(row[1].int ?? 0)
            }
            return counts
        }
    }
}
