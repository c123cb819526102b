import AssayCore
import AssayTestSupport
import Foundation
import Testing
@testable import Generation

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 8, initialDelay: 0.5, maxDelay: 8)

    @Test func serverDelaysWinWhenShort() {
        #expect(policy.delay(afterAttempt: 1, headers: ["retry-after-ms": "250"], random: 0.9) == 0.25)
        #expect(policy.delay(afterAttempt: 1, headers: ["retry-after": "2"], random: 0.9) == 2)
        #expect(policy.delay(afterAttempt: 1, headers: ["retry-after-ms": "100", "retry-after": "5"], random: 0) == 0.1)
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(policy.delay(afterAttempt: 1, headers: ["retry-after": "Sun, 06 Nov 1994 08:49:40 GMT"], now: now, random: 0) == 3)
        // Longer than 60 s: ignored, exponential backoff instead.
        #expect(policy.delay(afterAttempt: 1, headers: ["retry-after": "3600"], random: 0) == 0.5)
    }

    @Test func exponentialBackoffWithJitterAndCap() {
        #expect(policy.delay(afterAttempt: 1, headers: [:], random: 0) == 0.5)
        #expect(policy.delay(afterAttempt: 2, headers: [:], random: 0) == 1)
        #expect(policy.delay(afterAttempt: 4, headers: [:], random: 0) == 4)
        #expect(policy.delay(afterAttempt: 9, headers: [:], random: 0) == 8)
        #expect(policy.delay(afterAttempt: 3, headers: [:], random: 1) == 1.5)  // 2 s minus 25 %
    }

    @Test func retryableStatuses() {
        #expect([408, 409, 429, 500, 502, 503, 504, 529].allSatisfy(RetryPolicy.isRetryable(status:)))
        #expect(![400, 401, 403, 404, 422].contains(where: RetryPolicy.isRetryable(status:)))
    }

    @Test func baseURLs() throws {
        #expect(try ModelEndpoint.normalizedBaseURL("http://localhost:8000").absoluteString == "http://localhost:8000/v1")
        #expect(try ModelEndpoint.normalizedBaseURL("http://localhost:11434/v1/").absoluteString == "http://localhost:11434/v1")
        #expect(throws: InputError.self) { try ModelEndpoint.normalizedBaseURL("localhost:8000") }
    }
}

@Suite struct PromptTemplateTests {
    let problem = Problem(taskID: "t/1", prompt: "\n\ndef f(x):\n    \"\"\"{x}\"\"\"\n", canonicalSolution: "", test: "", entryPoint: "f")

    @Test func instructTemplateIsEvalPlusWording() throws {
        let template = try PromptTemplate.load(TestPaths.problems.appendingPathComponent("prompts/instruct.json").path)
        #expect(template.mode == .instruct)
        guard case .chat(let messages) = template.render(problem) else { Issue.record("not a chat prompt"); return }
        #expect(messages == [.user(
            "Please provide a self-contained Python script that solves the following problem in a markdown code block:\n```python\ndef f(x):\n    \"\"\"{x}\"\"\"\n```")])
    }

    @Test func baseTemplateSendsTheRawPromptWithStops() throws {
        let template = try PromptTemplate.load(TestPaths.problems.appendingPathComponent("prompts/base.json").path)
        #expect(template.mode == .base)
        #expect(template.render(problem) == .text(problem.prompt))
        #expect(template.stop.contains("\ndef ") && template.stop.contains("\nif __name__") && template.stop.count == 11)
    }

    @Test func unknownTemplateSaysWhatExists() {
        #expect(throws: InputError.self) { try PromptTemplate.load("/nonexistent/x.json") }
    }
}
