import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    /// The tables prices are computed from: a commit touching any of them yields a new snapshot.
    static let pricingTables = [
        "product", "productCategory", "category", "productProperty", "priceType", "price", "priceTypeAssignment", "agreementPrice",
        "priceRule", "priceRuleProduct", "exchangeRate", "productUnit",
    ]

    /// What a commit must touch to yield a new snapshot: the pricing tables, and the price types
    /// the ERP sets on agreements and companies (only those columns: a credit limit changes no price).
    static var pricingRegions: [any DatabaseRegionConvertible] {
        pricingTables.map { Table($0) as any DatabaseRegionConvertible } + [
            Table("agreement").select(Column("priceTypeId"), Column("active"), Column("counterpartyId")),
            Table("counterparty").select(Column("priceTypeId")),
        ]
    }

    /// Assignments from the ERP rank below every assignment made on the admin page for the same
    /// buyers (admin priorities are -1000…1000).
    public static let erpAssignmentPriority = -1001

    /// Reads everything the price matrix needs, in one read transaction (a consistent snapshot).
    public static func loadPricingSnapshot(_ db: Database) throws -> PricingSnapshot {
        // Categories with their ancestors, from the materialized paths.
        var ancestors: [Int64: [Int64]] = [:]
        for row in try Row.fetchAll(db.cached("SELECT id, path FROM category")) {
            let path: String = row["path"]
            ancestors[row["id"]] = path.split(separator: "/").compactMap { Int64($0) }
        }
        // The large tables are read with SQLite's own calls and placed through a direct id table:
        // at a million products GRDB's row decoding and a dictionary of positions were most of the load.
        var products: [PricingSnapshot.Product] = []
        try db.forEachRawRow(db.makeStatement(sql: "SELECT id, brandId, productLine FROM product WHERE deleted = 0 ORDER BY id")) { row in
            products.append(.init(id: row.int64(0), brandId: row.isNull(1) ? nil : row.int64(1), productLine: row.text(2)))
        }
        let positions = IdPositions(sortedIds: products.map(\.id))
        try db.forEachRawRow(db.makeStatement(sql: "SELECT productId, categoryId FROM productCategory")) { row in
            guard let index = positions.position(of: row.int64(0)) else { return }
            let category = row.int64(1)
            products[index].categories.append(contentsOf: ancestors[category] ?? [category])
        }
        try db.forEachRawRow(db.makeStatement(sql: "SELECT productId, valueId FROM productProperty NOT INDEXED WHERE valueId IS NOT NULL")) { row in
            guard let index = positions.position(of: row.int64(0)) else { return }
            products[index].propertyValues.append(row.int64(1))
        }
        let types = try Row.fetchAll(db.cached("SELECT id, currency, rounding FROM priceType")).map {
            PricingSnapshot.PriceType(id: $0["id"], currency: $0["currency"], rounding: PricingSnapshot.Rounding(rawValue: $0["rounding"]) ?? .minor)
        }
        var typeSlot: [Int64: Int] = [:]
        var vectors: [[Int64?]] = []
        for type in types {
            typeSlot[type.id] = vectors.count
            vectors.append([Int64?](repeating: nil, count: products.count))
        }
        try db.forEachRawRow(
            db.makeStatement(
                sql: "SELECT pr.priceTypeId, pr.productId, pr.amountMinor FROM price pr JOIN product p ON p.id = pr.productId AND pr.unitId = p.baseUnitId")
        ) { row in
            guard let slot = typeSlot[row.int64(0)], let index = positions.position(of: row.int64(1)), !row.isNull(2) else { return }
            vectors[slot][index] = row.int64(2)
        }
        var basePrices: [Int64: [Int64?]] = [:]
        for (id, slot) in typeSlot { basePrices[id] = vectors[slot] }
        vectors.removeAll()
        // Explicit prices of alternative units: few, found from the product's units (an index lookup each).
        var unitPrices: [PricingSnapshot.UnitPriceKey: Int64] = [:]
        try db.forEachRawRow(
            db.makeStatement(
                sql: """
                    SELECT pr.priceTypeId, pr.productId, pr.unitId, pr.amountMinor FROM productUnit pu
                    JOIN product p ON p.id = pu.productId AND p.deleted = 0 AND pu.unitId <> p.baseUnitId
                    JOIN price pr ON pr.productId = pu.productId AND pr.unitId = pu.unitId
                    """)
        ) { row in
            guard !row.isNull(3) else { return }
            unitPrices[.init(priceTypeId: row.int64(0), productId: row.int64(1), unitId: row.int64(2))] = row.int64(3)
        }
        var assignments = try Row.fetchAll(db.cached("SELECT * FROM priceTypeAssignment")).map {
            PricingSnapshot.Assignment(
                id: $0["id"], priceTypeId: $0["priceTypeId"], agreementId: $0["agreementId"], counterpartyId: $0["counterpartyId"],
                holdingId: $0["holdingId"], userGroupId: $0["userGroupId"], regionId: $0["regionId"], priority: $0["priority"])
        }
        // The price type the ERP set on an active agreement (agreement imports) or on a company
        // (counterparty imports) is an assignment for buyers ordering under that agreement / for
        // that company, below any the admin made for the same buyers. Ids are negative (−2a, −2c−1)
        // so that they never meet the table's.
        for row in try Row.fetchAll(db.cached("SELECT id, priceTypeId FROM agreement WHERE priceTypeId IS NOT NULL AND active = 1")) {
            let id: Int64 = row["id"]
            assignments.append(.init(id: -2 * id, priceTypeId: row["priceTypeId"], agreementId: id, priority: erpAssignmentPriority))
        }
        for row in try Row.fetchAll(db.cached("SELECT id, priceTypeId FROM counterparty WHERE priceTypeId IS NOT NULL")) {
            let id: Int64 = row["id"]
            assignments.append(.init(id: -2 * id - 1, priceTypeId: row["priceTypeId"], counterpartyId: id, priority: erpAssignmentPriority))
        }
        var agreementPrices: [Int64: [Int64: Int64]] = [:]
        for row in try Row.fetchAll(
            db.cached("SELECT ap.agreementId, ap.productId, ap.amountMinor FROM agreementPrice ap JOIN product p ON p.id = ap.productId AND ap.unitId = p.baseUnitId"))
        {
            agreementPrices[row["agreementId"], default: [:]][row["productId"]] = row["amountMinor"]
        }
        var lists: [Int64: Set<Int64>] = [:]
        for row in try Row.fetchAll(db.cached("SELECT priceRuleId, productId FROM priceRuleProduct")) {
            lists[row["priceRuleId"], default: []].insert(row["productId"])
        }
        let rules = try Row.fetchAll(db.cached("SELECT * FROM priceRule WHERE active = 1")).compactMap { row -> PricingSnapshot.Rule? in
            let id: Int64 = row["id"]
            let action: PricingSnapshot.Action
            switch row["action"] as String {
            case "markup": guard let p = ExactDecimal(parsing: row["percent"] ?? "") else { return nil }; action = .markup(p)
            case "discount": guard let p = ExactDecimal(parsing: row["percent"] ?? "") else { return nil }; action = .discount(p)
            case "fixed": action = .fixed(row["amountMinor"])
            case "price_type": action = .priceType(row["targetPriceTypeId"])
            case "hide": action = .hide
            default: action = .availability(row["availability"] ?? "in_stock")
            }
            return PricingSnapshot.Rule(
                id: id, priority: row["priority"], validFrom: (row["validFrom"] as String?).map { String($0.prefix(10)) },
                validTo: (row["validTo"] as String?).map { String($0.prefix(10)) }, categoryId: row["categoryId"], brandId: row["brandId"],
                productLine: row["productLine"], propertyValueId: row["propertyValueId"], productIds: lists[id], regionId: row["regionId"],
                counterpartyId: row["counterpartyId"], holdingId: row["holdingId"], agreementId: row["agreementId"],
                userGroupId: row["userGroupId"], action: action)
        }
        let rates = ExchangeRates(
            try Row.fetchAll(db.cached("SELECT currency, day, rate FROM exchangeRate")).compactMap { row in
                ExactDecimal(parsing: row["rate"]).map { (currency: row["currency"] as String, day: row["day"] as String, rate: $0) }
            })
        let defaultType = try displayPriceTypeId(db)
        return PricingSnapshot(
            products: products, priceTypes: types, defaultPriceTypeId: defaultType, basePrices: basePrices, assignments: assignments,
            agreementPrices: agreementPrices, rules: rules, rates: rates, unitPrices: unitPrices)
    }

    public func pricingSnapshot() async throws -> PricingSnapshot {
        try await read { db in try Self.loadPricingSnapshot(db) }
    }

    /// The same on the calling thread (the server's upkeep runs it on a low-priority thread).
    public func pricingSnapshotSync() throws -> PricingSnapshot {
        try read { db in try Self.loadPricingSnapshot(db) }
    }

    /// A new snapshot after every commit that touches a pricing table.
    public func pricingSnapshots() -> AsyncValueObservation<PricingSnapshot> {
        ValueObservation
            .tracking(regions: Self.pricingRegions, fetch: { db in try Self.loadPricingSnapshot(db) })
            .values(in: writer)
    }

    /// Who is buying, for prices: the counterparty's holding and region, its default agreement,
    /// the user's groups. Guests and staff without a current company get the empty context.
    public func pricingContext(userId: Int64?, counterpartyId: Int64?, day: String) async throws -> PricingContext {
        guard let counterpartyId else { return PricingContext(day: day) }
        return try await read { db in
            let row = try Row.fetchOne(db.cached("SELECT holdingId, regionId FROM counterparty WHERE id = ?"), arguments: [counterpartyId])
            let agreement = try Int64.fetchOne(
                db.cached("SELECT id FROM agreement WHERE counterpartyId = ? AND active = 1 ORDER BY isDefault DESC, id LIMIT 1"),
                arguments: [counterpartyId])
            let groups = try userId.map {
                try Int64.fetchAll(db.cached("SELECT userGroupId FROM userGroupMember WHERE userId = ?"), arguments: [$0])
            } ?? []
            return PricingContext(
                counterpartyId: counterpartyId, agreementId: agreement, holdingId: row?["holdingId"], regionId: row?["regionId"],
                userGroups: groups, day: day)
        }
    }
}
