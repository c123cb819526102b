public import AssayCore

extension ProgramAssembly {
    /// How a BigCodeBench sample becomes a program (formats.md §3.2).
    public enum BigCodeBenchAssembly: String, Sendable, CaseIterable {
        /// The anchor's ground-truth check: `complete_prompt + "\n" + canonical_solution + "\n" + test`.
        case groundTruth = "ground-truth"
        /// The anchor's default for solutions: `code_prompt + "\n    pass\n" + solution`, so the
        /// prompt's imports exist even when the model left them out.
        case calibrated
        /// The solution as written.
        case raw
    }

    /// The program for a BigCodeBench task: the sample's part, `"\n"`, then the task's unittest
    /// module. A `completion` body is appended to `complete_prompt` (it carries the prompt's
    /// imports already, so calibration does not apply); a `solution` is calibrated or raw.
    ///
    /// - Returns: the program and the last line that belongs to the sample.
    public static func bigCodeBench(problem: Problem, body: Sample.Body, assembly: BigCodeBenchAssembly) -> (program: String, solutionEndLine: Int) {
        let completePrompt = problem.extra("complete_prompt") ?? problem.prompt
        let solution: String
        switch (assembly, body) {
        case (.groundTruth, _):
            solution = completePrompt + "\n" + problem.canonicalSolution
        case (_, .completion(let completion)):
            solution = completePrompt + completion
        case (.calibrated, .solution(let code)):
            solution = (problem.extra("code_prompt") ?? "") + "\n    pass\n" + code
        case (.raw, .solution(let code)):
            solution = code
        }
        return (solution + "\n" + problem.test, lineCount(solution))
    }
}
