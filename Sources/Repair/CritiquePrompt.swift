public import AssayCore
public import FoundationEssentials
import Generation

/// What the critique prompt shows the model, per `assay repair --condition`.
public enum RepairCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// R0: no feedback; the original prompt again, with another seed (budget-matched baseline).
    case resample
    /// R1: the first failing feedback test and its error.
    case tests
    /// R2: R1 plus the classified bug type, its definition and the evidence (Dou et al.'s setting).
    case taxonomy
    /// R3: R2 plus up to 10 static-analysis findings.
    case `static`
    /// R4: R1 plus the list of the 12 bug types, and the model names the bug itself (no
    /// classifier label): does the classifier add anything over self-diagnosis?
    case selfdiagnosis

    var sections: [String] {
        switch self {
        case .resample: return []
        case .tests: return ["problem", "previous", "feedback", "instructions"]
        case .taxonomy: return ["problem", "previous", "feedback", "bug_type", "instructions"]
        case .static: return ["problem", "previous", "feedback", "bug_type", "static", "instructions"]
        case .selfdiagnosis: return ["problem", "previous", "feedback", "bug_types", "instructions"]
        }
    }
}

/// The critique prompt template (`Problems/repair/critique.json`) and the bug definitions
/// (`Problems/repair/bug-types.json`), loaded by path.
public struct CritiquePrompt: Sendable {
    public var system: String?
    public var sections: [String: String]
    public var bugTypeClause: String
    /// The instructions' clause for `selfdiagnosis` (name the bug type from the list first).
    public var selfDiagnosisClause: String
    public var definitions: [String: String]
    /// SHA-256 of both files: part of a repair run's identity.
    public var hash: String

    public static func load(from folder: URL) throws -> CritiquePrompt {
        let templatePath = folder.appendingPathComponent("critique.json").path
        let definitionsPath = folder.appendingPathComponent("bug-types.json").path
        guard let templateData = FileManager.default.contents(atPath: templatePath),
            let template = try? JSONDecoder().decode(JSONValue.self, from: templateData), let sections = template["sections"]?.objectValue
        else {
            throw InputError("cannot read the critique template \(templatePath)", hint: "it ships in Problems/repair/; set ASSAY_HOME to the checkout")
        }
        guard let definitionsData = FileManager.default.contents(atPath: definitionsPath),
            let definitions = try? JSONDecoder().decode(JSONValue.self, from: definitionsData)["definitions"]?.objectValue
        else {
            throw InputError("cannot read the bug definitions \(definitionsPath)", hint: "it ships in Problems/repair/")
        }
        return CritiquePrompt(
            system: template["system"]?.stringValue, sections: sections.compactMapValues(\.stringValue),
            bugTypeClause: template["bug_type_clause"]?.stringValue ?? "",
            selfDiagnosisClause: template["self_diagnosis_clause"]?.stringValue ?? "",
            definitions: definitions.compactMapValues(\.stringValue),
            hash: SHA256.hex(of: [UInt8](templateData) + [0] + [UInt8](definitionsData)))
    }

    /// Everything one critique turn is built from.
    public struct Inputs: Sendable {
        public var problem: Problem
        /// The solution being repaired (prompt + completion, or the full solution).
        public var code: String
        /// 0-based round of `code` (the prompt asks for round + 1).
        public var round: Int
        public var feedback: String
        /// `visible tests`, or `scoring tests (oracle)` when the task has no visible tests.
        public var feedbackSource: String
        public var label: BugLabel?
        public var findings: [String]

        public init(problem: Problem, code: String, round: Int, feedback: String, feedbackSource: String, label: BugLabel?, findings: [String]) {
            self.problem = problem
            self.code = code
            self.round = round
            self.feedback = feedback
            self.feedbackSource = feedbackSource
            self.label = label
            self.findings = findings
        }
    }

    /// The chat turns for one critique round (`tests`, `taxonomy`, `static`).
    public func messages(_ condition: RepairCondition, _ inputs: Inputs) -> [ChatMessage] {
        let label = inputs.label
        let values: [String: String] = [
            "prompt": inputs.problem.prompt.trimmingWhitespace(),
            "code": inputs.code.trimmingWhitespace(),
            "round": String(inputs.round),
            "feedback": inputs.feedback,
            "feedback_source": inputs.feedbackSource,
            "entry_point": inputs.problem.entryPoint,
            "bug_code": label?.subcategory.code ?? "",
            "bug_name": label?.subcategory.displayName ?? "unknown",
            "bug_category": label?.category.displayName ?? "",
            "bug_definition": label.flatMap { definitions[$0.subcategory.rawValue] } ?? "",
            "bug_evidence": label?.evidence ?? "none",
            "static_findings": inputs.findings.isEmpty ? "no findings" : inputs.findings.prefix(10).joined(separator: "\n"),
            "bug_type_clause": condition == .tests ? "" : condition == .selfdiagnosis ? selfDiagnosisClause : bugTypeClause,
            "bug_type_list": BugSubcategory.allCases.map { "- \($0.code) \($0.rawValue): \(definitions[$0.rawValue] ?? "")" }
                .joined(separator: "\n"),
        ]
        let text = condition.sections.compactMap { sections[$0].map { PromptTemplate.fill($0, values) } }.joined(separator: "\n\n")
        var messages: [ChatMessage] = []
        if let system { messages.append(.system(system)) }
        messages.append(.user(text))
        return messages
    }
}
