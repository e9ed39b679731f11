import Foundation
import GRDB
import WholesailCore

extension DemoSeeder {
    /// A product with variants, as the CommerceML importer makes them from an ERP's
    /// characteristics: the frame «Рамка Werkel Aluminium» (ERP id "erp-FRAME-WA") and one
    /// product per number of posts × colour ("erp-FRAME-WA#<posts>-<colour>"), each with the
    /// product's properties plus its characteristics, its own SKU, prices and stock. Two
    /// combinations are not sold, so the grid on the card has empty cells. Deterministic: no
    /// random numbers are drawn, so the rest of the demo stays as it was.
    static func seedVariantProduct(_ db: Database, now: Date) throws {
        let stamp = timestamp(now)
        guard let unitId = try Int64.fetchOne(db, sql: "SELECT id FROM unit WHERE name = 'шт'"),
            let categoryId = try Int64.fetchOne(db, sql: "SELECT id FROM category WHERE name = 'Рамки'"),
            let postsProperty = try Int64.fetchOne(db, sql: "SELECT id FROM property WHERE name = 'Количество модулей'"),
            let colourProperty = try Int64.fetchOne(db, sql: "SELECT id FROM property WHERE name = 'Цвет'")
        else { return }
        let brandId = try Int64.fetchOne(db, sql: "SELECT id FROM brand WHERE name = 'Werkel'")
        let priceTypes = try Int64.fetchAll(db, sql: "SELECT id FROM priceType WHERE erpId IN ('pt-retail', 'pt-wholesale', 'pt-large') ORDER BY sortOrder")
        let warehouses = try Int64.fetchAll(db, sql: "SELECT id FROM warehouse ORDER BY id")
        func colourValue(_ text: String) throws -> Int64 {
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM propertyValue WHERE propertyId = ? AND value = ?", arguments: [colourProperty, text]) {
                return id
            }
            let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM propertyValue") ?? 0) + 1
            try db.execute(sql: "INSERT INTO propertyValue (propertyId, value, sortOrder) VALUES (?, ?, ?)", arguments: [colourProperty, text, order])
            return db.lastInsertedRowID
        }

        let name = "Рамка Werkel Aluminium"
        let description = "<p>\(escapeHTML(name)) — рамка из анодированного алюминия для выключателей и розеток Werkel. Выберите число постов и цвет в таблице вариантов.</p>"
        let svg = productImage(name: name, sku: "WL-FRAME", category: 2)
        let imageSha = try WholesailDatabase.storeBlob(db, Data(svg.utf8), contentType: "image/svg+xml")
        try db.execute(sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, 'WL-FRAME.svg', 'image')", arguments: [imageSha])
        let imageId = db.lastInsertedRowID
        try db.execute(
            sql: """
                INSERT INTO product (erpId, sku, name, brandId, productLine, description, baseUnitId, minQtyMilli, stepQtyMilli, mainImageFileId,
                    searchText, createdAt, updatedAt)
                VALUES ('erp-FRAME-WA', 'WL-FRAME', ?, ?, 'Рамка Werkel', ?, ?, 1000, 1000, ?, ?, ?, ?)
                """,
            arguments: [name, brandId, description, unitId, imageId, SearchText.normalize("\(name) WL-FRAME Werkel"), stamp, stamp])
        let parentId = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO productImage (productId, fileId, kind, sortOrder) VALUES (?, ?, 'photo', 0)", arguments: [parentId, imageId])
        try db.execute(sql: "INSERT INTO productCategory (productId, categoryId, isPrimary) VALUES (?, ?, 1)", arguments: [parentId, categoryId])

        let colours: [(text: String, code: String, extra: Int64)] = [("белая", "W", 0), ("чёрная", "B", 4_000), ("алюминий", "A", 9_000), ("латунь", "G", 21_000)]
        let notSold: Set<String> = ["5-B", "5-G"]
        for posts in 1...5 {
            for (colourIndex, colour) in colours.enumerated() where !notSold.contains("\(posts)-\(colour.code)") {
                let sku = "WL-FRAME-\(posts)\(colour.code)"
                let variantName = "\(name) (\(posts), \(colour.text))"
                try db.execute(
                    sql: """
                        INSERT INTO product (erpId, sku, name, brandId, productLine, description, baseUnitId, minQtyMilli, stepQtyMilli,
                            mainImageFileId, searchText, createdAt, updatedAt)
                        VALUES (?, ?, ?, ?, 'Рамка Werkel', ?, ?, 1000, 1000, ?, ?, ?, ?)
                        """,
                    arguments: [
                        "erp-FRAME-WA#\(posts)-\(colour.code)", sku, variantName, brandId, description, unitId, imageId,
                        SearchText.normalize("\(variantName) \(sku) Werkel"), stamp, stamp,
                    ])
                let id = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO productCategory (productId, categoryId, isPrimary) VALUES (?, ?, 1)", arguments: [id, categoryId])
                try db.execute(
                    sql: "INSERT INTO productProperty (productId, propertyId, textValue, numberValue) VALUES (?, ?, ?, ?)",
                    arguments: [id, postsProperty, String(posts), Double(posts)])
                try db.execute(
                    sql: "INSERT INTO productProperty (productId, propertyId, valueId) VALUES (?, ?, ?)", arguments: [id, colourProperty, try colourValue(colour.text)])
                // Retail grows with the posts and the finish; wholesale −15 %, large wholesale −25 %.
                let retail = Int64(posts) * 24_000 + colour.extra
                for (priceTypeId, percent) in zip(priceTypes, [100, 85, 75] as [Int64]) {
                    try db.execute(
                        sql: "INSERT INTO price (priceTypeId, productId, unitId, amountMinor, updatedAt) VALUES (?, ?, ?, ?, ?)",
                        arguments: [priceTypeId, id, unitId, retail * percent / 100, stamp])
                }
                // Stock: plenty of the common ones, none of 4-post brass anywhere.
                for (index, warehouseId) in warehouses.enumerated() where !(posts == 4 && colour.code == "G") {
                    let qty = Int64(max(0, 60 - posts * 9 - colourIndex * 11 - index * 7))
                    guard qty > 0 else { continue }
                    try db.execute(
                        sql: "INSERT INTO stock (productId, warehouseId, qtyMilli, updatedAt) VALUES (?, ?, ?, ?)",
                        arguments: [id, warehouseId, qty * 1000, stamp])
                }
            }
        }
        try WholesailDatabase.refreshCategoryCounts(db)
    }
}
