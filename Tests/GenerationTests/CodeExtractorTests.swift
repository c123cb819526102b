import AssayCore
import Testing
@testable import Generation

@Suite struct CodeExtractorTests {
    let problem = Problem(
        taskID: "t/0", prompt: "def add(a, b):\n    \"\"\"Add.\"\"\"\n", canonicalSolution: "    return a + b\n", test: "",
        entryPoint: "add")

    func extract(_ raw: String, finish: String? = "stop") -> Extraction {
        CodeExtractor.extract(raw: raw, finishReason: finish, mode: .instruct, problem: problem)
    }

    @Test func fencedBlockWithProseAround() {
        let result = extract("Sure! Here it is:\n```python\ndef add(a, b):\n    return a + b\n```\nThis adds the numbers.")
        #expect(result.status == .ok)
        #expect(result.body == .solution("def add(a, b):\n    return a + b\n"))
    }

    @Test func bareFenceAndTildes() {
        #expect(extract("```\ndef add(a, b):\n    return a + b\n```").status == .ok)
        #expect(extract("~~~py\ndef add(a, b):\n    return a+b\n~~~").body == .solution("def add(a, b):\n    return a+b\n"))
    }

    @Test func lastBlockDefiningTheEntryPointWins() {
        let raw = """
            First attempt:
            ```python
            def add(a, b):
                return a - b
            ```
            Usage:
            ```python
            print(add(1, 2))
            ```
            Fixed:
            ```python
            def add(a, b):
                return a + b
            ```
            ```bash
            python add.py
            ```
            """
        let result = extract(raw)
        #expect(result.status == .ok)
        #expect(result.body.code == "def add(a, b):\n    return a + b\n")
        #expect(result.detail.contains("block 3 of 3"))
    }

    @Test func thinkSectionsAreCut() {
        let raw = "<think>\nMaybe ```python\ndef add(a, b): return 0\n``` no.\n</think>\n```python\ndef add(a, b):\n    return a + b\n```"
        let result = extract(raw)
        #expect(result.status == .ok)
        #expect(result.body.code == "def add(a, b):\n    return a + b\n")
        let open = extract("<think>\nlet me think about adding numbers and", finish: "length")
        #expect(open.status == .truncatedReasoning)
        #expect(open.body.code.isEmpty)
    }

    @Test func keepsImportsAndWhatTheEntryPointReaches() {
        let raw = """
            ```python
            import math
            from typing import List

            LIMIT = 10
            UNUSED = 3

            def helper(x):
                return math.floor(x) + LIMIT

            def unrelated():
                return 1

            @staticmethod_like
            def add(a, b):
                \"\"\"Docstring with a line at column 0:
            def not_a_function():
                \"\"\"
                return helper(a) + b

            print(add(1, 2))
            assert add(1, 1) == 2
            if __name__ == "__main__":
                main()
            ```
            """
        let result = extract(raw)
        #expect(result.status == .ok)
        #expect(result.body.code == """
            import math
            from typing import List
            LIMIT = 10
            def helper(x):
                return math.floor(x) + LIMIT
            @staticmethod_like
            def add(a, b):
                \"\"\"Docstring with a line at column 0:
            def not_a_function():
                \"\"\"
                return helper(a) + b

            """)
        #expect(result.detail.contains("dropped 5 top-level statements"))
    }

    @Test func proseOnlyAndMissingEntryPoint() {
        let prose = extract("I'm sorry, I can't help with that (it's unclear.")
        #expect(prose.status == .noCode)
        #expect(prose.body.code.isEmpty)
        let other = extract("```python\ndef plus(a, b):\n    return a + b\n```")
        #expect(other.status == .noEntryPoint)
        #expect(other.body.code == "def plus(a, b):\n    return a + b\n")
    }

    @Test func unfencedCodeAfterProseWithOpenBracket() {
        let raw = "Here is the code (note: it's simple:\n\ndef add(a, b):\n    return a + b\n\nThat's all."
        let result = extract(raw)
        #expect(result.status == .ok)
        #expect(result.body.code == "def add(a, b):\n    return a + b\n")
    }

    @Test func lengthFinishIsTruncatedButKeepsCode() {
        let result = extract("```python\ndef add(a, b):\n    return a +", finish: "length")
        #expect(result.status == .truncated)
        #expect(result.body.code.hasPrefix("def add(a, b):"))
        #expect(result.detail.contains("unclosed fence"))
    }

    @Test func baseModeCutsAtStopStrings() {
        let stops = ["\ndef ", "\nif __name__"]
        let cut = CodeExtractor.extract(raw: "    return a + b\n\ndef other():\n    pass", finishReason: "stop", mode: .base,
                                        problem: problem, stop: stops)
        #expect(cut.body == .completion("    return a + b\n"))
        #expect(cut.status == .ok)
        let empty = CodeExtractor.extract(raw: "  \n", finishReason: "stop", mode: .base, problem: problem, stop: stops)
        #expect(empty.status == .noCode)
        let long = CodeExtractor.extract(raw: "    return a", finishReason: "length", mode: .base, problem: problem, stop: stops)
        #expect(long.status == .truncated)
    }

    @Test func hostileInputNeverTraps() {
        for raw in ["```", "```python", "\"\"\"", "'''\n```python\n", "(((((", "\\", "<think></think>", "</think>```", String(repeating: "`", count: 100)] {
            _ = extract(raw)
            _ = extract(raw, finish: "length")
        }
    }
}
