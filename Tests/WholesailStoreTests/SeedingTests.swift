import Foundation
import GRDB
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@Suite struct SeedingTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    /// A digest of every row of every table, column by column.
    static func digest(_ database: WholesailDatabase) async throws -> String {
        try await database.read { db in
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'productFts%' ORDER BY name")
            var hasher = SHA256Hasher()
            for table in tables {
                let columns = try db.columns(in: table).map(\.name).filter { !["createdAt", "updatedAt", "lastLoginAt"].contains($0) }
                let list = columns.map { "quote(\"\($0)\")" }.joined(separator: " || '|' || ")
                for row in try String.fetchAll(db, sql: "SELECT \(list) FROM \"\(table)\" ORDER BY 1") {
                    hasher.update(Data((table + ":" + row + "\n").utf8))
                }
            }
            return Crypto.hex(hasher.finalize())
        }
    }

    @Test("the demo distributor is the same, row for row, every time")
    func demoIsDeterministic() async throws {
        let first = try TestDatabase.inMemory()
        let second = try TestDatabase.inMemory()
        let logins = try await DemoSeeder.ensureSeeded(first, hasher: .fastForTests, now: Self.now)
        _ = try await DemoSeeder.ensureSeeded(second, hasher: .fastForTests, now: Self.now)
        #expect(try await Self.digest(first) == Self.digest(second))
        #expect(logins == DemoSeeder.logins)
    }

    @Test("the demo has what the appliance issue asks for")
    func demoContents() async throws {
        let database = try TestDatabase.inMemory()
        let logins = try await DemoSeeder.ensureSeeded(database, hasher: .fastForTests, now: Self.now)
        let counts = try await database.read { db in
            try Dictionary(uniqueKeysWithValues: [
                "sellerOrganization", "region", "warehouse", "category", "product", "priceType", "holding", "counterparty",
                "customerOrder", "productProperty", "productDocument", "productImage", "user",
            ].map { ($0, try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? 0) })
        }
        #expect(counts["sellerOrganization"] == 2)
        #expect(counts["region"] == 3)
        #expect(counts["warehouse"] == 4)
        #expect((55...70).contains(counts["category"] ?? 0))
        #expect(counts["product"] == 619, "600 products and the variant frame with its 18 variants")
        #expect(counts["priceType"] == 3)
        #expect(counts["holding"] == 1)
        #expect(counts["counterparty"] == 5)
        #expect((counts["productProperty"] ?? 0) > 1800)
        #expect(counts["productDocument"] == 600)
        #expect(counts["productImage"] == 601)
        // Every role has a login, and buyers of at least two companies.
        #expect(Set(logins.map(\.role)) == ["admin", "executive", "manager", "assistant", "editor", "buyer_admin", "buyer"])
        let buyerCompanies = try await database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT uc.counterpartyId) FROM userCounterparty uc JOIN userRole ur ON ur.userId = uc.userId
                JOIN role r ON r.id = ur.roleId WHERE r.code = 'buyer'
                """)
        }
        #expect((buyerCompanies ?? 0) >= 2)
        // Every company of the four has orders, online and offline among them; the holding's both entities too.
        let orders: [Row] = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT counterpartyId, group_concat(DISTINCT source) AS sources FROM customerOrder GROUP BY counterpartyId")
        }
        #expect(orders.count == 5)
        #expect(orders.contains { ($0["sources"] as String).contains("offline") })
        #expect(orders.contains { ($0["sources"] as String).contains("online") })
        // Passwords verify.
        let hash = try await database.read { db in
            try String.fetchOne(db, sql: "SELECT passwordHash FROM user WHERE email = ?", arguments: [logins[0].email])
        }
        #expect(PasswordHasher.verify(logins[0].password, against: try #require(hash)))
        // Seeding again changes nothing.
        let before = try await Self.digest(database)
        _ = try await DemoSeeder.ensureSeeded(database, hasher: .fastForTests, now: Self.now)
        #expect(try await Self.digest(database) == before)
    }

    @Test("the demo is not poured into a database that already holds a catalog")
    func demoNeedsEmptyDatabase() async throws {
        let database = try TestDatabase.inMemory()
        try await SyntheticCatalog.seed(database, options: .init(products: 10, distinctProperties: 20))
        #expect(try await DemoSeeder.ensureSeeded(database, hasher: .fastForTests).isEmpty)
    }

    @Test("the synthetic catalog has products, properties, prices, stock and a search index")
    func synthetic() async throws {
        let database = try TestDatabase.inMemory()
        let written = try await SyntheticCatalog.seed(database, options: .init(products: 2_500, seed: 7, propertiesPerProduct: 5, distinctProperties: 100, batchSize: 1_000))
        #expect(written == 2_500)
        let facts = try await database.read { db in
            (
                products: try Int.fetchOne(db, sql: "SELECT count(*) FROM product") ?? 0,
                prices: try Int.fetchOne(db, sql: "SELECT count(*) FROM price") ?? 0,
                properties: try Int.fetchOne(db, sql: "SELECT count(*) FROM productProperty") ?? 0,
                indexed: try Int.fetchOne(db, sql: "SELECT count(*) FROM productFts WHERE productFts MATCH 'syn7'") ?? 0,
                trigger: try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'product_fts_insert')") ?? false
            )
        }
        #expect(facts.products == 2_500)
        #expect(facts.prices == 7_500)
        #expect(facts.properties > 2_500 * 4)
        #expect(facts.indexed == 2_500)
        #expect(facts.trigger, "the FTS trigger is restored after the bulk load")
        #expect(try database.schemaSQL() == TestDatabase.inMemory().schemaSQL())
        await #expect(throws: SyntheticCatalog.SeedError.alreadySeeded(7)) {
            try await SyntheticCatalog.seed(database, options: .init(products: 1, seed: 7, distinctProperties: 10))
        }
        await #expect(throws: SyntheticCatalog.SeedError.badCount(0)) {
            try await SyntheticCatalog.seed(database, options: .init(products: 0))
        }
    }
}
