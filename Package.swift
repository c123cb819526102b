// swift-tools-version: 6.2
//
// Assay: a fast, kernel-sandboxed, reproducible code-generation benchmark harness.
//
// Data flows one way:
//   problems → generation → execution → scoring / analysis / repair → storage → reporting,
// wired by `Pipeline` and driven by the thin `assay` executable through `AssayCommands`.
// Nothing reaches backwards; `AssayCore` holds the value types and protocols everyone shares.

import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode plus the newest house style.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Settings of the sandbox's C targets: GNU extensions (`_GNU_SOURCE`), every warning.
let sandboxCSettings: [CSetting] = [.define("_GNU_SOURCE"), .unsafeFlags(["-Wall", "-Wextra", "-Wno-missing-field-initializers"])]

/// A Swift library target of Assay: shared settings, and its one-paragraph README kept out of the build.
func module(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: dependencies, exclude: ["README.md"], swiftSettings: swiftSettings)
}

let package = Package(
    name: "Assay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "assay", targets: ["assay"]),
        .executable(name: "assay-sandbox", targets: ["assay-sandbox"]),
        /// Loaded into sandboxed interpreters (LD_PRELOAD in `exec`, ctypes in the warm worker);
        /// `assay-sandbox` finds it next to its own executable.
        .library(name: "AssaySandboxChild", type: .dynamic, targets: ["AssaySandboxChild"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Core model

        /// Value types (problems, samples, verdicts, runs), JSON/JSONL coding and the protocols
        /// the stages talk through. No third-party dependencies.
        module("AssayCore"),

        // MARK: - Stages

        /// Reads the benchmark formats (HumanEval, HumanEval+, BigCodeBench, ENAMEL) and samples
        /// files, plain or gzip-compressed, and finds datasets by short name.
        module("ProblemSets", ["AssayCore", "CZlib"]),

        /// Swift side of the sandbox: launches `assay-sandbox`, speaks its request/response
        /// protocol, and turns kernel facts plus the trusted result record into verdicts.
        module("Execution", ["AssayCore"]),

        /// Model side: OpenAI-compatible and Anthropic clients (retries, capability fallbacks, a
        /// request gate), prompt templates from `Problems/prompts/`, code extraction with a status,
        /// and the resumable, ledgered `Generator` (plus `replay` and `reference` sources).
        module("Generation", ["AssayCore"]),

        /// Pure estimators: unbiased pass@k, ENAMEL eff@k, bootstrap intervals.
        module("Scoring", ["AssayCore"]),

        /// SQLite store (WAL, migrations) behind the `ResultStore` protocol.
        module("Storage", ["AssayCore", "CSQLite"]),

        /// Why samples fail: a batched static analysis in the sandbox (`Sandboxes/kind_analyze.py`),
        /// Dou et al.'s bug taxonomy (3 categories, 12 leaves) and their code-complexity measures.
        module("Analysis", ["AssayCore"]),

        /// The self-critique repair loop: critique prompts per condition, feedback from the
        /// visible tests, rounds until pass / repeat / budget, per-round gains and costs.
        module("Repair", ["AssayCore", "Analysis", "Generation", "Execution", "Scoring"]),

        /// Renders results as terminal tables, JSON files and the anchors' formats.
        module("Reporting", ["AssayCore", "Scoring"]),

        /// Wires the stages into runs: bounded parallel execution, resume, progress.
        module("Pipeline", ["AssayCore", "Scoring", "Execution", "Generation"]),

        // MARK: - Commands

        /// Every `assay` subcommand, testable as a library.
        module("AssayCommands", [
            "AssayCore", "ProblemSets", "Execution", "Generation", "Scoring", "Storage", "Reporting", "Pipeline", "Analysis",
            "Repair",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        /// The `assay` executable: an entry point and nothing else.
        .executableTarget(
            name: "assay",
            dependencies: [
                "AssayCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Sandbox supervisor (C)

        /// The single-threaded C supervisor that confines one sample (or one warm worker).
        .executableTarget(
            name: "assay-sandbox",
            dependencies: ["CSeccomp", "AssayUnixMessages"],
            cSettings: sandboxCSettings,
            linkerSettings: [.linkedLibrary("seccomp")]
        ),

        /// The in-process half of the confinement: SIGSYS reporter, guard filter, per-child set-up
        /// of the warm worker. No libseccomp; no dependency but `AssayUnixMessages` (linked in).
        .target(
            name: "AssaySandboxChild",
            dependencies: ["AssayUnixMessages"],
            cSettings: sandboxCSettings,
            // Pure C: keep the Swift runtime out of the interpreters it is loaded into.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--as-needed"])]
        ),

        /// Messages with descriptors (SCM_RIGHTS) on Unix sockets, for both of the above: linked
        /// statically into each, its symbols hidden in the library.
        .target(name: "AssayUnixMessages", cSettings: sandboxCSettings),

        // MARK: - System libraries

        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Test support and tests

        /// Tags, repository-relative paths, temporary directories, dataset discovery and the report
        /// fixture database for tests.
        .target(name: "AssayTestSupport", dependencies: ["AssayCore", "Storage"], swiftSettings: swiftSettings),

        .testTarget(name: "AssayCoreTests", dependencies: ["AssayCore", "AssayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ProblemSetsTests", dependencies: ["ProblemSets", "AssayCore", "AssayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "AssayCore", "AssayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "AssayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Scoring", "Storage", "AssayTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExecutionTests",
            dependencies: ["Execution", "ProblemSets", "AssayTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Analysis", "Execution", "ProblemSets", "Storage", "Reporting", "AssayTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Execution", "ProblemSets", "AssayTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GenerationTests",
            dependencies: ["Generation", "Storage", "AssayTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RepairTests", dependencies: ["Repair", "AssayTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AssayCommandsTests",
            dependencies: ["AssayCommands", "AssayTestSupport", "Storage"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
