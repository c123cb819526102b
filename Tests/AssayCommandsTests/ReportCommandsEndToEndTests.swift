import AssayCore
import AssayTestSupport
import FoundationEssentials
import Storage
import Testing

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Golden end-to-end tests of `assay runs`, `show`, `report`, `compare` and `export` on the built
/// binary, reading the fixture database (two finished runs with fixed timestamps).
@Suite(.tags(.endToEnd)) struct ReportCommandsEndToEndTests {
    static func fixture() async throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        _ = try await ReportFixture.populate(dir.path("f.sqlite"))
        return dir
    }

    static func assay(_ arguments: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, arguments + ["--db", "f.sqlite"], in: dir.url,
                             environment: ["ASSAY_HOME": TestPaths.repository.path])
    }

    static func expectGolden(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if let problem = Golden.mismatch(actual, name, in: fixtures) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }

    @Test func eachCommandPrintsItsGoldenOutput() async throws {
        let dir = try await Self.fixture()
        let cases: [([String], String)] = [
            (["runs"], "runs.txt"),
            (["show", "1", "Fix/0"], "show-1-Fix0.txt"),
            (["show", "latest", "Fix/1", "--sample", "0"], "show-latest-Fix1-0.txt"),
            (["report", "1", "--k", "1,2"], "report-1.txt"),
            (["report", "latest", "--json"], "report-latest.json"),
            (["report", "1", "--markdown"], "report-1.md"),
            (["compare", "1", "2"], "compare-1-2.txt"),
        ]
        for (arguments, golden) in cases {
            let result = try await Self.assay(arguments, in: dir)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            Self.expectGolden(result.stdout, golden)
        }
    }

    @Test func compareWarnsWhenLimitsDiffer() async throws {
        let dir = try await Self.fixture()
        let result = try await Self.assay(["compare", "1", "2"], in: dir)
        #expect(result.stderr == """
            warning: runs differ in cpu_ms: 3000 (run 1) vs 5000 (run 2)
            warning: runs differ in wall_ms: 3000 (run 1) vs 5000 (run 2)

            """)
        let same = try await Self.assay(["compare", "1", "1"], in: dir)
        #expect(same.stderr.isEmpty && same.stdout.contains("Δ (B − A)   +0.0000 [+0.0000, +0.0000]"))
    }

    @Test func exportWritesTheAnchorsFiles() async throws {
        let dir = try await Self.fixture()
        for (format, names) in [
            ("human-eval", ["samples.jsonl_results.jsonl"]), ("evalplus", ["samples.eval_results.json"]),
            ("bigcodebench", ["samples_eval_results.json", "samples_pass_at_k.json"]),
        ] {
            let result = try await Self.assay(["export", "1", "--format", format, "--out", "exported"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let expected = names.map { name in "wrote " + dir.path("exported/" + name) + "\n" }.joined()
            #expect(result.stdout == expected)
            for name in names {
                let text = String(decoding: FileManager.default.contents(atPath: dir.path("exported/\(name)")) ?? Data(), as: UTF8.self)
                Self.expectGolden(text, "export-\(name)")
            }
        }
    }

    @Test func htmlReportIsWritten() async throws {
        let dir = try await Self.fixture()
        let result = try await Self.assay(["report", "latest", "--html", "r.html"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty && result.stderr.hasPrefix("wrote r.html ("))
        let page = String(decoding: FileManager.default.contents(atPath: dir.path("r.html")) ?? Data(), as: UTF8.self)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("Run 2: fixture") && page.contains("0.6667"))
    }

    @Test func mistakesGetAMessageAndStatus2() async throws {
        let dir = try await Self.fixture()
        let cases: [([String], String)] = [
            (["report", "9"], "error: no run '9' in f.sqlite; `assay runs --db f.sqlite` lists the runs\n"),
            (["show", "1", "Nope/1"], "error: run 1 has no task 'Nope/1' (its tasks look like: Fix/0, Fix/1, Fix/2)\n"),
            (["show", "1", "Fix/2", "--sample", "4"], "error: Fix/2 has no sample 4 in run 1 (it has 1)\n"),
        ]
        for (arguments, message) in cases {
            let result = try await Self.assay(arguments, in: dir)
            #expect(result.status == 2 && result.stderr == message, "\(arguments): \(result.status) \(result.stderr)")
        }
        let missing = try await runProgram(TestPaths.assayBinary, ["runs", "--db", "nothing.sqlite"], in: dir.url)
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: no database at nothing.sqlite: run `assay evaluate` first, or pass --db <path>\n")
        #expect(!FileManager.default.fileExists(atPath: dir.path("nothing.sqlite")))  // nothing created
        let badFormat = try await Self.assay(["export", "1", "--format", "csv"], in: dir)
        #expect(badFormat.status != 0 && badFormat.stderr.contains("--format must be one of: human-eval, evalplus, bigcodebench"))
    }
}

/// The bundled demo, evaluated for real, then reported: the HTML report in Chromium shows the
/// numbers `summary.json` has, and no script error.
@Suite(.tags(.endToEnd, .sandbox)) struct RealRunReportTests {
    @Test func demoRunReportOpensInChromiumWithTheRunsNumbers() async throws {
        let dir = try TemporaryDirectory()
        let env = ["ASSAY_HOME": TestPaths.repository.path]
        let samples = TestPaths.problems.appendingPathComponent("assay-mini-samples.jsonl").path
        let evaluate = try await runProgram(
            TestPaths.assayBinary, ["evaluate", "--problems", "assay-mini", "--samples", samples, "--k", "1,2,3", "--out", "out", "--quiet"],
            in: dir.url, environment: env)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let summary = try EvaluateEndToEndTests.summary(dir)
        let passAt1 = try #require(summary["pass_at_k"]?["1"]?.doubleValue)

        let json = try await runProgram(TestPaths.assayBinary, ["report", "latest", "--json", "--k", "1,2,3"], in: dir.url, environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONDecoder().decode(JSONValue.self, from: Data(json.stdout.utf8))
        for (index, k) in ["1", "2", "3"].enumerated() {
            let ours = try #require(report["pass_at_k"]?.arrayValue?[index])
            #expect(ours["value"]?.doubleValue == summary["pass_at_k"]?[k]?.doubleValue)  // identical to evaluate's numbers
            #expect(ours["ci_low"]!.doubleValue! <= ours["value"]!.doubleValue! && ours["value"]!.doubleValue! <= ours["ci_high"]!.doubleValue!)
        }
        #expect(report["n_samples"] == .int(97))

        let html = try await runProgram(TestPaths.assayBinary, ["report", "latest", "--html", "report.html", "--k", "1,2,3"], in: dir.url, environment: env)
        #expect(html.status == 0, "\(html.stderr)")
        guard Chromium.path != nil else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must have chromium (.ci/run installs it)")
            return
        }
        let (dom, log) = try await Chromium.dumpDOM("file://\(dir.path("report.html"))#task=AssayMini/3")
        #expect(dom.contains("data-rendered=\"1\"") && !dom.contains("data-script-errors=\"1\""))
        #expect(Chromium.scriptErrors(in: log).isEmpty, "\(Chromium.scriptErrors(in: log))")
        let value = String(format4: passAt1)
        #expect(dom.contains("<div class=\"value\">\(value)</div>"), "pass@1 \(value) not on the page")
        #expect(dom.components(separatedBy: "<tr data-task=").count - 1 == 24)
        #expect(dom.contains("AssayMini/3: 1 of 4 passed"))
    }
}

extension String {
    /// Four decimals, as the reports print numbers.
    init(format4 value: Double) {
        let scaled = Int((value * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        self = "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    func components(separatedBy separator: String) -> [Substring] {
        split(separator: separator, omittingEmptySubsequences: false)
    }
}
