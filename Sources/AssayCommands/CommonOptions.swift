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

    @Option(name: .long, help: ArgumentHelp("Wall-clock limit per sample, in seconds (default 3; BigCodeBench 240).", valueName: "seconds"))
    var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("Address-space limit per sample, in MiB (default 1024; BigCodeBench 30720; ENAMEL 4096, as the anchor).", valueName: "MiB"))
    var memory: Int?

    @Option(name: .long, help: ArgumentHelp("Python interpreter (an executable binary, not a shim).", valueName: "path"))
    var python: String?

    @Option(name: .customLong("sandbox-mode"), help: "serve: warm workers that fork a confined child per sample; exec: a fresh interpreter per sample.")
    var sandboxMode: String = "serve"

    var resolvedJobs: Int { max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount) }

    /// The limits per sample: the problem set's defaults, with --timeout and --memory applied
    /// (the CPU limit keeps the defaults' ratio to the wall limit).
    func limits(defaults: ExecutionLimits = ExecutionLimits()) throws -> ExecutionLimits {
        var limits = defaults
        if let timeout {
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
            let wall = Int((timeout * 1000).rounded())
            limits.cpuMS = Int((Double(wall) * Double(defaults.cpuMS) / Double(max(1, defaults.wallMS))).rounded())
            limits.wallMS = wall
        }
        if let memory {
            guard memory >= 16 else { throw ValidationError("--memory must be at least 16 MiB") }
            limits.memoryBytes = memory << 20
        }
        return limits
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
