public import AssayCore
public import Storage

/// A small database with two finished runs of the same three problems, fixed timestamps and
/// every kind of evidence a report shows (failing assert, exception, timeout, a repair round,
/// extra summary metrics, non-ASCII and `</script>` in code). Golden tests of the reports and of
/// `runs`/`show`/`report`/`compare`/`export` read it.
public enum ReportFixture {
    public static let problemSet = ProblemSet(
        name: "fixture", source: "/fixture/problems.jsonl", format: "humaneval", hash: String(repeating: "ab", count: 32),
        problems: [
            Problem(taskID: "Fix/0", prompt: "def add(a, b):\n", canonicalSolution: "    return a + b\n",
                    test: "def check(candidate):\n    assert candidate(2, 3) == 5\n", entryPoint: "add"),
            Problem(taskID: "Fix/1", prompt: "def sign(x):\n", canonicalSolution: "    return (x > 0) - (x < 0)\n",
                    test: "def check(candidate):\n    assert candidate(-4) == -1\n", entryPoint: "sign"),
            Problem(taskID: "Fix/2", prompt: "def spin():\n", canonicalSolution: "    return 1\n",
                    test: "def check(candidate):\n    assert candidate() == 1\n", entryPoint: "spin"),
        ])

    static func spec(wall: Int) -> RunSpec {
        RunSpec(
            kind: "evaluate", problemSetName: "fixture", problemSetHash: problemSet.hash, samplesSource: "/fixture/samples.jsonl",
            samplesHash: "s\(wall)",
            settings: ["harness": "humaneval-check/1", "wall_ms": String(wall), "cpu_ms": String(wall), "memory_bytes": "1073741824"])
    }

    static let failedAssert = ExecutionOutcome(
        status: .failed, errorType: "AssertionError", detail: "assert candidate(2, 3) == 5 (left: 6, right: 5)", cpuMS: 12.25, wallMS: 14.5,
        maxRSSKiB: 9000, exitCode: 0,
        record: .object([
            "status": .string("failed"), "error_type": .string("AssertionError"), "message": .string("AssertionError()"),
            "line": .int(4), "in_solution": .bool(false),
            "failed_assert": .object(["source": .string("assert candidate(2, 3) == 5"), "line": .int(4), "left": .string("6"), "right": .string("5")]),
        ]))
    static let nameError = ExecutionOutcome(
        status: .error, errorType: "NameError", detail: "NameError: name 'sgn' is not defined (line 2 of the solution)", cpuMS: 10,
        wallMS: 11, maxRSSKiB: 8800, exitCode: 0,
        stderr: "Traceback (most recent call last):\n  File \"<program>\", line 2, in sign\nNameError: name 'sgn' is not defined\n",
        record: .object([
            "status": .string("error"), "error_type": .string("NameError"), "message": .string("name 'sgn' is not defined"),
            "line": .int(2), "in_solution": .bool(true),
        ]))
    static let timeout = ExecutionOutcome(
        status: .timeout, errorType: "TimeoutError", detail: "wall-clock limit of 3000 ms reached", cpuMS: 2990, wallMS: 3001, maxRSSKiB: 8000)
    static let passed = ExecutionOutcome(status: .passed, cpuMS: 9, wallMS: 10, maxRSSKiB: 8500, exitCode: 0)

    static func sample(_ task: Int, _ index: Int, _ code: String, line: Int) -> Sample {
        Sample(key: SampleKey(taskID: "Fix/\(task)", index: index), body: .completion(code), origin: SourceLocation(file: "/fixture/samples.jsonl", line: line))
    }

    /// Run 1 (A): Fix/0 pass+fail, Fix/1 error+pass, Fix/2 timeout (repaired in round 1).
    /// Run 2 (B, longer limits): Fix/0 pass+pass, Fix/1 error+error, Fix/2 pass.
    public static func populate(_ path: String) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path)
        try await store.saveProblemSet(problemSet)
        let host = ["cores": "2", "kernel": "Linux test", "sandbox_mode": "exec"]
        let samplesA = [
            sample(0, 0, "    return a + b\n", line: 1), sample(1, 0, "    return sgn(x)  # café ✓\n", line: 2),
            sample(0, 1, "    return a * b  # </script><script>alert(1)</script>\n", line: 3),
            sample(1, 1, "    return (x > 0) - (x < 0)\n", line: 4), sample(2, 0, "    while True:\n        pass\n", line: 5),
        ]
        let outcomesA = [passed, nameError, failedAssert, passed, timeout]
        let samplesB = [
            sample(0, 0, "    return a + b\n", line: 1), sample(0, 1, "    return b + a\n", line: 2),
            sample(1, 0, "    return sgn(x)\n", line: 3), sample(1, 1, "    return sgn(x)\n", line: 4), sample(2, 0, "    return 1\n", line: 5),
        ]
        let outcomesB = [passed, passed, nameError, nameError, passed]
        for (number, (wall, samples, outcomes)) in [(3000, samplesA, outcomesA), (5000, samplesB, outcomesB)].enumerated() {
            let (run, _) = try await store.openRun(spec(wall: wall), fresh: true, host: host)
            try await store.saveSamples(samples, run: run)
            for (sample, outcome) in zip(samples, outcomes) { try await store.record(outcome, for: sample.key, run: run) }
            let summary = number == 0
                ? #"{"custom_metric":0.5,"eff_at_k":{"1":0.25},"n_problems":3,"pass_at_k":{"1":0.3333333333333333}}"#
                : #"{"n_problems":3,"pass_at_k":{"1":0.6666666666666666}}"#
            try await store.finishRun(run, summary: summary)
        }
        try await store.executeForTesting("""
            UPDATE runs SET created_at = '2026-01-0' || id || 'T03:04:05.000Z', finished_at = '2026-01-0' || id || 'T03:05:06.000Z';
            INSERT INTO executions (run_id, task_id, sample_index, round, status, error_type, detail, cpu_ms, wall_ms, max_rss_kib,
                stdout, stderr, executed_at)
            VALUES (1, 'Fix/2', 0, 1, 'passed', NULL, '', 9, 10, 8000, '', '', '2026-01-01T03:05:00.000Z');
            """)
        return store
    }
}
