import Benchmark
import Foundation
import WholesailCore
import WholesailStore

/// How big and how long: the full run by default, a quick smoke run (tiny catalog, a few
/// iterations) with `WHOLESAIL_BENCH_SMOKE=1`, which is what CI runs.
public enum BenchScale {
    static let environment = ProcessInfo.processInfo.environment

    public static var smoke: Bool { ["1", "true", "yes"].contains(environment["WHOLESAIL_BENCH_SMOKE"]?.lowercased() ?? "") }

    /// Products of the seeded catalog (`WHOLESAIL_BENCH_PRODUCTS`; 100,000, or 1,000 when smoke).
    public static var products: Int {
        if let raw = environment["WHOLESAIL_BENCH_PRODUCTS"], let value = Int(raw), value > 0 { return value }
        return smoke ? 1_000 : 100_000
    }

    /// A count that shrinks in smoke mode.
    public static func pick(full: Int, smoke small: Int) -> Int { smoke ? small : full }

    /// The suite's defaults: wall clock with percentiles, throughput, allocations and peak
    /// resident memory; a bounded time per benchmark, much shorter when smoke.
    public static func configure() {
        Benchmark.defaultConfiguration = .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
            warmupIterations: smoke ? 0 : 1,
            maxDuration: smoke ? .milliseconds(300) : .seconds(5),
            maxIterations: smoke ? 3 : 10_000)
    }

    /// Records per second for one iteration: a custom metric, larger is better.
    public static let recordsPerSecond = BenchmarkMetric.custom("records/s", polarity: .prefersLarger, useScalingFactor: false)
}

/// The synthetic catalog of `wholesail seed`, made once per size and kept between runs (each
/// benchmark runs in a process of its own): `$WHOLESAIL_BENCH_DIR` or the temporary folder,
/// `wholesail-bench-N.sqlite`. A file without its `.ready` marker is a seed that did not finish.
public enum SeededCatalog {
    public static var folder: String {
        ProcessInfo.processInfo.environment["WHOLESAIL_BENCH_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-bench").path
    }

    public static func path(products: Int) -> String { folder + "/wholesail-bench-\(products).sqlite" }

    public static func open(products: Int = BenchScale.products) async throws -> WholesailDatabase {
        let path = path(products: products)
        let marker = path + ".ready"
        let files = FileManager.default
        if !files.fileExists(atPath: marker) {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm", "-journal"] { try? files.removeItem(atPath: path + suffix) }
            let bulk = try WholesailDatabase.openForBulkLoad(at: path)
            try await SyntheticCatalog.seed(bulk, options: .init(products: products))
            try bulk.finishBulkLoad()
            _ = files.createFile(atPath: marker, contents: Data())
        }
        return try WholesailDatabase.open(at: path)
    }

    /// A few facts about the seeded catalog the benchmarks ask for.
    public struct Facts: Sendable {
        public var sku: String
        public var productId: Int64
        public var largestCategory: Int64
        public var leafCategory: Int64
    }

    public static func facts(_ db: WholesailDatabase) async throws -> Facts {
        let sample = try await db.listProducts(ProductListQuery(perPage: 1)).items.first
        let tree = try await db.categoryTree()
        guard let sample, let largest = tree.max(by: { $0.productCount < $1.productCount }) else {
            throw BenchError("the seeded catalog is empty")
        }
        let leaf = tree.filter { node in !tree.contains { $0.parentId == node.id } }.max { $0.productCount < $1.productCount } ?? largest
        return Facts(sku: sample.sku, productId: sample.id, largestCategory: largest.id, leafCategory: leaf.id)
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A temporary folder removed on `remove()`.
public struct ScratchFolder: Sendable {
    public let path: String

    public init(_ label: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Registers benchmarks so that a failure is never silent: the harness, run directly (as the
/// smoke run does), drops a failed benchmark's reason; here it is also printed as
/// `wholesail-bench: FAILED …`, and each registration as `wholesail-bench: registered …`, so
/// scripts/bench-smoke can check that every registered benchmark produced results.
public enum Suite {
    static func announce(_ name: String) {
        if BenchScale.smoke { print("wholesail-bench: registered \(name)") }
    }

    static func fail(_ name: String, _ stage: String, _ error: any Error) {
        print("wholesail-bench: FAILED \(name) (\(stage)): \(error)")
        FileHandle.standardError.write(Data("wholesail-bench: FAILED \(name) (\(stage)): \(error)\n".utf8))
    }

    static func wrap(_ name: String, _ hook: Benchmark.BenchmarkSetupHook?, _ stage: String) -> Benchmark.BenchmarkSetupHook? {
        guard let hook else { return nil }
        return {
            do { try await hook() } catch {
                fail(name, stage, error)
                throw error
            }
        }
    }

    /// An async benchmark (database queries, requests).
    public static func add(
        _ name: String, configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
        setup: Benchmark.BenchmarkSetupHook? = nil, teardown: Benchmark.BenchmarkTeardownHook? = nil,
        _ body: @escaping (Benchmark) async throws -> Void
    ) {
        announce(name)
        Benchmark(
            name, configuration: configuration,
            closure: { (benchmark: Benchmark) async throws in
                do { try await body(benchmark) } catch {
                    fail(name, "run", error)
                    throw error
                }
            }, setup: wrap(name, setup, "setup"), teardown: wrap(name, teardown, "teardown"))
    }

    /// A synchronous benchmark (pure computation: no task hop per iteration).
    public static func addSync(
        _ name: String, configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
        setup: Benchmark.BenchmarkSetupHook? = nil, teardown: Benchmark.BenchmarkTeardownHook? = nil,
        _ body: @escaping (Benchmark) throws -> Void
    ) {
        announce(name)
        Benchmark(
            name, configuration: configuration,
            closure: { (benchmark: Benchmark) throws in
                do { try body(benchmark) } catch {
                    fail(name, "run", error)
                    throw error
                }
            }, setup: wrap(name, setup, "setup"), teardown: wrap(name, teardown, "teardown"))
    }
}
