public import AssayCore

/// Assigns one of Dou et al.'s twelve leaves to a failing sample, following the decision table
/// of `shared/notes/taxonomy-repair.md` §2.2: the first decisive signal wins, in the order
/// syntax (compile) > imports and names > exceptions by type > limits > wrong values.
///
/// Signals: the static analysis (``StaticAnalysis``), the runtime record of the execution
/// (``RuntimeSignals``) and, when generation recorded one, the extraction status (`ok`,
/// `no_code`, `no_entry_point`, `truncated`). Where the signals fit several leaves, the label
/// says so: lower confidence and the other leaves in `alternatives`. Labels describe symptoms;
/// Dou et al. labelled root causes by hand.
public enum BugClassifier {
    /// Stored with every label; bump it when a rule changes so stored labels are recomputed.
    public static let version = "dou-rules/1"

    ///   - timeoutRerun: for a timeout, the outcome of the same sample rerun once with ten times
    ///     the limits (decision-table row 14), when it was rerun.
    public static func classify(
        outcome: ExecutionOutcome, analysis: StaticAnalysis?, entryPoint: String, extraction: String? = nil,
        timeoutRerun: ExecutionOutcome? = nil
    ) -> BugLabel? {
        guard outcome.status != .passed else { return nil }
        if outcome.status == .timeout, let rerun = timeoutRerun {
            switch rerun.status {
            case .passed:
                return BugLabel(.functionalMinors, .medium, rule: "timeout_slow",
                                evidence: clip("\(outcome.detail); with ten times the limits it passes: correct but too slow"),
                                alternatives: [.runtimeMinors], tags: ["rerun_10x"])
            case .timeout:
                return BugLabel(.runtimeMinors, .medium, rule: "timeout_nonterminating",
                                evidence: clip("\(outcome.detail); still running with ten times the limits"),
                                alternatives: [.functionalMinors], tags: ["rerun_10x"])
            default:
                // It finishes, but wrong: label what the longer run shows.
                if var label = classify(outcome: rerun, analysis: analysis, entryPoint: entryPoint, extraction: extraction) {
                    label.evidence = clip("with ten times the limits: \(label.evidence)")
                    label.tags.append("rerun_10x")
                    return label
                }
            }
        }
        let runtime = RuntimeSignals(outcome: outcome)
        var tags: [String] = []
        if extraction == "truncated" { tags.append("truncated") }
        let analysis = analysis?.failure == nil ? analysis : nil
        if analysis == nil { tags.append("no_static_analysis") }

        func label(_ leaf: BugSubcategory, _ confidence: LabelConfidence, _ rule: String, _ evidence: String,
                   _ alternatives: [BugSubcategory] = [], extra: [String] = []) -> BugLabel {
            BugLabel(leaf, confidence, rule: rule, evidence: clip(evidence), alternatives: alternatives, tags: tags + extra)
        }
        let whereText = runtime.line.map { runtime.inSolution == true ? " at line \($0) of the solution" : " at line \($0) (harness)" } ?? ""
        let exception = "\(runtime.errorType ?? "Error"): \(runtime.message)\(whereText)"

        // 0. Nothing to run.
        if let extraction, ["no_code", "truncated_reasoning", "request_rejected"].contains(extraction) {
            let why = extraction == "truncated_reasoning" ? "the answer's reasoning section never closed (token limit)"
                : extraction == "request_rejected" ? "the server refused the request" : "no code could be extracted from the model's answer"
            return label(.incompleteSyntaxStructure, .medium, "no_code", why, [.hallucination], extra: [extraction])
        }

        // 1–3. The parser rejects the code (compile(), not only ast.parse).
        let syntaxTypes: Set<String> = ["SyntaxError", "IndentationError", "TabError"]
        if let syntax = analysis?.syntax {
            let evidence = "\(syntax.type): \(syntax.message) at line \(syntax.line.map(String.init) ?? "?")"
                + (syntax.text.isEmpty ? "" : ": \(syntax.text)")
            if syntax.type == "IndentationError" || syntax.type == "TabError" {
                return label(.incorrectIndentation, .high, "indentation_error", evidence)
            }
            if syntax.starImport {
                return label(.libraryImportError, .high, "star_import", evidence)
            }
            if syntax.column0Body {
                return label(.incorrectIndentation, .medium, "unindented_body", evidence + " (the line starts at column 0)",
                             [.incompleteSyntaxStructure])
            }
            return label(.incompleteSyntaxStructure, .high, "syntax_error", evidence)
        }
        if let type = runtime.errorType, syntaxTypes.contains(type), runtime.status == .error {
            if type != "SyntaxError" { return label(.incorrectIndentation, .high, "indentation_error", exception) }
            if runtime.message.contains("import *") { return label(.libraryImportError, .high, "star_import", exception) }
            // The sample alone compiles (or was not analysed); the program with the tests does not.
            return label(.incompleteSyntaxStructure, analysis == nil ? .high : .medium, "syntax_error", exception)
        }

        let type = runtime.status == .error ? runtime.errorType ?? "" : ""
        let message = runtime.message

        // 4. Imports that do not resolve.
        if type == "ModuleNotFoundError" || type == "ImportError" {
            return label(.libraryImportError, .high, "import_error", exception)
        }

        // 5–7. Unbound names.
        if type == "NameError" || type == "UnboundLocalError" {
            let name = analysis?.runtimeName ?? quotedName(in: message)
            if let name, name == entryPoint, runtime.inSolution != true {
                let extra = extraction == "no_entry_point" ? ["no_entry_point"] : []
                return label(.definitionMissing, .high, "entry_point_missing",
                             "the entry point \(entryPoint) is not defined at module level (\(exception))",
                             [.hallucination], extra: extra)
            }
            if type == "NameError", let kind = analysis?.runtimeNameKind {
                let module = analysis?.runtimeNameModule ?? name ?? "?"
                if kind == "stdlib_export" {
                    return label(.libraryImportError, .medium, "missing_import",
                                 "\(exception); '\(name ?? "?")' comes from the standard module \(module), which was not imported",
                                 [.definitionMissing])
                }
                return label(.libraryImportError, .high, "missing_import",
                             "\(exception); '\(name ?? "?")' is the module \(module), which was not imported", [.definitionMissing])
            }
            return label(.definitionMissing, .high, "name_error", exception)
        }
        if let analysis, analysis.entryDefined == false, runtime.status == .error {
            return label(.definitionMissing, .high, "entry_point_missing",
                         "the entry point \(entryPoint) is not defined at module level (\(exception))", [.hallucination])
        }

        // The sample raised the exception itself (`raise …`): not a crash of the language.
        if runtime.status == .error, let analysis, analysis.raisedBySolution == "raise" {
            if type == "NotImplementedError" && analysis.stubBody {
                return label(.hallucination, .medium, "stub_raises", "the entry point is a placeholder: \(exception)", [.runtimeMinors])
            }
            return label(.runtimeMinors, .medium, "raised_by_solution", "the solution raises it itself: \(exception)",
                         [.misunderstandingAndLogicError] + [leafByExceptionType(type, message)].compactMap { $0 })
        }

        // 8–12. Exceptions by type and message.
        if type == "TypeError", matches(message, arityPatterns) {
            if runtime.inSolution == false {
                return label(.incorrectArgument, .high, "entry_arity",
                             "\(exception); the harness's call into the entry point failed", [.inputOutputFormatError], extra: ["entry_arity"])
            }
            return label(.incorrectArgument, .high, "arity", exception)
        }
        if (type == "TypeError" || type == "ValueError"), matches(message, argumentPatterns) {
            return label(.incorrectArgument, .medium, "argument_type", exception, [.apiMisuse, .incorrectBoundaryConditionCheck])
        }
        if type == "AttributeError" {
            return label(.apiMisuse, .high, "attribute_error", exception, [.definitionMissing])
        }
        if type == "TypeError" {
            return label(.apiMisuse, .medium, "type_error", exception, [.incorrectArgument])
        }
        if let leaf = leafByExceptionType(type, message), leaf == .incorrectBoundaryConditionCheck {
            let sure: LabelConfidence = type == "IndexError" || type == "ZeroDivisionError" ? .high : .medium
            return label(.incorrectBoundaryConditionCheck, sure, "boundary_exception", exception, [.misunderstandingAndLogicError])
        }
        if type == "ValueError" {
            return label(.incorrectArgument, .low, "value_error", exception, [.incorrectBoundaryConditionCheck, .runtimeMinors])
        }

        // 13–16. Runtime minors: recursion, limits, the solution's own asserts, other exceptions.
        if type == "AssertionError" {
            return label(.runtimeMinors, .medium, "own_assert", "the solution's own assert failed: \(exception)",
                         [.misunderstandingAndLogicError])
        }
        if type == "RecursionError" {
            return label(.runtimeMinors, .medium, "recursion", exception, [.incorrectBoundaryConditionCheck])
        }
        switch runtime.status {
        case .timeout:
            return label(.runtimeMinors, .low, "timeout", "\(runtime.detail) (non-termination, or an algorithm too slow)",
                         [.functionalMinors, .misunderstandingAndLogicError])
        case .memory:
            return label(.runtimeMinors, .medium, "memory", runtime.detail, [.functionalMinors])
        case .outputLimit, .signal, .forbiddenSyscall, .noResult:
            return label(.runtimeMinors, .low, runtime.status.rawValue, runtime.detail, [.misunderstandingAndLogicError])
        case .error:
            return label(.runtimeMinors, .medium, "other_exception", exception.isEmpty ? runtime.detail : exception,
                         [.misunderstandingAndLogicError])
        case .passed, .failed:
            break
        }

        // 17–20. The code ran and returned a wrong value.
        let failedText = failedAssertText(runtime)
        if let difference = analysis?.formatDifference {
            switch difference {
            case "printed":
                return label(.inputOutputFormatError, .medium, "printed_not_returned",
                             "\(failedText); the expected value was printed and None returned")
            case "order" where analysis?.orderSpecified == true:
                return label(.misunderstandingAndLogicError, .medium, "wrong_order",
                             "\(failedText); same elements in another order, and the task fixes the order", [.inputOutputFormatError])
            default:
                return label(.inputOutputFormatError, .medium, "format_\(difference)",
                             "\(failedText); equal after normalising \(difference)", [.misunderstandingAndLogicError])
            }
        }
        if let analysis, analysis.stubBody || (analysis.allParametersUnused && analysis.constantResult) {
            let why = analysis.stubBody ? "the entry point's body is a stub" : "no parameter is used and the result is a constant"
            return label(.hallucination, .medium, "placeholder", "\(failedText); \(why)", [.misunderstandingAndLogicError])
        }
        if analysis?.offByOne == true {
            return label(.functionalMinors, .low, "off_by_one", "\(failedText); the result is off by one",
                         [.misunderstandingAndLogicError, .incorrectBoundaryConditionCheck])
        }
        return label(.misunderstandingAndLogicError, .low, "wrong_result", failedText, [.functionalMinors, .hallucination])
    }

    /// B.3 for the exceptions of a missing edge case; nil for the others.
    static func leafByExceptionType(_ type: String, _ message: String) -> BugSubcategory? {
        switch type {
        case "IndexError", "KeyError", "ZeroDivisionError", "StopIteration", "OverflowError":
            return .incorrectBoundaryConditionCheck
        case "ValueError" where matches(message, boundaryValuePatterns):
            return .incorrectBoundaryConditionCheck
        default:
            return nil
        }
    }

    static let arityPatterns = [
        "positional argument", "required positional", "required keyword", "unexpected keyword argument",
        "multiple values for argument", "takes no arguments", "takes exactly", "takes at most", "takes at least",
        "expected at most", "expected at least", "arguments, got", "argument, got", "invalid keyword argument",
        "takes no keyword arguments",
    ]
    static let argumentPatterns = [
        "must be", "expected str", "expected an", "expected a ", "can't convert", "cannot convert", "invalid literal for",
        "unpack", "cannot be interpreted as", "could not convert", "object cannot be", "argument must",
    ]
    static let boundaryValuePatterns = [
        "empty sequence", "iterable argument is empty", "arg is an empty", "not in list", "math domain error",
        "substring not found", "is not in", "empty", "out of range",
    ]

    static func matches(_ message: String, _ patterns: [String]) -> Bool {
        let lower = message.lowercased()
        return patterns.contains { lower.contains($0) }
    }

    static func quotedName(in message: String) -> String? {
        guard let start = message.firstIndex(of: "'") else { return nil }
        let rest = message[message.index(after: start)...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }

    static func failedAssertText(_ runtime: RuntimeSignals) -> String {
        if let source = runtime.failedSource, !source.isEmpty {
            if let left = runtime.left, let right = runtime.right { return "\(source) (actual: \(left), expected: \(right))" }
            return source
        }
        return runtime.detail.isEmpty ? "a test assertion failed" : runtime.detail
    }

    static func clip(_ text: String, to limit: Int = 600) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 3)) + "..."
    }
}
