import ArgumentParser
import AssayCore
import Execution
import FoundationEssentials
import Pipeline
import ProblemSets
import Reporting

// What the commands that make a run (evaluate, run, repair) share: the sandbox set-up, the run's
// host facts, the k list, storing the finished summary and the closing messages.

extension SandboxOptions {
    /// `--sandbox-mode`, checked.
    func mode() throws -> SandboxConfiguration.Mode {
        guard let mode = SandboxConfiguration.Mode(rawValue: sandboxMode) else {
            throw ValidationError(
                "--sandbox-mode must be one of: \(SandboxConfiguration.Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }

    /// The standard sandbox for these options (`slots` overrides `--jobs`).
    func configuration(slots: Int? = nil) throws -> SandboxConfiguration {
        try SandboxConfiguration.standard(mode: try mode(), slots: slots ?? resolvedJobs, python: python)
    }
}

/// The host facts stored with a run: the machine's, and how its sandbox ran.
func runHostFacts(_ configuration: SandboxConfiguration) -> [String: String] {
    var host = hostFacts()
    host["sandbox_mode"] = configuration.mode.rawValue
    host["supervisor"] = configuration.supervisor
    host["jobs"] = String(configuration.slots)
    return host
}

/// `--k 1,10,100` (evaluate, run, report).
func parseKs(_ text: String) throws -> [Int] {
    let values = text.split(separator: ",").map { Int($0.filter { $0 != " " }) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else {
        throw ValidationError("--k must be a comma-separated list of positive integers, e.g. 1,10,100")
    }
    return values.map { $0! }
}

extension ResultStore {
    /// Marks the run finished, storing its summary as compact JSON with sorted keys.
    func finishRun(_ run: RunID, encoding summary: some Encodable) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try await finishRun(run, summary: String(decoding: try encoder.encode(summary), as: UTF8.self))
    }
}

extension Console {
    /// The input file's problems (skipped lines), the first 20 of them.
    static func report(_ issues: [InputIssue]) {
        guard !issues.isEmpty else { return }
        for issue in issues.prefix(20) { warn(issue.description) }
        if issues.count > 20 { warn("… and \(issues.count - 20) more input problems") }
    }

    /// The title line of a run's table.
    static func runTitle(_ name: String, _ summary: RunSummary, run: RunID) -> String {
        "\(name): \(summary.nProblems) problems, \(summary.nSamples) samples (run \(run))"
    }

    /// Says which samples the sandbox could not run (they stay pending) and exits 1.
    static func failOnInfrastructure(_ failures: [SampleKey: String], couldNotBe verb: String = "executed") throws {
        guard let first = failures.min(by: { $0.key < $1.key }) else { return }
        error("""
            \(failures.count) samples could not be \(verb) (first: \(first.key): \(first.value)); \
            they stay pending: rerun the same command to retry them
            """)
        throw ExitCode(1)
    }
}

extension EvaluationResult {
    /// Reports serial timeout retries and stores the sandbox layers that were active with the run.
    func recordFacts(executor: SandboxExecutor, store: some ResultStore) async throws {
        if timeoutRetries.retried > 0 {
            Console.info("re-ran \(timeoutRetries.retried) wall-clock timeouts one at a time: \(timeoutRetries.changed) finished within the limit")
        }
        let layers = executor.layers
        if !layers.isEmpty {
            try await store.mergeHostFacts(Dictionary(uniqueKeysWithValues: layers.map { ("layer.\($0.key)", $0.value) }), run: run)
        }
    }
}
