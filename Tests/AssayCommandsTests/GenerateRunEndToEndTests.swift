#if canImport(Glibc)
import Glibc
#endif
import AssayCore
import AssayTestSupport
import Foundation
import Storage
import Testing

/// Golden end-to-end tests of `assay generate` and `assay run` against the fake model server.
@Suite(.tags(.endToEnd, .network)) struct GenerateRunEndToEndTests {
    struct MiniProblem {
        var taskID: String
        var prompt: String
        var solution: String
        var entryPoint: String
    }

    static func miniProblems() throws -> [MiniProblem] {
        let data = try #require(FileManager.default.contents(atPath: TestPaths.problems.appendingPathComponent("assay-mini.jsonl").path))
        return try JSONLines.split([UInt8](data)).map { line in
            let object = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(line.bytes)).objectValue)
            return MiniProblem(taskID: object["task_id"]!.stringValue!, prompt: object["prompt"]!.stringValue!,
                               solution: object["canonical_solution"]!.stringValue!, entryPoint: object["entry_point"]!.stringValue!)
        }
    }

    /// Scripted answers for assay-mini: even tasks pass 2 of 4 samples, odd tasks 1 of 4, so
    /// pass@1 = (12·0.5 + 12·0.25)/24 = 0.375 exactly, pass@2 = (12·5/6 + 12·1/2)/24 = 2/3.
    static func answers() throws -> [JSONValue] {
        try miniProblems().enumerated().map { index, problem in
            let signature = problem.prompt.trimmingCharacters(in: .whitespacesAndNewlines)
            let correct = signature + "\n" + problem.solution
            let wrong = "```python\n\(signature)\n    return None\n```"
            let responses: [JSONValue]
            if index % 2 == 0 {
                responses = [
                    .string("Here is a solution:\n```python\n\(correct)\n\nprint(\(problem.entryPoint)(None))\n```\nIt runs in linear time."),
                    .string(wrong),
                    .string("<think>\nFirst try:\n```python\ndef \(problem.entryPoint)(*a):\n    return 0\n```\nNo.\n</think>\n```py\n\(correct)```"),
                    "I am not able to solve this problem.",
                ]
            } else {
                responses = [
                    .string(wrong),
                    .string("```\ndef _unused_helper():\n    return 0\n\n\(correct)\n```"),
                    .object(["text": .string("```python\n\(signature)\n    return ("), "finish_reason": "length"]),
                    "```python\ndef helper():\n    return 1\n```",
                ]
            }
            return .object(["match": .string("def \(problem.entryPoint)("), "responses": .array(responses)])
        }
    }

    static func assay(_ arguments: [String], in dir: TemporaryDirectory) async throws -> ProcessResult {
        try await runProgram(TestPaths.assayBinary, arguments, in: dir.url)
    }

    static func json(_ dir: TemporaryDirectory, _ path: String) throws -> [String: JSONValue] {
        let data = try #require(FileManager.default.contents(atPath: dir.path(path)))
        return try #require(try JSONDecoder().decode(JSONValue.self, from: data).objectValue)
    }

    static func lines(_ dir: TemporaryDirectory, _ path: String) throws -> [[String: JSONValue]] {
        let data = try #require(FileManager.default.contents(atPath: dir.path(path)))
        return try JSONLines.split([UInt8](data)).map { try #require(try JSONDecoder().decode(JSONValue.self, from: Data($0.bytes)).objectValue) }
    }

    @Test(.tags(.sandbox)) func runSurvivesEveryFaultAndScoresWhatTheAnswersImply() async throws {
        let problems = try Self.miniProblems()
        let kinds: [JSONValue] = [
            ["kind": "429", "retry_after": "0.2"], ["kind": "429", "retry_after_ms": 30], ["kind": "500"], ["kind": "503"],
            ["kind": "drop"], ["kind": "invalid_json"], ["kind": "slow", "delay": 2.5],
        ]
        let faults: [JSONValue] = kinds.enumerated().map { index, fault in
            var object = fault.objectValue!
            object["match"] = .string("def \(problems[index].entryPoint)(")
            return .object(object)
        }
        let server = try await FakeModelServer(script: ["models": ["fake-coder"], "ignore_n": true, "answers": .array(try Self.answers()),
                                                        "faults": .array(faults)])
        let dir = try TemporaryDirectory()
        let arguments = ["run", "--problems", "assay-mini", "--model", "fake-coder", "--base-url", server.baseURL, "--n", "4",
                         "--k", "1,2", "--out", "out", "--quiet", "--request-timeout", "1", "--retry-delay", "0.05", "--max-attempts", "12",
                         "--concurrency", "6"]
        let result = try await Self.assay(arguments, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try Self.json(dir, "out/summary.json")
        #expect(summary["pass_at_k"]?["1"]?.doubleValue == 0.375)
        #expect(abs((summary["pass_at_k"]?["2"]?.doubleValue ?? 0) - 2.0 / 3.0) < 1e-12)
        #expect(summary["n_samples"] == 96 && summary["complete"] == true)
        #expect(result.stdout.contains("pass@1      0.3750") && result.stdout.contains("pass@2      0.6667"))
        #expect(result.stdout.contains("extraction  ok 60 · no_code 12 · no_entry_point 12 · truncated 12"), "\(result.stdout)")
        #expect(result.stdout.contains("model calls 96 ("))
        #expect(result.stderr.contains("warning: the server answered fewer choices than n asked"))

        // Every fault happened, every sample was answered exactly once, nothing was lost.
        let log = try server.requests()
        #expect(Set(log.compactMap { $0["fault"]?.stringValue }) == ["429", "500", "503", "drop", "invalid_json", "slow"])
        let answered = log.filter { $0["answered"] == true }
        // Each sample's request answered (a request timed out on a loaded machine may be answered twice).
        #expect(Set(answered.map { "\($0["match"]!)#\($0["seed"]!)" }).count == 96)
        let generation = try Self.json(dir, "out/generation.json")
        #expect(generation["calls"] == 96 && generation["samples"] == 96 && generation["complete"] == true)
        #expect(generation["ledger"]?["completed_requests"] == 96)
        let raw = try Self.lines(dir, "out/samples.raw.jsonl")
        #expect(raw.count == 96 && raw.filter { $0["extraction_status"] == "truncated" }.allSatisfy { $0["finish_reason"] == "length" })
        let results = try Self.lines(dir, "out/results.jsonl")
        #expect(results.filter { $0["status"] == "passed" }.count == 36)
    }

    @Test(.tags(.sandbox)) func generateWritesEvalplusSamplesThatEvaluateScoresTheSame() async throws {
        // Base model on the completions API: the completion is appended to the prompt.
        let problems = try Self.miniProblems()
        let answers: [JSONValue] = problems.enumerated().map { index, problem in
            let body = index < 6 ? problem.solution : "    return None\n"
            return .object(["match": .string(problem.prompt), "responses": [.string(body + "\n\ndef unrelated():\n    pass\n")]])
        }
        let server = try await FakeModelServer(script: ["models": ["base-coder"], "answers": .array(answers)])
        let dir = try TemporaryDirectory()
        let generate = try await Self.assay(["generate", "--problems", "assay-mini", "--model", "base-coder", "--base-url", server.baseURL,
                                             "--api", "completions", "--greedy", "--out", "gen", "--quiet", "--request-timeout", "20"], in: dir)
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stdout.contains("assay-mini: 24 problems × 1 samples from base-coder (completions,"))
        let samples = try Self.lines(dir, "gen/samples.jsonl")
        #expect(samples.count == 24)
        #expect(samples[0] == ["task_id": .string(problems[0].taskID), "solution": .string(problems[0].prompt + problems[0].solution + "\n")])
        let request = try #require(server.requests().first { $0["answered"] == true })
        #expect(request["seed"] == 0 && request["n"] == 1)
        let evaluate = try await Self.assay(["evaluate", "--problems", "assay-mini", "--samples", "gen/samples.jsonl", "--out", "ev", "--quiet",
                                             "--k", "1"], in: dir)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(try Self.json(dir, "ev/summary.json")["pass_at_k"]?["1"]?.doubleValue == 0.25)
    }

    @Test(.tags(.sandbox, .slow)) func sigkillMidRunThenRerunNeverRepeatsAStoredAnswer() async throws {
        let server = try await FakeModelServer(script: ["models": ["fake-coder"], "delay": 0.1, "answers": .array(try Self.answers())])
        let dir = try TemporaryDirectory()
        let arguments = ["run", "--problems", "assay-mini", "--model", "fake-coder", "--base-url", server.baseURL, "--n", "4",
                         "--capabilities", "no-n", "--concurrency", "2", "--k", "1,2", "--db", "k.sqlite", "--quiet", "--request-timeout", "20"]
        let pid = try spawnProgram(TestPaths.assayBinary, arguments + ["--out", "first"], in: dir.url, stdoutFile: dir.path("first.log"))
        var storedAtKill: [SampleKey] = []
        for _ in 0..<500 {
            try await Task.sleep(for: .milliseconds(20))
            guard FileManager.default.fileExists(atPath: dir.path("k.sqlite")) else { continue }
            let store = try SQLiteStore(path: dir.path("k.sqlite"))
            if try await store.generatedSampleKeys().count >= 20 { break }
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let store = try SQLiteStore(path: dir.path("k.sqlite"))
        storedAtKill = try await store.generatedSampleKeys()
        #expect(storedAtKill.count >= 20 && storedAtKill.count < 96, "killed too late or too early: \(storedAtKill.count) stored")
        let rerunStarted = Date().timeIntervalSince1970

        let rerun = try await Self.assay(arguments + ["--out", "second"], in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("run 1: resumed; \(storedAtKill.count) stored answers reused"))
        let summary = try Self.json(dir, "second/summary.json")
        #expect(summary["pass_at_k"]?["1"]?.doubleValue == 0.375 && summary["n_samples"] == 96)

        // The server never saw a request again for an answer that was stored.
        let entryPoints = Dictionary(uniqueKeysWithValues: try Self.miniProblems().map { ($0.taskID, "def \($0.entryPoint)(") })
        let stored = Set(storedAtKill.map { "\(entryPoints[$0.taskID]!)#\($0.index)" })
        let later = try server.requests().filter { ($0["time"]?.doubleValue ?? 0) >= rerunStarted }
        let repeated = later.filter { stored.contains("\($0["match"]?.stringValue ?? "")#\($0["seed"]?.intValue ?? -1)") }
        #expect(repeated.isEmpty, "asked again: \(repeated.count)")
        // Every missing sample asked for once (a retried attempt is logged twice, answered once).
        #expect(Set(later.filter { $0["answered"] == true }.map { "\($0["match"]!)#\($0["seed"]!)" }).count == 96 - storedAtKill.count)
        #expect(try await store.generatedSampleKeys().count == 96)
    }

    @Test func serverDyingMidRunKeepsEveryFinishedSampleAndTheRerunResumes() async throws {
        let script: JSONValue = ["models": ["fake-coder"], "delay": 0.05, "answers": .array(try Self.answers())]
        let first = try await FakeModelServer(script: script)
        let dir = try TemporaryDirectory()
        let arguments = ["generate", "--problems", "assay-mini", "--model", "fake-coder", "--base-url", first.baseURL, "--n", "4",
                         "--capabilities", "no-n", "--concurrency", "2", "--max-attempts", "3", "--retry-delay", "0.05",
                         "--db", "d.sqlite", "--out", "gen", "--quiet", "--request-timeout", "20"]
        let pid = try spawnProgram(TestPaths.assayBinary, arguments, in: dir.url, stdoutFile: dir.path("first.log"))
        for _ in 0..<500 {
            try await Task.sleep(for: .milliseconds(20))
            if try first.requests().filter({ $0["answered"] == true }).count >= 20 { break }
        }
        first.stop()
        var status: Int32 = 0
        var exited = false
        for _ in 0..<1200 {  // bounded: a hung generate fails the test instead of hanging it
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if !exited {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        #expect(exited, "assay generate did not stop after the server died")
        let stderr = String(decoding: FileManager.default.contents(atPath: dir.path("first.log.err")) ?? Data(), as: UTF8.self)
        #expect((status >> 8) & 0xFF == 1, "\(stderr)")
        #expect(stderr.contains("the model server stopped answering after 3 attempts") && stderr.contains("rerun the same command to resume"))
        let answeredBefore = try first.requests().filter { $0["answered"] == true }
        let store = try SQLiteStore(path: dir.path("d.sqlite"))
        let stored = try await store.generatedSampleKeys()
        #expect(stored.count >= answeredBefore.count, "every answer the server gave is stored")
        #expect(stored.count < 96)

        // The same server back on the same port: the rerun asks only for what is missing.
        let second = try await FakeModelServer(script: script, port: first.port)
        let rerun = try await Self.assay(arguments, in: dir)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("samples     96 (\(96 - stored.count) now, \(stored.count) stored answers reused)"))
        #expect(try second.requests().filter { $0["answered"] == true }.count == 96 - stored.count)
        #expect(try Self.lines(dir, "gen/samples.jsonl").count == 96)
    }

    @Test func unknownModelAndUnreachableServerFailAtOnce() async throws {
        // The clock starts once this test holds its sandbox turn, not while it waits for it.
        try await SandboxLoad.run { try await Self.failFast() }
    }

    static func failFast() async throws {
        let server = try await FakeModelServer(script: ["models": ["fake-coder"]])
        let dir = try TemporaryDirectory()
        let started = ContinuousClock.now
        let unknown = try await assay(["generate", "--problems", "assay-mini", "--model", "gpt-nope", "--base-url", server.baseURL], in: dir)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("error: the server at \(server.baseURL) does not serve model 'gpt-nope'; it serves: fake-coder"))
        server.stop()
        let gone = try await assay(["run", "--problems", "assay-mini", "--model", "fake-coder", "--base-url", server.baseURL], in: dir)
        #expect(gone.status == 2)
        #expect(gone.stderr.contains("error: cannot reach the model server: cannot connect to http://127.0.0.1:\(server.port)"))
        // Not after minutes of retries: three quick probes, then the error (a bound, not a benchmark).
        #expect(ContinuousClock.now - started < .seconds(60))
        let key = try await runProgram(TestPaths.assayBinary, ["generate", "--problems", "assay-mini", "--model", "m", "--base-url",
                                                               server.baseURL, "--api-key-env", "ASSAY_TEST_NO_SUCH_KEY"], in: dir.url)
        #expect(key.status == 2 && key.stderr.contains("--api-key-env ASSAY_TEST_NO_SUCH_KEY: that environment variable is not set"))
    }
}
