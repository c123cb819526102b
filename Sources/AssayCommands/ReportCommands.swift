import ArgumentParser
import AssayCore
import FoundationEssentials
import Reporting
import Scoring
import Storage

/// Options of the commands that read stored runs.
struct ReadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file.", valueName: "path"))
    var db: String = "assay.sqlite"

    /// Opens the database, refusing to create one where the user expected runs.
    func store() throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: db) else {
            throw UserFacingError(description: "no database at \(db): run `assay evaluate` first, or pass --db <path>")
        }
        return try SQLiteStore(path: db)
    }
}

/// Options of the bootstrap intervals.
struct IntervalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Bootstrap replicates for the 95% intervals.", valueName: "n"))
    var replicates: Int = BootstrapSettings.standard.replicates

    @Option(name: .long, help: ArgumentHelp("Seed of the bootstrap (same seed, same intervals).", valueName: "n"))
    var seed: UInt64 = BootstrapSettings.standard.seed

    func settings() throws -> BootstrapSettings {
        guard replicates >= 100, replicates <= 1_000_000 else { throw ValidationError("--replicates must be between 100 and 1000000") }
        return BootstrapSettings(replicates: replicates, seed: seed, level: 0.95)
    }
}

/// Runs a command body, printing errors as `error: …` with exit status 2.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        Console.error("\(error)")
        throw ExitCode(2)
    }
}

func printText(_ text: String) {
    print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
}

// MARK: - assay runs

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List the runs in the database, newest first.")

    @OptionGroup var read: ReadOptions

    func run() async throws {
        try await reportingErrors {
            let listings = try await read.store().runListings()
            guard !listings.isEmpty else {
                print("no runs in \(read.db)")
                return
            }
            var rows: [[String]] = []
            for listing in listings {
                let complete = listing.executed == listing.samples && listing.samples > 0
                let scored = listing.counts.filter { $0.n > 0 }
                var passAt1 = complete && !scored.isEmpty
                    ? ReportText.number(try PassAtK.report(scored.map { PassAtK.Counts(n: $0.n, c: $0.c) }, ks: [1]).values[1] ?? 0)
                    : "–"
                // A repair run: round 0 → its last round, from the stored repair.json.
                if listing.run.spec.kind == "repair", let text = listing.run.summary,
                    let rounds = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?["rounds"]?.arrayValue,
                    let first = rounds.first?["pass_at_1"]?.doubleValue, let last = rounds.last?["pass_at_1"]?.doubleValue
                {
                    passAt1 = "\(ReportText.number(first)) → \(ReportText.number(last))"
                }
                let status = complete || listing.run.status == "completed"
                    ? listing.run.status : "\(listing.run.status) (\(listing.executed)/\(listing.samples))"
                rows.append([
                    String(listing.run.id), String(listing.run.createdAt.prefix(16)).replacing("T", with: " "), listing.model,
                    listing.run.spec.problemSetName, String(listing.problems), String(listing.samples), passAt1, status,
                ])
            }
            print(TextTable.render(header: ["id", "created (UTC)", "model / samples", "problem set", "problems", "samples", "pass@1", "status"], rows: rows), terminator: "")
        }
    }
}

// MARK: - assay show

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print one task's samples, verdicts, failing tests and errors.")

    @Argument(help: ArgumentHelp("A run id, or `latest`.", valueName: "run"))
    var run: String

    @Argument(help: ArgumentHelp("The task id, e.g. HumanEval/0.", valueName: "task_id"))
    var taskID: String

    @Option(name: .long, help: ArgumentHelp("Only this sample index.", valueName: "n"))
    var sample: Int?

    @OptionGroup var read: ReadOptions

    func run() async throws {
        try await reportingErrors {
            let store = try read.store()
            let id = try await store.resolveRun(run)
            let data = try await store.reportData(run: id)
            guard let task = data.tasks.first(where: { $0.taskID == taskID }) else {
                let known = data.tasks.prefix(3).map(\.taskID).joined(separator: ", ")
                throw UserFacingError(description: "run \(id) has no task '\(taskID)' (its tasks look like: \(known))")
            }
            let samples = task.samples.filter { sample == nil || $0.index == sample }
            if let sample, samples.isEmpty {
                throw UserFacingError(description: "\(taskID) has no sample \(sample) in run \(id) (it has \(task.samples.count))")
            }
            printText(TaskView.render(task, run: id, samples: samples))
        }
    }
}

// MARK: - assay report

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report a run: pass@k with 95% bootstrap intervals, statuses, sections, per-task table.",
        discussion: """
            Prints a text report. --json and --markdown print those formats instead; --html writes one \
            self-contained page (inline CSS, SVG and script; no network access) with a per-task table \
            that filters and sorts, and every sample's code, verdict, failing test and error.
            """)

    @Argument(help: ArgumentHelp("A run id, or `latest`.", valueName: "run"))
    var run: String

    @Option(name: .long, help: ArgumentHelp("Write the HTML report to this file.", valueName: "out.html"))
    var html: String?

    @Flag(name: .long, help: "Print the report as JSON (schema assay-report/1).")
    var json = false

    @Flag(name: .long, help: "Print the report as Markdown.")
    var markdown = false

    @Option(name: .long, help: ArgumentHelp("Comma-separated k values for pass@k (default: the run's own, else 1,10,100).", valueName: "k,k,…"))
    var k: String?

    @OptionGroup var intervals: IntervalOptions
    @OptionGroup var read: ReadOptions

    func validate() throws {
        if json && markdown { throw ValidationError("give at most one of --json and --markdown") }
        if let k { _ = try parseKs(k) }
    }

    /// `--k`, else the k values the run was scored with (its stored summary), else 1,10,100.
    private func ks(for data: ReportData) throws -> [Int] {
        if let k { return try parseKs(k) }
        let stored = (data.summary?["pass_at_k"]?.objectValue?.keys.compactMap { Int($0) } ?? []).sorted()
        return stored.isEmpty ? [1, 10, 100] : stored
    }

    func run() async throws {
        try await reportingErrors {
            let store = try read.store()
            let id = try await store.resolveRun(run)
            let data = try await store.reportData(run: id)
            let report = try RunReport.make(data, options: ReportOptions(ks: try ks(for: data), bootstrap: try intervals.settings()))
            if let html {
                let page = try HTMLReport.render(report, data: data, templates: try Resources.templates())
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
                Console.info("wrote \(html) (\(page.utf8.count / 1024) KiB, \(report.nSamples) samples)")
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                printText(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else if markdown {
                printText(MarkdownReport.render(report))
            } else if html == nil {
                printText(TextReport.render(report))
            }
        }
    }
}

// MARK: - assay compare

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs: Δpass@1 with a paired bootstrap interval and the tasks that flipped.",
        discussion: "Warns when the runs differ in limits, dataset hash, temperature or prompt template.")

    @Argument(help: ArgumentHelp("The baseline run (id or `latest`).", valueName: "runA"))
    var runA: String

    @Argument(help: ArgumentHelp("The run compared with it (id or `latest`).", valueName: "runB"))
    var runB: String

    @Flag(name: .long, help: "Print the comparison as JSON (schema assay-compare/1).")
    var json = false

    @OptionGroup var intervals: IntervalOptions
    @OptionGroup var read: ReadOptions

    func run() async throws {
        try await reportingErrors {
            let store = try read.store()
            let a = try await store.reportData(run: try await store.resolveRun(runA))
            let b = try await store.reportData(run: try await store.resolveRun(runB))
            let comparison = try RunComparison.make(a, b, bootstrap: try intervals.settings())
            for warning in comparison.warnings { Console.warn(warning) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                printText(String(decoding: try encoder.encode(comparison), as: UTF8.self))
            } else {
                printText(comparison.text())
            }
        }
    }
}

// MARK: - assay export

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's results in an anchor's own format (human-eval, evalplus, bigcodebench).",
        discussion: """
            human-eval: <samples>_results.jsonl; evalplus: <samples>.eval_results.json; \
            bigcodebench: <samples>_eval_results.json and <samples>_pass_at_k.json. The SQLite \
            database stays the source of truth; the files are derived from it.
            """)

    @Argument(help: ArgumentHelp("A run id, or `latest`.", valueName: "run"))
    var run: String

    @Option(name: .long, help: ArgumentHelp("human-eval, evalplus or bigcodebench.", valueName: "format"))
    var format: String

    @Option(name: .long, help: ArgumentHelp("Folder to write into (default: the current folder).", valueName: "dir"))
    var out: String = "."

    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard AnchorFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be one of: \(AnchorFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let store = try read.store()
            let id = try await store.resolveRun(run)
            let data = try await store.reportData(run: id)
            let source = data.run.spec.samplesSource
            let samplesName = source == "ground-truth" ? "ground-truth.jsonl" : URL(fileURLWithPath: source).lastPathComponent
            let files = try AnchorExport.files(
                AnchorFormat(rawValue: format)!, data: data, samplesName: samplesName, datasetMD5: datasetMD5(data))
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files {
                let url = folder.appendingPathComponent(file.name)
                try Data(file.text.utf8).write(to: url, options: .atomic)
                print("wrote \(out == "." ? file.name : url.path)")
            }
        }
    }

    /// MD5 of the problem file, as evalplus identifies datasets, when the file is still there
    /// and unchanged (its SHA-256 matches the run's).
    func datasetMD5(_ data: ReportData) -> String? {
        guard let source = data.problemSet?.source, let bytes = FileManager.default.contents(atPath: source) else { return nil }
        guard SHA256.hex(of: bytes) == data.run.spec.problemSetHash else { return nil }
        return MD5.hex(of: bytes)
    }
}
