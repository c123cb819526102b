public import AssayCore

/// Two repair runs at equal cost (shared/notes/taxonomy-repair.md §3.5, "budget-matched view"):
/// pass@1 against the cumulative model calls and tokens, round by round, and the two runs'
/// pass@1 at each call budget either reached. Typically `resample` (A) against a feedback
/// condition (B) on the same source run: is feedback worth more than fresh samples at equal cost?
public struct RepairBudget: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var round: Int
        public var calls: Int
        public var tokens: Int
        public var passAt1: Double
        enum CodingKeys: String, CodingKey { case round, calls, tokens, passAt1 = "pass_at_1" }
    }

    public struct AtCalls: Sendable, Codable, Equatable {
        public var calls: Int
        /// Each run's pass@1 after the last round that stayed within `calls` (a run that spent
        /// less in all keeps its last value).
        public var passAt1A: Double
        public var passAt1B: Double
        enum CodingKeys: String, CodingKey { case calls, passAt1A = "pass_at_1_a", passAt1B = "pass_at_1_b" }
    }

    public var conditionA: String
    public var conditionB: String
    public var a: [Point]
    public var b: [Point]
    public var atEqualCalls: [AtCalls]

    enum CodingKeys: String, CodingKey {
        case conditionA = "condition_a", conditionB = "condition_b", a, b, atEqualCalls = "at_equal_calls"
    }

    /// The view for two finished repair runs (their stored `repair.json` summaries), else nil.
    public static func make(_ first: ReportData, _ second: ReportData) -> RepairBudget? {
        guard first.run.spec.kind == "repair", second.run.spec.kind == "repair",
            let left = points(first.summary), let right = points(second.summary)
        else { return nil }
        let budgets = Set(left.map(\.calls) + right.map(\.calls)).sorted()
        func value(_ points: [Point], within calls: Int) -> Double {
            points.last { $0.calls <= calls }?.passAt1 ?? points[0].passAt1
        }
        return RepairBudget(
            conditionA: first.summary?["condition"]?.stringValue ?? "?", conditionB: second.summary?["condition"]?.stringValue ?? "?",
            a: left, b: right,
            atEqualCalls: budgets.map { AtCalls(calls: $0, passAt1A: value(left, within: $0), passAt1B: value(right, within: $0)) })
    }

    static func points(_ summary: JSONValue?) -> [Point]? {
        guard let rounds = summary?["rounds"]?.arrayValue, !rounds.isEmpty else { return nil }
        let points = rounds.compactMap { round -> Point? in
            guard let number = round["round"]?.intValue, let calls = round["calls"]?.intValue,
                let passAt1 = round["pass_at_1"]?.doubleValue
            else { return nil }
            let tokens = (round["tokens_in"]?.intValue ?? 0) + (round["tokens_out"]?.intValue ?? 0)
            return Point(round: number, calls: calls, tokens: tokens, passAt1: passAt1)
        }
        return points.count == rounds.count ? points.sorted { $0.round < $1.round } : nil
    }

    /// The terminal rendering.
    public func text(runA: Int64, runB: Int64) -> String {
        func signed(_ value: Double) -> String { (value >= 0 ? "+" : "-") + ReportText.number(abs(value)) }
        var out = "\nrepair at equal cost: A = run \(runA) (\(conditionA)), B = run \(runB) (\(conditionB))\n"
        out += TextReport.table(
            header: ["round", "A calls", "A tokens", "A pass@1", "B calls", "B tokens", "B pass@1"],
            rows: (0..<max(a.count, b.count)).map { index in
                let left = index < a.count ? a[index] : nil
                let right = index < b.count ? b[index] : nil
                return [String(left?.round ?? right?.round ?? index),
                        left.map { String($0.calls) } ?? "", left.map { String($0.tokens) } ?? "", left.map { ReportText.number($0.passAt1) } ?? "",
                        right.map { String($0.calls) } ?? "", right.map { String($0.tokens) } ?? "", right.map { ReportText.number($0.passAt1) } ?? ""]
            })
        out += "pass@1 at equal model calls (a run that spent less keeps its last value)\n"
        out += TextReport.table(
            header: ["calls", "A", "B", "Δ (B − A)"],
            rows: atEqualCalls.map { [String($0.calls), ReportText.number($0.passAt1A), ReportText.number($0.passAt1B), signed($0.passAt1B - $0.passAt1A)] })
        return out
    }
}
