import AssayCore
import FoundationEssentials
import Testing

/// The decoding order JSONValue had before it was reordered for speed (kept as the reference).
private enum ReferenceJSONValue: Decodable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([ReferenceJSONValue])
    case object([String: ReferenceJSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ReferenceJSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ReferenceJSONValue].self))
        }
    }

    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.matches($1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, item in b[key].map { item.matches($0) } ?? false }
        default: return false
        }
    }
}

private func replace(_ text: String, _ target: String, _ replacement: String) -> String {
    text.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
}

@Suite struct JSONValueDecodingTests {
    static let texts = [
        "null", "true", "false", "0", "-0", "1", "-17", "3.0", "2.5", "-1e3", "1E2", "1e-7", "1.5e300", "1e999", "-1e999",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "9007199254740993.5", "0.99999999999999999",
        "123456789012345678901234567890", "0.1", "\"\"", "\"a\"", "\"1\"", "\"true\"", "\"null\"", "\"\\u00e9\\ud83d\\ude00\"",
        "[]", "[1, \"a\", true, null, 2.5, [], {}]", "{}", "{\"a\": 1, \"b\": [1.0, 2], \"c\": {\"d\": null}}",
        "{\"nonce\": \"ab\", \"status\": \"passed\", \"asserts_run\": 7, \"test_returned\": true, \"tamper\": []}",
        "{\"failed_assert\": {\"index\": 3, \"line\": 20, \"left\": \"3\", \"right\": \"2\"}, \"wall_s\": 0.0012}",
        "[1e999]", "{\"a\": 1e999}", "[[[[[]]]]]", "{\"a\": {\"b\": {\"c\": [true, false, 1, 1.5, \"x\"]}}}", "NaN", "[NaN]",
        "01", "1.", "\"unterminated", "{\"a\" 1}", "[1,]", "",
    ]

    @Test(arguments: texts) func decodesLikeTheReferenceOrder(text: String) throws {
        let data = Data(text.utf8)
        let reference = try? JSONDecoder().decode(ReferenceJSONValue.self, from: data)
        let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        #expect((reference == nil) == (value == nil), "\(text): one of them failed")
        if let reference, let value { #expect(reference.matches(value), "\(text): \(value)") }
    }

    @Test func responsesSkipTheirLayersOnRequest() throws {
        let line = Data("""
            {"v":1,"id":"x","ok":true,"error":null,"exit_code":0,"signal":null,"killed_by":null,"syscall":null,"wall_ms":1.5,\
            "cpu_ms":1.25,"user_ms":1.0,"sys_ms":0.25,"max_rss_kib":9000,"stdout":"o","stderr":"e","stdout_bytes":1,\
            "stderr_bytes":1,"stdout_truncated":false,"stderr_truncated":false,"result":"{}\\n","result_truncated":false,\
            "layers":{"seccomp":"active","pid_ns":"unavailable: off"},"limits":{"wall_ms":3000}}
            """.utf8)
        let full = try JSONDecoder().decode(SandboxResponse.self, from: line)
        let skipping = JSONDecoder()
        skipping.userInfo[SandboxResponse.skipLayersKey] = true
        let lean = try skipping.decode(SandboxResponse.self, from: line)
        #expect(full.layers?["seccomp"]?.stringValue == "active")
        #expect(full.layers?["pid_ns"]?.stringValue == "unavailable: off")
        #expect(lean.layers == nil)
        var expected = full
        expected.layers = nil
        #expect(lean == expected)
        #expect(full.version == 1 && full.id == "x" && full.ok && full.exitCode == 0 && full.cpuMS == 1.25 && full.maxRSSKiB == 9000)
        #expect(full.stdout == "o" && full.stderr == "e" && full.result == "{}\n" && full.stdoutTruncated == false)
        // Encoding round-trips what was decoded.
        #expect(try JSONDecoder().decode(SandboxResponse.self, from: JSONEncoder().encode(full)) == full)
    }

    /// A deterministic generator of JSON texts: every shape, escapes, non-ASCII text, numbers
    /// of every form (ints, big ints, fractions, `3.0`, exponents), duplicate keys, whitespace,
    /// and some invalid texts.
    struct Texts {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }

        mutating func number() -> String {
            let forms = [
                "0", "-0", "7", "-12", "123456789012345678", "1234567890123456789", "99999999999999999999", "3.0", "-0.0",
                "2.50", "0.1", "1.5", "-17.25", "3.000000000000000", "3.0000000000000000", "1e2", "1E-2", "2.5e3", "01", "1.",
                ".5", "-", "12.0001", "0.30000000000000004", "9007199254740993.5", "4.000000000000001",
                "0.99999999999999999", "123456789012345678.000", "-9007199254740993.5", "12345.000",
            ]
            return forms[next(forms.count)]
        }

        mutating func string() -> String {
            let pieces = ["a", "é", "😀", "\\n", "\\\"", "\\/", "\\u00e9", "\\u0000", "\\ud83d\\ude00", "\\ud800", "\\t", " ", "\\x", "\u{7F}", "\u{01}"]
            var text = "\""
            for _ in 0..<next(5) { text += pieces[next(pieces.count)] }
            return text + "\""
        }

        mutating func value(_ depth: Int) -> String {
            let space = ["", " ", "\n ", "\t"][next(4)]
            switch depth > 3 ? next(5) : next(8) {
            case 0: return space + "null"
            case 1: return ["true", "false", "tru"][next(3)]
            case 2, 3: return number()
            case 4: return string()
            case 5:
                return "[" + (0..<next(4)).map { _ in value(depth + 1) }.joined(separator: ",") + (next(20) == 0 ? ",]" : "]")
            default:
                let keys = ["\"a\"", "\"b\"", "\"nonce\"", "\"é\""]
                let members = (0..<next(4)).map { _ in keys[next(keys.count)] + space + ":" + value(depth + 1) }
                return "{" + members.joined(separator: ",") + (next(20) == 0 ? ",}" : "}") + space
            }
        }
    }

    @Test func fastParserAgreesWithJSONDecoder() throws {
        var texts = Texts()
        var fast = 0
        for _ in 0..<4000 {
            let text = texts.value(0)
            let data = Data(text.utf8)
            let expected = try? JSONDecoder().decode(JSONValue.self, from: data)
            let parsed = try? JSONValue.parse(data)
            #expect(parsed == expected, "\(text)")
            if let quick = data.withUnsafeBytes({ JSONValue.parseFast($0) }) {
                fast += 1
                #expect(quick == expected, "\(text)")
            }
        }
        #expect(fast > 1000)  // the fast path is taken for most of them
    }

    @Test func responsesDecodeAlikeOnBothPaths() throws {
        let base = """
            {"v":1,"id":"x","ok":true,"error":null,"exit_code":0,"signal":null,"killed_by":null,"syscall":null,"wall_ms":1.5,\
            "cpu_ms":2,"user_ms":1.0,"sys_ms":0.25,"max_rss_kib":9000,"stdout":"o\\n","stderr":"é","stdout_bytes":1,\
            "stderr_bytes":1,"stdout_truncated":false,"stderr_truncated":true,"result":"{\\"a\\": 1}\\n","result_truncated":false,\
            "layers":{"seccomp":"active","pid_ns":"unavailable: off"},"limits":{"wall_ms":3000},"cgroup":{"oom_kills":0}}
            """
        let variants = [
            base, replace(base, "\"exit_code\":0", "\"exit_code\":1.5"), replace(base, "\"ok\":true,", ""),
            replace(base, "\"ok\":true", "\"ok\":null"), replace(base, "\"signal\":null", "\"signal\":\"9\""),
            replace(base, "\"wall_ms\":1.5", "\"wall_ms\":1e2"), replace(base, "\"layers\":{", "\"layers\":{\"x\":1,"),
            replace(base, "\"layers\":{\"seccomp\":\"active\",\"pid_ns\":\"unavailable: off\"}", "\"layers\":[]"),
            replace(base, "\"id\":\"x\"", "\"id\":\"x\",\"id\":\"y\""), replace(base, "\"max_rss_kib\":9000", "\"max_rss_kib\":3.0"),
            "{\"ok\":false,\"error\":\"the warm worker died\"}", "not json", "{\"ok\":true,}",
        ]
        let skipping = JSONDecoder()
        skipping.userInfo[SandboxResponse.skipLayersKey] = true
        for text in variants {
            for decoder in [JSONDecoder(), skipping] {
                let data = Data(text.utf8)
                let expected = try? decoder.decode(SandboxResponse.self, from: data)
                let decoded = try? SandboxResponse.decode(data, decoder: decoder)
                #expect(decoded == expected, "\(text)")
            }
        }
    }
}
