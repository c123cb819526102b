public import FoundationEssentials

/// Finds Assay's data folders (`Sandboxes/`, `Problems/`) and the shared datasets at run time.
///
/// Data files are loaded by path, never embedded, so that profiles and runner scripts can be
/// read and edited. Search order for the installation root (the folder holding `Sandboxes/`):
/// `$ASSAY_HOME`; `<dir of the running executable>/../share/assay`; the executable's folder and
/// its parents (a SwiftPM build tree inside the repository); the working directory and its parents.
public enum Resources {
    /// The folder that holds `Sandboxes/runner.py`, or nil when none is found.
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        var candidates: [URL] = []
        if let home = environment["ASSAY_HOME"], !home.isEmpty { candidates.append(URL(fileURLWithPath: home)) }
        let executableDir = executableURL().deletingLastPathComponent()
        candidates.append(executableDir.appendingPathComponent("../share/assay").standardizedFileURL)
        candidates.append(contentsOf: ancestors(of: executableDir))
        candidates.append(contentsOf: ancestors(of: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Sandboxes/runner.py").path) }
    }

    /// `<root>/Sandboxes`, or an error saying how to point Assay at it.
    public static func sandboxes(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        guard let root = root(environment: environment) else { throw missingRoot }
        return root.appendingPathComponent("Sandboxes")
    }

    /// `<root>/Problems`, or an error saying how to point Assay at it.
    public static func problems(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        guard let root = root(environment: environment) else { throw missingRoot }
        return root.appendingPathComponent("Problems")
    }

    /// `<root>/Templates` (report page template, styles and script), or an error saying how to find it.
    public static func templates(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        guard let root = root(environment: environment) else { throw missingRoot }
        return root.appendingPathComponent("Templates")
    }

    static var missingRoot: InputError {
        InputError(
            "cannot find Assay's data folders (Sandboxes/ and Problems/)",
            hint: "run assay from its repository checkout, or set ASSAY_HOME to the folder that holds Sandboxes/")
    }

    /// Folders where benchmark datasets may live, most specific first: `$ASSAY_DATASETS`, then
    /// `shared/datasets` beside the repository or the working directory.
    public static func datasetFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var folders: [URL] = []
        if let path = environment["ASSAY_DATASETS"], !path.isEmpty { folders.append(URL(fileURLWithPath: path)) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var bases = [cwd]
        if let root = root(environment: environment) { bases.append(root) }
        for base in bases {
            for ancestor in ancestors(of: base).prefix(4) {
                folders.append(ancestor.appendingPathComponent("shared/datasets").standardizedFileURL)
            }
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0.path).inserted && FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The running executable (`/proc/self/exe` on Linux).
    public static func executableURL() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? ".").standardizedFileURL
    }

    static func ancestors(of url: URL) -> [URL] {
        var result: [URL] = []
        var current = url.standardizedFileURL
        while true {
            result.append(current)
            let parent = current.deletingLastPathComponent().standardizedFileURL
            if parent.path == current.path || result.count > 12 { break }
            current = parent
        }
        return result
    }
}
