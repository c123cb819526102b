public import AssayCore

/// The tests whose results a repair loop may show the model ("feedback tests"), kept apart
/// from the tests that score it.
///
/// For HumanEval-style prompts they are the docstring examples (`>>> call` then the expected
/// value), as LDB uses them; the scoring tests stay hidden. A prompt without usable examples
/// falls back to the scoring tests themselves ("oracle" feedback), and reports say so.
public enum VisibleTests {
    /// One docstring example.
    public struct Example: Sendable, Hashable {
        public var source: String
        public var expected: String

        public init(source: String, expected: String) {
            self.source = source
            self.expected = expected
        }
    }

    /// The `>>>` examples of a prompt that show an expected value.
    public static func examples(in prompt: String) -> [Example] {
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].drop { $0 == " " || $0 == "\t" }
            guard trimmed.hasPrefix(">>> ") else {
                index += 1
                continue
            }
            var source = String(trimmed.dropFirst(4))
            index += 1
            while index < lines.count, let more = continuation(lines[index]) {
                source += "\n" + more
                index += 1
            }
            var expected: [String] = []
            while index < lines.count {
                let text = lines[index].trimmingWhitespace()
                if text.isEmpty || text.hasPrefix(">>>") || text.hasPrefix("\"\"\"") || text.hasPrefix("'''") { break }
                var value = text
                for quote in ["\"\"\"", "'''"] where value.hasSuffix(quote) {
                    value = String(value.dropLast(3)).trimmingWhitespace()
                    expected.append(value)
                    index = lines.count  // the docstring ends here
                }
                if index == lines.count { break }
                expected.append(value)
                index += 1
            }
            let expectedText = expected.filter { !$0.isEmpty }.joined(separator: " ")
            if !expectedText.isEmpty && !source.trimmingWhitespace().isEmpty {
                examples.append(Example(source: source, expected: expectedText))
            }
        }
        return examples
    }

    static func continuation(_ line: String) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix("... ") { return String(trimmed.dropFirst(4)) }
        if trimmed == "..." { return "" }
        return nil
    }

    /// A `check(candidate)` test function over the examples, in the harness's form: the entry
    /// point's name is bound to the candidate, and every example is one `==` assert (so the
    /// runner records both sides when it fails).
    public static func checkFunction(_ examples: [Example], entryPoint: String) -> String {
        var text = "def check(candidate):\n    \(entryPoint) = candidate\n"
        for example in examples {
            let source = example.source.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
            text += "    assert (\(source)) == (\(example.expected))\n"
        }
        return text
    }

    /// The problem with its scoring test replaced by the visible examples, or nil when the prompt
    /// has none.
    public static func feedbackProblem(for problem: Problem) -> Problem? {
        let found = examples(in: problem.prompt)
        guard !found.isEmpty else { return nil }
        var visible = problem
        visible.test = checkFunction(found, entryPoint: problem.entryPoint)
        return visible
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
