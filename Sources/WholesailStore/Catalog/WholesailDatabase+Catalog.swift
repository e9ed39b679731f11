import Foundation
import GRDB
import WholesailCore

/// A category as the tree shows it.
public struct CategoryNode: Sendable, Equatable, FetchableRecord, Decodable {
    public var id: Int64
    public var parentId: Int64?
    public var name: String
    public var depth: Int
    public var productCount: Int
}

/// A product as a listing shows it.
public struct ProductSummary: Sendable, Equatable, FetchableRecord, Decodable {
    public var id: Int64
    public var sku: String
    public var article: String?
    public var name: String
    public var brand: String?
    public var unit: String
    public var imageSha256: String?
    public var priceMinor: Int64?
    public var currency: String?
    public var stockMilli: Int64
    /// Average published rating ×10 (45 = 4.5), nil without reviews.
    public var rating10: Int?
}

/// The product card.
public struct ProductCard: Sendable, Equatable {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public struct StockLine: Sendable, Equatable {
        public var warehouse: String
        public var region: String?
        public var qtyMilli: Int64
    }

    public struct UnitOption: Sendable, Equatable {
        public var unit: String
        public var factor: String
        public var priceMinor: Int64?
        public var unitId: Int64 = 0
        /// What the cart accepts in this unit.
        public var rule = Quantity.Rule()
    }

    public struct Document: Sendable, Equatable {
        public var title: String
        public var fileName: String
        public var sha256: String
    }

    public var summary: ProductSummary
    public var description: String
    public var productLine: String?
    public var categoryPath: [CategoryNode]
    public var properties: [Property]
    public var images: [String]
    /// The ordered frames of a 360° view, if the product has them.
    public var spin: [String]
    public var stock: [StockLine]
    public var units: [UnitOption]
    public var documents: [Document]
    public var tags: [String]
}

/// How a listing is sorted.
public enum ProductSort: String, Sendable, CaseIterable {
    case relevance, name, price, priceDesc = "price_desc", newest, rating
}

/// A listing request: a category (with its subcategories) and/or a search, filters, one page.
public struct ProductListQuery: Sendable {
    public var categoryId: Int64?
    public var text: String?
    public var sort: ProductSort
    public var page: Int
    public var perPage: Int
    /// Property filters: property id → accepted value ids (any of them; all properties must hold).
    public var properties: [Int64: Set<Int64>] = [:]
    /// Tags the product must carry (`novelty`, `sale`, …).
    public var tags: Set<String> = []
    /// Only products with free stock, in this region's warehouses (nil region: any warehouse).
    public var inStock = false
    public var regionId: Int64?
    /// The buyer's price range, minor units (needs the `price` function of `listProducts`).
    public var minPrice: Int64?
    public var maxPrice: Int64?
    /// Compute facet counts for filterable properties over the filtered result.
    public var withFacets = false

    public init(categoryId: Int64? = nil, text: String? = nil, sort: ProductSort = .relevance, page: Int = 1, perPage: Int = 24) {
        self.categoryId = categoryId
        self.text = text
        self.sort = sort
        self.page = page
        self.perPage = perPage
    }
}

/// Value counts of one filterable property within a listing.
public struct Facet: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public var id: Int64
        public var value: String
        public var count: Int
    }

    public var propertyId: Int64
    public var name: String
    public var unit: String?
    public var values: [Value]
}

extension WholesailDatabase {
    /// The whole category tree, parents before children, siblings in their order.
    public func categoryTree() async throws -> [CategoryNode] {
        try await read { db in
            try CategoryNode.fetchAll(
                db.cached(
                """
                    SELECT id, parentId, name, depth, productCount FROM category
                    WHERE active = 1 ORDER BY path || printf('%010d', sortOrder), sortOrder, name
                    """))
        }
    }

    public func category(id: Int64) async throws -> CategoryNode? {
        try await read { db in
            try CategoryNode.fetchOne(
                db.cached("SELECT id, parentId, name, depth, productCount FROM category WHERE id = ? AND active = 1"),
                arguments: [id])
        }
    }

    /// The price type whose prices are shown until the pricing engine answers per buyer.
    static func displayPriceTypeId(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cached("SELECT id FROM priceType WHERE isDefault = 1 ORDER BY sortOrder, id LIMIT 1"))
            ?? Int64.fetchOne(db.cached("SELECT id FROM priceType ORDER BY sortOrder, id LIMIT 1"))
    }

    private static let summaryColumns = """
        p.id, p.sku, p.article, p.name, b.name AS brand, u.name AS unit,
        (SELECT f.blobSha256 FROM file f WHERE f.id = p.mainImageFileId) AS imageSha256,
        (SELECT pr.amountMinor FROM price pr WHERE pr.priceTypeId = :priceType AND pr.productId = p.id AND pr.unitId = p.baseUnitId) AS priceMinor,
        (SELECT pt.currency FROM priceType pt WHERE pt.id = :priceType) AS currency,
        (SELECT ifnull(sum(s.qtyMilli - s.reservedMilli), 0) FROM stock s WHERE s.productId = p.id) AS stockMilli,
        CASE WHEN p.ratingCount > 0 THEN (p.ratingSum * 10 + p.ratingCount / 2) / p.ratingCount END AS rating10
        """

    /// One page of active products in a category subtree and/or matching a search, with the total.
    /// A search that leaves nothing to match (only punctuation) finds nothing rather than failing.
    ///
    /// Prices come from `price` (the buyer's price from the matrix): sorting by price reads every
    /// match's id, orders them by that price in memory and fetches only the page, so the order is
    /// the buyer's own. `isHidden` drops products a rule hides from this buyer.
    public func listProducts(
        _ query: ProductListQuery, price: (@Sendable (Int64) -> Int64?)? = nil, isHidden: (@Sendable (Int64) -> Bool)? = nil
    ) async throws -> (items: [ProductSummary], total: Int, facets: [Facet]) {
        if let usable = catalogIndex.usable(needsStock: query.inStock),
            let listed = try await listProducts(query, index: usable.catalog, stock: usable.stock, price: price, isHidden: isHidden)
        {
            return listed
        }
        return try await read { db in
            let priceType = try Self.displayPriceTypeId(db)
            // With a search, the full-text index drives the query (CROSS JOIN fixes the loop order in
            // SQLite): otherwise the planner may walk every product and run the MATCH once per row.
            var from = "product p"
            var conditions = ["p.active = 1", "p.deleted = 0"]
            var arguments: [String: (any DatabaseValueConvertible)?] = ["priceType": priceType]
            if let text = query.text, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let match = SearchText.matchExpression(text) else { return ([], 0, []) }
                from = "productFts CROSS JOIN product p ON p.id = productFts.rowid"
                conditions.append("productFts MATCH :match")
                arguments["match"] = match
            }
            if let categoryId = query.categoryId {
                // The subtree's category ids first (a small scan), then the products by the
                // (categoryId, productId) key: never a pass over every product's categories.
                guard let path = try String.fetchOne(db.cached("SELECT path FROM category WHERE id = ?"), arguments: [categoryId]) else {
                    return ([], 0, [])
                }
                conditions.append(
                    """
                    p.id IN (SELECT pc.productId FROM productCategory pc
                             WHERE pc.categoryId IN (SELECT id FROM category WHERE path LIKE :categoryPath))
                    """)
                arguments["categoryPath"] = path.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            }
            for (offset, filter) in query.properties.sorted(by: { $0.key < $1.key }).enumerated() where !filter.value.isEmpty {
                conditions.append(
                    "p.id IN (SELECT productId FROM productProperty WHERE propertyId = :prop\(offset) AND valueId IN (SELECT value FROM json_each(:values\(offset))))")
                arguments["prop\(offset)"] = filter.key
                arguments["values\(offset)"] = "[" + filter.value.sorted().map(String.init).joined(separator: ",") + "]"
            }
            for (offset, tag) in query.tags.sorted().enumerated() {
                conditions.append("p.id IN (SELECT pt.productId FROM productTag pt JOIN tag t ON t.id = pt.tagId WHERE t.code = :tag\(offset))")
                arguments["tag\(offset)"] = tag
            }
            if query.inStock {
                conditions.append(
                    """
                    EXISTS (SELECT 1 FROM stock s JOIN warehouse w ON w.id = s.warehouseId
                            WHERE s.productId = p.id AND s.qtyMilli > s.reservedMilli AND w.active = 1 AND (:region IS NULL OR w.regionId = :region))
                    """)
                // updateValue keeps a nil region as an SQL NULL; `arguments["region"] = nil` would drop the key.
                arguments.updateValue(query.regionId, forKey: "region")
            }
            let whereClause = conditions.joined(separator: " AND ")
            var facets: [Facet] = []
            if query.withFacets {
                facets = try Self.facets(db, matching: "SELECT p.id FROM \(from) WHERE \(whereClause)", arguments: arguments)
            }
            if let raw = query.text?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw.count <= 100 {
                arguments["raw"] = raw
                arguments["rawPrefix"] = raw.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            }
            let order: String
            switch query.sort {
            case .relevance:
                // Exact SKU or article first (a missing article is no match, not NULL, which sorts last),
                // then SKU prefixes, then the shortest product texts
                // (the index's order too: cheaper than bm25, which reads every match's size).
                let shortest = "length(p.searchText) - length(replace(p.searchText, ' ', '')), p.name, p.id"
                order = arguments["match"] == nil ? "p.name, p.id"
                    : arguments["raw"] != nil
                        ? "(p.sku = :raw OR ifnull(p.article = :raw, 0)) DESC, (p.sku LIKE :rawPrefix) DESC, \(shortest)"
                        : shortest
            case .name, .price, .priceDesc: order = "p.name, p.id"
            case .newest: order = "p.createdAt DESC, p.id DESC"
            case .rating: order = "CASE WHEN p.ratingCount > 0 THEN p.ratingSum * 1.0 / p.ratingCount ELSE 0 END DESC, p.ratingCount DESC, p.name, p.id"
            }
            var pageIds: [Int64]
            var total: Int
            let byPrice = query.minPrice != nil || query.maxPrice != nil
            if query.sort == .price || query.sort == .priceDesc || isHidden != nil || byPrice {
                // Every match's id, then the buyer's filter and order in memory.
                var ids = try Int64.fetchAll(
                    db.cached("SELECT p.id FROM \(from) WHERE \(whereClause) ORDER BY \(order)"), arguments: StatementArguments(arguments))
                if let isHidden { ids.removeAll(where: isHidden) }
                if byPrice, let price {
                    ids.removeAll { id in
                        guard let amount = price(id) else { return true }
                        return (query.minPrice.map { amount < $0 } ?? false) || (query.maxPrice.map { amount > $0 } ?? false)
                    }
                }
                if let price, query.sort == .price || query.sort == .priceDesc {
                    let keyed = ids.map { (id: $0, price: price($0)) }
                    let descending = query.sort == .priceDesc
                    ids = keyed.enumerated().sorted { lhs, rhs in
                        switch (lhs.element.price, rhs.element.price) {
                        case let (l?, r?) where l != r: return descending ? l > r : l < r
                        case (nil, .some): return false
                        case (.some, nil): return true
                        default: return lhs.offset < rhs.offset
                        }
                    }.map(\.element.id)
                }
                total = ids.count
                let start = min(ids.count, (query.page - 1) * query.perPage)
                pageIds = Array(ids[start..<min(ids.count, start + query.perPage)])
            } else {
                total = try Int.fetchOne(
                    db.cached("SELECT count(*) FROM \(from) WHERE \(whereClause)"),
                    arguments: StatementArguments(arguments.filter { $0.key != "raw" && $0.key != "rawPrefix" })) ?? 0
                arguments["limit"] = query.perPage
                arguments["offset"] = (query.page - 1) * query.perPage
                pageIds = try Int64.fetchAll(
                    db.cached("SELECT p.id FROM \(from) WHERE \(whereClause) ORDER BY \(order) LIMIT :limit OFFSET :offset"),
                    arguments: StatementArguments(arguments))
            }
            return (try Self.pageSummaries(db, ids: pageIds, priceType: priceType), total, facets)
        }
    }

    /// The listing answered by the catalog index: SQLite only matches the words and reads the
    /// page's rows. Nil when the index cannot answer this question exactly.
    func listProducts(
        _ query: ProductListQuery, index: CatalogIndex, stock: CatalogStockIndex?, price: (@Sendable (Int64) -> Int64?)?,
        isHidden: (@Sendable (Int64) -> Bool)?
    ) async throws -> (items: [ProductSummary], total: Int, facets: [Facet])? {
        try await read { db in
            var matches: [Int64]?
            var matchPositions: [UInt32]?
            var raw: String?
            var exact: [Int64] = []
            if let text = query.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                let parsed = SearchText.parse(text)
                guard let match = SearchText.matchExpression(parsed) else { return ([], 0, []) }
                if let terms = index.terms, let words = parsed.plainWords, words.allSatisfy(CatalogTerms.isPlain) {
                    matchPositions = terms.positions(matching: words, lastIsPrefix: parsed.lastIsPrefix)
                } else {
                    let statement = try db.cached("SELECT rowid FROM productFts WHERE productFts MATCH ?")
                    try statement.setArguments([match])
                    var ids = try db.rawInt64s(statement)
                    if zip(ids, ids.dropFirst()).contains(where: { $0 >= $1 }) { ids.sort() }
                    matches = ids
                }
                // SKU and article matches only rank a relevance order.
                if text.count <= 100, query.sort == .relevance {
                    raw = text
                    exact = try Int64.fetchAll(
                        db.cached("SELECT id FROM product WHERE sku = :raw UNION SELECT id FROM product WHERE article = :raw"), arguments: ["raw": text])
                }
            }
            let indexQuery = CatalogIndexQuery(
                categoryId: query.categoryId, matches: matches, matchPositions: matchPositions, raw: raw, exact: exact, properties: query.properties, tags: query.tags,
                inStock: query.inStock, regionId: query.regionId, sort: query.sort, page: query.page, perPage: query.perPage,
                withFacets: query.withFacets, minPrice: query.minPrice, maxPrice: query.maxPrice)
            guard let found = index.evaluate(indexQuery, stock: stock, price: price, isHidden: isHidden) else { return nil }
            guard !found.pageIds.isEmpty else { return ([], found.total, found.facets) }
            return (try Self.pageSummaries(db, ids: found.pageIds, priceType: try Self.displayPriceTypeId(db)), found.total, found.facets)
        }
    }

    /// The summaries of a page of products, in the page's order.
    static func pageSummaries(_ db: Database, ids pageIds: [Int64], priceType: Int64?) throws -> [ProductSummary] {
        guard !pageIds.isEmpty else { return [] }
        let rows = try ProductSummary.fetchAll(
            db.cached(
            """
                SELECT \(Self.summaryColumns) FROM product p
                LEFT JOIN brand b ON b.id = p.brandId JOIN unit u ON u.id = p.baseUnitId
                WHERE p.id IN (SELECT value FROM json_each(:ids))
                """),
            arguments: ["priceType": priceType, "ids": "[" + pageIds.map(String.init).joined(separator: ",") + "]"])
        let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        return pageIds.compactMap { byId[$0] }
    }

    /// Value counts of filterable properties over the products the subquery selects: the
    /// properties most products carry first (at most 20), their values by count (at most 30).
    static func facets(_ db: Database, matching subquery: String, arguments: [String: (any DatabaseValueConvertible)?]) throws -> [Facet] {
        let rows = try Row.fetchAll(
            db.cached(
            """
                SELECT pp.propertyId, pp.valueId, count(*) AS n FROM productProperty pp
                JOIN property pr ON pr.id = pp.propertyId AND pr.filterable = 1
                WHERE pp.valueId IS NOT NULL AND pp.productId IN (\(subquery))
                GROUP BY pp.propertyId, pp.valueId
                """), arguments: StatementArguments(arguments))
        var byProperty: [Int64: [(Int64, Int)]] = [:]
        for row in rows { byProperty[row["propertyId"], default: []].append((row["valueId"], row["n"])) }
        let ranked = byProperty.sorted { lhs, rhs in
            let l = lhs.value.reduce(0) { $0 + $1.1 }
            let r = rhs.value.reduce(0) { $0 + $1.1 }
            return l != r ? l > r : lhs.key < rhs.key
        }.prefix(20)
        guard !ranked.isEmpty else { return [] }
        let propertyIds = ranked.map(\.key)
        let valueIds = ranked.flatMap { $0.value.map(\.0) }
        let json = { (ids: [Int64]) in "[" + ids.map(String.init).joined(separator: ",") + "]" }
        let names = try Dictionary(uniqueKeysWithValues: Row.fetchAll(
            db.cached("SELECT id, name, unitName, sortOrder FROM property WHERE id IN (SELECT value FROM json_each(?))"), arguments: [json(propertyIds)]
        ).map { ($0["id"] as Int64, (name: $0["name"] as String, unit: $0["unitName"] as String?, order: $0["sortOrder"] as Int)) })
        let values = try Dictionary(uniqueKeysWithValues: Row.fetchAll(
            db.cached("SELECT id, value FROM propertyValue WHERE id IN (SELECT value FROM json_each(?))"), arguments: [json(valueIds)]
        ).map { ($0["id"] as Int64, $0["value"] as String) })
        return ranked.compactMap { propertyId, counts -> Facet? in
            guard let info = names[propertyId] else { return nil }
            let list = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : (values[$0.0] ?? "") < (values[$1.0] ?? "") }.prefix(30)
                .map { Facet.Value(id: $0.0, value: values[$0.0] ?? "", count: $0.1) }
            return Facet(propertyId: propertyId, name: info.name, unit: info.unit, values: list)
        }.sorted { (names[$0.propertyId]?.order ?? 0, $0.propertyId) < (names[$1.propertyId]?.order ?? 0, $1.propertyId) }
    }

    /// Product summaries from `source` (a FROM clause joining `product p`), filtered and ordered:
    /// the one place the summary columns, brand and unit joins and the display price type meet.
    func summaries(source: String, condition: String, order: String, arguments: [String: (any DatabaseValueConvertible & Sendable)?]) async throws
        -> [ProductSummary]
    {
        try await read { db in
            var arguments: [String: (any DatabaseValueConvertible)?] = arguments.mapValues { $0 }
            // `.some`: assigning a nil Int64? through the subscript would remove the key, and the
            // statement would miss its argument (500 on the front page of a catalog without prices).
            arguments["priceType"] = .some(try Self.displayPriceTypeId(db))
            return try ProductSummary.fetchAll(
                db.cached(
                """
                    SELECT \(Self.summaryColumns) FROM \(source)
                    LEFT JOIN brand b ON b.id = p.brandId JOIN unit u ON u.id = p.baseUnitId
                    WHERE \(condition) ORDER BY \(order)
                    """), arguments: StatementArguments(arguments))
        }
    }

    /// Products carrying a tag (`novelty`, `best_seller`), for the front page.
    public func taggedProducts(_ tag: String, limit: Int) async throws -> [ProductSummary] {
        try await summaries(
            source: "product p JOIN productTag pt ON pt.productId = p.id JOIN tag t ON t.id = pt.tagId AND t.code = :tag",
            condition: "p.active = 1 AND p.deleted = 0", order: "p.id LIMIT :limit", arguments: ["tag": tag, "limit": limit])
    }

    /// The full card of an active product, or nil.
    public func productCard(id: Int64) async throws -> ProductCard? {
        try await read { db in
            let priceType = try Self.displayPriceTypeId(db)
            guard
                let summary = try ProductSummary.fetchOne(
                    db.cached(
                    """
                        SELECT \(Self.summaryColumns) FROM product p
                        LEFT JOIN brand b ON b.id = p.brandId JOIN unit u ON u.id = p.baseUnitId
                        WHERE p.id = :id AND p.active = 1 AND p.deleted = 0
                        """),
                    arguments: ["priceType": priceType, "id": id]),
                let row = try Row.fetchOne(db.cached("SELECT description, productLine FROM product WHERE id = ?"), arguments: [id])
            else { return nil }
            let primaryCategory = try Int64.fetchOne(
                db.cached("SELECT categoryId FROM productCategory WHERE productId = ? ORDER BY isPrimary DESC LIMIT 1"),
                arguments: [id])
            var path: [CategoryNode] = []
            if let primaryCategory,
                let categoryPath = try String.fetchOne(db.cached("SELECT path FROM category WHERE id = ?"), arguments: [primaryCategory])
            {
                let ids = categoryPath.split(separator: "/").compactMap { Int64($0) }
                let nodes = try CategoryNode.fetchAll(
                    db.cached("SELECT id, parentId, name, depth, productCount FROM category WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"),
                    arguments: StatementArguments(ids))
                path = ids.compactMap { id in nodes.first { $0.id == id } }
            }
            let properties = try Row.fetchAll(
                db.cached(
                """
                    SELECT pr.name, pr.unitName, coalesce(v.value, pp.textValue) AS value
                    FROM productProperty pp JOIN property pr ON pr.id = pp.propertyId
                    LEFT JOIN propertyValue v ON v.id = pp.valueId
                    WHERE pp.productId = ? AND pr.showOnCard = 1 ORDER BY pr.sortOrder, pr.name
                    """), arguments: [id]
            ).map { row -> ProductCard.Property in
                let unitName: String? = row["unitName"]
                let value: String = row["value"] ?? ""
                return ProductCard.Property(name: row["name"], value: unitName.map { "\(value) \($0)" } ?? value)
            }
            let images = try String.fetchAll(
                db.cached(
                """
                    SELECT f.blobSha256 FROM productImage i JOIN file f ON f.id = i.fileId
                    WHERE i.productId = ? AND i.kind = 'photo' ORDER BY i.sortOrder
                    """), arguments: [id])
            let spin = try String.fetchAll(
                db.cached(
                """
                    SELECT f.blobSha256 FROM productImage i JOIN file f ON f.id = i.fileId
                    WHERE i.productId = ? AND i.kind = 'spin' ORDER BY i.sortOrder
                    """), arguments: [id])
            let stock = try Row.fetchAll(
                db.cached(
                """
                    SELECT w.name AS warehouse, r.name AS region, s.qtyMilli - s.reservedMilli AS qty
                    FROM stock s JOIN warehouse w ON w.id = s.warehouseId LEFT JOIN region r ON r.id = w.regionId
                    WHERE s.productId = ? AND w.active = 1 ORDER BY r.sortOrder, w.name
                    """), arguments: [id]
            ).map { ProductCard.StockLine(warehouse: $0["warehouse"], region: $0["region"], qtyMilli: $0["qty"]) }
            let base = try Row.fetchOne(db.cached("SELECT baseUnitId, minQtyMilli, stepQtyMilli FROM product WHERE id = ?"), arguments: [id])
            var units = [
                ProductCard.UnitOption(
                    unit: summary.unit, factor: "1", priceMinor: summary.priceMinor, unitId: base?["baseUnitId"] ?? 0,
                    rule: Quantity.Rule(minMilli: base?["minQtyMilli"] ?? 1000, stepMilli: base?["stepQtyMilli"] ?? 1000))
            ]
            units += try Row.fetchAll(
                db.cached(
                """
                    SELECT u.name, pu.factor, pu.unitId, pu.minQtyMilli, pu.stepQtyMilli,
                        (SELECT amountMinor FROM price WHERE priceTypeId = :priceType AND productId = pu.productId AND unitId = pu.unitId) AS price
                    FROM productUnit pu JOIN unit u ON u.id = pu.unitId WHERE pu.productId = :id ORDER BY u.name
                    """), arguments: ["priceType": priceType, "id": id]
            ).map { row in
                let factor: String = row["factor"]
                let explicit: Int64? = row["price"]
                let derived = summary.priceMinor.flatMap { base in
                    ExactDecimal(parsing: factor).map { Money(minorUnits: base, currency: summary.currency ?? "RUB").multiplied(by: $0).minorUnits }
                }
                return ProductCard.UnitOption(
                    unit: row["name"], factor: factor, priceMinor: explicit ?? derived, unitId: row["unitId"],
                    rule: Quantity.Rule(minMilli: row["minQtyMilli"], stepMilli: row["stepQtyMilli"]))
            }
            let documents = try Row.fetchAll(
                db.cached(
                """
                    SELECT coalesce(f.title, f.fileName) AS title, f.fileName, f.blobSha256 FROM productDocument d
                    JOIN file f ON f.id = d.fileId WHERE d.productId = ? ORDER BY d.sortOrder, f.fileName
                    """), arguments: [id]
            ).map { ProductCard.Document(title: $0["title"], fileName: $0["fileName"], sha256: $0["blobSha256"]) }
            let tags = try String.fetchAll(
                db.cached("SELECT t.code FROM productTag pt JOIN tag t ON t.id = pt.tagId WHERE pt.productId = ? ORDER BY t.id"),
                arguments: [id])
            return ProductCard(
                summary: summary, description: row["description"], productLine: row["productLine"], categoryPath: path,
                properties: properties, images: images, spin: spin, stock: stock, units: units, documents: documents, tags: tags)
        }
    }

    /// Recounts active products per category subtree (after imports and seeding): each category
    /// is expanded to its ancestors once, and products are counted once per subtree even when
    /// they sit in several of its categories. One pass, whatever the catalog size.
    public static func refreshCategoryCounts(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE category SET productCount = 0;
                WITH RECURSIVE ancestry(categoryId, ancestorId) AS (
                    SELECT id, id FROM category
                    UNION ALL
                    SELECT ancestry.categoryId, c.parentId FROM ancestry JOIN category c ON c.id = ancestry.ancestorId
                    WHERE c.parentId IS NOT NULL)
                UPDATE category SET productCount = counted.n FROM (
                    SELECT ancestry.ancestorId AS id, count(DISTINCT pc.productId) AS n
                    FROM ancestry JOIN productCategory pc ON pc.categoryId = ancestry.categoryId
                    JOIN product p ON p.id = pc.productId
                    WHERE p.active = 1 AND p.deleted = 0 GROUP BY ancestry.ancestorId) AS counted
                WHERE counted.id = category.id;
                """)
    }
}

extension WholesailDatabase {
    /// Type-ahead: up to `limit` active products for what is typed so far, exact SKU/article first.
    public func suggest(_ text: String, limit: Int = 10) async throws -> [(id: Int64, sku: String, name: String)] {
        // The search's own order (exact SKU/article, SKU prefix, shortest texts), from the catalog
        // index when it is current.
        try await listProducts(ProductListQuery(text: text, sort: .relevance, perPage: limit)).items.map { ($0.id, $0.sku, $0.name) }
    }

    /// Related products of a card (editors' or the ERP's), and the user's favorites.
    public func relatedProducts(of productId: Int64, limit: Int = 10) async throws -> [ProductSummary] {
        try await summaries(
            source: "relatedProduct r JOIN product p ON p.id = r.relatedId", condition: "r.productId = :id AND p.active = 1 AND p.deleted = 0",
            order: "r.sortOrder, p.id LIMIT :limit", arguments: ["id": productId, "limit": limit])
    }

    public func favorites(userId: Int64) async throws -> [ProductSummary] {
        try await summaries(
            source: "favorite f JOIN product p ON p.id = f.productId", condition: "f.userId = :user AND p.deleted = 0",
            order: "f.createdAt DESC, p.id LIMIT 1000", arguments: ["user": userId])
    }

    public func isFavorite(userId: Int64, productId: Int64) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db.cached("SELECT EXISTS (SELECT 1 FROM favorite WHERE userId = ? AND productId = ?)"), arguments: [userId, productId]) ?? false
        }
    }

    /// Adds or removes a favorite; unknown products are refused.
    public func setFavorite(userId: Int64, productId: Int64, on: Bool) async throws {
        try await write { db in
            guard try Bool.fetchOne(db.cached("SELECT EXISTS (SELECT 1 FROM product WHERE id = ? AND deleted = 0)"), arguments: [productId]) == true else {
                throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
            }
            if on {
                try db.execute(sql: "INSERT INTO favorite (userId, productId) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [userId, productId])
            } else {
                try db.execute(sql: "DELETE FROM favorite WHERE userId = ? AND productId = ?", arguments: [userId, productId])
            }
        }
    }
}

/// What a buyer of a region can count on: free stock in their region's warehouses, or else the
/// shortest delivery term from a warehouse elsewhere that has it.
public struct RegionalAvailability: Sendable, Equatable {
    public var regionalMilli: Int64
    public var deliveryDays: Int?
}

extension WholesailDatabase {
    /// Availability of products for a region (nil region: every warehouse counts as local).
    public func availability(productIds: [Int64], regionId: Int64?) async throws -> [Int64: RegionalAvailability] {
        guard !productIds.isEmpty else { return [:] }
        return try await read { db in
            let rows = try Row.fetchAll(
                db.cached(
                """
                    SELECT s.productId,
                        sum(CASE WHEN :region IS NULL OR w.regionId = :region THEN s.qtyMilli - s.reservedMilli ELSE 0 END) AS regional,
                        min(CASE WHEN :region IS NOT NULL AND (w.regionId IS NULL OR w.regionId <> :region) AND s.qtyMilli > s.reservedMilli
                                 THEN w.deliveryDays + 1 END) AS days
                    FROM stock s JOIN warehouse w ON w.id = s.warehouseId AND w.active = 1
                    WHERE s.productId IN (SELECT value FROM json_each(:ids)) GROUP BY s.productId
                    """),
                arguments: ["region": regionId, "ids": "[" + productIds.map(String.init).joined(separator: ",") + "]"])
            var result: [Int64: RegionalAvailability] = [:]
            for row in rows {
                result[row["productId"]] = RegionalAvailability(regionalMilli: max(0, row["regional"] ?? 0), deliveryDays: row["days"])
            }
            return result
        }
    }
}

extension WholesailDatabase {
    /// The units each product is sold in, its base unit first, then the others by name (the cart's
    /// unit switch): one query for all the lines.
    public func unitChoices(productIds: [Int64]) async throws -> [Int64: [(id: Int64, name: String)]] {
        let ids = Array(Set(productIds))
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id AS productId, u.id AS unitId, u.name, 0 AS rank FROM product p JOIN unit u ON u.id = p.baseUnitId
                    WHERE p.id IN (SELECT value FROM json_each(:ids))
                    UNION ALL
                    SELECT pu.productId, u.id, u.name, 1 FROM productUnit pu JOIN unit u ON u.id = pu.unitId
                    WHERE pu.productId IN (SELECT value FROM json_each(:ids))
                    ORDER BY productId, rank, name
                    """, arguments: ["ids": "[" + ids.map(String.init).joined(separator: ",") + "]"])
            var result: [Int64: [(id: Int64, name: String)]] = [:]
            for row in rows { result[row["productId"], default: []].append((row["unitId"], row["name"])) }
            return result
        }
    }
}
