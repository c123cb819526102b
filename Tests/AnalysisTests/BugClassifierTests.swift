import Analysis
import AssayCore
import FoundationEssentials
import Testing

func json(_ text: String) -> JSONValue {
    (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
}

/// Decision-table rows the corpus cannot produce (extraction statuses, missing analysis,
/// statuses of the sandbox), on hand-made outcomes.
@Suite struct BugClassifierTests {
    static func outcome(_ status: Status, _ record: String? = nil, detail: String = "") -> ExecutionOutcome {
        let value = record.map(json)
        return ExecutionOutcome(status: status, errorType: value?["error_type"]?.stringValue, detail: detail, record: value)
    }

    @Test func passingSamplesGetNoLabel() {
        #expect(BugClassifier.classify(outcome: Self.outcome(.passed), analysis: nil, entryPoint: "f") == nil)
    }

    @Test func extractionStatusesFromGeneration() throws {
        let failed = Self.outcome(.error, #"{"status": "error", "error_type": "SyntaxError", "message": "invalid syntax", "line": 3, "in_solution": true}"#)
        let noCode = try #require(BugClassifier.classify(outcome: failed, analysis: nil, entryPoint: "f", extraction: "no_code"))
        #expect(noCode.subcategory == .incompleteSyntaxStructure && noCode.tags.contains("no_code"))
        #expect(noCode.alternatives == [.hallucination])
        let truncated = try #require(BugClassifier.classify(outcome: failed, analysis: nil, entryPoint: "f", extraction: "truncated"))
        #expect(truncated.subcategory == .incompleteSyntaxStructure && truncated.confidence == .high)
        #expect(truncated.tags.contains("truncated") && truncated.tags.contains("no_static_analysis"))
    }

    @Test func theHarnessCallingTheEntryPointWithTheWrongArityIsFlagged() throws {
        let outcome = Self.outcome(.error, #"{"status": "error", "error_type": "TypeError", "message": "f() takes 1 positional argument but 2 were given", "line": 40, "in_solution": false}"#)
        let label = try #require(BugClassifier.classify(outcome: outcome, analysis: nil, entryPoint: "f"))
        #expect(label.subcategory == .incorrectArgument && label.rule == "entry_arity" && label.tags.contains("entry_arity"))
        #expect(label.alternatives == [.inputOutputFormatError])
        #expect(label.evidence.contains("line 40 (harness)"))
    }

    @Test func limitsAreRuntimeMinorsWithHonestConfidence() throws {
        let timeout = try #require(BugClassifier.classify(outcome: Self.outcome(.timeout, detail: "wall-clock limit of 3000 ms reached"),
                                                          analysis: nil, entryPoint: "f"))
        #expect(timeout.subcategory == .runtimeMinors && timeout.confidence == .low)
        #expect(timeout.alternatives.first == .functionalMinors)
        let memory = try #require(BugClassifier.classify(outcome: Self.outcome(.memory), analysis: nil, entryPoint: "f"))
        #expect(memory.subcategory == .runtimeMinors && memory.confidence == .medium)
        let syscall = try #require(BugClassifier.classify(outcome: Self.outcome(.forbiddenSyscall), analysis: nil, entryPoint: "f"))
        #expect(syscall.subcategory == .runtimeMinors && syscall.rule == "forbidden_syscall")
    }

    @Test func staticFindingsDecideWhatTheRuntimeCannot() throws {
        let wrong = Self.outcome(.failed, #"{"status": "failed", "error_type": "AssertionError", "failed_assert": {"source": "assert candidate(3) == [1, 2]", "left": "[2, 1]", "right": "[1, 2]"}}"#)
        let unordered = StaticAnalysis(raw: json(#"{"format_difference": "order", "order_specified": false, "entry": {"defined": true}}"#))
        #expect(BugClassifier.classify(outcome: wrong, analysis: unordered, entryPoint: "f")?.subcategory == .inputOutputFormatError)
        let ordered = StaticAnalysis(raw: json(#"{"format_difference": "order", "order_specified": true, "entry": {"defined": true}}"#))
        #expect(BugClassifier.classify(outcome: wrong, analysis: ordered, entryPoint: "f")?.subcategory == .misunderstandingAndLogicError)
        let stub = StaticAnalysis(raw: json(#"{"entry": {"defined": true, "stub": true}}"#))
        #expect(BugClassifier.classify(outcome: wrong, analysis: stub, entryPoint: "f")?.subcategory == .hallucination)
        // An analysis that failed is ignored rather than trusted.
        let failedAnalysis = StaticAnalysis(raw: json(#"{"failure": "static analysis did not finish", "entry": {"stub": true}}"#))
        let label = try #require(BugClassifier.classify(outcome: wrong, analysis: failedAnalysis, entryPoint: "f"))
        #expect(label.subcategory == .misunderstandingAndLogicError && label.confidence == .low)
    }

    @Test func leavesAreNumberedAsInThePaper() {
        #expect(BugSubcategory.allCases.map(\.code) == ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4", "B.5", "C.1", "C.2", "C.3", "C.4"])
        #expect(BugSubcategory.allCases.filter { $0.category == .runtime }.count == 5)
    }
}

/// HumanEval+'s input/output harness reports no line and no assert; its detail is parsed.
@Suite struct InputOutputOutcomeTests {
    @Test func detailsOfTheEvalplusHarnessAreRead() throws {
        let record = json(#"{"harness": "evalplus-io", "splits": {}}"#)
        let wrong = RuntimeSignals(outcome: ExecutionOutcome(
            status: .failed, errorType: "AssertionError",
            detail: "plus input #7: expected [(1, 2)], got [[1, 2]] (type list instead of tuple) (and 3 more failing inputs)",
            record: record))
        #expect(wrong.left == "[[1, 2]]" && wrong.right == "[(1, 2)]" && wrong.failedSource == "plus input #7")
        #expect(wrong.inSolution == nil)
        let raised = RuntimeSignals(outcome: ExecutionOutcome(
            status: .error, errorType: "TypeError", detail: "base input #0 raised TypeError: f() missing 1 required positional argument: 'k'",
            record: record))
        #expect(raised.message == "f() missing 1 required positional argument: 'k'")
        let label = try #require(BugClassifier.classify(outcome: ExecutionOutcome(
            status: .error, errorType: "TypeError", detail: "base input #0 raised TypeError: f() missing 1 required positional argument: 'k'",
            record: record), analysis: nil, entryPoint: "f"))
        // Where it was raised is unknown, so it is not blamed on the harness's call.
        #expect(label.subcategory == .incorrectArgument && label.rule == "arity" && !label.tags.contains("entry_arity"))
    }
}

/// BigCodeBench's unittest records: the first test that raised decides, else the first failure.
@Suite struct UnittestOutcomeTests {
    @Test func theFirstCrashWinsOverAFailure() throws {
        let record = json(#"""
            {"status": "failed", "error_type": "AssertionError", "message": "test_a: 3 != 4", "tests": [
              {"name": "test_a", "status": "failed", "error_type": "AssertionError", "message": "3 != 4"},
              {"name": "test_b", "status": "error", "error_type": "KeyError", "message": "'price'"}]}
            """#)
        let outcome = ExecutionOutcome(status: .failed, errorType: "AssertionError", detail: "test_a: 3 != 4", record: record)
        let signals = RuntimeSignals(outcome: outcome)
        #expect(signals.status == .error && signals.errorType == "KeyError" && signals.failedSource == "test_b")
        let label = try #require(BugClassifier.classify(outcome: outcome, analysis: nil, entryPoint: "task_func"))
        #expect(label.subcategory == .incorrectBoundaryConditionCheck)

        let onlyFailure = json(#"{"status": "failed", "tests": [{"name": "test_a", "status": "failed", "error_type": "AssertionError", "message": "[2, 1] != [1, 2]"}]}"#)
        let failed = RuntimeSignals(outcome: ExecutionOutcome(status: .failed, errorType: "AssertionError", record: onlyFailure))
        #expect(failed.left == "[2, 1]" && failed.right == "[1, 2]" && failed.status == .failed)
    }
}
