import Foundation
import GRDB
import Testing
import WholesailCore
@testable import WholesailStore
import WholesailTestSupport

/// The in-memory catalog index against the plain SQL listing it replaces (the reference): on
/// random catalogs (nested categories, products in several of them, tags, filterable and other
/// properties, stock per region, inactive and deleted products, equal names and dates) and random
/// questions (category, words, SKU prefixes, filters, stock, sorts, pages, facets, the buyer's
/// prices and hidden products), both must give the same page, total and facet counts.
@Suite struct CatalogIndexTests {
    static let words = [
        "кабель", "розетка", "белый", "ВВГнг", "провод", "Ёлка", "lamp", "LED", "щит", "автомат", "медный", "3х2,5", "Café", "naïve",
        "cafe", "lampada", "кабельный", "Straße", "x²", "Йогурт",
    ]

    /// Fills a database with a random catalog; answers the product ids.
    @discardableResult
    static func randomCatalog(_ database: WholesailDatabase, seed: UInt64, products: Int) async throws -> [Int64] {
        return try await database.write { db in
            var rng = SeededGenerator(seed: seed)
            try db.execute(sql: "INSERT INTO unit (id, code, name, fullName) VALUES (1, '796', 'шт', 'штука')")
            try db.execute(sql: "INSERT INTO region (id, name) VALUES (1, 'North'), (2, 'South')")
            try db.execute(
                sql: """
                    INSERT INTO warehouse (id, regionId, name, active) VALUES (1, 1, 'N1', 1), (2, 2, 'S1', 1), (3, NULL, 'Hub', 1), (4, 1, 'Old', 0)
                    """)
            // Categories: each under an earlier one or at the top.
            var paths: [Int64: String] = [:]
            let categoryCount = Int.random(in: 4...16, using: &rng)
            for id in 1...Int64(categoryCount) {
                let parent: Int64? = id > 1 && Bool.random(using: &rng) ? Int64.random(in: 1..<id, using: &rng) : nil
                let path = (parent.flatMap { paths[$0] } ?? "/") + "\(id)/"
                paths[id] = path
                try db.execute(
                    sql: "INSERT INTO category (id, parentId, name, path, depth, active) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [id, parent, "C\(id)", path, path.split(separator: "/").count - 1, Int.random(in: 0..<6, using: &rng) == 0 ? 0 : 1])
            }
            // Properties: four filterable, one not; values per property.
            var values: [Int64: [Int64]] = [:]
            var nextValue: Int64 = 1
            for property in Int64(1)...5 {
                try db.execute(
                    sql: "INSERT INTO property (id, name, kind, filterable, sortOrder) VALUES (?, ?, 'enum', ?, ?)",
                    arguments: [property, "P\(property)", property == 5 ? 0 : 1, Int.random(in: 0..<3, using: &rng)])
                for index in 0..<Int.random(in: 2...5, using: &rng) {
                    try db.execute(
                        sql: "INSERT INTO propertyValue (id, propertyId, value) VALUES (?, ?, ?)",
                        arguments: [nextValue, property, ["red", "Blue", "зелёный", "10", "2", "alpha"][index]])
                    values[property, default: []].append(nextValue)
                    nextValue += 1
                }
            }
            var ids: [Int64] = []
            let dates = ["2026-01-01 10:00:00.000", "2026-02-01 10:00:00.000", "2026-03-01 10:00:00.000"]
            for number in 0..<products {
                let id = Int64(number * Int.random(in: 1...3, using: &rng) + number + 1)
                if ids.contains(id) { continue }
                ids.append(id)
                let name = (0..<Int.random(in: 1...3, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ")
                let sku = ["SK-", "sk-", "AB"].randomElement(using: &rng)! + String(Int.random(in: 1...60, using: &rng))
                let article: String? = Bool.random(using: &rng) ? "ART\(Int.random(in: 1...30, using: &rng))" : nil
                let ratingCount = Int.random(in: 0...3, using: &rng)
                let search = SearchText.normalize([name, sku, article ?? ""].joined(separator: " "))
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO product (id, sku, article, name, baseUnitId, active, deleted, ratingSum, ratingCount, searchText, createdAt)
                        VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, sku + "-\(id)", article, name, Int.random(in: 0..<10, using: &rng) == 0 ? 0 : 1,
                        Int.random(in: 0..<20, using: &rng) == 0 ? 1 : 0, ratingCount * Int.random(in: 1...5, using: &rng), ratingCount, search,
                        dates.randomElement(using: &rng)!,
                    ])
                for _ in 0..<Int.random(in: 0...2, using: &rng) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO productCategory (productId, categoryId) VALUES (?, ?)",
                        arguments: [id, Int64.random(in: 1...Int64(categoryCount), using: &rng)])
                }
                for tag in Int64(1)...5 where Int.random(in: 0..<4, using: &rng) == 0 {
                    try db.execute(sql: "INSERT INTO productTag (productId, tagId) VALUES (?, ?)", arguments: [id, tag])
                }
                for property in Int64(1)...5 where Int.random(in: 0..<10, using: &rng) < 7 {
                    try db.execute(
                        sql: "INSERT INTO productProperty (productId, propertyId, valueId) VALUES (?, ?, ?)",
                        arguments: [id, property, values[property]!.randomElement(using: &rng)!])
                }
                for warehouse in Int64(1)...4 where Bool.random(using: &rng) {
                    let quantity = Int64.random(in: 0...5, using: &rng) * 1000
                    try db.execute(
                        sql: "INSERT INTO stock (productId, warehouseId, qtyMilli, reservedMilli) VALUES (?, ?, ?, ?)",
                        arguments: [id, warehouse, quantity, min(quantity, Int64.random(in: 0...3, using: &rng) * 1000)])
                }
            }
            return ids
        }
    }

    static func randomQuery(_ rng: inout SeededGenerator, categories: Int) -> (query: ProductListQuery, hide: Bool, prices: Bool) {
        let text: String? =
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: words.randomElement(using: &rng)!
            case 1: String(words.randomElement(using: &rng)!.prefix(3))
            case 2:
                [
                    "sk-1", "SK-", "ab2", "art1", "кабель белый", "\"розетка белый\"", "провод -медный", "caf", "cafe", "naive", "кабель бел",
                    "lamp le", "LED lamp", "ка", "елк", "straße", "strasse", "x", "йог", "кабель кабель", "3х2", "2,5", "- кабель", "белый \"", "1",
                ].randomElement(using: &rng)!
            case 3: (0..<2).map { _ in String(words.randomElement(using: &rng)!.prefix(Int.random(in: 1...6, using: &rng))) }.joined(separator: " ")
            default: nil
            }
        var query = ProductListQuery(
            categoryId: Bool.random(using: &rng) ? Int64.random(in: 1...Int64(categories + 1), using: &rng) : nil, text: text,
            sort: ProductSort.allCases.randomElement(using: &rng)!, page: Int.random(in: 1...3, using: &rng), perPage: Int.random(in: 3...10, using: &rng))
        if Int.random(in: 0..<3, using: &rng) == 0 {
            let property = Int64.random(in: 1...5, using: &rng)
            query.properties[property] = Set((0..<Int.random(in: 1...2, using: &rng)).map { _ in Int64.random(in: 1...25, using: &rng) })
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { query.tags = [["novelty", "sale", "best_seller"].randomElement(using: &rng)!] }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            query.inStock = true
            query.regionId = [nil, 1, 2, 7].randomElement(using: &rng)!
        }
        query.withFacets = Bool.random(using: &rng)
        let prices = Int.random(in: 0..<4, using: &rng) == 0
        if prices {
            query.minPrice = Bool.random(using: &rng) ? 3_000 : nil
            query.maxPrice = Bool.random(using: &rng) ? 12_000 : nil
        }
        return (query, Int.random(in: 0..<5, using: &rng) == 0, prices)
    }

    @Test("the index answers every listing as the SQL listing does", arguments: 0..<24)
    func matchesTheReference(seed: Int) async throws {
        let database = try TestDatabase.inMemory()
        try await Self.randomCatalog(database, seed: UInt64(seed) &* 7919 &+ 1, products: 40 + seed * 8)
        let reference = try WholesailDatabase(database.writer)  // a second handle: no index, plain SQL
        try await database.rebuildCatalogIndex()
        #expect(database.catalogIndex.catalog?.terms != nil)
        let categories = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM category") ?? 0 }
        var rng = SeededGenerator(seed: UInt64(seed) &+ 1000)
        // The buyer's price: a function of the id, with some products unpriced.
        let price: @Sendable (Int64) -> Int64? = { id in id % 11 == 0 ? nil : (id * 7_919) % 20_000 }
        for _ in 0..<60 {
            let (query, hide, prices) = Self.randomQuery(&rng, categories: categories)
            let isHidden: (@Sendable (Int64) -> Bool)? = hide ? { @Sendable (id: Int64) -> Bool in id % 5 == 0 } : nil
            #expect(database.catalogIndex.catalog != nil)
            let got = try await database.listProducts(query, price: price, isHidden: isHidden)
            let want = try await reference.listProducts(query, price: price, isHidden: isHidden)
            let label = "seed \(seed): \(query.text ?? "-") category \(query.categoryId.map(String.init) ?? "-") sort \(query.sort) page \(query.page)×\(query.perPage) filters \(query.properties) tags \(query.tags) stock \(query.inStock)/\(query.regionId.map(String.init) ?? "-")"
            #expect(got.items.map(\.id) == want.items.map(\.id), "\(label)")
            #expect(got.items == want.items, "\(label)")
            #expect(got.total == want.total, "\(label)")
            // The SQL listing counts facets before hiding and the price range; the index after.
            if !hide && !prices {
                #expect(got.facets == want.facets, "\(label)")
            }
        }
    }

    @Test("plain word searches are answered from FTS5's own words, also on a file database's read connections")
    func wordIndex() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        try await Self.randomCatalog(database, seed: 7, products: 300)
        let index = try await database.rebuildCatalogIndex()
        let terms = try #require(index.terms)
        #expect(terms.termCount > 10)
        let reference = try WholesailDatabase(database.writer)
        for text in ["кабель", "каб", "кабель бел", "cafe", "caf", "lamp led", "sk", "1", "ёлка", "ЁЛК", "zzz", "кабель zzz"] {
            let query = ProductListQuery(text: text, perPage: 1_000)
            let got = try await database.listProducts(query)
            let want = try await reference.listProducts(query)
            #expect(got.items.map(\.id) == want.items.map(\.id), "\(text)")
            #expect(got.total == want.total, "\(text)")
        }
        let parsed = SearchText.parse("кабель бел")
        #expect(parsed.plainWords == ["кабель", "бел"] && parsed.lastIsPrefix)
        #expect(SearchText.parse("\"кабель белый\"").plainWords == nil)
        #expect(SearchText.parse("кабель -белый").plainWords == nil)
        #expect(!CatalogTerms.isPlain("café") && CatalogTerms.isPlain("кабель3") && !CatalogTerms.isPlain("ёлка"))
    }

    @Test("a change is never hidden by the index: listings fall back to SQL until the rebuild, then use it again")
    func changesAreSeenAtOnce() async throws {
        let database = try TestDatabase.inMemory()
        let ids = try await Self.randomCatalog(database, seed: 42, products: 120)
        let changes = database.trackCatalogIndexChanges()
        try await database.rebuildCatalogIndex()
        #expect(database.catalogIndex.isBehind == (false, false))
        let all = ProductListQuery(perPage: 1_000)
        let before = try await database.listProducts(all)
        let victim = try #require(before.items.first?.id)
        try await database.write { db in try db.execute(sql: "UPDATE product SET active = 0 WHERE id = ?", arguments: [victim]) }
        #expect(database.catalogIndex.isBehind.catalog)
        let during = try await database.listProducts(all)
        #expect(!during.items.contains { $0.id == victim })
        #expect(during.total == before.total - 1)
        try await database.rebuildCatalogIndex()
        #expect(database.catalogIndex.isBehind == (false, false))
        let after = try await database.listProducts(all)
        #expect(after.items.map(\.id) == during.items.map(\.id))

        // Stock has no rowid: its writers announce their changes, and in-stock listings wait for
        // the stock sets while the rest of the index keeps answering.
        var inStock = ProductListQuery(perPage: 1_000)
        inStock.inStock = true
        let stocked = try await database.listProducts(inStock)
        let sold = try #require(stocked.items.first?.id)
        try await database.write { db in
            try db.execute(sql: "UPDATE stock SET reservedMilli = qtyMilli WHERE productId = ?", arguments: [sold])
            try db.notifyChanges(in: Table("stock"))
        }
        #expect(database.catalogIndex.isBehind == (false, true))
        #expect(!(try await database.listProducts(inStock)).items.contains { $0.id == sold })
        try database.rebuildCatalogStockSync()
        #expect(database.catalogIndex.isBehind == (false, false))
        #expect(!(try await database.listProducts(inStock)).items.contains { $0.id == sold })
        #expect(ids.count > 100)
        _ = changes
    }
}

