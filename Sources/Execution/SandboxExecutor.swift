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
/// Each slot owns serial dispatch queues: the blocking pipe I/O and `waitpid` happen there, never
/// on Swift's cooperative pool (which has only one thread per core). In `serve` mode a slot keeps
/// up to ``SandboxExecutor/pipelineDepth`` requests in its supervisor: the next request waits
/// in the supervisor's input while the current sample runs, so the supervisor starts it without
/// a round trip through Swift (samples still run one at a time per slot, and a sample's wall
/// clock starts at its fork).
public final class SandboxExecutor: CodeExecutor, Sendable {
    public let configuration: SandboxConfiguration
    private let slots: [Slot]
    private let free: SlotQueue
    private let observedLayers = Mutex<[String: String]>([:])

    /// The confinement layers the supervisor reported (layer → "active" or "unavailable: why"),
    /// from the first response that carried them; empty before any sample ran.
    public var layers: [String: String] { observedLayers.withLock { $0 } }

    /// Requests a warm slot holds at once (the running one and the next).
    public static let pipelineDepth = 2

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        slots = (0..<configuration.slots).map { Slot(index: $0) }
        free = SlotQueue(count: configuration.slots, depth: configuration.mode == .serve ? Self.pipelineDepth : 1)
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
            switch configuration.mode {
            case .exec:
                slot.queue.async {
                    continuation.resume(with: Result { try slot.runFresh(line, request: request, configuration: configuration) })
                }
            case .serve:
                slot.submitWarm(WarmJob(line: line, retry: true, continuation: continuation), configuration: configuration)
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
        for slot in slots { slot.stop() }
    }

    deinit { shutdown() }
}

/// A request written (or about to be written) to a warm supervisor.
private struct WarmJob: Sendable {
    let line: Data
    /// Whether the job may go to a new supervisor if this one dies before answering.
    var retry: Bool
    let continuation: CheckedContinuation<[UInt8], any Error>
}

/// One execution slot: a serial queue and, in `serve` mode, its warm supervisor.
///
/// Warm requests are written on `queue` and their responses read, in the same order, on
/// `readQueue`: a write never waits for the previous response. `lock` guards `session`,
/// `generation` (bumped whenever a supervisor is started or given up) and `inflight` (the jobs
/// written to the current supervisor and not answered yet, oldest first).
private final class Slot: @unchecked Sendable {
    let index: Int
    let queue: DispatchQueue
    private let readQueue: DispatchQueue
    private let lock = Mutex(())
    private var session: ChildProcess?
    private var generation = 0
    private var inflight: [WarmJob] = []

    init(index: Int) {
        self.index = index
        queue = DispatchQueue(label: "assay.sandbox.slot\(index)")
        readQueue = DispatchQueue(label: "assay.sandbox.slot\(index).responses")
    }

    /// Ends the warm supervisor: EOF on its stdin lets it stop the worker and remove its
    /// cgroups; it is killed if it takes longer than two seconds. Requests still waiting fail.
    func stop() {
        queue.sync {
            let (ended, orphans) = lock.withLock { _ -> (ChildProcess?, [WarmJob]) in
                defer {
                    session = nil
                    generation += 1
                    inflight = []
                }
                return (session, inflight)
            }
            for job in orphans { job.continuation.resume(throwing: SandboxError("the sandbox of slot \(index) was shut down")) }
            ended?.finish(grace: 2)
        }
    }

    private static let baseEnvironment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]

    /// `exec`: one supervisor for this request alone. Runs on `queue`.
    func runFresh(_ line: Data, request: SandboxRequest, configuration: SandboxConfiguration) throws -> [UInt8] {
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

    /// `serve`: writes the request to the slot's supervisor (started on first use) and queues
    /// the read of its response.
    func submitWarm(_ job: WarmJob, configuration: SandboxConfiguration) {
        queue.async { self.write(job, configuration: configuration) }
    }

    /// Runs on `queue`.
    private func write(_ job: WarmJob, configuration: SandboxConfiguration) {
        let started: Result<(ChildProcess, Int), any Error> = lock.withLock { _ in
            Result {
                if session == nil {
                    let arguments = [
                        configuration.supervisor, "serve",
                        "--python", configuration.python,
                        "--runner", configuration.sandboxes.appendingPathComponent("runner.py").path,
                        "--worker", configuration.sandboxes.appendingPathComponent("worker.py").path,
                        "--slot", String(configuration.slotBase + index),
                    ] + configuration.extraArguments
                    session = try ChildProcess(arguments: arguments, environment: Self.baseEnvironment + configuration.supervisorEnvironment)
                    generation += 1
                }
                inflight.append(job)
                return (session!, generation)
            }
        }
        guard case .success(let (process, writtenIn)) = started else {
            if case .failure(let error) = started { job.continuation.resume(throwing: error) }
            return
        }
        // A failed write shows as the end of the supervisor's output, which the read handles.
        try? process.write(job.line)
        readQueue.async { self.readResponse(generation: writtenIn, configuration: configuration) }
    }

    /// Reads one response for the oldest job written to supervisor `generation`. Runs on
    /// `readQueue`, once per written job.
    private func readResponse(generation current: Int, configuration: SandboxConfiguration) {
        guard let process = lock.withLock({ _ in generation == current ? session : nil }) else {
            return  // that supervisor was given up; its jobs went elsewhere
        }
        if let response = try? process.readLine(), !response.isEmpty {
            // nil: `stop()` gave the job up meanwhile (and answered it).
            let job = lock.withLock { _ in generation == current && !inflight.isEmpty ? inflight.removeFirst() : nil }
            job?.continuation.resume(returning: response)
            return
        }
        // The supervisor died or closed its output: every job written to it goes once to a new one.
        let (dead, jobs) = lock.withLock { _ -> (ChildProcess?, [WarmJob]) in
            guard generation == current else { return (nil, []) }
            defer {
                session = nil
                generation += 1
                inflight = []
            }
            return (session, inflight)
        }
        dead?.terminate()
        for var job in jobs {
            if job.retry {
                job.retry = false
                submitWarm(job, configuration: configuration)
            } else {
                job.continuation.resume(throwing: SandboxError("the warm sandbox worker of slot \(index) closed its output"))
            }
        }
    }
}

/// Slots with room for another request (`depth` each), handed out in FIFO order to waiting
/// tasks, the least busy slot first.
private final class SlotQueue: Sendable {
    private struct State {
        var busy: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
    }

    private let state: Mutex<State>
    private let depth: Int

    init(count: Int, depth: Int) {
        state = Mutex(State(busy: Array(repeating: 0, count: count)))
        self.depth = depth
    }

    func acquire() async -> Int {
        await withCheckedContinuation { continuation in
            let slot = state.withLock { state -> Int? in
                if let slot = state.busy.indices.min(by: { state.busy[$0] < state.busy[$1] }), state.busy[slot] < depth {
                    state.busy[slot] += 1
                    return slot
                }
                state.waiters.append(continuation)
                return nil
            }
            if let slot { continuation.resume(returning: slot) }
        }
    }

    func release(_ slot: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            if state.waiters.isEmpty {
                state.busy[slot] -= 1
                return nil
            }
            return state.waiters.removeFirst()  // the slot stays as busy, for this waiter
        }
        waiter?.resume(returning: slot)
    }
}
