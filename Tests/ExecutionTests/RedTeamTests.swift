#if canImport(Glibc)
import Glibc
#endif
import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import Synchronization
import Testing

/// Every fixture in `Sandboxes/redteam/` through the real supervisor, in both modes: the exact
/// verdict, the host unchanged (no surviving process or file of the sample's uid, no connection to
/// a host loopback listener, no cgroup left), and the harness still working afterwards.
@Suite(.tags(.sandbox, .slow)) struct RedTeamTests {
    static let fixtures: [SandboxFixture] = (try? SandboxFixture.load(from: TestPaths.sandboxes.appendingPathComponent("redteam"))) ?? []
    static let listener = LoopbackProbe()
    static let secret = "ASSAY_REDTEAM_SECRET=" + ProgramAssembly.nonce()
    /// Each case gets its own slot (and so its own sandbox uid), far above the slots other suites use.
    static let nextSlot = Mutex(700)
    /// Fixtures without limits of their own get a generous wall limit, so that load never turns
    /// an expected verdict into a timeout.
    static let defaults = ExecutionLimits(wallMS: 15_000)

    static var cases: [(SandboxFixture, SandboxConfiguration.Mode)] {
        fixtures.flatMap { fixture in SandboxConfiguration.Mode.allCases.map { (fixture, $0) } }
    }

    @Test func everyFixtureIsPresent() {
        #expect(Self.fixtures.count >= 40, "red-team fixtures missing from Sandboxes/redteam")
    }

    @Test(arguments: cases)
    func attackIsContained(fixture: SandboxFixture, mode: SandboxConfiguration.Mode) async throws {
        try await SandboxLoad.run { try await Self.check(fixture, mode) }
    }

    static func check(_ fixture: SandboxFixture, _ mode: SandboxConfiguration.Mode) async throws {
        let slot = Self.nextSlot.withLock { value -> Int in
            defer { value += 1 }
            return value
        }
        let uid = uid_t(60000 + slot)
        let port = try Self.listener.port()
        let hitsBefore = Self.listener.connections()
        let filesBefore = HostSnapshot.files(ownedBy: uid)
        let cgroupsBefore = Set(HostSnapshot.cgroups(ofSlot: slot))

        let executor = SandboxExecutor(configuration: SandboxConfiguration(
            mode: mode, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
            sandboxes: TestPaths.sandboxes, slots: 1, extraArguments: fixture.supervisorArguments(sandboxes: TestPaths.sandboxes),
            slotBase: slot, supervisorEnvironment: [Self.secret]))
        let outcome = try await executor.execute(fixture.request(port: port, defaults: Self.defaults))
        // The harness goes on: the same executor (the same warm worker in serve mode) still passes a correct sample.
        let after = try await executor.execute(SandboxFixture(name: "canonical", completion: "    return 1\n").request(port: port, defaults: Self.defaults))
        executor.shutdown()

        let expected = fixture.expectedStatuses
        #expect(expected.contains(outcome.status), "\(fixture.name) [\(mode)]: \(outcome.status) (\(outcome.detail)); expected \(expected.map(\.rawValue).sorted()) — \(fixture.about)")
        if outcome.status == .forbiddenSyscall, let names = fixture.expect["syscall"], names != ["null"] {
            #expect(names.contains(outcome.syscall ?? "null"), "\(fixture.name) [\(mode)]: syscall \(outcome.syscall ?? "none"), expected \(names)")
        }
        if let tags = fixture.expect["tamper"] {
            #expect(tags.contains { outcome.tamper.contains($0) }, "\(fixture.name): tamper flags \(outcome.tamper)")
        }
        if outcome.status == .error, let types = fixture.expect["error_type"] {
            #expect(types.contains(outcome.errorType ?? ""), "\(fixture.name): error type \(outcome.errorType ?? "none")")
        }
        #expect(after.status == .passed, "\(fixture.name) [\(mode)]: the next sample got \(after.status) (\(after.detail))")

        #expect(HostSnapshot.processes(ofUID: uid).isEmpty, "\(fixture.name) [\(mode)]: processes of uid \(uid) survive")
        #expect(HostSnapshot.files(ownedBy: uid).subtracting(filesBefore).isEmpty, "\(fixture.name) [\(mode)]: files of uid \(uid) appeared on the host")
        #expect(Self.listener.connections() == hitsBefore, "\(fixture.name) [\(mode)]: the host listener received a connection")
        #expect(Set(HostSnapshot.cgroups(ofSlot: slot)).subtracting(cgroupsBefore).isEmpty, "\(fixture.name) [\(mode)]: cgroups of slot \(slot) left behind")
    }
}

/// What a sample could leave on the host.
enum HostSnapshot {
    static let watched = ["/", "/tmp", "/var/tmp", "/dev/shm", "/etc", "/root", "/work"]

    static func files(ownedBy uid: uid_t) -> Set<String> {
        var result = Set<String>()
        for dir in watched {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let path = dir == "/" ? "/" + name : dir + "/" + name
                var info = stat()
                if lstat(path, &info) == 0, info.st_uid == uid { result.insert(path) }
            }
        }
        return result
    }

    static func processes(ofUID uid: uid_t) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            guard let status = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return false }
            let text = String(decoding: status, as: UTF8.self)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return false }
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().contains { UInt32($0) == uid }
        }
    }

    /// Cgroup directories named after `slot` under this process's memory and pids cgroups.
    static func cgroups(ofSlot slot: Int) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/self/cgroup") else { return [] }
        var leftovers: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, ["memory", "pids"].contains(String(parts[1])) else { continue }
            let dir = "/sys/fs/cgroup/\(parts[1])\(parts[2] == "/" ? "" : String(parts[2]))"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            leftovers += names.filter { $0.hasPrefix("assay-\(slot)-") }.map { dir + "/" + $0 }
        }
        return leftovers
    }
}
