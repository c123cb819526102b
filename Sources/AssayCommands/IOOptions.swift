import ArgumentParser
import AssayCore
import Execution
import FoundationEssentials
import Pipeline
import Reporting
import Storage

/// evalplus's knobs for input/output tasks (HumanEval+), with evalplus's names.
struct IOOptions: ParsableArguments {
    @Option(name: .customLong("min-time-limit"), help: ArgumentHelp("Floor of each input's time limit, in seconds (evalplus --min-time-limit).", valueName: "seconds"))
    var minTimeLimit: Double = 4

    @Option(name: .customLong("gt-time-limit-factor"), help: ArgumentHelp("Each input's limit is this × the canonical solution's time on it, at least --min-time-limit (evalplus --gt-time-limit-factor).", valueName: "factor"))
    var timeLimitFactor: Double = 4

    @Flag(name: .customLong("test-details"), help: "Check every input instead of stopping a split at its first failure (evalplus --test-details).")
    var testDetails = false

    @Flag(name: .customLong("base-only"), help: "Run only the base inputs (evalplus --base-only).")
    var baseOnly = false

    @Flag(name: .customLong("refresh-expected"), help: "Recompute the expected outputs even if they are cached.")
    var refreshExpected = false

    func settings() throws -> HumanEvalPlusHarness.Settings {
        guard minTimeLimit > 0, minTimeLimit <= 3600 else { throw ValidationError("--min-time-limit must be between 0 and 3600 seconds") }
        guard timeLimitFactor >= 1, timeLimitFactor <= 1000 else { throw ValidationError("--gt-time-limit-factor must be between 1 and 1000") }
        return HumanEvalPlusHarness.Settings(
            minTimeLimit: minTimeLimit, timeLimitFactor: timeLimitFactor, testDetails: testDetails, baseOnly: baseOnly)
    }

    /// The cached expected outputs for this set and interpreter, or freshly computed (and cached)
    /// ones. Says which, and why.
    func expectedOutputs(
        _ problems: ProblemSet, store: SQLiteStore, executor: any CodeExecutor, python: String, memoryBytes: Int, slots: Int,
        host: [String: String], quiet: Bool
    ) async throws -> ExpectedOutputs {
        let interpreter = ExpectedOutputBuilder.interpreterIdentity(python)
        let short = String(problems.hash.prefix(12))
        if !refreshExpected, let cached = try await store.expectedOutputs(setHash: problems.hash, interpreter: interpreter),
           problems.problems.allSatisfy({ cached.tasks[$0.taskID] != nil })
        {
            Console.info("""
                expected outputs: reused from \(store.path) (dataset sha256 \(short)…, Python \(cached.pythonVersion) at \(python), \
                computed \(cached.computedAt)); --refresh-expected recomputes them
                """)
            return cached
        }
        let why = refreshExpected ? "--refresh-expected" : "none cached for dataset sha256 \(short)… and this interpreter"
        Console.info("expected outputs: computing (\(why)) by running \(problems.problems.count) canonical solutions in the sandbox")
        let started = ContinuousClock.now
        let builder = ExpectedOutputBuilder(executor: executor, memoryBytes: memoryBytes, inFlight: slots)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let machine = String(decoding: try encoder.encode(host), as: UTF8.self)
        let outputs = try await builder.compute(problems, interpreter: interpreter, machine: machine, progress: TerminalProgress(enabled: !quiet))
        try await store.saveExpectedOutputs(outputs)
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let inputs = outputs.tasks.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.outputs.count } }
        Console.info("expected outputs: \(inputs) computed in \((seconds * 10).rounded() / 10) s with Python \(outputs.pythonVersion); cached in \(store.path)")
        return outputs
    }
}
