public import AssayCore
import Scoring

/// The aggregate numbers of one run, as written to `summary.json`.
public struct RunSummary: Sendable, Codable, Equatable {
    public var runID: Int64
    public var problems: String
    public var problemSetHash: String
    public var samplesSource: String
    /// Problems scored (those with at least one sample).
    public var nProblems: Int
    public var nSamples: Int
    /// k → pass@k, for every requested k that every scored problem supports.
    public var passAtK: [String: Double]
    /// Requested k left out because some problem has fewer than k samples.
    public var skippedK: [Int]
    /// Every status → its count (zeros included, so the schema is stable).
    public var statusCounts: [String: Int]
    /// Problems of the set that had no sample (they are not scored).
    public var problemsWithoutSamples: Int
    /// Samples whose code reaches for tampering tools (frames, gc, ctypes, os._exit, …).
    public var tamperSuspects: Int
    /// Input lines skipped or not executed (see the run's messages).
    public var inputIssues: Int
    /// False when some samples could not be executed (a rerun resumes them).
    public var complete: Bool
    public var settings: [String: String]
    /// Bug taxonomy of the failing samples (absent when the run was not analysed).
    public var taxonomy: TaxonomySummary?
    /// Per-section scores of harnesses that report several (HumanEval+: `base` and `plus`),
    /// written as top-level objects named after the section.
    public var sections: [String: SectionSummary] = [:]

    // BigCodeBench (absent for other problem sets).
    /// `complete` or `instruct`.
    public var split: String?
    /// Whether `pass_at_k` comes from calibrated programs (`code_prompt + "\n    pass\n" + solution`).
    public var calibrated: Bool?
    /// pass@k of the same samples run raw, when both were computed.
    public var passAtKRaw: [String: Double]?
    /// Task id → why it is not scored here (library missing, network needed, NLTK data missing).
    public var excluded: [String: String]?
    /// The ground-truth gate's account.
    public var groundTruth: GroundTruthSummary?
    /// Domain → pass@k over the scored tasks that use a library of that domain.
    public var domains: [String: DomainScore]?
    /// k → ENAMEL eff@k (efficiency runs only), same shape as ``passAtK``.
    public var effAtK: [String: Double]?
    /// Per-level figures and timing conditions of an efficiency run.
    public var efficiency: EfficiencySummary?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", problems, problemSetHash = "problem_set_hash", samplesSource = "samples_source"
        case nProblems = "n_problems", nSamples = "n_samples", passAtK = "pass_at_k", skippedK = "skipped_k"
        case statusCounts = "status_counts", problemsWithoutSamples = "problems_without_samples"
        case tamperSuspects = "tamper_suspects", inputIssues = "input_issues", complete, settings, taxonomy
        case split, calibrated, passAtKRaw = "pass_at_k_raw", excluded, groundTruth = "ground_truth", domains
        case effAtK = "eff_at_k", efficiency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        func put<T: Encodable>(_ value: T, _ key: CodingKeys) throws { try container.encode(value, forKey: DynamicKey(key.rawValue)) }
        try put(runID, .runID)
        try put(problems, .problems)
        try put(problemSetHash, .problemSetHash)
        try put(samplesSource, .samplesSource)
        try put(nProblems, .nProblems)
        try put(nSamples, .nSamples)
        try put(passAtK, .passAtK)
        try put(skippedK, .skippedK)
        try put(statusCounts, .statusCounts)
        try put(problemsWithoutSamples, .problemsWithoutSamples)
        try put(tamperSuspects, .tamperSuspects)
        try put(inputIssues, .inputIssues)
        try put(complete, .complete)
        try put(settings, .settings)
        try container.encodeIfPresent(taxonomy, forKey: DynamicKey(CodingKeys.taxonomy.rawValue))
        for (name, section) in sections { try container.encode(section, forKey: DynamicKey(name)) }
        func putIfPresent<T: Encodable>(_ value: T?, _ key: CodingKeys) throws {
            try container.encodeIfPresent(value, forKey: DynamicKey(key.rawValue))
        }
        try putIfPresent(split, .split)
        try putIfPresent(calibrated, .calibrated)
        try putIfPresent(passAtKRaw, .passAtKRaw)
        try putIfPresent(excluded, .excluded)
        try putIfPresent(groundTruth, .groundTruth)
        try putIfPresent(domains, .domains)
        try putIfPresent(effAtK, .effAtK)
        try putIfPresent(efficiency, .efficiency)
    }

    /// What the ground-truth gate found (BigCodeBench).
    public struct GroundTruthSummary: Sendable, Codable, Equatable {
        /// Canonical solutions run, and how many passed.
        public var checked: Int
        public var passed: Int
        /// Canonical solutions that ran and failed for environment reasons (they are in `excluded`).
        public var environmentFailures: Int
        /// passed / (checked − environment_failures): the share of the tasks this machine can
        /// score whose canonical solution passes.
        public var passRate: Double
        /// Canonical solutions that failed for reasons other than the environment: task → detail.
        public var failures: [String: String]
        /// Distinct libraries the tasks need, and those this interpreter lacks.
        public var libraries: Int
        public var missingLibraries: [String]
        /// Gate run in the store.
        public var run: Int64?

        public init(
            checked: Int, passed: Int, environmentFailures: Int, failures: [String: String], libraries: Int, missingLibraries: [String],
            run: Int64?
        ) {
            self.checked = checked
            self.passed = passed
            self.environmentFailures = environmentFailures
            let scorable = checked - environmentFailures
            passRate = scorable <= 0 ? 0 : Double(passed) / Double(scorable)
            self.failures = failures
            self.libraries = libraries
            self.missingLibraries = missingLibraries
            self.run = run
        }

        enum CodingKeys: String, CodingKey {
            case checked, passed, environmentFailures = "environment_failures", passRate = "pass_rate", failures, libraries, missingLibraries = "missing_libraries", run
        }
    }

    /// pass@k of one domain.
    public struct DomainScore: Sendable, Codable, Equatable {
        public var nProblems: Int
        public var passAtK: [String: Double]

        enum CodingKeys: String, CodingKey {
            case nProblems = "n_problems", passAtK = "pass_at_k"
        }
    }

    /// Scores a run: per problem n (samples) and c (passes), then the benchmark mean.
    public static func make(
        run: Int64, spec: RunSpec, problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome],
        ks: [Int], inputIssues: Int, complete: Bool, diagnoses: [SampleKey: SampleDiagnosis]? = nil, classifier: String = "",
        excluded: [String: String] = [:]
    ) throws -> RunSummary {
        // Tasks the environment cannot score (BigCodeBench's ground-truth gate) are left out.
        let samples = excluded.isEmpty ? samples : samples.filter { excluded[$0.taskID] == nil }
        var counts: [String: PassAtK.Counts] = [:]
        var statusCounts = Dictionary(uniqueKeysWithValues: Status.allCases.map { ($0.rawValue, 0) })
        var tamper = 0
        for sample in samples {
            var entry = counts[sample.taskID, default: PassAtK.Counts(n: 0, c: 0)]
            entry.n += 1
            if let outcome = outcomes[sample.key] {
                statusCounts[outcome.status.rawValue, default: 0] += 1
                if outcome.status == .passed { entry.c += 1 }
                if !outcome.tamper.isEmpty { tamper += 1 }
            }
            counts[sample.taskID] = entry
        }
        // Problems in the set's order, as the anchors average them.
        let ordered = problemSet.problems.compactMap { counts[$0.taskID] }
        var passAtK: [String: Double] = [:]
        var skipped: [Int] = []
        if !ordered.isEmpty {
            let report = try PassAtK.report(ordered, ks: ks)
            for (k, value) in report.values { passAtK[String(k)] = value }
            skipped = report.skipped
        }
        var summary = RunSummary(
            runID: run, problems: spec.problemSetName, problemSetHash: spec.problemSetHash, samplesSource: spec.samplesSource,
            nProblems: ordered.count, nSamples: samples.count, passAtK: passAtK, skippedK: skipped, statusCounts: statusCounts,
            problemsWithoutSamples: problemSet.problems.count { excluded[$0.taskID] == nil } - ordered.count,
            tamperSuspects: tamper, inputIssues: inputIssues,
            complete: complete, settings: spec.settings,
            taxonomy: diagnoses.map { TaxonomySummary.make(samples: samples, outcomes: outcomes, diagnoses: $0, classifier: classifier) })
        summary.sections = try SectionSummary.make(problemSet: problemSet, samples: samples, outcomes: outcomes, ks: ks)
        summary.excluded = excluded.isEmpty ? nil : excluded
        return summary
    }
    /// pass@k per domain: each scored task counts in every domain its libraries belong to.
    /// A k is left out of a domain when one of its tasks has fewer samples.
    public static func domainScores(
        problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome], ks: [Int],
        excluded: [String: String], domainsOf: (Problem) -> [String]
    ) throws -> [String: DomainScore] {
        var counts: [String: PassAtK.Counts] = [:]
        for sample in samples where excluded[sample.taskID] == nil {
            var entry = counts[sample.taskID, default: PassAtK.Counts(n: 0, c: 0)]
            entry.n += 1
            if outcomes[sample.key]?.status == .passed { entry.c += 1 }
            counts[sample.taskID] = entry
        }
        var byDomain: [String: [PassAtK.Counts]] = [:]
        for problem in problemSet.problems {
            guard let entry = counts[problem.taskID] else { continue }
            for domain in Set(domainsOf(problem)) { byDomain[domain, default: []].append(entry) }
        }
        var scores: [String: DomainScore] = [:]
        for (domain, entries) in byDomain {
            let report = try PassAtK.report(entries, ks: ks)
            scores[domain] = DomainScore(
                nProblems: entries.count, passAtK: Dictionary(uniqueKeysWithValues: report.values.map { (String($0.key), $0.value) }))
        }
        return scores
    }
}

/// One section of a run's score (HumanEval+ `base` or `plus`): a sample counts as passing a
/// section when its outcome record says so under `scores` (HumanEval+'s `plus` requires base
/// and plus, as evalplus's pass@k does), and its status in that section is `splits.<name>.status`.
public struct SectionSummary: Sendable, Codable, Equatable {
    public var passAtK: [String: Double]
    public var skippedK: [Int]
    /// Section status → count (`pass`, `fail`, `timeout` for HumanEval+).
    public var statusCounts: [String: Int]

    enum CodingKeys: String, CodingKey {
        case passAtK = "pass_at_k", skippedK = "skipped_k", statusCounts = "status_counts"
    }

    static func make(problemSet: ProblemSet, samples: [Sample], outcomes: [SampleKey: ExecutionOutcome], ks: [Int]) throws -> [String: SectionSummary] {
        var names: [String] = []
        for sample in samples {
            for name in outcomes[sample.key]?.record?["scores"]?.objectValue?.keys.sorted() ?? [] where !names.contains(name) {
                names.append(name)
            }
        }
        var sections: [String: SectionSummary] = [:]
        for name in names {
            var counts: [String: PassAtK.Counts] = [:]
            var statuses: [String: Int] = [:]
            for sample in samples {
                var entry = counts[sample.taskID, default: PassAtK.Counts(n: 0, c: 0)]
                entry.n += 1
                if let record = outcomes[sample.key]?.record {
                    if record["scores"]?[name]?.boolValue == true { entry.c += 1 }
                    if let status = record["splits"]?[name]?["status"]?.stringValue { statuses[status, default: 0] += 1 }
                }
                counts[sample.taskID] = entry
            }
            let ordered = problemSet.problems.compactMap { counts[$0.taskID] }
            guard !ordered.isEmpty else { continue }
            let report = try PassAtK.report(ordered, ks: ks)
            sections[name] = SectionSummary(
                passAtK: Dictionary(uniqueKeysWithValues: report.values.map { (String($0.key), $0.value) }),
                skippedK: report.skipped, statusCounts: statuses)
        }
        return sections
    }
}
