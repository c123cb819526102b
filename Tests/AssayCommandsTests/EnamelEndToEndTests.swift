import AssayCore
import AssayTestSupport
import FoundationEssentials
import Testing

/// End to end: `assay evaluate` on a small ENAMEL-format problem file, through the real sandbox.
@Suite(.tags(.endToEnd, .sandbox, .slow)) struct EnamelEndToEndTests {
    /// Two problems in enamel.csv's format. The second generator draws from `list(set(...))`, whose
    /// order would depend on the per-process string hash seed without Assay's stable sets.
    static let problems = [
        "task_id,prompt,input_generator,input_levels,reference_solution,checker,entry_point",
        ##"HumanEval/1000,"def total(xs):\##n    """"""Sum of xs.""""""","def generate_input(size, lid, cid):\##n    return [random.randint(-100, 100) for _ in range(size)],",10 100 1000 3000,    return sum(xs),"def __check(input, answer, output):\##n    return type(output) == type(answer) and output == answer",total"##,
        ##"HumanEval/1001,"def rev(s):\##n    """"""Reversed.""""""","def generate_input(size, lid, cid):\##n    letters = list(set(string.ascii_lowercase) - {'a'})\##n    return ''.join(random.choice(letters) for _ in range(size)),",5 50 500 5000,    return s[::-1],"def __check(input, answer, output):\##n    return type(output) == type(answer) and output == answer",rev"##,
    ].joined(separator: "\r\n") + "\r\n"

    static let samples = #"""
        {"1000": ["def total(xs):\n    return sum(xs)",
                  "def total(xs):\n    s = 0\n    for i in range(len(xs)):\n        s = sum(xs[:i + 1])\n    return s",
                  "def total(xs):\n    return sum(xs) + 1",
                  "def total(xs):\n    raise ValueError('no')",
                  "def total(xs):\n    print(xs)\n    return sum(xs)"],
         "1001": ["def rev(s):\n    return ''.join(reversed(s))"]}
        """#

    static func run(_ arguments: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, ["evaluate", "--problems", "p.csv", "--samples", "s.json", "--db", "e.sqlite", "--quiet", "--k", "1,5"] + arguments,
                             in: dir.url)
    }

    static func json(_ dir: TemporaryDirectory, _ path: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try #require(FileManager.default.contents(atPath: dir.path(path))))
    }

    @Test func efficiencyRunScoresSamplesByENAMELsRules() async throws {
        let dir = try TemporaryDirectory()
        try Data(Self.problems.utf8).write(to: URL(fileURLWithPath: dir.path("p.csv")))
        try Data(Self.samples.utf8).write(to: URL(fileURLWithPath: dir.path("s.json")))

        let refused = try await Self.run(["--jobs", "2"], in: dir)
        #expect(refused.status == 2 && refused.stderr.contains("use --jobs 1"), "\(refused.stderr)")

        let first = try await Self.run(["--out", "first"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("timing: CPU time of the sandboxed child"))
        #expect(first.stdout.contains("eff@1"))
        let summary = try Self.json(dir, "first/summary.json")
        // pass@1: problem 1000 has 2 of 5 passing (the slow one passes: its timeout is on a hard level), 1001 has 1 of 1.
        #expect(summary["pass_at_k"]?["1"]?.doubleValue.map { abs($0 - 0.7) < 1e-12 } == true)
        #expect(summary["skipped_k"] == .array([.int(5)]))
        #expect(summary["eff_at_k"]?["1"]?.doubleValue != nil)
        #expect(summary["efficiency"]?["timing"] == .string("cpu"))
        #expect(summary["efficiency"]?["instruction_counts"]?.stringValue?.isEmpty == false)
        #expect(summary["efficiency"]?["changed_tests"] == .array([]))
        #expect(summary["settings"]?["enamel_n_tests"] == .string("8,4,4,4"))

        let data = try #require(FileManager.default.contents(atPath: dir.path("first/results.jsonl")))
        let lines = try JSONLines.split([UInt8](data)).map { try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)) }
        #expect(lines.map { $0["status"]?.stringValue ?? "" } == ["passed", "passed", "failed", "error", "error", "passed"])
        let fast = try #require(lines[0]["eff"]?.doubleValue)
        let slow = try #require(lines[1]["eff"]?.doubleValue)
        #expect(fast > 0 && slow < fast, "fast \(fast), slow \(slow)")
        let slowLevels = try #require(lines[1]["eff_levels"]?.arrayValue?.compactMap { $0.doubleValue })
        #expect(slowLevels.count == 4 && slowLevels[0] == 0 && slowLevels[3] == 0)  // censored at a hard level
        #expect(lines[1]["detail"]?.stringValue?.contains("Timeout on level") == true)
        #expect(lines[2]["error_type"] == .string("WrongOutput") && lines[2]["eff"]?.doubleValue == 0)
        #expect(lines[3]["error_type"] == .string("ValueError"))
        #expect(lines[4]["error_type"] == .string("TypeError"))  // as in ENAMEL, print is None while timed
        #expect(try #require(lines[5]["eff"]?.doubleValue) > 0)

        // The same command resumes; a fresh run regenerates identical tests (same digests).
        let again = try await Self.run(["--out", "again"], in: dir)
        #expect(again.stderr.contains("resumed; 0 problems timed now"), "\(again.stderr)")
        #expect(try Self.json(dir, "again/summary.json")["eff_at_k"] == summary["eff_at_k"])
        let fresh = try await Self.run(["--out", "fresh", "--fresh"], in: dir)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try Self.json(dir, "fresh/summary.json")["efficiency"]?["changed_tests"] == .array([]))
        #expect(!fresh.stderr.contains("differ from an earlier run"))
    }
}
