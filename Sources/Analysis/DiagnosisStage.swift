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
    public func run(
        run: RunID, round: Int = 0, problems: [String: Problem], samples: [Sample], outcomes: [SampleKey: ExecutionOutcome],
        extraction: [SampleKey: String] = [:]
    ) async throws -> Result {
        var diagnoses = try await store.diagnoses(run: run, round: round).filter { $0.value.classifier == BugClassifier.version }
        let todo = samples.filter { diagnoses[$0.key] == nil && outcomes[$0.key] != nil && problems[$0.taskID] != nil }
        guard !todo.isEmpty else { return Result(diagnoses: diagnoses, analysedNow: 0) }

        // Samples too large to execute are not analysed either (they are labelled from their verdict).
        let items = todo.map { AnalysisItem(problem: problems[$0.taskID]!, sample: $0, outcome: outcomes[$0.key]) }
            .filter { $0.code.utf8.count <= Self.maxAnalysisBytes }
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
            let label = BugClassifier.classify(
                outcome: outcome, analysis: analysis, entryPoint: problem.entryPoint, extraction: extraction[sample.key])
            let diagnosis = SampleDiagnosis(
                key: sample.key, label: label, complexity: analysis?.complexity, findings: analysis?.raw,
                classifier: BugClassifier.version)
            fresh.append(diagnosis)
            diagnoses[sample.key] = diagnosis
        }
        try await store.saveDiagnoses(fresh, run: run, round: round)
        return Result(diagnoses: diagnoses, analysedNow: fresh.count)
    }
}
