import ArgumentParser
import AssayCore
import Foundation
import Generation
import ProblemSets
import Reporting
import Storage
import Synchronization

/// `assay generate`: ask a model for samples, record every request, write evalplus samples.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate samples from a model server (OpenAI-compatible or Anthropic) into evalplus-format files.",
        discussion: """
            Every request and answer is stored in the database before and after it is sent, so an \
            interrupted generation resumes where it stopped and never asks again for a stored answer. \
            Writes <out>/samples.jsonl ({task_id, solution}), samples.raw.jsonl (raw answers, finish \
            reasons, extraction status) and generation.json (calls, tokens, wall time).

            vLLM:   --base-url http://localhost:8000/v1 --model <served model name>
            Ollama: --base-url http://localhost:11434/v1 --model <model:tag>
            """)

    @Option(name: .long, help: ArgumentHelp("Problem set: a short name (humaneval, assay-mini) or a .jsonl[.gz] path.", valueName: "name|path"))
    var problems: String

    @Option(name: .long, help: ArgumentHelp("Output folder (default: assay-out/gen-<key>).", valueName: "dir"))
    var out: String?

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        do {
            try await generate()
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
    }

    private func generate() async throws {
        let started = ContinuousClock.now
        let problemSet = try DatasetCatalog.load(problems)
        let prepared = try await modelOptions.prepare(problems: problemSet)
        Console.info("problems: \(problemSet.name) (\(problemSet.problems.count) problems, \(problemSet.source))")
        Console.info("model: \(prepared.description)")
        let database = try SQLiteStore(path: store.db)
        let n = modelOptions.n
        let generator = Generator(
            source: prepared.source, ledger: database, config: prepared.config, n: n, inFlight: modelOptions.concurrency * 2,
            progress: TerminalProgress(enabled: !quiet))
        let collected = SampleCollector()
        var failure: String?
        var report = GenerationReport()
        do {
            report = try await generator.run(problemSet) { sample, _ in collected.add(sample) }
        } catch let error as ModelServerError {
            failure = "\(error)"
        } catch let error as GenerationFailure {
            failure = "\(error)"
        }
        for notice in report.notices + (prepared.client?.takeNotices() ?? []) { Console.warn(notice) }
        let order = Dictionary(problemSet.problems.enumerated().map { ($1.taskID, $0) }, uniquingKeysWith: { a, _ in a })
        let samples = collected.all.sorted { (order[$0.key.taskID] ?? .max, $0.key.index) < (order[$1.key.taskID] ?? .max, $1.key.index) }
        let ledger = prepared.client == nil ? nil : try await database.totals(key: prepared.config.key)
        let complete = failure == nil && report.failures.isEmpty && samples.count == problemSet.problems.count * n
            || prepared.config.api == "replay"
        let summary = GenerationSummary(
            problems: problemSet.name, api: prepared.config.api, model: prepared.config.model, baseURL: prepared.config.baseURL,
            template: prepared.config.template, generationKey: prepared.config.key, n: n, decoding: modelOptions.decodingJSON,
            samples: samples, generatedNow: report.generatedNow, reused: report.reused, calls: report.calls, attempts: report.attempts,
            tokensIn: report.inputTokens, tokensOut: report.outputTokens, ledger: ledger,
            wallSeconds: ModelClient.seconds(ContinuousClock.now - started), failed: report.failures.count, notices: report.notices,
            complete: complete)
        let outDir = URL(fileURLWithPath: out ?? "assay-out/gen-\(prepared.config.key.prefix(12))")
        try GenerationFiles.write(samples: samples, problemSet: problemSet, summary: summary, to: outDir)

        print("\(problemSet.name): \(problemSet.problems.count) problems × \(n) samples from \(prepared.description)")
        print(summary.terminalLines(), terminator: "")
        print("wrote \(outDir.path)/samples.jsonl, samples.raw.jsonl and generation.json")
        GenerationAdvice.printWarnings(summary: summary)
        if let failure {
            Console.error("\(failure)\n  \(samples.count) samples are stored; rerun the same command to resume")
            throw ExitCode(1)
        }
        if !report.failures.isEmpty {
            let first = report.failures.sorted { $0.key < $1.key }.first!
            Console.error("\(report.failures.count) samples could not be generated (first: \(first.key): \(first.value)); rerun the same command to ask again")
            throw ExitCode(1)
        }
    }
}

/// Samples collected from the generator's concurrent callbacks.
final class SampleCollector: Sendable {
    private let items = Mutex<[GeneratedSample]>([])
    func add(_ sample: GeneratedSample) { items.withLock { $0.append(sample) } }
    var all: [GeneratedSample] { items.withLock { $0 } }
}

enum GenerationAdvice {
    static func printWarnings(summary: GenerationSummary) {
        let truncated = (summary.extraction["truncated"] ?? 0) + (summary.extraction["truncated_reasoning"] ?? 0)
        if truncated > 0 {
            Console.warn("\(truncated) answers hit the token limit (--max-tokens \(summary.decoding["max_tokens"]?.intValue ?? 0)); raise it for reasoning models")
        }
    }
}
