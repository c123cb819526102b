import ArgumentParser
import AssayCore
import Execution
import FoundationEssentials
import Pipeline
import ProblemSets
import Reporting
import Storage

extension EvaluateCommand {
    /// The efficiency run: ENAMEL problems, serial timing stage, eff@k.
    func evaluateEnamel(
        problemSet: ProblemSet, samples: [Sample], oversized: [SampleKey: Int], issues: [InputIssue], samplesSource: String,
        samplesHash: String, ks: [Int]
    ) async throws {
        if let jobs = sandbox.jobs, jobs != 1 {
            throw ValidationError("efficiency runs time one sample at a time on one core: use --jobs 1 (or leave it out)")
        }
        let levels = problemSet.problems.first?.extras["input_levels"]?.arrayValue?.count ?? 0
        let settings = try efficiency.settings(memoryMiB: sandbox.memory, levels: levels)
        let configuration = try sandbox.configuration(slots: 1)
        let harness = EnamelHarness(settings: settings)
        var specSettings = settings.specSettings
        specSettings["harness"] = harness.name
        specSettings["python"] = configuration.python
        specSettings["max_sample_bytes"] = String(maxSampleBytes)
        let spec = RunSpec(
            kind: "evaluate", problemSetName: problemSet.name, problemSetHash: problemSet.hash, samplesSource: samplesSource,
            samplesHash: samplesHash, settings: specSettings)
        let counters = TimingHost.instructionCounters()
        let loadAtStart = TimingHost.loadAverage()
        var host = runHostFacts(configuration)
        host["cpu_model"] = TimingHost.cpuModel()
        host["instruction_counts"] = counters
        host["load_at_start"] = loadAtStart.map { String($0) }.joined(separator: " ")

        Console.info("problems: \(problemSet.name) (\(problemSet.problems.count) problems, \(problemSet.source))")
        Console.info("timing: CPU time of the sandboxed child, one process at a time; instruction counts \(counters)")
        Console.info("load average at start: \(loadAtStart.map { String($0) }.joined(separator: " ")) on \(host["cores"] ?? "?") cores")

        let database = try SQLiteStore(path: store.db)
        let executor = SandboxExecutor(configuration: configuration)
        defer { executor.shutdown() }
        let evaluation = EnamelEvaluation(store: database, executor: executor, progress: TerminalProgress(enabled: !quiet))
        let result = try await evaluation.run(EnamelPlan(
            problems: problemSet, samples: samples, oversized: oversized, spec: spec, fresh: fresh, settings: settings, host: host,
            python: configuration.python))
        if result.resumed {
            Console.info("run \(result.run): resumed; \(result.problemsTimedNow) problems timed now")
        }
        let loadAtEnd = TimingHost.loadAverage()

        var summary = try RunSummary.make(
            run: result.run, spec: spec, problemSet: problemSet, samples: result.samples, outcomes: result.outcomes,
            ks: ks, inputIssues: issues.count, complete: result.isComplete)
        let scores = result.scores
        let nLevels = settings.hardness.count
        var levelSums = [Double](repeating: 0, count: nLevels)
        var stopped = [Int](repeating: 0, count: nLevels)
        var referenceSums = [Double](repeating: 0, count: nLevels)
        var referenceCount = 0
        var seenTasks = Set<String>()
        for score in scores.values.sorted(by: { $0.key < $1.key }) {
            for j in 0..<min(nLevels, score.levels.count) { levelSums[j] += score.levels[j] }
            if score.passed, let at = score.stoppedAt, at < nLevels { stopped[at] += 1 }
            if seenTasks.insert(score.key.taskID).inserted, score.references.count == nLevels {
                for j in 0..<nLevels { referenceSums[j] += score.references[j] }
                referenceCount += 1
            }
        }
        let disagreements = result.referenceDisagreement.sorted()
        let details = EfficiencySummary(
            timing: "cpu", instructionCounts: counters,
            levelMeans: levelSums.map { scores.isEmpty ? 0 : $0 / Double(scores.count) }, stoppedAtLevel: stopped,
            referenceMeansS: referenceSums.map { referenceCount == 0 ? 0 : $0 / Double(referenceCount) }, retries: result.retries, remeasuredReps: result.remeasured, contendedReruns: result.contendedReruns,
            calibrationNS: result.calibrationNS,
            referenceDisagreementMedian: disagreements.isEmpty ? nil : disagreements[disagreements.count / 2],
            changedTests: result.changedTests, loadAtStart: loadAtStart, loadAtEnd: loadAtEnd, cpuModel: host["cpu_model"] ?? "",
            settings: settings.specSettings)
        try summary.addEfficiency(problemSet: problemSet, samples: result.samples, scores: scores, ks: ks, details: details)
        let lines = ResultFiles.lines(problemSet: problemSet, samples: result.samples, outcomes: result.outcomes, scores: scores)
        let outDir = URL(fileURLWithPath: out ?? "assay-out/run-\(result.run)")
        try ResultFiles.write(lines: lines, summary: summary, to: outDir)
        if result.isComplete { try await database.finishRun(result.run, encoding: summary) }

        print(TerminalTable.render(summary, title: Console.runTitle(problemSet.name, summary, run: result.run)), terminator: "")
        print("  load        \(loadAtStart.map { String($0) }.joined(separator: " ")) at start, \(loadAtEnd.map { String($0) }.joined(separator: " ")) at end")
        if !result.changedTests.isEmpty {
            Console.warn("\(result.changedTests.count) generated test levels differ from an earlier run with the same seed and interpreter (first: \(result.changedTests[0]))")
        }
        print("wrote \(outDir.path)/results.jsonl and summary.json")
        try Console.failOnInfrastructure(result.infrastructureFailures, couldNotBe: "timed")
    }
}
