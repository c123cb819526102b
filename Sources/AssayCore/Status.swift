/// The one verdict every executed sample gets.
///
/// Precedence when several apply (decided by the Execution module):
/// infrastructure error (thrown, never a status) > ``timeout`` > ``memory`` > ``outputLimit`` >
/// ``forbiddenSyscall`` > ``signal`` > ``noResult`` > ``failed`` / ``error`` > ``passed``.
public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
    /// The trusted harness reported that every check ran and none failed.
    case passed
    /// A test assertion failed.
    case failed
    /// The code raised another exception (its class name is recorded).
    case error
    /// The wall-clock or CPU limit was reached.
    case timeout
    /// The memory limit was reached (MemoryError under the address-space limit, or an OOM kill).
    case memory
    /// stdout or stderr went over its byte cap.
    case outputLimit = "output_limit"
    /// The seccomp profile stopped a system call.
    case forbiddenSyscall = "forbidden_syscall"
    /// Killed by another signal (e.g. SIGSEGV).
    case signal
    /// The process ended without the harness's own completion record.
    case noResult = "no_result"

    public var isPass: Bool { self == .passed }
}
