import AssayCore
import AssayTestSupport
import FoundationEssentials
import ProblemSets
import Testing

@Suite struct PythonLiteralTests {
    @Test func parsesTheLiteralsDatasetsStore() throws {
        #expect(try PythonLiteral.stringList("['random', 'itertools']") == ["random", "itertools"])
        #expect(try PythonLiteral.stringList(#"["a", 'b\'c', "d\"e", 'tab\tx', '\x41\u00e9']"#) == ["a", "b'c", "d\"e", "tab\tx", "Aé"])
        #expect(try PythonLiteral.stringList("[]") == [])
        #expect(try PythonLiteral.stringList("[ 'a' ,\n 'b', ]") == ["a", "b"])
        #expect(try PythonLiteral.stringList("['ab' 'cd', r'\\d+']") == ["abcd", "\\d+"])
        #expect(try PythonLiteral.parse("[1, -2, 3.5, True, False, None, (1, 2), {'k': [0x10]}]") == .array([
            .int(1), .int(-2), .double(3.5), .bool(true), .bool(false), .null, .array([.int(1), .int(2)]),
            .object(["k": .array([.int(16)])]),
        ]))
        #expect(try PythonLiteral.parse("'''multi\nline'''") == .string("multi\nline"))
    }

    @Test func refusesWhatIsNotALiteral() {
        for text in ["['a'", "['a' 'b", "[os.system('x')]", "['a'] + ['b']", "[1, 2", "{'a' 1}", "'unterminated", "['a']]"] {
            #expect(throws: PythonLiteral.ParseError.self, "\(text)") { try PythonLiteral.parse(text) }
        }
        #expect(throws: PythonLiteral.ParseError.self) { try PythonLiteral.stringList("['a', 1]") }
    }
}

@Suite struct BigCodeBenchFormatTests {
    static let fileName = "BigCodeBench-v0.1.0-hf.jsonl.gz"

    static func line(_ id: String, libs: String = #"['os']"#, drop: String? = nil) -> String {
        var fields: [String: String] = [
            "task_id": id, "complete_prompt": "import os\ndef task_func():\n    \"\"\"doc\"\"\"\n", "instruct_prompt": "Write it.",
            "code_prompt": "import os\ndef task_func():\n", "canonical_solution": "    return 1\n",
            "test": "import unittest\nclass TestCases(unittest.TestCase):\n    def test_one(self):\n        self.assertEqual(task_func(), 1)\n",
            "entry_point": "task_func", "doc_struct": "{}", "libs": libs,
        ]
        if let drop { fields.removeValue(forKey: drop) }
        let data = try! JSONEncoder().encode(fields)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName), Datasets.missing(fileName)))
    func readsTheRealFileWithItsLibraries() throws {
        let path = Datasets.file(Self.fileName)!.path
        let complete = try BigCodeBenchFormat.load(path: path, name: "bigcodebench", split: .complete)
        #expect(complete.problems.count == 1_140)
        #expect(complete.format == "bigcodebench")
        #expect(complete.problems.first?.taskID == "BigCodeBench/0")
        #expect(complete.problems.last?.taskID == "BigCodeBench/1139")
        #expect(complete.problems.allSatisfy { $0.entryPoint == "task_func" && $0.test.contains("class TestCases") })
        #expect(complete.problems[0].libraries == ["random", "itertools"])
        let allLibs = complete.problems.flatMap(\.libraries)
        #expect(Set(allLibs).count == 139)  // formats.md §5: 139 libraries, mean 2.76 per task
        #expect(allLibs.count == 3_151)  // 2.76 per task
        #expect(complete.problems[0].prompt == complete.problems[0].extra("complete_prompt"))
        #expect(complete.problems[0].extra("code_prompt")?.hasPrefix("import itertools\nfrom random import shuffle\ndef task_func(") == true)

        let instruct = try BigCodeBenchFormat.load(path: path, name: "bigcodebench", split: .instruct)
        #expect(instruct.problems[0].prompt == instruct.problems[0].extra("instruct_prompt"))
        #expect(instruct.problems[0].prompt.hasSuffix("You should write self-contained code starting with:\n```\nimport itertools\nfrom random import shuffle\ndef task_func(numbers=list(range(1, 3))):\n```"))
        #expect(instruct.hash != complete.hash)  // the two splits are different problem sets

        // Found by short name (in ../shared/datasets beside the checkout), format detected from the fields.
        let byName = try DatasetCatalog.load("bigcodebench", split: .instruct)
        #expect(byName.hash == instruct.hash && byName.name == "bigcodebench")
    }

    @Test func namesTheMissingFieldAndABadLibsLiteral() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("b.jsonl")
        try Data((Self.line("B/0") + "\n" + Self.line("B/1", drop: "code_prompt") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try BigCodeBenchFormat.load(path: path, name: "b")
        } throws: { "\($0)".contains("b.jsonl:2") && "\($0)".contains("missing field 'code_prompt'") }
        try Data((Self.line("B/0", libs: "['os', __import__('x')]") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try BigCodeBenchFormat.load(path: path, name: "b")
        } throws: { "\($0)".contains("b.jsonl:1") && "\($0)".contains("'libs' is not a Python list of strings") }
        // A path with BigCodeBench's fields is read as BigCodeBench without naming the format.
        try Data((Self.line("B/0") + "\n" + Self.line("B/1", libs: "[]") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let set = try DatasetCatalog.load(path)
        #expect(set.format == "bigcodebench" && set.problems.map(\.libraries) == [["os"], []])
    }

    @Test func subsetsByIdNumberOrFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("b.jsonl")
        try Data((0..<4).map { Self.line("B/\($0)") + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
        let set = try DatasetCatalog.load(path)
        #expect(try ProblemSubset.ids(from: "B/2,0, 2", in: set) == ["B/2", "B/0"])
        try Data("# hard ones\nB/3\n1  # and this\n".utf8).write(to: URL(fileURLWithPath: dir.path("ids.txt")))
        #expect(try ProblemSubset.ids(from: dir.path("ids.txt"), in: set) == ["B/3", "B/1"])
        #expect {
            try ProblemSubset.ids(from: "B/1,B/9,x", in: set)
        } throws: { "\($0)".contains("2 task(s) that b.jsonl does not have: 'B/9', 'x'") }

        let subset = ProblemSubset.apply(["B/3", "B/1"], to: set)
        #expect(subset.problems.map(\.taskID) == ["B/1", "B/3"])  // the set's order
        #expect(subset.hash != set.hash && ProblemSubset.apply(["B/1", "B/3"], to: set).hash == subset.hash)
        #expect(ProblemSubset.apply(["B/0", "B/1", "B/2", "B/3"], to: set).hash == set.hash)
    }

    @Test func everyLibraryHasADomain() throws {
        let domains = try BigCodeBenchDomains.load(from: TestPaths.problems.appendingPathComponent(BigCodeBenchDomains.fileName))
        #expect(domains.domains == ["Computation", "General", "Visualization", "System", "Time", "Network", "Cryptography"])
        let task = Problem(taskID: "x", prompt: "", canonicalSolution: "", test: "", entryPoint: "f",
                           extras: ["libs": .array([.string("pandas"), .string("numpy"), .string("os"), .string("nope")])])
        #expect(domains.domains(of: task) == ["Computation", "System", "Unmapped"])
    }

    /// Assay's mapping is its own; the anchor's (reference data) agrees on most libraries, and
    /// every library of the real dataset is mapped.
    @Test(.tags(.datasets), .enabled(if: Datasets.available(fileName) && Datasets.available("bigcodebench_lib2domain.json"),
                                     Datasets.missing("bigcodebench_lib2domain.json")))
    func domainsCoverTheDatasetAndMostlyAgreeWithTheAnchor() throws {
        let domains = try BigCodeBenchDomains.load(from: TestPaths.problems.appendingPathComponent(BigCodeBenchDomains.fileName))
        let set = try BigCodeBenchFormat.load(path: Datasets.file(Self.fileName)!.path, name: "bigcodebench")
        let used = Set(set.problems.flatMap(\.libraries))
        #expect(used.subtracting(domains.libraries.keys).isEmpty)
        let data = try #require(FileManager.default.contents(atPath: Datasets.file("bigcodebench_lib2domain.json")!.path))
        let reference = try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
        let agree = used.filter { reference[$0]?.stringValue == domains.libraries[$0] }
        #expect(agree.count >= 120, "\(used.subtracting(agree).sorted())")  // 123 of 139 when written
    }
}
