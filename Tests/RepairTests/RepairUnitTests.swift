import AssayCore
import AssayTestSupport
import FoundationEssentials
import Repair
import Testing

@Suite struct VisibleTestsTests {
    @Test func docstringExamplesBecomeAsserts() throws {
        let prompt = """
            def second_largest_distinct(numbers):
                \"\"\" Return the second largest distinct value.
                >>> second_largest_distinct([4, 1, 4, 3])
                3
                >>> second_largest_distinct([7, 7]) is None
                True
                >>> print('no value')
                \"\"\"

            """
        let examples = VisibleTests.examples(in: prompt)
        #expect(examples == [
            VisibleTests.Example(source: "second_largest_distinct([4, 1, 4, 3])", expected: "3"),
            VisibleTests.Example(source: "second_largest_distinct([7, 7]) is None", expected: "True"),
        ])
        #expect(VisibleTests.checkFunction(examples, entryPoint: "second_largest_distinct") == """
            def check(candidate):
                second_largest_distinct = candidate
                assert (second_largest_distinct([4, 1, 4, 3])) == (3)
                assert (second_largest_distinct([7, 7]) is None) == (True)

            """)
        #expect(VisibleTests.feedbackProblem(for: Problem(taskID: "t", prompt: "def f():\n    \"\"\"No examples.\"\"\"\n",
                                                          canonicalSolution: "", test: "", entryPoint: "f")) == nil)
    }

    @Test func everyBundledProblemHasVisibleTests() throws {
        let data = try #require(FileManager.default.contents(atPath: TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path))
        var count = 0
        for line in JSONLines.split([UInt8](data)) {
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(line.bytes))
            let prompt = try #require(object["prompt"]?.stringValue)
            #expect(!VisibleTests.examples(in: prompt).isEmpty, "\(object["task_id"]?.stringValue ?? "")")
            count += 1
        }
        #expect(count == 24)
    }
}

@Suite struct CritiquePromptTests {
    static func inputs(label: BugLabel?) -> CritiquePrompt.Inputs {
        CritiquePrompt.Inputs(
            problem: Problem(taskID: "t", prompt: "def f(x):\n    \"\"\"Double x.\"\"\"\n", canonicalSolution: "", test: "", entryPoint: "f"),
            code: "def f(x):\n    return x + x + 1\n", round: 0, feedback: "Failed test: assert f(1) == 2\nActual: 3\nExpected: 2",
            feedbackSource: "visible tests", label: label, findings: ["line 2: something"])
    }

    @Test func sectionsFollowTheCondition() throws {
        let prompt = try CritiquePrompt.load(from: TestPaths.problems.appendingPathComponent("repair"))
        #expect(prompt.definitions.count == 12)
        let label = BugLabel(.functionalMinors, .low, rule: "off_by_one", evidence: "actual 3, expected 2")
        let tests = prompt.messages(.tests, Self.inputs(label: label)).last!.content
        #expect(tests.contains("## Previous solution (round 0)") && tests.contains("Actual: 3"))
        #expect(!tests.contains("Diagnosed bug type") && !tests.contains("Static analysis") && !tests.contains("in terms of"))
        let taxonomy = prompt.messages(.taxonomy, Self.inputs(label: label)).last!.content
        #expect(taxonomy.contains("C.4 Functional Minors (Functional bug): A small functional slip"))
        #expect(taxonomy.contains("Evidence: actual 3, expected 2") && !taxonomy.contains("Static analysis"))
        let staticPrompt = prompt.messages(.static, Self.inputs(label: label)).last!.content
        #expect(staticPrompt.contains("## Static analysis\nline 2: something"))
        #expect(staticPrompt.contains("complete fixed function `f`"))
        #expect(prompt.messages(.static, Self.inputs(label: label)).first?.role == .system)
        // R4: every type listed (codes and ids, with definitions), no classifier label, the model names the type.
        let own = prompt.messages(.selfdiagnosis, Self.inputs(label: label)).last!.content
        #expect(own.contains("## Bug types\n") && own.contains("- A.1 incomplete_syntax_structure: ") && own.contains("- C.4 functional_minors: A small functional slip"))
        #expect(own.split(separator: "\n").filter { $0.hasPrefix("- ") && $0.contains(".") }.count == 12)
        #expect(!own.contains("Diagnosed bug type") && !own.contains("actual 3, expected 2") && own.contains("naming the bug type from the list above"))
    }
}

@Suite struct RepairReportTests {
    @Test func gainsFixRateAndTransitions() {
        // Two tasks, two samples each; three fail at round 0.
        let keys = [SampleKey(taskID: "a", index: 0), SampleKey(taskID: "a", index: 1), SampleKey(taskID: "b", index: 0), SampleKey(taskID: "b", index: 1)]
        let samples = keys.map { Sample(key: $0, body: .completion("")) }
        let start: [SampleKey: ExecutionOutcome] = [
            keys[0]: ExecutionOutcome(status: .passed), keys[1]: ExecutionOutcome(status: .failed),
            keys[2]: ExecutionOutcome(status: .error), keys[3]: ExecutionOutcome(status: .failed),
        ]
        let attempts = [
            RepairAttempt(key: keys[1], round: 1, condition: "tests", feedbackSource: "visible", code: "x", calls: 1, tokensIn: 10,
                          tokensOut: 5, scoringStatus: .passed, visibleStatus: .passed, executions: 2, cpuMS: 100,
                          stopReason: "passed_feedback", done: true),
            RepairAttempt(key: keys[2], round: 1, condition: "tests", feedbackSource: "visible", code: "y", calls: 1, tokensIn: 10,
                          tokensOut: 5, scoringStatus: .failed, visibleStatus: .failed, executions: 2, cpuMS: 100, done: true),
            RepairAttempt(key: keys[3], round: 1, condition: "tests", feedbackSource: "visible", code: "z", calls: 1, tokensIn: 10,
                          tokensOut: 5, scoringStatus: .failed, visibleStatus: .passed, executions: 2, cpuMS: 100,
                          stopReason: "passed_feedback", done: true),
            RepairAttempt(key: keys[2], round: 2, condition: "tests", feedbackSource: "visible", code: nil, calls: 1, tokensIn: 12,
                          tokensOut: 0, scoringStatus: .error, stopReason: "no_code", done: true),
        ]
        let labels: [Int: [SampleKey: String]] = [
            0: [keys[1]: "misunderstanding_and_logic_error", keys[2]: "api_misuse", keys[3]: "functional_minors"],
            1: [keys[2]: "incorrect_argument", keys[3]: "functional_minors"],
        ]
        let report = RepairReport.make(
            sourceRun: 1, repairRun: 2, condition: "tests", maxRounds: 2, problemOrder: ["a", "b"], samples: samples, start: start,
            attempts: attempts, labels: labels, oracleFeedbackTasks: [], ks: [1, 2, 3])
        #expect(report.failedAtStart == 3)
        // pass@2 over each task's two samples: a has a passing one from the start, b never does; no task has 3.
        #expect(report.rounds.map(\.passAtK) == [["2": 0.5], ["2": 0.5], ["2": 0.5]])
        #expect(report.render().contains("pass@k over the repaired samples of each task: round 0 pass@2 0.5000 · round 1 pass@2 0.5000"))
        #expect(report.rounds.map(\.passAt1) == [0.25, 0.5, 0.5])  // task a: 1/2 → 2/2; task b: 0/2
        let one = report.rounds[1]
        #expect(abs(one.gainPoints - 25) < 1e-9 && one.relativeGain == 1 && abs(one.fixRate! - 1.0 / 3) < 1e-12)
        #expect(one.transitions == [
            "misunderstanding_and_logic_error": ["PASS": 1], "api_misuse": ["incorrect_argument": 1],
            "functional_minors": ["functional_minors": 1],
        ])
        #expect(one.falseConfidence == 1)  // b#1 passes the visible tests, fails the scoring tests
        #expect(one.calls == 3 && one.tokensIn == 30 && one.executions == 6 && abs(one.cpuSeconds - 0.3) < 1e-12)
        #expect(one.stops == ["passed_feedback": 2])
        let two = report.rounds[2]
        #expect(two.transitions == ["incorrect_argument": ["no_code": 1]] && two.calls == 4 && two.stops == ["no_code": 1])
        #expect(report.render().contains("  1      0.5000   +25.0      1.0000     0.3333    3"))
    }
}
