import AssayCore
import AssayTestSupport
import Storage
import Testing

@Suite struct SQLiteStoreTests {
    static let problemSet = ProblemSet(
        name: "p", source: "/x/p.jsonl", format: "humaneval", hash: "h1",
        problems: [Problem(taskID: "t/0", prompt: "def f():\n", canonicalSolution: "    return 1\n", test: "def check(c): assert c() == 1", entryPoint: "f")])

    static func spec(_ wall: String = "3000") -> RunSpec {
        RunSpec(kind: "evaluate", problemSetName: "p", problemSetHash: "h1", samplesSource: "s", samplesHash: "sh", settings: ["wall_ms": wall])
    }

    static let samples = (0..<3).map { Sample(key: SampleKey(taskID: "t/0", index: $0), body: .completion("    return \($0)\n"), origin: SourceLocation(file: "/s.jsonl", line: $0 + 1)) }

    @Test func usesWALOnARealFile() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("a.sqlite"))
        #expect(try await store.journalMode() == "wal")
    }

    @Test func migrationsRunOnceAndReopenCleanly() async throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try SQLiteStore(path: dir.path("a.sqlite"))
            _ = try await store.openRun(Self.spec(), fresh: false, host: [:])
        }
        let again = try SQLiteStore(path: dir.path("a.sqlite"))
        #expect(try await again.runs().count == 1)
    }

    @Test func sameSpecResumesAndFreshStartsOver() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("a.sqlite"))
        let first = try await store.openRun(Self.spec(), fresh: false, host: [:])
        let second = try await store.openRun(Self.spec(), fresh: false, host: [:])
        let other = try await store.openRun(Self.spec("4000"), fresh: false, host: [:])
        let fresh = try await store.openRun(Self.spec(), fresh: true, host: [:])
        #expect(!first.resumed && second.resumed && second.run == first.run)
        #expect(!other.resumed && other.run != first.run)
        #expect(!fresh.resumed && fresh.run != first.run)
    }

    @Test func pendingWorkShrinksAsOutcomesAreRecorded() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("a.sqlite"))
        try await store.saveProblemSet(Self.problemSet)
        try await store.saveProblemSet(Self.problemSet)  // idempotent
        let (run, _) = try await store.openRun(Self.spec(), fresh: false, host: [:])
        try await store.saveSamples(Self.samples, run: run)
        try await store.saveSamples(Self.samples, run: run)  // no duplicates
        #expect(try await store.samples(run: run) == Self.samples)
        #expect(try await store.pendingWork(run: run).map(\.index) == [0, 1, 2])

        let outcome = ExecutionOutcome(status: .failed, errorType: "AssertionError", detail: "assert c() == 1", cpuMS: 12.5,
                                       wallMS: 13, maxRSSKiB: 9000, exitCode: 0, record: .object(["status": .string("failed")]),
                                       tamper: ["os._exit"])
        try await store.record(outcome, for: Self.samples[1].key, run: run)
        #expect(try await store.pendingWork(run: run).map(\.index) == [0, 2])
        #expect(try await store.outcomes(run: run)[Self.samples[1].key] == outcome)
    }

    @Test func concurrentRecordsAreAllCommitted() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("a.sqlite"))
        let (run, _) = try await store.openRun(Self.spec(), fresh: false, host: [:])
        let many = (0..<500).map { Sample(key: SampleKey(taskID: "t/0", index: $0), body: .completion("x")) }
        try await store.saveSamples(many, run: run)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sample in many {
                group.addTask { try await store.record(ExecutionOutcome(status: .passed), for: sample.key, run: run) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.executionCount(run: run) == 500)
        #expect(try await store.pendingWork(run: run).isEmpty)
        // A second connection (another process, in real life) sees every row.
        let reader = try SQLiteStore(path: dir.path("a.sqlite"))
        #expect(try await reader.executionCount(run: run) == 500)
    }

    @Test func refusesADatabaseFromTheFuture() async throws {
        let dir = try TemporaryDirectory()
        _ = try SQLiteStore(path: dir.path("a.sqlite"))
        let raw = try SQLiteStore(path: dir.path("a.sqlite"))
        try await raw.executeForTesting("INSERT INTO schema_migrations VALUES (999, 'x')")
        #expect { try SQLiteStore(path: dir.path("a.sqlite")) } throws: { "\($0)".contains("newer than this assay understands") }
    }
}

@Suite struct ExpectedOutputCacheTests {
    @Test func roundTripsAndIsKeyedByDatasetHashAndInterpreter() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("e.sqlite"))
        let outputs = ExpectedOutputs(
            setHash: "set1", interpreter: "/usr/bin/python3|1|2", pythonVersion: "3.11.2", machine: "{}", computedAt: "now",
            tasks: ["t/0": ["base": ExpectedSplit(outputs: [Array("1".utf8), Array(#""a\nb""#.utf8)], micros: [10, 20]),
                            "plus": ExpectedSplit(outputs: [], micros: [])]])
        try await store.saveExpectedOutputs(outputs)
        let back = try #require(try await store.expectedOutputs(setHash: "set1", interpreter: "/usr/bin/python3|1|2"))
        #expect(back.tasks == outputs.tasks)
        #expect(back.pythonVersion == "3.11.2")
        #expect(try await store.expectedOutputs(setHash: "set2", interpreter: "/usr/bin/python3|1|2") == nil)
        #expect(try await store.expectedOutputs(setHash: "set1", interpreter: "/usr/bin/python3|1|3") == nil)
        try await store.saveExpectedOutputs(outputs)  // replacing is allowed
        #expect(try await store.expectedOutputs(setHash: "set1", interpreter: "/usr/bin/python3|1|2")?.tasks.count == 1)
    }
}
