import Foundation
import GRDB
import WholesailCore

/// What goes into a price list: categories (each with its descendants), or the whole catalog.
public struct PriceListSelection: Sendable, Equatable {
    /// Chosen categories; their subtrees are included. Empty: the whole catalog.
    public var categoryIds: [Int64]
    /// The buyer's region: stock is counted in its warehouses (nil: every warehouse).
    public var regionId: Int64?

    public init(categoryIds: [Int64] = [], regionId: Int64? = nil) {
        self.categoryIds = categoryIds
        self.regionId = regionId
    }
}

/// One product line of a price list, before the buyer's price is put on it.
public struct PriceListLine: Sendable, Equatable {
    public var productId: Int64
    public var sku: String
    public var article: String?
    public var name: String
    public var brand: String?
    public var unit: String
    /// Free stock (on hand minus reserved) in the region's warehouses, thousandths.
    public var regionalMilli: Int64
    /// Days to bring it from another region's warehouse when the region has none (nil: not there either).
    public var deliveryDays: Int?
}

/// A price list in reading order: a category heading, then its products, then the next one.
public enum PriceListItem: Sendable, Equatable {
    /// A category (its path from the root, `Инструмент › Дрели`); nil name: products without a category.
    case section(path: [String]?)
    case line(PriceListLine)
}

extension WholesailDatabase {
    /// Reads a price list in one read transaction (one consistent snapshot), handing out its
    /// items one by one from a cursor: memory stays flat whatever the catalog's size.
    ///
    /// Categories come in the order of the catalog tree; each product is listed once, under its
    /// primary category when that is among the chosen ones, else under the first chosen category
    /// it belongs to (in tree order); within a category by name. The whole catalog also lists
    /// products without an (active) category, at the end. Returns the number of lines.
    @discardableResult
    public func readPriceList(_ selection: PriceListSelection, _ body: @escaping @Sendable (PriceListItem) throws -> Void) async throws -> Int {
        // Sorting a whole catalog by category and name needs SQLite's sorter, which the
        // connections keep in memory (`temp_store = MEMORY`); for this one read it spills to a
        // temporary file past the page cache instead, so memory stays flat at any catalog size.
        try await reader.unsafeRead { db in
            try db.execute(sql: "PRAGMA temp_store = FILE")
            defer { try? db.execute(sql: "PRAGMA temp_store = MEMORY") }
            try db.execute(sql: "BEGIN DEFERRED")
            defer { try? db.execute(sql: "COMMIT") }
            return try Self.readPriceList(db, selection, body)
        }
    }

    static func readPriceList(_ db: Database, _ selection: PriceListSelection, _ body: (PriceListItem) throws -> Void) throws -> Int {
        // The categories in tree order, with their paths of names.
        let tree = try Row.fetchAll(
            db,
            sql: """
                SELECT id, parentId, name, path FROM category
                WHERE active = 1 ORDER BY path || printf('%010d', sortOrder), sortOrder, name
                """)
        var names: [Int64: (name: String, parent: Int64?)] = [:]
        for row in tree { names[row["id"]] = (row["name"], row["parentId"]) }
        let chosenPaths: [String] = try selection.categoryIds.isEmpty
            ? []
            : String.fetchAll(
                db, sql: "SELECT path FROM category WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [Self.jsonIds(selection.categoryIds)])
        let wholeCatalog = selection.categoryIds.isEmpty
        if !wholeCatalog && chosenPaths.isEmpty { return 0 }
        var ordered: [Int64] = []
        for row in tree {
            let path: String = row["path"]
            if wholeCatalog || chosenPaths.contains(where: { path.hasPrefix($0) }) { ordered.append(row["id"]) }
        }
        let placement = """
            WITH sel(id, ord) AS (SELECT value, key FROM json_each(:categories)),
            placed AS (
                SELECT pc.productId, min((1 - pc.isPrimary) * 1000000000 + sel.ord) AS k
                FROM sel JOIN productCategory pc ON pc.categoryId = sel.id GROUP BY pc.productId
            )
            """
        let source =
            wholeCatalog
            ? "product p LEFT JOIN placed ON placed.productId = p.id"
            : "placed JOIN product p ON p.id = placed.productId"
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                \(placement)
                SELECT ifnull(placed.k % 1000000000, -1) AS ord, p.id, p.sku, p.article, p.name, b.name AS brand, u.name AS unit,
                    (SELECT sum(s.qtyMilli - s.reservedMilli) FROM stock s JOIN warehouse w ON w.id = s.warehouseId AND w.active = 1
                     WHERE s.productId = p.id AND s.qtyMilli > s.reservedMilli AND (:region IS NULL OR w.regionId = :region)) AS regional,
                    (SELECT min(w.deliveryDays) + 1 FROM stock s JOIN warehouse w ON w.id = s.warehouseId AND w.active = 1
                     WHERE s.productId = p.id AND s.qtyMilli > s.reservedMilli AND :region IS NOT NULL
                       AND (w.regionId IS NULL OR w.regionId <> :region)) AS days
                FROM \(source)
                LEFT JOIN brand b ON b.id = p.brandId JOIN unit u ON u.id = p.baseUnitId
                WHERE p.active = 1 AND p.deleted = 0
                ORDER BY ord = -1, ord, p.name, p.id
                """,
            arguments: ["categories": Self.jsonIds(ordered), "region": selection.regionId])
        var currentSection: Int? = nil
        var lines = 0
        while let row = try cursor.next() {
            let ord: Int = row["ord"]
            if ord != currentSection {
                currentSection = ord
                if ord < 0 {
                    try body(.section(path: nil))
                } else {
                    var path: [String] = []
                    var node: Int64? = ordered[ord]
                    while let id = node, let entry = names[id] {
                        path.insert(entry.name, at: 0)
                        node = entry.parent
                    }
                    try body(.section(path: path))
                }
            }
            let regional: Int64? = row["regional"]
            try body(
                .line(
                    PriceListLine(
                        productId: row["id"], sku: row["sku"], article: row["article"], name: row["name"], brand: row["brand"],
                        unit: row["unit"], regionalMilli: max(0, regional ?? 0), deliveryDays: (regional ?? 0) > 0 ? nil : row["days"])))
            lines += 1
        }
        return lines
    }

    /// The chosen categories' names in tree order (for the price list's heading).
    public func categoryNames(ids: [Int64]) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM category WHERE id IN (SELECT value FROM json_each(?))
                    ORDER BY path || printf('%010d', sortOrder), sortOrder, name
                    """, arguments: [Self.jsonIds(ids)])
        }
    }

    /// A region's name.
    public func regionName(id: Int64) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT name FROM region WHERE id = ?", arguments: [id]) }
    }

    static func jsonIds(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
