import Analysis
import ArgumentParser
import AssayCore
import Execution
import FoundationEssentials
import Pipeline
import ProblemSets
import Reporting
import Storage

/// `assay evaluate` options that only BigCodeBench uses.
struct BigCodeBenchOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("BigCodeBench split: complete or instruct (which prompt the samples answered).", valueName: "split"))
    var split: String = "complete"

    @Option(name: .long, help: ArgumentHelp("""
        BigCodeBench solutions: true runs code_prompt + "\\n    pass\\n" + solution (the anchor's default), \
        false runs them as written, both runs both and reports both pass@k.
        """, valueName: "true|false|both"))
    var calibrated: String = "true"

    @Flag(name: .customLong("no-gt"), help: "BigCodeBench: skip the ground-truth gate (nothing is excluded).")
    var noGroundTruthGate = false

    @Flag(name: .customLong("timeout-retry"), help: "BigCodeBench: also re-run the samples' wall-clock timeouts serially (the ground truth's always are).")
    var timeoutRetry = false

    func parsedSplit() throws -> BigCodeBenchFormat.Split {
        guard let split = BigCodeBenchFormat.Split(rawValue: split.lowercased()) else {
            throw ValidationError("--split must be complete or instruct")
        }
        return split
    }

    func parsedCalibration() throws -> [ProgramAssembly.BigCodeBenchAssembly] {
        switch calibrated.lowercased() {
        case "true", "yes", "1": return [.calibrated]
        case "false", "no", "0": return [.raw]
        case "both": return [.calibrated, .raw]
        default: throw ValidationError("--calibrated must be true, false or both")
        }
    }
}

extension EvaluateCommand {
    /// BigCodeBench: library probe and ground-truth gate, then the samples (calibrated, raw or
    /// both) on the tasks the gate kept; pass@k per split and per domain.
    func evaluateBigCodeBench(_ problemSet: ProblemSet, ks: [Int]) async throws {
        let limits = try sandbox.limits(defaults: BigCodeBenchHarness.defaultLimits)
        let split = try bigCodeBench.parsedSplit()
        let taskIDs = problemSet.problems.map(\.taskID)
        let inSubset = Set(taskIDs)

        // Samples are read against the whole set, so a samples file for all tasks is fine with --subset.
        let fullSet = try DatasetCatalog.load(problems, split: split)
        var sampleList: [Sample]
        var oversized: [SampleKey: Int] = [:]
        var issues: [InputIssue] = []
        var samplesSource = "ground-truth"
        var samplesHash = ""
        if let samples {
            let file = try SamplesReader.read(path: samples, problems: fullSet, maxSampleBytes: maxSampleBytes)
            sampleList = file.samples.filter { inSubset.contains($0.taskID) }
            oversized = file.oversized.filter { inSubset.contains($0.key.taskID) }
            issues = file.issues
            samplesSource = URL(fileURLWithPath: samples).standardizedFileURL.path
            samplesHash = file.hash
            let outside = file.samples.count - sampleList.count
            Console.info("samples: \(sampleList.count) from \(samples) (\(file.format) format)\(outside > 0 ? "; \(outside) outside --subset ignored" : "")")
        } else {
            sampleList = SamplesReader.groundTruth(problemSet)
            Console.info("samples: \(sampleList.count) canonical solutions (ground truth)")
        }
        Console.report(issues)

        var configuration = try sandbox.configuration()
        configuration.extraArguments += BigCodeBenchHarness.supervisorArguments(sandboxes: configuration.sandboxes)
        let environment = BigCodeBenchHarness.environment()
        let host = runHostFacts(configuration)
        let database = try SQLiteStore(path: store.db)
        let executor = SandboxExecutor(configuration: configuration)
        defer { executor.shutdown() }
        let progress = TerminalProgress(enabled: !quiet)
        Console.info("problems: \(problemSet.name), split \(split.rawValue) (\(problemSet.problems.count) tasks, \(problemSet.source)); python \(configuration.python)")

        // 0. What the interpreter has: its installed packages are part of every run's identity, so
        //    a changed venv never reuses verdicts stored with another.
        let libraries = Array(Set(problemSet.problems.flatMap(\.libraries))).sorted()
        let probe = try await BigCodeBenchGate.probe(libraries, executor: executor, environment: environment)
        let importable = probe.modules

        func settings(_ harness: BigCodeBenchHarness) -> [String: String] {
            [
                "harness": harness.name, "wall_ms": String(limits.wallMS), "cpu_ms": String(limits.cpuMS),
                "memory_bytes": String(limits.memoryBytes), "output_bytes": String(limits.outputBytes),
                "fsize_bytes": String(limits.fsizeBytes), "nofile": String(limits.nofile), "python": configuration.python,
                "python_version": probe.pythonVersion, "python_packages": probe.packagesHash,
                "environment": harness.environmentSetting, "max_sample_bytes": String(maxSampleBytes),
            ]
        }

        // 1. The gate: which libraries import here, then the canonical solutions.
        var gate: BigCodeBenchGate.Report?
        var groundTruthRun: (result: EvaluationResult, spec: RunSpec)?
        if groundTruth || !bigCodeBench.noGroundTruthGate {
            let missing = libraries.filter { importable[$0] == false }
            let probeExcluded = BigCodeBenchGate.missingLibraries(problemSet.problems, importable: importable)
            Console.info("python \(probe.pythonVersion) with \(probe.packages) packages; libraries: \(libraries.count - missing.count) of \(libraries.count) importable\(missing.isEmpty ? "" : " (missing: \(missing.prefix(12).joined(separator: ", "))\(missing.count > 12 ? ", …" : ""))"); \(taskIDs.count - probeExcluded.count) of \(taskIDs.count) tasks have all theirs")

            // One ground-truth run per interpreter, limits and file, shared by splits and subsets
            // (the complete split's identity; the ground-truth program does not depend on the split).
            let identity = split == .complete ? fullSet : try DatasetCatalog.load(problems, split: .complete)
            let harness = BigCodeBenchHarness(assembly: .groundTruth, environment: environment)
            let spec = RunSpec(kind: "evaluate", problemSetName: identity.name, problemSetHash: identity.hash,
                               samplesSource: "ground-truth", samplesHash: "", settings: settings(harness))
            let toCheck = SamplesReader.groundTruth(problemSet).filter { probeExcluded[$0.taskID] == nil }
            Console.info("ground truth: checking \(toCheck.count) canonical solutions (stored ones are reused)")
            let pipeline = EvaluationPipeline(store: database, executor: executor, harness: harness, progress: progress)
            let result = try await pipeline.run(EvaluationPlan(
                problems: identity, samples: toCheck, spec: spec, fresh: fresh && groundTruth, limits: limits,
                inFlight: configuration.slots * 2, host: host, retryWallTimeouts: !noTimeoutRetry))
            if result.resumed, result.reused > 0 {
                Console.info("ground truth: run \(result.run) resumed; \(result.reused) stored outcomes reused, \(result.executedNow) executed now")
            }
            try await result.recordFacts(executor: executor, store: database)
            try Console.failOnInfrastructure(result.infrastructureFailures)
            var byTask: [String: ExecutionOutcome] = [:]
            for (key, outcome) in result.outcomes where key.index == 0 { byTask[key.taskID] = outcome }
            gate = BigCodeBenchGate.report(tasks: taskIDs, outcomes: byTask, probeExclusions: probeExcluded,
                                           libraries: libraries.count, missingLibraries: missing)
            groundTruthRun = (result, spec)
        }
        let excluded = gate?.excluded ?? [:]

        // 2. The samples (for --ground-truth, the gate's run is the evaluation).
        struct Scored {
            var assembly: ProgramAssembly.BigCodeBenchAssembly
            var result: EvaluationResult
            var spec: RunSpec
        }
        var scored: [Scored] = []
        if groundTruth, let groundTruthRun {
            scored.append(Scored(assembly: .groundTruth, result: groundTruthRun.result, spec: groundTruthRun.spec))
        } else {
            let runnable = sampleList.filter { excluded[$0.taskID] == nil }
            if runnable.count < sampleList.count {
                Console.info("\(sampleList.count - runnable.count) samples of \(Set(sampleList.map(\.taskID)).intersection(excluded.keys).count) excluded tasks are not executed")
            }
            var assemblies = try bigCodeBench.parsedCalibration()
            if assemblies.count > 1, runnable.allSatisfy({ if case .completion = $0.body { return true } else { return false } }) {
                Console.info("samples are completions (appended to complete_prompt): calibrated and raw programs are the same; running once")
                assemblies = [.calibrated]
            }
            for assembly in assemblies {
                let harness = BigCodeBenchHarness(assembly: assembly, environment: environment)
                var runSettings = settings(harness)
                runSettings["split"] = split.rawValue
                runSettings["calibrated"] = assembly == .calibrated ? "true" : "false"
                let spec = RunSpec(kind: "evaluate", problemSetName: problemSet.name, problemSetHash: problemSet.hash,
                                   samplesSource: samplesSource, samplesHash: samplesHash, settings: runSettings)
                if assemblies.count > 1 { Console.info("running the samples \(assembly.rawValue)") }
                let pipeline = EvaluationPipeline(store: database, executor: executor, harness: harness, progress: progress)
                // Model samples' wall-clock timeouts are not re-run by default: at 240 s each, serial
                // retries of a model's infinite loops would take hours (--timeout-retry asks for them).
                let result = try await pipeline.run(EvaluationPlan(
                    problems: problemSet, samples: runnable, oversized: oversized, spec: spec, fresh: fresh, limits: limits,
                    inFlight: configuration.slots * 2, host: host, retryWallTimeouts: bigCodeBench.timeoutRetry && !noTimeoutRetry))
                if result.resumed {
                    Console.info("run \(result.run): resumed; \(result.reused) stored outcomes reused, \(result.executedNow) executed now")
                }
                try await result.recordFacts(executor: executor, store: database)
                try Console.failOnInfrastructure(result.infrastructureFailures)
                scored.append(Scored(assembly: assembly, result: result, spec: spec))
            }
        }

        // 3. Bug labels of the failing samples (the taxonomy stage), then scores: pass@k over the
        //    tasks not excluded, overall and per domain.
        let primary = scored[0]
        let primarySamples = primary.result.samples.filter { inSubset.contains($0.taskID) }
        var diagnoses: [SampleKey: SampleDiagnosis]?
        if !noTaxonomy {
            let stage = DiagnosisStage(
                store: database, analyzer: StaticAnalyzer(executor: executor, concurrency: configuration.slots), progress: progress)
            diagnoses = try await stage.run(
                run: primary.result.run, problems: problemSet.byTaskID,
                samples: primarySamples.filter { excluded[$0.taskID] == nil }, outcomes: primary.result.outcomes).diagnoses
        }
        var summary = try RunSummary.make(
            run: primary.result.run, spec: primary.spec, problemSet: problemSet, samples: primarySamples,
            outcomes: primary.result.outcomes, ks: ks, inputIssues: issues.count, complete: primary.result.isComplete,
            diagnoses: diagnoses, classifier: BugClassifier.version, excluded: excluded)
        let domains = try BigCodeBenchDomains.load()
        /// What the BigCodeBench summary adds to the common one (for the primary and the raw run).
        func complete(_ summary: inout RunSummary, _ scoredRun: Scored, samples: [Sample]) throws {
            summary.split = split.rawValue
            summary.calibrated = scoredRun.assembly == .groundTruth ? nil : scoredRun.assembly == .calibrated
            if let gate, let groundTruthRun {
                summary.groundTruth = RunSummary.GroundTruthSummary(
                    checked: gate.checked, passed: gate.passed, environmentFailures: gate.environmentFailures, failures: gate.failures,
                    libraries: gate.libraries, missingLibraries: gate.missingLibraries, run: groundTruthRun.result.run)
            }
            summary.domains = try RunSummary.domainScores(
                problemSet: problemSet, samples: samples, outcomes: scoredRun.result.outcomes, ks: ks, excluded: excluded,
                domainsOf: domains.domains(of:))
        }
        try complete(&summary, primary, samples: primarySamples)
        var rawSummary: RunSummary?
        if scored.count > 1 {
            let raw = scored[1]
            let rawSamples = raw.result.samples.filter { inSubset.contains($0.taskID) }
            var made = try RunSummary.make(
                run: raw.result.run, spec: raw.spec, problemSet: problemSet, samples: rawSamples,
                outcomes: raw.result.outcomes, ks: ks, inputIssues: issues.count, complete: raw.result.isComplete, excluded: excluded)
            try complete(&made, raw, samples: rawSamples)
            summary.passAtKRaw = made.passAtK
            rawSummary = made
        }

        let outDir = URL(fileURLWithPath: out ?? "assay-out/run-\(primary.result.run)")
        let lines = ResultFiles.lines(
            problemSet: problemSet, samples: primarySamples, outcomes: primary.result.outcomes, diagnoses: diagnoses, excluded: excluded)
        try ResultFiles.write(lines: lines, summary: summary, to: outDir)
        if scored.count > 1 {
            let raw = scored[1]
            let rawLines = ResultFiles.lines(problemSet: problemSet, samples: raw.result.samples.filter { inSubset.contains($0.taskID) },
                                             outcomes: raw.result.outcomes, excluded: excluded)
            try ResultFiles.writeLines(rawLines, to: outDir.appendingPathComponent("results-raw.jsonl"))
        }
        if primary.result.isComplete, !groundTruth || taskIDs.count == fullSet.problems.count {
            try await database.finishRun(primary.result.run, encoding: summary)
        }
        if let rawSummary, scored[1].result.isComplete {
            try await database.finishRun(scored[1].result.run, encoding: rawSummary)
        }

        let label = groundTruth ? "ground truth" : (summary.calibrated == false ? "raw" : "calibrated")
        let title = "\(problemSet.name) (\(split.rawValue), \(label)): \(summary.nProblems) tasks scored, \(summary.nSamples) samples (run \(primary.result.run))"
        print(TerminalTable.render(summary, title: title), terminator: "")
        if let raw = summary.passAtKRaw?["1"], let calibrated = summary.passAtK["1"], abs(raw - calibrated) >= 0.01 {
            Console.warn("calibrated and raw pass@1 differ by \(TerminalTable.format(abs(raw - calibrated))) (≥ 0.01, the leaderboard's flag): the samples leave out imports the prompt has")
        }
        if summary.problemsWithoutSamples > 0 {
            Console.warn("\(summary.problemsWithoutSamples) tasks have no samples; pass@k is over the \(summary.nProblems) that do")
        }
        print("wrote \(outDir.path)/results.jsonl\(scored.count > 1 ? ", results-raw.jsonl" : "") and summary.json")
    }
}
