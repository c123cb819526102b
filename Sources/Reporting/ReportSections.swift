public import AssayCore
import Scoring

/// An optional part of a report: present only when the run has its data.
///
/// Its ``blocks`` are what the text, Markdown and HTML renderers draw (each renderer knows every
/// block kind, so a new section needs no renderer change); its ``data`` is what `--json` emits.
public struct ReportSection: Sendable, Codable {
    public var id: String
    public var title: String
    public var data: JSONValue
    public var blocks: [ReportBlock]

    public init(id: String, title: String, data: JSONValue, blocks: [ReportBlock]) {
        self.id = id
        self.title = title
        self.data = data
        self.blocks = blocks
    }

    enum CodingKeys: String, CodingKey { case id, title, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        title = try container.decode(String.self, forKey: .title)
        data = try container.decode(JSONValue.self, forKey: .data)
        blocks = []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(data, forKey: .data)
    }
}

/// What a section shows, independent of the output format.
public enum ReportBlock: Sendable, Hashable {
    /// Label/value lines.
    case facts([Fact])
    /// A table with a header row.
    case table(header: [String], rows: [[String]])
    /// Horizontal bars (counts or shares); drawn as SVG in HTML, as text bars elsewhere.
    case bars([Bar])
    /// A sentence of explanation.
    case note(String)

    public struct Fact: Sendable, Hashable {
        public var label: String
        public var value: String
        public init(_ label: String, _ value: String) {
            self.label = label
            self.value = value
        }
    }

    public struct Bar: Sendable, Hashable {
        public var label: String
        public var value: Double
        /// What is printed beside the bar (e.g. `12 (34.5%)`).
        public var text: String
        public init(_ label: String, _ value: Double, _ text: String) {
            self.label = label
            self.value = value
            self.text = text
        }
    }
}

/// Builds one optional section from a run's data and its computed report.
///
/// Extension point: a stage whose results belong in the report writes a provider and adds it to
/// ``ReportSections/standard`` (the order there is the order on the page). Return nil when the
/// run has none of your data.
public protocol ReportSectionProvider: Sendable {
    func section(for data: ReportData, report: RunReport) throws -> ReportSection?
}

public enum ReportSections {
    /// The built-in sections, in display order.
    public static let standard: [any ReportSectionProvider] = [
        GenerationSection(), EffAtKSection(), HumanEvalPlusSection(), TaxonomySection(), RepairSection(), OtherMetricsSection(),
    ]

    /// Keys of `summary.json` that the core report already shows; any other key is an "other metric".
    static let coreSummaryKeys: Set<String> = [
        "run_id", "problems", "problem_set_hash", "samples_source", "n_problems", "n_samples", "pass_at_k", "skipped_k",
        "status_counts", "problems_without_samples", "tamper_suspects", "input_issues", "complete", "settings",
    ]

    /// Summary keys a built-in section handles.
    static let sectionSummaryKeys: Set<String> = ["eff_at_k", "taxonomy", "generation", "plus", "base", "pass_at_k_plus", "pass_at_k_base", "repair"]

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0.0%" }
        let tenths = (Double(part) * 1000 / Double(whole)).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    static func samples(_ data: ReportData) -> [(task: ReportTask, sample: ReportSample)] {
        data.tasks.flatMap { task in task.samples.map { (task, $0) } }
    }

    /// Count bars sorted by count, then label.
    static func countBars(_ counts: [String: Int], total: Int) -> [ReportBlock.Bar] {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
            ReportBlock.Bar($0.key, Double($0.value), "\($0.value) (\(percent($0.value, of: total)))")
        }
    }

    /// Renders a JSON scalar for a table cell.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .double(let v): return ReportText.number(v)
        case .string(let v): return v
        case .array(let v): return "[\(v.map(text).joined(separator: ", "))]"
        case .object(let v): return "{" + v.keys.sorted().map { "\($0): \(text(v[$0]!))" }.joined(separator: ", ") + "}"
        }
    }
}

// MARK: - Generation (model, temperature, tokens)

/// The model and decoding settings, finish reasons and token totals, when samples were generated.
///
/// Reads run settings `model`, `api`, `base_url`, `temperature`, `top_p`, `max_tokens`, `n`,
/// `seed`, `prompt_template`; per-sample annotations `finish_reason`, `prompt_tokens`,
/// `completion_tokens`, `latency_ms`; and the summary's `generation` object.
public struct GenerationSection: ReportSectionProvider {
    static let settingKeys = ["model", "api", "base_url", "temperature", "top_p", "max_tokens", "n", "seed", "prompt_template"]

    public init() {}

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        let settings = data.run.spec.settings
        var facts = Self.settingKeys.compactMap { key in settings[key].map { ReportBlock.Fact(key, $0) } }
        var json: [String: JSONValue] = Dictionary(uniqueKeysWithValues: facts.map { ($0.label, JSONValue.string($0.value)) })
        var finish: [String: Int] = [:]
        var promptTokens = 0, completionTokens = 0, withTokens = 0
        for (_, sample) in ReportSections.samples(data) {
            if let reason = sample.annotations["finish_reason"]?.stringValue { finish[reason, default: 0] += 1 }
            if let tokens = sample.annotations["completion_tokens"]?.intValue {
                completionTokens += tokens
                promptTokens += sample.annotations["prompt_tokens"]?.intValue ?? 0
                withTokens += 1
            }
        }
        if withTokens > 0 {
            facts.append(.init("prompt tokens", String(promptTokens)))
            facts.append(.init("completion tokens", "\(completionTokens) (\(completionTokens / withTokens) per sample)"))
            json["prompt_tokens"] = .int(promptTokens)
            json["completion_tokens"] = .int(completionTokens)
        }
        if let generation = data.summary?["generation"]?.objectValue {
            for key in generation.keys.sorted() {
                facts.append(.init(key, ReportSections.text(generation[key]!)))
                json[key] = generation[key]
            }
        }
        guard !facts.isEmpty || !finish.isEmpty else { return nil }
        var blocks: [ReportBlock] = [.facts(facts)]
        if !finish.isEmpty {
            let total = finish.values.reduce(0, +)
            blocks.append(.note("finish reasons (length = truncated by the token limit)"))
            blocks.append(.bars(ReportSections.countBars(finish, total: total)))
            json["finish_reasons"] = .object(finish.mapValues { .int($0) })
        }
        return ReportSection(id: "generation", title: "Generation", data: .object(json), blocks: blocks)
    }
}

// MARK: - eff@k (ENAMEL)

/// eff@k next to pass@k. Values from the summary's `eff_at_k` (k → value); intervals when the store
/// gives per-problem values as task metrics `eff@<k>`.
public struct EffAtKSection: ReportSectionProvider {
    public init() {}

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        var values: [Int: Double] = [:]
        for (key, value) in data.summary?["eff_at_k"]?.objectValue ?? [:] {
            if let k = Int(key.replacing("eff@", with: "")), let v = value.doubleValue { values[k] = v }
        }
        var perProblem: [Int: [Double]] = [:]
        for task in data.tasks {
            for (name, value) in task.metrics where name.hasPrefix("eff@") {
                if let k = Int(name.dropFirst(4)) { perProblem[k, default: []].append(value) }
            }
        }
        for (k, list) in perProblem where values[k] == nil { values[k] = NumpySum.mean(list) }
        guard !values.isEmpty else { return nil }
        var rows: [[String]] = []
        var json: [String: JSONValue] = [:]
        for k in values.keys.sorted() {
            let interval = try perProblem[k].map { try Bootstrap.meanInterval($0, settings: report.bootstrap) }
            let estimate = RunReport.Estimate(name: "eff@\(k)", k: k, value: values[k]!, interval: interval)
            let pass = report.passAtK.first { $0.k == k }
            rows.append(["eff@\(k)", ReportText.estimate(estimate), pass.map(ReportText.estimate) ?? "–"])
            json[String(k)] = .object([
                "value": .double(estimate.value), "ci_low": estimate.ciLow.map(JSONValue.double) ?? .null,
                "ci_high": estimate.ciHigh.map(JSONValue.double) ?? .null,
            ])
        }
        return ReportSection(
            id: "eff_at_k", title: "Efficiency (eff@k, ENAMEL)", data: .object(json),
            blocks: [.table(header: ["metric", "eff@k [95% CI]", "pass@k [95% CI]"], rows: rows)])
    }
}

// MARK: - HumanEval+ base / plus

/// Base and plus pass@k as evalplus reports them, from per-sample annotations `base_status` and
/// `plus_status` (`pass`/`fail`/`timeout`, or Assay statuses). A sample passes "plus" only when
/// both are a pass.
public struct HumanEvalPlusSection: ReportSectionProvider {
    public init() {}

    static func isPass(_ value: JSONValue?) -> Bool {
        let text = value?.stringValue
        return text == "pass" || text == "passed"
    }

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        guard ReportSections.samples(data).contains(where: { $0.sample.annotations["plus_status"] != nil }) else { return nil }
        var base: [PassAtK.Counts] = []
        var plus: [PassAtK.Counts] = []
        for task in data.tasks where !task.samples.isEmpty {
            let executed = task.samples.filter { $0.annotations["base_status"] != nil || $0.verdict != nil }
            guard !executed.isEmpty else { continue }
            let baseC = executed.filter { Self.isPass($0.annotations["base_status"]) || ($0.annotations["base_status"] == nil && $0.verdict?.status == .passed) }.count
            let plusC = executed.filter { Self.isPass($0.annotations["base_status"]) && Self.isPass($0.annotations["plus_status"]) }.count
            base.append(.init(n: executed.count, c: baseC))
            plus.append(.init(n: executed.count, c: plusC))
        }
        guard !base.isEmpty else { return nil }
        let minimumN = base.map(\.n).min() ?? 0
        var rows: [[String]] = []
        var json: [String: JSONValue] = [:]
        for k in [1, 10, 100] where k <= minimumN {
            let b = try RunReport.estimate(base, k: k, bootstrap: report.bootstrap)
            let p = try RunReport.estimate(plus, k: k, bootstrap: report.bootstrap)
            rows.append(["pass@\(k)", ReportText.estimate(b), ReportText.estimate(p)])
            json["pass@\(k)"] = .object(["base": .double(b.value), "plus": .double(p.value)])
        }
        return ReportSection(
            id: "humaneval_plus", title: "HumanEval+ (base and plus tests)", data: .object(json),
            blocks: [.table(header: ["metric", "base [95% CI]", "base + plus [95% CI]"], rows: rows)])
    }
}

// MARK: - Bug taxonomy

/// Counts per bug category and sub-category, from per-sample annotations `bug_category` and
/// `bug_subcategory` (else the summary's `taxonomy` counts).
public struct TaxonomySection: ReportSectionProvider {
    public init() {}

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        var categories: [String: Int] = [:]
        var subcategories: [String: Int] = [:]
        var high = 0
        for (_, sample) in ReportSections.samples(data) {
            if sample.annotations["bug_confidence"]?.stringValue == "high" { high += 1 }
            if let category = sample.annotations["bug_category"]?.stringValue { categories[category, default: 0] += 1 }
            if let leaf = sample.annotations["bug_subcategory"]?.stringValue { subcategories[leaf, default: 0] += 1 }
        }
        if categories.isEmpty, let summary = data.summary?["taxonomy"]?.objectValue {
            for (key, value) in summary {
                if let count = value.intValue { categories[key] = count }
                if let object = value.objectValue, let count = object["count"]?.intValue { categories[key] = count }
            }
        }
        guard !categories.isEmpty else { return nil }
        let failed = categories.values.reduce(0, +)
        var blocks: [ReportBlock] = [
            .note("\(failed) samples that did not pass, by bug category (share of labelled failures)"
                + (high > 0 ? "; \(ReportSections.percent(high, of: failed)) of the labels with high confidence" : "")),
            .bars(ReportSections.countBars(categories, total: failed)),
        ]
        if !subcategories.isEmpty {
            blocks.append(.note("by sub-category"))
            blocks.append(.bars(ReportSections.countBars(subcategories, total: subcategories.values.reduce(0, +))))
        }
        return ReportSection(
            id: "taxonomy", title: "Why samples fail (bug taxonomy)",
            data: .object([
                "categories": .object(categories.mapValues { .int($0) }), "subcategories": .object(subcategories.mapValues { .int($0) }),
                "high_confidence": .int(high),
            ]),
            blocks: blocks)
    }
}

// MARK: - Repair funnel

/// The repair funnel from stored later rounds: per round, the samples passing by then, pass@1,
/// the gain over round 0 and the fix rate (gain / share failing at round 0).
public struct RepairSection: ReportSectionProvider {
    public init() {}

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        let maxRound = ReportSections.samples(data).map { $0.sample.rounds.map(\.round).max() ?? 0 }.max() ?? 0
        guard maxRound > 0 else { return nil }
        var rows: [[String]] = []
        var bars: [ReportBlock.Bar] = []
        var perRound: [JSONValue] = []
        var base = 0.0
        for round in 0...maxRound {
            var counts: [PassAtK.Counts] = []
            var passing = 0
            var attempted = 0
            for task in data.tasks {
                let executed = task.samples.filter { $0.verdict != nil }
                guard !executed.isEmpty else { continue }
                let c = executed.filter { sample in
                    sample.verdict?.status == .passed || sample.rounds.contains { $0.round <= round && $0.status == .passed }
                }.count
                attempted += executed.filter { sample in sample.rounds.contains { $0.round == round } }.count
                passing += c
                counts.append(.init(n: executed.count, c: c))
            }
            let estimate = try RunReport.estimate(counts, k: 1, bootstrap: report.bootstrap)
            if round == 0 { base = estimate.value }
            let gain = estimate.value - base
            let fixRate = base < 1 ? gain / (1 - base) : 0
            rows.append([
                String(round), round == 0 ? "–" : String(attempted), String(passing), ReportText.estimate(estimate),
                round == 0 ? "–" : ReportText.number(gain), round == 0 ? "–" : ReportText.number(fixRate),
            ])
            bars.append(.init("round \(round)", Double(passing), "\(passing) passing"))
            perRound.append(.object([
                "round": .int(round), "passing": .int(passing), "pass@1": .double(estimate.value), "gain": .double(gain),
                "fix_rate": .double(fixRate),
            ]))
        }
        var blocks: [ReportBlock] = [
            .table(header: ["round", "repaired samples", "passing", "pass@1 [95% CI]", "gain", "fix rate"], rows: rows),
            .bars(bars),
        ]
        if let extra = data.sections["repair"] { blocks.append(.note("repair: \(ReportSections.text(extra))")) }
        return ReportSection(id: "repair", title: "Repair funnel", data: .array(perRound), blocks: blocks)
    }
}

// MARK: - Anything else in summary.json

/// Numbers in the stored summary that no other section shows, so that a stage's new metrics
/// appear in reports before anyone writes a section for them.
public struct OtherMetricsSection: ReportSectionProvider {
    public init() {}

    public func section(for data: ReportData, report: RunReport) throws -> ReportSection? {
        guard let summary = data.summary?.objectValue else { return nil }
        var facts: [ReportBlock.Fact] = []
        var json: [String: JSONValue] = [:]
        for key in summary.keys.sorted()
        where !ReportSections.coreSummaryKeys.contains(key) && !ReportSections.sectionSummaryKeys.contains(key) {
            facts.append(.init(key, ReportSections.text(summary[key]!)))
            json[key] = summary[key]
        }
        guard !facts.isEmpty else { return nil }
        return ReportSection(id: "other", title: "Other metrics", data: .object(json), blocks: [.facts(facts)])
    }
}
