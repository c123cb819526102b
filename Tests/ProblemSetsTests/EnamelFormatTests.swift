import AssayCore
import AssayTestSupport
import FoundationEssentials
import ProblemSets
import Testing

@Suite struct CSVTests {
    @Test func quotedFieldsHoldCommasNewlinesAndEscapedQuotes() throws {
        let text = "a,b,c\r\n1,\"two, with comma\",\"line1\nline2 \"\"quoted\"\"\"\r\n\"\",x,\r\n"
        let rows = try CSV.parse(Array(text.utf8))
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["1", "two, with comma", "line1\nline2 \"quoted\""], ["", "x", ""]])
        #expect(rows.map(\.line) == [1, 2, 4])  // the row after a two-line field starts on line 4
    }

    @Test func lastRowWithoutNewlineAndLFEndings() throws {
        #expect(try CSV.parse(Array("a,b\nc,d".utf8)).map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try CSV.parse(Array("".utf8)).isEmpty)
    }

    @Test func malformedInputNamesTheLine() {
        #expect(throws: CSV.ParseError(line: 2, message: "a quoted field is never closed")) {
            try CSV.parse(Array("a,b\n\"open,x\nmore".utf8))
        }
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Array("a,\"b\"c\n".utf8)) }
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Array("a,b\"c\n".utf8)) }
    }
}

@Suite struct EnamelFormatTests {
    static let file = "enamel.csv"

    @Test(.tags(.datasets), .enabled(if: Datasets.available(file), Datasets.missing(file)))
    func readsTheRealFile() throws {
        let path = Datasets.file(Self.file)!.path
        let all = try EnamelFormat.load(path: path, name: "enamel", evaluatedOnly: false)
        #expect(all.problems.count == 164)
        #expect(all.format == "enamel")
        #expect(all.hash == "1b77dba08bd3dedec199abce593c86a4f611c288475c318e1775bd56d1419b14")
        let set = try EnamelFormat.load(path: path, name: "enamel")
        #expect(set.problems.count == 142)
        #expect(!set.problems.contains { $0.taskID == "HumanEval/2" || $0.taskID == "HumanEval/160" })
        let byID = set.byTaskID
        // A prompt with commas and a quoted docstring (`""` escapes in the file), spanning lines.
        let first = try #require(byID["HumanEval/0"])
        #expect(first.prompt.hasSuffix("    >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)\n    True\n    \"\"\""))
        #expect(first.prompt.filter { $0 == "\"" }.count == 6)
        #expect(first.extras["input_levels"] == .array([.int(20), .int(100), .int(10000), .int(15000)]))
        #expect(first.extras["enamel_index"] == .int(0))
        #expect(first.canonicalSolution.hasPrefix("    numbers.sort()\n"))
        // One of the five special checkers, and the last row.
        let zero = try #require(byID["HumanEval/32"])
        #expect(zero.entryPoint == "find_zero")
        #expect(zero.extras["checker"]?.stringValue?.contains("math.fabs(poly(*input, output)) < 1e-4") == true)
        #expect(zero.extras["input_levels"] == .array([.int(4), .int(10), .int(20), .int(20)]))
        let last = try #require(set.problems.last)
        #expect(last.taskID == "HumanEval/163" && last.entryPoint == "generate_integers")
        #expect(last.extras["enamel_index"] == .int(163))
        #expect(set.problems.filter { $0.extras["checker"]?.stringValue?.contains("type(output) == type(answer) and output == answer") == true }.count == 138)
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(file), Datasets.missing(file)))
    func readsTheShippedSamplesFiles() throws {
        let set = try EnamelFormat.load(path: Datasets.file(Self.file)!.path, name: "enamel")
        for name in ["enamel_samples_humaneval-canonical.json", "enamel_samples_enamel-references.json"] {
            guard let path = Datasets.file(name)?.path else { continue }
            let file = try SamplesReader.read(path: path, problems: set)
            #expect(file.format == "enamel")
            #expect(file.samples.count == 142)
            #expect(file.issues.isEmpty)
            #expect(file.samples.first?.key == SampleKey(taskID: "HumanEval/0", index: 0))
            #expect(file.samples.first?.body.code.contains("def has_close_elements(") == true)
        }
    }

    @Test func samplesAsADictAndHumanEvalJSONL() throws {
        let dir = try TemporaryDirectory()
        let csv = "task_id,prompt,input_generator,input_levels,reference_solution,checker,entry_point\r\n"
            + ##"HumanEval/5,"def f(x):\##n    """"""doc, """"""","def generate_input(size, lid, cid):\##n    return (size,)",1 2,    return x,"def __check(input, answer, output):\##n    return output == answer",f"## + "\r\n"
            + "HumanEval/2,\"def g():\",x,1 2,    return 1,y,g\r\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir.path("p.csv")))
        let set = try EnamelFormat.load(path: dir.path("p.csv"), name: "p")
        #expect(set.problems.map(\.taskID) == ["HumanEval/5"])  // HumanEval/2 is not evaluated by ENAMEL
        #expect(set.problems[0].prompt == "def f(x):\n    \"\"\"doc, \"\"\"")
        try Data(#"{"5": ["def f(x):\n    return x", "def f(x):\n    return -x"]}"#.utf8).write(to: URL(fileURLWithPath: dir.path("s.json")))
        let dict = try SamplesReader.read(path: dir.path("s.json"), problems: set)
        #expect(dict.samples.map(\.key.index) == [0, 1] && dict.format == "enamel")
        let line = #"{"task_id": "HumanEval/5", "completion": "    return x\n"}"#
        try Data(line.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let jsonl = try SamplesReader.read(path: dir.path("s.jsonl"), problems: set)
        #expect(jsonl.format == "human-eval" && jsonl.samples.count == 1)
        try Data((line + "\n" + line + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("s2.jsonl")))
        let two = try SamplesReader.read(path: dir.path("s2.jsonl"), problems: set)
        #expect(two.format == "human-eval" && two.samples.map(\.key.index) == [0, 1])
        try Data("task_id,prompt\n".utf8).write(to: URL(fileURLWithPath: dir.path("bad.csv")))
        #expect(throws: InputError.self) { try EnamelFormat.load(path: dir.path("bad.csv"), name: "bad") }
    }
}
