import AssayCore
import Scoring
import Testing

/// evalplus's output check, reproduced in Swift over typed values (`Sandboxes/kind_io.py`).
@Suite struct OutputComparisonTests {
    /// Runs the comparator over (output, expected) pairs in order, as one split.
    static func verdicts(_ pairs: [(String, String)], atol: Double = 0) -> [Bool] {
        var comparator = EvalplusComparator(atol: atol)
        return pairs.map { out, exp in comparator.check(.value(Array(out.utf8)), expected: Array(exp.utf8), input: Array("[]".utf8)).isPass }
    }

    static func passes(_ out: String, _ exp: String, atol: Double = 0) -> Bool { verdicts([(out, exp)], atol: atol)[0] }

    @Test func exactEqualityFollowsPython() {
        #expect(Self.passes("3", "3"))
        #expect(!Self.passes("4", "3"))
        #expect(Self.passes("true", "1"))  // True == 1 in Python, and evalplus compares with ==
        #expect(Self.passes("[true,false]", "[1,0]"))
        #expect(Self.passes("1.0", "1"))  // 1.0 == 1
        #expect(!Self.passes("\"1\"", "1"))
        #expect(Self.passes("null", "null"))
        #expect(!Self.passes("null", "0"))
        #expect(!Self.passes("[1,2]", #"{"t":[1,2]}"#))  // a list is never equal to a tuple
        #expect(Self.passes(#"{"t":[1,[2,3]]}"#, #"{"t":[1,[2,3]]}"#))
        #expect(Self.passes(#"{"d":[["a",1],["b",2]]}"#, #"{"d":[["b",2],["a",1]]}"#))  // dict order does not matter
        #expect(Self.passes(#"{"d":[[1,"x"]]}"#, #"{"d":[[1.0,"x"]]}"#))  // {1: 'x'} == {1.0: 'x'}
        #expect(Self.passes(#"{"s":[1,2,3]}"#, #"{"fs":[3,2,1]}"#))  // set == frozenset
        #expect(!Self.passes("[[1,2],[3]]", "[[1,2],[3,4]]"))
        #expect(Self.passes(#""a\"b""#, #""a\"b""#))
        #expect(!Self.passes(#""\ud800""#, #""\ud801""#))
    }

    @Test func floatsGetEvalplusTolerance() {
        // atol 0 with a float expected: evalplus enforces atol = 1e-6 (and rtol 1e-7).
        #expect(Self.passes("0.30000000000000004", "0.3"))
        #expect(Self.passes("1.0000005", "1.0"))
        #expect(!Self.passes("1.00001", "1.0"))
        #expect(Self.passes("[1.0000001,2.0]", "[1.0,2.0]"))  // a list of floats
        #expect(!Self.passes("[[1.0000001,2.0]]", "[[1.0,2.0]]"))  // nested lists are not is_floats: exact only
        #expect(Self.passes("[[1.0000001,2.0]]", "[[1.0,2.0]]", atol: 1e-6))  // unless the task has an atol
        #expect(Self.passes("100000005.0", "100000000.0"))  // rtol: |d| <= 1e-6 + 1e-7 * 1e8
        // The task's own atol (HumanEval/32's 1e-4).
        #expect(Self.passes("1.00005", "1.0", atol: 1e-4))
        #expect(!Self.passes("1.0002", "1.0", atol: 1e-4))
        // Same type and length required on the tolerance path.
        #expect(!Self.passes(#"{"t":[1.0000001,2.0]}"#, "[1.0,2.0]"))
        #expect(!Self.passes("[1.0000001]", "[1.0,2.0]"))
        #expect(!Self.passes("1", "1.0000001"))  // int vs float: not exact, and type(1) != float
        #expect(!Self.passes("\"1.0\"", "1.0"))
    }

    @Test func nanAndInfinity() {
        #expect(!Self.passes(#"{"f":"nan"}"#, #"{"f":"nan"}"#))  // nan != nan, and numpy.allclose agrees
        #expect(!Self.passes(#"[{"f":"nan"}]"#, #"[{"f":"nan"}]"#))
        #expect(Self.passes(#"{"f":"inf"}"#, #"{"f":"inf"}"#))
        #expect(!Self.passes(#"{"f":"-inf"}"#, #"{"f":"inf"}"#))
        #expect(!Self.passes("1e308", #"{"f":"inf"}"#))
    }

    @Test func toleranceIsStickyWithinASplitAsInEvalplus() {
        // evalplus sets its loop variable `atol = 1e-6` at the first float expected output and
        // keeps it: a later big int that is off by one then passes through allclose's rtol.
        #expect(Self.verdicts([("0.5", "0.5"), ("100000001", "100000000")]) == [true, true])
        #expect(Self.verdicts([("1", "1"), ("100000001", "100000000")]) == [true, false])
        #expect(Self.verdicts([("100000001", "100000000"), ("0.5", "0.5")]) == [false, true])
    }

    @Test func bigIntegersAndSubclasses() throws {
        #expect(Self.passes(#"{"ix":"400000000000000000"}"#, #"{"ix":"400000000000000000"}"#))
        #expect(!Self.passes(#"{"ix":"400000000000000001"}"#, #"{"ix":"400000000000000000"}"#))
        #expect(Self.passes("1.1805916207174113e+21", #"{"ix":"400000000000000000"}"#))  // 2.0**70 == 2**70
        #expect(!Self.passes("9007199254740992.0", #"{"ix":"-8000000000000000"}"#))
        #expect(try PyValue.parse(#"{"ix":"-8000000000000000"}"#) == .int(Int.min))
        #expect(try PyValue.parse("1180591620717411303424") == .bigInt("400000000000000000"))
        // numpy.float64 (a float subclass) compares by value; a different type fails the atol path.
        #expect(Self.passes(#"{"sub":"numpy.float64","v":0.5}"#, "0.5"))
        #expect(!Self.passes(#"{"sub":"numpy.float64","v":0.5000001}"#, "0.5"))
        // Objects of other classes (a rigged __eq__, say) are never equal to anything.
        #expect(!Self.passes(#"{"o":"__main__.AlwaysEqual","r":"<x>"}"#, "3"))
    }

    @Test func elidedValuesCompareByCanonicalDigest() throws {
        // Digests computed by kind_io.canonical (Python) for the same values.
        let list = #"{"h":"ff09095627de17974643f2990e1e44f1d85aaba40c3f8f79e48fb8845f2e2a4f","ty":"list","n":3,"p":"[1,2,3]"}"#
        #expect(Self.passes(list, list))
        #expect(Self.passes("[1,2,3]", list))
        #expect(Self.passes("[true,2.0,3]", list))  // Python-equal values share a digest
        #expect(!Self.passes("[1,2,4]", list))
        #expect(try PyValue.parse(#"{"d":[["b",1],["a",[1.5,true]]]}"#).canonicalDigest()
                == "60ce71179d79b6355e00f194ca3031e94f72936e0dcbf64f8cfca9f6395ad3f8")
        #expect(try PyValue.parse(#"{"s":[3,1,2]}"#).canonicalDigest() == "e2f71047c5554c077ed6e929e8cced903ebfceb106a9265d7159a97d66120d10")
        #expect(try PyValue.parse(#"{"t":[1,{"ix":"400000000000000000"},{"ix":"-8000000000000000"}]}"#).canonicalDigest()
                == "db7eac250c2d781397ab52fc60b7ce233dc267fca1cabb618cbc4a9513d65f7f")
        #expect(try PyValue.parse("1.1805916207174113e+21").canonicalDigest() == "e79741878dab5e3217fed21cdb0a0e5d55f88e804010784d09d76594b26984cd")
        #expect(try PyValue.parse(#"[{"f":"nan"}]"#).canonicalDigest() == nil)
    }

    @Test func findZeroUsesThePolynomialOracle() {
        var comparator = EvalplusComparator(atol: 1e-4, oracle: .findZero)
        let input = Array("[[1, 2]]".utf8)  // 1 + 2x: root -0.5
        #expect(comparator.check(.value(Array("-0.5".utf8)), expected: Array("-0.49".utf8), input: input).isPass)
        #expect(comparator.check(.value(Array("-0.50001".utf8)), expected: Array("-0.5".utf8), input: input).isPass)
        #expect(!comparator.check(.value(Array("-0.5".utf8)), expected: Array("-0.5".utf8), input: Array("[[1, 3]]".utf8)).isPass)
        #expect(!comparator.check(.value(Array("\"x\"".utf8)), expected: Array("-0.5".utf8), input: input).isPass)
    }

    @Test func exceptionsAndTimeLimitsFail() {
        var comparator = EvalplusComparator(atol: 0)
        #expect(comparator.check(.raised(type: "ValueError", message: "x"), expected: Array("1".utf8), input: []) == .raised(type: "ValueError", message: "x"))
        #expect(comparator.check(.timeLimit(micros: 5), expected: Array("1".utf8), input: []) == .timeLimit(micros: 5))
        let wrong = comparator.check(.value(Array("[1, 2]".utf8)), expected: Array("[1,3]".utf8), input: [])
        #expect(wrong == .wrong(got: "[1, 2]", expected: "[1, 3]", why: "not equal"))
    }

    @Test func allcloseBroadcastsAsNumpy() throws {
        let a = try PyValue.parse("[[1.0],[2.0]]")
        let b = try PyValue.parse("[[1.0,1.0],[2.0,2.0]]")
        #expect(EvalplusComparator.allclose(a, b, rtol: 1e-7, atol: 1e-6))
        #expect(!EvalplusComparator.allclose(try PyValue.parse("[[1.0],[2.0,3.0]]"), b, rtol: 1e-7, atol: 1e-6))  // ragged
        #expect(!EvalplusComparator.allclose(try PyValue.parse("[\"a\"]"), try PyValue.parse("[\"a\"]"), rtol: 1e-7, atol: 1e-6))
        #expect(EvalplusComparator.allclose(try PyValue.parse("[]"), try PyValue.parse("[]"), rtol: 1e-7, atol: 1e-6))
    }
}
