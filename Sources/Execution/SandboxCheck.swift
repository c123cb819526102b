#if canImport(Glibc)
import Glibc
#endif
import AssayCore
import FoundationEssentials
import Synchronization

/// `assay sandbox check`: what confinement this host gives, proven by running attacks.
public struct SandboxCheck: Sendable {
    /// One self-test: a red-team fixture and whether it was contained.
    public struct SelfTest: Sendable {
        public var title: String
        public var fixture: String
        public var passed: Bool
        public var detail: String
    }

    public struct Report: Sendable {
        public var supervisor: String
        public var python: String
        public var pythonVersion: String
        public var sandboxes: String
        /// Profile file → the supervisor's verdict on it (and whether it is valid).
        public var profiles: [(name: String, ok: Bool, message: String)]
        /// Layer → "active" or "unavailable: reason", as the supervisor reported them.
        public var layers: [(name: String, status: String)]
        public var selfTests: [SelfTest]

        public var allPassed: Bool { profiles.allSatisfy(\.ok) && selfTests.allSatisfy(\.passed) }
    }

    /// The self-tests `sandbox check` runs: title → fixture in `Sandboxes/redteam/`.
    public static let selfTests: [(title: String, fixture: String)] = [
        ("a forbidden system call is stopped", "ptrace"),
        ("process creation is refused by the default profile", "subprocess_shell"),
        ("a fork bomb is contained (pids limit)", "fork_bomb_procs"),
        ("an address-space memory bomb gets `memory`", "memory_bomb_address_space"),
        ("a touched-pages memory bomb gets `memory` (cgroup)", "memory_bomb_touched"),
        ("the host's network is unreachable", "network_host_loopback_procs"),
        ("host secrets are unreadable", "read_secrets"),
        ("double-forked daemons do not survive", "double_fork_daemon"),
    ]

    public let configuration: SandboxConfiguration

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
    }

    public func run() async throws -> Report {
        let profiles = try validateProfiles()
        let probe = LoopbackProbe()
        let port = try probe.port()
        let fixtures = configuration.sandboxes.appendingPathComponent("redteam")

        // Layers, from a canonical sample.
        let plain = SandboxExecutor(configuration: configuration)
        let canonical = SandboxFixture(name: "canonical", completion: "    return 1\n").request(port: port)
        let response = try await plain.send(canonical)
        plain.shutdown()
        let layers = (response.layers ?? [:]).compactMapValues(\.stringValue).sorted { $0.key < $1.key }.map { (name: $0.key, status: $0.value) }

        var results: [SelfTest] = []
        for (index, test) in Self.selfTests.enumerated() {
            let fixture = try SandboxFixture.load(fixtures.appendingPathComponent(test.fixture + ".py"))
            var config = configuration
            config.slots = 1
            config.slotBase = configuration.slotBase + 100 + index
            config.extraArguments += fixture.supervisorArguments(sandboxes: configuration.sandboxes)
            config.supervisorEnvironment.append("ASSAY_REDTEAM_SECRET=" + ProgramAssembly.nonce())
            let executor = SandboxExecutor(configuration: config)
            let before = probe.connections()
            do {
                let outcome = try await executor.execute(fixture.request(port: port))
                executor.shutdown()
                let expected = fixture.expectedStatuses
                var passed = expected.contains(outcome.status)
                var detail = outcome.status.rawValue + (outcome.detail.isEmpty ? "" : ": " + outcome.detail)
                if probe.connections() != before {
                    passed = false
                    detail += "; the host listener received a connection"
                }
                if !passed { detail += " (expected \(expected.map(\.rawValue).sorted().joined(separator: " or ")))" }
                results.append(SelfTest(title: test.title, fixture: test.fixture, passed: passed, detail: detail))
            } catch {
                executor.shutdown()
                results.append(SelfTest(title: test.title, fixture: test.fixture, passed: false, detail: "\(error)"))
            }
        }
        return Report(
            supervisor: configuration.supervisor, python: configuration.python, pythonVersion: pythonVersion(),
            sandboxes: configuration.sandboxes.path, profiles: profiles, layers: layers, selfTests: results)
    }

    /// Runs `assay-sandbox --check` on every profile in `Sandboxes/`.
    func validateProfiles() throws -> [(name: String, ok: Bool, message: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: configuration.sandboxes.path)
            .filter { $0.hasSuffix(".seccomp") }.sorted()
        return try names.map { name in
            let child = try ChildProcess(
                arguments: [configuration.supervisor, "--check", configuration.sandboxes.appendingPathComponent(name).path],
                environment: ["PATH=/usr/bin:/bin"])
            child.closeStdin()
            var lines: [String] = []
            while let line = try child.readLine() { lines.append(String(decoding: line, as: UTF8.self)) }
            let status = child.wait()
            let message = lines.joined(separator: " ").replacingAll(configuration.sandboxes.appendingPathComponent(name).path + ": ", with: "")
            return (name, status == 0, message)
        }
    }

    func pythonVersion() -> String {
        guard let child = try? ChildProcess(
            arguments: [configuration.python, "-I", "-S", "-c", "import sys; print(sys.version.split()[0])"], environment: [])
        else { return "unknown" }
        child.closeStdin()
        let line = (try? child.readLine()).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? "unknown"
        child.wait()
        return line
    }
}

/// A TCP listener on the host's 127.0.0.1 that counts connections without a thread: a
/// connection that reached it sits in the backlog until `connections()` accepts it.
public final class LoopbackProbe: Sendable {
    private let state = Mutex<(fd: Int32, port: Int, hits: Int)>((-1, 0, 0))

    public init() {}

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd) } }
    }

    /// The listening port (the socket is opened on first use).
    public func port() throws -> Int {
        try state.withLock { state in
            if state.fd >= 0 { return state.port }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SandboxError("cannot open a loopback probe socket: \(String(cString: strerror(errno)))") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0, listen(fd, 64) == 0 else {
                close(fd)
                throw SandboxError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            state = (fd, Int(UInt16(bigEndian: address.sin_port)), 0)
            return state.port
        }
    }

    /// Connections received so far.
    public func connections() -> Int {
        state.withLock { state in
            while state.fd >= 0 {
                let client = accept(state.fd, nil, nil)
                if client < 0 { break }
                close(client)
                state.hits += 1
            }
            return state.hits
        }
    }
}
