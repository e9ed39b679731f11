import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// Tables whose changes make the catalog index stale. `productCategory`, `productTag` and
    /// `productProperty` have no rowid, so SQLite's update hook misses them: the writers that
    /// use them also change `product` (or call `notifyChanges`).
    static let catalogIndexTables = ["product", "productCategory", "productTag", "tag", "category", "property", "propertyValue", "productProperty"]
    /// `stock` has no rowid either: its writers call `notifyChanges(in: Table("stock"))`.
    static let catalogStockTables = ["stock", "warehouse"]

    /// Starts counting commits that touch the catalog index's tables (counted in the commit hook,
    /// before the write returns) and answers a stream that wakes on each one.
    public func trackCatalogIndexChanges() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let holder = catalogIndex
        let catalog = DatabaseRegionObservation(tracking: Self.catalogIndexTables.map { Table($0) })
        let stock = DatabaseRegionObservation(tracking: Self.catalogStockTables.map { Table($0) })
        let first = catalog.start(in: writer, onError: { _ in continuation.finish() }) { _ in
            holder.bump(catalog: true, stock: false)
            continuation.yield()
        }
        let second = stock.start(in: writer, onError: { _ in continuation.finish() }) { _ in
            holder.bump(catalog: false, stock: true)
            continuation.yield()
        }
        continuation.onTermination = { _ in
            first.cancel()
            second.cancel()
        }
        return stream
    }

    /// Builds the catalog index from one read transaction and installs it.
    @discardableResult
    public func rebuildCatalogIndex() async throws -> CatalogIndex {
        let generations = catalogIndex.generations
        let (index, stock) = try await reader.read { db in
            let index = try Self.loadCatalogIndex(db, generation: generations.catalog)
            return (index, try Self.loadCatalogStock(db, index: index, generation: generations.stock))
        }
        catalogIndex.install(index, stock: stock)
        return index
    }

    /// Rebuilds the stock sets (after orders, offers, warehouse changes) against the current index.
    public func rebuildCatalogStock() async throws {
        guard let index = catalogIndex.catalog else { return }
        let generation = catalogIndex.generations.stock
        let stock = try await reader.read { db in try Self.loadCatalogStock(db, index: index, generation: generation) }
        catalogIndex.install(stock)
    }

    static func loadCatalogIndex(_ db: Database, generation: UInt64) throws -> CatalogIndex {
        var builder = CatalogIndexBuilder()
        let products = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, sku, article, ratingSum, ratingCount,
                       length(searchText) - length(replace(searchText, ' ', '')) + 1
                FROM product WHERE active = 1 AND deleted = 0 ORDER BY id
                """)
        while let row = try products.next() {
            builder.addProduct(
                id: row[0], sku: row[1], article: row[2], ratingSum: row[3], ratingCount: row[4], words: row[5])
        }
        builder.finishProducts()
        builder.nameOrder = try Int64.fetchAll(db, sql: "SELECT id FROM product WHERE active = 1 AND deleted = 0 ORDER BY name, id")
        builder.newestOrder = try Int64.fetchAll(
            db, sql: "SELECT id FROM product WHERE active = 1 AND deleted = 0 ORDER BY createdAt DESC, id DESC")
        let categories = try Row.fetchCursor(db, sql: "SELECT id, parentId FROM category")
        while let row = try categories.next() { builder.addCategory(id: row[0], parentId: row[1]) }
        let memberships = try Row.fetchCursor(db, sql: "SELECT categoryId, productId FROM productCategory")
        while let row = try memberships.next() { builder.addProductCategory(categoryId: row[0], productId: row[1]) }
        let tags = try Row.fetchCursor(db, sql: "SELECT t.code, pt.productId FROM productTag pt JOIN tag t ON t.id = pt.tagId")
        while let row = try tags.next() { builder.addTag(row[0], productId: row[1]) }
        let properties = try Row.fetchCursor(db, sql: "SELECT id, name, unitName, sortOrder FROM property WHERE filterable = 1 ORDER BY id")
        while let row = try properties.next() { builder.addProperty(id: row[0], name: row[1], unit: row[2], sortOrder: row[3]) }
        let values = try Row.fetchCursor(
            db, sql: "SELECT v.id, v.propertyId, v.value FROM propertyValue v JOIN property p ON p.id = v.propertyId WHERE p.filterable = 1")
        while let row = try values.next() { builder.addValue(id: row[0], propertyId: row[1], text: row[2]) }
        // The table's own key order (productId, propertyId): rows arrive grouped by product.
        let productValues = try Row.fetchCursor(
            db,
            sql: """
                SELECT productId, valueId FROM productProperty
                WHERE valueId IS NOT NULL AND propertyId IN (SELECT id FROM property WHERE filterable = 1)
                ORDER BY productId
                """)
        while let row = try productValues.next() { builder.addProductValue(productId: row[0], valueId: row[1]) }
        return builder.build(generation: generation)
    }

    static func loadCatalogStock(_ db: Database, index: CatalogIndex, generation: UInt64) throws -> CatalogStockIndex {
        var any = PositionSet(count: index.productCount)
        var byRegion: [Int64: PositionSet] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT s.productId, w.regionId FROM stock s JOIN warehouse w ON w.id = s.warehouseId
                WHERE s.qtyMilli > s.reservedMilli AND w.active = 1
                """)
        while let row = try rows.next() {
            guard let position = index.position(of: row[0]) else { continue }
            any.insert(position)
            if let region: Int64 = row[1] {
                byRegion[region, default: PositionSet(count: index.productCount)].insert(position)
            }
        }
        return CatalogStockIndex(index: index, any: any, byRegion: byRegion, generation: generation)
    }
}
