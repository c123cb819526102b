public import AssayCore
import Execution
import Scoring

/// evalplus's harness for HumanEval+: the sample's function is called on every `base` and `plus`
/// input inside the sandbox (kind `io`), and its outputs are compared with the canonical
/// solution's in Swift (``EvalplusComparator``). Base and plus get their own status, as in
/// evalplus's `eval_results.json`; the sample's `status` is `passed` only when both pass.
///
/// Per-input time limits are evalplus's: `max(min_time_limit, gt_time_limit_factor × t)` with `t`
/// the canonical solution's time on that input. A split as a whole gets
/// `min(60 s, Σ limits) + 2 s` (evalplus's per-process timeout), and the sandbox's wall and CPU
/// limits cover every split of an execution plus start-up. Fail-fast (the default, as in
/// evalplus) stops a split at its first failing input; `testDetails` checks every input.
public struct HumanEvalPlusHarness: TaskHarness {
    public struct Settings: Sendable, Hashable {
        /// evalplus `--min-time-limit`, seconds.
        public var minTimeLimit: Double
        /// evalplus `--gt-time-limit-factor`.
        public var timeLimitFactor: Double
        /// evalplus `--test-details`: check every input instead of stopping at the first failure.
        public var testDetails: Bool
        /// evalplus `--base-only`.
        public var baseOnly: Bool
        /// evalplus `EVALPLUS_TIMEOUT_PER_TASK`, seconds.
        public var timeoutPerTask: Double

        public init(minTimeLimit: Double = 4, timeLimitFactor: Double = 4, testDetails: Bool = false, baseOnly: Bool = false,
                    timeoutPerTask: Double = 60) {
            self.minTimeLimit = minTimeLimit
            self.timeLimitFactor = timeLimitFactor
            self.testDetails = testDetails
            self.baseOnly = baseOnly
            self.timeoutPerTask = timeoutPerTask
        }
    }

    public let settings: Settings
    public let expected: ExpectedOutputs
    /// task → split → (per-input limits in ms, index from which numeric outputs must be sent in full)
    let plans: [String: [String: SplitPlan]]

    struct SplitPlan: Sendable {
        var limitsMS: [Int]
        var budgetMS: Int
        var fullFrom: Int?
    }

    public init(settings: Settings, expected: ExpectedOutputs, problems: ProblemSet) {
        self.settings = settings
        self.expected = expected
        var plans: [String: [String: SplitPlan]] = [:]
        for problem in problems.problems {
            for (split, outputs) in expected.tasks[problem.taskID] ?? [:] {
                let limits = outputs.micros.map { micros in
                    Int((max(settings.minTimeLimit, settings.timeLimitFactor * Double(micros) / 1e6) * 1000).rounded(.up))
                }
                let total = limits.reduce(0, +)
                let budget = min(Int(settings.timeoutPerTask * 1000), total) + (settings.testDetails ? 3000 : 2000)
                var fullFrom: Int? = problem.atol != 0 ? 0 : nil
                if fullFrom == nil {
                    for (index, text) in outputs.outputs.enumerated() where EvalplusComparator.mayHoldFloats(text) {
                        if let value = try? PyValue.parse(text), value.isFloats {
                            fullFrom = index
                            break
                        }
                    }
                }
                plans[problem.taskID, default: [:]][split] = SplitPlan(limitsMS: limits, budgetMS: budget, fullFrom: fullFrom)
            }
        }
        self.plans = plans
    }

    public var name: String {
        "evalplus-io/1 min=\(settings.minTimeLimit) factor=\(settings.timeLimitFactor) details=\(settings.testDetails) base-only=\(settings.baseOnly)"
    }

    var splits: [String] { settings.baseOnly ? ["base"] : IOSplits.all }

    /// Samples reordered so that tasks whose canonical solution ran longest start first (the
    /// slow tasks then do not trail at the end of a run); otherwise in their given order.
    public func longestFirst(_ samples: [Sample]) -> [Sample] {
        let cost = expected.tasks.mapValues { $0.values.reduce(0) { $0 + $1.micros.reduce(0, +) } }
        return samples.enumerated().sorted { a, b in
            let (x, y) = (cost[a.element.taskID] ?? 0, cost[b.element.taskID] ?? 0)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }

    /// The code evalplus runs: `solution`, or `prompt + completion`.
    static func code(problem: Problem, body: Sample.Body) -> String {
        switch body {
        case .completion(let completion): return problem.prompt + completion
        case .solution(let solution): return solution
        }
    }

    /// The first execution's request (every split from its first input).
    public func request(problem: Problem, sample: Sample, limits: ExecutionLimits) -> SandboxRequest {
        request(problem: problem, sample: sample, limits: limits, pending: splits.map { ($0, 0) })
    }

    func request(problem: Problem, sample: Sample, limits: ExecutionLimits, pending: [(String, Int)]) -> SandboxRequest {
        var wall = 5_000
        let splitPayloads: [JSONValue] = pending.map { split, start in
            let plan = plans[problem.taskID]?[split]
            wall += plan?.budgetMS ?? 0
            var object: [String: JSONValue] = [
                "name": .string(split), "inputs": .string(problem.inputsJSON(split) ?? "[]"), "start": .int(start),
                "limits_ms": plan.map { .array($0.limitsMS.map { .int($0) }) } ?? .null,
                "budget_ms": plan.map { .int($0.budgetMS) } ?? .null,
            ]
            object["full_from"] = plan?.fullFrom.map { .int($0) } ?? .null
            return .object(object)
        }
        var executionLimits = limits
        executionLimits.wallMS = wall
        executionLimits.cpuMS = wall
        let code = Self.code(problem: problem, body: sample.body)
        return SandboxRequest(
            id: sample.key.description, kind: IORunner.kind, program: code, solutionEndLine: ProgramAssembly.lineCount(code),
            entryPoint: problem.entryPoint, nonce: ProgramAssembly.nonce(), limits: executionLimits,
            payload: .object([
                "mode": .string("check"), "splits": .array(splitPayloads), "atol": .double(problem.atol),
                "fail_fast": .bool(!settings.testDetails), "elide_bytes": .int(IORunner.elideBytes),
                "result_budget": .int(IORunner.resultBudget),
            ]))
    }

    /// How one split ended.
    struct SplitState {
        var name: String
        var comparator: EvalplusComparator
        var next = 0
        /// `pass`, `fail` or `timeout` once decided (evalplus's vocabulary).
        var status: String?
        /// Failing inputs (index → verdict), in order; one unless test details are on.
        var failures: [(Int, InputVerdict)] = []
        /// Why the split failed as a whole (program error, kill, budget), when it did.
        var whole: (status: Status, errorType: String?, detail: String)?
    }

    public func evaluate(problem: Problem, sample: Sample, limits: ExecutionLimits, executor: any CodeExecutor) async throws -> ExecutionOutcome {
        guard let taskExpected = expected.tasks[problem.taskID] else {
            return ExecutionOutcome(status: .error, errorType: "NoExpectedOutputs", detail: "no expected outputs for \(problem.taskID)")
        }
        let oracle: EvalplusComparator.Oracle = problem.entryPoint == "find_zero" ? .findZero : .standard
        var states = splits.map { SplitState(name: $0, comparator: EvalplusComparator(atol: problem.atol, oracle: oracle)) }
        var inputs: [String: [[UInt8]]] = [:]
        func input(_ split: String, _ index: Int) -> [UInt8] {
            if inputs[split] == nil {
                inputs[split] = (try? RawJSON.arrayElements(Array((problem.inputsJSON(split) ?? "[]").utf8))) ?? []
            }
            let all = inputs[split]!
            return index < all.count ? all[index] : []
        }
        var outcome = ExecutionOutcome(status: .passed)
        var executions = 0
        var python = ""

        for _ in 0..<IORunner.maxRounds {
            let pending = states.indices.filter { states[$0].status == nil }
            guard !pending.isEmpty else { break }
            let request = request(problem: problem, sample: sample, limits: limits, pending: pending.map { (states[$0].name, states[$0].next) })
            let response = try await executor.send(request)
            let kernel = try VerdictPolicy.outcome(of: response, request: request)
            executions += 1
            outcome.cpuMS += kernel.cpuMS
            outcome.wallMS += kernel.wallMS
            outcome.maxRSSKiB = max(outcome.maxRSSKiB, kernel.maxRSSKiB)
            outcome.exitCode = kernel.exitCode
            outcome.signal = kernel.signal ?? outcome.signal
            outcome.syscall = kernel.syscall ?? outcome.syscall
            if outcome.stdout.isEmpty { outcome.stdout = kernel.stdout }
            if !kernel.stderr.isEmpty { outcome.stderr = kernel.stderr }

            let stream = IOStream.parse(response.result, nonce: request.nonce)
            python = stream?.python ?? python
            var current: Int?
            var progressed = false
            var ended = false
            func finish(_ index: Int, _ status: String, whole: (Status, String?, String)? = nil) {
                guard states[index].status == nil else { return }
                states[index].status = status
                if let whole, states[index].failures.isEmpty { states[index].whole = whole }
            }
            lines: for line in stream?.lines ?? [] {
                switch line {
                case .start(let name):
                    current = states.firstIndex { $0.name == name && $0.status == nil }
                    if current == nil { break lines }
                case .programError(let name, let type, let message):
                    guard let index = states.firstIndex(where: { $0.name == name }) else { break lines }
                    let status: Status = type == "MemoryError" ? .memory : .error
                    finish(index, "fail", whole: (status, type, "\(type): \(message) (while loading the program)"))
                    progressed = true
                case .result(let i, _, _), .raised(let i, _, _, _), .timeLimit(let i, _):
                    guard let index = current, states[index].next == i else { break lines }
                    states[index].next = i + 1
                    progressed = true
                    guard states[index].status == nil else { continue }
                    let observed: ObservedOutput
                    switch line {
                    case .result(_, _, let text): observed = .value(text)
                    case .raised(_, _, let type, let message): observed = .raised(type: type, message: message)
                    case .timeLimit(_, let micros): observed = .timeLimit(micros: micros)
                    default: continue
                    }
                    let expectedOutput = i < (taskExpected[states[index].name]?.outputs.count ?? 0) ? taskExpected[states[index].name]!.outputs[i] : []
                    let verdict = states[index].comparator.check(observed, expected: expectedOutput, input: input(states[index].name, i))
                    if !verdict.isPass {
                        states[index].failures.append((i, verdict))
                        if !settings.testDetails { states[index].status = "fail" }
                    }
                case .splitBudget(let name, let i):
                    guard let index = states.firstIndex(where: { $0.name == name }) else { break lines }
                    let seconds = Double(plans[problem.taskID]?[name]?.budgetMS ?? 0) / 1000
                    finish(index, states[index].failures.isEmpty ? "timeout" : "fail",
                           whole: (.timeout, "TimeoutError", "\(name) inputs ran past the split's \(seconds) s budget (at input #\(i))"))
                    progressed = true
                    current = nil
                case .resume(let name, let i):
                    guard let index = states.firstIndex(where: { $0.name == name }), states[index].next == i else { break lines }
                    current = nil
                case .done(let name, _):
                    guard let index = states.firstIndex(where: { $0.name == name }) else { break lines }
                    // A pass needs an observed output for every input: the sample shares the
                    // runner's process and could write a `D` line itself.
                    let count = taskExpected[name]?.outputs.count ?? 0
                    if states[index].failures.isEmpty && states[index].next != count {
                        finish(index, "fail", whole: (.noResult, nil, "the split ended after \(states[index].next) of \(count) inputs (a forged or broken result channel)"))
                    } else {
                        finish(index, states[index].failures.isEmpty ? "pass" : "fail")
                    }
                    progressed = true
                    current = nil
                case .end:
                    ended = true
                }
            }
            if !ended {
                // Killed, crashed or forged: the split that was running ends here (evalplus: a
                // process that never reports is a timeout); later splits are retried.
                let reason: (Status, String?, String)
                if stream == nil {
                    reason = (kernel.status == .passed ? .noResult : kernel.status, kernel.errorType,
                              kernel.status == .noResult ? "ended without the runner's result header" : kernel.detail)
                } else if let malformed = stream?.malformed {
                    reason = (.noResult, nil, malformed)
                } else if kernel.status == .noResult {
                    let exit = kernel.exitCode.map { "exit status \($0)" } ?? "no exit status"
                    reason = (.noResult, nil, "the process ended (\(exit)) before its inputs were done")
                } else {
                    reason = (kernel.status, kernel.errorType, kernel.detail)
                }
                let victim = current ?? states.firstIndex { $0.status == nil }
                if let victim {
                    finish(victim, states[victim].failures.isEmpty ? "timeout" : "fail", whole: reason)
                    progressed = true
                }
            }
            if !progressed { break }
        }
        for index in states.indices where states[index].status == nil {
            states[index].status = "timeout"
            states[index].whole = (.noResult, nil, "no progress after \(executions) executions")
        }

        // The sample's status: the first split that did not pass decides, base before plus.
        var record: [String: JSONValue] = [:]
        var scores: [String: JSONValue] = [:]
        var allPassed = true
        for state in states {
            var entry: [String: JSONValue] = ["status": .string(state.status ?? "timeout")]
            if !state.failures.isEmpty {
                entry["fail_indices"] = .array(state.failures.map { .int($0.0) })
                entry["fail_inputs"] = .array(state.failures.prefix(100).map { .string(String(decoding: input(state.name, $0.0), as: UTF8.self)) })
            }
            let (status, errorType, detail) = Self.describe(state)
            if let detail { entry["reason"] = .string(detail) }
            record[state.name] = .object(entry)
            allPassed = allPassed && state.status == "pass"
            scores[state.name] = .bool(allPassed)  // plus counts only with base, as in evalplus
            if outcome.status == .passed, state.status != "pass" {
                outcome.status = status
                outcome.errorType = errorType
                outcome.detail = detail ?? ""
            }
        }
        outcome.record = .object([
            "harness": .string("evalplus-io"), "splits": .object(record), "scores": .object(scores),
            "executions": .int(executions), "python": .string(python),
        ])
        return outcome
    }

    /// The Assay status, error type and message of a split's failure.
    static func describe(_ state: SplitState) -> (Status, String?, String?) {
        if let (index, verdict) = state.failures.first {
            let more = state.failures.count > 1 ? " (and \(state.failures.count - 1) more failing inputs)" : ""
            let place = "\(state.name) input #\(index)"
            switch verdict {
            case .pass: return (.passed, nil, nil)
            case .wrong(let got, let expected, let why):
                return (.failed, "AssertionError", "\(place): expected \(expected), got \(got) (\(why))\(more)")
            case .raised(let type, let message):
                let status: Status = type == "MemoryError" ? .memory : .error
                return (status, type, "\(place) raised \(type)\(message.isEmpty ? "" : ": \(message)")\(more)")
            case .timeLimit(let micros):
                return (.timeout, "TimeoutError", "\(place) ran past its time limit (stopped after \(Double(micros / 1000) / 1000) s)\(more)")
            case .malformed(let what):
                return (.noResult, nil, "\(place): unreadable output (\(what))")
            }
        }
        if let whole = state.whole { return (whole.status, whole.errorType, "\(state.name): \(whole.detail)") }
        return (.passed, nil, nil)
    }
}
