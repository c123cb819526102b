import AssayCore
import AssayTestSupport
import FoundationEssentials
import Reporting
import Scoring
import Storage
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Loads the fixture database's runs as the reports see them.
func fixtureData() async throws -> (ReportData, ReportData, TemporaryDirectory) {
    let dir = try TemporaryDirectory()
    let store = try await ReportFixture.populate(dir.path("r.sqlite"))
    return (try await store.reportData(run: 1), try await store.reportData(run: 2), dir)
}

func expectGolden(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    if let problem = Golden.mismatch(actual, name, in: fixtures) { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
}

@Suite struct ReportGoldenTests {
    @Test func textMarkdownAndJSONMatchTheGoldenFiles() async throws {
        let (data, _, _) = try await fixtureData()
        let report = try RunReport.make(data, options: ReportOptions(ks: [1, 2, 10]))
        expectGolden(TextReport.render(report), "report-run1.txt")
        expectGolden(MarkdownReport.render(report), "report-run1.md")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        expectGolden(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n", "report-run1.json")
    }

    @Test func numbersAreTheAnchorsAndIntervalsContainThem() async throws {
        let (data, _, _) = try await fixtureData()
        let report = try RunReport.make(data, options: ReportOptions(ks: [1, 2, 10]))
        // Fix/0: 1 of 2, Fix/1: 1 of 2, Fix/2: 0 of 1 → pass@1 = mean(0.5, 0.5, 0).
        #expect(report.passAtK.map(\.k) == [1])
        #expect(report.passAtK[0].value == NumpySum.mean([0.5, 0.5, 0.0]))
        #expect(report.skippedK == [2, 10])  // Fix/2 has one sample
        for estimate in report.passAtK + report.curve {
            #expect(estimate.ciLow! <= estimate.value && estimate.value <= estimate.ciHigh!)
        }
        #expect(report.statusCounts.first { $0.status == "timeout" }?.count == 1)
        #expect(report.sections.map(\.id) == ["eff_at_k", "repair", "other"])
        let repair = try #require(report.sections.first { $0.id == "repair" })
        #expect(repair.data.arrayValue?.last?["pass@1"]?.doubleValue == NumpySum.mean([0.5, 0.5, 1.0]))
    }

    @Test func sectionsAppearWhenTheirDataIsPresent() async throws {
        var (data, _, _) = try await fixtureData()
        let plain = try RunReport.make(data)
        #expect(!plain.sections.contains { ["generation", "taxonomy", "humaneval_plus"].contains($0.id) })
        data.run.spec.settings["model"] = "tiny-coder"
        data.run.spec.settings["temperature"] = "0.8"
        for t in data.tasks.indices {
            for s in data.tasks[t].samples.indices {
                let passed = data.tasks[t].samples[s].verdict?.status == .passed
                data.tasks[t].samples[s].annotations = [
                    "finish_reason": .string(s == 0 ? "stop" : "length"), "completion_tokens": .int(100), "prompt_tokens": .int(40),
                    "base_status": .string(passed ? "pass" : "fail"), "plus_status": .string(passed && t == 0 ? "pass" : "fail"),
                ]
                if !passed {
                    data.tasks[t].samples[s].annotations["bug_category"] = .string(t == 1 ? "runtime" : "functional")
                    data.tasks[t].samples[s].annotations["bug_subcategory"] = .string(t == 1 ? "definition_missing" : "logic_error")
                }
            }
        }
        data.tasks[0].metrics = ["eff@1": 0.4]
        data.tasks[1].metrics = ["eff@1": 0.2]
        let report = try RunReport.make(data)
        #expect(report.sections.map(\.id) == ["generation", "eff_at_k", "humaneval_plus", "taxonomy", "repair", "other"])
        let taxonomy = try #require(report.sections.first { $0.id == "taxonomy" })
        #expect(taxonomy.data["categories"] == .object(["runtime": .int(1), "functional": .int(2)]))
        let plus = try #require(report.sections.first { $0.id == "humaneval_plus" })
        #expect(plus.data["pass@1"]?["plus"]?.doubleValue == NumpySum.mean([0.5, 0.0, 0.0]))
        let generation = try #require(report.sections.first { $0.id == "generation" })
        #expect(generation.data["completion_tokens"] == .int(500) && generation.data["model"] == .string("tiny-coder"))
        let text = TextReport.render(report)
        #expect(text.contains("runtime") && text.contains("tiny-coder") && text.contains("base + plus"))
        let page = try HTMLReport.render(report, data: data, templates: TestPaths.repository.appendingPathComponent("Templates"))
        #expect(page.contains("section-taxonomy") && page.contains("section-humaneval_plus"))
    }
}

@Suite struct CompareTests {
    @Test func pairedComparisonFindsTheFlipsAndTheChangedLimits() async throws {
        let (a, b, _) = try await fixtureData()
        let comparison = try RunComparison.make(a, b)
        #expect(comparison.sharedTasks == 3)
        #expect(comparison.delta == NumpySum.mean([1, 0, 1]) - NumpySum.mean([0.5, 0.5, 0]))
        #expect(comparison.deltaCILow <= comparison.delta && comparison.delta <= comparison.deltaCIHigh)
        #expect(comparison.improved.map(\.taskID) == ["Fix/0", "Fix/2"])
        #expect(comparison.regressed.map(\.taskID) == ["Fix/1"])
        #expect(comparison.warnings.contains("runs differ in wall_ms: 3000 (run 1) vs 5000 (run 2)"))
        expectGolden(comparison.text(), "compare-1-2.txt")
    }

    @Test func aRunAgainstItselfIsExactlyZero() async throws {
        let (a, _, _) = try await fixtureData()
        let comparison = try RunComparison.make(a, a)
        #expect(comparison.delta == 0 && comparison.deltaCILow == 0 && comparison.deltaCIHigh == 0)
        #expect(comparison.improved.isEmpty && comparison.regressed.isEmpty && comparison.differences.isEmpty)
    }
}

@Suite struct StoredTaxonomyTests {
    @Test func labelsStoredByTheTaxonomyStageReachTheReport() async throws {
        let dir = try TemporaryDirectory()
        let store = try await ReportFixture.populate(dir.path("r.sqlite"))
        try await store.executeForTesting("""
            INSERT INTO sample_labels (run_id, task_id, sample_index, round, category, subcategory, confidence, rule, evidence,
                loc, cyclomatic, calls, classifier, labelled_at)
            VALUES (1, 'Fix/0', 1, 0, 'functional', 'misunderstanding_and_logic_error', 'high', 'wrong_value', 'got 6, expected 5',
                1, 1.0, 0, 'test', '2026-01-01T00:00:00.000Z');
            """)
        let data = try await store.reportData(run: 1)
        let sample = try #require(data.tasks.first { $0.taskID == "Fix/0" }?.samples.first { $0.index == 1 })
        #expect(sample.annotations["bug_subcategory"] == .string("misunderstanding_and_logic_error"))
        #expect(sample.annotations["loc"] == .int(1))
        let report = try RunReport.make(data)
        let taxonomy = try #require(report.sections.first { $0.id == "taxonomy" })
        #expect(taxonomy.data["categories"] == .object(["functional": .int(1)]) && taxonomy.data["high_confidence"] == .int(1))
    }
}
