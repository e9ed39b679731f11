import Foundation
import GRDB
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The running portal's catalog index service: builds the index once it starts, follows commits
/// (the whole index after a product change, the stock sets alone after a reservation), and lets
/// the previous index answer while an import runs.
@Suite struct CatalogIndexUpdaterTests {
    static func waitUntil(_ condition: @escaping () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("builds at start, rebuilds after a change, the stock sets alone after a stock change, and waits for imports")
    func followsCommits() async throws {
        let database = try TestDatabase.inMemory()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO unit (id, code, name, fullName) VALUES (1, '796', 'шт', 'штука')")
            try db.execute(sql: "INSERT INTO warehouse (id, name) VALUES (1, 'Main')")
            for id in 1...5 {
                try db.execute(
                    sql: "INSERT INTO product (id, sku, name, baseUnitId, searchText) VALUES (?, ?, ?, 1, ?)",
                    arguments: [id, "S\(id)", "Product \(id)", "product \(id) s\(id)"])
                try db.execute(sql: "INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (?, 1, 5000)", arguments: [id])
            }
        }
        let imports = ImportCoordinator()
        let updater = CatalogIndexUpdater(database: database, imports: imports, logger: Logger(label: "test"), minimumInterval: .milliseconds(10))
        let service = Task { try await updater.run() }
        defer { service.cancel() }
        try await Self.waitUntil { database.catalogIndex.catalog?.productCount == 5 }
        let first = try #require(database.catalogIndex.catalog)

        try await database.write { db in try db.execute(sql: "UPDATE product SET active = 0 WHERE id = 5") }
        try await Self.waitUntil { database.catalogIndex.catalog?.productCount == 4 && database.catalogIndex.isBehind == (false, false) }
        let second = try #require(database.catalogIndex.catalog)
        #expect(second !== first)

        try await database.write { db in
            try db.execute(sql: "UPDATE stock SET reservedMilli = qtyMilli WHERE productId = 1")
            try db.notifyChanges(in: Table("stock"))
        }
        try await Self.waitUntil { database.catalogIndex.isBehind == (false, false) }
        #expect(database.catalogIndex.catalog === second, "a stock change rebuilds the stock sets, not the index")
        var inStock = ProductListQuery(perPage: 10)
        inStock.inStock = true
        #expect(try await database.listProducts(inStock).items.map(\.id) == [2, 3, 4])

        // While an import writes, the previous index keeps answering.
        imports.begin()
        try await database.write { db in try db.execute(sql: "UPDATE product SET active = 1 WHERE id = 5") }
        // The service sees the change once it is done with what it was doing (the rebuilds run
        // on a low-priority thread, slow on a busy machine); until then listings use plain SQL.
        try await Self.waitUntil { database.catalogIndex.acceptsStale }
        try await Task.sleep(for: .milliseconds(300))
        #expect(database.catalogIndex.catalog === second)
        #expect(try await database.listProducts(ProductListQuery(perPage: 10)).total == 4)
        imports.end()
        try await Self.waitUntil { database.catalogIndex.catalog?.productCount == 5 && database.catalogIndex.isBehind == (false, false) }
        #expect(try await database.listProducts(ProductListQuery(perPage: 10)).total == 5)
    }
}
