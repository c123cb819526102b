public import ArgumentParser

/// The root `assay` command.
public struct AssayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "assay",
        abstract: "A fast, kernel-sandboxed, reproducible code-generation benchmark harness.",
        discussion: """
            Evaluate samples on HumanEval-style problems in a kernel sandbox, keep every result in \
            SQLite, and score them exactly as the anchor harnesses do.
            """,
        version: "0.1.0",
        subcommands: [
            EvaluateCommand.self, GenerateCommand.self, RunCommand.self, RunsCommand.self, ShowCommand.self, ReportCommand.self,
            CompareCommand.self, ExportCommand.self, SandboxCommand.self, RepairCommand.self,
        ]
    )

    public init() {}
}
