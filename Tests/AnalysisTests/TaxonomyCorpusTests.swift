import Analysis
import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import ProblemSets
import Storage
import Testing

/// The labelled corpus (`Problems/taxonomy-corpus.jsonl`, written by hand, ambiguous cases
/// included) through the real sandbox, the real static analysis and the classifier.
@Suite(.tags(.sandbox)) struct TaxonomyCorpusTests {
    struct Labelled {
        var sample: Sample
        var category: BugCategory
        var leaf: BugSubcategory
        var ambiguous: Bool
    }

    static func corpus() throws -> (ProblemSet, [Labelled]) {
        let problems = try DatasetCatalog.load(TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path)
        let data = try #require(FileManager.default.contents(atPath: TestPaths.problems.appendingPathComponent("taxonomy-corpus.jsonl").path))
        var counts: [String: Int] = [:]
        var labelled: [Labelled] = []
        for line in JSONLines.split([UInt8](data)) {
            let object = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(line.bytes)).objectValue)
            let task = try #require(object["task_id"]?.stringValue)
            let body: Sample.Body = object["solution"]?.stringValue.map { .solution($0) } ?? .completion(object["completion"]?.stringValue ?? "")
            let index = counts[task, default: 0]
            counts[task] = index + 1
            labelled.append(Labelled(
                sample: Sample(key: SampleKey(taskID: task, index: index), body: body),
                category: try #require(object["bug_category"]?.stringValue.flatMap(BugCategory.init(rawValue:))),
                leaf: try #require(object["bug_subcategory"]?.stringValue.flatMap(BugSubcategory.init(rawValue:))),
                ambiguous: object["ambiguous"]?.boolValue == true))
        }
        return (problems, labelled)
    }

    @Test func classifierAgreesWithTheHandLabels() async throws {
        try await SandboxLoad.run { try await Self.classifyCorpus() }
    }

    static func classifyCorpus() async throws {
        let (problems, corpus) = try Self.corpus()
        #expect(corpus.count >= 60)
        for leaf in BugSubcategory.allCases {
            #expect(corpus.filter { $0.leaf == leaf }.count >= 5, "\(leaf.rawValue) needs several samples")
        }
        #expect(corpus.filter(\.ambiguous).count >= 10)

        let executor = SandboxExecutor(configuration: SandboxConfiguration(
            mode: .exec, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
            sandboxes: TestPaths.sandboxes, slots: 2))
        defer { executor.shutdown() }
        let byTask = problems.byTaskID
        // CPU-bound samples stop at 2 s of CPU; the wall limit leaves room for a loaded machine.
        let limits = ExecutionLimits(wallMS: 10_000, cpuMS: 2_000, memoryBytes: 512 << 20)
        let outcomes = try await withThrowingTaskGroup(of: (SampleKey, ExecutionOutcome).self) { group in
            for item in corpus {
                let problem = try #require(byTask[item.sample.taskID])
                let (program, end) = ProgramAssembly.humanEval(problem: problem, body: item.sample.body)
                let request = SandboxRequest(
                    id: item.sample.key.description, kind: "humaneval", program: program, solutionEndLine: end,
                    entryPoint: problem.entryPoint, nonce: ProgramAssembly.nonce(), limits: limits)
                group.addTask { (item.sample.key, try await executor.execute(request)) }
            }
            var outcomes: [SampleKey: ExecutionOutcome] = [:]
            for try await (key, outcome) in group { outcomes[key] = outcome }
            return outcomes
        }
        #expect(outcomes.values.allSatisfy { $0.status != .passed }, "every corpus sample must fail")

        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("t.sqlite"))
        let stage = DiagnosisStage(store: store, analyzer: StaticAnalyzer(executor: executor))
        let result = try await stage.run(run: 1, problems: byTask, samples: corpus.map(\.sample), outcomes: outcomes)
        #expect(result.analysedNow == corpus.count)

        var categoryHits: [BugCategory: (Int, Int)] = [:]
        var leafHits: [BugSubcategory: (Int, Int)] = [:]
        var misses: [String] = []
        for item in corpus {
            let label = try #require(result.diagnoses[item.sample.key]?.label, "\(item.sample.key) has no label")
            let categoryOK = label.category == item.category
            let leafOK = label.subcategory == item.leaf
            categoryHits[item.category, default: (0, 0)].0 += categoryOK ? 1 : 0
            categoryHits[item.category, default: (0, 0)].1 += 1
            leafHits[item.leaf, default: (0, 0)].0 += leafOK ? 1 : 0
            leafHits[item.leaf, default: (0, 0)].1 += 1
            if !leafOK {
                misses.append("  \(item.sample.key)\(item.ambiguous ? " (ambiguous)" : ""): labelled \(item.leaf.rawValue), "
                              + "classified \(label.subcategory.rawValue) [\(label.confidence.rawValue), \(label.rule)]; alternatives: "
                              + label.alternatives.map(\.rawValue).joined(separator: ", "))
            }
        }
        let categoryCorrect = categoryHits.values.map(\.0).reduce(0, +)
        let leafCorrect = leafHits.values.map(\.0).reduce(0, +)
        var report = "taxonomy corpus: \(corpus.count) samples, categories \(categoryCorrect)/\(corpus.count), leaves \(leafCorrect)/\(corpus.count)\n"
        for category in BugCategory.allCases {
            let (hit, all) = categoryHits[category] ?? (0, 0)
            report += "  \(category.rawValue): \(hit)/\(all)\n"
            for leaf in BugSubcategory.allCases where leaf.category == category {
                let (hit, all) = leafHits[leaf] ?? (0, 0)
                report += "    \(leaf.code) \(leaf.rawValue): \(hit)/\(all)\n"
            }
        }
        report += "misses:\n" + misses.joined(separator: "\n")
        print(report)

        let categoryAccuracy = Double(categoryCorrect) / Double(corpus.count)
        let leafAccuracy = Double(leafCorrect) / Double(corpus.count)
        #expect(categoryAccuracy >= 0.95, "category accuracy \(categoryAccuracy)")
        #expect(leafAccuracy >= 0.85, "leaf accuracy \(leafAccuracy)")
        // Misses are allowed only where a second leaf is defensible, and the label must say so.
        for item in corpus {
            let label = try #require(result.diagnoses[item.sample.key]?.label)
            if label.subcategory != item.leaf {
                #expect(item.ambiguous, "\(item.sample.key): an unambiguous sample was misclassified")
                #expect(label.confidence != .high, "\(item.sample.key): a miss must not claim high confidence")
                #expect(label.alternatives.contains(item.leaf), "\(item.sample.key): the hand label must be among the alternatives")
            }
        }

        // Resume: everything is stored, so a second pass analyses nothing.
        let again = try await stage.run(run: 1, problems: byTask, samples: corpus.map(\.sample), outcomes: outcomes)
        #expect(again.analysedNow == 0)
        #expect(again.diagnoses == result.diagnoses)
    }
}
