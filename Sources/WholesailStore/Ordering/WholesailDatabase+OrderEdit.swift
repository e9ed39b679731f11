import Foundation
import GRDB
import WholesailCore

/// An order as a manager edits it: its lines as cart lines (products, units, quantity rules),
/// and what the pricing needs (whose prices, when the order was last changed).
public struct OrderEditDraft: Sendable {
    public var orderId: Int64
    public var number: String
    public var counterpartyId: Int64
    /// The buyer who placed it (their user groups take part in pricing).
    public var userId: Int64?
    /// `customerOrder.updatedAt` when read: the edit is refused if the order changed meanwhile.
    public var version: String
    /// The order's lines; `id` is the `orderLine` id.
    public var lines: [CartLineRecord]
}

/// One line of an edited order: an existing line (`lineId`) or a new one.
public struct EditedOrderLine: Sendable, Equatable {
    public var lineId: Int64?
    public var productId: Int64
    public var unitId: Int64
    public var qtyMilli: Int64

    public init(lineId: Int64?, productId: Int64, unitId: Int64, qtyMilli: Int64) {
        self.lineId = lineId
        self.productId = productId
        self.unitId = unitId
        self.qtyMilli = qtyMilli
    }
}

extension WholesailDatabase {
    /// Whether an order may be edited by staff now, and the refusal otherwise. The rule: its
    /// status allows edits (`orderStatus.allowsEdit`, set per status on `/admin/ordering`; out of
    /// the box only "new"), it was placed on the portal (not an offline order the ERP owns), and
    /// no shipment of it has started.
    static func editRefusal(_ db: Database, orderId: Int64) throws -> DomainError? {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT o.source, s.allowsEdit, s.nameEn, s.nameRu,
                    (SELECT count(*) FROM shipment sh WHERE sh.orderId = o.id AND sh.status NOT IN ('planned', 'cancelled')) AS shipping
                FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?
                """, arguments: [orderId])
        else { return DomainError(.notFound, code: "order.not_found", message: "The order was not found.") }
        if row["source"] as String == "offline" {
            return DomainError(.conflict, code: "order.edit_offline", message: "This order was entered in the ERP; change it there.")
        }
        if !(row["allowsEdit"] as Bool) {
            return DomainError(
                .conflict, code: "order.not_editable", message: "An order in the status \(row["nameEn"] as String) can no longer be changed.",
                values: ["statusEn": row["nameEn"], "statusRu": row["nameRu"]])
        }
        if row["shipping"] as Int > 0 {
            return DomainError(.conflict, code: "order.already_shipping", message: "The order is already being shipped; it can no longer be changed.")
        }
        return nil
    }

    /// An order for editing, or the refusal (status, offline, shipping).
    public func orderEditDraft(orderId: Int64) async throws -> OrderEditDraft {
        try await read { db in
            if let refusal = try Self.editRefusal(db, orderId: orderId) { throw refusal }
            let order = try Row.fetchOne(db, sql: "SELECT number, counterpartyId, userId, updatedAt FROM customerOrder WHERE id = ?", arguments: [orderId])!
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM orderLine WHERE orderId = ?", arguments: [orderId]) ?? 0
            let lines = try Self.lines(db, table: "orderLine", owner: "orderId", id: orderId)
            // A line whose product was deleted from the catalog cannot be priced again.
            guard lines.count == total else {
                throw DomainError(.conflict, code: "order.edit_lost_product", message: "A product of this order is no longer in the catalog; change the order in the ERP.")
            }
            return OrderEditDraft(
                orderId: orderId, number: order["number"], counterpartyId: order["counterpartyId"], userId: order["userId"], version: order["updatedAt"],
                lines: lines)
        }
    }

    /// A product to add to an order by its stock number (article or barcode too), in its base
    /// unit with its quantity rule, as a cart line without an id.
    public func orderableLine(code: String) async throws -> CartLineRecord? {
        let found = try await productsByCode([code])
        guard let product = found[code.lowercased()] else { return nil }
        return try await read { db in
            let unit = try Self.orderableUnit(db, productId: product.id, unitId: nil)
            let row = try Row.fetchOne(db, sql: "SELECT vatRate FROM product WHERE id = ?", arguments: [product.id])
            let direct = try Int64.fetchAll(db, sql: "SELECT categoryId FROM productCategory WHERE productId = ?", arguments: [product.id])
            return CartLineRecord(
                id: 0, productId: product.id, sku: product.sku, name: product.name, unitId: unit.unitId, unit: unit.unit, factor: "1", qtyMilli: 0,
                rule: unit.rule, vatRate: row?["vatRate"] ?? "20", imageSha256: nil, available: true,
                categories: Self.withAncestors(direct, parents: try Self.categoryParents(db)))
        }
    }

    /// Replaces an order's lines with `lines` priced as `priced` (same count, same order), in one
    /// transaction: checked again (status, version), reservations released and taken again for
    /// the new quantities (when the order holds stock), totals recomputed, the generated bill
    /// dropped (it is made again with the new amounts), an `edited` event, an audit row with the
    /// changes, an e-mail to the buyer (`order.changed`), and `updatedAt` moved so the ERP
    /// receives the order again. Returns the new total.
    @discardableResult
    public func editOrder(
        orderId: Int64, version: String, lines: [EditedOrderLine], priced: PricedCart, changes: [String], actor: Principal, now: Date = Date()
    ) async throws -> Int64 {
        guard !lines.isEmpty else {
            throw DomainError(.invalid, code: "order.edit_empty", message: "An order needs at least one line; cancel it instead.")
        }
        guard priced.lines.count == lines.count, zip(priced.lines, lines).allSatisfy({ $0.productId == $1.productId }) else {
            throw DomainError(.conflict, code: "order.changed", message: "The order was changed meanwhile. Open it again and repeat your change.")
        }
        for (line, pricedLine) in zip(lines, priced.lines) {
            guard pricedLine.unitPriceMinor != nil, !pricedLine.hidden else {
                let sku = try await read { try String.fetchOne($0, sql: "SELECT sku FROM product WHERE id = ?", arguments: [line.productId]) } ?? ""
                if pricedLine.hidden {
                    throw DomainError(.invalid, code: "cart.product_not_in_region", message: "Product \(sku) is not sold to your region.", values: ["sku": sku])
                }
                throw DomainError(.invalid, code: "cart.no_price", message: "Product \(sku) has no price for you yet.", values: ["sku": sku])
            }
        }
        guard priced.subtotalMinor <= Money.maxOrderMinor else {
            throw DomainError(.invalid, code: "cart.total_too_large", message: "The order total is too large. Check the quantities.")
        }
        return try await write { db in
            if let refusal = try Self.editRefusal(db, orderId: orderId) { throw refusal }
            let order = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.number, o.updatedAt, o.deliveryMinor, o.warehouseId, o.deliveryMethod, o.reservedUntil, c.regionId
                    FROM customerOrder o JOIN counterparty c ON c.id = o.counterpartyId WHERE o.id = ?
                    """, arguments: [orderId])!
            guard order["updatedAt"] as String == version else {
                throw DomainError(.conflict, code: "order.changed", message: "The order was changed meanwhile. Open it again and repeat your change.")
            }
            let at = Self.stamp(now)
            let existing = Set(try Int64.fetchAll(db, sql: "SELECT id FROM orderLine WHERE orderId = ?", arguments: [orderId]))
            let kept = Set(lines.compactMap(\.lineId))
            guard kept.isSubset(of: existing) else { throw DomainError(.notFound, code: "order.not_found", message: "The order was not found.") }

            // Stock: give back what the order holds, then take again for the new lines.
            try Self.releaseReservations(db, orderId: orderId, at: at)
            try db.execute(sql: "DELETE FROM reservation WHERE releasedAt IS NOT NULL AND orderLineId IN (SELECT id FROM orderLine WHERE orderId = ?)", arguments: [orderId])
            for removed in existing.subtracting(kept) {
                try db.execute(sql: "DELETE FROM orderLine WHERE id = ?", arguments: [removed])
            }
            // Line numbers are unique per order: park the kept ones out of the way first.
            try db.execute(sql: "UPDATE orderLine SET lineNo = lineNo + 100000 WHERE orderId = ?", arguments: [orderId])
            var lineIds: [Int64] = []
            for (index, (line, pricedLine)) in zip(lines, priced.lines).enumerated() {
                let unit = try Self.orderableUnit(db, productId: line.productId, unitId: line.unitId)
                try Quantity.validate(line.qtyMilli, rule: unit.rule, unit: unit.unit)
                let product = try Row.fetchOne(db, sql: "SELECT sku, name, vatRate FROM product WHERE id = ?", arguments: [line.productId])!
                let factor = try String.fetchOne(db, sql: "SELECT factor FROM productUnit WHERE productId = ? AND unitId = ?", arguments: [line.productId, line.unitId])
                let isBase = try Int64.fetchOne(db, sql: "SELECT baseUnitId FROM product WHERE id = ?", arguments: [line.productId]) == line.unitId
                if let lineId = line.lineId {
                    try db.execute(
                        sql: """
                            UPDATE orderLine SET lineNo = ?, qtyMilli = ?, priceMinor = ?, discountMinor = ?, amountMinor = ?, vatMinor = ?,
                                priceRuleId = (SELECT id FROM priceRule WHERE id = ?) WHERE id = ?
                            """,
                        arguments: [
                            index + 1, line.qtyMilli, pricedLine.unitPriceMinor ?? 0, pricedLine.discountMinor, pricedLine.totalMinor, pricedLine.vatMinor,
                            pricedLine.ruleIds.first, lineId,
                        ])
                    lineIds.append(lineId)
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, unitFactor, qtyMilli, priceMinor, discountMinor, amountMinor,
                                vatRate, vatMinor, priceRuleId, customerSku)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM priceRule WHERE id = ?),
                                (SELECT n.number FROM customerPartNumber n WHERE n.productId = ?
                                    AND n.counterpartyId = (SELECT counterpartyId FROM customerOrder WHERE id = ?) ORDER BY n.id LIMIT 1))
                            """,
                        arguments: [
                            orderId, index + 1, line.productId, product["sku"] as String, product["name"] as String, line.unitId, isBase ? "1" : (factor ?? "1"),
                            line.qtyMilli, pricedLine.unitPriceMinor ?? 0, pricedLine.discountMinor, pricedLine.totalMinor, product["vatRate"] as String,
                            pricedLine.vatMinor, pricedLine.ruleIds.first, line.productId, orderId,
                        ])
                    lineIds.append(db.lastInsertedRowID)
                }
            }

            if let reservedUntil: String = order["reservedUntil"], reservedUntil > at {
                let warehouses: [Int64]
                if order["deliveryMethod"] as String == "pickup", let warehouse: Int64 = order["warehouseId"] {
                    warehouses = [warehouse]
                } else {
                    let region: Int64? = order["regionId"]
                    warehouses = try Int64.fetchAll(
                        db, sql: "SELECT id FROM warehouse WHERE active = 1 AND (? IS NULL OR regionId = ?) ORDER BY deliveryDays, id", arguments: [region, region])
                }
                let rows = try Row.fetchAll(
                    db, sql: "SELECT id, productId, unitFactor, qtyMilli FROM orderLine WHERE id IN (SELECT value FROM json_each(?))",
                    arguments: [Self.jsonIds(lineIds)])
                let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as Int64, $0) })
                let ordered = lineIds.compactMap { byId[$0] }
                let requests = ordered.map {
                    StockAllocation.Request(
                        productId: $0["productId"], qtyMilli: $0["qtyMilli"], factor: ExactDecimal(parsing: $0["unitFactor"] as String) ?? ExactDecimal(1),
                        stepMilli: 1)
                }
                let free = try Self.freeStock(db, productIds: Array(Set(requests.map(\.productId))), warehouses: warehouses)
                for (row, allocation) in zip(ordered, StockAllocation.allocate(requests, free: free)) {
                    for part in allocation.parts {
                        try db.execute(
                            sql: "UPDATE stock SET reservedMilli = reservedMilli + ? WHERE productId = ? AND warehouseId = ? AND qtyMilli - reservedMilli >= ?",
                            arguments: [part.baseMilli, row["productId"] as Int64, part.warehouseId, part.baseMilli])
                        guard db.changesCount == 1 else {
                            throw DomainError(.conflict, code: "order.stock_changed", message: "Stock changed while placing the order. Please try again.")
                        }
                        try db.execute(
                            sql: "INSERT INTO reservation (orderLineId, productId, warehouseId, qtyMilli, expiresAt) VALUES (?, ?, ?, ?, ?)",
                            arguments: [row["id"] as Int64, row["productId"] as Int64, part.warehouseId, part.baseMilli, reservedUntil])
                    }
                }
                try db.notifyChanges(in: Table("stock"))
            }

            let total = priced.totalMinor + (order["deliveryMinor"] as Int64)
            try db.execute(
                sql: """
                    UPDATE customerOrder SET subtotalMinor = ?, discountMinor = ?, vatMinor = ?, totalMinor = ?, priceTypeId = coalesce(?, priceTypeId),
                        updatedAt = ? WHERE id = ?
                    """,
                arguments: [priced.subtotalMinor, priced.discountMinor, priced.vatMinor, total, priced.priceTypeId, at, orderId])
            // The bill printed the old amounts: it is made again on request.
            try db.execute(sql: "DELETE FROM document WHERE orderId = ? AND kind = 'bill' AND source = 'generated'", arguments: [orderId])
            let who = Self.auditActor(actor)
            let summary = changes.joined(separator: "; ")
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, userId, kind, note) VALUES (?, ?, ?, 'edited', ?)",
                arguments: [orderId, at, who.actor, String(summary.prefix(2000))])
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "order.edit", objectType: "customerOrder", objectId: String(orderId),
                details: ["number": order["number"] as String, "changes": summary, "total": String(total)], now: now)
            try Self.enqueueOrderNotifications(db, orderId: orderId, topic: "order.changed", key: "order.changed.\(orderId).\(at)", extra: ["changes": summary])
            return total
        }
    }
}
