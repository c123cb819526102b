public import AssayCore

/// The static facts `Sandboxes/kind_analyze.py` reports about one sample. Everything is
/// optional: an analysis of hostile or broken code may stop early, and then the classifier
/// falls back on the runtime signals alone.
public struct StaticAnalysis: Sendable, Hashable {
    /// The raw analysis record, kept for storage and for the repair prompts.
    public var raw: JSONValue

    public init(raw: JSONValue) {
        self.raw = raw
    }

    /// The analysis could not run for this sample (the reason), e.g. its batch kept failing.
    public var failure: String? { raw["failure"]?.stringValue }

    public var complexity: CodeComplexity? {
        guard let value = raw["complexity"], let loc = value["loc"]?.intValue else { return nil }
        return CodeComplexity(linesOfCode: loc, cyclomatic: value["cc"]?.doubleValue, calls: value["calls"]?.intValue)
    }

    /// What `compile(code, "<solution>", "exec")` raised, if anything.
    public struct SyntaxFinding: Sendable, Hashable {
        public var type: String
        public var message: String
        public var line: Int?
        public var text: String
        /// `import *` where Python forbids it (inside a function).
        public var starImport: Bool
        /// A `return`/`yield` outside a function whose line starts at column 0: a body that lost
        /// its indentation.
        public var column0Body: Bool
    }

    public var syntax: SyntaxFinding? {
        guard let value = raw["syntax"], let type = value["type"]?.stringValue else { return nil }
        return SyntaxFinding(
            type: type, message: value["message"]?.stringValue ?? "", line: value["line"]?.intValue,
            text: value["text"]?.stringValue ?? "", starImport: value["star_import"]?.boolValue == true,
            column0Body: value["column0_body"]?.boolValue == true)
    }

    /// A name read but bound nowhere, and the import it probably lacks.
    public struct UndefinedName: Sendable, Hashable {
        public var name: String
        public var line: Int?
        /// `stdlib_module`, `alias`, `stdlib_export` or `module` when the name is (or is exported
        /// by) a module that was not imported.
        public var missingImportKind: String?
        public var module: String?
    }

    public var undefinedNames: [UndefinedName] {
        (raw["undefined_names"]?.arrayValue ?? []).compactMap { value in
            guard let name = value["name"]?.stringValue else { return nil }
            return UndefinedName(
                name: name, line: value["line"]?.intValue, missingImportKind: value["missing_import"]?["kind"]?.stringValue,
                module: value["missing_import"]?["module"]?.stringValue)
        }
    }

    /// Imported modules that `importlib.util.find_spec` cannot find in the sandbox interpreter.
    public var unresolvedImports: [(module: String, line: Int?)] {
        (raw["unresolved_imports"]?.arrayValue ?? []).compactMap { value in
            value["module"]?.stringValue.map { ($0, value["line"]?.intValue) }
        }
    }

    /// Calls to the sample's own functions with arguments they cannot take.
    public var callArity: [(callee: String, line: Int?, problem: String)] {
        (raw["call_arity"]?.arrayValue ?? []).compactMap { value in
            value["callee"]?.stringValue.map { ($0, value["line"]?.intValue, value["problem"]?.stringValue ?? "") }
        }
    }

    /// Whether the entry point is bound at module level (nil: not analysed).
    public var entryDefined: Bool? { raw["entry"]?["defined"]?.boolValue }
    /// The entry point cannot take the reference's required positional arguments.
    public var entryArityMismatch: Bool { raw["entry"]?["arity_mismatch"]?.boolValue == true }
    public var entryPositional: Int? { raw["entry"]?["signature"]?["positional"]?.intValue }
    public var referencePositional: Int? { raw["entry"]?["reference_positional"]?.intValue }
    /// The entry point's body is `pass`, `...`, a docstring, or `raise NotImplementedError`.
    public var stubBody: Bool { raw["entry"]?["stub"]?.boolValue == true }
    public var unusedParameters: [String] { raw["entry"]?["unused_parameters"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    public var allParametersUnused: Bool { raw["entry"]?["all_parameters_unused"]?.boolValue == true }
    /// Every `return` of the entry point returns a literal constant (or there is none).
    public var constantResult: Bool { raw["entry"]?["constant_result"]?.boolValue == true }
    public var otherFunctions: Int { raw["entry"]?["other_functions"]?.intValue ?? 0 }

    /// `raise` or `assert` when the exception came from the sample's own statement.
    public var raisedBySolution: String? { raw["raised_by_solution"]?.stringValue }
    /// The unbound name of a NameError, and what it probably was.
    public var runtimeName: String? { raw["runtime_name"]?.stringValue }
    public var runtimeNameKind: String? { raw["runtime_name_kind"]?["kind"]?.stringValue }
    public var runtimeNameModule: String? { raw["runtime_name_kind"]?["module"]?.stringValue }
    /// How the wrong value differs from the expected one when only its form is off: `printed`,
    /// `type`, `precision`, `whitespace`, `case` or `order`.
    public var formatDifference: String? { raw["format_difference"]?.stringValue }
    /// The prompt speaks of sorting or order, so an order difference is a logic error.
    public var orderSpecified: Bool { raw["order_specified"]?.boolValue == true }
    /// Both sides are integers one apart.
    public var offByOne: Bool { raw["off_by_one"]?.boolValue == true }

    /// Up to `limit` one-line findings (`line 3: undefined name 'x'`), for reports and prompts.
    public func findingLines(limit: Int = 10) -> [String] {
        var lines: [String] = []
        if let syntax {
            lines.append("line \(syntax.line.map(String.init) ?? "?"): \(syntax.type): \(syntax.message)")
        }
        for name in undefinedNames {
            var text = "line \(name.line.map(String.init) ?? "?"): undefined name '\(name.name)'"
            if let module = name.module { text += " (missing import of \(module)?)" }
            lines.append(text)
        }
        for item in unresolvedImports {
            lines.append("line \(item.line.map(String.init) ?? "?"): import of '\(item.module)' does not resolve in the sandbox")
        }
        for call in callArity {
            lines.append("line \(call.line.map(String.init) ?? "?"): call to \(call.callee)() \(call.problem)")
        }
        if entryDefined == false { lines.append("the entry point is not defined at module level") }
        if entryArityMismatch, let mine = entryPositional, let reference = referencePositional {
            lines.append("the entry point takes \(mine) positional parameters; the task calls it with \(reference)")
        }
        if stubBody { lines.append("the entry point's body is a stub (pass, ..., docstring or NotImplementedError)") }
        if !unusedParameters.isEmpty { lines.append("unused parameters: \(unusedParameters.joined(separator: ", "))") }
        return Array(lines.prefix(limit))
    }
}
