#if canImport(Glibc)
import Glibc
#endif
public import AssayCore
public import FoundationEssentials

/// `assay report <run> --html out.html`: one self-contained page (inline CSS, inline SVG charts,
/// a small inline script, no network fetches).
///
/// The summary, charts and sections are static HTML. The per-task table is rendered by the
/// script from a compact JSON block, and each task's samples sit in their own
/// `<script type="application/json">` block that is parsed only when the task is opened, so a
/// 100k-sample run opens as fast as a small one. The page's template, styles and script are the
/// data files `Templates/report/report.{html,css,js}`.
public enum HTMLReport {
    /// Longest code or stderr text embedded per sample; longer ones are cut with a marker.
    public static let maxEmbeddedCharacters = 20_000

    /// Renders the page from `Templates/report/` in `templates`.
    public static func render(_ report: RunReport, data: ReportData, templates: URL) throws -> String {
        let folder = templates.appendingPathComponent("report")
        func load(_ name: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw InputError("cannot read the report template \(url.path)", hint: "set ASSAY_HOME to the folder that holds Templates/")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let template = try load("report.html")
        let values: [String: String] = [
            "GENERATOR": "assay",
            "TITLE": escape("Assay run \(report.run.id): \(report.run.problemSet)"),
            "STYLE": try load("report.css"),
            "SCRIPT": try load("report.js"),
            "BODY": body(report),
            "FOOTER": escape("Assay · run \(report.run.id) · report schema \(report.schema)"),
            "DATA": try scriptJSON(tableData(report)),
            "SAMPLES": try sampleBlocks(data),
        ]
        return fill(template, values)
    }

    /// Replaces `{{NAME}}` markers of the template in one pass (inserted text is never rescanned).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = String(after[..<close.lowerBound])
            out += values[name] ?? "{{\(name)}}"
            rest = after[close.upperBound...]
        }
        return out + rest
    }

    // MARK: Static part

    static func body(_ report: RunReport) -> String {
        var html = "<header>\n<h1>Run \(report.run.id): \(escape(report.run.problemSet))</h1>\n"
        html += "<div class=\"sub\">\(escape(report.run.kind)) · \(escape(report.run.status)) · created \(escape(report.run.createdAt))"
        if let finished = report.run.finishedAt { html += " · finished \(escape(finished))" }
        html += "</div>\n</header>\n"

        html += "<div class=\"cards\" id=\"cards\">\n"
        if let first = report.passAtK.first {
            html += card(first.name, ReportText.number(first.value), ci(first), id: "card-\(first.name.replacing("@", with: "-"))")
        }
        let passed = report.statusCounts.first { $0.status == "passed" }?.count ?? 0
        html += card("problems", "\(report.nProblems)", "of \(report.nProblemsInSet) in the set", id: "card-problems")
        html += card("samples", "\(report.nExecuted)", "\(report.nSamples) stored", id: "card-samples")
        html += card("passed samples", "\(passed)", ReportSections.percent(passed, of: report.nExecuted), id: "card-passed")
        if report.tamperSuspects > 0 { html += card("tamper suspects", "\(report.tamperSuspects)", "frames/gc/ctypes/os._exit", id: "card-tamper") }
        html += "</div>\n"

        html += "<section id=\"pass-at-k\"><h2>pass@k</h2>\n<div class=\"cols\"><div>\n"
        html += "<table class=\"data\" id=\"pass-at-k-table\"><thead><tr><th>metric</th><th class=\"num\">value</th><th class=\"num\">95% CI</th></tr></thead><tbody>\n"
        for estimate in report.passAtK {
            html += "<tr><td>\(escape(estimate.name))</td><td class=\"num\">\(ReportText.number(estimate.value))</td><td class=\"num\">\(ci(estimate))</td></tr>\n"
        }
        html += "</tbody></table>\n<p class=\"hint\">\(escape(ReportText.intervalNote(report))).</p>\n"
        if !report.skippedK.isEmpty {
            html += "<p class=\"hint\">pass@\(report.skippedK.map(String.init).joined(separator: ", pass@")) not reported: some problem has fewer samples.</p>\n"
        }
        html += "</div><div>\n" + SVGChart.curve(report.curve, title: "pass@k against k (band: 95% CI)") + "</div></div></section>\n"

        let total = report.statusCounts.reduce(0) { $0 + $1.count }
        let statusBars = report.statusCounts.filter { $0.count > 0 }.map {
            ReportBlock.Bar($0.status, Double($0.count), "\($0.count) (\(ReportSections.percent($0.count, of: total)))")
        }
        html += "<section id=\"statuses\"><h2>Statuses</h2>\n" + SVGChart.bars(statusBars, classes: true) + "</section>\n"

        for section in report.sections {
            html += "<section id=\"section-\(escape(section.id))\"><h2>\(escape(section.title))</h2>\n"
            for block in section.blocks { html += render(block) }
            html += "</section>\n"
        }

        html += "<section id=\"configuration\"><h2>Configuration</h2>\n<div class=\"cols\"><div>\n<h3>Run</h3>\n"
        html += keyValues(TextReport.header(report).filter { $0.0 != "settings" && $0.0 != "host" })
        html += "<h3>Settings</h3>\n" + keyValues(report.settings.keys.sorted().map { ($0, report.settings[$0]!) })
        html += "</div><div>\n<h3>Host and sandbox</h3>\n" + keyValues(report.host.keys.sorted().map { ($0, report.host[$0]!) })
        html += "</div></div></section>\n"
        return html
    }

    static func card(_ label: String, _ value: String, _ note: String, id: String) -> String {
        "<div class=\"card\" id=\"\(escape(id))\"><div class=\"label\">\(escape(label))</div><div class=\"value\">\(escape(value))</div><div class=\"ci\">\(escape(note))</div></div>\n"
    }

    static func ci(_ estimate: RunReport.Estimate) -> String {
        guard let low = estimate.ciLow, let high = estimate.ciHigh else { return "–" }
        return "[\(ReportText.number(low)), \(ReportText.number(high))]"
    }

    static func keyValues(_ pairs: [(String, String)]) -> String {
        "<table class=\"kv\"><tbody>\n" + pairs.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>\n" }.joined() + "</tbody></table>\n"
    }

    static func render(_ block: ReportBlock) -> String {
        switch block {
        case .facts(let facts):
            return keyValues(facts.map { ($0.label, $0.value) })
        case .table(let header, let rows):
            var html = "<table class=\"data\"><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
            return html + "</tbody></table>\n"
        case .bars(let items):
            return SVGChart.bars(items, classes: false)
        case .note(let text):
            return "<p class=\"hint\">\(escape(text))</p>\n"
        }
    }

    // MARK: Data for the script

    struct TableRow: Encodable {
        var id: String
        var order: Int
        var n: Int
        var c: Int
        var p: Double?
        var st: [String: Int]
        var f: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(order, forKey: .order)
            try container.encode(n, forKey: .n)
            try container.encode(c, forKey: .c)
            try container.encode(p, forKey: .p)  // explicit null: "no executed sample"
            try container.encode(st, forKey: .st)
            try container.encodeIfPresent(f, forKey: .f)
        }

        enum CodingKeys: String, CodingKey { case id, order, n, c, p, st, f }
    }

    struct TableData: Encodable {
        var tasks: [TableRow]
        var statuses: [String]
    }

    static func tableData(_ report: RunReport) -> TableData {
        TableData(
            tasks: report.tasks.enumerated().map { order, row in
                TableRow(id: row.taskID, order: order, n: row.executed, c: row.c, p: row.passAt1, st: row.statuses, f: row.firstFailure)
            },
            statuses: report.statusCounts.filter { $0.count > 0 }.map(\.status))
    }

    /// One sample, with short keys (the page may hold 100k of them).
    struct SampleRow: Encodable {
        var i: Int
        var k: String
        var c: String
        var o: String?
        var s: String?
        var e: String?
        var d: String?
        var m: String?
        var t: Failing?
        var x: String?
        var cpu: Double?
        var wall: Double?
        var rss: Int?
        var tp: [String]?
        var a: [String: JSONValue]?
        var r: [Round]?

        struct Failing: Encodable {
            var src: String
            var line: Int?
            var act: String?
            var exp: String?
        }

        struct Round: Encodable {
            var round: Int
            var s: String
            var d: String
        }
    }

    static func sampleBlocks(_ data: ReportData) throws -> String {
        var html = ""
        html.reserveCapacity(data.tasks.reduce(0) { $0 + $1.samples.count } * 400)
        for (order, task) in data.tasks.enumerated() where !task.samples.isEmpty {
            let rows = task.samples.map { sample -> SampleRow in
                let verdict = sample.verdict
                return SampleRow(
                    i: sample.index, k: sample.body.kindName, c: clip(sample.body.code), o: sample.origin,
                    s: verdict?.status.rawValue, e: verdict?.errorType, d: verdict.map(\.detail).flatMap { $0.isEmpty ? nil : $0 },
                    m: verdict?.message.flatMap { $0.isEmpty ? nil : $0 },
                    t: verdict?.failingTest.map { .init(src: $0.source, line: $0.line, act: $0.actual, exp: $0.expected) },
                    x: verdict.flatMap { $0.stderrTail.isEmpty ? nil : clip($0.stderrTail) },
                    cpu: verdict.map { ($0.cpuMS * 10).rounded() / 10 }, wall: verdict.map { ($0.wallMS * 10).rounded() / 10 },
                    rss: verdict?.maxRSSKiB, tp: verdict.flatMap { $0.tamper.isEmpty ? nil : $0.tamper },
                    a: sample.annotations.isEmpty ? nil : sample.annotations,
                    r: sample.rounds.isEmpty ? nil : sample.rounds.map { .init(round: $0.round, s: $0.status.rawValue, d: $0.detail) })
            }
            html += "<script type=\"application/json\" id=\"samples-\(order)\">" + (try scriptJSON(rows)) + "</script>\n"
        }
        return html
    }

    static func clip(_ text: String) -> String {
        guard text.utf8.count > maxEmbeddedCharacters else { return text }
        let kept = String(text.prefix(maxEmbeddedCharacters))
        return kept + "\n… [cut: \(text.utf8.count) bytes in total; `assay show` prints it all]"
    }

    /// JSON that is safe inside a `<script>` element: `<` is written as `\u003c`, so no text can
    /// close the element or open a comment.
    static func scriptJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return text.replacing("<", with: "\\u003c")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Inline SVG charts (no library, no script).
enum SVGChart {
    /// pass@k against k with its interval band; log scale on k beyond 10.
    static func curve(_ points: [RunReport.Estimate], title: String) -> String {
        guard !points.isEmpty else { return "" }
        let width = 520.0, height = 260.0, left = 46.0, right = 16.0, top = 24.0, bottom = 36.0
        let maxK = Double(points.map(\.k).max() ?? 1)
        let logScale = maxK > 10
        func x(_ k: Int) -> Double {
            let span = width - left - right
            if maxK <= 1 { return left + span / 2 }
            let fraction = logScale ? log(Double(k)) / log(maxK) : (Double(k) - 1) / (maxK - 1)
            return left + fraction * span
        }
        func y(_ value: Double) -> Double { top + (1 - min(1, max(0, value))) * (height - top - bottom) }
        func f(_ value: Double) -> String { String((value * 10).rounded() / 10) }
        var svg = "<svg id=\"pass-at-k-curve\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        svg += "<title>\(HTMLReport.escape(title))</title>\n"
        svg += "<text x=\"\(f(left))\" y=\"14\">\(HTMLReport.escape(title))</text>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\"/>"
            svg += "<text class=\"muted\" x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(String(format2(tick)))</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0)))\"/>\n"
        let labelled = points.count <= 12 ? points : points.filter { [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].contains($0.k) || $0.k == points.last?.k }
        for point in labelled {
            svg += "<text class=\"muted\" x=\"\(f(x(point.k)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(point.k)</text>"
        }
        svg += "<text class=\"muted\" x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">k\(logScale ? " (log scale)" : "")</text>\n"
        let banded = points.filter { $0.ciLow != nil && $0.ciHigh != nil }
        if banded.count > 1 {
            let upper = banded.map { "\(f(x($0.k))),\(f(y($0.ciHigh!)))" }
            let lower = banded.reversed().map { "\(f(x($0.k))),\(f(y($0.ciLow!)))" }
            svg += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\"/>\n"
        }
        svg += "<polyline class=\"line\" points=\"\(points.map { "\(f(x($0.k))),\(f(y($0.value)))" }.joined(separator: " "))\"/>\n"
        for point in points {
            svg += "<circle class=\"dot\" cx=\"\(f(x(point.k)))\" cy=\"\(f(y(point.value)))\" r=\"3\"><title>\(HTMLReport.escape(point.name)) = \(ReportText.estimate(point))</title></circle>\n"
        }
        return svg + "</svg>\n"
    }

    static func format2(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// Horizontal bars, one row each; with `classes`, each bar gets its label as CSS class
    /// (status colours).
    static func bars(_ items: [ReportBlock.Bar], classes: Bool) -> String {
        guard !items.isEmpty else { return "" }
        let row = 24.0, labelWidth = 210.0, barWidth = 420.0, textWidth = 150.0
        let width = labelWidth + barWidth + textWidth
        let height = row * Double(items.count) + 6
        let largest = items.map(\.value).max() ?? 0
        var svg = "<svg class=\"bars\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (i, item) in items.enumerated() {
            let top = Double(i) * row + 3
            let length = largest > 0 ? max(1, item.value / largest * (barWidth - 8)) : 0
            let cls = classes ? "bar \(HTMLReport.escape(item.label))" : "bar"
            svg += "<text x=\"\(Int(labelWidth - 8))\" y=\"\(Int(top + 15))\" text-anchor=\"end\">\(HTMLReport.escape(item.label))</text>"
            svg += "<rect class=\"\(cls)\" x=\"\(Int(labelWidth))\" y=\"\(Int(top + 3))\" width=\"\((length * 10).rounded() / 10)\" height=\"\(Int(row - 8))\" rx=\"2\"><title>\(HTMLReport.escape(item.label)): \(HTMLReport.escape(item.text))</title></rect>"
            svg += "<text x=\"\(Int(labelWidth + length + 6))\" y=\"\(Int(top + 15))\">\(HTMLReport.escape(item.text))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
