import AssayCore

/// `assay report <run>` in the terminal: plain text, 100 columns at most per line of the fixed part.
public enum TextReport {
    public static func render(_ report: RunReport) -> String {
        var out = "Run \(report.run.id) · \(report.run.kind) · \(report.run.status)\n"
        for (label, value) in header(report) { out += "  " + label.padding(to: 12) + value + "\n" }
        out += "\n"
        out += "pass@k (\(ReportText.intervalNote(report)))\n"
        if report.passAtK.isEmpty { out += "  (no executed samples)\n" }
        for estimate in report.passAtK { out += "  " + estimate.name.padding(to: 12) + ReportText.estimate(estimate) + "\n" }
        if !report.skippedK.isEmpty {
            out += "  (pass@\(report.skippedK.map(String.init).joined(separator: ", pass@")) not reported: some problem has fewer samples)\n"
        }
        out += "\nstatuses\n"
        let total = report.statusCounts.reduce(0) { $0 + $1.count }
        out += bars(report.statusCounts.filter { $0.count > 0 }.map {
            ReportBlock.Bar($0.status, Double($0.count), "\($0.count) (\(ReportSections.percent($0.count, of: total)))")
        })
        if report.tamperSuspects > 0 {
            out += "  \(report.tamperSuspects) samples reach for frames/gc/ctypes/os._exit (tamper suspects)\n"
        }
        for section in report.sections {
            out += "\n\(section.title)\n"
            for block in section.blocks { out += render(block) }
        }
        out += "\ntasks (\(report.tasks.count))\n"
        out += table(
            header: ["task", "n", "pass", "pass@1", "first failure"],
            rows: report.tasks.map { row in
                [row.taskID, String(row.executed), String(row.c), row.passAt1.map(ReportText.number) ?? "–", row.firstFailure ?? ""]
            })
        return out
    }

    static func header(_ report: RunReport) -> [(String, String)] {
        var lines: [(String, String)] = []
        lines.append(("problems", "\(report.run.problemSet) (\(report.nProblems) scored of \(report.nProblemsInSet), sha256 \(report.run.problemSetHash.prefix(12)))"))
        if let model = report.run.model { lines.append(("model", model)) }
        lines.append(("samples", "\(report.run.samplesSource) (\(report.nSamples) samples, \(report.nExecuted) executed)"))
        lines.append(("created", report.run.createdAt + (report.run.finishedAt.map { ", finished \($0)" } ?? "")))
        lines.append(("settings", report.settings.keys.sorted().map { "\($0)=\(report.settings[$0]!)" }.joined(separator: " · ")))
        if !report.host.isEmpty {
            lines.append(("host", report.host.keys.sorted().map { "\($0)=\(report.host[$0]!)" }.joined(separator: " · ")))
        }
        return lines
    }

    static func render(_ block: ReportBlock) -> String {
        switch block {
        case .facts(let facts):
            return facts.map { "  " + $0.label.padding(to: 20) + $0.value + "\n" }.joined()
        case .table(let header, let rows):
            return table(header: header, rows: rows)
        case .bars(let items):
            return bars(items)
        case .note(let text):
            return "  \(text)\n"
        }
    }

    /// Left-aligned columns, the last one unpadded.
    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            "  " + row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(to: widths[i] + 1) }.joined()
                .trimmingTrailingSpaces() + "\n"
        }.joined()
    }

    /// Text bars 30 cells wide at the largest value.
    static func bars(_ items: [ReportBlock.Bar]) -> String {
        let largest = items.map(\.value).max() ?? 0
        let labelWidth = max(12, (items.map(\.label.count).max() ?? 0) + 1)
        return items.map { item in
            let cells = largest > 0 ? Int((item.value / largest * 30).rounded()) : 0
            return "  " + item.label.padding(to: labelWidth) + String(repeating: "█", count: cells)
                + (cells > 0 ? " " : "") + item.text + "\n"
        }.joined()
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
