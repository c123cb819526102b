import AssayCore
import AssayTestSupport
import FoundationEssentials
import Testing

/// Golden end-to-end test of the bug taxonomy in `assay evaluate` (bundled demo samples).
@Suite(.tags(.endToEnd, .sandbox)) struct TaxonomyEndToEndTests {
    @Test func evaluateLabelsEveryFailingSample() async throws {
        let dir = try TemporaryDirectory()
        let samples = TestPaths.problems.appendingPathComponent("assay-mini-samples.jsonl").path
        let arguments = ["evaluate", "--problems", "assay-mini", "--samples", samples, "--k", "1", "--quiet"]
        let result = try await runProgram(TestPaths.assayBinary, arguments + ["--out", "out"], in: dir.url,
                                          environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(result.status == 0, "\(result.stderr)")

        let lines = try EvaluateEndToEndTests.results(dir)
        let bySample = Dictionary(uniqueKeysWithValues: lines.map { ("\($0["task_id"]!.stringValue!)#\($0["sample"]!.intValue!)", $0) })
        // The subprocess sample passes only where the sandbox has no seccomp layer yet.
        let subprocessFails = bySample["AssayMini/20#1"]?["status"]?.stringValue != "passed"
        let failing = 58 + (subprocessFails ? 1 : 0)

        // The terminal table.
        #expect(result.stdout.contains("  bug types   \(failing) of \(failing) failing samples labelled"))
        #expect(result.stdout.contains(
            "    syntax     6 (\(subprocessFails ? "10.2" : "10.3")%)   incomplete_syntax_structure 1 · incorrect_indentation 1 · library_import_error 4\n"))
        #expect(result.stdout.contains("    functional 34 "))
        #expect(result.stdout.contains("misunderstanding_and_logic_error 23 · input_output_format_error 3 · functional_minors 8\n"))

        // results.jsonl: labels with their evidence, null for passing samples, complexity for all.
        let golden: [String: (String, String, String)] = [
            "AssayMini/0#2": ("syntax", "library_import_error", "high"),  // NameError on re
            "AssayMini/15#1": ("syntax", "library_import_error", "high"),  // numpy absent
            "AssayMini/17#1": ("syntax", "incomplete_syntax_structure", "high"),
            "AssayMini/19#1": ("syntax", "incorrect_indentation", "high"),
            "AssayMini/2#1": ("runtime", "incorrect_boundary_condition_check", "high"),
            "AssayMini/3#1": ("runtime", "runtime_minors", "low"),  // infinite loop: timeout
            "AssayMini/1#2": ("functional", "input_output_format_error", "medium"),  // print instead of return
            "AssayMini/20#0": ("functional", "misunderstanding_and_logic_error", "low"),  // string comparison of versions
        ]
        for (key, expected) in golden {
            let line = try #require(bySample[key])
            #expect(line["bug_category"]?.stringValue == expected.0, "\(key)")
            #expect(line["bug_subcategory"]?.stringValue == expected.1, "\(key)")
            #expect(line["bug_confidence"]?.stringValue == expected.2, "\(key)")
            #expect(line["bug_evidence"]?.stringValue?.isEmpty == false)
        }
        #expect(bySample["AssayMini/15#1"]?["bug_evidence"]?.stringValue?.contains("No module named 'numpy'") == true)
        let passed = try #require(bySample["AssayMini/0#0"])
        #expect(passed["bug_category"] == .null && passed["bug_subcategory"] == .null)
        #expect(passed["complexity"]?["loc"]?.intValue == 10 && passed["complexity"]?["cc"]?.doubleValue == 1)
        #expect(lines.allSatisfy { $0["complexity"]?["loc"]?.intValue != nil })

        // summary.json
        let taxonomy = try #require(try EvaluateEndToEndTests.summary(dir)["taxonomy"])
        #expect(taxonomy["failed_samples"]?.intValue == failing && taxonomy["classified"]?.intValue == failing)
        #expect(taxonomy["subcategories"]?["misunderstanding_and_logic_error"]?["count"]?.intValue == 23)
        #expect(taxonomy["subcategories"]?["library_import_error"]?["share_in_category"]?.doubleValue == 4.0 / 6.0)
        #expect(taxonomy["categories"]?["syntax"]?["share_of_all"]?.doubleValue == 6.0 / 97.0)
        let confidence = try #require(taxonomy["confidence"]?.objectValue)
        #expect(confidence.values.compactMap(\.intValue).reduce(0, +) == failing)
        #expect(taxonomy["high_confidence_share"]?.doubleValue == Double(confidence["high"]!.intValue!) / Double(failing))
        #expect(taxonomy["complexity"]?["passed"]?["samples"]?.intValue == 97 - failing)

        // A rerun resumes: same labels; --no-taxonomy leaves the fields out.
        let again = try await runProgram(TestPaths.assayBinary, arguments + ["--out", "again"], in: dir.url,
                                         environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(again.status == 0)
        #expect(try EvaluateEndToEndTests.results(dir, "again") == lines)
        let plain = try await runProgram(TestPaths.assayBinary, arguments + ["--out", "plain", "--no-taxonomy"], in: dir.url,
                                         environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(plain.status == 0 && !plain.stdout.contains("bug types"))
        #expect(try EvaluateEndToEndTests.summary(dir, "plain")["taxonomy"] == nil)
        #expect(try EvaluateEndToEndTests.results(dir, "plain").allSatisfy { $0["bug_category"] == nil })
    }

    /// Decision-table row 14: a timeout rerun once with ten times the limits tells a slow
    /// algorithm (passes), a wrong one (finishes wrong) and one that never ends (still running).
    @Test(.tags(.slow)) func timeoutsRerunWithTenTimesTheLimits() async throws {
        let dir = try TemporaryDirectory()
        let samples = [
            #"{"task_id": "AssayMini/3", "completion": "    while True:\n        pass\n"}"#,
            #"{"task_id": "AssayMini/6", "completion": "    import time\n    time.sleep(0.15)\n    steps = 0\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return steps\n"}"#,
            #"{"task_id": "AssayMini/6", "completion": "    import time\n    time.sleep(0.15)\n    big = n > 10 ** 20\n    steps = 0\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return steps + big\n"}"#,
        ]
        try Data((samples.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let result = try await runProgram(TestPaths.assayBinary, [
            "evaluate", "--problems", "assay-mini", "--samples", "s.jsonl", "--k", "1", "--quiet", "--out", "out", "--timeout", "0.6",
            "--rerun-timeouts",
        ], in: dir.url, environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try EvaluateEndToEndTests.results(dir)
        #expect(lines.map { $0["status"]?.stringValue } == ["timeout", "timeout", "timeout"])
        #expect(lines.map { $0["bug_subcategory"]?.stringValue } == ["runtime_minors", "functional_minors", "functional_minors"])
        #expect(lines[0]["bug_evidence"]?.stringValue?.contains("still running with ten times the limits") == true)
        #expect(lines[1]["bug_evidence"]?.stringValue?.contains("with ten times the limits it passes") == true)
        #expect(lines[2]["bug_evidence"]?.stringValue?.hasPrefix("with ten times the limits: ") == true)  // finishes, off by one
        #expect(lines.allSatisfy { $0["bug_tags"]?.arrayValue?.contains(.string("rerun_10x")) == true })
    }
}
