import Foundation
import GRDB
import WholesailCore

extension DemoSeeder {
    /// Credit lines and a payment schedule for ЭлектроСнаб and СтройМонтаж-Центр, two user groups
    /// (dealers, installers) and advertising materials for everyone and for the dealers, so the
    /// finance page, the manager's finance view and the materials page show something at once.
    static func seedCreditAndMaterials(_ db: Database, now: Date) throws {
        func day(_ offset: Int) -> String { String(timestamp(now.addingTimeInterval(Double(offset) * 86_400)).prefix(10)) }
        let year = String(day(0).prefix(4))
        try db.execute(
            sql: """
                INSERT INTO creditLine (erpId, counterpartyId, agreementId, name, limitMinor, usedMinor, currency, termDays, openedOn, expiresOn, status)
                VALUES ('cl-1', 1, 1, 'Товарный кредит', 50000000, NULL, 'RUB', 14, ?, ?, 'open'),
                    ('cl-2', 1, 1, 'Сезонная кредитная линия', 30000000, 12000000, 'RUB', 45, ?, ?, 'open'),
                    ('cl-3', 2, 2, 'Кредитная линия под объект «Северный»', 150000000, 64000000, 'RUB', 30, ?, ?, 'suspended')
                """, arguments: ["\(year)-01-15", "\(year)-12-31", day(-60), day(120), day(-90), day(270)])
        try db.execute(
            sql: """
                INSERT INTO paymentSchedule (erpId, counterpartyId, agreementId, creditLineId, number, date, currency, description)
                VALUES ('ps-1', 1, 1, 2, 'ГП-\(year)/07', ?, 'RUB', 'Рассрочка по сезонной кредитной линии')
                """, arguments: [day(-60)])
        let schedule = db.lastInsertedRowID
        let payments: [(Int, Int64, Int64, String?)] = [
            (-45, 4_000_000, 4_000_000, day(-46)), (-15, 4_000_000, 1_500_000, day(-14)), (15, 4_000_000, 0, nil), (45, 4_000_000, 0, nil),
        ]
        for (index, payment) in payments.enumerated() {
            try db.execute(
                sql: "INSERT INTO paymentScheduleItem (scheduleId, position, dueDate, amountMinor, paidMinor, paidOn) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [schedule, index + 1, day(payment.0), payment.1, payment.2, payment.3])
        }

        try db.execute(sql: "INSERT INTO userGroup (code, name) VALUES ('dealers', 'Дилеры'), ('installers', 'Монтажные организации')")
        try db.execute(
            sql: """
                INSERT INTO userGroupMember (userGroupId, userId)
                SELECT g.id, u.id FROM userGroup g, user u
                WHERE (g.code = 'dealers' AND u.email LIKE '%@elektrosnab.example') OR (g.code = 'installers' AND u.email LIKE '%@stroymontazh.example')
                """)
        let materials: [(title: String, description: String, file: String, lines: [String], group: String?)] = [
            ("Каталог продукции \(year)", "Весь ассортимент с фотографиями и характеристиками.", "catalog-\(year).pdf",
             ["Wholesail demo: product catalogue \(year)"], nil),
            ("Листовка «Тёплый пол»", "Для витрины и раздачи покупателям.", "warm-floor-leaflet.pdf", ["Wholesail demo: warm floor leaflet"], nil),
            ("Дилерские условия и бонусы", "Скидки, бонусы за объём, поддержка продаж.", "dealer-terms.pdf", ["Wholesail demo: dealer terms"], "dealers"),
        ]
        let stamp = timestamp(now)
        for material in materials {
            let sha = try WholesailDatabase.storeBlob(db, MinimalPDF.document(lines: material.lines))
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, title, kind) VALUES (?, ?, ?, 'document')", arguments: [sha, material.file, material.title])
            let fileId = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO material (title, description, fileId, audience, published, publishedAt, createdAt) VALUES (?, ?, ?, ?, 1, ?, ?)",
                arguments: [material.title, material.description, fileId, material.group == nil ? "all" : "groups", stamp, stamp])
            if let group = material.group {
                try db.execute(
                    sql: "INSERT INTO materialGroup (materialId, userGroupId) SELECT ?, id FROM userGroup WHERE code = ?",
                    arguments: [db.lastInsertedRowID, group])
            }
        }
    }
}
