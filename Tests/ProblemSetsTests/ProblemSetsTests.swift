import AssayCore
import AssayTestSupport
import FoundationEssentials
import ProblemSets
import Testing

@Suite struct HumanEvalFormatTests {
    @Test(.tags(.datasets), .enabled(if: Datasets.available("HumanEval.jsonl.gz"), Datasets.missing("HumanEval.jsonl.gz")))
    func readsTheRealHumanEvalFromGzip() throws {
        let set = try HumanEvalFormat.load(path: Datasets.file("HumanEval.jsonl.gz")!.path, name: "humaneval")
        #expect(set.problems.count == 164)
        #expect(set.problems.first?.taskID == "HumanEval/0")
        #expect(set.problems.last?.taskID == "HumanEval/163")
        #expect(set.problems[0].entryPoint == "has_close_elements")
        #expect(set.hash == "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef")
    }

    @Test func refusesAProblemFileWithABadLine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("p.jsonl")
        let good = #"{"task_id":"t/0","prompt":"def f():\n","canonical_solution":"    return 1\n","test":"def check(c):\n    assert c() == 1\n","entry_point":"f"}"#
        try Data((good + "\n{not json\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try HumanEvalFormat.load(path: path, name: "p")
        } throws: { error in
            "\(error)".contains("p.jsonl:2") && "\(error)".contains("malformed JSON")
        }
    }

    @Test func namesTheMissingField() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("p.jsonl")
        try Data(#"{"task_id":"t/0","prompt":"x","test":"y","entry_point":"f"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try HumanEvalFormat.load(path: path, name: "p")
        } throws: { error in
            "\(error)".contains("p.jsonl:1") && "\(error)".contains("canonical_solution")
        }
    }

    @Test func catalogSaysHowToGetAnUnknownSet() {
        #expect {
            try DatasetCatalog.load("no-such-benchmark")
        } throws: { error in
            "\(error)".contains("neither a file nor a known problem set")
        }
    }

    @Test func bundledProblemSetLoadsByName() throws {
        guard FileManager.default.fileExists(atPath: TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path) else { return }
        let set = try DatasetCatalog.load(TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path)
        #expect(set.problems.count >= 15)
    }
}

@Suite struct SamplesReaderTests {
    static let problemLine = #"{"task_id":"t/0","prompt":"def f():\n","canonical_solution":"    return 1\n","test":"def check(c):\n    assert c() == 1\n","entry_point":"f"}"#

    func problems() throws -> (TemporaryDirectory, ProblemSet) {
        let dir = try TemporaryDirectory()
        try Data((Self.problemLine + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        return (dir, try HumanEvalFormat.load(path: dir.path("p.jsonl"), name: "p"))
    }

    @Test func skipsBadLinesAndNamesThem() throws {
        let (dir, set) = try problems()
        var bytes = Array(#"{"task_id":"t/0","completion":"    return 1\n"}"#.utf8) + [0x0A]
        bytes += Array("{broken\n".utf8)
        bytes += Array(#"{"task_id":"t/9","completion":"x"}"#.utf8) + [0x0A]
        bytes += Array(#"{"task_id":"t/0"}"#.utf8) + [0x0A]
        bytes += Array(#"{"task_id":"t/0","completion":"\#u{0}"#.utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
        bytes += Array(#"{"task_id":"t/0","solution":"def f():\n    return 2\n","completion":"ignored"}"#.utf8) + [0x0A]
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let file = try SamplesReader.read(path: dir.path("s.jsonl"), problems: set)
        #expect(file.samples.count == 2)
        #expect(file.samples.map(\.index) == [0, 1])
        #expect(file.samples[1].body == .solution("def f():\n    return 2\n"))  // solution wins, as in evalplus
        #expect(file.format == "mixed")
        let messages = file.issues.map(\.description)
        #expect(messages.count == 4)
        #expect(messages[0].hasSuffix("s.jsonl:2: malformed JSON" + messages[0].split(separator: "JSON", maxSplits: 1)[1]))
        #expect(messages.contains { $0.contains(":3: unknown task_id 't/9'") })
        #expect(messages.contains { $0.contains(":4: no string 'completion' or 'solution'") })
        #expect(messages.contains { $0.contains(":5: invalid UTF-8") })
    }

    @Test func oversizedSamplesAreKeptButMarked() throws {
        let (dir, set) = try problems()
        let big = String(repeating: "x", count: 2_000)
        try Data((#"{"task_id":"t/0","completion":"\#(big)"}"# + "\n").utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let file = try SamplesReader.read(path: dir.path("s.jsonl"), problems: set, maxSampleBytes: 1_000)
        #expect(file.samples.count == 1)
        #expect(file.oversized[SampleKey(taskID: "t/0", index: 0)] == 2_000)
    }

    @Test func refusesAFileWithNothingUsable() throws {
        let (dir, set) = try problems()
        try Data("{}\n[1]\n".utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        #expect(throws: InputError.self) { try SamplesReader.read(path: dir.path("s.jsonl"), problems: set) }
    }

    @Test func readsEvalplusDirectories() throws {
        let (dir, set) = try problems()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.path("samples/t_0"), withIntermediateDirectories: true)
        try Data("def f():\n    return 1\n".utf8).write(to: URL(fileURLWithPath: dir.path("samples/t_0/10.py")))
        try Data("def f():\n    return 2\n".utf8).write(to: URL(fileURLWithPath: dir.path("samples/t_0/2.py")))
        let file = try SamplesReader.read(path: dir.path("samples"), problems: set)
        #expect(file.format == "directory")
        #expect(file.samples.map(\.body.code) == ["def f():\n    return 2\n", "def f():\n    return 1\n"])  // numeric order
    }

    @Test func groundTruthIsOneCanonicalSamplePerProblem() throws {
        let (_, set) = try problems()
        let samples = SamplesReader.groundTruth(set)
        #expect(samples.count == 1)
        #expect(samples[0].body == .completion("    return 1\n"))
    }
}
