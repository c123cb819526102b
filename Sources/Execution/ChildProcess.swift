#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// Errors the sandbox machinery (not the sample) ran into. Never a verdict.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}

/// A child process started with `posix_spawn` (Swift never forks), with pipes on its stdin and
/// stdout; its stderr is inherited. All I/O here blocks: call it only from a dedicated queue.
final class ChildProcess {
    let pid: pid_t
    private(set) var stdinFD: Int32
    let stdoutFD: Int32
    /// Bytes read but not returned yet start at `readStart`.
    private var readBuffer: [UInt8] = []
    private var readStart = 0
    /// One read's worth, allocated once per child process (not per read).
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var reaped = false

    /// Starts `arguments[0]` (an absolute path) with `environment`.
    init(arguments: [String], environment: [String]) throws {
        Self.ignoreSIGPIPE
        // Pipes are created and marked close-on-exec under the same lock as every spawn, so no
        // other supervisor can inherit them in between (Glibc's Swift overlay lacks pipe2).
        let (child, input, output) = try Self.spawnLock.withLock { _ in try Self.spawn(arguments, environment) }
        pid = child
        stdinFD = input
        stdoutFD = output
    }

    private static func spawn(_ arguments: [String], _ environment: [String]) throws -> (pid_t, Int32, Int32) {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0 else { throw SandboxError("pipe failed: \(String(cString: strerror(errno)))") }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            throw SandboxError("pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw SandboxError("cannot start \(arguments[0]): \(String(cString: strerror(rc)))",
                               hint: "build it with `swift build` (it is part of the package), or set ASSAY_SANDBOX")
        }
        return (child, toChild[1], fromChild[0])
    }

    deinit {
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
        if !reaped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    private static let spawnLock = Mutex(())

    private static let ignoreSIGPIPE: Void = {
        // A supervisor that dies while we write must give EPIPE, not kill assay.
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Writes all of `bytes` to the child's stdin.
    func write(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(stdinFD, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError("writing to the sandbox failed: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// Reads one `\n`-terminated line from the child's stdout; nil at end of file.
    func readLine() throws -> [UInt8]? {
        var scanned = readStart
        while true {
            if let newline = readBuffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(readBuffer[readStart..<newline])
                readStart = newline + 1
                if readStart == readBuffer.count {
                    readBuffer.removeAll(keepingCapacity: true)
                    readStart = 0
                }
                return line
            }
            scanned = readBuffer.count
            if readStart > 0 && readStart >= readBuffer.count / 2 {  // keep the unread tail only
                readBuffer.removeSubrange(..<readStart)
                scanned -= readStart
                readStart = 0
            }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(stdoutFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SandboxError("reading from the sandbox failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                if readStart == readBuffer.count { return nil }
                defer {
                    readBuffer.removeAll()
                    readStart = 0
                }
                return Array(readBuffer[readStart...])
            }
            readBuffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Waits for the child to exit and returns its raw wait status.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status
    }

    /// Closes the child's stdin and waits up to `grace` seconds for it to exit on its own (a
    /// supervisor cleans up its cgroups and mounts then); kills it after that.
    func finish(grace: Double) {
        closeStdin()
        guard !reaped else { return }
        var status: Int32 = 0
        var waited = 0.0
        while waited < grace {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid || (rc < 0 && errno != EINTR) {
                reaped = true
                return
            }
            usleep(5_000)
            waited += 0.005
        }
        terminate()
    }

    /// Kills and reaps the child.
    func terminate() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        wait()
    }
}

