import AssayCore
import AssayTestSupport
import Foundation
import Synchronization
import Storage
import Testing
@testable import Generation

/// The HTTP clients against the real fake server process on loopback.
@Suite(.tags(.network)) struct ModelServerTests {
    // Short timeouts for the slow-answer fault; many attempts and a long deadline so that a loaded
    // machine (other suites, other builds) adds retries, never failures.
    static let fastRetries = RetryPolicy(maxAttempts: 12, initialDelay: 0.05, maxDelay: 0.2, requestTimeout: 1.0, deadline: 300)

    func client(_ server: FakeModelServer, api: ModelAPI = .chat, model: String = "fake-coder", stop: [String] = [],
                policy: RetryPolicy = fastRetries, capabilities: Capabilities? = nil) throws -> ModelClient {
        ModelClient(
            endpoint: ModelEndpoint(api: api, baseURL: try ModelEndpoint.normalizedBaseURL(server.baseURL), model: model, apiKey: "sk-test-secret"),
            settings: DecodingSettings(temperature: 0.8, topP: 0.95, maxTokens: 64, seed: 0), stop: stop, capabilities: capabilities,
            policy: policy, concurrency: 4)
    }

    @Test func everyFaultIsSurvived() async throws {
        let faults: [String: JSONValue] = [
            "secretry429": ["kind": "429", "match": "secretry429", "retry_after": "0.1"],
            "msretry429": ["kind": "429", "match": "msretry429", "retry_after_ms": 30],
            "error500": ["kind": "500", "match": "error500"],
            "error503": ["kind": "503", "match": "error503"],
            "drop": ["kind": "drop", "match": "drop"],
            "invalid": ["kind": "invalid_json", "match": "invalid"],
            "slow": ["kind": "slow", "match": "slow", "delay": 2.5],
        ]
        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"],
            "answers": .array(faults.keys.map { .object(["match": .string($0), "responses": ["answer for \($0)"]]) }),
            "faults": .array(Array(faults.values)),
        ])
        let model = try client(server)
        for name in faults.keys.sorted() {
            let reply = try await model.send(.chat([.user("please \(name)")]), n: 1, seed: 0)
            #expect(reply.text == "answer for \(name)", "\(name)")
            #expect(reply.attempts >= 2, "\(name): \(reply.attempts) attempts")  // the fault, then the answer
            #expect(reply.serverModel == "fake-coder" && reply.fingerprint == "fp_fake")
            #expect(reply.usage.output == 3)
        }
        let log = try server.requests()
        #expect(Set(log.compactMap { $0["fault"]?.stringValue }) == ["429", "500", "503", "drop", "invalid_json", "slow"])
        #expect(!String(decoding: try Data(contentsOf: URL(fileURLWithPath: server.logPath)), as: UTF8.self).contains("sk-test-secret"))
    }

    @Test func ignoredNAndPerSampleSeeds() async throws {
        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"], "ignore_n": true,
            "answers": [["match": "go", "responses": ["r0", "r1", "r2", "r3", "r4"]]],
        ])
        let model = try client(server)
        let first = try await model.send(.chat([.user("go")]), n: 3, seed: 2)
        #expect(first.choices.map(\.text) == ["r2"])  // tolerated: fewer choices than asked
        let honest = try await FakeModelServer(script: ["models": ["fake-coder"], "answers": [["match": "go", "responses": ["r0", "r1", "r2", "r3", "r4"]]]])
        let batched = try await self.client(honest).send(.chat([.user("go")]), n: 3, seed: 2)
        #expect(batched.choices.map(\.text) == ["r2", "r3", "r4"])  // seed + i selects the same answers
    }

    @Test func capabilityFallbackOnUnsupportedParameter() async throws {
        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"], "answers": [["match": "x", "responses": ["ok"]]],
            "faults": [["kind": "reject_param", "param": "max_tokens"]],
        ])
        let model = try client(server)
        let reply = try await model.send(.chat([.user("x")]), n: 1, seed: nil)
        #expect(reply.text == "ok")
        #expect(model.capabilities.maxTokensField == "max_completion_tokens")
        #expect(reply.requestBody.contains("\"max_completion_tokens\":64"))
        #expect(model.takeNotices() == ["the server rejects max_tokens: sending max_completion_tokens instead"])
    }

    @Test func fatalErrorsAreImmediateAndClear() async throws {
        let server = try await FakeModelServer(script: ["models": ["fake-coder"], "faults": [["kind": "quota", "match": "q"]]])
        let unknown = try client(server, model: "no-such-model")
        await #expect { try await unknown.preflight() } throws: { error in
            let e = error as! ModelServerError
            return e.kind == .unknownModel && e.message.contains("serves: fake-coder")
        }
        await #expect { try await unknown.send(.chat([.user("x")]), n: 1, seed: nil) } throws: { error in
            (error as? ModelServerError)?.kind == .unknownModel
        }
        let quota = try client(server)
        await #expect { try await quota.send(.chat([.user("q")]), n: 1, seed: nil) } throws: { error in
            (error as? ModelServerError)?.kind == .quota
        }
        server.stop()
        let gone = try client(server)
        await #expect { try await gone.preflight() } throws: { error in
            let e = error as! ModelServerError
            return e.kind == .unreachable && e.message.contains("cannot connect to http://127.0.0.1:\(server.port)")
                && !e.description.contains("sk-test-secret")
        }
    }

    @Test func completionsAndAnthropicShapes() async throws {
        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"],
            "answers": [["match": "def f", "responses": [["text": "    return 1\ndef g():\n", "finish_reason": "stop"]]],
                        ["match": "hi", "responses": [["text": "long answer", "finish_reason": "length"]]]],
        ])
        let base = try client(server, api: .completions, stop: ["\ndef "])
        let reply = try await base.send(.text("def f():\n"), n: 1, seed: 0)
        #expect(reply.text == "    return 1\ndef g():\n")
        #expect(reply.requestBody.contains("\"prompt\":\"def f():\\n\"") && reply.requestBody.contains("\"stop\":[\"\\ndef \"]"))
        let claude = try client(server, api: .anthropic)
        let answer = try await claude.chat([.system("be brief"), .user("hi")], seed: nil)
        #expect(answer.text == "long answer" && answer.choices.first?.finishReason == "length")
        #expect(answer.requestBody.contains("\"system\":\"be brief\"") && !answer.requestBody.contains("top_p"))
        #expect(!answer.requestBody.contains("seed"))
    }

    /// Go servers (Ollama) send long answers chunked; every fault is still survived that way.
    @Test func chunkedAnswersAreRead() async throws {
        let long = String(repeating: "x = 1\n", count: 2_000)
        let server = try await FakeModelServer(script: [
            "models": ["fake-coder"], "chunked": true,
            "answers": [["match": "long", "responses": [.string(long)]], ["match": "drop", "responses": ["after the drop"]]],
            "faults": [["kind": "drop", "match": "drop"], ["kind": "429", "match": "long", "retry_after_ms": 10]],
        ])
        let model = try client(server)
        let reply = try await model.send(.chat([.user("long")]), n: 1, seed: 0)
        #expect(reply.text == long && reply.attempts == 2)
        let dropped = try await model.send(.chat([.user("drop")]), n: 1, seed: 0)
        #expect(dropped.text == "after the drop" && dropped.attempts == 2)
    }

    /// Nothing listens: a clear "cannot connect" error, not a hang.
    @Test func refusedConnectionIsUnreachable() async throws {
        let http = HTTPClient(maxConnections: 1)
        await #expect { _ = try await http.send(method: "GET", url: URL(string: "http://127.0.0.1:9/v1/models")!, headers: [:], body: nil, timeout: 5) }
            throws: { error in
                guard let failure = error as? ConnectionFailure else { return false }
                return failure.unreachable && failure.description.contains("cannot connect to http://127.0.0.1:9")
            }
    }
}

/// The HTTP/1.1 answer reader of the plain-socket path, on hand-made bytes.
@Suite struct HTTPResponseParserTests {
    func parse(_ text: String, atEnd: Bool = false) throws -> HTTPResponse? {
        var parser = HTTPResponseParser()
        return try parser.parse(Array(text.utf8), atEnd: atEnd)
    }

    @Test func lengthChunksInterimAndCloseDelimited() throws {
        let sized = try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello")
        #expect(sized?.status == 200 && sized?.body == Data("hello".utf8) && sized?.headers["x-a"] == "1")
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel") == nil)  // wait for more
        let chunked = try parse("HTTP/1.1 429 Too Many\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n")
        #expect(chunked?.status == 429 && chunked?.body == Data("abcde".utf8))
        #expect(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n") == nil)
        let interim = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        #expect(interim?.status == 201 && interim?.body == Data("ok".utf8))
        #expect(try parse("HTTP/1.0 200 OK\r\n\r\nuntil close") == nil)
        #expect(try parse("HTTP/1.0 200 OK\r\n\r\nuntil close", atEnd: true)?.body == Data("until close".utf8))
    }

    @Test func brokenAnswersAreErrors() {
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse("SSH-2.0-OpenSSH\r\n\r\n") }
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") }
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", atEnd: true) }
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n") }
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse("HTTP/1.1 200 OK\r\nContent-", atEnd: true) }
    }
}

/// The generator with the SQLite ledger: resume never re-asks for a stored answer.
@Suite(.tags(.network)) struct GeneratorLedgerTests {
    @Test func resumeAsksOnlyForMissingSamples() async throws {
        let problems = ProblemSet(name: "p", source: "p.jsonl", format: "humaneval", hash: "h", problems: (0..<3).map {
            Problem(taskID: "t/\($0)", prompt: "def f\($0)():\n", canonicalSolution: "", test: "", entryPoint: "f\($0)")
        })
        let answers: [JSONValue] = (0..<3).map { i in
            ["match": .string("def f\(i)()"), "responses": .array([.string("```python\ndef f\(i)():\n    return \(i)\n```"), "no code here"])]
        }
        let server = try await FakeModelServer(script: ["models": ["fake-coder"], "answers": .array(answers)])
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("g.sqlite"))
        let template = try PromptTemplate.load(TestPaths.problems.appendingPathComponent("prompts/instruct.json").path)
        let client = ModelClient(
            endpoint: ModelEndpoint(api: .chat, baseURL: try ModelEndpoint.normalizedBaseURL(server.baseURL), model: "fake-coder", apiKey: nil),
            settings: DecodingSettings(temperature: 0.8, topP: nil, maxTokens: 64, seed: 0),
            policy: RetryPolicy(maxAttempts: 12, initialDelay: 0.05, maxDelay: 0.2, requestTimeout: 20, deadline: 300), concurrency: 2)
        let config = GenerationConfig(api: "chat", baseURL: server.baseURL, model: "fake-coder", template: template.name,
                                      templateHash: template.hash, mode: "instruct", decoding: client.settings, stop: [],
                                      problemSetHash: problems.hash, source: "")
        func generate(n: Int) async throws -> (GenerationReport, [GeneratedSample]) {
            let collected = Collected()
            let report = try await Generator(source: .model(client, template), ledger: store, config: config, n: n, inFlight: 4)
                .run(problems) { sample, _ in collected.add(sample) }
            return (report, collected.all)
        }
        let (first, samples) = try await generate(n: 2)
        #expect(first.generatedNow == 6 && first.reused == 0 && first.calls == 3)
        #expect(samples.filter { $0.status == .ok }.count == 3 && samples.filter { $0.status == .noCode }.count == 3)
        let (again, _) = try await generate(n: 2)
        #expect(again.generatedNow == 0 && again.reused == 6 && again.calls == 0)
        let (more, _) = try await generate(n: 3)  // one more sample per task: asked with seed 0 + 2
        #expect(more.generatedNow == 3 && more.reused == 6 && more.calls == 3)
        // Answered requests (on a loaded machine a stalled upload is retried after the timeout).
        let requests = try server.requests().filter { $0["answered"] == true }
        #expect(requests.count == 6)
        #expect(requests.filter { $0["n"] == .int(1) }.map { $0["seed"] } == [.int(2), .int(2), .int(2)])
        let totals = try await store.totals(key: config.key)
        #expect(totals.completedRequests == 6 && totals.samples == 9 && totals.unansweredRequests == 0)
    }
}

final class Collected: Sendable {
    private let items = Mutex<[GeneratedSample]>([])
    func add(_ sample: GeneratedSample) { items.withLock { $0.append(sample) } }
    var all: [GeneratedSample] { items.withLock { $0 } }
}
