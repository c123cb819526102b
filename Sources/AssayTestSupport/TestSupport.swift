#if canImport(Glibc)
public import Glibc
#endif
public import FoundationEssentials
public import Testing

extension Tag {
    /// Runs real samples through the kernel sandbox.
    @Tag public static var sandbox: Self
    /// Reads the shared benchmark datasets (skipped when they are absent).
    @Tag public static var datasets: Self
    /// Runs the built `assay` binary end to end.
    @Tag public static var endToEnd: Self
    /// Takes more than a few seconds.
    @Tag public static var slow: Self
    /// Talks to a server process over loopback.
    @Tag public static var network: Self
}

/// Paths of the repository and its build products, for tests.
public enum TestPaths {
    /// The repository root (three levels above this file).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var sandboxes: URL { repository.appendingPathComponent("Sandboxes") }
    public static var problems: URL { repository.appendingPathComponent("Problems") }

    /// The build folder holding the test bundle, `assay` and `assay-sandbox`.
    public static var buildFolder: URL {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    /// The built `assay` executable.
    public static var assayBinary: URL { buildFolder.appendingPathComponent("assay") }
    public static var sandboxBinary: URL { buildFolder.appendingPathComponent("assay-sandbox") }
}

/// The shared benchmark datasets (`$ASSAY_DATASETS` or `../shared/datasets` beside the repository).
public enum Datasets {
    public static var folder: URL? {
        if let path = ProcessInfo.processInfo.environment["ASSAY_DATASETS"], !path.isEmpty,
            FileManager.default.fileExists(atPath: path)
        {
            return URL(fileURLWithPath: path)
        }
        let sibling = TestPaths.repository.deletingLastPathComponent().appendingPathComponent("shared/datasets")
        return FileManager.default.fileExists(atPath: sibling.path) ? sibling : nil
    }

    /// Path of a dataset file, or nil when absent.
    public static func file(_ name: String) -> URL? {
        guard let url = folder?.appendingPathComponent(name), FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }

    public static func available(_ name: String) -> Bool { file(name) != nil }

    /// The message tests skip with when a dataset is missing.
    public static func missing(_ name: String) -> Comment {
        "dataset \(name) not found: set ASSAY_DATASETS or place it in ../shared/datasets"
    }
}

/// A temporary directory removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL

    public init(_ label: String = "assay-test") throws {
        var template = Array("\(NSTemporaryDirectoryLike())/\(label)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXErrorLike(errno: errno) }
        url = URL(fileURLWithPath: String(cString: made))
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

func NSTemporaryDirectoryLike() -> String {
    ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
}

public struct POSIXErrorLike: Error, CustomStringConvertible {
    public var errno: Int32
    public var note: String?

    public init(errno: Int32, note: String? = nil) {
        self.errno = errno
        self.note = note
    }

    public var description: String { note ?? String(cString: strerror(errno)) }
}

/// The result of running a program to completion.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program (absolute path) with arguments, in `directory`, and collects its output.
/// For end-to-end tests of the built binaries; blocks a Dispatch thread, not the test's task.
///
/// Runs of the built binaries go through ``SandboxLoad``: they start sandboxes.
public func runProgram(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil
) async throws -> ProcessResult {
    try await SandboxLoad.run {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThreadLike {
                continuation.resume(with: Result { try runProgramBlocking(executable, arguments, in: directory, environment: environment) })
            }
        }
    }
}

/// Bounds how many sandbox-heavy tests run at once in the test process.
///
/// swift-testing runs every suite in parallel; on a 2-core machine a dozen suites each starting
/// warm workers make the host so busy that correct samples hit their wall-clock limits. Tests
/// that start sandboxes (the built `assay` binary, a `SandboxExecutor`) run their body through
/// ``run(_:)``; nested calls from inside a body do not wait again.
public enum SandboxLoad {
    /// Bodies allowed at once (each may use two sandbox slots).
    public static let width = 2
    static let gate = ConcurrencyGate(width)
    @TaskLocal static var inside = false

    public static func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if inside { return try await body() }
        return try await gate.run { try await $inside.withValue(true) { try await body() } }
    }
}

enum Thread {
    static func detachNewThreadLike(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }

    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// Starts a program in the background; returns its pid (the caller kills or waits for it).
public func spawnProgram(_ executable: URL, _ arguments: [String], in directory: URL, stdoutFile: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdoutFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stdoutFile + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // `env -C` changes directory in the child (glibc 2.36 lacks posix_spawn_file_actions_addchdir_np).
    let argv = (["/usr/bin/env", "-C", directory.path, executable.path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
    guard rc == 0 else { throw POSIXErrorLike(errno: rc) }
    return pid
}

func runProgramBlocking(_ executable: URL, _ arguments: [String], in directory: URL?, environment: [String: String]?) throws -> ProcessResult {
    let scratch = try TemporaryDirectory("assay-run")
    let out = scratch.path("stdout")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let prefix = directory.map { ["/usr/bin/env", "-C", $0.path] } ?? []
    let argv = (prefix + [executable.path] + arguments).map { strdup($0) } + [nil]
    let program = directory == nil ? executable.path : "/usr/bin/env"
    defer { argv.forEach { free($0) } }
    var envStrings: [UnsafeMutablePointer<CChar>?]? = nil
    if let environment {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        envStrings = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    }
    defer { envStrings?.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = envStrings == nil
        ? posix_spawn(&pid, program, &actions, nil, argv, environ)
        : posix_spawn(&pid, program, &actions, nil, argv, &envStrings!)
    guard rc == 0 else { throw POSIXErrorLike(errno: rc) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let stdout = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: FileManager.default.contents(atPath: out + ".err") ?? Data(), as: UTF8.self)
    let exit: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return ProcessResult(status: exit, stdout: stdout, stderr: stderr)
}

/// Golden files: exact expected outputs kept beside the tests.
///
/// `ASSAY_UPDATE_GOLDENS=1 swift test --filter …` rewrites them from the actual output (review
/// the diff before committing).
public enum Golden {
    /// Compares `actual` with `<folder>/<name>`; returns a description of the first difference, or nil.
    public static func mismatch(_ actual: String, _ name: String, in folder: URL) -> String? {
        let url = folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["ASSAY_UPDATE_GOLDENS"] == "1" {
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try? Data(actual.utf8).write(to: url)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return "golden file \(url.path) is missing (run with ASSAY_UPDATE_GOLDENS=1 to create it)"
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return nil }
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) {
            let left = i < a.count ? String(a[i]) : "<end of file>"
            let right = i < b.count ? String(b[i]) : "<end of output>"
            if left != right { return "\(name): line \(i + 1) differs\n  expected: \(left)\n  actual:   \(right)" }
        }
        return "\(name): differs"
    }
}

/// Headless Chromium from Debian's `chromium` package (`.ci/run` installs it).
public enum Chromium {
    public static var path: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Why a test that needs Chromium cannot run.
    public static let missing: Comment = "chromium not installed: apt-get install -y chromium (.ci/run does it)"

    /// Loads `page` (a file URL, with an optional `#fragment`), lets its scripts run, and returns
    /// the serialised DOM and the browser's stderr (console messages are logged there).
    public static func dumpDOM(_ page: String) async throws -> (dom: String, log: String) {
        let profile = try TemporaryDirectory("assay-chromium")
        let result = try await runProgram(URL(fileURLWithPath: path ?? "/usr/bin/chromium"), [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.url.path)",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", page,
        ])
        return (result.stdout, result.stderr)
    }

    /// Console errors and uncaught exceptions in a Chromium log.
    public static func scriptErrors(in log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains("Uncaught") || ($0.contains("CONSOLE") && $0.contains("ERROR")) || $0.contains(":ERROR:CONSOLE")
        }
    }
}

/// At most `limit` bodies run at once; the others wait their turn (FIFO). For suites whose cases
/// are timing-sensitive and must not all run in parallel on a 2-core machine.
public actor ConcurrencyGate {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(_ limit: Int) {
        available = max(1, limit)
    }

    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
