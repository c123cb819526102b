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
}
