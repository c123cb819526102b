import AssayCore
import AssayTestSupport
import FoundationEssentials
import Scoring
import Testing

/// Reference values: ../shared/notes/metrics.md §2 (every table), and the local test vector (§2.11).
@Suite struct EffAtKTests {
    // §2.2
    @Test(arguments: [
        ([1.0, 2.0, 3.0, 10.0], 2.75),
        ([0.10, 0.11, 0.12, 0.13, 0.50, 0.11], 0.12),
        ([5.0], 5.0),
    ])
    func hodgesLehmann(values: [Double], expected: Double) throws {
        #expect(abs(try HodgesLehmann.estimate(values) - expected) < 1e-12)
    }

    @Test func hodgesLehmannIgnoresOneOutlierOfSix() throws {
        let clean = try HodgesLehmann.estimate([1, 1.01, 0.99, 1.0, 1.02, 0.98])
        let spiked = try HodgesLehmann.estimate([1, 1.01, 0.99, 1.0, 1.02, 50])
        #expect(abs(clean - 1.0) < 1e-12 && spiked < 1.02)
        #expect(throws: EfficiencyError.noMeasurements) { try HodgesLehmann.estimate([]) }
    }

    // §2.4
    @Test(arguments: [
        (0.010, 0.010, 0.020, 1.0),
        (0.015, 0.010, 0.020, 0.5000000000000001),
        (0.005, 0.010, 0.020, 1.5),
        (0.025, 0.010, 0.020, 0.0),
    ])
    func levelScore(elapsed: Double, reference: Double, limit: Double, expected: Double) throws {
        #expect(abs(try EnamelScore.level(elapsed: elapsed, reference: reference, limit: limit) - expected) < 1e-12)
    }

    @Test func zeroReferenceTimeIsAHarnessError() {
        #expect(throws: EfficiencyError.degenerateReference(reference: 0, limit: 0)) {
            try EnamelScore.level(elapsed: 0.1, reference: 0, limit: 0)
        }
        #expect(throws: EfficiencyError.self) { try EnamelScore.level(elapsed: 0.1, reference: 0.2, limit: 0.2) }
        #expect(throws: EfficiencyError.self) { try EnamelScore.level(elapsed: .nan, reference: 0.1, limit: 0.2) }
    }

    // §2.6
    @Test func hardnessWeights() throws {
        let h = [0.0, 3, 3, 4]
        let e = try [[1, 0.8, 0.6, 0.5], [0, 0, 0, 0], [1, 1, 0.9, 0]].map { try EnamelScore.weighted($0, hardness: h) }
        #expect(zip(e, [0.62, 0.0, 0.57]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(throws: EfficiencyError.self) { try EnamelScore.weighted([1, 2], hardness: h) }
        #expect(throws: EfficiencyError.self) { try EnamelScore.weighted([1, 2], hardness: [0, 0]) }
    }

    // §2.9
    @Test(arguments: [
        ([0.2, 0.9, 0.5, 0.0], 1, 0.4),
        ([0.2, 0.9, 0.5, 0.0], 2, 0.65),
        ([0.2, 0.9, 0.5, 0.0], 3, 0.8),
        ([0.2, 0.9, 0.5, 0.0], 4, 0.9),
        ([0.0, 0.0, 0.6, 0.3, 1.0], 2, 0.6400000000000001),
        ([0.1, 0.4, 0.4, 0.8, 0.25, 0.0, 0.7, 0.55, 0.3, 0.9], 5, 0.8117063492063492),
        ([0.62, 0.0, 0.57], 1, 0.39666666666666667),
        ([0.62, 0.0, 0.57], 2, 0.6033333333333333),
        ([0.62, 0.0, 0.57], 3, 0.62),
    ])
    func workedExamples(scores: [Double], k: Int, expected: Double) throws {
        #expect(abs(try EffAtK.estimate(scores, k: k) - expected) < 1e-12)
    }

    @Test func tenChooseFiveAgreesWithBruteForce() throws {
        let e = [0.1, 0.4, 0.4, 0.8, 0.25, 0.0, 0.7, 0.55, 0.3, 0.9]
        #expect(abs(Self.bruteForce(e, k: 5) - 0.8117063492063492) < 1e-14)  // "agrees to ~1e-15" (metrics.md §2.9)
    }

    @Test func invalidInputThrows() {
        #expect(throws: EfficiencyError.invalidK(n: 3, k: 4)) { try EffAtK.estimate([1, 2, 3], k: 4) }
        #expect(throws: EfficiencyError.invalidK(n: 3, k: 0)) { try EffAtK.estimate([1, 2, 3], k: 0) }
        #expect(throws: EfficiencyError.invalidK(n: 0, k: 1)) { try EffAtK.estimate([], k: 1) }
        #expect(throws: EfficiencyError.noProblems) { try EffAtK.report([], ks: [1]) }
        #expect(throws: EfficiencyError.self) { try EffAtK.estimate([.nan, 1], k: 1) }
    }

    @Test func reportSkipsKAboveTheSmallestN() throws {
        let report = try EffAtK.report([[0.5, 0.7, 0.1], [0.2]], ks: [1, 2, 3])
        #expect(report.values.keys.sorted() == [1])
        #expect(report.skipped == [2, 3])
        #expect(report.minimumN == 1)
    }

    // Properties (§2.9 "checks worth keeping"), on seeded random vectors.
    @Test func properties() throws {
        var rng = SplitMix(seed: 42)
        for n in 1...8 {
            for _ in 0..<25 {
                let e = (0..<n).map { _ in rng.unit() * 2 }
                #expect(abs(try EffAtK.estimate(e, k: 1) - e.reduce(0, +) / Double(n)) < 1e-12)  // eff@1 = mean
                #expect(try EffAtK.estimate(e, k: n) == e.max()!)  // eff@n = max
                var previous = -Double.infinity
                for k in 1...n {
                    let w = try EffAtK.weights(n: n, k: k)
                    #expect(abs(w.reduce(0, +) - 1) < 1e-14)  // weights sum to 1
                    let value = try EffAtK.estimate(e, k: k)
                    #expect(abs(value - Self.bruteForce(e, k: k)) < 1e-12)  // brute force over all k-subsets
                    #expect(value >= previous - 1e-15)  // monotone in k
                    previous = value
                }
            }
        }
    }

    @Test func reducesToPassAtKOnZeroOneScores() throws {
        for (n, c, k) in [(10, 3, 1), (10, 3, 5), (200, 13, 10), (7, 0, 3), (7, 7, 3), (200, 13, 100), (6, 3, 1)] {
            let scores = [Double](repeating: 1, count: c) + [Double](repeating: 0, count: n - c)
            #expect(abs(try EffAtK.estimate(scores.shuffledDeterministically(), k: k) - PassAtK.estimate(n: n, c: c, k: k)) < 1e-12)
        }
        var rng = SplitMix(seed: 7)
        for _ in 0..<200 {
            let n = 1 + Int(rng.next() % 30)
            let e = (0..<n).map { _ in Double(rng.next() % 2) }
            let k = 1 + Int(rng.next() % UInt64(n))
            let c = Int(e.reduce(0, +))
            #expect(abs(try EffAtK.estimate(e, k: k) - PassAtK.estimate(n: n, c: c, k: k)) < 1e-12)
        }
    }

    // §2.5
    @Test func failureRules() throws {
        let refs = [0.0, 0.01, 0.02, 0.05]
        let h = [0.0, 3, 3, 4]
        let T = 0.1
        let ok = try EnamelRules.score([.completed([0.001]), .completed([0.01, 0.005]), .completed([0.02]), .completed([0.05])],
                                       references: refs, limit: T, hardness: h)
        #expect(ok.passed && ok.levels == [0, 1, 1, 1])
        let wrong = try EnamelRules.score([.completed([0.001]), .failed("wrong output")], references: refs, limit: T, hardness: h)
        #expect(!wrong.passed && wrong.levels == [0, 0, 0, 0])
        let level0 = try EnamelRules.score([.limit("timeout")], references: refs, limit: T, hardness: h)
        #expect(!level0.passed && level0.stoppedAt == 0)
        let late = try EnamelRules.score([.completed([0.001]), .completed([0.01]), .limit("timeout")], references: refs, limit: T, hardness: h)
        #expect(late.passed && late.levels == [0, 1, 0, 0] && late.stoppedAt == 2)
        let missing = try EnamelRules.score([.completed([0.001])], references: refs, limit: T, hardness: h)
        #expect(!missing.passed)
    }

    // §2.11: the local test vector, merged and per sample set.
    @Test(.tags(.datasets), .enabled(if: Datasets.available("generated/enamel_local_eff_testvector.json"),
                                     Datasets.missing("generated/enamel_local_eff_testvector.json")))
    func localTestVector() throws {
        let data = try #require(FileManager.default.contents(atPath: Datasets.file("generated/enamel_local_eff_testvector.json")!.path))
        let vector = try JSONDecoder().decode(JSONValue.self, from: data)
        let hardness = try #require(vector["hardness_weights"]?.arrayValue?.compactMap { $0.doubleValue })
        let ids = try #require(vector["problem_ids"]?.arrayValue?.compactMap { $0.stringValue })
        #expect(ids.count == 142)
        var perProblem: [[Double]] = []
        var counts: [PassAtK.Counts] = []
        for id in ids {
            let samples = try #require(vector["effs"]?[id]?.arrayValue)
            var scores: [Double] = []
            for sample in samples {
                let levels = try #require(sample.arrayValue?.compactMap { $0.doubleValue })
                scores.append(try EnamelScore.weighted(levels, hardness: hardness))
            }
            perProblem.append(scores)
            let passes = try #require(vector["passes"]?[id]?.arrayValue?.compactMap { $0.boolValue })
            counts.append(.init(n: passes.count, c: passes.filter { $0 }.count))
        }
        let expected = try #require(vector["expected_metrics_from_enam_functions"])
        let eff = try EffAtK.report(perProblem, ks: [1, 2, 3])
        let pass = try PassAtK.report(counts, ks: [1, 2, 3])
        for k in 1...3 {
            #expect(abs(eff.values[k]! - expected["eff@\(k)"]!.doubleValue!) < 1e-9)
            #expect(abs(pass.values[k]! - expected["pass@\(k)"]!.doubleValue!) < 1e-9)
            #expect(eff.values[k]! == expected["eff@\(k)"]!.doubleValue!)  // in fact bit for bit
        }
        let names = ["enamel-references", "humaneval-canonical", "humanevalplus-canonical"]
        for (column, name) in names.enumerated() {
            let set = try #require(vector["per_sample_set_metrics"]?[name])
            let single = try EffAtK.report(perProblem.map { [$0[column]] }, ks: [1])
            #expect(abs(single.values[1]! - set["eff@1"]!.doubleValue!) < 1e-9)
            let singlePass = try PassAtK.report(ids.map { id in
                let passed = vector["passes"]![id]!.arrayValue![column].boolValue!
                return PassAtK.Counts(n: 1, c: passed ? 1 : 0)
            }, ks: [1])
            #expect(singlePass.values[1]! == set["pass@1"]!.doubleValue!)
        }
    }

    static func bruteForce(_ e: [Double], k: Int) -> Double {
        var total = 0.0
        var count = 0
        func choose(_ start: Int, _ picked: [Double]) {
            if picked.count == k {
                total += picked.max()!
                count += 1
                return
            }
            guard start < e.count else { return }
            for i in start..<e.count { choose(i + 1, picked + [e[i]]) }
        }
        choose(0, [])
        return total / Double(count)
    }
}

/// A small deterministic generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

extension Array {
    func shuffledDeterministically() -> [Element] {
        var rng = SplitMix(seed: UInt64(count))
        var copy = self
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) { copy.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        }
        return copy
    }
}
