public import AssayCore
import Execution
import FoundationEssentials

/// The splits of an input/output task, in evaluation order.
public enum IOSplits {
    public static let all = ["base", "plus"]
}

/// Settings of the `io` runner kind shared by ground truth and candidates.
enum IORunner {
    static let kind = "io"
    /// Outputs longer than this travel as a digest (unless numeric and under a tolerance).
    static let elideBytes = 1024
    /// What one execution may write on the result channel (the supervisor keeps 1 MiB).
    static let resultBudget = 900_000
    /// Executions of one sample or task before giving up (continuations and reruns).
    static let maxRounds = 64
}

/// Computes expected outputs by running each task's `prompt + canonical_solution` on its inputs
/// inside the sandbox (deep-copied inputs, one timed call each, as evalplus's `trusted_exec`).
public struct ExpectedOutputBuilder: Sendable {
    public let executor: any CodeExecutor
    /// Memory limit; wall and CPU are generous (the canonical solutions are trusted to finish).
    public let limits: ExecutionLimits
    public let inFlight: Int

    public init(executor: any CodeExecutor, memoryBytes: Int, inFlight: Int, wallMS: Int = 600_000) {
        self.executor = executor
        limits = ExecutionLimits(wallMS: wallMS, cpuMS: wallMS, memoryBytes: memoryBytes)
        self.inFlight = max(1, inFlight)
    }

    /// A stable identity of an interpreter binary: real path, size and modification time.
    public static func interpreterIdentity(_ path: String) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? Int) ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(path)|\(size)|\(Int64(modified))"
    }

    /// Tasks per ground-truth execution: the canonical solutions are trusted, so several run in
    /// one interpreter (as evalplus runs them all in its own process), saving start-ups.
    public static let tasksPerExecution = 8

    /// Runs every problem's canonical solution; throws when one raises or cannot finish.
    public func compute(
        _ problems: ProblemSet, interpreter: String, machine: String, progress: (any ProgressReporting)?
    ) async throws -> ExpectedOutputs {
        progress?.start(total: problems.problems.count, done: 0, label: "expected outputs")
        var batches: [[Problem]] = []
        for (index, problem) in problems.problems.enumerated() {
            if index % Self.tasksPerExecution == 0 { batches.append([]) }
            batches[batches.count - 1].append(problem)
        }
        var python = ""
        let tasks = try await withThrowingTaskGroup(of: ([String: [String: ExpectedSplit]], String).self) { group in
            var results: [String: [String: ExpectedSplit]] = [:]
            var iterator = batches.makeIterator()
            var running = 0
            func submit() -> Bool {
                guard let batch = iterator.next() else { return false }
                group.addTask {
                    let (outputs, version) = try await self.run(batch)
                    progress?.advance(by: batch.count)
                    return (outputs, version)
                }
                return true
            }
            while running < inFlight, submit() { running += 1 }
            while let (outputs, version) = try await group.next() {
                results.merge(outputs) { first, _ in first }
                if python.isEmpty { python = version }
                _ = submit()
            }
            return results
        }
        progress?.finish()
        return ExpectedOutputs(
            setHash: problems.hash, interpreter: interpreter, pythonVersion: python, machine: machine,
            computedAt: Self.timestamp(), tasks: tasks)
    }

    /// One split of one task, named `<index in batch>:<split>` on the result channel.
    struct Job {
        var problem: Problem
        var split: String
        var name: String
    }

    func run(_ batch: [Problem]) async throws -> ([String: [String: ExpectedSplit]], String) {
        var jobs: [String: Job] = [:]
        var pending: [String] = []
        for (index, problem) in batch.enumerated() {
            for split in IOSplits.all where problem.inputsJSON(split) != nil {
                let name = "\(index):\(split)"
                jobs[name] = Job(problem: problem, split: split, name: name)
                pending.append(name)
            }
        }
        var outputs: [String: ExpectedSplit] = [:]
        var next: [String: Int] = [:]
        var python = ""
        func failure(_ job: Job?, _ what: String) -> InputError {
            InputError("the canonical solution of \(job?.problem.taskID ?? batch.map(\.taskID).joined(separator: ", ")) \(what)",
                       hint: "expected outputs come from running it; check --python (\(python.isEmpty ? "interpreter" : "Python \(python)")) and --memory")
        }
        for _ in 0..<IORunner.maxRounds {
            guard !pending.isEmpty else { break }
            let splits: [JSONValue] = pending.map { name in
                let job = jobs[name]!
                return .object([
                    "name": .string(name), "inputs": .string(job.problem.inputsJSON(job.split) ?? "[]"), "start": .int(next[name] ?? 0),
                    "program": .string(job.problem.prompt + job.problem.canonicalSolution), "entry_point": .string(job.problem.entryPoint),
                    "atol": .double(job.problem.atol),
                ])
            }
            let request = SandboxRequest(
                id: "\(batch[0].taskID)#truth", kind: IORunner.kind, program: "", solutionEndLine: 0, entryPoint: "",
                nonce: ProgramAssembly.nonce(), limits: limits,
                payload: .object([
                    "mode": .string("truth"), "splits": .array(splits),
                    "elide_bytes": .int(IORunner.elideBytes), "result_budget": .int(IORunner.resultBudget),
                ]))
            let response = try await executor.send(request)
            let kernel = try VerdictPolicy.outcome(of: response, request: request)
            guard let stream = IOStream.parse(response.result, nonce: request.nonce) else {
                throw failure(nil, "produced no result (\(kernel.status.rawValue): \(kernel.detail))")
            }
            python = stream.python
            var current: Job?
            var finished = false
            if let malformed = stream.malformed { throw failure(nil, "produced a \(malformed)") }
            for line in stream.lines {
                switch line {
                case .start(let name): current = jobs[name]
                case .programError(let name, let type, let message):
                    throw failure(jobs[name], "failed to load: \(type): \(message)")
                case .result(let index, let micros, let text):
                    guard let job = current, index == (next[job.name] ?? 0) else { throw failure(current, "reported outputs out of order") }
                    outputs[job.name, default: ExpectedSplit(outputs: [], micros: [])].outputs.append(text)
                    outputs[job.name]!.micros.append(micros)
                    next[job.name] = index + 1
                case .raised(let index, _, let type, let message):
                    throw failure(current, "raised \(type) on \(current?.split ?? "?") input #\(index): \(message)")
                case .timeLimit, .splitBudget:
                    throw failure(current, "ran out of time")
                case .resume(let name, let index):
                    guard index == (next[name] ?? 0) else { throw failure(jobs[name], "asked to resume at the wrong input") }
                case .done(let name, let count):
                    guard (next[name] ?? 0) == count else { throw failure(jobs[name], "skipped inputs") }
                    outputs[name] = outputs[name] ?? ExpectedSplit(outputs: [], micros: [])
                    pending.removeAll { $0 == name }
                case .end: finished = true
                }
            }
            if !finished { throw failure(current, "stopped early (\(kernel.status.rawValue): \(kernel.detail))") }
        }
        guard pending.isEmpty else { throw failure(nil, "did not finish after \(IORunner.maxRounds) executions") }
        var result: [String: [String: ExpectedSplit]] = [:]
        for (name, split) in outputs {
            let job = jobs[name]!
            result[job.problem.taskID, default: [:]][job.split] = split
        }
        return (result, python)
    }

    static func timestamp() -> String {
        Date.now.formatted(.iso8601)
    }
}
