import Analysis
import ArgumentParser
import AssayCore
import Execution
import Foundation
import Generation
import Pipeline
import ProblemSets
import Reporting
import Repair
import Storage

/// `assay repair`: the self-critique repair loop over a stored run's failing samples.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Ask the model to fix the failing samples of a run, round by round, and report the gain.",
        discussion: """
            Conditions (one per run): resample (no feedback: the original prompt again, a baseline at \
            equal cost), tests (the first failing feedback test and its error), taxonomy (tests plus \
            the diagnosed bug type, its definition and evidence: Dou et al.'s setting), static \
            (taxonomy plus static-analysis findings), selfdiagnosis (tests plus the list of bug types; \
            the model names the type itself). Feedback comes from the docstring examples \
            (HumanEval+: HumanEval's base tests); scoring uses all tests (HumanEval+: the base and plus \
            inputs, with the HumanEval+ options given to evaluate). A sample leaves the loop when its code passes the feedback tests, \
            repeats an earlier round, or the rounds run out. Rerunning the same command resumes.
            """)

    @Option(name: .customLong("from"), help: ArgumentHelp("The run to repair: its id, or latest.", valueName: "run"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("Repair rounds.", valueName: "R"))
    var rounds: Int = 2

    @Option(name: .long, help: ArgumentHelp("resample | tests | taxonomy | static | selfdiagnosis", valueName: "c"))
    var condition: String

    @Option(name: .long, help: ArgumentHelp("Problem set of the run, when it cannot be found by its name.", valueName: "name|path"))
    var problems: String?

    @Option(name: .long, help: ArgumentHelp("Output folder for repair.json (default: assay-out/repair-<id>).", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("k values for pass@k per round over each task's repaired samples (k ≥ 2 needs n ≥ k samples per task).", valueName: "k,k,…"))
    var k: String = "1,10,100"

    @Flag(name: .long, help: "Start a new repair run even if an identical one exists.")
    var fresh = false

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "HumanEval+ (input/output tasks)") var io: IOOptions
    @OptionGroup var sandbox: SandboxOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard RepairCondition(rawValue: condition) != nil else {
            throw ValidationError("--condition must be one of: \(RepairCondition.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try parseKs(k)
        guard rounds >= 1 && rounds <= 20 else { throw ValidationError("--rounds must be between 1 and 20") }
        guard modelOptions.apiKind.usesServer else { throw ValidationError("assay repair asks a model: give --model and --base-url") }
    }

    func run() async throws {
        do {
            try await repair()
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
    }

    private func repair() async throws {
        let condition = RepairCondition(rawValue: self.condition)!
        let limits = try sandbox.limits()
        let database = try SQLiteStore(path: store.db)
        let source = try await sourceRun(database)
        let problemSet = try DatasetCatalog.load(problems ?? source.spec.problemSetName)
        guard problemSet.hash == source.spec.problemSetHash else {
            throw InputError(
                "run \(source.id) was made on a problem set with hash \(source.spec.problemSetHash.prefix(12))…, not \(problemSet.source)",
                hint: "pass the run's problem file with --problems")
        }
        let isPlus = problemSet.format == HumanEvalPlusFormat.format
        let feedback: RepairLoop.FeedbackTests = isPlus ? .baseTests : .docstringExamples
        guard problemSet.format == HumanEvalFormat.format || isPlus else {
            throw InputError(
                "assay repair scores HumanEval-format and HumanEval+ problem sets; run \(source.id) is on a \(problemSet.format) problem set",
                hint: "repair a run on humaneval, humanevalplus, assay-mini or your own HumanEval-format file")
        }
        let samples = try await database.samples(run: source.id)
        let start = try await database.outcomes(run: source.id)
        guard !samples.isEmpty, samples.allSatisfy({ start[$0.key] != nil }) else {
            throw InputError("run \(source.id) is not complete (some samples have no verdict)", hint: "finish it first: rerun its command")
        }

        let sandboxConfiguration = try sandbox.configuration()
        let executor = SandboxExecutor(configuration: sandboxConfiguration)
        defer { executor.shutdown() }
        let analyzer = StaticAnalyzer(executor: executor, concurrency: sandboxConfiguration.slots)

        // HumanEval+: rounds are scored as evaluate scores them (base and plus inputs against the
        // cached expected outputs), with the same options as the source run.
        var scorer: HarnessScorer?
        if isPlus {
            let expected = try await io.expectedOutputs(
                problemSet, store: database, executor: executor, python: sandboxConfiguration.python, memoryBytes: limits.memoryBytes,
                slots: sandboxConfiguration.slots, host: runHostFacts(sandboxConfiguration), quiet: quiet)
            let harness = HumanEvalPlusHarness(settings: try io.settings(), expected: expected, problems: problemSet)
            if let used = source.spec.settings["harness"], used != harness.name {
                Console.warn("run \(source.id) was scored with \(used); its repair rounds are scored with \(harness.name): give evaluate's HumanEval+ options to compare like with like")
            }
            scorer = HarnessScorer(harness: harness, executor: executor)
        }

        // Round-0 labels of the source run (computed now if its evaluation skipped them).
        let startDiagnoses = try await DiagnosisStage(store: database, analyzer: analyzer, progress: TerminalProgress(enabled: !quiet))
            .run(run: source.id, problems: problemSet.byTaskID, samples: samples, outcomes: start).diagnoses

        let prepared = try await modelOptions.prepare(problems: problemSet)
        guard let client = prepared.client, let template = prepared.template else {
            throw ValidationError("assay repair asks a model: give --model and --base-url")
        }
        if source.spec.samplesSource.hasPrefix("model:"), source.spec.samplesSource != "model:\(prepared.config.model)@\(prepared.config.baseURL)" {
            Console.warn("run \(source.id) was generated by \(source.spec.samplesSource.dropFirst(6)); repairing with \(prepared.config.model) at \(prepared.config.baseURL)")
        }
        let critique = try CritiquePrompt.load(from: try Resources.problems().appendingPathComponent("repair"))
        let samplesPerTask = Dictionary(grouping: samples, by: \.taskID).values.map(\.count).max() ?? 1

        let spec = RunSpec(
            kind: "repair", problemSetName: problemSet.name, problemSetHash: problemSet.hash, samplesSource: "run:\(source.id)",
            samplesHash: source.spec.key,
            settings: [
                "condition": condition.rawValue, "rounds": String(rounds), "generation_key": prepared.config.key,
                "critique": critique.hash, "classifier": BugClassifier.version, "extractor": CodeExtractor.version,
                "wall_ms": String(limits.wallMS), "cpu_ms": String(limits.cpuMS), "memory_bytes": String(limits.memoryBytes),
                "python": sandboxConfiguration.python,
            ].merging(scorer.map { ["harness": $0.harness.name] } ?? [:]) { first, _ in first })
        let (run, resumed) = try await database.openRun(spec, fresh: fresh, host: runHostFacts(sandboxConfiguration))
        try await database.saveSamples(samples, run: run)
        let stored = try await database.outcomes(run: run, round: 0)
        for sample in samples where stored[sample.key] == nil {
            try await database.recordOutcome(start[sample.key]!, for: sample.key, run: run, round: 0)
        }
        Console.info("repair run \(run)\(resumed ? " (resumed)" : ""): \(condition.rawValue), \(rounds) rounds, run \(source.id) of \(problemSet.name), model \(prepared.description)")

        let loop = RepairLoop(
            model: client, executor: executor, store: database, analyzer: analyzer, critique: critique, generationTemplate: template,
            configuration: RepairLoop.Configuration(
                condition: condition, rounds: rounds, limits: limits, seed: modelOptions.seed, samplesPerTask: samplesPerTask,
                concurrency: modelOptions.concurrency, feedback: feedback),
            progress: TerminalProgress(enabled: !quiet), scorer: scorer)
        let outcome = try await loop.run(run: run, problems: problemSet.byTaskID, samples: samples, start: start, startDiagnoses: startDiagnoses)

        let report = RepairReport.make(
            sourceRun: source.id, repairRun: run, condition: condition.rawValue, maxRounds: rounds,
            problemOrder: problemSet.problems.map(\.taskID), samples: samples, start: start, attempts: outcome.attempts,
            labels: outcome.labels, oracleFeedbackTasks: outcome.oracleFeedbackTasks, feedback: feedback,
            ks: try parseKs(k))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let outDir = URL(fileURLWithPath: out ?? "assay-out/repair-\(run)")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        try (encoder.encode(report) + Data("\n".utf8)).write(to: outDir.appendingPathComponent("repair.json"), options: .atomic)
        if outcome.failures.isEmpty { try await database.finishRun(run, encoding: report) }
        print(report.render(), terminator: "")
        print("wrote \(outDir.path)/repair.json")
        try Console.failOnInfrastructure(outcome.failures, couldNotBe: "repaired")
    }

    private func sourceRun(_ database: SQLiteStore) async throws -> RunRecord {
        if from == "latest" {
            guard let latest = try await database.runs().first(where: { $0.spec.kind != "repair" }) else {
                throw InputError("the database \(store.db) holds no run to repair", hint: "run assay evaluate or assay run first")
            }
            return latest
        }
        guard let id = Int64(from), let record = try await database.runRecord(id) else {
            throw InputError("no run '\(from)' in \(store.db)", hint: "give a run id (see the runs table) or latest")
        }
        guard record.spec.kind != "repair" else {
            throw InputError("run \(id) is itself a repair run", hint: "repair the evaluation run it came from")
        }
        return record
    }
}

/// A harness (HumanEval+'s) as the repair loop's scorer: a round's code is one sample.
struct HarnessScorer: RepairScorer {
    let harness: HumanEvalPlusHarness
    let executor: any CodeExecutor

    func score(problem: Problem, solution: String, limits: ExecutionLimits) async throws -> ExecutionOutcome {
        let sample = Sample(key: SampleKey(taskID: problem.taskID, index: 0), body: .solution(solution))
        return try await harness.evaluate(problem: problem, sample: sample, limits: limits, executor: executor)
    }
}
