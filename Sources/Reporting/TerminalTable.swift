import AssayCore

/// The short table `assay evaluate` prints.
public enum TerminalTable {
    public static func render(_ summary: RunSummary, title: String) -> String {
        var out = "\(title)\n"
        let ks = summary.passAtK.keys.compactMap(Int.init).sorted()
        for k in ks {
            out += "  pass@\(k)".padding(to: 14) + format(summary.passAtK[String(k)] ?? 0) + "\n"
        }
        if let raw = summary.passAtKRaw {
            for k in raw.keys.compactMap(Int.init).sorted() {
                out += "  raw pass@\(k)".padding(to: 14) + format(raw[String(k)] ?? 0) + "  (solutions not calibrated)\n"
            }
        }
        if let eff = summary.effAtK {
            for k in eff.keys.compactMap(Int.init).sorted() {
                out += "  eff@\(k)".padding(to: 14) + format(eff[String(k)] ?? 0) + "\n"
            }
        }
        if let efficiency = summary.efficiency {
            out += "  " + "levels".padding(to: 12) + "mean e_j " + efficiency.levelMeans.map(format).joined(separator: " · ")
                + "; stopped by a limit " + efficiency.stoppedAtLevel.map(String.init).joined(separator: " · ") + "\n"
            out += "  " + "timing".padding(to: 12) + "\(efficiency.timing) time of the sandboxed child; re-timed problems \(efficiency.retries)\n"
        }
        if !summary.skippedK.isEmpty {
            out += "  (pass@\(summary.skippedK.map(String.init).joined(separator: ", pass@")) not reported: some problem has fewer samples)\n"
        }
        for name in summary.sections.keys.sorted(by: sectionOrder) {
            let section = summary.sections[name]!
            let label = name == "base" ? "base tests" : name == "plus" ? "base + extra tests (plus)" : name
            out += "  \(label)\n"
            for k in section.passAtK.keys.compactMap(Int.init).sorted() {
                out += "    pass@\(k)".padding(to: 14) + format(section.passAtK[String(k)] ?? 0) + "\n"
            }
            let statuses = section.statusCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            out += "    " + "statuses".padding(to: 10) + statuses.joined(separator: " · ") + "\n"
        }
        let counts = Status.allCases.compactMap { status -> String? in
            let count = summary.statusCounts[status.rawValue] ?? 0
            return count > 0 ? "\(status.rawValue) \(count)" : nil
        }
        out += "  " + "statuses".padding(to: 12) + counts.joined(separator: " · ") + "\n"
        if let domains = summary.domains, !domains.isEmpty {
            let k = domains.values.flatMap { $0.passAtK.keys }.compactMap(Int.init).min().map(String.init) ?? "1"
            out += "  " + "by domain".padding(to: 12) + "pass@\(k) (tasks)\n"
            for (name, score) in domains.sorted(by: { $0.key < $1.key }) {
                let value = score.passAtK[k].map(format) ?? "-"
                out += "    " + name.padding(to: 16) + value + "  (\(score.nProblems))\n"
            }
        }
        if let gate = summary.groundTruth {
            let scorable = gate.checked - gate.environmentFailures
            out += "  " + "ground truth".padding(to: 12) + "\(gate.passed)/\(scorable) canonical solutions pass (\(percent(gate.passRate)) of the tasks not excluded)"
            out += gate.failures.isEmpty ? "\n" : "; failing: \(gate.failures.keys.sorted(by: taskOrder).prefix(12).joined(separator: ", "))\(gate.failures.count > 12 ? ", …" : "")\n"
        }
        if let excluded = summary.excluded, !excluded.isEmpty {
            out += "  " + "excluded".padding(to: 12) + "\(excluded.count) tasks (environment; listed in summary.json):\n"
            var byReason: [String: [String]] = [:]
            for (task, reason) in excluded { byReason[reasonKind(reason), default: []].append(task) }
            for (reason, tasks) in byReason.sorted(by: { $0.value.count > $1.value.count }) {
                let shown = tasks.sorted(by: taskOrder).prefix(8).joined(separator: ", ")
                out += "    \(reason): \(tasks.count) (\(shown)\(tasks.count > 8 ? ", …" : ""))\n"
            }
        }
        if summary.tamperSuspects > 0 {
            out += "  " + "tamper".padding(to: 12) + "\(summary.tamperSuspects) samples reach for frames/gc/ctypes/os._exit (flagged in results.jsonl)\n"
        }
        if let taxonomy = summary.taxonomy { out += renderTaxonomy(taxonomy) }
        return out
    }

    /// The taxonomy block: per category its count and share of the failing samples, then its
    /// leaves with their counts.
    public static func renderTaxonomy(_ taxonomy: TaxonomySummary) -> String {
        guard taxonomy.failedSamples > 0 else { return "" }
        var out = "  " + "bug types".padding(to: 12)
            + "\(taxonomy.classified) of \(taxonomy.failedSamples) failing samples labelled, "
            + "\(percent(taxonomy.highConfidenceShare)) with high confidence (Dou et al.'s taxonomy, automatic)\n"
        for category in BugCategory.allCases {
            let count = taxonomy.categories[category.rawValue]?.count ?? 0
            guard count > 0 else { continue }
            let share = taxonomy.categories[category.rawValue]?.shareOfFailed ?? 0
            let leaves = BugSubcategory.allCases.filter { $0.category == category }.compactMap { leaf -> String? in
                let n = taxonomy.subcategories[leaf.rawValue]?.count ?? 0
                return n > 0 ? "\(leaf.rawValue) \(n)" : nil
            }
            out += "    " + category.rawValue.padding(to: 11) + "\(count) (\(percent(share)))".padding(to: 12)
                + leaves.joined(separator: " · ") + "\n"
        }
        return out
    }

    static func percent(_ value: Double) -> String {
        let tenths = Int((value * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `base` before `plus`, then the others by name.
    static func sectionOrder(_ a: String, _ b: String) -> Bool {
        let rank = ["base": 0, "plus": 1]
        return (rank[a] ?? 2, a) < (rank[b] ?? 2, b)
    }

    /// The kind of an exclusion reason (`library missing: x` → `library missing`).
    static func reasonKind(_ reason: String) -> String {
        let head = reason.split(separator: ":", maxSplits: 1).first.map(String.init) ?? reason
        var kind = head.split(separator: "(", maxSplits: 1).first.map(String.init) ?? head
        while kind.hasSuffix(" ") { kind.removeLast() }
        return kind
    }

    /// Task ids in natural order (`X/2` before `X/10`).
    static func taskOrder(_ a: String, _ b: String) -> Bool {
        let na = a.split(separator: "/").last.flatMap { Int($0) }
        let nb = b.split(separator: "/").last.flatMap { Int($0) }
        if let na, let nb, na != nb { return na < nb }
        return a < b
    }

    /// Four decimals, as evalplus prints them.
    public static func format(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded()
        let whole = Int(scaled) / 10_000
        let fraction = Int(scaled) % 10_000
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
