import Foundation
import GRDB
import WholesailCore

/// A product of a company's usual order (see `UsualOrder` for the method).
public struct UsualOrderItem: Sendable, Equatable {
    public var productId: Int64
    public var sku: String
    public var name: String
    /// The product's base unit (quantities are in it).
    public var unit: String
    public var purchases: Int
    public var typicalMilli: Int64
    /// The typical quantity rounded up to the unit's step and minimum: what "add" puts in the cart.
    public var suggestedMilli: Int64
    public var intervalDays: Int
    public var lastDay: String
    public var nextDay: String
    public var dueInDays: Int
}

extension WholesailDatabase {
    /// The usual order of a company from its orders of the last `days` days (placed online or
    /// offline; cancelled and declined orders left out), products no longer sold left out.
    public func usualOrder(counterpartyId: Int64, today: String, days: Int = 365, minPurchases: Int = 3) async throws -> [UsualOrderItem] {
        try await read { db in
            let since = DayNumber.ordinal(today).map { DayNumber.text($0 - days) } ?? "0000"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.productId, substr(o.placedAt, 1, 10) AS day, l.qtyMilli, l.unitFactor
                    FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId JOIN orderLine l ON l.orderId = o.id
                    WHERE o.counterpartyId = ? AND o.placedAt >= ? AND l.productId IS NOT NULL AND s.code NOT IN ('cancelled', 'approval_declined')
                    """,
                arguments: [counterpartyId, since])
            let purchases = rows.map { row in
                UsualOrder.Purchase(
                    productId: row["productId"], day: row["day"],
                    baseMilli: StockAllocation.baseMilli(of: row["qtyMilli"], factor: ExactDecimal(parsing: row["unitFactor"] as String) ?? ExactDecimal(1)))
            }
            let suggestions = UsualOrder.suggestions(purchases, today: today, minPurchases: minPurchases)
            guard !suggestions.isEmpty else { return [] }
            let products = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.id, p.sku, p.name, p.minQtyMilli, p.stepQtyMilli, u.name AS unit FROM product p JOIN unit u ON u.id = p.baseUnitId
                        WHERE p.active = 1 AND p.id IN (SELECT value FROM json_each(?))
                        """,
                    arguments: ["[" + suggestions.map { String($0.productId) }.joined(separator: ",") + "]"]
                ).map { ($0["id"] as Int64, $0) })
            return suggestions.compactMap { suggestion in
                guard let product = products[suggestion.productId] else { return nil }
                return UsualOrderItem(
                    productId: suggestion.productId, sku: product["sku"], name: product["name"], unit: product["unit"], purchases: suggestion.purchases,
                    typicalMilli: suggestion.typicalMilli,
                    suggestedMilli: UsualOrder.rounded(suggestion.typicalMilli, minMilli: product["minQtyMilli"], stepMilli: product["stepQtyMilli"]),
                    intervalDays: suggestion.intervalDays, lastDay: suggestion.lastDay, nextDay: suggestion.nextDay, dueInDays: suggestion.dueInDays)
            }
        }
    }
}
