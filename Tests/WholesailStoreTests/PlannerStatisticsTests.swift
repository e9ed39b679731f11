import Foundation
import GRDB
import Testing
import WholesailStore
import WholesailTestSupport

/// The planner's statistics (issue 12): without them SQLite walked every product to count a
/// category or to find the products of a tag; with them the category's and the tag's own keys
/// drive those queries.
@Suite struct PlannerStatisticsTests {
    static let categoryCount = """
        SELECT count(*) FROM product p WHERE p.active = 1 AND p.deleted = 0
        AND p.id IN (SELECT pc.productId FROM productCategory pc WHERE pc.categoryId IN (SELECT id FROM category WHERE path LIKE '/1/%'))
        """
    static let novelties = """
        SELECT p.id FROM product p JOIN productTag pt ON pt.productId = p.id JOIN tag t ON t.id = pt.tagId AND t.code = 'novelty'
        WHERE p.active = 1 AND p.deleted = 0 ORDER BY p.id LIMIT 10
        """

    static func plan(_ database: WholesailDatabase, _ sql: String) async throws -> String {
        try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "\n")
        }
    }

    static func hasStatistics(_ database: WholesailDatabase) async throws -> Bool {
        try await database.read { db in
            try db.tableExists("sqlite_stat1") && (Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_stat1") ?? 0) > 0
        }
    }

    @Test("a bulk load ends with statistics, and the category count and the tag strip use their own keys")
    func bulkLoadGathersStatistics() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("seeded.sqlite")
        do {  // the bulk connection is exclusive: closed at the end of this scope
            let bulk = try WholesailDatabase.openForBulkLoad(at: path)
            try await SyntheticCatalog.seed(bulk, options: .init(products: 3_000, propertiesPerProduct: 2, distinctProperties: 50))
            try bulk.finishBulkLoad()
        }

        let database = try WholesailDatabase.open(at: path)
        #expect(try await Self.hasStatistics(database))
        for sql in [Self.categoryCount, Self.novelties] {
            let plan = try await Self.plan(database, sql)
            // The walk over every active product that the planner chose without statistics.
            #expect(!plan.contains("product_active_name"), "plan:\n\(plan)")
        }
    }

    @Test("serve's start gathers statistics for a file that has none, and leaves existing ones alone")
    func ensureGathersWhenMissing() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        #expect(try await !Self.hasStatistics(database))
        try database.ensurePlannerStatistics()
        #expect(try await database.read { db in try db.tableExists("sqlite_stat1") })
        try await database.write { db in try db.execute(sql: "DELETE FROM sqlite_stat1") }
        try database.ensurePlannerStatistics()  // the table is there: nothing to do
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_stat1") } == 0)
        try database.refreshPlannerStatistics()
        #expect(try await Self.hasStatistics(database))
    }
}
