import AssayCore
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(of: Array(input.utf8)) == digest)
    }

    @Test func millionAs() {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(of: input) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct JSONLinesTests {
    @Test func numbersLinesLikeAnEditorAndSkipsBlanks() {
        let text = "{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}"
        let lines = JSONLines.split(Array(text.utf8))
        #expect(lines.map(\.number) == [1, 4, 5])
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
    }

    @Test func emptyInput() {
        #expect(JSONLines.split([]).isEmpty)
        #expect(JSONLines.split(Array("\n\n".utf8)).isEmpty)
    }
}

@Suite struct RunSpecTests {
    @Test func keyDependsOnEverySettingButNotItsOrder() {
        let a = RunSpec(kind: "evaluate", problemSetName: "x", problemSetHash: "h", samplesSource: "s", samplesHash: "sh",
                        settings: ["wall_ms": "3000", "memory_bytes": "1"])
        var b = a
        b.settings = ["memory_bytes": "1", "wall_ms": "3000"]
        #expect(a.key == b.key)
        b.settings["wall_ms"] = "4000"
        #expect(a.key != b.key)
        var c = a
        c.samplesHash = "other"
        #expect(a.key != c.key)
    }
}

@Suite struct JSONValueTests {
    @Test func keepsIntegersApartFromDoubles() throws {
        let decoded = try JSONDecoderLike.decode("{\"a\": 0, \"b\": 0.5, \"c\": [true, null, \"x\"]}")
        #expect(decoded["a"] == .int(0))
        #expect(decoded["b"] == .double(0.5))
        #expect(decoded["c"] == .array([.bool(true), .null, .string("x")]))
    }
}
