public import AssayCore
public import Scoring

/// `assay compare <runA> <runB>`: paired comparison over the tasks both runs executed.
public struct RunComparison: Sendable, Codable {
    public var schema = "assay-compare/1"
    public var runA: Int64
    public var runB: Int64
    public var sharedTasks: Int
    public var onlyInA: [String]
    public var onlyInB: [String]
    /// Mean pass@1 over the shared tasks (numpy-identical mean).
    public var passAt1A: Double
    public var passAt1B: Double
    /// pass@1(B) − pass@1(A), with its paired-bootstrap interval.
    public var delta: Double
    public var deltaCILow: Double
    public var deltaCIHigh: Double
    public var bootstrap: BootstrapSettings
    /// Tasks whose pass@1 rose from A to B (fail→pass when each run has one sample per task).
    public var improved: [Flip]
    /// Tasks whose pass@1 fell from A to B (pass→fail).
    public var regressed: [Flip]
    public var unchanged: Int
    /// Settings that differ (name → [A, B]), with the ones that make numbers incomparable flagged.
    public var differences: [Difference]
    /// Two repair runs: pass@1 against cumulative calls and tokens, and at equal calls.
    public var budget: RepairBudget?

    public struct Flip: Sendable, Codable, Hashable {
        public var taskID: String
        public var passAt1A: Double
        public var passAt1B: Double
        enum CodingKeys: String, CodingKey { case taskID = "task_id", passAt1A = "pass_at_1_a", passAt1B = "pass_at_1_b" }
    }

    public struct Difference: Sendable, Codable, Hashable {
        public var setting: String
        public var a: String
        public var b: String
        /// True for limits, the dataset hash, temperature and the prompt template.
        public var warning: Bool
    }

    enum CodingKeys: String, CodingKey {
        case schema, runA = "run_a", runB = "run_b", sharedTasks = "shared_tasks", onlyInA = "only_in_a", onlyInB = "only_in_b"
        case passAt1A = "pass_at_1_a", passAt1B = "pass_at_1_b", delta, deltaCILow = "delta_ci_low", deltaCIHigh = "delta_ci_high"
        case bootstrap, improved, regressed, unchanged, differences, budget
    }

    /// Settings whose difference makes the two numbers measure different things.
    public static let criticalSettings: Set<String> = [
        "wall_ms", "cpu_ms", "memory_bytes", "output_bytes", "problem_set_hash", "temperature", "prompt_template", "harness",
    ]

    public static func make(_ a: ReportData, _ b: ReportData, bootstrap: BootstrapSettings = .standard) throws -> RunComparison {
        func perTask(_ data: ReportData) -> [String: Double] {
            var values: [String: Double] = [:]
            for task in data.tasks {
                let executed = task.samples.compactMap(\.verdict)
                guard !executed.isEmpty else { continue }
                values[task.taskID] = Double(executed.filter { $0.status == .passed }.count) / Double(executed.count)
            }
            return values
        }
        let valuesA = perTask(a)
        let valuesB = perTask(b)
        // Shared tasks in A's set order.
        let shared = a.tasks.map(\.taskID).filter { valuesA[$0] != nil && valuesB[$0] != nil }
        guard !shared.isEmpty else {
            throw InputError(
                "runs \(a.run.id) and \(b.run.id) share no executed task",
                hint: "compare runs of the same problem set (`assay runs` lists them)")
        }
        let listA = shared.map { valuesA[$0]! }
        let listB = shared.map { valuesB[$0]! }
        let meanA = NumpySum.mean(listA)
        let meanB = NumpySum.mean(listB)
        let interval = try Bootstrap.pairedDifferenceInterval(listA, listB, settings: bootstrap)
        var improved: [Flip] = []
        var regressed: [Flip] = []
        for (i, task) in shared.enumerated() where listA[i] != listB[i] {
            let flip = Flip(taskID: task, passAt1A: listA[i], passAt1B: listB[i])
            if listB[i] > listA[i] { improved.append(flip) } else { regressed.append(flip) }
        }

        var settingsA = a.run.spec.settings
        var settingsB = b.run.spec.settings
        settingsA["problem_set_hash"] = a.run.spec.problemSetHash
        settingsB["problem_set_hash"] = b.run.spec.problemSetHash
        settingsA["problem_set"] = a.run.spec.problemSetName
        settingsB["problem_set"] = b.run.spec.problemSetName
        let differences = Set(settingsA.keys).union(settingsB.keys).sorted().compactMap { key -> Difference? in
            let left = settingsA[key] ?? "(unset)"
            let right = settingsB[key] ?? "(unset)"
            return left == right ? nil : Difference(setting: key, a: left, b: right, warning: criticalSettings.contains(key))
        }
        return RunComparison(
            runA: a.run.id, runB: b.run.id, sharedTasks: shared.count,
            onlyInA: valuesA.keys.filter { valuesB[$0] == nil }.sorted(), onlyInB: valuesB.keys.filter { valuesA[$0] == nil }.sorted(),
            passAt1A: meanA, passAt1B: meanB, delta: meanB - meanA, deltaCILow: interval.lower, deltaCIHigh: interval.upper,
            bootstrap: bootstrap, improved: improved, regressed: regressed, unchanged: shared.count - improved.count - regressed.count,
            differences: differences, budget: RepairBudget.make(a, b))
    }

    /// Warnings to print on stderr: settings that make the comparison doubtful.
    public var warnings: [String] {
        differences.filter(\.warning).map { "runs differ in \($0.setting): \($0.a) (run \(runA)) vs \($0.b) (run \(runB))" }
    }

    /// The terminal rendering.
    public func text() -> String {
        func signed(_ value: Double) -> String { (value >= 0 ? "+" : "-") + ReportText.number(abs(value)) }
        var out = "run \(runA) (A) vs run \(runB) (B): \(sharedTasks) shared tasks\n"
        out += "  pass@1 A    \(ReportText.number(passAt1A))\n"
        out += "  pass@1 B    \(ReportText.number(passAt1B))\n"
        out += "  Δ (B − A)   \(signed(delta)) [\(signed(deltaCILow)), \(signed(deltaCIHigh))]\n"
        let percent = Int((bootstrap.level * 100).rounded())
        out += "  (\(percent)% CI: paired percentile bootstrap over \(sharedTasks) tasks, \(bootstrap.replicates) replicates, seed \(bootstrap.seed))\n"
        out += "\nbetter in B (fail→pass): \(improved.count)\n"
        for flip in improved { out += "  " + flip.taskID.padding(to: 24) + "\(ReportText.number(flip.passAt1A)) → \(ReportText.number(flip.passAt1B))\n" }
        out += "worse in B (pass→fail): \(regressed.count)\n"
        for flip in regressed { out += "  " + flip.taskID.padding(to: 24) + "\(ReportText.number(flip.passAt1A)) → \(ReportText.number(flip.passAt1B))\n" }
        out += "unchanged: \(unchanged)\n"
        if !onlyInA.isEmpty || !onlyInB.isEmpty {
            out += "not compared: \(onlyInA.count) tasks only in A, \(onlyInB.count) only in B\n"
        }
        if !differences.isEmpty {
            out += "\nsettings that differ\n"
            out += TextReport.table(
                header: ["setting", "A", "B", ""],
                rows: differences.map { [$0.setting, $0.a, $0.b, $0.warning ? "⚠ changes results" : ""] })
        }
        if let budget { out += budget.text(runA: runA, runB: runB) }
        return out
    }
}
