import Benchmark
import Foundation
import WholesailBenchSupport
import WholesailCore
import WholesailStore

/// Catalog queries over the seeded catalog (`wholesail seed`): full-text search by word, prefix,
/// two words and exact SKU, type-ahead, a category page with and without facet counts, and a
/// product card. Each iteration is one query as a page asks it (page 1, 24 per page).
nonisolated(unsafe) var database: WholesailDatabase!
nonisolated(unsafe) var facts: SeededCatalog.Facts!

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let products = BenchScale.products
    let setup: Benchmark.BenchmarkSetupHook = {
        database = try await SeededCatalog.open(products: products)
        facts = try await SeededCatalog.facts(database)
    }
    func search(_ name: String, _ text: @escaping () -> String) {
        Suite.add("\(name) (\(products) products)", setup: setup) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try await database.listProducts(ProductListQuery(text: text(), perPage: 24)))
            }
        }
    }
    search("Search word 'кабель'") { "кабель" }
    search("Search prefix 'каб'") { "каб" }
    search("Search two words 'розетка белый'") { "розетка белый" }
    search("Search exact SKU") { facts.sku }

    Suite.add("Suggest 'роз' (\(products) products)", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await database.suggest("роз"))
        }
    }
    Suite.add("Facet counts, largest category (\(products) products)", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations {
            var query = ProductListQuery(categoryId: facts.largestCategory, sort: .name, perPage: 24)
            query.withFacets = true
            blackHole(try await database.listProducts(query))
        }
    }
    Suite.add("Category page without facets, leaf category (\(products) products)", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await database.listProducts(ProductListQuery(categoryId: facts.leafCategory, sort: .name, perPage: 24)))
        }
    }
    Suite.add("Product card by id (\(products) products)", setup: setup) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await database.productCard(id: facts.productId))
        }
    }
}
