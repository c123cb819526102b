import ArgumentParser
import AssayCore
import Execution

/// `assay sandbox …`: inspect the sandbox on this host.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Inspect the sandbox on this host.", subcommands: [SandboxCheckCommand.self])
}

/// `assay sandbox check`: each layer as active or unavailable (with the reason), every seccomp
/// profile validated, and a short self-test of real attacks.
struct SandboxCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Show which confinement layers are active here and prove them with a short self-test.",
        discussion: "Exits 1 when a profile is invalid or a self-test attack was not contained.")

    @Option(name: .long, help: ArgumentHelp("Python interpreter (an executable binary, not a shim).", valueName: "path"))
    var python: String?

    @Option(name: .customLong("sandbox-mode"), help: "serve (warm workers, the default) or exec.")
    var sandboxMode: String = "serve"

    func run() async throws {
        guard let mode = SandboxConfiguration.Mode(rawValue: sandboxMode) else {
            throw ValidationError("--sandbox-mode must be serve or exec")
        }
        let report: SandboxCheck.Report
        do {
            let configuration = try SandboxConfiguration.standard(mode: mode, slots: 1, python: python)
            report = try await SandboxCheck(configuration: configuration).run()
        } catch {
            Console.error("\(error)")
            throw ExitCode(2)
        }
        print("supervisor  \(report.supervisor)")
        print("python      \(report.python) (\(report.pythonVersion))")
        print("sandboxes   \(report.sandboxes)")
        print("mode        \(mode.rawValue)")
        print("\nprofiles")
        for profile in report.profiles {
            print("  \(profile.ok ? "ok  " : "FAIL") \(profile.name): \(profile.message)")
        }
        print("\nlayers")
        let width = (report.layers.map(\.name.count).max() ?? 0) + 2
        for layer in report.layers {
            print("  " + layer.name + String(repeating: " ", count: width - layer.name.count) + layer.status)
        }
        print("\nself-test")
        for test in report.selfTests {
            print("  \(test.passed ? "ok  " : "FAIL") \(test.title) [\(test.fixture)]: \(test.detail)")
        }
        let failed = report.selfTests.filter { !$0.passed }.count + report.profiles.filter { !$0.ok }.count
        print(failed == 0 ? "\nall checks passed" : "\n\(failed) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
