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
        return installCatalogIndex(try await read { db in try Self.loadCatalogIndexAndStock(db, generations: generations) })
    }

    /// The same on the calling thread (the server's upkeep runs it on a low-priority thread).
    @discardableResult
    public func rebuildCatalogIndexSync() throws -> CatalogIndex {
        let generations = catalogIndex.generations
        return installCatalogIndex(try read { db in try Self.loadCatalogIndexAndStock(db, generations: generations) })
    }

    /// Rebuilds the stock sets (after orders, offers, warehouse changes) against the current
    /// index, on the calling thread.
    public func rebuildCatalogStockSync() throws {
        guard let index = catalogIndex.catalog else { return }
        let generation = catalogIndex.generations.stock
        let stock = try read { db in try Self.loadCatalogStock(db, index: index, generation: generation) }
        catalogIndex.install(stock)
    }

    private func installCatalogIndex(_ built: (index: CatalogIndex, stock: CatalogStockIndex)) -> CatalogIndex {
        catalogIndex.install(built.index, stock: built.stock)
        return built.index
    }

    static func loadCatalogIndexAndStock(
        _ db: Database, generations: (catalog: UInt64, stock: UInt64)
    ) throws -> (index: CatalogIndex, stock: CatalogStockIndex) {
        let index = try loadCatalogIndex(db, generation: generations.catalog)
        return (index, try loadCatalogStock(db, index: index, generation: generations.stock))
    }

    static func loadCatalogIndex(_ db: Database, generation: UInt64) throws -> CatalogIndex {
        var builder = CatalogIndexBuilder()
        let active = "FROM product WHERE active = 1 AND deleted = 0"
        try db.forEachRawRow(
            db.makeStatement(
                sql: "SELECT id, sku, ratingSum, ratingCount, length(searchText) - length(replace(searchText, ' ', '')) + 1 \(active) ORDER BY id")
        ) { row in
            builder.addProduct(id: row.int64(0), sku: row.text(1) ?? "", ratingSum: row.int64(2), ratingCount: row.int64(3), words: Int(row.int64(4)))
        }
        builder.finishProducts()
        // FTS5's words in term order, documents ascending (migration 0013): the word index for
        // plain searches.
        var terms = CatalogTermsBuilder()
        try db.forEachRawRow(db.makeStatement(sql: "SELECT term, doc FROM productFtsTerms")) { row in
            guard let position = builder.position(of: row.int64(1)) else { return }
            terms.add(term: row.bytes(0), position: position)
        }
        builder.terms = terms
        builder.nameOrder = try db.rawInt64s(db.makeStatement(sql: "SELECT id \(active) ORDER BY name, id"))
        builder.newestOrder = try db.rawInt64s(db.makeStatement(sql: "SELECT id \(active) ORDER BY createdAt DESC, id DESC"))
        // `sku` is COLLATE NOCASE: its unique index gives the folded byte order.
        builder.skuOrder = try db.rawInt64s(db.makeStatement(sql: "SELECT id FROM product ORDER BY sku"))  // inactive ids are skipped
        try db.forEachRawRow(db.makeStatement(sql: "SELECT id, parentId FROM category")) { row in
            builder.addCategory(id: row.int64(0), parentId: row.isNull(1) ? nil : row.int64(1))
        }
        try db.forEachRawRow(db.makeStatement(sql: "SELECT categoryId, productId FROM productCategory")) { row in
            builder.addProductCategory(categoryId: row.int64(0), productId: row.int64(1))
        }
        try db.forEachRawRow(db.makeStatement(sql: "SELECT t.code, pt.productId FROM productTag pt JOIN tag t ON t.id = pt.tagId")) { row in
            builder.addTag(row.text(0) ?? "", productId: row.int64(1))
        }
        try db.forEachRawRow(db.makeStatement(sql: "SELECT id, name, unitName, sortOrder FROM property WHERE filterable = 1 ORDER BY id")) { row in
            builder.addProperty(id: row.int64(0), name: row.text(1) ?? "", unit: row.text(2), sortOrder: Int(row.int64(3)))
        }
        try db.forEachRawRow(
            db.makeStatement(
                sql: "SELECT v.id, v.propertyId, v.value FROM propertyValue v JOIN property p ON p.id = v.propertyId WHERE p.filterable = 1")
        ) { row in
            builder.addValue(id: row.int64(0), propertyId: row.int64(1), text: row.text(2) ?? "")
        }
        // The table's own key order (productId, propertyId), so rows arrive grouped by product
        // with no sort (through the value index SQLite sorted millions of rows); values of
        // properties that are not filterable are skipped by the builder.
        try db.forEachRawRow(
            db.makeStatement(sql: "SELECT productId, valueId FROM productProperty NOT INDEXED WHERE valueId IS NOT NULL ORDER BY productId")
        ) { row in
            builder.addProductValue(productId: row.int64(0), valueId: row.int64(1))
        }
        return builder.build(generation: generation)
    }

    static func loadCatalogStock(_ db: Database, index: CatalogIndex, generation: UInt64) throws -> CatalogStockIndex {
        var any = PositionSet(count: index.productCount)
        var byRegion: [Int64: PositionSet] = [:]
        try db.forEachRawRow(
            db.makeStatement(
                sql: """
                    SELECT s.productId, w.regionId FROM stock s JOIN warehouse w ON w.id = s.warehouseId
                    WHERE s.qtyMilli > s.reservedMilli AND w.active = 1
                    """)
        ) { row in
            guard let position = index.position(of: row.int64(0)) else { return }
            any.insert(position)
            if !row.isNull(1) {
                byRegion[row.int64(1), default: PositionSet(count: index.productCount)].insert(position)
            }
        }
        return CatalogStockIndex(index: index, any: any, byRegion: byRegion, generation: generation)
    }
}
