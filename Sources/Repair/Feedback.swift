public import AssayCore

/// The execution feedback a critique prompt shows: what went wrong on the first failing
/// feedback test (shared/notes/taxonomy-repair.md §3.2, item 3).
public enum Feedback {
    /// One paragraph for a failed or crashed run of `code` (the sample's whole solution).
    public static func text(status: Status, record: JSONValue?, detail: String, code: String) -> String {
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        func sourceLine(_ number: Int?) -> String? {
            guard let number, number >= 1, number <= lines.count else { return nil }
            let text = String(lines[number - 1]).trimmingWhitespace()
            return text.isEmpty ? nil : text
        }
        let type = record?["error_type"]?.stringValue
        let message = record?["message"]?.stringValue ?? ""
        let line = record?["line"]?.intValue
        let inSolution = record?["in_solution"]?.boolValue == true
        switch status {
        case .passed:
            return "All feedback tests pass."
        case .failed:
            if let failed = record?["failed_assert"], let source = failed["source"]?.stringValue {
                var text = "Failed test: \(source)"
                if let left = failed["left"]?.stringValue, let right = failed["right"]?.stringValue {
                    text += "\nActual: \(left)\nExpected: \(right)"
                }
                return text
            }
            return "A test assertion failed: \(detail)"
        case .error:
            if let type, ["SyntaxError", "IndentationError", "TabError"].contains(type) {
                var text = "\(type): \(message)"
                if let line { text += " (line \(line))" }
                if let offending = sourceLine(line), inSolution { text += "\nOffending line: \(offending)" }
                return text
            }
            var text = "The test raised \(type ?? "an exception"): \(message)"
            if let failed = record?["failed_assert"]?["source"]?.stringValue { text = "Failed test: \(failed)\n" + text }
            if let line {
                if inSolution, let offending = sourceLine(line) {
                    text += "\nRaised at line \(line) of the solution: \(offending)"
                } else {
                    text += "\nRaised in the test code (line \(line)), calling the function"
                }
            }
            return text
        case .timeout:
            return "The tests did not finish within the time limit (\(detail)): the code does not terminate or is too slow."
        case .memory:
            return "The code ran out of memory (\(detail))."
        case .outputLimit, .forbiddenSyscall, .signal, .noResult:
            return "The run failed: \(detail)"
        }
    }
}
