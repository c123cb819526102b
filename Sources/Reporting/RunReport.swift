public import AssayCore
public import Scoring

/// What a report shows, computed once from a run's ``ReportData`` and rendered by
/// ``TextReport``, ``MarkdownReport``, ``HTMLReport`` and as JSON (this type's encoding,
/// schema `assay-report/1`).
public struct RunReport: Sendable, Codable {
    public var schema = "assay-report/1"
    public var run: Header
    public var settings: [String: String]
    public var host: [String: String]
    /// Problems scored (with at least one executed sample).
    public var nProblems: Int
    /// Problems in the run's set.
    public var nProblemsInSet: Int
    public var nSamples: Int
    public var nExecuted: Int
    /// pass@k for each requested k that every scored problem supports, with its interval.
    public var passAtK: [Estimate]
    public var skippedK: [Int]
    /// pass@k against k, from 1 to the smallest n (a few points on a log scale), with intervals.
    public var curve: [Estimate]
    /// Every status and its count, zeros included, in precedence order.
    public var statusCounts: [StatusCount]
    public var tamperSuspects: Int
    public var bootstrap: BootstrapSettings
    /// Optional sections (eff@k, HumanEval+, taxonomy, repair, generation, other metrics), present
    /// only when the run has their data.
    public var sections: [ReportSection]
    public var tasks: [TaskRow]

    public struct Header: Sendable, Codable, Hashable {
        public var id: Int64
        public var kind: String
        public var status: String
        public var createdAt: String
        public var finishedAt: String?
        public var problemSet: String
        public var problemSetHash: String
        public var problemSetSource: String?
        public var samplesSource: String
        public var model: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, status, createdAt = "created_at", finishedAt = "finished_at", problemSet = "problem_set"
            case problemSetHash = "problem_set_hash", problemSetSource = "problem_set_source", samplesSource = "samples_source", model
        }
    }

    /// A metric value with its bootstrap interval (nil when it cannot be computed).
    public struct Estimate: Sendable, Codable, Hashable {
        public var name: String
        public var k: Int
        public var value: Double
        public var ciLow: Double?
        public var ciHigh: Double?

        public init(name: String, k: Int, value: Double, interval: ConfidenceInterval?) {
            self.name = name
            self.k = k
            self.value = value
            ciLow = interval?.lower
            ciHigh = interval?.upper
        }

        enum CodingKeys: String, CodingKey { case name, k, value, ciLow = "ci_low", ciHigh = "ci_high" }
    }

    public struct StatusCount: Sendable, Codable, Hashable {
        public var status: String
        public var count: Int
    }

    /// One problem in the per-task table.
    public struct TaskRow: Sendable, Codable, Hashable {
        public var taskID: String
        public var n: Int
        /// Executed samples.
        public var executed: Int
        public var c: Int
        public var passAt1: Double?
        /// status → count (only statuses that occur).
        public var statuses: [String: Int]
        /// The first sample that did not pass: its index and one line saying why.
        public var firstFailure: String?
        /// Per-problem values of extra metrics (eff@1, …).
        public var metrics: [String: Double]

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id", n, executed, c, passAt1 = "pass_at_1", statuses, firstFailure = "first_failure", metrics
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, run, settings, host, nProblems = "n_problems", nProblemsInSet = "n_problems_in_set", nSamples = "n_samples"
        case nExecuted = "n_executed", passAtK = "pass_at_k", skippedK = "skipped_k", curve, statusCounts = "status_counts"
        case tamperSuspects = "tamper_suspects", bootstrap, sections, tasks
    }
}

/// Options of a report.
public struct ReportOptions: Sendable {
    public var ks: [Int]
    public var bootstrap: BootstrapSettings
    /// Section providers, in display order (``ReportSections/standard`` plus any of your own).
    public var sections: [any ReportSectionProvider]

    public init(ks: [Int] = [1, 10, 100], bootstrap: BootstrapSettings = .standard, sections: [any ReportSectionProvider] = ReportSections.standard) {
        self.ks = ks
        self.bootstrap = bootstrap
        self.sections = sections
    }
}

extension RunReport {
    /// Scores and summarises a run. Only executed samples count: a problem's n is its number of
    /// executed samples (the anchors' n), and problems with none are left out of the means.
    public static func make(_ data: ReportData, options: ReportOptions = ReportOptions()) throws -> RunReport {
        var rows: [TaskRow] = []
        var counts: [PassAtK.Counts] = []
        var statusCounts = Dictionary(uniqueKeysWithValues: Status.allCases.map { ($0.rawValue, 0) })
        var tamper = 0
        var nSamples = 0
        var executedTotal = 0
        for task in data.tasks {
            var statuses: [String: Int] = [:]
            var c = 0
            var executed = 0
            var firstFailure: String?
            for sample in task.samples {
                nSamples += 1
                guard let verdict = sample.verdict else { continue }
                executed += 1
                statuses[verdict.status.rawValue, default: 0] += 1
                statusCounts[verdict.status.rawValue, default: 0] += 1
                if !verdict.tamper.isEmpty { tamper += 1 }
                if verdict.status == .passed {
                    c += 1
                } else if firstFailure == nil {
                    firstFailure = "#\(sample.index) \(verdict.status.rawValue): \(ReportText.oneLine(verdict))"
                }
            }
            executedTotal += executed
            if executed > 0 { counts.append(PassAtK.Counts(n: executed, c: c)) }
            rows.append(TaskRow(
                taskID: task.taskID, n: task.samples.count, executed: executed, c: c,
                passAt1: executed > 0 ? Double(c) / Double(executed) : nil, statuses: statuses, firstFailure: firstFailure,
                metrics: task.metrics))
        }

        var passAtK: [Estimate] = []
        var skipped: [Int] = []
        var curve: [Estimate] = []
        if !counts.isEmpty {
            let minimumN = counts.map(\.n).min() ?? 0
            for k in options.ks {
                guard k >= 1, k <= minimumN else {
                    skipped.append(k)
                    continue
                }
                passAtK.append(try estimate(counts, k: k, bootstrap: options.bootstrap))
            }
            for k in curveKs(upTo: minimumN) { curve.append(try estimate(counts, k: k, bootstrap: options.bootstrap)) }
        } else {
            skipped = options.ks
        }

        let spec = data.run.spec
        let header = Header(
            id: data.run.id, kind: spec.kind, status: data.run.status, createdAt: data.run.createdAt, finishedAt: data.run.finishedAt,
            problemSet: spec.problemSetName, problemSetHash: spec.problemSetHash, problemSetSource: data.problemSet?.source,
            samplesSource: spec.samplesSource, model: spec.settings["model"])
        var report = RunReport(
            run: header, settings: spec.settings, host: data.host, nProblems: counts.count, nProblemsInSet: data.tasks.count,
            nSamples: nSamples, nExecuted: executedTotal, passAtK: passAtK, skippedK: skipped, curve: curve,
            statusCounts: Status.allCases.map { StatusCount(status: $0.rawValue, count: statusCounts[$0.rawValue] ?? 0) },
            tamperSuspects: tamper, bootstrap: options.bootstrap, sections: [], tasks: rows)
        for provider in options.sections {
            if let section = try provider.section(for: data, report: report) { report.sections.append(section) }
        }
        return report
    }

    /// pass@k (the anchors' value, numpy-identical mean) with its percentile-bootstrap interval.
    static func estimate(_ counts: [PassAtK.Counts], k: Int, bootstrap: BootstrapSettings) throws -> Estimate {
        let perProblem = try counts.map { try PassAtK.estimate(n: $0.n, c: $0.c, k: k) }
        let value = NumpySum.mean(perProblem)
        let interval = try Bootstrap.meanInterval(perProblem, settings: bootstrap)
        return Estimate(name: "pass@\(k)", k: k, value: value, interval: interval)
    }

    /// k values for the curve: every k up to 10, then 1-2-5 steps, and the largest n.
    static func curveKs(upTo limit: Int) -> [Int] {
        guard limit >= 1 else { return [] }
        var ks = Array(1...min(limit, 10))
        var decade = 10
        while decade <= limit {
            for step in [2, 5, 10] where decade * step <= limit && decade * step > 10 { ks.append(decade * step) }
            decade *= 10
        }
        if ks.last != limit { ks.append(limit) }
        return Array(Set(ks)).sorted()
    }

    /// The scored problems' (n, c), in set order.
    public var counts: [PassAtK.Counts] {
        tasks.filter { $0.executed > 0 }.map { PassAtK.Counts(n: $0.executed, c: $0.c) }
    }
}

/// Short texts shared by every renderer.
public enum ReportText {
    /// One line saying why a sample did not pass: the failing test with both sides, else the detail.
    public static func oneLine(_ verdict: ReportVerdict) -> String {
        var text = verdict.detail
        if let test = verdict.failingTest, !test.source.isEmpty {
            text = test.source
            if let actual = test.actual, let expected = test.expected { text += " (got \(actual), expected \(expected))" }
        }
        text = text.replacing("\n", with: " ")
        return text.count > 160 ? String(text.prefix(157)) + "..." : text
    }

    /// Four decimals, as evalplus prints them.
    public static func number(_ value: Double) -> String { TerminalTable.format(value) }

    /// `0.3993 [0.3012, 0.4987]`.
    public static func estimate(_ estimate: RunReport.Estimate) -> String {
        var text = number(estimate.value)
        if let low = estimate.ciLow, let high = estimate.ciHigh { text += " [\(number(low)), \(number(high))]" }
        return text
    }

    /// What the intervals are.
    public static func intervalNote(_ report: RunReport) -> String {
        let percent = Int((report.bootstrap.level * 100).rounded())
        return "\(percent)% CI: percentile bootstrap over \(report.nProblems) problems, \(report.bootstrap.replicates) replicates, seed \(report.bootstrap.seed)"
    }
}
