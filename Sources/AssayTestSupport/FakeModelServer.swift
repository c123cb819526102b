#if canImport(Glibc)
public import Glibc
#endif
public import AssayCore
import FoundationEssentials

/// `Scripts/fake_model_server.py` running on a free loopback port, for the life of this value.
///
/// ```swift
/// let server = try await FakeModelServer(script: ["models": ["fake-coder"], "answers": [...]])
/// … use server.baseURL …
/// let requests = try server.requests()   // one object per request the server saw
/// ```
public final class FakeModelServer: @unchecked Sendable {
    public let port: Int
    public let pid: pid_t
    public let directory: TemporaryDirectory
    public var logPath: String { directory.path("requests.jsonl") }
    private var stopped = false

    /// Starts the server with `script` (see the script's docstring) and waits until it listens,
    /// on `port` (0: a free one).
    public init(script: JSONValue, port requestedPort: Int = 0) async throws {
        directory = try TemporaryDirectory("fake-model-server")
        let scriptPath = directory.path("script.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(script).write(to: URL(fileURLWithPath: scriptPath))
        let portFile = directory.path("port")
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let arguments = [python, TestPaths.repository.appendingPathComponent("Scripts/fake_model_server.py").path,
                         "--script", scriptPath, "--port", String(requestedPort), "--port-file", portFile, "--log", directory.path("requests.jsonl")]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory.path("server.out"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, directory.path("server.err"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, python, &actions, nil, argv, environ)
        guard rc == 0 else { throw POSIXErrorLike(errno: rc) }
        pid = child
        var found: Int?
        for _ in 0..<200 {
            if let data = FileManager.default.contents(atPath: portFile), let value = Int(String(decoding: data, as: UTF8.self)) {
                found = value
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        guard let found else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            let err = String(decoding: FileManager.default.contents(atPath: directory.path("server.err")) ?? Data(), as: UTF8.self)
            throw POSIXErrorLike(errno: ETIMEDOUT, note: "fake model server did not start: \(err)")
        }
        port = found
    }

    /// `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every request the server logged, in arrival order.
    public func requests() throws -> [[String: JSONValue]] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return try JSONLines.split([UInt8](data)).compactMap {
            try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)).objectValue
        }
    }

    /// Stops the server (SIGKILL) and reaps it. Safe to call twice.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { stop() }
}
