import WholesailCore
import Foundation
import GRDB
import Testing
import WholesailStore
import WholesailTestSupport

@Suite struct SchemaTests {
    @Test("the migrations produce exactly schema.sql (regenerate with `swift run wholesail schema > schema.sql`)")
    func snapshot() throws {
        let generated = try TestDatabase.inMemory().schemaSQL()
        let committed = try String(contentsOfFile: Repository.path("schema.sql"), encoding: .utf8)
        #expect(generated == committed)
    }

    @Test("the schema passes SQLite's own checks and covers the whole domain")
    func wholeDomain() async throws {
        let database = try TestDatabase.inMemory()
        let tables = try await database.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            return try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table'"))
        }
        let domain = [
            "product", "category", "property", "productProperty", "unit", "productUnit", "blob", "file", "priceType", "price",
            "priceRule", "region", "warehouse", "stock", "holding", "counterparty", "sellerOrganization", "agreement", "user",
            "role", "permission", "managerAssignment", "deliveryAddress", "cart", "cartLine", "customerOrder", "orderLine",
            "shipment", "orderStatus", "document", "settlement", "ticket", "contentItem", "importJob", "outbox", "session",
            "auditLog", "productFts",
        ]
        for table in domain { #expect(tables.contains(table), "missing table \(table)") }
        #expect(!tables.contains("order"))
    }

    @Test("constraints refuse nonsense: negative money, zero quantities, unknown statuses, orphans")
    func constraints() async throws {
        let database = try TestDatabase.inMemory()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES ('796', 'шт', 'Штука')")
            try db.execute(sql: "INSERT INTO product (sku, name, baseUnitId) VALUES ('A-1', 'Кабель', 1)")
            try db.execute(sql: "INSERT INTO priceType (name, currency) VALUES ('Опт', 'RUB')")
        }
        let refused = [
            "INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES (1, 1, 1, -5)",
            "INSERT INTO product (sku, name, baseUnitId, minQtyMilli) VALUES ('A-2', 'x', 1, 0)",
            "INSERT INTO product (sku, name, baseUnitId) VALUES ('a-1', 'duplicate sku, other case', 1)",
            "INSERT INTO product (sku, name, baseUnitId) VALUES ('A-3', 'no such unit', 99)",
            "INSERT INTO user (email, status) VALUES ('x@example.com', 'sleeping')",
            "INSERT INTO priceType (name, currency) VALUES ('Bad', 'XXX')",
            "INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (1, 1, 10)",
        ]
        for sql in refused {
            await #expect(throws: DatabaseError.self, "\(sql)") {
                try await database.write { db in try db.execute(sql: sql) }
            }
        }
    }

    @Test("search text is indexed: Cyrillic prefix, ё folded to е, case-insensitive")
    func fullText() async throws {
        let database = try TestDatabase.inMemory()
        let found = try await database.write { db -> [String: [Int64]] in
            try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES ('796', 'шт', 'Штука')")
            try db.execute(sql: "INSERT INTO product (sku, name, baseUnitId, searchText) VALUES ('K-1', 'Кабель ВВГнг 3х2,5', 1, 'кабель ввгнг 3х2,5 k-1')")
            try db.execute(sql: "INSERT INTO product (sku, name, baseUnitId, searchText) VALUES ('E-1', 'Ёлка', 1, 'елка e-1')")
            var found: [String: [Int64]] = [:]
            for query in ["кабел", "КАБЕЛЬ", "ЁЛКА", "елка", "ввгнг 3х2"] {
                let match = try #require(WholesailCore.SearchText.matchExpression(query))
                found[query] = try Int64.fetchAll(db, sql: "SELECT rowid FROM productFts WHERE productFts MATCH ?", arguments: [match])
            }
            return found
        }
        #expect(found["кабел"] == [1])
        #expect(found["КАБЕЛЬ"] == [1])
        #expect(found["ЁЛКА"] == [2])
        #expect(found["елка"] == [2])
        #expect(found["ввгнг 3х2"] == [1])
    }
}
