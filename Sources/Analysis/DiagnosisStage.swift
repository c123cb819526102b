public import AssayCore

/// Diagnoses a run's samples after execution: static analysis of every sample (complexity for
/// all, findings for the classifier), then a bug label for each sample that did not pass.
///
/// Resumable like execution: diagnoses already stored for the run and round by the same
/// classifier version are reused; only the rest is analysed.
public struct DiagnosisStage: Sendable {
    public let store: any DiagnosisStore
    public let analyzer: StaticAnalyzer
    public let progress: (any ProgressReporting)?

    public init(store: any DiagnosisStore, analyzer: StaticAnalyzer, progress: (any ProgressReporting)? = nil) {
        self.store = store
        self.analyzer = analyzer
        self.progress = progress
    }

    /// Largest sample analysed (1 MiB, the default limit for executing one).
    public static let maxAnalysisBytes = 1 << 20

    public struct Result: Sendable {
        public var diagnoses: [SampleKey: SampleDiagnosis]
        /// Samples analysed by this call (the others were reused).
        public var analysedNow: Int
    }

    /// - Parameters:
    ///   - extraction: the extraction status per sample, when generation recorded one
    ///     (`ok`, `no_code`, `no_entry_point`, `truncated`).
    ///   - rerunTimeout: when given, every sample that timed out is run once more with ten times
    ///     the limits through this function, to tell a slow algorithm from one that never ends.
    public func run(
        run: RunID, round: Int = 0, problems: [String: Problem], samples: [Sample], outcomes: [SampleKey: ExecutionOutcome],
        extraction: [SampleKey: String] = [:], rerunTimeout: (@Sendable (Sample) async throws -> ExecutionOutcome)? = nil
    ) async throws -> Result {
        var diagnoses = try await store.diagnoses(run: run, round: round).filter { $0.value.classifier == BugClassifier.version }
        let todo = samples.filter { diagnoses[$0.key] == nil && outcomes[$0.key] != nil && problems[$0.taskID] != nil }
        guard !todo.isEmpty else { return Result(diagnoses: diagnoses, analysedNow: 0) }

        var reruns: [SampleKey: ExecutionOutcome] = [:]
        if let rerunTimeout {
            let slow = todo.filter { outcomes[$0.key]?.status == .timeout }
            if !slow.isEmpty {
                progress?.start(total: slow.count, done: 0, label: "rerunning timeouts (10x)")
                for sample in slow {  // one at a time: a 10x budget on a shared machine is long enough
                    reruns[sample.key] = try await rerunTimeout(sample)
                    progress?.advance(by: 1)
                }
                progress?.finish()
            }
        }

        // A timeout rerun that finished is what the analysis compares values with. Samples too
        // large to execute are not analysed either (they are labelled from their verdict).
        let items = todo.map { sample in
            let rerun = reruns[sample.key].flatMap { $0.status == .timeout ? nil : $0 }
            return AnalysisItem(problem: problems[sample.taskID]!, sample: sample, outcome: rerun ?? outcomes[sample.key])
        }.filter { $0.code.utf8.count <= Self.maxAnalysisBytes }
        var analyses: [SampleKey: StaticAnalysis] = [:]
        if !items.isEmpty {
            progress?.start(total: items.count, done: 0, label: "analysing")
            analyses = try await analyzer.analyze(items, progress: progress)
            progress?.finish()
        }

        var fresh: [SampleDiagnosis] = []
        for sample in todo {
            guard let outcome = outcomes[sample.key], let problem = problems[sample.taskID] else { continue }
            let analysis = analyses[sample.key]
            let rerun = reruns[sample.key]
            let label = BugClassifier.classify(
                outcome: outcome, analysis: analysis, entryPoint: problem.entryPoint, extraction: extraction[sample.key],
                timeoutRerun: rerun)
            var findings = analysis?.raw
            if let rerun, case .object(var object) = findings ?? .object([:]) {
                object["timeout_rerun"] = .object(["status": .string(rerun.status.rawValue), "detail": .string(rerun.detail),
                                                   "wall_ms": .double(rerun.wallMS)])
                findings = .object(object)
            }
            let diagnosis = SampleDiagnosis(
                key: sample.key, label: label, complexity: analysis?.complexity, findings: findings,
                classifier: BugClassifier.version)
            fresh.append(diagnosis)
            diagnoses[sample.key] = diagnosis
        }
        try await store.saveDiagnoses(fresh, run: run, round: round)
        return Result(diagnoses: diagnoses, analysedNow: fresh.count)
    }
}
