public import AssayCore
import Dispatch
public import FoundationEssentials
import Synchronization

/// How samples are run by ``SandboxExecutor``.
public struct SandboxConfiguration: Sendable {
    /// `exec`: a fresh supervisor and interpreter per sample. `serve`: one long-lived supervisor
    /// with a warm worker per slot, forking a confined child per sample.
    public enum Mode: String, Sendable, CaseIterable {
        case exec
        case serve
    }

    public var mode: Mode
    /// Path of the `assay-sandbox` binary.
    public var supervisor: String
    /// Absolute path of the Python interpreter.
    public var python: String
    /// The `Sandboxes/` folder (runner, worker, profiles).
    public var sandboxes: URL
    /// Number of samples run at once.
    public var slots: Int
    /// Extra supervisor flags (profile choice, layers to disable, …).
    public var extraArguments: [String]
    /// Slot numbers are `slotBase ..< slotBase + slots`; each slot has its own sandbox uid
    /// (`60000 + slot`), so executors that must not share uids use different bases.
    public var slotBase: Int
    /// Extra `NAME=value` entries for the supervisor's own environment (never passed to samples).
    public var supervisorEnvironment: [String]

    public init(
        mode: Mode, supervisor: String, python: String, sandboxes: URL, slots: Int, extraArguments: [String] = [],
        slotBase: Int = 0, supervisorEnvironment: [String] = []
    ) {
        self.supervisorEnvironment = supervisorEnvironment
        self.mode = mode
        self.supervisor = supervisor
        self.python = python
        self.sandboxes = sandboxes
        self.slots = max(1, slots)
        self.extraArguments = extraArguments
        self.slotBase = slotBase
    }

    /// The default set-up: supervisor next to the executable, interpreter resolved once,
    /// `Sandboxes/` found from the installation root.
    public static func standard(mode: Mode = .serve, slots: Int, python: String? = nil, extraArguments: [String] = []) throws -> Self {
        let supervisor = try SandboxBinary.locate()
        if mode == .serve {
            try SandboxBinary.requireChildLibrary(beside: supervisor)
        }
        return Self(mode: mode, supervisor: supervisor, python: try Interpreter.resolve(python),
                    sandboxes: try Resources.sandboxes(), slots: slots, extraArguments: extraArguments)
    }
}

/// Runs requests through the `assay-sandbox` supervisor, `slots` at a time.
///
/// Each slot owns a serial dispatch queue: the blocking pipe I/O and `waitpid` happen there,
/// never on Swift's cooperative pool (which has only one thread per core).
public final class SandboxExecutor: CodeExecutor, Sendable {
    public let configuration: SandboxConfiguration
    private let slots: [Slot]
    private let free: SlotQueue
    private let observedLayers = Mutex<[String: String]>([:])

    /// The confinement layers the supervisor reported (layer → "active" or "unavailable: why"),
    /// from the first response that carried them; empty before any sample ran.
    public var layers: [String: String] { observedLayers.withLock { $0 } }

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        slots = (0..<configuration.slots).map { Slot(index: $0) }
        free = SlotQueue(count: configuration.slots)
    }

    public func execute(_ request: SandboxRequest) async throws -> ExecutionOutcome {
        // The verdict never reads the layers: once they are known, responses skip decoding them.
        let known = observedLayers.withLock { !$0.isEmpty }
        let response = try await exchange(request, decoder: known ? Self.decoderSkippingLayers : Self.decoder)
        return try VerdictPolicy.outcome(of: response, request: request)
    }

    /// Sends one request and returns the raw response (for diagnostics and `sandbox check`).
    public func send(_ request: SandboxRequest) async throws -> SandboxResponse {
        try await exchange(request, decoder: Self.decoder)
    }

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()
    private static let decoderSkippingLayers: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.userInfo[SandboxResponse.skipLayersKey] = true
        return decoder
    }()
    private static let newline = Data("\n".utf8)

    private func exchange(_ request: SandboxRequest, decoder: JSONDecoder) async throws -> SandboxResponse {
        var line = try Self.encoder.encode(request)
        line.append(Self.newline)
        let index = await free.acquire()
        defer { free.release(index) }
        let slot = slots[index]
        let configuration = configuration
        let bytes: [UInt8] = try await withCheckedThrowingContinuation { [line] continuation in
            slot.queue.async {
                continuation.resume(with: Result { try slot.run(line, request: request, configuration: configuration) })
            }
        }
        do {
            let response = try SandboxResponse.decode(Data(bytes), decoder: decoder)
            if let layers = response.layers {
                observedLayers.withLock { observed in
                    if observed.isEmpty { observed = layers.compactMapValues(\.stringValue) }
                }
            }
            return response
        } catch {
            throw SandboxError("the sandbox answered \(request.id) with an unreadable response: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }

    /// Stops every warm worker. Safe to call more than once.
    public func shutdown() {
        for slot in slots { slot.queue.sync { slot.stop() } }
    }

    deinit { shutdown() }
}

/// One execution slot: a serial queue and, in `serve` mode, its warm supervisor.
private final class Slot: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    /// Touched only on `queue`.
    private var session: ChildProcess?

    init(index: Int) {
        self.index = index
        queue = DispatchQueue(label: "assay.sandbox.slot\(index)")
    }

    /// Ends the warm supervisor: EOF on its stdin lets it stop the worker and remove its
    /// cgroups; it is killed if it takes longer than two seconds.
    func stop() {
        session?.finish(grace: 2)
        session = nil
    }

    func run(_ line: Data, request: SandboxRequest, configuration: SandboxConfiguration) throws -> [UInt8] {
        switch configuration.mode {
        case .exec: return try runFresh(line, request: request, configuration: configuration)
        case .serve: return try runWarm(line, configuration: configuration, retry: true)
        }
    }

    private static let baseEnvironment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]

    private func runFresh(_ line: Data, request: SandboxRequest, configuration: SandboxConfiguration) throws -> [UInt8] {
        let limits = request.limits
        let arguments = [
            configuration.supervisor, "exec",
            "--python", configuration.python,
            "--runner", configuration.sandboxes.appendingPathComponent("runner.py").path,
            "--wall-ms", String(limits.wallMS), "--cpu-ms", String(limits.cpuMS), "--memory", String(limits.memoryBytes),
            "--output-bytes", String(limits.outputBytes), "--fsize", String(limits.fsizeBytes), "--nofile", String(limits.nofile),
            "--slot", String(configuration.slotBase + index),
        ] + configuration.extraArguments
        let child = try ChildProcess(arguments: arguments, environment: Self.baseEnvironment + configuration.supervisorEnvironment)
        do {
            try child.write(line)
        } catch {
            // The supervisor refused input; its response (or exit status) says why.
        }
        child.closeStdin()
        let response = try child.readLine()
        let status = child.wait()
        guard let response, !response.isEmpty else {
            throw SandboxError("assay-sandbox exited (wait status \(status)) without a response",
                               hint: "run `assay sandbox check` to see what the sandbox needs on this host")
        }
        return response
    }

    private func runWarm(_ line: Data, configuration: SandboxConfiguration, retry: Bool) throws -> [UInt8] {
        if session == nil {
            let arguments = [
                configuration.supervisor, "serve",
                "--python", configuration.python,
                "--runner", configuration.sandboxes.appendingPathComponent("runner.py").path,
                "--worker", configuration.sandboxes.appendingPathComponent("worker.py").path,
                "--slot", String(configuration.slotBase + index),
            ] + configuration.extraArguments
            session = try ChildProcess(arguments: arguments, environment: Self.baseEnvironment + configuration.supervisorEnvironment)
        }
        guard let session else { throw SandboxError("no sandbox session") }
        do {
            try session.write(line)
            if let response = try session.readLine(), !response.isEmpty { return response }
            throw SandboxError("the warm sandbox worker of slot \(index) closed its output")
        } catch {
            stop()
            if retry { return try runWarm(line, configuration: configuration, retry: false) }
            throw error
        }
    }
}

/// Free slot indices, handed out in FIFO order to waiting tasks.
private final class SlotQueue: Sendable {
    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: Array((0..<count).reversed())))
    }

    func acquire() async -> Int {
        await withCheckedContinuation { continuation in
            let slot = state.withLock { state -> Int? in
                if let slot = state.free.popLast() { return slot }
                state.waiters.append(continuation)
                return nil
            }
            if let slot { continuation.resume(returning: slot) }
        }
    }

    func release(_ slot: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            if state.waiters.isEmpty {
                state.free.append(slot)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: slot)
    }
}
