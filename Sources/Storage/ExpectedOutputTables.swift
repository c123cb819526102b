public import AssayCore

/// The expected-output cache of input/output tasks (migration 30): one row per task and split,
/// outputs as newline-separated typed JSON (which never contains a raw newline), times as
/// comma-separated microseconds; one header row per problem-set hash and interpreter.
extension SQLiteStore: ExpectedOutputStore {
    public func expectedOutputs(setHash: String, interpreter: String) async throws -> ExpectedOutputs? {
        try await onQueue { db in
            guard let header = try db.query(
                "SELECT python_version, machine, computed_at FROM expected_output_sets WHERE set_hash = ? AND interpreter = ?",
                [.text(setHash), .text(interpreter)]
            ).first else { return nil }
            var tasks: [String: [String: ExpectedSplit]] = [:]
            for row in try db.query(
                "SELECT task_id, split, n_inputs, outputs, micros FROM expected_outputs WHERE set_hash = ? AND interpreter = ?",
                [.text(setHash), .text(interpreter)])
            {
                let count = Int(row[2].int ?? 0)
                let text = Array((row[3].text ?? "").utf8)
                var outputs = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
                if count == 0 { outputs = [] }
                let micros = (row[4].text ?? "").split(separator: ",").compactMap { Int($0) }
                guard outputs.count == count, micros.count == count else {
                    throw SQLiteError(code: 0, message: "corrupt expected outputs for \(row[0].text ?? "?") (\(row[1].text ?? "?")); delete them with --refresh-expected", sql: nil)
                }
                tasks[row[0].text ?? "", default: [:]][row[1].text ?? ""] = ExpectedSplit(outputs: outputs, micros: micros)
            }
            return ExpectedOutputs(
                setHash: setHash, interpreter: interpreter, pythonVersion: header[0].text ?? "", machine: header[1].text ?? "",
                computedAt: header[2].text ?? "", tasks: tasks)
        }
    }

    public func saveExpectedOutputs(_ outputs: ExpectedOutputs) async throws {
        try await onQueue { db in
            try db.transaction {
                let key: [SQLiteValue] = [.text(outputs.setHash), .text(outputs.interpreter)]
                try db.run("DELETE FROM expected_outputs WHERE set_hash = ? AND interpreter = ?", key)
                try db.run(
                    "INSERT OR REPLACE INTO expected_output_sets (set_hash, interpreter, python_version, machine, computed_at) VALUES (?, ?, ?, ?, ?)",
                    key + [.text(outputs.pythonVersion), .text(outputs.machine), .text(outputs.computedAt)])
                for (task, splits) in outputs.tasks {
                    for (split, expected) in splits {
                        var text: [UInt8] = []
                        for (index, output) in expected.outputs.enumerated() {
                            if index > 0 { text.append(UInt8(ascii: "\n")) }
                            text += output
                        }
                        try db.run(
                            "INSERT INTO expected_outputs (set_hash, interpreter, task_id, split, n_inputs, outputs, micros) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            key + [.text(task), .text(split), .int(Int64(expected.outputs.count)), .text(String(decoding: text, as: UTF8.self)),
                                   .text(expected.micros.map(String.init).joined(separator: ","))])
                    }
                }
            }
        }
    }
}
