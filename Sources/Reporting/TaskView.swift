public import AssayCore

/// Left-aligned text columns (for `assay runs` and friends).
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        TextReport.table(header: header, rows: rows)
    }
}

/// `assay show <run> <task_id>`: one task's samples in the terminal.
public enum TaskView {
    public static func render(_ task: ReportTask, run: RunID, samples: [ReportSample]) -> String {
        let executed = task.samples.compactMap(\.verdict)
        let passed = executed.filter { $0.status == .passed }.count
        var out = "\(task.taskID) in run \(run): \(task.samples.count) samples, \(executed.count) executed, \(passed) passed"
        if !executed.isEmpty { out += " (pass@1 \(ReportText.number(Double(passed) / Double(executed.count))))" }
        out += "\n"
        if !task.entryPoint.isEmpty { out += "entry point: \(task.entryPoint)\n" }
        for sample in samples {
            out += "\n── sample \(sample.index) "
            guard let verdict = sample.verdict else {
                out += "· not executed\n" + code(sample)
                continue
            }
            out += "· \(verdict.status.rawValue)"
            if let type = verdict.errorType, verdict.status != .passed { out += " (\(type))" }
            out += "\n"
            if let origin = sample.origin { out += "from: \(origin)\n" }
            out += "cpu \(milliseconds(verdict.cpuMS)) · wall \(milliseconds(verdict.wallMS)) · max RSS \(verdict.maxRSSKiB) KiB\n"
            if verdict.status != .passed {
                if !verdict.detail.isEmpty { out += "why: \(verdict.detail)\n" }
                if let test = verdict.failingTest {
                    out += "failing test\(test.line.map { " (line \($0))" } ?? ""): \(test.source)\n"
                    if let actual = test.actual { out += "  got:      \(actual)\n" }
                    if let expected = test.expected { out += "  expected: \(expected)\n" }
                }
            }
            if !verdict.tamper.isEmpty { out += "tamper suspect: \(verdict.tamper.joined(separator: ", "))\n" }
            for key in sample.annotations.keys.sorted() { out += "\(key): \(ReportSections.text(sample.annotations[key]!))\n" }
            for round in sample.rounds { out += "repair round \(round.round): \(round.status.rawValue) \(round.detail)\n" }
            out += code(sample)
            if verdict.status != .passed, !verdict.stderrTail.isEmpty {
                out += "stderr (end):\n" + indent(verdict.stderrTail)
            }
        }
        return out
    }

    static func code(_ sample: ReportSample) -> String {
        "\(sample.body.kindName):\n" + indent(sample.body.code)
    }

    static func indent(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.map { "  │ " + $0 }.joined(separator: "\n") + "\n"
    }

    static func milliseconds(_ value: Double) -> String {
        "\(Int(value.rounded())) ms"
    }
}
