public import AssayCore
import Scoring

/// Per-round numbers of a repair run (shared/notes/taxonomy-repair.md §3.5), as written to
/// `repair.json` and printed.
public struct RepairReport: Sendable, Codable, Equatable {
    public struct Round: Sendable, Codable, Equatable {
        public var round: Int
        /// Mean over tasks of (samples passing the scoring tests after at most `round` rounds) / n.
        public var passAt1: Double
        /// pass@k for k ≥ 2 after at most `round` rounds: the unbiased estimator over each task's
        /// n repaired samples (trajectories); only the k every task has n ≥ k for. Nil when none.
        public var passAtK: [String: Double]?
        /// pass@1_r − pass@1_0, in percentage points.
        public var gainPoints: Double
        /// (pass@1_r − pass@1_0) / pass@1_0 (nil when pass@1_0 is 0).
        public var relativeGain: Double?
        /// (pass@1_r − pass@1_0) / (1 − pass@1_0): the share of the failing mass repaired.
        public var fixRate: Double?
        /// Samples that got a new attempt in this round.
        public var attempted: Int
        /// Samples passing the scoring tests after this round.
        public var passing: Int
        /// Samples whose code passes the feedback tests but not the scoring tests (false confidence).
        public var falseConfidence: Int
        /// Cumulative cost up to and including this round.
        public var calls: Int
        public var tokensIn: Int
        public var tokensOut: Int
        public var executions: Int
        public var cpuSeconds: Double
        /// Leaf (or `PASS`) at round − 1 → leaf (or `PASS`, `no_code`) at this round → count.
        public var transitions: [String: [String: Int]]
        /// Why samples left the loop in this round.
        public var stops: [String: Int]

        enum CodingKeys: String, CodingKey {
            case round, passAt1 = "pass_at_1", passAtK = "pass_at_k", gainPoints = "gain_pp", relativeGain = "relative_gain", fixRate = "fix_rate"
            case attempted, passing, falseConfidence = "false_confidence", calls, tokensIn = "tokens_in", tokensOut = "tokens_out"
            case executions, cpuSeconds = "cpu_seconds", transitions, stops
        }
    }

    public var sourceRun: Int64
    public var repairRun: Int64
    public var condition: String
    public var rounds: [Round]
    /// Samples in the source run, and those that failed it (the ones repaired).
    public var samples: Int
    public var failedAtStart: Int
    /// Tasks whose feedback came from the scoring tests because they have no visible tests.
    public var oracleFeedbackTasks: [String]
    public var note: String

    enum CodingKeys: String, CodingKey {
        case sourceRun = "source_run", repairRun = "repair_run", condition, rounds, samples, failedAtStart = "failed_at_start"
        case oracleFeedbackTasks = "oracle_feedback_tasks", note
    }

    /// Builds the report from the round-0 outcomes and every stored attempt and label.
    ///
    /// - Parameters:
    ///   - labels: round → sample → leaf (rounds ≥ 1 from the repair run, round 0 from the source).
    public static func make(
        sourceRun: Int64, repairRun: Int64, condition: String, maxRounds: Int, problemOrder: [String], samples: [Sample],
        start: [SampleKey: ExecutionOutcome], attempts: [RepairAttempt], labels: [Int: [SampleKey: String]],
        oracleFeedbackTasks: [String], feedback: RepairLoop.FeedbackTests = .docstringExamples, ks: [Int] = [1, 10, 100]
    ) -> RepairReport {
        var byKey: [SampleKey: [Int: RepairAttempt]] = [:]
        for attempt in attempts { byKey[attempt.key, default: [:]][attempt.round] = attempt }
        let failedAtStart = samples.filter { start[$0.key]?.status.isPass != true }

        /// Whether the sample passes the scoring tests after at most `round` rounds.
        func passes(_ key: SampleKey, after round: Int) -> Bool {
            if start[key]?.status.isPass == true { return true }
            let done = (byKey[key] ?? [:]).filter { $0.key >= 1 && $0.key <= round && $0.value.done }
            guard let last = done.max(by: { $0.key < $1.key }) else { return false }
            return last.value.scoringStatus?.isPass == true
        }
        func state(_ key: SampleKey, at round: Int) -> String {
            if round == 0 {
                return start[key]?.status.isPass == true ? "PASS" : labels[0]?[key] ?? "unlabelled"
            }
            guard let attempt = byKey[key]?[round] else { return "-" }
            if attempt.scoringStatus?.isPass == true { return "PASS" }
            if attempt.code == nil { return "no_code" }
            return labels[round]?[key] ?? "unlabelled"
        }
        func counts(after round: Int) -> [PassAtK.Counts] {
            var perTask: [String: PassAtK.Counts] = [:]
            for sample in samples {
                perTask[sample.taskID, default: PassAtK.Counts(n: 0, c: 0)].n += 1
                if passes(sample.key, after: round) { perTask[sample.taskID, default: PassAtK.Counts(n: 0, c: 0)].c += 1 }
            }
            return problemOrder.compactMap { perTask[$0] }
        }
        func passAt1(after round: Int) -> Double {
            let values = counts(after: round).map { Double($0.c) / Double($0.n) }
            return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        }
        func passAtK(after round: Int) -> [String: Double]? {
            let larger = ks.filter { $0 >= 2 }
            guard !larger.isEmpty, let report = try? PassAtK.report(counts(after: round), ks: larger), !report.values.isEmpty else { return nil }
            return Dictionary(uniqueKeysWithValues: report.values.map { (String($0.key), $0.value) })
        }

        let base = passAt1(after: 0)
        var rounds: [Round] = []
        var cumulative = (calls: 0, tokensIn: 0, tokensOut: 0, executions: 0, cpu: 0.0)
        let lastRound = max(maxRounds, attempts.map(\.round).max() ?? 0)
        for round in 0...lastRound {
            let these = attempts.filter { $0.round == round && $0.done }.sorted { $0.key < $1.key }  // a stable sum order
            for attempt in these {
                cumulative.calls += attempt.calls
                cumulative.tokensIn += attempt.tokensIn
                cumulative.tokensOut += attempt.tokensOut
                cumulative.executions += attempt.executions
                cumulative.cpu += attempt.cpuMS / 1000
            }
            var transitions: [String: [String: Int]] = [:]
            var stops: [String: Int] = [:]
            if round >= 1 {
                for attempt in these {
                    transitions[state(attempt.key, at: round - 1), default: [:]][state(attempt.key, at: round), default: 0] += 1
                }
            }
            for attempt in these { if let reason = attempt.stopReason { stops[reason, default: 0] += 1 } }
            let value = passAt1(after: round)
            let falseConfidence = failedAtStart.filter { sample in
                let latest = (byKey[sample.key] ?? [:]).filter { $0.key <= round && $0.value.done }.max { $0.key < $1.key }?.value
                return latest?.visibleStatus?.isPass == true && !passes(sample.key, after: round)
            }.count
            rounds.append(Round(
                round: round, passAt1: value, passAtK: passAtK(after: round), gainPoints: (value - base) * 100,
                relativeGain: base > 0 ? (value - base) / base : nil, fixRate: base < 1 ? (value - base) / (1 - base) : nil,
                attempted: round == 0 ? 0 : these.count, passing: samples.filter { passes($0.key, after: round) }.count,
                falseConfidence: falseConfidence, calls: cumulative.calls, tokensIn: cumulative.tokensIn,
                tokensOut: cumulative.tokensOut, executions: cumulative.executions, cpuSeconds: (cumulative.cpu * 1e6).rounded() / 1e6,
                transitions: transitions, stops: stops))
        }
        let scoring = feedback == .baseTests ? "scoring on the base and plus inputs" : "scoring on all tests"
        let note = oracleFeedbackTasks.isEmpty
            ? "held-out mode: feedback from the visible tests (\(feedback.rawValue)), \(scoring)"
            : "feedback from the visible tests (\(feedback.rawValue)), except \(oracleFeedbackTasks.count) tasks without usable \(feedback == .baseTests ? "base tests" : "examples"), "
                + "whose feedback came from the scoring tests (oracle feedback)"
        return RepairReport(
            sourceRun: sourceRun, repairRun: repairRun, condition: condition, rounds: rounds, samples: samples.count,
            failedAtStart: failedAtStart.count, oracleFeedbackTasks: oracleFeedbackTasks, note: note)
    }

    /// The terminal table.
    public func render() -> String {
        var out = "repair (\(condition)) of run \(sourceRun): \(failedAtStart) of \(samples) samples failed at round 0 (repair run \(repairRun))\n"
        out += "  round  pass@1   gain (pp)  rel. gain  fix rate  attempted  calls  tokens in/out    executions  CPU s\n"
        for round in rounds {
            func optional(_ value: Double?) -> String { value.map { Self.fixed($0, 4) } ?? "-" }
            out += "  " + pad(String(round.round), 7) + pad(Self.fixed(round.passAt1, 4), 9) + pad(Self.signed(round.gainPoints), 11)
                + pad(optional(round.relativeGain), 11) + pad(optional(round.fixRate), 10) + pad(String(round.attempted), 11)
                + pad(String(round.calls), 7) + pad("\(round.tokensIn)/\(round.tokensOut)", 17) + pad(String(round.executions), 12)
                + Self.fixed(round.cpuSeconds, 2) + "\n"
        }
        for round in rounds where !round.transitions.isEmpty {
            let pairs = round.transitions.sorted { $0.key < $1.key }.flatMap { from, targets in
                targets.sorted { $0.key < $1.key }.map { "\(from) → \($0.key) \($0.value)" }
            }
            out += "  round \(round.round) transitions: " + pairs.joined(separator: " · ") + "\n"
        }
        let largerKs = Set(rounds.flatMap { $0.passAtK?.keys.compactMap { Int($0) } ?? [] }).sorted()
        if !largerKs.isEmpty {
            out += "  pass@k over the repaired samples of each task: " + rounds.map { round in
                "round \(round.round) " + largerKs.map { "pass@\($0) \(round.passAtK?[String($0)].map { Self.fixed($0, 4) } ?? "-")" }.joined(separator: " ")
            }.joined(separator: " · ") + "\n"
        }
        if let last = rounds.last, last.falseConfidence > 0 {
            let one = last.falseConfidence == 1
            out += "  false confidence: \(last.falseConfidence) \(one ? "sample passes" : "samples pass") the feedback tests but \(one ? "fails" : "fail") the scoring tests\n"
        }
        out += "  \(note)\n"
        return out
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled) - whole * Int(scale)
        let fractionText = String(fraction)
        return (value < 0 && scaled > 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }

    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + fixed(value, 1) }
}
