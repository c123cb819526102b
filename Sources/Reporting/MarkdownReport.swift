import AssayCore

/// `assay report <run> --markdown`: GitHub-flavoured Markdown, for notes and pull requests.
public enum MarkdownReport {
    public static func render(_ report: RunReport) -> String {
        var out = "# Run \(report.run.id): \(report.run.problemSet) (\(report.run.status))\n\n"
        out += table(header: ["", ""], rows: TextReport.header(report).map { [$0.0, $0.1] })
        out += "\n## pass@k\n\n"
        out += table(
            header: ["metric", "value", "95% CI"],
            rows: report.passAtK.map { [$0.name, ReportText.number($0.value), interval($0)] })
        out += "\n\(ReportText.intervalNote(report)).\n"
        if !report.skippedK.isEmpty {
            out += "pass@\(report.skippedK.map(String.init).joined(separator: ", pass@")) not reported: some problem has fewer samples.\n"
        }
        out += "\n## Statuses\n\n"
        let total = report.statusCounts.reduce(0) { $0 + $1.count }
        out += table(
            header: ["status", "samples", "share"],
            rows: report.statusCounts.filter { $0.count > 0 }.map {
                [$0.status, String($0.count), ReportSections.percent($0.count, of: total)]
            })
        for section in report.sections {
            out += "\n## \(section.title)\n\n"
            for block in section.blocks { out += render(block) }
        }
        out += "\n## Tasks\n\n"
        out += table(
            header: ["task", "n", "pass", "pass@1", "first failure"],
            rows: report.tasks.map { row in
                [row.taskID, String(row.executed), String(row.c), row.passAt1.map(ReportText.number) ?? "–", row.firstFailure ?? ""]
            })
        return out
    }

    static func interval(_ estimate: RunReport.Estimate) -> String {
        guard let low = estimate.ciLow, let high = estimate.ciHigh else { return "–" }
        return "[\(ReportText.number(low)), \(ReportText.number(high))]"
    }

    static func render(_ block: ReportBlock) -> String {
        switch block {
        case .facts(let facts):
            return table(header: ["", ""], rows: facts.map { [$0.label, $0.value] }) + "\n"
        case .table(let header, let rows):
            return table(header: header, rows: rows) + "\n"
        case .bars(let items):
            return table(header: ["", ""], rows: items.map { [$0.label, $0.text] }) + "\n"
        case .note(let text):
            return "\(escape(text))\n\n"
        }
    }

    static func table(header: [String], rows: [[String]]) -> String {
        var out = "| " + header.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        return out
    }

    /// Keeps cells on one line and pipes from splitting them.
    static func escape(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("|", with: "\\|").replacing("\n", with: " ")
    }
}
