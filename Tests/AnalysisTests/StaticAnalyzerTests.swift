import Analysis
import AssayCore
import AssayTestSupport
import Execution
import FoundationEssentials
import Storage
import Testing

/// `Sandboxes/kind_analyze.py` through the real sandbox.
@Suite(.tags(.sandbox)) struct StaticAnalyzerTests {
    static func executor() throws -> SandboxExecutor {
        SandboxExecutor(configuration: SandboxConfiguration(
            mode: .exec, supervisor: TestPaths.sandboxBinary.path, python: try Interpreter.resolve(),
            sandboxes: TestPaths.sandboxes, slots: 2))
    }

    static func item(_ id: Int, _ code: String, entry: String = "f", reference: String = "") -> AnalysisItem {
        AnalysisItem(key: SampleKey(taskID: "t", index: id), code: code, entryPoint: entry, reference: reference, prompt: "", runtime: nil)
    }

    /// Reference values computed with radon 6.0.1's `cc_visit` (averaged as in Dou et al.'s
    /// Scripts/analysis.py) on the same snippets.
    @Test func complexityMatchesRadonAndDou() async throws {
        let snippets: [(String, Int, Double, Int)] = [
            ("def f(x, y):\n    if x and y or x:\n        return 1\n    elif y:\n        return 2\n    for i in range(3):\n        pass\n"
             + "    else:\n        pass\n    try:\n        pass\n    except ValueError:\n        pass\n    except KeyError:\n        pass\n"
             + "    return [i for i in x if i if i > 1]\n", 16, 12, 1),
            ("class A:\n    def f(self):\n        if self:\n            return 1\n        return 0\n    def g(self):\n        while self:\n"
             + "            pass\n\ndef h():\n    assert h\n    return 1 if h else 2\n", 11, 2.5, 0),
            ("x = 1\n# a comment\n\nif x:\n    y = 2\n", 3, 1, 0),
            ("def outer(x):\n    def inner(y):\n        if y:\n            return y\n    match x:\n        case 1:\n            return inner\n"
             + "        case _:\n            return None\n", 9, 2, 0),
            ("def f(s):\n    \"\"\"Docstring lines count.\n    Like this one.\n    \"\"\"\n    return len(sorted(s.split()))\n", 5, 1, 3),
        ]
        let executor = try Self.executor()
        defer { executor.shutdown() }
        let analyzer = StaticAnalyzer(executor: executor)
        let analyses = try await analyzer.analyze(snippets.enumerated().map { Self.item($0.offset, $0.element.0) })
        for (index, snippet) in snippets.enumerated() {
            let complexity = try #require(analyses[SampleKey(taskID: "t", index: index)]?.complexity)
            #expect(complexity == CodeComplexity(linesOfCode: snippet.1, cyclomatic: snippet.2, calls: snippet.3), "snippet \(index)")
        }
    }

    @Test func findsWhatTheClassifierNeeds() async throws {
        let executor = try Self.executor()
        defer { executor.shutdown() }
        let items = [
            Self.item(0, "def f(x):\n    return math.sqrt(x) + helper(1, 2) + undefined_thing\ndef helper(a):\n    return a\n",
                      reference: "def f(x):\n    return 1\n"),
            Self.item(1, "import numpy as np\nimport os.path\nimport xml.nope\ndef f(x, y):\n    \"\"\"Doc.\"\"\"\n    ...\n",
                      reference: "def f(x):\n    return x\n"),
            Self.item(2, "def f(x):\n    from os import *\n    return x\n"),
            Self.item(3, "def g(x):\n    return x\n"),
            Self.item(4, "def f(x):\n  return 1\n    y = 2\n"),
        ]
        let analyses = try await StaticAnalyzer(executor: executor, batchSize: 2).analyze(items)
        #expect(analyses.count == items.count)
        let first = try #require(analyses[SampleKey(taskID: "t", index: 0)])
        #expect(first.undefinedNames.map(\.name) == ["math", "undefined_thing"])
        #expect(first.undefinedNames.first?.missingImportKind == "stdlib_module")
        #expect(first.callArity.map(\.callee) == ["helper"])
        #expect(first.entryDefined == true && !first.entryArityMismatch && !first.stubBody)

        let second = try #require(analyses[SampleKey(taskID: "t", index: 1)])
        #expect(second.unresolvedImports.map(\.module) == ["numpy", "xml.nope"])  // os.path resolves
        #expect(second.stubBody && second.entryArityMismatch && second.allParametersUnused)
        #expect(second.findingLines().contains("the entry point takes 2 positional parameters; the task calls it with 1"))

        #expect(analyses[SampleKey(taskID: "t", index: 2)]?.syntax?.starImport == true)
        #expect(analyses[SampleKey(taskID: "t", index: 3)]?.entryDefined == false)
        let indentation = try #require(analyses[SampleKey(taskID: "t", index: 4)]?.syntax)
        #expect(indentation.type == "IndentationError" && indentation.line == 3)
        #expect(analyses[SampleKey(taskID: "t", index: 4)]?.complexity == CodeComplexity(linesOfCode: 3, cyclomatic: nil, calls: nil))
    }

    /// A batch that the sandbox cannot finish is split until the culprit stands alone; the
    /// others still get their analysis. The culprit here is made by a wrapper around the real
    /// sandbox (no real input makes the analyser fail on purpose: it never runs the code).
    @Test func aFailingBatchIsSplitDownToTheCulprit() async throws {
        struct Poisoning: CodeExecutor {
            let real: SandboxExecutor
            func execute(_ request: SandboxRequest) async throws -> ExecutionOutcome {
                let codes = request.payload?["samples"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
                if codes.contains(where: { $0.contains("POISON") }) {
                    return ExecutionOutcome(status: .timeout, errorType: "TimeoutError", detail: "wall-clock limit reached")
                }
                return try await real.execute(request)
            }
        }
        let real = try Self.executor()
        defer { real.shutdown() }
        let items = (0..<7).map { Self.item($0, $0 == 4 ? "def f(x):\n    return 'POISON'\n" : "def f(x):\n    return \($0)\n") }
        let analyses = try await StaticAnalyzer(executor: Poisoning(real: real), batchSize: 7).analyze(items)
        #expect(analyses.count == 7)
        for index in 0..<7 {
            let analysis = try #require(analyses[SampleKey(taskID: "t", index: index)])
            if index == 4 {
                #expect(analysis.failure?.contains("timeout") == true)
                #expect(analysis.complexity == nil)
            } else {
                #expect(analysis.failure == nil && analysis.complexity?.linesOfCode == 2)
            }
        }
    }

    @Test func diagnosesRoundTripThroughSQLite() async throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.path("d.sqlite"))
        let label = BugLabel(.incorrectArgument, .high, rule: "entry_arity", evidence: "TypeError: f() takes 1 positional argument",
                             alternatives: [.inputOutputFormatError, .incorrectArgument], tags: ["entry_arity"])
        #expect(label.alternatives == [.inputOutputFormatError])  // the label's own leaf is never an alternative
        let diagnoses = [
            SampleDiagnosis(key: SampleKey(taskID: "t/1", index: 0), label: label,
                            complexity: CodeComplexity(linesOfCode: 4, cyclomatic: 2.5, calls: 3),
                            findings: .object(["entry": .object(["defined": .bool(true)])]), classifier: "v"),
            SampleDiagnosis(key: SampleKey(taskID: "t/1", index: 1), label: nil,
                            complexity: CodeComplexity(linesOfCode: 2, cyclomatic: nil, calls: nil), findings: nil, classifier: "v"),
        ]
        try await store.saveDiagnoses(diagnoses, run: 7, round: 0)
        try await store.saveDiagnoses([diagnoses[0]], run: 7, round: 2)
        let back = try await store.diagnoses(run: 7, round: 0)
        #expect(back.count == 2)
        #expect(back[diagnoses[0].key] == diagnoses[0])
        #expect(back[diagnoses[1].key] == diagnoses[1])
        #expect(try await store.diagnoses(run: 7, round: 2).count == 1)
        #expect(try await store.diagnoses(run: 8, round: 0).isEmpty)
    }
}
