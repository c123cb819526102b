import Scoring
import Testing

@Suite struct BootstrapTests {
    /// Per-problem pass@1 values of a run with `problems` problems and `samples` samples each,
    /// drawn from a seeded generator (so the test data are fixed).
    static func passRates(problems: Int, samples: Int, p: Double, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<problems).map { _ in
            let passes = (0..<samples).filter { _ in Double(generator.next() >> 11) / Double(1 << 53) < p }.count
            return Double(passes) / Double(samples)
        }
    }

    @Test func splitMix64MatchesTheReferenceStream() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)  // the published first output for seed 0
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func quantileInterpolatesLikeNumpy() {
        #expect(Bootstrap.quantile(sorted: [1, 2, 3, 4], 0.25) == 1.75)  // numpy.percentile([1,2,3,4], 25)
        #expect(Bootstrap.quantile(sorted: [1, 2, 3, 4], 0.975) == 3.925)
        #expect(Bootstrap.quantile(sorted: [5], 0.5) == 5)
    }

    @Test(arguments: [(12, 1, 0.3), (40, 5, 0.5), (164, 10, 0.8), (300, 1, 0.05)])
    func intervalContainsThePointEstimate(problems: Int, samples: Int, p: Double) throws {
        for seed in UInt64(1)...5 {
            let values = Self.passRates(problems: problems, samples: samples, p: p, seed: seed)
            let mean = NumpySum.mean(values)
            let interval = try Bootstrap.meanInterval(values, settings: BootstrapSettings(replicates: 1000, seed: seed, level: 0.95))
            #expect(interval.contains(mean), "seed \(seed): \(mean) outside [\(interval.lower), \(interval.upper)]")
            #expect(interval.lower >= 0 && interval.upper <= 1 && interval.lower < interval.upper)
        }
    }

    @Test func widthShrinksWithMoreProblems() throws {
        var widths: [Double] = []
        for problems in [25, 100, 400, 1600] {
            let values = Self.passRates(problems: problems, samples: 1, p: 0.4, seed: 7)
            widths.append(try Bootstrap.meanInterval(values).width)
        }
        #expect(zip(widths, widths.dropFirst()).allSatisfy { $0 > $1 }, "\(widths)")
        // The standard error shrinks as 1/√n: 64× the problems, about 1/8 the width.
        #expect(widths[0] / widths[3] > 5 && widths[0] / widths[3] < 11, "\(widths)")
    }

    @Test func identicalRunsGiveZeroDifferenceWithZeroWidth() throws {
        let values = Self.passRates(problems: 164, samples: 3, p: 0.6, seed: 3)
        let interval = try Bootstrap.pairedDifferenceInterval(values, values)
        #expect(interval.lower == 0 && interval.upper == 0)
    }

    @Test func pairedIntervalCoversAKnownShift() throws {
        let a = Self.passRates(problems: 200, samples: 1, p: 0.5, seed: 11)
        let b = a.enumerated().map { $0.offset % 5 == 0 ? 1.0 : $0.element }  // B solves every 5th task too
        let delta = NumpySum.mean(b) - NumpySum.mean(a)
        let interval = try Bootstrap.pairedDifferenceInterval(a, b)
        #expect(delta > 0 && interval.contains(delta) && interval.lower > 0, "\(delta) [\(interval.lower), \(interval.upper)]")
    }

    @Test func sameSeedSameIntervalOtherSeedOtherInterval() throws {
        let values = Self.passRates(problems: 50, samples: 2, p: 0.5, seed: 5)
        let first = try Bootstrap.meanInterval(values)
        #expect(try Bootstrap.meanInterval(values) == first)
        #expect(try Bootstrap.meanInterval(values, settings: BootstrapSettings(replicates: 2000, seed: 99, level: 0.95)) != first)
    }

    @Test func badInputThrowsInsteadOfTrapping() {
        #expect(throws: ScoringError.noProblems) { try Bootstrap.meanInterval([]) }
        #expect(throws: ScoringError.unpaired(2, 1)) { try Bootstrap.pairedDifferenceInterval([0, 1], [1]) }
    }
}
