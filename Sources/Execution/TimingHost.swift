#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Facts about the host that decide how trustworthy efficiency timings are.
public enum TimingHost {
    /// Whether hardware instruction counts (`perf_event_open`, PERF_COUNT_HW_INSTRUCTIONS) can be
    /// read here: "available", or "unavailable: <reason>".
    ///
    /// The check is passive: a CPU PMU must be exported under `/sys/bus/event_source/devices/`
    /// (virtual machines such as firecracker export none) and `perf_event_paranoid` must allow
    /// user-space counting of other processes (<= 1 or CAP_PERFMON; root passes).
    public static func instructionCounters() -> String {
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/event_source/devices")) ?? []
        let pmus = devices.filter { $0 == "cpu" || $0.hasPrefix("cpu_") || $0 == "armv8_pmuv3" }
        guard !pmus.isEmpty else {
            let listed = devices.sorted().joined(separator: ", ")
            return "unavailable: no hardware PMU is exported (perf event sources: \(listed.isEmpty ? "none" : listed)); CPU time is used"
        }
        let paranoid = readFile("/proc/sys/kernel/perf_event_paranoid").flatMap { Int(trimmed($0)) }
        if let paranoid, paranoid > 1, getuid() != 0 {
            return "unavailable: perf_event_paranoid is \(paranoid) (needs <= 1 or CAP_PERFMON); CPU time is used"
        }
        return "available (PMU \(pmus.joined(separator: ", "))), not used yet: CPU time is used"
    }

    /// The 1-, 5- and 15-minute load averages.
    public static func loadAverage() -> [Double] {
        guard let text = readFile("/proc/loadavg") else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    /// The CPU model name.
    public static func cpuModel() -> String {
        guard let text = readFile("/proc/cpuinfo") else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return trimmed(line[line.index(after: colon)...])
            }
        }
        return "unknown"
    }

    static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
    }

    static func readFile(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
