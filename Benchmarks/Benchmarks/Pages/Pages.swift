import Benchmark
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import WholesailBenchSupport
import WholesailServer
import WholesailStore

/// Whole requests through the portal's router, in process (no socket): every middleware, the
/// queries, the buyer's prices and the Mustache render. The HTTP figures of scripts/bench-http
/// add the network and wrk on top of these.
nonisolated(unsafe) var application: WholesailApplication!
nonisolated(unsafe) var facts: SeededCatalog.Facts!

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let products = BenchScale.products
    let setup: Benchmark.BenchmarkSetupHook = {
        let database = try await SeededCatalog.open(products: products)
        facts = try await SeededCatalog.facts(database)
        var configuration = WholesailConfiguration()
        configuration.databasePath = SeededCatalog.path(products: products)
        configuration.outbox.dispatcherEnabled = false
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let dependencies = try await WholesailDependencies(database: database)
        application = buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
    }
    func page(_ name: String, _ uri: @escaping () -> String) {
        Suite.add("\(name) (\(products) products)", setup: setup) { benchmark in
            let target = uri()
            // The harness's object crosses into the test client's task; it is only used from there.
            nonisolated(unsafe) let measured = benchmark
            try await application.test(.router) { client in
                for _ in measured.scaledIterations {
                    measured.startMeasurement()
                    let response = try await client.execute(uri: target, method: .get)
                    measured.stopMeasurement()
                    guard response.status == .ok else { throw BenchError("\(target) answered \(response.status)") }
                    blackHole(response.body)
                }
            }
        }
    }
    page("Page render: product card") { "/product/\(facts.productId)" }
    page("Page render: category page") { "/catalog/\(facts.leafCategory)" }
    page("Page render: search page 'кабель'") { "/search?q=%D0%BA%D0%B0%D0%B1%D0%B5%D0%BB%D1%8C" }
    page("JSON product list of a category, no facets") { "/api/v1/products?category=\(facts.leafCategory)&facets=0" }
    page("JSON product list of a category with facet counts") { "/api/v1/products?category=\(facts.leafCategory)" }
}
