import Benchmark
import Foundation
import WholesailBenchSupport
import WholesailCore

/// The price matrix over the synthetic snapshot of `wholesail bench pricing` (20 price types,
/// 1,000 companies, 200 rules): full build, the two rebuilds that reuse the indexes, the first
/// use of one effective context after a rebuild, and lookups (a million per iteration).
nonisolated(unsafe) var snapshot: PricingSnapshot!
nonisolated(unsafe) var matrix: PriceMatrix!
nonisolated(unsafe) var edited: PricingSnapshot!
nonisolated(unsafe) var uploaded: PricingSnapshot!
nonisolated(unsafe) var views: [PriceView] = []
nonisolated(unsafe) var indexes: [Int] = []

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let products = BenchScale.products
    let companies = BenchScale.pick(full: 1_000, smoke: 20)
    let setup: Benchmark.BenchmarkSetupHook = {
        snapshot = PricingSnapshot.synthetic(products: products, companies: companies)
        matrix = PriceMatrix(snapshot)
        edited = snapshot
        edited.rules[0].action = .markup(ExactDecimal(units: 7, scale: 1))
        uploaded = snapshot
        var rng = SeededGenerator(seed: 2)
        let step = max(1, products / 10_000)
        for index in stride(from: 0, to: products, by: step) { uploaded.basePrices[1]![index] = Int64(rng.int(100...1_000_000)) }
        views = PricingSnapshot.syntheticContexts(companies: 8).map { matrix.view(for: $0) }
        indexes = (0..<4096).map { _ in rng.int(0...products - 1) }
    }
    let scope = "\(products) products"

    Suite.addSync("Matrix full build (\(scope))", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(PriceMatrix(snapshot)) }
    }
    Suite.addSync("Matrix rebuild after one rule edit (\(scope))", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(PriceMatrix(edited, reusing: matrix)) }
    }
    Suite.addSync("Matrix rebuild after a 10,000-price upload (\(scope))", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(PriceMatrix(uploaded, reusing: matrix)) }
    }
    Suite.addSync("Price vector of one context, first use after a rebuild (\(scope))", setup: setup) { benchmark in
        let context = PricingSnapshot.syntheticContexts(companies: 1)[0]
        for _ in benchmark.scaledIterations {
            let fresh = PriceMatrix(snapshot, reusing: matrix)
            benchmark.startMeasurement()
            blackHole(fresh.view(for: context).amount(productIndex: 0))
            benchmark.stopMeasurement()
        }
    }
    Suite.addSync(
        "Price lookup, per million (\(scope))",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .mega), setup: setup
    ) { benchmark in
        var checksum: Int64 = 0
        for i in benchmark.scaledIterations {
            checksum &+= views[i & 7].amount(productIndex: indexes[i & 4095]) ?? 0
        }
        blackHole(checksum)
    }
}
