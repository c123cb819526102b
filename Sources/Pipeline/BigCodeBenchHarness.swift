public import AssayCore
public import Execution
public import FoundationEssentials

/// BigCodeBench's harness: the task's `unittest` module runs in-process after the sample, through
/// the `unittest` runner kind (Sandboxes/kind_unittest.py), with a library-friendly environment.
public struct BigCodeBenchHarness: TaskHarness {
    public var assembly: ProgramAssembly.BigCodeBenchAssembly
    /// Environment the runner sets before the task imports anything (`{work}` is the sample's
    /// private folder).
    public var environment: [String: String]

    public init(assembly: ProgramAssembly.BigCodeBenchAssembly, environment: [String: String] = BigCodeBenchHarness.environment()) {
        self.assembly = assembly
        self.environment = environment
    }

    public var name: String { "bigcodebench-unittest/1:\(assembly.rawValue)" }

    /// What the environment adds to a run's identity.
    public var environmentSetting: String {
        environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    public func request(problem: Problem, sample: Sample, limits: ExecutionLimits) -> SandboxRequest {
        let (program, solutionEnd) = ProgramAssembly.bigCodeBench(problem: problem, body: sample.body, assembly: assembly)
        return SandboxRequest(
            id: sample.key.description, kind: "unittest", program: program, solutionEndLine: solutionEnd,
            entryPoint: problem.entryPoint, testFunction: "TestCases", nonce: ProgramAssembly.nonce(), limits: limits,
            payload: Self.payload(environment: environment))
    }

    static func payload(environment: [String: String], extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = [
            "test_class": .string("TestCases"), "module_name": .string("__test__"), "site": .bool(true),
            "environment": .object(environment.mapValues { .string($0) }),
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }

    /// The anchor's environment (`reliability_guard`: `TZ=UTC`, one OpenMP thread, quiet
    /// TensorFlow) plus a headless matplotlib and a private writable home and temp dir. The host's
    /// `OPENBLAS_*` settings pass through: on some processors older OpenBLAS builds (numpy 1.26's)
    /// crash or compute wrong results without them.
    public static func environment(host: [String: String]? = nil) -> [String: String] {
        let host = host ?? ProcessInfo.processInfo.environment
        var environment = [
            "MPLBACKEND": "Agg", "TZ": "UTC", "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0", "HOME": "{work}/home", "TMPDIR": "{work}/tmp",
        ]
        for (key, value) in host where key.hasPrefix("OPENBLAS_") && key != "OPENBLAS_NUM_THREADS" {
            environment[key] = value
        }
        return environment
    }

    /// Supervisor flags for BigCodeBench: the `python-procs` seccomp profile (threads, processes
    /// inside the per-sample PID namespace, sockets on the namespace's own loopback), room for
    /// library thread pools and `multiprocessing` (512 tasks), 1 GiB private `/box` and `/tmp`,
    /// and an 8 GiB memory cgroup per sample. (The supervisor exposes a venv interpreter's
    /// folder by itself.)
    public static func supervisorArguments(sandboxes: URL) -> [String] {
        [
            "--profile", sandboxes.appendingPathComponent("python-procs.seccomp").path, "--pids", "512",
            "--tmpfs-bytes", "1G", "--cg-memory", "8G",
        ]
    }

    /// BigCodeBench's limits: 240 s per task (the anchor's `BIGCODEBENCH_TIMEOUT_PER_TASK`), a
    /// 30 GiB address space (its `--max_as_limit 30720`; TensorFlow maps a lot it never touches),
    /// CPU time twice the wall time (library thread pools), 1024 open files, 256 MiB files.
    public static let defaultLimits = ExecutionLimits(
        wallMS: 240_000, cpuMS: 480_000, memoryBytes: 30 << 30, outputBytes: 4 << 20, fsizeBytes: 256 << 20, nofile: 1024)
}
