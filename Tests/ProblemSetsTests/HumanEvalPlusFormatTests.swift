import AssayCore
import AssayTestSupport
import FoundationEssentials
import ProblemSets
import Testing

@Suite struct HumanEvalPlusFormatTests {
    @Test(.tags(.datasets), .enabled(if: Datasets.available("HumanEvalPlus-Mini-v0.1.10.jsonl.gz"), Datasets.missing("HumanEvalPlus-Mini-v0.1.10.jsonl.gz")))
    func readsTheMiniVariantByName() throws {
        let set = try DatasetCatalog.load("humanevalplus-mini")
        #expect(set.format == "humanevalplus")
        #expect(set.problems.count == 164)
        #expect(set.problems.map { $0.extras["n_plus_inputs"]?.intValue ?? 0 }.reduce(0, +) == 1_107)  // formats.md §2.2
        #expect(set.problems.map { $0.extras["n_base_inputs"]?.intValue ?? 0 }.reduce(0, +) == 1_570)
        #expect(set.problems.allSatisfy { $0.test.isEmpty })  // Mini has no `test`
        let tolerances = set.problems.filter { $0.atol != 0 }.map(\.taskID)
        #expect(tolerances == ["HumanEval/2", "HumanEval/4", "HumanEval/32"])
        #expect(set.problems[32].atol == 1e-4)
        #expect(set.problems[0].extras["contract"]?.stringValue?.contains("$_CONTRACT_$") == true)
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available("HumanEvalPlus-Mini-v0.1.10.jsonl.gz"), Datasets.missing("HumanEvalPlus-Mini-v0.1.10.jsonl.gz")))
    func keepsInputsAsExactText() throws {
        let set = try DatasetCatalog.load("humaneval+-mini")
        #expect(set.name == "humanevalplus-mini")
        // HumanEval/76 has integers beyond 64 bits: their digits survive untouched.
        let inputs = try #require(set.byTaskID["HumanEval/76"]?.inputsJSON("plus"))
        let elements = try RawJSON.arrayElements(Array(inputs.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(elements.contains { $0.filter(\.isNumber).count > 19 })
        #expect(elements.count == set.byTaskID["HumanEval/76"]?.extras["n_plus_inputs"]?.intValue)
    }

    @Test func detectsTheFormatFromAPathAndNamesBadFields() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("p.jsonl")
        let line = #"{"task_id":"t/0","prompt":"def f(x):\n","entry_point":"f","canonical_solution":"    return x\n","contract":"","base_input":[[1],[123456789012345678901234567890]],"plus_input":[],"atol":0}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let set = try DatasetCatalog.load(path)
        #expect(set.format == "humanevalplus")
        #expect(set.problems[0].inputsJSON("base") == "[[1],[123456789012345678901234567890]]")
        #expect(set.problems[0].extras["n_plus_inputs"] == .int(0))

        try Data((line.replacing(#""atol":0"#, with: #""atol":"x""#) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try DatasetCatalog.load(path)
        } throws: { error in
            "\(error)".contains("p.jsonl:1") && "\(error)".contains("atol")
        }
    }

    @Test func knowsTheAliases() {
        for name in ["humanevalplus", "humaneval+", "HumanEvalPlus", "humanevalplus-mini", "humanevalplus-noextreme"] {
            #expect(DatasetCatalog.entry(named: name)?.format == "humanevalplus", "\(name)")
        }
        #expect(DatasetCatalog.entry(named: "humanevalplus-noextreme")?.fileNames.first == "HumanEvalPlus-NoExtreme-v0.1.10.jsonl.gz")
    }
}
