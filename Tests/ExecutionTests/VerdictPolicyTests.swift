import AssayCore
import Execution
import Testing

/// The verdict logic on hand-made supervisor responses (no sandbox needed).
@Suite struct VerdictPolicyTests {
    static let request = SandboxRequest(
        id: "t#0", kind: "humaneval", program: "", solutionEndLine: 1, entryPoint: "f", nonce: "n1",
        limits: ExecutionLimits())

    func response(_ result: String?, killedBy: String? = nil, signal: Int? = nil, exit: Int? = 0) -> SandboxResponse {
        var response = SandboxResponse(ok: true)
        response.result = result
        response.killedBy = killedBy
        response.signal = signal
        response.exitCode = exit
        return response
    }

    let passed = #"{"nonce":"n1","status":"passed","asserts_run":3,"test_returned":true}"#

    @Test func aValidRecordPasses() throws {
        #expect(try VerdictPolicy.outcome(of: response(passed + "\n"), request: Self.request).status == .passed)
    }

    @Test func exitZeroWithoutARecordIsNoResult() throws {
        #expect(try VerdictPolicy.outcome(of: response(nil), request: Self.request).status == .noResult)
        #expect(try VerdictPolicy.outcome(of: response(""), request: Self.request).status == .noResult)
    }

    @Test func forgedOrExtraRecordsAreRejected() throws {
        let wrongNonce = #"{"nonce":"guess","status":"passed","asserts_run":3,"test_returned":true}"#
        #expect(try VerdictPolicy.outcome(of: response(wrongNonce), request: Self.request).status == .noResult)
        let twoLines = passed + "\n" + passed + "\n"
        let outcome = try VerdictPolicy.outcome(of: response(twoLines), request: Self.request)
        #expect(outcome.status == .noResult)
        #expect(outcome.detail.contains("2 lines"))
        #expect(try VerdictPolicy.outcome(of: response("not json"), request: Self.request).status == .noResult)
        let noTests = #"{"nonce":"n1","status":"passed","asserts_run":0,"test_returned":true}"#
        #expect(try VerdictPolicy.outcome(of: response(noTests), request: Self.request).status == .noResult)
    }

    @Test func limitsOutrankTheRecord() throws {
        #expect(try VerdictPolicy.outcome(of: response(passed, killedBy: "wall", signal: 9), request: Self.request).status == .timeout)
        #expect(try VerdictPolicy.outcome(of: response(passed, killedBy: "cpu", signal: 9), request: Self.request).status == .timeout)
        #expect(try VerdictPolicy.outcome(of: response(nil, signal: 24, exit: nil), request: Self.request).status == .timeout)
        #expect(try VerdictPolicy.outcome(of: response(passed, killedBy: "memory", signal: 9), request: Self.request).status == .memory)
        #expect(try VerdictPolicy.outcome(of: response(passed, killedBy: "output", signal: 9), request: Self.request).status == .outputLimit)
        var seccomp = response(nil, killedBy: "seccomp", signal: 31, exit: nil)
        seccomp.syscall = "socket"
        let denied = try VerdictPolicy.outcome(of: seccomp, request: Self.request)
        #expect(denied.status == .forbiddenSyscall && denied.detail.contains("socket"))
        #expect(try VerdictPolicy.outcome(of: response(nil, signal: 11, exit: nil), request: Self.request).status == .signal)
        #expect(try VerdictPolicy.outcome(of: response(nil, killedBy: "pids", signal: 9, exit: nil), request: Self.request).status == .timeout)
    }

    @Test func failedAndErrorCarryTheirEvidence() throws {
        let failed = #"{"nonce":"n1","status":"failed","error_type":"AssertionError","failed_assert":{"source":"assert candidate(2) == 4","left":"5","right":"4"}}"#
        let f = try VerdictPolicy.outcome(of: response(failed), request: Self.request)
        #expect(f.status == .failed && f.errorType == "AssertionError" && f.detail == "assert candidate(2) == 4 (left: 5, right: 4)")
        let error = #"{"nonce":"n1","status":"error","error_type":"IndexError","message":"list index out of range","line":4,"in_solution":true}"#
        let e = try VerdictPolicy.outcome(of: response(error), request: Self.request)
        #expect(e.status == .error && e.errorType == "IndexError" && e.detail == "IndexError: list index out of range (line 4 of the solution)")
        let memory = #"{"nonce":"n1","status":"error","error_type":"MemoryError"}"#
        #expect(try VerdictPolicy.outcome(of: response(memory), request: Self.request).status == .memory)
    }

    @Test func infrastructureFailuresThrow() {
        #expect(throws: SandboxError.self) {
            try VerdictPolicy.outcome(of: SandboxResponse(ok: false, error: "cannot create work dir"), request: Self.request)
        }
    }
}

@Suite struct NonceTests {
    @Test func noncesAre128BitHexAndDistinct() {
        let nonces = (0..<2000).map { _ in ProgramAssembly.nonce() }
        #expect(nonces.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(nonces).count == nonces.count)
        // Every digit position takes many values (the two 64-bit draws fill all 32 digits).
        for position in 0..<32 {
            let digits = Set(nonces.map { Array($0)[position] })
            #expect(digits.count >= 12, "digit \(position) took only \(digits.count) values")
        }
    }
}
