/// Errors of the ENAMEL efficiency estimators. Like pass@k, nothing here traps on bad input.
public enum EfficiencyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// eff@k needs 1 <= k <= n and at least one score.
    case invalidK(n: Int, k: Int)
    /// The Hodges–Lehmann estimator needs at least one measurement.
    case noMeasurements
    /// A time, score or weight that is NaN, infinite or negative where it must not be.
    case invalidValue(String)
    /// The limit does not exceed the reference time (a zero or broken reference timing): a harness error.
    case degenerateReference(reference: Double, limit: Double)
    /// Level scores and hardness weights of different lengths, or weights summing to zero.
    case invalidHardness(String)
    case noProblems

    public var description: String {
        switch self {
        case .invalidK(let n, let k): return "invalid eff@k input: n=\(n), k=\(k) (need 1 <= k <= n)"
        case .noMeasurements: return "no timing measurements to summarise"
        case .invalidValue(let what): return "invalid value: \(what)"
        case .degenerateReference(let reference, let limit):
            return "reference time \(reference) s is not below the time limit \(limit) s (a zero or broken reference timing; harness error)"
        case .invalidHardness(let what): return "invalid hardness weights: \(what)"
        case .noProblems: return "no problems to score"
        }
    }
}

/// The Hodges–Lehmann estimator ENAMEL summarises repeated timings with: the median of all
/// pairwise means `(x_a + x_b) / 2` over `a <= b` (self-pairs included).
///
/// Computed as the anchor does (`enam.evaluate.calc_exec_time`): halve first, add the halves,
/// then numpy's median (the mean of the two middle values for an even count).
public enum HodgesLehmann {
    public static func estimate(_ values: [Double]) throws -> Double {
        guard !values.isEmpty else { throw EfficiencyError.noMeasurements }
        guard values.allSatisfy(\.isFinite) else { throw EfficiencyError.invalidValue("non-finite timing in \(values)") }
        let halves = values.map { $0 / 2 }
        var means: [Double] = []
        means.reserveCapacity(values.count * (values.count + 1) / 2)
        for a in 0..<halves.count {
            for b in 0...a { means.append(halves[b] + halves[a]) }
        }
        means.sort()
        let middle = means.count / 2
        if means.count % 2 == 1 { return means[middle] }
        return (means[middle - 1] + means[middle]) / 2
    }
}

/// ENAMEL's per-level and per-sample efficiency scores (metrics.md §2.4–2.6).
public enum EnamelScore {
    /// `e_j = max(0, T − t_j) / (T − t*_j)`: 1 for exactly the reference's speed, above 1 when
    /// faster (never clipped), 0 at or beyond the limit (right-censored).
    ///
    /// - Throws: ``EfficiencyError/degenerateReference(reference:limit:)`` when `T <= t*_j`.
    public static func level(elapsed: Double, reference: Double, limit: Double) throws -> Double {
        guard elapsed.isFinite, reference.isFinite, limit.isFinite, elapsed >= 0, reference >= 0 else {
            throw EfficiencyError.invalidValue("elapsed \(elapsed), reference \(reference), limit \(limit)")
        }
        guard limit > reference, reference > 0 else { throw EfficiencyError.degenerateReference(reference: reference, limit: limit) }
        return max(0, limit - elapsed) / (limit - reference)
    }

    /// The hardness-weighted mean of the level scores, as `numpy.average(weights:)` computes it:
    /// the products summed in level order, divided by the sum of the weights.
    public static func weighted(_ levels: [Double], hardness: [Double]) throws -> Double {
        guard levels.count == hardness.count, !levels.isEmpty else {
            throw EfficiencyError.invalidHardness("\(levels.count) level scores for \(hardness.count) weights")
        }
        guard hardness.allSatisfy({ $0.isFinite && $0 >= 0 }), levels.allSatisfy(\.isFinite) else {
            throw EfficiencyError.invalidHardness("weights \(hardness) and scores \(levels) must be finite, weights >= 0")
        }
        var total = 0.0
        for weight in hardness { total += weight }
        guard total > 0 else { throw EfficiencyError.invalidHardness("the weights \(hardness) sum to zero") }
        var sum = 0.0
        for (score, weight) in zip(levels, hardness) { sum += score * weight }
        return sum / total
    }
}

/// ENAMEL's Rao–Blackwellized eff@k: the expected best score among k of the n samples,
/// `Σ_{r=k}^{n} C(r−1, k−1)/C(n, k) · e_(r)` over the ascending order statistics, with the weights
/// from the stable recurrence `w_n = k/n`, `w_r = w_{r+1}·(1 − (k−1)/r)` (metrics.md §2.7–2.8).
public enum EffAtK {
    /// The weights of `e_(k) … e_(n)` (1-based order statistics), ascending in r, as the anchor
    /// builds them.
    public static func weights(n: Int, k: Int) throws -> [Double] {
        guard k >= 1, n >= k else { throw EfficiencyError.invalidK(n: n, k: k) }
        var reversed = [Double(k) / Double(n)]
        reversed.reserveCapacity(n - k + 1)
        let km1 = Double(k - 1)
        var r = n - 1
        while r >= k {
            reversed.append(reversed[reversed.count - 1] * (1 - km1 / Double(r)))
            r -= 1
        }
        return reversed.reversed()
    }

    /// eff@k of one problem's per-sample scores.
    public static func estimate(_ scores: [Double], k: Int) throws -> Double {
        guard k >= 1, scores.count >= k else { throw EfficiencyError.invalidK(n: scores.count, k: k) }
        guard scores.allSatisfy(\.isFinite) else { throw EfficiencyError.invalidValue("non-finite score in \(scores)") }
        let w = try weights(n: scores.count, k: k)
        let sorted = scores.sorted()
        let top = sorted[(k - 1)...]
        return NumpySum.sum(zip(w, top).map { $0 * $1 })
    }

    /// The benchmark-level result: the mean over problems for each reportable k.
    public typealias Report = MeanOverProblems

    /// Mean eff@k over problems (numpy's mean, as pass@k). A k is reported only when every
    /// problem has at least k samples; the others are listed in ``Report/skipped``.
    public static func report(_ perProblem: [[Double]], ks: [Int]) throws -> Report {
        guard !perProblem.isEmpty else { throw EfficiencyError.noProblems }
        return try MeanOverProblems(perProblem, n: \.count, ks: ks) { try estimate($0, k: $1) }
    }
}

/// What happened on one level of one sample (metrics.md §2.5).
public enum EnamelLevelOutcome: Sendable, Equatable {
    /// Every test of the level ran and was correct; the per-test time estimates (seconds).
    case completed([Double])
    /// Timeout, MemoryError or OverflowError on this level.
    case limit(String)
    /// Wrong output (checker false) or another exception: the sample fails.
    case failed(String)
}

/// Turns a sample's level outcomes into ENAMEL's pass flag and per-level scores.
public enum EnamelRules {
    public struct Result: Sendable, Equatable {
        public var passed: Bool
        /// e_0 … e_{L−1}; e_0 (hardness 0) stays 0, as in the anchor.
        public var levels: [Double]
        /// The level at which a limit stopped the sample, if any.
        public var stoppedAt: Int?
        public var reason: String?
    }

    /// - Parameters:
    ///   - outcomes: the levels in order; a limit or failure ends the list (later levels did not run).
    ///   - references: t*_j per level (used for levels with hardness > 0).
    ///   - limit: T = α · t*_max.
    public static func score(
        _ outcomes: [EnamelLevelOutcome], references: [Double], limit: Double, hardness: [Double]
    ) throws -> Result {
        let count = hardness.count
        guard references.count == count else {
            throw EfficiencyError.invalidHardness("\(references.count) reference times for \(count) levels")
        }
        var levels = [Double](repeating: 0, count: count)
        for (j, outcome) in outcomes.enumerated() {
            guard j < count else { break }
            switch outcome {
            case .failed(let why):
                return Result(passed: false, levels: [Double](repeating: 0, count: count), stoppedAt: j, reason: why)
            case .limit(let why):
                if j == 0 {
                    return Result(passed: false, levels: [Double](repeating: 0, count: count), stoppedAt: 0, reason: why)
                }
                return Result(passed: true, levels: levels, stoppedAt: j, reason: why)
            case .completed(let times):
                guard hardness[j] > 0 else { continue }
                guard let slowest = times.max() else {
                    throw EfficiencyError.noMeasurements
                }
                levels[j] = try EnamelScore.level(elapsed: slowest, reference: references[j], limit: limit)
            }
        }
        guard outcomes.count >= count else {
            return Result(passed: false, levels: [Double](repeating: 0, count: count), stoppedAt: outcomes.count,
                          reason: "levels \(outcomes.count)… did not run")
        }
        return Result(passed: true, levels: levels, stoppedAt: nil, reason: nil)
    }
}
