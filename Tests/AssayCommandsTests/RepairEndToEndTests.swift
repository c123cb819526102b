import AssayCore
import AssayTestSupport
import FoundationEssentials
import Testing

/// End-to-end `assay repair` against the loopback fake model server, whose scripted answers fix
/// a bug only when the critique prompt carries the information needed:
///
/// | sample | bug | fixed by |
/// |---|---|---|
/// | A `vowel_runs` | counts vowels, not runs | the failing test's actual value (`tests` and up) |
/// | B `smallest_multiple_of_all` | `math` not imported | the bug type (`taxonomy`, `static`); its first fix is off by one, fixed in round 2 from the test |
/// | C `group_by_length` | returns `{}` | the static finding "unused parameters: words" (`static`) |
/// | D `compare_versions` | string comparison | nothing: the model repeats its code |
/// | E `digit_sum_steps` | counter starts at 1 | a fresh sample (`resample`) |
/// | F `alternate_caps` | none (passes) | not repaired |
@Suite(.tags(.endToEnd, .sandbox, .network)) struct RepairEndToEndTests {
    static let prompts: [String: String] = {
        var prompts: [String: String] = [:]
        let data = FileManager.default.contents(atPath: TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path) ?? Data()
        for line in JSONLines.split([UInt8](data)) {
            if let object = try? JSONDecoder().decode(JSONValue.self, from: Data(line.bytes)), let id = object["task_id"]?.stringValue {
                prompts[id] = object["prompt"]?.stringValue ?? ""
            }
        }
        return prompts
    }()

    static let completions: [(String, String)] = [
        ("AssayMini/0", "    # counts the vowels\n    return sum(1 for ch in text.lower() if ch in 'aeiou')\n"),
        ("AssayMini/1", "    out = ''\n    upper = True\n    for c in text:\n        if c.isalpha():\n            out += c.upper() if upper else c.lower()\n            upper = not upper\n        else:\n            out += c\n    return out\n"),
        ("AssayMini/4", "    return {}\n"),
        ("AssayMini/6", "    # sample E: counter starts at one\n    steps = 1\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return steps\n"),
        ("AssayMini/7", "    result = 1\n    for k in range(2, n + 1):\n        result = result * k // math.gcd(result, k)\n    return result\n"),
        ("AssayMini/20", "    if a == b:\n        return 0\n    return 1 if a > b else -1\n"),
    ]

    static func fenced(_ code: String) -> JSONValue { .string("The fix:\n```python\n\(code)```\n") }
    static func same(_ task: String) -> JSONValue {
        fenced(prompts[task]! + completions.first { $0.0 == task }!.1)
    }

    static var script: JSONValue {
        let fixedA = "def vowel_runs(text: str) -> int:\n    count = 0\n    inside = False\n    for ch in text.lower():\n        if ch in 'aeiou':\n            if not inside:\n                count += 1\n            inside = True\n        else:\n            inside = False\n    return count\n"
        let halfB = "import math\n\ndef smallest_multiple_of_all(n: int) -> int:\n    result = 1\n    for k in range(2, n):\n        result = result * k // math.gcd(result, k)\n    return result\n"
        let fixedB = "import math\n\ndef smallest_multiple_of_all(n: int) -> int:\n    result = 1\n    for k in range(2, n + 1):\n        result = result * k // math.gcd(result, k)\n    return result\n"
        let fixedC = "def group_by_length(words):\n    groups = {}\n    for w in words:\n        groups.setdefault(len(w), []).append(w)\n    return groups\n"
        let fixedE = "def digit_sum_steps(n: int) -> int:\n    steps = 0\n    while n >= 10:\n        n = sum(int(d) for d in str(n))\n        steps += 1\n    return steps\n"
        return .object([
            "models": ["fake-coder"],
            "answers": .array([
                ["match": "Actual: 5", "responses": [fenced(fixedA)]],
                ["match": "Actual: 6", "responses": [fenced(fixedB)]],
                ["match": "A.3 Library Import Error", "responses": [fenced(halfB)]],
                ["match": "unused parameters: words", "responses": [fenced(fixedC)]],
                ["match": "sample E: counter starts at one", "responses": [same("AssayMini/6")]],
                ["match": "def vowel_runs", "responses": [same("AssayMini/0")]],
                ["match": "def smallest_multiple_of_all", "responses": [same("AssayMini/7")]],
                ["match": "def group_by_length", "responses": [same("AssayMini/4")]],
                ["match": "def compare_versions", "responses": [same("AssayMini/20")]],
                ["match": "def digit_sum_steps", "responses": [same("AssayMini/6"), fenced(fixedE)]],
            ]),
        ])
    }

    @Test func conditionsGiveTheirPredictedGains() async throws {
        let dir = try TemporaryDirectory()
        var samples = ""
        for (task, completion) in Self.completions {
            let line = try JSONEncoder().encode(JSONValue.object(["task_id": .string(task), "completion": .string(completion)]))
            samples += String(decoding: line, as: UTF8.self) + "\n"
        }
        try Data(samples.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let environment = ["ASSAY_HOME": TestPaths.repository.path]
        let evaluate = try await runProgram(
            TestPaths.assayBinary, ["evaluate", "--problems", "assay-mini", "--samples", "s.jsonl", "--k", "1", "--quiet", "--out", "eval"],
            in: dir.url, environment: environment)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")

        let server = try await FakeModelServer(script: Self.script)
        defer { server.stop() }
        func repair(_ condition: String) async throws -> (ProcessResult, [String: JSONValue]) {
            let result = try await runProgram(TestPaths.assayBinary, [
                "repair", "--from", "1", "--condition", condition, "--rounds", "2", "--model", "fake-coder", "--base-url", server.baseURL,
                "--quiet", "--out", condition,
            ], in: dir.url, environment: environment)
            let data = FileManager.default.contents(atPath: dir.path("\(condition)/repair.json")) ?? Data()
            return (result, (try? JSONDecoder().decode(JSONValue.self, from: data).objectValue) ?? [:])
        }

        // condition → (pass@1 after rounds 0, 1, 2; model calls)
        let expected: [(String, [Double], Int)] = [
            ("resample", [1.0 / 6, 2.0 / 6, 2.0 / 6], 5),
            ("tests", [1.0 / 6, 2.0 / 6, 2.0 / 6], 5),
            ("taxonomy", [1.0 / 6, 2.0 / 6, 3.0 / 6], 6),
            ("static", [1.0 / 6, 3.0 / 6, 4.0 / 6], 6),
            // The scripted model cannot name a bug type: the list of types alone fixes nothing more than tests.
            ("selfdiagnosis", [1.0 / 6, 2.0 / 6, 2.0 / 6], 5),
        ]
        var reports: [String: [String: JSONValue]] = [:]
        for (condition, passAt1, calls) in expected {
            let (result, report) = try await repair(condition)
            #expect(result.status == 0, "\(condition): \(result.stderr)")
            reports[condition] = report
            let rounds = report["rounds"]?.arrayValue ?? []
            #expect(rounds.map { $0["pass_at_1"]?.doubleValue ?? -1 } == passAt1, "\(condition): \(result.stdout)")
            #expect(rounds.last?["calls"]?.intValue == calls, "\(condition)")
            #expect(report["failed_at_start"]?.intValue == 5)
            #expect(result.stdout.contains("repair (\(condition)) of run 1: 5 of 6 samples failed at round 0"))
        }

        // Gains, as the notes define them, for the static condition after 2 rounds.
        let last = try #require(reports["static"]?["rounds"]?.arrayValue?.last)
        #expect(abs((last["gain_pp"]?.doubleValue ?? 0) - 50.0) < 1e-9)
        #expect(abs((last["relative_gain"]?.doubleValue ?? 0) - 3.0) < 1e-9)
        #expect(abs((last["fix_rate"]?.doubleValue ?? 0) - 0.6) < 1e-9)
        #expect(reports["static"]?["note"]?.stringValue?.contains("held-out mode") == true)
        // Transitions: B goes from a missing import to a logic error, then passes.
        let taxonomyRounds = try #require(reports["taxonomy"]?["rounds"]?.arrayValue)
        #expect(taxonomyRounds[1]["transitions"]?["library_import_error"]?["functional_minors"]?.intValue == 1
                || taxonomyRounds[1]["transitions"]?["library_import_error"]?["misunderstanding_and_logic_error"]?.intValue == 1)
        #expect(taxonomyRounds[2]["transitions"]?.objectValue?.values.compactMap { $0["PASS"]?.intValue }.reduce(0, +) == 1)
        #expect(taxonomyRounds[1]["stops"]?["repeated_code"]?.intValue == 3)

        // At equal cost: resample (A) against static (B), by cumulative model calls.
        let runA = try #require(reports["resample"]?["repair_run"]?.intValue)
        let runB = try #require(reports["static"]?["repair_run"]?.intValue)
        let compare = try await runProgram(TestPaths.assayBinary, ["compare", String(runA), String(runB), "--json"], in: dir.url, environment: environment)
        #expect(compare.status == 0, "\(compare.stderr)")
        let budget = try JSONDecoder().decode(JSONValue.self, from: Data(compare.stdout.utf8))["budget"]
        let rows: [JSONValue] = budget?["at_equal_calls"]?.arrayValue ?? []
        let calls: [Int] = rows.map { $0["calls"]?.intValue ?? -1 }
        let passA: [Double] = rows.map { $0["pass_at_1_a"]?.doubleValue ?? -1 }
        let passB: [Double] = rows.map { $0["pass_at_1_b"]?.doubleValue ?? -1 }
        #expect(calls == [0, 5, 6], "\(compare.stdout)")
        #expect(passA == [1.0 / 6, 2.0 / 6, 2.0 / 6] && passB == [1.0 / 6, 3.0 / 6, 4.0 / 6], "\(compare.stdout)")
        let text = try await runProgram(TestPaths.assayBinary, ["compare", String(runA), String(runB)], in: dir.url, environment: environment)
        #expect(text.stdout.contains("repair at equal cost: A = run \(runA) (resample), B = run \(runB) (static)"), "\(text.stdout)")
        #expect(text.stdout.contains("pass@1 at equal model calls"))
        // `assay runs` shows a repair run's pass@1 from round 0 to its last round.
        let runs = try await runProgram(TestPaths.assayBinary, ["runs"], in: dir.url, environment: environment)
        #expect(runs.stdout.split(separator: "\n").contains { $0.hasPrefix("  \(runB) ") && $0.contains("0.1667 → 0.6667") }, "\(runs.stdout)")

        // Resume: the same command again asks the server nothing new and reports the same.
        let before = try server.requests().count
        let (again, report) = try await repair("static")
        #expect(again.status == 0 && again.stderr.contains("(resumed)"))
        #expect(try server.requests().count == before)
        #expect(report["rounds"] == reports["static"]?["rounds"])
    }

    /// HumanEval+: feedback from HumanEval's base tests (the problem's `check`), scoring on the
    /// base and plus inputs. A sample that special-cases the base inputs passes its feedback at
    /// round 0, so it is never repaired and counts as false confidence; a wrong formula is fixed
    /// from the failing base test's actual value and then passes plus too.
    @Test func humanEvalPlusRunsAreRepairedOnBaseTestsAndScoredOnPlus() async throws {
        let dir = try TemporaryDirectory()
        let problem: JSONValue = [
            "task_id": "t/0", "prompt": "def f(x):\n    \"\"\"Twice x.\"\"\"\n", "entry_point": "f",
            "canonical_solution": "    return x * 2\n", "contract": "", "atol": 0,
            "base_input": [[1], [2], [3]], "plus_input": [[10], [-5], [1000]],
            "test": "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 4\n    assert candidate(3) == 6\n",
        ]
        try (JSONEncoder().encode(problem) + Data("\n".utf8)).write(to: URL(fileURLWithPath: dir.path("p.jsonl")))
        var samples = ""
        for completion in ["    return {1: 2, 2: 4, 3: 6}.get(x, 0)\n", "    return x + 2  # plus two\n"] {
            let line = try JSONEncoder().encode(JSONValue.object(["task_id": "t/0", "completion": .string(completion)]))
            samples += String(decoding: line, as: UTF8.self) + "\n"
        }
        try Data(samples.utf8).write(to: URL(fileURLWithPath: dir.path("s.jsonl")))
        let io = ["--min-time-limit", "0.5"]
        let evaluate = try await runProgram(
            TestPaths.assayBinary, ["evaluate", "--problems", "p.jsonl", "--samples", "s.jsonl", "--k", "1", "--quiet", "--out", "eval"] + io,
            in: dir.url)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")

        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"],
            "answers": [["match": "Actual: 3", "responses": [Self.fenced("def f(x):\n    return x * 2\n")]],
                        ["match": "plus two", "responses": [Self.fenced("def f(x):\n    return x + 2  # plus two\n")]]],
        ])
        defer { server.stop() }
        let result = try await runProgram(TestPaths.assayBinary, [
            "repair", "--from", "1", "--problems", "p.jsonl", "--condition", "tests", "--rounds", "2", "--model", "fake-coder",
            "--base-url", server.baseURL, "--quiet", "--out", "r",
        ] + io, in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
        let data = try #require(FileManager.default.contents(atPath: dir.path("r/repair.json")))
        let report = try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
        let rounds = report["rounds"]?.arrayValue ?? []
        #expect(rounds.map { $0["pass_at_1"]?.doubleValue ?? -1 } == [0, 0.5, 0.5], "\(result.stdout)")
        #expect(rounds.first?["false_confidence"]?.intValue == 1, "\(result.stdout)")
        #expect(rounds.last?["calls"]?.intValue == 1)
        #expect(report["note"]?.stringValue == "held-out mode: feedback from the visible tests (HumanEval's base tests), scoring on the base and plus inputs")
        // The same problem set without the HumanEval+ options of the source run: scored differently, and said so.
        let mismatched = try await runProgram(TestPaths.assayBinary, [
            "repair", "--from", "1", "--problems", "p.jsonl", "--condition", "tests", "--rounds", "1", "--model", "fake-coder",
            "--base-url", server.baseURL, "--quiet", "--out", "r2",
        ], in: dir.url)
        #expect(mismatched.status == 0 && mismatched.stderr.contains("its repair rounds are scored with evalplus-io/1 min=4.0"), "\(mismatched.stderr)")
    }

    @Test func unusableSourcesAreRefusedWithAMessage() async throws {
        let dir = try TemporaryDirectory()
        let common = ["--condition", "tests", "--model", "m", "--base-url", "http://127.0.0.1:9/v1", "--db", "r.sqlite"]
        let missing = try await runProgram(TestPaths.assayBinary, ["repair", "--from", "7"] + common, in: dir.url)
        #expect(missing.status == 2 && missing.stderr.contains("error: no run '7' in r.sqlite"))
        #expect(missing.stderr.contains("hint: give a run id (see the runs table) or latest"))
        let empty = try await runProgram(TestPaths.assayBinary, ["repair", "--from", "latest"] + common, in: dir.url)
        #expect(empty.status == 2 && empty.stderr.contains("holds no run to repair"))
        let badCondition = try await runProgram(TestPaths.assayBinary, ["repair", "--from", "1", "--condition", "magic", "--model", "m"], in: dir.url)
        #expect(badCondition.status != 0 && badCondition.stderr.contains("--condition must be one of: resample, tests, taxonomy, static, selfdiagnosis"))
    }
}
