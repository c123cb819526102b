#if canImport(Glibc)
import Glibc
#endif
import AssayTestSupport
import FoundationEssentials
import Testing

/// Golden end-to-end test of `assay sandbox check` on this host.
@Suite(.tags(.endToEnd, .sandbox)) struct SandboxCheckEndToEndTests {
    @Test func everyLayerIsActiveAndEveryAttackContained() async throws {
        let dir = try TemporaryDirectory()
        let result = try await runProgram(TestPaths.assayBinary, ["sandbox", "check"], in: dir.url,
                                          environment: ["ASSAY_HOME": TestPaths.repository.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("all checks passed"))
        // Every profile in Sandboxes/ is validated.
        #expect(result.stdout.contains("ok   python-default.seccomp: ok"))
        #expect(result.stdout.contains("ok   python-procs.seccomp: ok"))
        let layers = ["seccomp", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns", "cgroup_ns", "rlimits", "no_new_privs", "session", "fd_hygiene"]
            + (geteuid() == 0 ? ["uid_drop", "cgroup_memory", "cgroup_pids"] : ["user_ns"])
        for layer in layers {
            #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("  \(layer) ") && $0.hasSuffix("active") },
                    "layer \(layer) is not active:\n\(result.stdout)")
        }
        #expect(!result.stdout.contains("FAIL"))
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("  ok ") }.count >= 8 + 2)
    }
}

