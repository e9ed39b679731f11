import Foundation
import GRDB
import WholesailCore

extension DemoSeeder {
    /// Regular purchases of ЭлектроСнаб (orders the ERP sent, about once a month) so its "usual
    /// order" shows something at once: two products bought every 30 days, older than the
    /// company's newest demo order, the next purchase a few days overdue.
    static func seedRegularPurchases(_ db: Database, now: Date) throws {
        guard let priceType = try Int64.fetchOne(db, sql: "SELECT priceTypeId FROM customerOrder WHERE counterpartyId = 1 AND priceTypeId IS NOT NULL LIMIT 1")
        else { return }
        let products = try Row.fetchAll(
            db,
            sql: """
                SELECT p.id, p.sku, p.name, p.baseUnitId, p.stepQtyMilli, pr.amountMinor FROM product p
                JOIN price pr ON pr.productId = p.id AND pr.priceTypeId = ? AND pr.unitId = p.baseUnitId
                WHERE p.active = 1 ORDER BY p.id LIMIT 2
                """,
            arguments: [priceType])
        guard products.count == 2 else { return }
        let quantities: [[Int64]] = [[50, 20], [60, 20], [50, 25], [50, 20]]
        for (index, daysAgo) in [115.0, 85, 55, 25].enumerated() {
            let placedAt = timestamp(now.addingTimeInterval(-daysAgo * 86_400))
            let number = "1С-\(String(format: "%05d", 501 + index))"
            var lines: [(row: Row, qty: Int64, amount: Int64)] = []
            for (product, pieces) in zip(products, quantities[index]) {
                let qty = max(pieces * 1000 / max(product["stepQtyMilli"] as Int64, 1), 1) * (product["stepQtyMilli"] as Int64)
                lines.append((product, qty, (product["amountMinor"] as Int64) * qty / 1000))
            }
            let total = lines.reduce(0) { $0 + $1.amount }
            try db.execute(
                sql: """
                    INSERT INTO customerOrder (erpId, number, sellerOrganizationId, counterpartyId, agreementId, statusId, source, currency, subtotalMinor,
                        vatMinor, totalMinor, priceTypeId, deliveryMethod, placedAt, updatedAt, exportedAt)
                    VALUES (?, ?, 1, 1, 1, (SELECT id FROM orderStatus WHERE code = 'completed'), 'offline', 'RUB', ?, ?, ?, ?, 'delivery', ?, ?, ?)
                    """,
                arguments: ["erp-regular-\(index + 1)", number, total, total * 20 / 120, total, priceType, placedAt, placedAt, placedAt])
            let orderId = db.lastInsertedRowID
            for (lineIndex, line) in lines.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, qtyMilli, priceMinor, amountMinor, vatMinor, shippedMilli)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        orderId, lineIndex + 1, line.row["id"] as Int64, line.row["sku"] as String, line.row["name"] as String, line.row["baseUnitId"] as Int64,
                        line.qty, line.row["amountMinor"] as Int64, line.amount, line.amount * 20 / 120, line.qty,
                    ])
            }
            try db.execute(
                sql: "INSERT INTO orderEvent (orderId, at, kind, statusId, note) VALUES (?, ?, 'placed', (SELECT id FROM orderStatus WHERE code = 'completed'), 'ERP')",
                arguments: [orderId, placedAt])
        }
    }
}
