public import AssayCore
import FoundationEssentials

/// Bug labels and complexity per sample and round (migration 40, table `sample_labels`).
extension SQLiteStore: DiagnosisStore {
    public func saveDiagnoses(_ diagnoses: [SampleDiagnosis], run: RunID, round: Int) async throws {
        let encoder = JSONEncoder.sorted
        let now = Timestamp.now()
        let rows: [[SQLiteValue]] = diagnoses.map { diagnosis in
            func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
            let label = diagnosis.label
            let findings = diagnosis.findings.flatMap { try? String(decoding: encoder.encode($0), as: UTF8.self) }
            return [
                .int(run), .text(diagnosis.key.taskID), .int(Int64(diagnosis.key.index)), .int(Int64(round)),
                text(label?.category.rawValue), text(label?.subcategory.rawValue), text(label?.confidence.rawValue),
                text(label?.rule), text(label?.evidence),
                text(label.map { $0.alternatives.map(\.rawValue).joined(separator: ",") }),
                text(label.map { $0.tags.joined(separator: ",") }),
                diagnosis.complexity.map { .int(Int64($0.linesOfCode)) } ?? .null,
                diagnosis.complexity?.cyclomatic.map { .double($0) } ?? .null,
                diagnosis.complexity?.calls.map { .int(Int64($0)) } ?? .null,
                text(findings), .text(diagnosis.classifier), .text(now),
            ]
        }
        try await onQueue { db in
            try db.transaction {
                for row in rows {
                    try db.run(
                        """
                        INSERT OR REPLACE INTO sample_labels (run_id, task_id, sample_index, round, category, subcategory, confidence,
                            rule, evidence, alternatives, tags, loc, cyclomatic, calls, findings, classifier, labelled_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, row)
                }
            }
        }
    }

    public func diagnoses(run: RunID, round: Int) async throws -> [SampleKey: SampleDiagnosis] {
        try await onQueue { db in
            let rows = try db.query(
                """
                SELECT task_id, sample_index, subcategory, confidence, rule, evidence, alternatives, tags, loc, cyclomatic, calls,
                       findings, classifier
                FROM sample_labels WHERE run_id = ? AND round = ?
                """, [.int(run), .int(Int64(round))])
            let decoder = JSONDecoder()
            var result: [SampleKey: SampleDiagnosis] = [:]
            for row in rows {
                let key = SampleKey(taskID: row[0].text ?? "", index: Int(row[1].int ?? 0))
                var label: BugLabel?
                if let leaf = row[2].text.flatMap(BugSubcategory.init(rawValue:)) {
                    label = BugLabel(
                        leaf, row[3].text.flatMap(LabelConfidence.init(rawValue:)) ?? .low, rule: row[4].text ?? "",
                        evidence: row[5].text ?? "",
                        alternatives: (row[6].text ?? "").split(separator: ",").compactMap { BugSubcategory(rawValue: String($0)) },
                        tags: (row[7].text ?? "").split(separator: ",").map(String.init))
                }
                let complexity = row[8].int.map {
                    CodeComplexity(linesOfCode: Int($0), cyclomatic: row[9].double, calls: row[10].int.map { Int($0) })
                }
                let findings = row[11].text.flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) }
                result[key] = SampleDiagnosis(key: key, label: label, complexity: complexity, findings: findings,
                                              classifier: row[12].text ?? "")
            }
            return result
        }
    }
}
