public import AssayCore
public import FoundationEssentials

/// Assay's library → domain mapping for BigCodeBench (`Problems/bigcodebench-domains.json`): a
/// task belongs to the domain of each library in its `libs`, so it can count in several.
public struct BigCodeBenchDomains: Sendable, Equatable {
    public static let fileName = "bigcodebench-domains.json"

    /// The domain names, in the file's order.
    public var domains: [String]
    /// Library (as `libs` spells it) → domain.
    public var libraries: [String: String]

    /// Reads the mapping from `url`, or from the installation's `Problems/` folder.
    public static func load(from url: URL? = nil) throws -> BigCodeBenchDomains {
        let file = try url ?? Resources.problems().appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw InputError("cannot read the BigCodeBench domain map \(file.path)", hint: "it ships in the repository's Problems/ folder; run assay from the checkout or set ASSAY_HOME")
        }
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        guard let names = value["domains"]?.arrayValue?.compactMap(\.stringValue),
            let libraries = value["libraries"]?.objectValue
        else {
            throw InputError("\(file.path) must hold \"domains\" (a list) and \"libraries\" (library → domain)")
        }
        var mapping: [String: String] = [:]
        for (library, domain) in libraries {
            guard let domain = domain.stringValue, names.contains(domain) else {
                throw InputError("\(file.path): library '\(library)' maps to an unknown domain (known: \(names.joined(separator: ", ")))")
            }
            mapping[library] = domain
        }
        return BigCodeBenchDomains(domains: names, libraries: mapping)
    }

    /// The domains of a task: one per distinct library domain, sorted; `Unmapped` for a library the
    /// file does not know, `General` for a task without libraries.
    public func domains(of problem: Problem) -> [String] {
        let libs = problem.libraries
        guard !libs.isEmpty else { return ["General"] }
        return Array(Set(libs.map { libraries[$0] ?? "Unmapped" })).sorted()
    }
}
