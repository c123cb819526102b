import AssayCore
import AssayTestSupport
import FoundationEssentials
import Storage
import Testing

/// Golden end-to-end tests of `assay evaluate --problems bigcodebench` on tasks whose libraries and
/// tests need only the standard library (no BigCodeBench venv): 4 (collections, itertools), 13
/// (ftplib, mocked), 27 (base64, json, datetime), and 176, which needs real DNS and is excluded.
@Suite(.tags(.endToEnd, .sandbox, .datasets), .enabled(if: Datasets.available("BigCodeBench-v0.1.0-hf.jsonl.gz"), Datasets.missing("BigCodeBench-v0.1.0-hf.jsonl.gz")))
struct BigCodeBenchEndToEndTests {
    static let subset = "BigCodeBench/4,BigCodeBench/13,27,176"

    static func assay(_ arguments: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, arguments, in: dir.url, environment: ["ASSAY_DATASETS": Datasets.folder!.path])
    }

    static func json(_ dir: TemporaryDirectory, _ file: String) throws -> JSONValue {
        let data = try #require(FileManager.default.contents(atPath: dir.path(file)))
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    static func lines(_ dir: TemporaryDirectory, _ file: String) throws -> [JSONValue] {
        let data = try #require(FileManager.default.contents(atPath: dir.path(file)))
        return try JSONLines.split([UInt8](data)).map { try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)) }
    }

    @Test func groundTruthOfASubsetWithTheGate() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.assay(
            ["evaluate", "--problems", "bigcodebench", "--subset", Self.subset, "--ground-truth", "--out", "out", "--quiet", "--k", "1"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains(" packages; libraries: 10 of 10 importable; 4 of 4 tasks have all theirs"))
        #expect(result.stdout.contains("bigcodebench (complete, ground truth): 3 tasks scored, 3 samples (run 1)\n  pass@1      1.0000\n"))
        #expect(result.stdout.contains("  ground truth 3/3 canonical solutions pass (100.0% of the tasks not excluded)\n"))
        #expect(result.stdout.contains("  excluded    1 tasks (environment; listed in summary.json):\n    network needed: 1 (BigCodeBench/176)\n"))

        let summary = try Self.json(dir, "out/summary.json")
        #expect(summary["pass_at_k"] == .object(["1": .int(1)]) || summary["pass_at_k"] == .object(["1": .double(1)]))
        #expect(summary["n_problems"] == .int(3) && summary["n_samples"] == .int(3))
        #expect(summary["split"] == .string("complete"))
        #expect(summary["excluded"]?["BigCodeBench/176"]?.stringValue?.hasPrefix("network needed (gethostbyaddr ") == true)
        #expect(summary["ground_truth"]?["checked"] == .int(4) && summary["ground_truth"]?["passed"] == .int(3))
        #expect(summary["ground_truth"]?["environment_failures"] == .int(1))
        #expect(summary["ground_truth"]?["failures"] == .object([:]))
        #expect(summary["domains"]?["General"]?["n_problems"] == .int(2))  // 4 and 27 (json); 13 is Network + System
        #expect(summary["domains"]?["Network"]?["n_problems"] == .int(1))
        #expect(summary["settings"]?["wall_ms"] == .string("240000") && summary["settings"]?["harness"] == .string("bigcodebench-unittest/1:ground-truth"))
        #expect(summary["settings"]?["python_packages"]?.stringValue?.count == 64)

        let lines = try Self.lines(dir, "out/results.jsonl")
        #expect(lines.map { $0["task_id"]?.stringValue ?? "" } == ["BigCodeBench/4", "BigCodeBench/13", "BigCodeBench/27", "BigCodeBench/176"])
        #expect(lines[0]["tests"]?.arrayValue?.count == 8)
        #expect(lines[0]["tests"]?.arrayValue?.first?["name"] == .string("test_case_1"))
        #expect(lines[3]["excluded"]?.stringValue?.hasPrefix("network needed") == true)
        #expect(lines[3]["status"] == .string("failed"))

        // The per-test rows are in the database too.
        let store = try SQLiteStore(path: dir.path("assay.sqlite"))
        let tests = try await store.testResults(run: 1)
        #expect(tests[SampleKey(taskID: "BigCodeBench/13", index: 0)]?.map(\.status) == Array(repeating: "passed", count: 5))
    }

    @Test func samplesCalibratedAndRawAfterTheGate() async throws {
        let dir = try TemporaryDirectory()
        let bare = "def task_func(d):\n    return dict(Counter(itertools.chain.from_iterable(d.values())))\n"
        let full = """
            import json
            import base64
            from datetime import datetime
            def task_func(data: dict, DATE_FORMAT = "%Y-%m-%d %H:%M:%S") -> str:
                data['timestamp'] = datetime.now().strftime(DATE_FORMAT)
                return base64.b64encode(json.dumps(data).encode('ascii')).decode('ascii')

            """
        var samples = ""
        for (task, code) in [("BigCodeBench/4", bare), ("BigCodeBench/27", full), ("BigCodeBench/176", "def task_func(ip_addresses):\n    return {}\n")] {
            let object: JSONValue = .object(["task_id": .string(task), "solution": .string(code)])
            samples += String(decoding: try JSONEncoder().encode(object), as: UTF8.self) + "\n"
        }
        try Data(samples.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let result = try await Self.assay(
            ["evaluate", "--problems", "bigcodebench", "--subset", "4,27,176", "--samples", "s.jsonl", "--calibrated", "both",
             "--out", "out", "--quiet", "--k", "1"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("1 samples of 1 excluded tasks are not executed"))
        #expect(result.stdout.contains("(complete, calibrated): 2 tasks scored, 2 samples"))
        #expect(result.stdout.contains("  pass@1      1.0000\n  raw pass@1  0.5000  (solutions not calibrated)\n"))
        #expect(result.stderr.contains("calibrated and raw pass@1 differ by 0.5000"))

        let summary = try Self.json(dir, "out/summary.json")
        #expect(summary["calibrated"] == .bool(true))
        #expect(summary["pass_at_k_raw"]?["1"]?.doubleValue == 0.5)
        #expect(summary["excluded"]?.objectValue?.keys.sorted() == ["BigCodeBench/176"])
        let raw = try Self.lines(dir, "out/results-raw.jsonl")
        #expect(raw.map { $0["status"]?.stringValue ?? "" } == ["error", "passed"])
        #expect(raw[0]["error_type"] == .string("NameError"))

        // bigcodebench's own result files, with the per-test tracebacks as its `details` (run 3 is the raw one).
        let export = try await Self.assay(["export", "3", "--format", "bigcodebench", "--out", "exported"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        let eval = try Self.json(dir, "exported/s_eval_results.json")
        let details = eval["eval"]?["BigCodeBench/4"]?.arrayValue?.first?["details"]?.objectValue
        #expect(details?.count == 8)
        #expect(details?["test_case_1"]?.stringValue?.hasSuffix("NameError: name 'Counter' is not defined\n") == true)
        let passAtK = try Self.json(dir, "exported/s_pass_at_k.json")
        #expect(passAtK["pass@1"]?.doubleValue == 0.5 && passAtK["calibrated"] == .bool(false) && passAtK["split"] == .string("complete"))
        #expect(passAtK["gt_pass_rate"]?.doubleValue == 1.0 && passAtK["failed_tasks"] == .array([.string("BigCodeBench/176")]))
    }

    /// The BigCodeBench venv (Scripts/bigcodebench-env.sh), when it has been built on this machine.
    static var venvPython: String? {
        let environment = ProcessInfo.processInfo.environment
        let venv = environment["ASSAY_BIGCODEBENCH_VENV"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "/root") + "/.cache/assay/bigcodebench-py311"
        return FileManager.default.fileExists(atPath: venv + "/.assay-bigcodebench-stamp") ? venv + "/bin/python" : nil
    }

    /// Library-heavy tasks (pandas, numpy, matplotlib, statsmodels) through the venv; CI has no venv
    /// (building it takes ~40 minutes), so this is skipped there.
    @Test(.tags(.slow), .enabled(if: venvPython != nil, "BigCodeBench venv not built: run Scripts/bigcodebench-env.sh (or set ASSAY_BIGCODEBENCH_VENV)"))
    func libraryTasksPassWithTheVenv() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.assay(
            ["evaluate", "--problems", "bigcodebench", "--subset", "3,108,516", "--ground-truth", "--python", Self.venvPython!,
             "--out", "out", "--quiet", "--k", "1", "--no-taxonomy"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 tasks scored, 3 samples") && result.stdout.contains("pass@1      1.0000"), "\(result.stdout)")
        let summary = try Self.json(dir, "out/summary.json")
        #expect(summary["domains"]?["Computation"]?["n_problems"] == .int(3))
        #expect(summary["settings"]?["python"] == .string(Self.venvPython!))
    }

    @Test func aBadSubsetIsRefusedWithTheTaskIdShape() async throws {
        let dir = try TemporaryDirectory()
        let result = try await Self.assay(["evaluate", "--problems", "bigcodebench", "--subset", "BigCodeBench/99999", "--ground-truth"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: --subset names 1 task(s) that bigcodebench does not have: 'BigCodeBench/99999'"))
        #expect(result.stderr.contains("hint: task ids look like 'BigCodeBench/0'"))
        let split = try await Self.assay(["evaluate", "--problems", "bigcodebench", "--split", "hard", "--ground-truth"], in: dir)
        #expect(split.status != 0 && split.stderr.contains("--split must be complete or instruct"))
    }
}
