import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import ProblemSets
import Testing

/// Real samples through the real `assay-sandbox` supervisor.
@Suite(.tags(.sandbox)) struct SandboxExecutorTests {
    static func executor(_ mode: SandboxConfiguration.Mode = .exec, slots: Int = 2) throws -> SandboxExecutor {
        SandboxExecutor(configuration: SandboxConfiguration(
            mode: mode, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
            sandboxes: TestPaths.sandboxes, slots: slots))
    }

    static let problem = Problem(
        taskID: "t/0", prompt: "def f(x):\n", canonicalSolution: "    return x + 1\n",
        test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 3\n", entryPoint: "f")

    static func run(_ completion: String, limits: ExecutionLimits = ExecutionLimits(wallMS: 3_000)) async throws -> ExecutionOutcome {
        let (program, end) = ProgramAssembly.humanEval(problem: problem, body: .completion(completion))
        let request = SandboxRequest(id: "t#0", kind: "humaneval", program: program, solutionEndLine: end, entryPoint: "f",
                                     nonce: ProgramAssembly.nonce(), limits: limits)
        return try await executor().execute(request)
    }

    @Test func correctCodePasses() async throws {
        let outcome = try await Self.run("    return x + 1\n")
        #expect(outcome.status == .passed)
        #expect(outcome.cpuMS > 0 && outcome.maxRSSKiB > 0)
    }

    @Test func wrongAnswerFailsWithBothSides() async throws {
        let outcome = try await Self.run("    return x * 2\n")
        #expect(outcome.status == .failed)
        #expect(outcome.detail == "assert candidate(2) == 3 (left: 4, right: 3)")
    }

    @Test func exceptionsAreErrorsWithTheirType() async throws {
        let outcome = try await Self.run("    return [][x]\n")
        #expect(outcome.status == .error && outcome.errorType == "IndexError")
        let syntax = try await Self.run("    return (x +\n")
        #expect(syntax.status == .error && syntax.errorType == "SyntaxError")
        let indent = try await Self.run("  y = 1\n    return y\n")
        #expect(indent.status == .error && indent.errorType == "IndentationError")
    }

    @Test func exitingBeforeTheTestsIsNoResult() async throws {
        let outcome = try await Self.run("    import os\n    os._exit(0)\n")
        #expect(outcome.status == .noResult)
        #expect(outcome.tamper.isEmpty)  // no record, so no static findings either
    }

    @Test func aForgedRecordDoesNotPass() async throws {
        let forged = """
                import os
                os.write(3, b'{"nonce": "0", "status": "passed", "asserts_run": 2, "test_returned": true}\\n')
                os._exit(0)

            """
        #expect(try await Self.run(forged).status == .noResult)
    }

    @Test func sleepingPastTheWallLimitTimesOut() async throws {
        let outcome = try await Self.run("    import time\n    time.sleep(10)\n", limits: ExecutionLimits(wallMS: 500))
        #expect(outcome.status == .timeout)
        #expect(outcome.wallMS < 2_000)
    }

    @Test func busyLoopsHitTheCPULimit() async throws {
        let outcome = try await Self.run("    while True: pass\n", limits: ExecutionLimits(wallMS: 5_000, cpuMS: 1_000))
        #expect(outcome.status == .timeout)
    }

    @Test func memoryBombsGetMemory() async throws {
        let outcome = try await Self.run("    return len(bytearray(4 << 30))\n", limits: ExecutionLimits(memoryBytes: 256 << 20))
        #expect(outcome.status == .memory)
    }

    @Test func outputFloodsHitTheOutputLimit() async throws {
        let outcome = try await Self.run("    while True: print('x' * 10000)\n", limits: ExecutionLimits(wallMS: 5_000, outputBytes: 1 << 20))
        #expect(outcome.status == .outputLimit)
    }

    @Test func deepRecursionIsAnErrorNotACrash() async throws {
        let outcome = try await Self.run("    return f(x)\n")
        #expect(outcome.status == .error && outcome.errorType == "RecursionError")
    }

    @Test func tamperingToolsAreFlagged() async throws {
        let outcome = try await Self.run("    import sys\n    sys._getframe(1)\n    return x + 1\n")
        #expect(outcome.status == .passed)
        #expect(outcome.tamper.contains("frame:_getframe"))
    }
}

@Suite(.tags(.sandbox, .datasets)) struct HumanEvalSandboxTests {
    @Test(.enabled(if: Datasets.available("HumanEval.jsonl.gz"), Datasets.missing("HumanEval.jsonl.gz")))
    func everyCanonicalSolutionPasses() async throws {
        let set = try HumanEvalFormat.load(path: Datasets.file("HumanEval.jsonl.gz")!.path, name: "humaneval")
        let executor = try SandboxExecutorTests.executor(slots: 2)
        let outcomes = try await withThrowingTaskGroup(of: (String, ExecutionOutcome).self) { group in
            for problem in set.problems {
                group.addTask {
                    let (program, end) = ProgramAssembly.humanEval(problem: problem, body: .completion(problem.canonicalSolution))
                    let request = SandboxRequest(id: problem.taskID, kind: "humaneval", program: program, solutionEndLine: end,
                                                 entryPoint: problem.entryPoint, nonce: ProgramAssembly.nonce(), limits: ExecutionLimits())
                    return (problem.taskID, try await executor.execute(request))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let failing = outcomes.filter { $0.value.status != .passed }.map { "\($0.key): \($0.value.status) \($0.value.detail)" }
        #expect(failing.isEmpty, "\(failing)")
        #expect(outcomes.count == 164)
    }
}
