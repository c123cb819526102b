/// A 95 % (or other level) interval around a point estimate.
public struct ConfidenceInterval: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double
    /// Coverage, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
    public var width: Double { upper - lower }
}

/// How a bootstrap is drawn: replicate count, seed and level. The defaults make every report
/// reproducible: the same data always gives the same interval.
public struct BootstrapSettings: Sendable, Hashable, Codable {
    public var replicates: Int
    public var seed: UInt64
    public var level: Double

    public static let standard = BootstrapSettings(replicates: 2000, seed: 20_240_601, level: 0.95)

    public init(replicates: Int, seed: UInt64, level: Double) {
        self.replicates = replicates
        self.seed = seed
        self.level = level
    }
}

/// SplitMix64: a tiny, fast, seedable generator. Its stream is fixed forever, so intervals are
/// reproducible across machines and versions.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in `0..<bound` (Lemire's multiply-shift with rejection; no modulo bias).
    public mutating func index(below bound: Int) -> Int {
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }
}

/// Percentile bootstrap over problems.
///
/// Each replicate draws as many problems as there are, with replacement, and takes the mean of
/// their per-problem values. The interval is the (1−level)/2 and (1+level)/2 quantiles of the
/// replicate means, interpolated linearly as `numpy.percentile` does by default.
public enum Bootstrap {
    /// Interval for the mean of `values` (one value per problem, e.g. per-problem pass@k).
    ///
    /// - Throws: ``ScoringError/noProblems`` for an empty list.
    public static func meanInterval(_ values: [Double], settings: BootstrapSettings = .standard) throws -> ConfidenceInterval {
        guard !values.isEmpty else { throw ScoringError.noProblems }
        return interval(values, settings: settings)
    }

    /// Paired interval for `mean(b) − mean(a)` over the same problems: each replicate draws problem
    /// indices once and uses them for both runs.
    ///
    /// - Throws: ``ScoringError/noProblems`` when empty; ``ScoringError/unpaired`` when the lengths differ.
    public static func pairedDifferenceInterval(
        _ a: [Double], _ b: [Double], settings: BootstrapSettings = .standard
    ) throws -> ConfidenceInterval {
        guard !a.isEmpty else { throw ScoringError.noProblems }
        guard a.count == b.count else { throw ScoringError.unpaired(a.count, b.count) }
        return interval(zip(a, b).map { $1 - $0 }, settings: settings)
    }

    private static func interval(_ values: [Double], settings: BootstrapSettings) -> ConfidenceInterval {
        let n = values.count
        // All values equal: every replicate is that value (and float summation must not invent a spread).
        if values.allSatisfy({ $0 == values[0] }) {
            return ConfidenceInterval(lower: values[0], upper: values[0], level: settings.level)
        }
        var generator = SplitMix64(seed: settings.seed)
        let replicates = max(1, settings.replicates)
        var means = [Double](repeating: 0, count: replicates)
        values.withUnsafeBufferPointer { buffer in
            for r in 0..<replicates {
                var sum = 0.0
                for _ in 0..<n { sum += buffer[generator.index(below: n)] }
                means[r] = sum / Double(n)
            }
        }
        means.sort()
        let tail = (1 - settings.level) / 2
        return ConfidenceInterval(
            lower: quantile(sorted: means, tail), upper: quantile(sorted: means, 1 - tail), level: settings.level)
    }

    /// numpy's default (`linear`) percentile of sorted values, `q` in [0, 1].
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        guard values.count > 1 else { return values.first ?? .nan }
        let position = q * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        let fraction = position - Double(below)
        return values[below] + (values[above] - values[below]) * fraction
    }
}
