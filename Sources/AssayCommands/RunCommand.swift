import Analysis
import ArgumentParser
import AssayCore
import Execution
import Foundation
import Generation
import Pipeline
import ProblemSets
import Reporting
import Storage

/// `assay run`: generate and evaluate in one pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate samples from a model and evaluate them in the sandbox, in one pipeline.",
        discussion: """
            Each sample is executed as soon as it is generated. Requests, answers and verdicts are \
            stored as they happen: rerunning the same command resumes, without asking the model again \
            for a stored answer or executing a stored sample again. The final table is evaluate's, \
            plus model calls, tokens and wall time.

            vLLM:   --base-url http://localhost:8000/v1 --model <served model name>
            Ollama: --base-url http://localhost:11434/v1 --model <model:tag>
            """)

    @Option(name: .long, help: ArgumentHelp("Problem set: a short name (humaneval, assay-mini) or a .jsonl[.gz] path.", valueName: "name|path"))
    var problems: String

    @Option(name: .long, help: ArgumentHelp("Output folder (default: assay-out/run-<id>).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Comma-separated k values for pass@k.", valueName: "k,k,…"))
    var k: String = "1,10,100"

    @Flag(name: .long, help: "Start a new run (stored model answers are still reused).")
    var fresh = false

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @Flag(name: .customLong("no-taxonomy"), help: "Skip the static analysis and bug labels of failing samples.")
    var noTaxonomy = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        do {
            try await runPipeline()
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
    }

    private func runPipeline() async throws {
        let started = ContinuousClock.now
        let ks = try parseKs(k)
        let limits = try sandbox.limits()
        let problemSet = try DatasetCatalog.load(problems)
        let configuration = try sandbox.configuration()
        let prepared = try await modelOptions.prepare(problems: problemSet)
        Console.info("problems: \(problemSet.name) (\(problemSet.problems.count) problems, \(problemSet.source))")
        Console.info("model: \(prepared.description)")

        let harness = HumanEvalHarness()
        let n = modelOptions.n
        let spec = RunSpec(
            kind: "run", problemSetName: problemSet.name, problemSetHash: problemSet.hash,
            samplesSource: prepared.config.api == "replay" || prepared.config.api == "reference"
                ? prepared.config.api : "model:\(prepared.config.model)@\(prepared.config.baseURL)",
            samplesHash: prepared.config.key,
            settings: [
                "harness": harness.name, "wall_ms": String(limits.wallMS), "cpu_ms": String(limits.cpuMS),
                "memory_bytes": String(limits.memoryBytes), "output_bytes": String(limits.outputBytes),
                "python": configuration.python, "n": String(n), "generation_key": prepared.config.key,
                "extractor": CodeExtractor.version,
            ])
        let host = runHostFacts(configuration)

        let database = try SQLiteStore(path: store.db)
        let executor = SandboxExecutor(configuration: configuration)
        defer { executor.shutdown() }
        let generator = Generator(
            source: prepared.source, ledger: database, config: prepared.config, n: n, inFlight: modelOptions.concurrency * 2)
        let pipeline = RunPipeline(
            store: database, executor: executor, harness: harness, generator: generator, progress: TerminalProgress(enabled: !quiet))
        let result = try await pipeline.run(RunPlan(
            problems: problemSet, spec: spec, fresh: fresh, limits: limits, inFlight: configuration.slots * 2, host: host))
        if result.resumed {
            Console.info("run \(result.run): resumed; \(result.generation.reused) stored answers reused, \(result.reusedOutcomes) stored outcomes reused, \(result.executedNow) executed now")
        }
        for notice in result.generation.notices + (prepared.client?.takeNotices() ?? []) { Console.warn(notice) }

        // Bug labels, with each sample's extraction status (no code, no entry point, truncated).
        var diagnoses: [SampleKey: SampleDiagnosis]?
        if !noTaxonomy {
            let stage = DiagnosisStage(
                store: database, analyzer: StaticAnalyzer(executor: executor, concurrency: configuration.slots),
                progress: TerminalProgress(enabled: !quiet))
            let extraction = Dictionary(result.generated.map { ($0.key, $0.status.rawValue) }, uniquingKeysWith: { first, _ in first })
            diagnoses = try await stage.run(
                run: result.run, problems: problemSet.byTaskID, samples: result.samples, outcomes: result.outcomes,
                extraction: extraction).diagnoses
        }
        let summary = try RunSummary.make(
            run: result.run, spec: spec, problemSet: problemSet, samples: result.samples, outcomes: result.outcomes, ks: ks,
            inputIssues: 0, complete: result.isComplete, diagnoses: diagnoses, classifier: BugClassifier.version)
        let ledger = prepared.client == nil ? nil : try await database.totals(key: prepared.config.key)
        let report = result.generation
        let generation = GenerationSummary(
            problems: problemSet.name, api: prepared.config.api, model: prepared.config.model, baseURL: prepared.config.baseURL,
            template: prepared.config.template, generationKey: prepared.config.key, n: n, decoding: modelOptions.decodingJSON,
            samples: result.generated, generatedNow: report.generatedNow, reused: report.reused, calls: report.calls,
            attempts: report.attempts, tokensIn: report.inputTokens, tokensOut: report.outputTokens, ledger: ledger,
            wallSeconds: ModelClient.seconds(ContinuousClock.now - started), failed: report.failures.count, notices: report.notices,
            complete: result.generationError == nil && report.failures.isEmpty)
        let outDir = URL(fileURLWithPath: out ?? "assay-out/run-\(result.run)")
        try ResultFiles.write(
            lines: ResultFiles.lines(problemSet: problemSet, samples: result.samples, outcomes: result.outcomes, diagnoses: diagnoses),
            summary: summary, to: outDir)
        try GenerationFiles.write(samples: result.generated, problemSet: problemSet, summary: generation, to: outDir)
        if result.isComplete { try await database.finishRun(result.run, encoding: summary) }

        print(TerminalTable.render(summary, title: Console.runTitle(problemSet.name, summary, run: result.run)), terminator: "")
        print(generation.terminalLines(), terminator: "")
        print("wrote \(outDir.path)/results.jsonl, summary.json, samples.jsonl, samples.raw.jsonl and generation.json")
        GenerationAdvice.printWarnings(summary: generation)
        var failed = false
        if let error = result.generationError {
            Console.error("\(error)\n  \(result.samples.count) samples and their verdicts are stored; rerun the same command to resume")
            failed = true
        }
        if !report.failures.isEmpty {
            let first = report.failures.sorted { $0.key < $1.key }.first!
            Console.error("\(report.failures.count) samples could not be generated (first: \(first.key): \(first.value)); rerun the same command to ask again")
            failed = true
        }
        if !result.infrastructureFailures.isEmpty {
            let first = result.infrastructureFailures.sorted { $0.key < $1.key }.first!
            Console.error("\(result.infrastructureFailures.count) samples could not be executed (first: \(first.key): \(first.value)); rerun to retry them")
            failed = true
        }
        if failed { throw ExitCode(1) }
    }
}
