public import AssayCore
import FoundationEssentials

/// `--subset`: a chosen part of a problem set, by task ids.
///
/// The argument is a comma-separated list of task ids (`BigCodeBench/0,BigCodeBench/13`), or the
/// path of a file listing them (one per line or comma-separated; `#` starts a comment). A bare
/// number `13` stands for the one task whose id ends in `/13`.
public enum ProblemSubset {
    /// The task ids `argument` names, in the order given, without duplicates.
    public static func ids(from argument: String, in set: ProblemSet) throws -> [String] {
        var text = argument
        if FileManager.default.fileExists(atPath: argument) {
            guard let data = FileManager.default.contents(atPath: argument), let contents = String(validating: data, as: UTF8.self) else {
                throw InputError("cannot read the subset file \(argument)")
            }
            text = contents.split(separator: "\n", omittingEmptySubsequences: false)
                .map { line in line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }
                .joined(separator: ",")
        }
        let tokens = text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " || $0 == "\t" || $0 == "\r" })
            .map(String.init).filter { !$0.isEmpty }
        guard !tokens.isEmpty else {
            throw InputError("--subset names no task", hint: "give task ids separated by commas, e.g. --subset BigCodeBench/0,BigCodeBench/13, or a file listing them")
        }
        let known = Set(set.problems.map(\.taskID))
        var bySuffix: [String: [String]] = [:]
        for id in set.problems.map(\.taskID) {
            if let slash = id.lastIndex(of: "/") { bySuffix[String(id[id.index(after: slash)...]), default: []].append(id) }
        }
        var result: [String] = []
        var seen = Set<String>()
        var unknown: [String] = []
        for token in tokens {
            let id: String
            if known.contains(token) {
                id = token
            } else if let matches = bySuffix[token], matches.count == 1 {
                id = matches[0]
            } else {
                unknown.append(token)
                continue
            }
            if seen.insert(id).inserted { result.append(id) }
        }
        guard unknown.isEmpty else {
            let shown = unknown.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let example = set.problems.first?.taskID ?? "a task id"
            throw InputError("--subset names \(unknown.count) task(s) that \(set.name) does not have: \(shown)\(unknown.count > 5 ? ", …" : "")",
                             hint: "task ids look like '\(example)'")
        }
        return result
    }

    /// The problems of `set` whose ids are in `ids`, in the set's order. The subset's hash is
    /// derived from the set's hash and the sorted ids, so runs of different subsets never mix.
    public static func apply(_ ids: [String], to set: ProblemSet) -> ProblemSet {
        let wanted = Set(ids)
        var subset = set
        subset.problems = set.problems.filter { wanted.contains($0.taskID) }
        guard subset.problems.count != set.problems.count else { return set }
        let key = "\(set.hash)\nsubset=\(wanted.sorted().joined(separator: ","))\n"
        subset.hash = SHA256.hex(of: Array(key.utf8))
        return subset
    }
}
