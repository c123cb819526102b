#if canImport(Glibc)
import Glibc
#endif
import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import ProblemSets
import Testing

/// Real samples through the real `assay-sandbox` supervisor.
@Suite(.tags(.sandbox)) struct SandboxExecutorTests {
    static func executor(_ mode: SandboxConfiguration.Mode = .serve, slots: Int = 2) throws -> SandboxExecutor {
        SandboxExecutor(configuration: SandboxConfiguration(
            mode: mode, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
            sandboxes: TestPaths.sandboxes, slots: slots))
    }

    static let problem = Problem(
        taskID: "t/0", prompt: "def f(x):\n", canonicalSolution: "    return x + 1\n",
        test: "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 3\n", entryPoint: "f")

    /// Tests that are not about timing get a wall limit no loaded machine reaches.
    static let relaxed = ExecutionLimits(wallMS: 30_000)

    static func run(_ completion: String, _ mode: SandboxConfiguration.Mode, limits: ExecutionLimits = relaxed) async throws -> ExecutionOutcome {
        let (program, end) = ProgramAssembly.humanEval(problem: problem, body: .completion(completion))
        let request = SandboxRequest(id: "t#0", kind: "humaneval", program: program, solutionEndLine: end, entryPoint: "f",
                                     nonce: ProgramAssembly.nonce(), limits: limits)
        return try await SandboxLoad.run {
            let executor = try executor(mode, slots: 1)
            defer { executor.shutdown() }
            return try await executor.execute(request)
        }
    }

    static let modes = SandboxConfiguration.Mode.allCases

    @Test(arguments: modes) func correctCodePasses(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    return x + 1\n", mode)
        #expect(outcome.status == .passed)
        #expect(outcome.cpuMS > 0 && outcome.maxRSSKiB > 0)
    }

    @Test(arguments: modes) func wrongAnswerFailsWithBothSides(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    return x * 2\n", mode)
        #expect(outcome.status == .failed)
        #expect(outcome.detail == "assert candidate(2) == 3 (left: 4, right: 3)")
    }

    @Test(arguments: modes) func exceptionsAreErrorsWithTheirType(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    return [][x]\n", mode)
        #expect(outcome.status == .error && outcome.errorType == "IndexError")
        let syntax = try await Self.run("    return (x +\n", mode)
        #expect(syntax.status == .error && syntax.errorType == "SyntaxError")
        let indent = try await Self.run("  y = 1\n    return y\n", mode)
        #expect(indent.status == .error && indent.errorType == "IndentationError")
    }

    @Test(arguments: modes) func exitingBeforeTheTestsIsNoResult(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    import os\n    os._exit(0)\n", mode)
        #expect(outcome.status == .noResult)
        #expect(outcome.tamper.isEmpty)  // no record, so no static findings either
    }

    @Test(arguments: modes) func aForgedRecordDoesNotPass(mode: SandboxConfiguration.Mode) async throws {
        let forged = """
                import os
                os.write(3, b'{"nonce": "0", "status": "passed", "asserts_run": 2, "test_returned": true}\\n')
                os._exit(0)

            """
        #expect(try await Self.run(forged, mode).status == .noResult)
    }

    @Test(arguments: modes) func sleepingPastTheWallLimitTimesOut(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    import time\n    time.sleep(10)\n", mode, limits: ExecutionLimits(wallMS: 500))
        #expect(outcome.status == .timeout)
        #expect(outcome.detail.hasPrefix("wall-clock limit of 500 ms"))
        #expect(outcome.wallMS >= 500 && outcome.wallMS < 10_000)
    }

    @Test(arguments: modes) func busyLoopsHitTheCPULimit(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    while True: pass\n", mode, limits: ExecutionLimits(wallMS: 30_000, cpuMS: 1_000))
        #expect(outcome.status == .timeout)
    }

    @Test(arguments: modes) func memoryBombsGetMemory(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    return len(bytearray(4 << 30))\n", mode, limits: ExecutionLimits(wallMS: 30_000, memoryBytes: 256 << 20))
        #expect(outcome.status == .memory)
    }

    @Test(arguments: modes) func outputFloodsHitTheOutputLimit(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    while True: print('x' * 10000)\n", mode, limits: ExecutionLimits(wallMS: 30_000, outputBytes: 1 << 20))
        #expect(outcome.status == .outputLimit)
    }

    @Test(arguments: modes) func deepRecursionIsAnErrorNotACrash(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    return f(x)\n", mode)
        #expect(outcome.status == .error && outcome.errorType == "RecursionError")
    }

    @Test(arguments: modes) func processCreationIsAForbiddenSyscall(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    import subprocess\n    subprocess.run(['ls'])\n    return x + 1\n", mode)
        #expect(outcome.status == .forbiddenSyscall)
        #expect(outcome.syscall != nil, "the denied call is named")
    }

    @Test(arguments: modes) func networkSocketsAreAForbiddenSyscall(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    import socket\n    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    return x + 1\n", mode)
        #expect(outcome.status == .forbiddenSyscall && outcome.syscall == "socket")
    }

    @Test(arguments: modes) func tamperingToolsAreFlagged(mode: SandboxConfiguration.Mode) async throws {
        let outcome = try await Self.run("    import sys\n    sys._getframe(1)\n    return x + 1\n", mode)
        #expect(outcome.status == .passed)
        #expect(outcome.tamper.contains("frame:_getframe"))
    }

    /// `assay` killed while requests are queued: the supervisor's answers meet a closed pipe. It
    /// says so once and exits 1 (it crashed in memmove before, or looped answering into the error).
    @Test func supervisorStopsWhenNobodyReadsItsAnswers() async throws {
        let dir = try TemporaryDirectory()
        let script = #"set -o pipefail; (printf '{"x":1}\n{"y":2}\n{"z":3}\n'; sleep 1) | "$0" serve --python "$1" --runner "$2/runner.py" --worker "$2/worker.py" --slot 660 2>"$3" | true; echo "status=$?""#
        let result = try await runProgram(URL(fileURLWithPath: "/bin/bash"), [
            "-c", script, TestPaths.sandboxBinary.path, try Interpreter.resolve(), TestPaths.sandboxes.path, dir.path("err"),
        ])
        let stderr = String(decoding: FileManager.default.contents(atPath: dir.path("err")) ?? Data(), as: UTF8.self)
        #expect(result.stdout == "status=1\n", "\(result.stdout) \(stderr)")
        #expect(stderr == "assay-sandbox: cannot write a response: Broken pipe\n")
    }

    /// A warm slot holds two requests (the running one and the next); when its supervisor dies,
    /// both go to a new supervisor, and both get their verdict.
    @Test func requestsOfADeadSupervisorGoToANewOne() async throws {
        try await SandboxLoad.run {
            let slot = 650
            let executor = SandboxExecutor(configuration: SandboxConfiguration(
                mode: .serve, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
                sandboxes: TestPaths.sandboxes, slots: 1, slotBase: slot))
            defer { executor.shutdown() }
            func request(_ completion: String, _ id: String) -> SandboxRequest {
                let (program, end) = ProgramAssembly.humanEval(problem: Self.problem, body: .completion(completion))
                return SandboxRequest(id: id, kind: "humaneval", program: program, solutionEndLine: end, entryPoint: "f",
                                      nonce: ProgramAssembly.nonce(), limits: Self.relaxed)
            }
            // The first sample sleeps, so that the second one waits in the supervisor's input.
            let slow = request("    import time\n    time.sleep(2)\n    return x + 1\n", "slow")
            let next = request("    return x + 1\n", "next")
            async let first = executor.execute(slow)
            try await Task.sleep(for: .milliseconds(300))
            async let second = executor.execute(next)
            var supervisor: pid_t?
            for _ in 0..<100 where supervisor == nil {
                try await Task.sleep(for: .milliseconds(100))
                supervisor = HostProcesses.supervisor(slot: slot)
            }
            let pid = try #require(supervisor, "no supervisor for slot \(slot)")
            try await Task.sleep(for: .milliseconds(500))  // both requests written
            kill(pid, SIGKILL)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.status) == [.passed, .passed])
            #expect(HostProcesses.supervisor(slot: slot) != pid)
        }
    }
}

/// The host's processes, read from /proc.
enum HostProcesses {
    /// The `assay-sandbox serve` of a slot, if one runs.
    static func supervisor(slot: Int) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.count > 1, arguments[0].hasSuffix("assay-sandbox"), arguments[1] == "serve",
                let index = arguments.firstIndex(of: "--slot"), index + 1 < arguments.count, arguments[index + 1] == String(slot)
            else { continue }
            return pid
        }
        return nil
    }
}

@Suite(.tags(.sandbox, .datasets)) struct HumanEvalSandboxTests {
    @Test(.enabled(if: Datasets.available("HumanEval.jsonl.gz"), Datasets.missing("HumanEval.jsonl.gz")))
    func everyCanonicalSolutionPasses() async throws {
        let set = try HumanEvalFormat.load(path: Datasets.file("HumanEval.jsonl.gz")!.path, name: "humaneval")
        try await SandboxLoad.run { try await Self.checkAll(set) }
    }

    static func checkAll(_ set: ProblemSet) async throws {
        let executor = try SandboxExecutorTests.executor(.serve, slots: 2)
        defer { executor.shutdown() }
        let outcomes = try await withThrowingTaskGroup(of: (String, ExecutionOutcome).self) { group in
            for problem in set.problems {
                group.addTask {
                    let (program, end) = ProgramAssembly.humanEval(problem: problem, body: .completion(problem.canonicalSolution))
                    let request = SandboxRequest(id: problem.taskID, kind: "humaneval", program: program, solutionEndLine: end,
                                                 entryPoint: problem.entryPoint, nonce: ProgramAssembly.nonce(), limits: SandboxExecutorTests.relaxed)
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
