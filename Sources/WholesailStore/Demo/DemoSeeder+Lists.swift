import Foundation
import GRDB

extension DemoSeeder {
    /// ЭлектроСнаб's own numbers for three cables and a shared list of the company, so the demo
    /// shows them (quick order by "ЭС-0001", the list on /lists).
    static func seedListsAndPartNumbers(_ db: Database, now: Date) throws {
        guard let company = try Int64.fetchOne(db, sql: "SELECT id FROM counterparty WHERE erpId = 'cp-1'"),
            let owner = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'ivanov@elektrosnab.example'")
        else { return }
        let products = try Row.fetchAll(
            db,
            sql: """
                SELECT id, baseUnitId, max(minQtyMilli, stepQtyMilli * 10) AS qty FROM product
                WHERE active = 1 AND minQtyMilli % stepQtyMilli = 0 ORDER BY sku LIMIT 3
                """)
        let at = timestamp(now)
        for (index, product) in products.enumerated() {
            try db.execute(
                sql: "INSERT INTO customerPartNumber (counterpartyId, number, productId, createdAt) VALUES (?, ?, ?, ?)",
                arguments: [company, String(format: "ЭС-%04d", index + 1), product["id"] as Int64, at])
        }
        try db.execute(
            sql: "INSERT INTO shoppingList (counterpartyId, ownerUserId, name, sharing, createdAt, updatedAt) VALUES (?, ?, 'Ежемесячный заказ склада', 'company', ?, ?)",
            arguments: [company, owner, at, at])
        let list = db.lastInsertedRowID
        for product in products {
            try db.execute(
                sql: "INSERT INTO shoppingListLine (listId, productId, unitId, qtyMilli, addedBy, addedAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [list, product["id"] as Int64, product["baseUnitId"] as Int64, product["qty"] as Int64, owner, at])
        }
    }
}
