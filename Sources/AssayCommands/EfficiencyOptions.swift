import ArgumentParser
import Pipeline

/// Options of efficiency (ENAMEL) runs; defaults are ENAMEL's (`demo.py`).
struct EfficiencyOptions: ParsableArguments {
    @Option(name: .customLong("timeout-factor"), help: ArgumentHelp("ENAMEL α: time limit = α × slowest reference time.", valueName: "α"))
    var timeoutFactor: Double = 2

    @Option(name: .long, help: ArgumentHelp("ENAMEL: seconds added to the limit before a run is stopped.", valueName: "seconds"))
    var tolerance: Double = 0.01

    @Option(name: .customLong("n-reps"), help: ArgumentHelp("ENAMEL: repetitions per test on levels with hardness > 0.", valueName: "n"))
    var nReps: Int = 6

    @Option(name: .customLong("n-tests"), help: ArgumentHelp("ENAMEL: tests per level.", valueName: "n,n,…"))
    var nTests: String = "8,4,4,4"

    @Option(name: .long, help: ArgumentHelp("ENAMEL: hardness weight per level.", valueName: "h,h,…"))
    var hardness: String = "0,3,3,4"

    @Option(name: .long, help: ArgumentHelp("ENAMEL: seed of the test generators.", valueName: "n"))
    var seed: Int = 998_244_353

    @Option(name: .long, help: ArgumentHelp("ENAMEL: re-time a problem at most this often when its reference timings disagree.", valueName: "n"))
    var retries: Int = 2

    func settings(memoryMiB: Int?, levels: Int) throws -> EnamelSettings {
        var settings = EnamelSettings()
        guard timeoutFactor > 1, timeoutFactor.isFinite else { throw ValidationError("--timeout-factor must be above 1 (ENAMEL: 2)") }
        guard tolerance >= 0, tolerance < 60 else { throw ValidationError("--tolerance must be between 0 and 60 seconds") }
        guard (1...100).contains(nReps) else { throw ValidationError("--n-reps must be between 1 and 100") }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be between 0 and 10") }
        let tests = nTests.split(separator: ",").map { Int($0.filter { $0 != " " }) }
        guard tests.count == levels, tests.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 1000 }) else {
            throw ValidationError("--n-tests needs \(levels) positive counts, one per level of the problem set (ENAMEL: 8,4,4,4)")
        }
        let weights = hardness.split(separator: ",").map { Double($0.filter { $0 != " " }) }
        guard weights.count == levels, weights.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? .nan).isFinite }), weights.contains(where: { ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hardness needs \(levels) non-negative weights, one per level, at least one positive (ENAMEL: 0,3,3,4)")
        }
        settings.timeoutFactor = timeoutFactor
        settings.tolerance = tolerance
        settings.nReps = nReps
        settings.nTests = tests.map { $0! }
        settings.hardness = weights.map { $0! }
        settings.seed = seed
        settings.maxRetries = retries
        if let memoryMiB {
            guard memoryMiB >= 64 else { throw ValidationError("--memory must be at least 64 MiB") }
            settings.memoryBytes = memoryMiB << 20
        }
        return settings
    }
}
