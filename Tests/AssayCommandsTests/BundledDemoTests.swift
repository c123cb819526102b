import AssayCore
import AssayTestSupport
import FoundationEssentials
import Testing

/// README's main command on the bundled problem set: every sample gets the outcome
/// `Problems/assay-mini-expected.json` declares, and pass@k equals the declared values.
@Suite(.tags(.endToEnd, .sandbox)) struct BundledDemoTests {
    @Test func demoSamplesGetTheirDeclaredOutcomes() async throws {
        let dir = try TemporaryDirectory()
        let samples = TestPaths.problems.appendingPathComponent("assay-mini-samples.jsonl").path
        let result = try await runProgram(
            TestPaths.assayBinary,
            ["evaluate", "--problems", "assay-mini", "--samples", samples, "--k", "1,2,3", "--out", "out", "--quiet"],
            in: dir.url, environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(result.status == 0, "\(result.stderr)")

        let expectedData = try #require(FileManager.default.contents(atPath: TestPaths.problems.appendingPathComponent("assay-mini-expected.json").path))
        let expected = try #require(try JSONDecoder().decode(JSONValue.self, from: expectedData).objectValue)
        let lines = try EvaluateEndToEndTests.results(dir)
        #expect(lines.count == 97)
        var unconfinedSubprocess = false
        for line in lines {
            let task = try #require(line["task_id"]?.stringValue)
            let index = try #require(line["sample"]?.intValue)
            let status = try #require(line["status"]?.stringValue)
            let declared = try #require(expected[task]?.arrayValue?[index].stringValue)
            if declared == "not_passed" {
                if status == "passed" && !SeccompStatus.active {
                    unconfinedSubprocess = true  // only possible without the seccomp layer
                    continue
                }
                #expect(status != "passed", "\(task)#\(index) must not pass")
            } else {
                #expect(status == declared, "\(task)#\(index): \(status), declared \(declared) (\(line["detail"]?.stringValue ?? ""))")
            }
        }
        if unconfinedSubprocess { return }
        let declaredPassAtK = try #require(expected["pass_at_k"]?.objectValue)
        let summary = try EvaluateEndToEndTests.summary(dir)
        for k in ["1", "2", "3"] {
            let ours = try #require(summary["pass_at_k"]?[k]?.doubleValue)
            let theirs = try #require(declaredPassAtK["pass@\(k)"]?.doubleValue ?? declaredPassAtK[k]?.doubleValue)
            #expect(abs(ours - theirs) < 1e-12, "pass@\(k): \(ours) vs declared \(theirs)")
        }
    }
}

/// Whether this checkout's sandbox has its seccomp layer (the `subprocess` demo sample can only
/// pass without it).
enum SeccompStatus {
    static var active: Bool {
        FileManager.default.fileExists(atPath: TestPaths.sandboxes.appendingPathComponent("python-default.seccomp").path)
    }
}
