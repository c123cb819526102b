import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import Pipeline
import ProblemSets
import Testing

/// The `unittest` runner kind through the real sandbox, on BigCodeBench tasks whose libraries and
/// tests need only the standard library (so no BigCodeBench venv is needed), and on small
/// synthetic tasks for what the real ones cannot show.
@Suite(.tags(.sandbox)) struct BigCodeBenchHarnessTests {
    static let fileName = "BigCodeBench-v0.1.0-hf.jsonl.gz"

    /// The sandbox as `assay evaluate` sets it up for BigCodeBench (python-procs profile, …).
    static func executor(_ mode: SandboxConfiguration.Mode = .exec) throws -> SandboxExecutor {
        let python = try Interpreter.resolve()
        return SandboxExecutor(configuration: SandboxConfiguration(
            mode: mode, supervisor: TestPaths.sandboxBinary.path, python: python, sandboxes: TestPaths.sandboxes, slots: 2,
            extraArguments: BigCodeBenchHarness.supervisorArguments(sandboxes: TestPaths.sandboxes)))
    }

    static let limits = ExecutionLimits(wallMS: 60_000, cpuMS: 60_000, memoryBytes: 2 << 30, outputBytes: 1 << 20, nofile: 256)

    static func task(_ number: Int) throws -> Problem {
        let set = try BigCodeBenchFormat.load(path: Datasets.file(fileName)!.path, name: "bigcodebench")
        return try #require(set.byTaskID["BigCodeBench/\(number)"])
    }

    static func run(
        _ problem: Problem, _ body: Sample.Body, _ assembly: ProgramAssembly.BigCodeBenchAssembly = .calibrated,
        mode: SandboxConfiguration.Mode = .exec
    ) async throws -> ExecutionOutcome {
        let harness = BigCodeBenchHarness(assembly: assembly)
        let sample = Sample(key: SampleKey(taskID: problem.taskID, index: 0), body: body)
        let request = harness.request(problem: problem, sample: sample, limits: limits)
        return try await SandboxLoad.run {
            let executor = try executor(mode)
            defer { executor.shutdown() }
            return try await executor.execute(request)
        }
    }

    /// A synthetic unittest task (prompt, canonical body, test module).
    static func synthetic(_ test: String, prompt: String = "import unittest\ndef task_func(x):\n", solution: String = "    return x + 1\n") -> Problem {
        Problem(taskID: "S/0", prompt: prompt, canonicalSolution: solution, test: test, entryPoint: "task_func",
                extras: ["complete_prompt": .string(prompt), "code_prompt": .string(prompt), "libs": .array([])])
    }

    // MARK: Real stdlib-only tasks

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func canonicalSolutionPassesWithEveryTestReported() async throws {
        let problem = try Self.task(4)  // collections + itertools, 8 tests
        let outcome = try await Self.run(problem, .completion(""), .groundTruth)
        #expect(outcome.status == .passed, "\(outcome.detail) \(outcome.stderr)")
        #expect(outcome.tests.map(\.name) == (1...8).map { "test_case_\($0)" })
        #expect(outcome.tests.allSatisfy { $0.status == "passed" && $0.errorType == nil })
        #expect(outcome.record?["tests_expected"]?.intValue == 8)
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func aWrongSolutionFailsOnTheTestsItGetsWrong() async throws {
        let problem = try Self.task(4)
        // Right except for an empty dictionary (test_case_4).
        let wrong = """
            from collections import Counter
            import itertools
            def task_func(d):
                if not d:
                    return None
                return dict(Counter(itertools.chain.from_iterable(d.values())))

            """
        let outcome = try await Self.run(problem, .solution(wrong))
        #expect(outcome.status == .failed)
        #expect(outcome.errorType == "AssertionError")
        #expect(outcome.tests.count == 8)
        #expect(outcome.tests.filter { !$0.isPass }.map(\.name) == ["test_case_4"])
        let failing = try #require(outcome.tests.first { $0.name == "test_case_4" })
        #expect(failing.status == "failed" && failing.errorType == "AssertionError" && failing.message == "None != {}")
        #expect(failing.traceback?.contains("in test_case_4") == true && failing.traceback?.hasSuffix("AssertionError: None != {}\n") == true)
        #expect(outcome.detail == "test_case_4: AssertionError: None != {} (1 failing of 8)")
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func aModuleLevelImportErrorKeepsItsType() async throws {
        let problem = try Self.task(4)
        let outcome = try await Self.run(problem, .solution("import collections_that_do_not_exist\ndef task_func(d):\n    return {}\n"))
        #expect(outcome.status == .error)
        #expect(outcome.errorType == "ModuleNotFoundError")  // bigcodebench keeps only the message
        #expect(outcome.detail.contains("No module named 'collections_that_do_not_exist'") && outcome.detail.contains("of the solution"))
        #expect(outcome.tests.isEmpty)
        #expect(BigCodeBenchGate.environmentReason(outcome) == "library missing: collections_that_do_not_exist")
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func calibrationSuppliesThePromptsImports() async throws {
        let problem = try Self.task(4)
        let bare = "def task_func(d):\n    return dict(Counter(itertools.chain.from_iterable(d.values())))\n"
        let calibrated = try await Self.run(problem, .solution(bare), .calibrated)
        #expect(calibrated.status == .passed, "\(calibrated.detail)")
        let raw = try await Self.run(problem, .solution(bare), .raw)
        #expect(raw.status == .error && raw.errorType == "NameError")
        #expect(raw.tests.allSatisfy { $0.status == "error" && $0.message == "name 'Counter' is not defined" })
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func aSampleThatPatchesUnittestIsCaught() async throws {
        let problem = try Self.task(4)
        let cheat = """
            import unittest
            unittest.TestCase.assertEqual = lambda self, first, second, msg=None: None
            def task_func(d):
                return None

            """
        let outcome = try await Self.run(problem, .solution(cheat))
        #expect(outcome.status == .failed)
        #expect(outcome.errorType == "Tampering")
        #expect(outcome.detail.contains("replaced TestCase.assertEqual"))
        // The patched assertEqual said yes (test_case_6 checks assertRaises); the snapshot did not.
        #expect(outcome.tests.filter { $0.name != "test_case_6" }.allSatisfy { $0.isPass })
        #expect(outcome.tamper.contains("patch:unittest.TestCase") || outcome.tamper.contains("import:unittest"))
    }

    // MARK: Synthetic tasks

    @Test func aLenientBaseClassSmuggledInIsCaught() async throws {
        // The tests rely on the prompt's `import unittest`; the sample rebinds the name.
        let problem = Self.synthetic("""
            class TestCases(unittest.TestCase):
                def test_one(self):
                    self.assertEqual(task_func(1), 2)

            """)
        let cheat = """
            import unittest as _u, types
            class Lenient(_u.TestCase):
                def assertEqual(self, *args, **kwargs):
                    pass
            unittest = types.SimpleNamespace(TestCase=Lenient)
            def task_func(x):
                return 0

            """
        let outcome = try await Self.run(problem, .solution(cheat), .raw)
        #expect(outcome.status == .failed && outcome.errorType == "Tampering", "\(outcome.detail)")
        #expect(outcome.detail.contains("derives from Lenient, which the tests do not define"))
        let honest = try await Self.run(problem, .solution("import unittest\ndef task_func(x):\n    return x + 1\n"), .raw)
        #expect(honest.status == .passed, "\(honest.detail)")

        // A library's TestCase subclass is fine (BigCodeBench/719 uses pyfakefs's).
        let library = Self.synthetic("""
            from unittest import IsolatedAsyncioTestCase
            class TestCases(IsolatedAsyncioTestCase):
                async def test_one(self):
                    self.assertEqual(task_func(1), 2)

            """)
        let viaLibrary = try await Self.run(library, .completion("    return x + 1\n"), .groundTruth)
        #expect(viaLibrary.status == .passed, "\(viaLibrary.detail)")
    }

    @Test func skippingOrExitingIsNotAPass() async throws {
        let problem = Self.synthetic("""
            import unittest
            class TestCases(unittest.TestCase):
                def test_one(self):
                    self.assertEqual(task_func(1), 2)
                def test_two(self):
                    self.assertEqual(task_func(2), 3)

            """)
        let skip = try await Self.run(problem, .solution("import unittest\ndef task_func(x):\n    raise unittest.SkipTest('no')\n"), .raw)
        #expect(skip.status == .error && skip.errorType == "SkipTest")  // bigcodebench would count these skips as passes
        #expect(skip.tests.map(\.status) == ["skipped", "skipped"])
        let exit = try await Self.run(problem, .solution("import sys\ndef task_func(x):\n    sys.exit(0)\n"), .raw)
        #expect(exit.status == .error && exit.errorType == "SystemExit")
        let hardExit = try await Self.run(problem, .solution("import os\ndef task_func(x):\n    os._exit(0)\n"), .raw)
        #expect(hardExit.status == .noResult)
    }

    @Test(arguments: SandboxConfiguration.Mode.allCases)
    func theEnvironmentIsPrivateHeadlessAndUTC(mode: SandboxConfiguration.Mode) async throws {
        let problem = Self.synthetic("""
            import unittest, os, tempfile, time
            class TestCases(unittest.TestCase):
                def test_environment(self):
                    self.assertEqual(os.environ["MPLBACKEND"], "Agg")
                    self.assertEqual(os.environ["TZ"], "UTC")
                    self.assertEqual(os.environ["OMP_NUM_THREADS"], "1")
                    self.assertEqual(time.strftime("%Z", time.localtime(0)), "UTC")
                def test_private_writable_home_and_temp(self):
                    home, temp, cwd = os.path.expanduser("~"), tempfile.gettempdir(), os.getcwd()
                    self.assertEqual(os.path.dirname(home), os.path.dirname(temp))
                    self.assertEqual(os.path.dirname(cwd), os.path.dirname(temp))
                    self.assertNotIn(home, ("/root", "/tmp", "/"))
                    self.assertEqual(os.listdir(cwd), [])  # the task's working directory starts empty
                    for folder in (home, temp, cwd):
                        with open(os.path.join(folder, "probe.txt"), "w") as f:
                            f.write("ok")
                def test_subprocesses_and_pools_work(self):
                    import subprocess, sys, multiprocessing
                    out = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True)
                    self.assertEqual(out.stdout.strip(), "42")
                    with multiprocessing.Pool(2) as pool:
                        self.assertEqual(pool.map(abs, [-1, -2, 3]), [1, 2, 3])
                def test_threads_work(self):
                    import threading
                    box = []
                    t = threading.Thread(target=lambda: box.append(task_func(1)))
                    t.start(); t.join()
                    self.assertEqual(box, [2])

            """)
        let outcome = try await Self.run(problem, .completion("    return x + 1\n"), .groundTruth, mode: mode)
        #expect(outcome.status == .passed, "\(outcome.detail) \(outcome.tests.compactMap(\.traceback))")
    }

    @Test func networkUseIsSeenAndExcludedAsAnEnvironmentReason() async throws {
        let problem = Self.synthetic("""
            import unittest, socket
            class TestCases(unittest.TestCase):
                def test_lookup(self):
                    self.assertEqual(task_func("example.invalid"), "resolved")

            """, prompt: "import socket\ndef task_func(host):\n", solution: """
                try:
                    socket.getaddrinfo(host, 80)
                    return "resolved"
                except OSError:
                    return None

            """)
        let outcome = try await Self.run(problem, .completion(""), .groundTruth)
        #expect(outcome.status == .failed)
        #expect(outcome.record?["network"] == .array([.string("getaddrinfo example.invalid")]))
        #expect(BigCodeBenchGate.environmentReason(outcome) == "network needed (getaddrinfo example.invalid)")
    }

    @Test func theProbeTellsWhichLibrariesImport() async throws {
        let found = try await BigCodeBenchGate.probe(["json", "collections", "surely_not_a_module_xyz"], executor: Self.executor(),
                                                     environment: BigCodeBenchHarness.environment())
        #expect(found.modules == ["json": true, "collections": true, "surely_not_a_module_xyz": false])
        #expect(found.pythonVersion.hasPrefix("3.") && found.packagesHash.count == 64)
    }
}
