import ArgumentParser
import AssayCore
import FoundationEssentials

/// Options every command that touches the database shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("SQLite database file.", valueName: "path"))
    var db: String = "assay.sqlite"
}

/// Options for the sandbox.
struct SandboxOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Samples run at once (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("Wall-clock limit per sample, in seconds.", valueName: "seconds"))
    var timeout: Double = 3.0

    @Option(name: .long, help: ArgumentHelp("Address-space limit per sample, in MiB.", valueName: "MiB"))
    var memory: Int = 1024

    @Option(name: .long, help: ArgumentHelp("Python interpreter (an executable binary, not a shim).", valueName: "path"))
    var python: String?

    @Option(name: .customLong("sandbox-mode"), help: "serve: warm workers that fork a confined child per sample; exec: a fresh interpreter per sample.")
    var sandboxMode: String = "serve"

    var resolvedJobs: Int { max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount) }

    func limits() throws -> ExecutionLimits {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        guard memory >= 16 else { throw ValidationError("--memory must be at least 16 MiB") }
        let wall = Int((timeout * 1000).rounded())
        return ExecutionLimits(wallMS: wall, cpuMS: wall, memoryBytes: memory << 20)
    }
}

/// Prints a user-facing error and exits non-zero, keeping ArgumentParser's usage text out of it.
struct UserFacingError: Error, CustomStringConvertible {
    var description: String
}

enum Console {
    static func error(_ message: String) {
        FileHandleLike.standardError.write("error: \(message)\n")
    }

    static func warn(_ message: String) {
        FileHandleLike.standardError.write("warning: \(message)\n")
    }

    static func info(_ message: String) {
        FileHandleLike.standardError.write(message + "\n")
    }
}

enum FileHandleLike {
    case standardError

    func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { posixWrite(2, $0.baseAddress, $0.count) }
    }
}
