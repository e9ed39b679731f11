import Foundation
import GRDB
import GRDBSQLite
import WholesailCore

/// A synthetic catalog for load tests and benchmarks (`wholesail seed --products N`): categories,
/// brands, many properties, products with property values, prices per price type and stock per
/// warehouse. Written in bounded batches with prepared statements; the FTS index is rebuilt once
/// at the end instead of row by row.
public enum SyntheticCatalog {
    public struct Options: Sendable {
        public var products: Int
        public var seed: UInt64
        public var propertiesPerProduct: Int
        public var distinctProperties: Int
        public var batchSize: Int

        public init(products: Int, seed: UInt64 = 1, propertiesPerProduct: Int = 8, distinctProperties: Int = 2_000, batchSize: Int = 50_000) {
            self.products = products
            self.seed = seed
            self.propertiesPerProduct = propertiesPerProduct
            self.distinctProperties = distinctProperties
            self.batchSize = batchSize
        }
    }

    public enum SeedError: WholesailError, Equatable {
        case alreadySeeded(UInt64)
        case badCount(Int)
        public var kind: ErrorKind { .invalid }
        public var code: String {
            switch self {
            case .alreadySeeded: "seed.already_seeded"
            case .badCount: "seed.bad_count"
            }
        }
        public var message: String {
            switch self {
            case .alreadySeeded(let seed): "a synthetic catalog with seed \(seed) is already in this database; use another --seed"
            case .badCount(let count): "--products must be from 1 to 10000000, not \(count)"
            }
        }
    }

    static let words = [
        "кабель", "провод", "розетка", "выключатель", "автомат", "лампа", "светильник", "прожектор", "лента", "щит",
        "коробка", "канал", "труба", "дюбель", "саморез", "анкер", "болт", "гайка", "перчатки", "каска", "дрель",
        "перфоратор", "отвёртка", "клеммы", "хомут", "реле", "контактор", "датчик", "удлинитель", "вилка",
        "медный", "алюминиевый", "белый", "чёрный", "серый", "усиленный", "компактный", "влагозащищённый", "ёмкостный",
        "cable", "socket", "switch", "lamp", "panel", "relay", "sensor", "drill", "anchor", "clamp",
    ]
    static let brands = ["Schneider", "Legrand", "ABB", "IEK", "EKF", "Gauss", "Navigator", "Makita", "Bosch", "Fischer", "Sormat", "Hyperline", "КВТ", "ДКС", "Промрукав"]

    /// Adds `options.products` synthetic products; returns how many were written.
    @discardableResult
    public static func seed(_ database: WholesailDatabase, options: Options, progress: (@Sendable (Int) -> Void)? = nil) async throws -> Int {
        guard (1...10_000_000).contains(options.products) else { throw SeedError.badCount(options.products) }
        let prefix = "SYN\(options.seed)-"
        let setup = try await database.write { db -> (units: [Int64], categories: [Int64], brands: [Int64], properties: [(Int64, [Int64])], priceTypes: [Int64], warehouses: [Int64], firstProductId: Int64) in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM product WHERE sku = ?)", arguments: [prefix + "1"]) == true {
                throw SeedError.alreadySeeded(options.seed)
            }
            var rng = SeededGenerator(seed: options.seed)
            for (code, name, full) in [("796", "шт", "Штука"), ("006", "м", "Метр"), ("778", "упак", "Упаковка")] {
                try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING", arguments: [code, name, full])
            }
            let units = try Int64.fetchAll(db, sql: "SELECT id FROM unit WHERE code IN ('796', '006', '778') ORDER BY code")
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM warehouse") == 0 {
                try db.execute(sql: "INSERT INTO region (name) VALUES ('Регион 1'), ('Регион 2')")
                try db.execute(sql: "INSERT INTO warehouse (regionId, name) VALUES (1, 'Склад 1'), (1, 'Склад 2'), (2, 'Склад 3'), (2, 'Склад 4')")
            }
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM priceType") == 0 {
                try db.execute(sql: "INSERT INTO priceType (name, currency, isDefault, sortOrder) VALUES ('Розничная', 'RUB', 1, 1), ('Оптовая', 'RUB', 0, 2), ('Крупный опт', 'RUB', 0, 3)")
            }
            // 20 top categories × 10 subcategories.
            var categories: [Int64] = []
            for top in 1...20 {
                try db.execute(sql: "INSERT INTO category (name, sortOrder) VALUES (?, ?)", arguments: ["Раздел \(options.seed)-\(top)", top])
                let topId = db.lastInsertedRowID
                try db.execute(sql: "UPDATE category SET path = ? WHERE id = ?", arguments: ["/\(topId)/", topId])
                for sub in 1...10 {
                    try db.execute(
                        sql: "INSERT INTO category (parentId, name, depth, sortOrder) VALUES (?, ?, 1, ?)",
                        arguments: [topId, "\(rng.pick(words).capitalized) \(top)-\(sub)", sub])
                    let subId = db.lastInsertedRowID
                    try db.execute(sql: "UPDATE category SET path = ? WHERE id = ?", arguments: ["/\(topId)/\(subId)/", subId])
                    categories.append(subId)
                }
            }
            var brands: [Int64] = []
            for name in brands_(options.seed) {
                try db.execute(sql: "INSERT INTO brand (name) VALUES (?) ON CONFLICT (name) DO NOTHING", arguments: [name])
                brands.append(try Int64.fetchOne(db, sql: "SELECT id FROM brand WHERE name = ?", arguments: [name])!)
            }
            var properties: [(Int64, [Int64])] = []
            let valueStatement = try db.makeStatement(sql: "INSERT INTO propertyValue (propertyId, value, sortOrder) VALUES (?, ?, ?)")
            for index in 1...max(1, options.distinctProperties) {
                try db.execute(
                    sql: "INSERT INTO property (name, kind, filterable, sortOrder) VALUES (?, 'enum', ?, ?)",
                    arguments: ["Свойство \(options.seed)-\(index)", index % 4 == 0 ? 0 : 1, index])
                let propertyId = db.lastInsertedRowID
                var values: [Int64] = []
                for value in 1...12 {
                    try valueStatement.execute(arguments: [propertyId, "значение \(value)", value])
                    values.append(db.lastInsertedRowID)
                }
                properties.append((propertyId, values))
            }
            let priceTypes = try Int64.fetchAll(db, sql: "SELECT id FROM priceType ORDER BY sortOrder, id")
            let warehouses = try Int64.fetchAll(db, sql: "SELECT id FROM warehouse ORDER BY id")
            let first = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM product") ?? 0) + 1
            return (units, categories, brands, properties, priceTypes, warehouses, first)
        }

        // Bulk phase: the FTS trigger and the secondary indexes of the bulk tables are dropped and
        // restored exactly (same SQL) afterwards; building an index once, sorted, is far faster
        // than growing it row by row. The FTS index is rebuilt once at the end.
        let bulkObjects = try await database.write { db -> [String] in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT type, name, sql FROM sqlite_schema
                    WHERE sql IS NOT NULL AND ((type = 'trigger' AND name = 'product_fts_insert')
                        OR (type = 'index' AND tbl_name IN ('product', 'productCategory', 'productProperty', 'price', 'stock')))
                    """)
            for row in rows {
                try db.execute(sql: "DROP \(row["type"] as String == "trigger" ? "TRIGGER" : "INDEX") \"\(row["name"] as String)\"")
            }
            return rows.map { $0["sql"] }
        }
        @Sendable func restore(_ db: Database) throws {
            for sql in bulkObjects { try db.execute(sql: sql) }
            try db.execute(sql: "INSERT INTO productFts(productFts) VALUES ('rebuild')")
            try db.execute(sql: "PRAGMA cache_size = -2000")
        }
        var written = 0
        do {
            while written < options.products {
                let batch = min(options.batchSize, options.products - written)
                let start = written
                try await database.write { db in
                    try db.execute(sql: "PRAGMA cache_size = -262144")
                    var rng = SeededGenerator(seed: options.seed &* 7919 &+ UInt64(start))
                    let product = try db.makeStatement(
                        sql: """
                            INSERT INTO product (id, sku, article, name, brandId, productLine, baseUnitId, searchText, createdAt, updatedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                            """)
                    let category = try db.makeStatement(sql: "INSERT INTO productCategory (productId, categoryId, isPrimary) VALUES (?, ?, 1)")
                    let property = try db.makeStatement(sql: "INSERT OR IGNORE INTO productProperty (productId, propertyId, valueId) VALUES (?, ?, ?)")
                    let price = try db.makeStatement(sql: "INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES (?, ?, ?, ?)")
                    let stock = try db.makeStatement(sql: "INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (?, ?, ?)")
                    let brandNames = brands_(options.seed)
                    let window = max(1, min(setup.properties.count, 60))
                    for offset in 0..<batch {
                        let number = start + offset + 1
                        let id = setup.firstProductId + Int64(start + offset)
                        let sku = prefix + String(number)
                        let name = "\(words[rng.int(0...words.count - 1)].capitalized) \(words[rng.int(0...words.count - 1)]) \(words[rng.int(0...words.count - 1)]) \(rng.int(1...999))"
                        let brandIndex = rng.int(0...setup.brands.count - 1)
                        let line = "Серия \(rng.int(1...300))"
                        let unit = setup.units[rng.int(0...setup.units.count - 1)]
                        let article = "A\(options.seed)-\(rng.int(100_000...999_999))"
                        product.setUncheckedArguments([
                            id, sku, article, name, setup.brands[brandIndex], line, unit,
                            SearchText.normalize("\(name) \(sku) \(article) \(brandNames[brandIndex]) \(line)"),
                        ])
                        try product.execute()
                        let categoryIndex = rng.int(0...setup.categories.count - 1)
                        category.setUncheckedArguments([id, setup.categories[categoryIndex]])
                        try category.execute()
                        // Properties cluster by category, as in real catalogs: each category uses a window of them.
                        let base = (categoryIndex * 37) % max(1, setup.properties.count - window + 1)
                        for _ in 0..<options.propertiesPerProduct {
                            let (propertyId, values) = setup.properties[base + rng.int(0...window - 1)]
                            try Self.insert(property, [id, propertyId, values[rng.int(0...values.count - 1)]])
                        }
                        let basePrice = Int64(rng.int(100...500_000))
                        for (index, priceType) in setup.priceTypes.enumerated() {
                            try Self.insert(price, [priceType, id, unit, basePrice - basePrice * Int64(index * 7) / 100])
                        }
                        for warehouse in setup.warehouses where rng.chance(60) {
                            try Self.insert(stock, [id, warehouse, Int64(rng.int(1...1000)) * 1000])
                        }
                    }
                }
                written += batch
                progress?(written)
            }
        } catch {
            try? await database.write { db in try restore(db) }
            throw error
        }
        try await database.write { db in
            try restore(db)
            try WholesailDatabase.refreshCategoryCounts(db)
        }
        return written
    }

    /// Runs a prepared all-integer INSERT with SQLite's own binding calls: the hot loop of a
    /// million-product seed, where generic argument boxing costs more than the insert itself.
    static func insert(_ statement: Statement, _ values: [Int64]) throws {
        let handle = statement.sqliteStatement
        for (index, value) in values.enumerated() { sqlite3_bind_int64(handle, Int32(index + 1), value) }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "synthetic insert failed", sql: statement.sql)
        }
    }

    static func brands_(_ seed: UInt64) -> [String] {
        brands + (1...285).map { "Brand \(seed)-\($0)" }
    }
}
