import AssayCore
import AssayTestSupport
import FoundationEssentials
import Testing

/// Golden end-to-end tests of `assay evaluate` on HumanEval+ (input/output tasks).
@Suite(.tags(.endToEnd, .sandbox)) struct HumanEvalPlusEndToEndTests {
    static func assay(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String]? = nil) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, arguments, in: dir.url, environment: environment)
    }

    /// A two-task HumanEval+ file written here: base inputs a sample can special-case, plus
    /// inputs it then fails.
    static let problems = [
        #"{"task_id":"t/0","prompt":"def f(x):\n","entry_point":"f","canonical_solution":"    return x * 2\n","contract":"","base_input":[[1],[2],[3]],"plus_input":[[10],[11],[-5],[1000]],"atol":0}"#,
        #"{"task_id":"t/1","prompt":"def g(x):\n","entry_point":"g","canonical_solution":"    return x / 3\n","contract":"","base_input":[[1],[2]],"plus_input":[[7],[100]],"atol":0}"#,
    ].joined(separator: "\n") + "\n"

    static let samples: [(String, String)] = [
        ("t/0", "    return x * 2\n"),
        ("t/0", "    return {1: 2, 2: 4, 3: 6}.get(x, 0)\n"),  // special-cases the base inputs
        ("t/0", "    if x > 5:\n        raise ValueError('big')\n    return x * 2\n"),
        ("t/0", "    import time\n    if x == 1000:\n        time.sleep(5)\n    return x * 2\n"),
        ("t/0", "    class A:\n        def __eq__(self, other): return True\n    return A()\n"),  // rigged equality
        ("t/0", "    print('x' * 10000)\n    return x * 2\n"),  // prints are swallowed, as in evalplus
        ("t/0", "    return x * 2 +\n"),  // syntax error
        ("t/0", "    import os\n    if x == 11:\n        os._exit(0)\n    return x * 2\n"),  // leaves in the middle of plus
        ("t/1", "    return x / 3 + 1e-9\n"),  // within evalplus's 1e-6
        ("t/1", "    return x / 3 + 1e-3\n"),
    ]

    static func write(_ dir: TemporaryDirectory) throws {
        try Data(problems.utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        var text = ""
        for (task, completion) in samples {
            let object = JSONValue.object(["task_id": .string(task), "completion": .string(completion)])
            text += String(decoding: try JSONEncoder().encode(object), as: UTF8.self) + "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
    }

    static func json(_ path: String) throws -> JSONValue {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    static func lines(_ path: String) throws -> [[String: JSONValue]] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try JSONLines.split([UInt8](data)).map { try #require(try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)).objectValue) }
    }

    @Test func baseAndPlusAreScoredSeparatelyAndOutputsComparedOutsideTheSandbox() async throws {
        let dir = try TemporaryDirectory()
        try Self.write(dir)
        let arguments = ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "out", "--quiet", "--k", "1",
                         "--min-time-limit", "0.5", "--db", "a.sqlite"]
        let result = try await Self.assay(arguments, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("expected outputs: computing (none cached for dataset sha256 "))
        #expect(result.stdout.contains("""
            p.jsonl: 2 problems, 10 samples (run 1)
              pass@1      0.3750
              base tests
                pass@1    0.6250
                statuses  fail 3 · pass 7
              base + extra tests (plus)
                pass@1    0.3750
                statuses  fail 6 · pass 3 · timeout 1
            """), "\(result.stdout)")

        let rows = try Self.lines(dir.path("out/results.jsonl"))
        func row(_ index: Int) -> [String] {
            [rows[index]["status"]?.stringValue ?? "-", rows[index]["base_status"]?.stringValue ?? "-", rows[index]["plus_status"]?.stringValue ?? "-"]
        }
        #expect(row(0) == ["passed", "pass", "pass"])
        #expect(row(1) == ["failed", "pass", "fail"])
        #expect(rows[1]["plus_fail_tests"] == .array([.array([.int(10)])]))  // evalplus: the first failing input
        #expect(rows[1]["detail"]?.stringValue == "plus input #0: expected 20, got 0 (not equal)")
        #expect(row(2) == ["error", "pass", "fail"])
        #expect(rows[2]["error_type"] == .string("ValueError"))
        #expect(row(3) == ["timeout", "pass", "fail"])  // a per-input limit is a failing input in evalplus
        #expect(rows[3]["plus_fail_tests"] == .array([.array([.int(1000)])]))
        #expect(row(4) == ["failed", "fail", "fail"])  // its __eq__ is never asked
        #expect(row(5) == ["passed", "pass", "pass"])
        #expect(row(6) == ["error", "fail", "fail"])
        #expect(rows[6]["error_type"] == .string("SyntaxError"))
        #expect(row(7) == ["no_result", "pass", "timeout"])  // evalplus: a process that never reports
        #expect(row(8) == ["passed", "pass", "pass"])
        #expect(row(9) == ["failed", "fail", "fail"])

        let summary = try Self.json(dir.path("out/summary.json"))
        #expect(summary["base"]?["pass_at_k"]?["1"]?.doubleValue == 0.625)  // (6/8 + 1/2) / 2
        #expect(summary["plus"]?["pass_at_k"]?["1"]?.doubleValue == 0.375)  // (2/8 + 1/2) / 2
        #expect(summary["pass_at_k"]?["1"]?.doubleValue == 0.375)

        // Same dataset and interpreter: the expected outputs come from the cache, and it says so.
        let again = try await Self.assay(arguments + ["--fresh", "--out", "again"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let hash = SHA256.hex(of: Array(Self.problems.utf8))
        #expect(again.stderr.contains("expected outputs: reused from a.sqlite (dataset sha256 \(hash.prefix(12))…, Python "), "\(again.stderr)")
        #expect(try Self.json(dir.path("again/summary.json"))["plus"] == summary["plus"])

        // A changed dataset is a new hash: computed again.
        try Data(Self.problems.replacing("[-5]", with: "[-6]").utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        let changed = try await Self.assay(arguments + ["--out", "changed"], in: dir)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stderr.contains("expected outputs: computing (none cached for dataset sha256"))
    }

    @Test func testDetailsListEveryFailingInputAndBaseOnlySkipsPlus() async throws {
        let dir = try TemporaryDirectory()
        try Self.write(dir)
        let details = try await Self.assay(
            ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "out", "--quiet", "--k", "1", "--test-details",
             "--min-time-limit", "0.5", "--no-taxonomy"], in: dir)
        #expect(details.status == 0, "\(details.stderr)")
        let rows = try Self.lines(dir.path("out/results.jsonl"))
        // The sample that special-cases the base inputs fails every plus input.
        #expect(rows[1]["plus_fail_tests"] == .array([.array([.int(10)]), .array([.int(11)]), .array([.int(-5)]), .array([.int(1000)])]))
        #expect(rows[1]["detail"]?.stringValue?.hasSuffix("(and 3 more failing inputs)") == true)
        #expect(rows[2]["plus_fail_tests"] == .array([.array([.int(10)]), .array([.int(11)]), .array([.int(1000)])]))  // -5 passes

        let baseOnly = try await Self.assay(
            ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "base", "--quiet", "--k", "1", "--base-only",
             "--no-taxonomy", "--db", "b.sqlite"], in: dir)
        #expect(baseOnly.status == 0, "\(baseOnly.stderr)")
        let summary = try Self.json(dir.path("base/summary.json"))
        #expect(summary["base"]?["pass_at_k"]?["1"]?.doubleValue == 0.625)
        #expect(summary["plus"] == nil)
        #expect(try Self.lines(dir.path("base/results.jsonl"))[1]["plus_status"] == nil)
    }

    @Test func forgedResultLinesDoNotPass() async throws {
        let dir = try TemporaryDirectory()
        try Data(Self.problems.utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        // The sample shares the runner's process: it writes "every split done" on the result
        // channel and leaves before any output was produced.
        let forger = #"{"task_id":"t/0","completion":"    import os\n    os.write(3, b'D\\tbase\\t3\\nS\\tplus\\nD\\tplus\\t4\\nZ\\n')\n    os._exit(0)\n"}"#
        try Data((forger + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let result = try await Self.assay(
            ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "out", "--quiet", "--k", "1", "--no-taxonomy"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try Self.lines(dir.path("out/results.jsonl"))
        #expect(rows[0]["status"] == .string("no_result"))
        #expect(rows[0]["base_status"] != .string("pass"))
        #expect(rows[0]["plus_status"] != .string("pass"))
    }

    @Test func outputsBeyondOneExecutionsBudgetAreResumed() async throws {
        // 2,000 outputs of ~600 bytes (under the digest threshold): 1.2 MB, more than one
        // execution may send, so both the expected outputs and the check resume mid-split.
        let dir = try TemporaryDirectory()
        let plus = (0..<2000).map { "[\($0)]" }.joined(separator: ",")
        let problem = #"{"task_id":"r/0","prompt":"def h(n):\n","entry_point":"h","canonical_solution":"    return 'x' * 600 + str(n)\n","contract":"","base_input":[[1]],"plus_input":[\#(plus)],"atol":0}"#
        try Data((problem + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        let samples = [
            #"{"task_id":"r/0","completion":"    return 'x' * 600 + str(n)\n"}"#,
            #"{"task_id":"r/0","completion":"    return '' if n == 1999 else 'x' * 600 + str(n)\n"}"#,
        ]
        try Data((samples.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let result = try await Self.assay(
            ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--out", "out", "--quiet", "--k", "1", "--no-taxonomy"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("expected outputs: 2001 computed"))
        let rows = try Self.lines(dir.path("out/results.jsonl"))
        #expect(rows[0]["status"] == .string("passed"))
        #expect(rows[1]["plus_status"] == .string("fail"))
        #expect(rows[1]["plus_fail_tests"] == .array([.array([.int(1999)])]))
        #expect(rows[1]["detail"]?.stringValue?.hasPrefix("plus input #1999: expected 'xxx") == true)
    }

    @Test(.tags(.datasets, .slow), .enabled(if: Datasets.available("HumanEvalPlus-Mini-v0.1.10.jsonl.gz"), Datasets.missing("HumanEvalPlus-Mini-v0.1.10.jsonl.gz")))
    func miniGroundTruthPassesBaseAndPlus() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.assay(
            ["evaluate", "--problems", "humanevalplus-mini", "--ground-truth", "--out", "out", "--quiet"], in: dir,
            environment: ["ASSAY_DATASETS": Datasets.folder!.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("humanevalplus-mini: 164 problems, 164 samples (run 1)"))
        let summary = try Self.json(dir.path("out/summary.json"))
        #expect(summary["base"]?["status_counts"] == .object(["pass": .int(164)]))
        #expect(summary["plus"]?["status_counts"] == .object(["pass": .int(164)]))
        #expect(summary["plus"]?["pass_at_k"]?["1"]?.doubleValue == 1.0)
        #expect(summary["problem_set_hash"] == .string("91486741f1627101021fbe50523df08eebb5b0bf5e804b633dcd5ca3c14dbd2f"))
    }
}
