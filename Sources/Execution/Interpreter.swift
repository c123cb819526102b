#if canImport(Glibc)
import Glibc
#endif
public import FoundationEssentials
import AssayCore

/// Finds the Python interpreter samples run under, once, as an absolute path to a real binary.
///
/// Order: `--python`/`$ASSAY_PYTHON`; `/usr/bin/python3`; the first `python3` on `PATH` whose
/// file is an ELF binary (a pyenv shim is a bash script that costs 100–150 ms per start, and an
/// interpreter under a mode-0700 home is unreachable once the sandbox drops its uid).
public enum Interpreter {
    public static func resolve(_ explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let given = explicit ?? environment["ASSAY_PYTHON"], !given.isEmpty {
            let path = realPath(given) ?? given
            guard isELFExecutable(path) else {
                throw SandboxError("the interpreter '\(given)' is not an executable binary",
                                   hint: "pass the real interpreter (e.g. python3 -c 'import sys; print(sys.executable)'), not a shell shim")
            }
            // A virtual environment's `bin/python` is a symlink to its base interpreter; Python finds
            // the venv (pyvenv.cfg) from the path it was started by, so that path is kept.
            if let venvPython = virtualEnvironmentPath(given) { return venvPython }
            return path
        }
        var candidates = ["/usr/bin/python3"]
        for dir in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/python3") }
        for candidate in candidates {
            if let path = realPath(candidate), isELFExecutable(path) { return path }
        }
        throw SandboxError("no Python 3 interpreter found",
                           hint: "install one (`apt-get install -y python3`) or pass --python /path/to/python3")
    }

    /// `given` as an absolute path (its folders resolved, the file itself not) when it is the
    /// interpreter of a virtual environment (`<venv>/bin/python` beside `<venv>/pyvenv.cfg`).
    static func virtualEnvironmentPath(_ given: String) -> String? {
        let url = URL(fileURLWithPath: given)
        guard let folder = realPath(url.deletingLastPathComponent().path) else { return nil }
        let venv = URL(fileURLWithPath: folder).deletingLastPathComponent()
        guard access(venv.appendingPathComponent("pyvenv.cfg").path, R_OK) == 0 else { return nil }
        return URL(fileURLWithPath: folder).appendingPathComponent(url.lastPathComponent).path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isELFExecutable(_ path: String) -> Bool {
        guard access(path, X_OK) == 0 else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
        return n == 4 && magic == [0x7F, 0x45, 0x4C, 0x46]
    }
}

/// Locates the `assay-sandbox` supervisor: `$ASSAY_SANDBOX`, else next to the running executable
/// (the SwiftPM build folder holds `assay`, the test bundle and `assay-sandbox` side by side).
public enum SandboxBinary {
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let path = environment["ASSAY_SANDBOX"], !path.isEmpty {
            guard access(path, X_OK) == 0 else {
                throw SandboxError("ASSAY_SANDBOX points to '\(path)', which is not executable")
            }
            return path
        }
        let beside = Resources.executableURL().deletingLastPathComponent().appendingPathComponent("assay-sandbox").path
        guard access(beside, X_OK) == 0 else {
            throw SandboxError("cannot find the assay-sandbox supervisor next to \(Resources.executableURL().path)",
                               hint: "build it with `swift build` (it is part of the package), or set ASSAY_SANDBOX")
        }
        return beside
    }

    /// The warm workers load `libAssaySandboxChild.so` from beside the supervisor.
    static func requireChildLibrary(beside supervisor: String) throws {
        let library = URL(fileURLWithPath: supervisor).deletingLastPathComponent().appendingPathComponent("libAssaySandboxChild.so").path
        guard access(library, R_OK) == 0 else {
            throw SandboxError("the warm sandbox workers need \(library), which is missing",
                               hint: "build every product with `swift build` (not only --product assay), or use --sandbox-mode exec")
        }
    }
}
