import Benchmark
import Foundation
import GRDB
import WholesailBenchSupport
import WholesailCore
import WholesailStore

/// Where a request that reads one row spends its time (issue 12, "where the stack loses time"):
/// the same primary-key read of a product done the ways the portal could do it, one at a time,
/// so the differences are the cost of each layer: the async hop to GRDB's reader queue, opening
/// the read transaction, preparing the statement, and what the product card (a dozen statements,
/// Codable records) costs on top.
nonisolated(unsafe) var database: WholesailDatabase!
nonisolated(unsafe) var ids: [Int64] = []

let benchmarks: @Sendable () -> Void = {
    BenchScale.configure()
    let products = BenchScale.products
    let setup: Benchmark.BenchmarkSetupHook = {
        database = try await SeededCatalog.open(products: products)
        ids = try await database.reader.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM product ORDER BY random() LIMIT 4096") }
    }
    let perRead = Benchmark.Configuration(scalingFactor: .kilo)
    let sql = "SELECT id, sku, name FROM product WHERE id = ?"
    let scope = "\(products) products, per 1,000 reads"

    Suite.add("PK read: pool.read async, one statement (\(scope))", configuration: perRead, setup: setup) { benchmark in
        for i in benchmark.scaledIterations {
            let id = ids[i & 4095]
            blackHole(try await database.reader.read { db in try Row.fetchOne(db, sql: sql, arguments: [id]) })
        }
    }
    Suite.add("PK read: pool.read async, cached statement (\(scope))", configuration: perRead, setup: setup) { benchmark in
        for i in benchmark.scaledIterations {
            let id = ids[i & 4095]
            blackHole(try await database.reader.read { db in try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) })
        }
    }
    Suite.addSync("PK read: pool.read blocking the caller, cached statement (\(scope))", configuration: perRead, setup: setup) { benchmark in
        for i in benchmark.scaledIterations {
            let id = ids[i & 4095]
            blackHole(try database.reader.read { db in try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) })
        }
    }
    Suite.addSync("PK read: 1,000 reads in one read transaction, cached statement (\(scope))", configuration: perRead, setup: setup) { benchmark in
        try database.reader.read { db in
            let statement = try db.cachedStatement(sql: sql)
            for i in benchmark.scaledIterations {
                blackHole(try Row.fetchOne(statement, arguments: [ids[i & 4095]]))
            }
        }
    }
    Suite.add("Product card: every statement of the card page (\(scope))", configuration: perRead, setup: setup) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(try await database.productCard(id: ids[i & 4095]))
        }
    }
}
