public import AssayCore
import Scoring

/// What `summary.json` says about an efficiency (ENAMEL) run beyond eff@k.
public struct EfficiencySummary: Sendable, Codable, Equatable {
    /// `cpu`: the timed quantity is the CPU time of the sandboxed child around the call (ENAMEL
    /// itself uses wall-clock time; the definitions are otherwise ENAMEL's).
    public var timing: String
    /// Whether hardware instruction counts were available (and why not).
    public var instructionCounts: String
    /// Per level: the mean e_j over all samples.
    public var levelMeans: [Double]
    /// Per level: samples a limit (timeout, MemoryError, OverflowError) stopped at that level.
    public var stoppedAtLevel: [Int]
    /// Per level: mean over problems of the reference's slowest test t*_j (seconds).
    public var referenceMeansS: [Double]
    /// Problems re-timed because the reference timed before and after the samples disagreed.
    public var retries: Int
    /// Repetitions timed again because they were over twice their test's median.
    public var remeasuredReps: Int
    /// Timed processes run again because their calibration loop showed a contended machine.
    public var contendedReruns: Int
    /// The run's best calibration (ns of CPU time for the kind's fixed loop).
    public var calibrationNS: Int?
    /// Median relative disagreement of t*_max between the two reference timings of a problem.
    public var referenceDisagreementMedian: Double?
    /// Generated tests ("task/level") whose identity changed since an earlier run with the same key.
    public var changedTests: [String]
    /// Load average (1, 5, 15 min) when timing started and when it ended, and the CPU model.
    public var loadAtStart: [Double]
    public var loadAtEnd: [Double]
    public var cpuModel: String
    public var settings: [String: String]

    enum CodingKeys: String, CodingKey {
        case timing, instructionCounts = "instruction_counts", levelMeans = "level_means", stoppedAtLevel = "stopped_at_level", remeasuredReps = "remeasured_reps", contendedReruns = "contended_reruns", calibrationNS = "calibration_ns"
        case referenceMeansS = "reference_means_s", retries, referenceDisagreementMedian = "reference_disagreement_median"
        case changedTests = "changed_tests", loadAtStart = "load_at_start", loadAtEnd = "load_at_end", cpuModel = "cpu_model", settings
    }

    public init(
        timing: String, instructionCounts: String, levelMeans: [Double], stoppedAtLevel: [Int], referenceMeansS: [Double], retries: Int, remeasuredReps: Int, contendedReruns: Int, calibrationNS: Int?,
        referenceDisagreementMedian: Double?, changedTests: [String], loadAtStart: [Double], loadAtEnd: [Double], cpuModel: String,
        settings: [String: String]
    ) {
        self.timing = timing
        self.instructionCounts = instructionCounts
        self.levelMeans = levelMeans
        self.stoppedAtLevel = stoppedAtLevel
        self.referenceMeansS = referenceMeansS
        self.retries = retries
        self.remeasuredReps = remeasuredReps
        self.contendedReruns = contendedReruns
        self.calibrationNS = calibrationNS
        self.referenceDisagreementMedian = referenceDisagreementMedian
        self.changedTests = changedTests
        self.loadAtStart = loadAtStart
        self.loadAtEnd = loadAtEnd
        self.cpuModel = cpuModel
        self.settings = settings
    }
}

extension RunSummary {
    /// Adds eff@k (problems in the set's order, each problem's samples in index order) to a summary.
    public mutating func addEfficiency(
        problemSet: ProblemSet, samples: [Sample], scores: [SampleKey: EfficiencyScore], ks: [Int], details: EfficiencySummary
    ) throws {
        var byTask: [String: [Sample]] = [:]
        for sample in samples { byTask[sample.taskID, default: []].append(sample) }
        var perProblem: [[Double]] = []
        for problem in problemSet.problems {
            guard let list = byTask[problem.taskID] else { continue }
            let values = list.sorted { $0.index < $1.index }.compactMap { scores[$0.key]?.eff }
            if !values.isEmpty { perProblem.append(values) }
        }
        var values: [String: Double] = [:]
        if !perProblem.isEmpty {
            let report = try EffAtK.report(perProblem, ks: ks)
            for (k, value) in report.values { values[String(k)] = value }
        }
        effAtK = values
        efficiency = details
    }
}
