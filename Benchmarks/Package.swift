// swift-tools-version:6.2
// The in-process benchmark suite (issue 12), on ordo-one's package-benchmark. A package of its
// own, so that `swift build` and `swift test` of the portal neither resolve nor compile the
// harness (see docs/architecture.md, "Benchmarks"). Run from the repository root:
//   swift package --package-path Benchmarks benchmark
// or scripts/bench (HTTP figures too) and scripts/bench --smoke (what CI runs).
import PackageDescription

let package = Package(
    name: "WholesailBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "wholesail", path: ".."),
        // The interposer trait alone: the runtime interposer's package is not needed for the
        // malloc and memory metrics this suite reports.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "WholesailBenchSupport",
            dependencies: [
                .product(name: "WholesailKit", package: "wholesail"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Support"
        )
    ],
    swiftLanguageModes: [.v6]
)

// One executable per area; the plugin finds them under Benchmarks/.
for (name, extra) in [
    ("Catalog", [Target.Dependency]()),
    ("Pricing", []),
    ("Exchange", []),
    ("Documents", []),
    ("Database", [.product(name: "GRDB", package: "GRDB.swift")]),
    ("Pages", [.product(name: "HummingbirdTesting", package: "hummingbird")]),
] {
    package.targets.append(
        .executableTarget(
            name: "\(name)Benchmarks",
            dependencies: [
                "WholesailBenchSupport",
                .product(name: "WholesailKit", package: "wholesail"),
                .product(name: "Benchmark", package: "benchmark"),
            ] + extra,
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
