public import AssayCore

/// The `taxonomy` section of `summary.json`: how a run's failing samples spread over Dou et
/// al.'s categories and leaves.
///
/// Shares are given three ways, as the paper's tables need them: of the failing samples, of all
/// samples (Dou's v2 ranges), and within the leaf's own category (Dou's Figure 4 pies).
public struct TaxonomySummary: Sendable, Codable, Equatable {
    public struct Count: Sendable, Codable, Equatable {
        public var count: Int
        public var shareOfFailed: Double
        public var shareOfAll: Double
        /// For a leaf: its share inside its category. Absent for categories.
        public var shareInCategory: Double?
        /// For a leaf: its category.
        public var category: String?

        enum CodingKeys: String, CodingKey {
            case count, shareOfFailed = "share_of_failed", shareOfAll = "share_of_all"
            case shareInCategory = "share_in_category", category
        }
    }

    public struct Means: Sendable, Codable, Equatable {
        public var samples: Int
        public var loc: Double?
        public var cc: Double?
        public var calls: Double?
    }

    /// Samples that did not pass.
    public var failedSamples: Int
    /// Failing samples with a label (the rest were not analysed, e.g. the run is incomplete).
    public var classified: Int
    public var categories: [String: Count]
    public var subcategories: [String: Count]
    public var confidence: [String: Int]
    /// Share of the labels given with high confidence.
    public var highConfidenceShare: Double
    /// Counts of extra tags (`truncated`, `entry_arity`, …).
    public var tags: [String: Int]
    /// Mean complexity (Dou et al.'s LOC, CC, calls) of passing and of failing samples.
    public var complexity: [String: Means]
    public var classifier: String
    public var note: String

    enum CodingKeys: String, CodingKey {
        case failedSamples = "failed_samples", classified, categories, subcategories, confidence
        case highConfidenceShare = "high_confidence_share", tags, complexity, classifier, note
    }

    public static let caveat = """
        automatic, symptom-based labels following Dou et al.'s 3 categories and 12 leaves (the paper labelled \
        root causes by hand); see confidence and alternatives per sample in results.jsonl
        """

    public static func make(
        samples: [Sample], outcomes: [SampleKey: ExecutionOutcome], diagnoses: [SampleKey: SampleDiagnosis], classifier: String
    ) -> TaxonomySummary {
        var failed = 0
        var labels: [BugLabel] = []
        var passing: [CodeComplexity] = []
        var failing: [CodeComplexity] = []
        for sample in samples {
            guard let outcome = outcomes[sample.key] else { continue }
            let diagnosis = diagnoses[sample.key]
            if outcome.status == .passed {
                if let complexity = diagnosis?.complexity { passing.append(complexity) }
                continue
            }
            failed += 1
            if let label = diagnosis?.label { labels.append(label) }
            if let complexity = diagnosis?.complexity { failing.append(complexity) }
        }
        let total = samples.filter { outcomes[$0.key] != nil }.count
        func share(_ part: Int, _ whole: Int) -> Double { whole > 0 ? Double(part) / Double(whole) : 0 }

        var categories: [String: Count] = [:]
        var perCategory: [BugCategory: Int] = [:]
        for category in BugCategory.allCases {
            let count = labels.filter { $0.category == category }.count
            perCategory[category] = count
            categories[category.rawValue] = Count(count: count, shareOfFailed: share(count, labels.count), shareOfAll: share(count, total))
        }
        var leaves: [String: Count] = [:]
        for leaf in BugSubcategory.allCases {
            let count = labels.filter { $0.subcategory == leaf }.count
            leaves[leaf.rawValue] = Count(
                count: count, shareOfFailed: share(count, labels.count), shareOfAll: share(count, total),
                shareInCategory: share(count, perCategory[leaf.category] ?? 0), category: leaf.category.rawValue)
        }
        var confidence: [String: Int] = [:]
        for level in LabelConfidence.allCases { confidence[level.rawValue] = labels.filter { $0.confidence == level }.count }
        var tags: [String: Int] = [:]
        for label in labels { for tag in label.tags { tags[tag, default: 0] += 1 } }

        func means(_ values: [CodeComplexity]) -> Means {
            func mean(_ numbers: [Double]) -> Double? { numbers.isEmpty ? nil : numbers.reduce(0, +) / Double(numbers.count) }
            return Means(samples: values.count, loc: mean(values.map { Double($0.linesOfCode) }),
                         cc: mean(values.compactMap(\.cyclomatic)), calls: mean(values.compactMap { $0.calls.map(Double.init) }))
        }
        return TaxonomySummary(
            failedSamples: failed, classified: labels.count, categories: categories, subcategories: leaves, confidence: confidence,
            highConfidenceShare: share(confidence["high"] ?? 0, labels.count), tags: tags,
            complexity: ["passed": means(passing), "failed": means(failing)], classifier: classifier, note: caveat)
    }
}
