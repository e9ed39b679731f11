import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The text of a PDF as poppler extracts it (whitespace runs as one space), with its page count; nil when poppler is absent
/// locally (under CI its absence fails the test).
enum PopplerText {
    static func read(_ data: Data) throws -> (text: String, pages: Int)? {
        guard ExternalTool.shouldRun("pdftotext"), ExternalTool.shouldRun("pdfinfo") else { return nil }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try PDFPopplerTests.write(data, scratch)
        // Lines a table cell or a paragraph wraps into come back as one: whitespace runs are one space.
        let text = try PDFPopplerTests.text(path).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let pages = Int(try PDFPopplerTests.info(path)["Pages"] ?? "") ?? 0
        return (text, pages)
    }
}

@Suite("Documents: reconciliation acts, shipment documents, amounts in words")
struct ActsAndShipmentDocumentsTests {
    /// Company 2 («Бета») with settlements around January 2026, and buyer 2 as its buyer admin.
    static func seedSettlements(_ database: WholesailDatabase) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE userRole SET roleId = (SELECT id FROM role WHERE code = 'buyer_admin') WHERE userId IN (2, (SELECT id FROM user WHERE email = 'stranger@example.com'))")
            try db.execute(sql: "UPDATE counterparty SET fullName = 'ООО «Бета-Снаб»', inn = '7700000002', kpp = '770001001' WHERE id = 2")
            try db.execute(sql: "UPDATE sellerOrganization SET director = 'Иванов И. И.', accountant = 'Петрова А. А.' WHERE id = 1")
            try db.execute(
                sql: """
                    INSERT INTO document (id, kind, number, date, counterpartyId, sellerOrganizationId, source) VALUES (50, 'waybill', 'РН-55', '2026-01-10', 2, 1, 'erp');
                    INSERT INTO settlement (counterpartyId, agreementId, documentId, date, amountMinor, description) VALUES
                        (2, 2, NULL, '2025-12-20', 50000, 'Реализация 0'),
                        (2, 2, 50, '2026-01-10', 30000, 'Реализация'),
                        (2, 2, NULL, '2026-01-15', -20000, 'Оплата п/п 7'),
                        (2, 2, NULL, '2026-02-05', 1000, 'Реализация февраля')
                    """)
        }
    }

    @Test("a buyer admin gets the act for January from settlements: balances, entries, the balance in words; once; only for their company")
    func generatedAct() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await Self.seedSettlements(database)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/finance")
            #expect(page.text.contains(#"action="/finance/reconciliation""#))
            let fields = ["companyId": "2", "period": "month", "year": "2026", "month": "1"]
            let response = try await buyer.post(client, "/finance/reconciliation", fields)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/finance?act="))
            let documentId = try #require(Int64(location.dropFirst("/finance?act=".count)))
            let ready = try await buyer.get(client, location)
            #expect(ready.text.contains("/documents/\(documentId)/file"))
            #expect(ready.text.contains("2026-01"))

            let file = try await buyer.get(client, "/documents/\(documentId)/file")
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "application/pdf")
            let pdf = Data(buffer: file.body)
            #expect(pdf.starts(with: Data("%PDF".utf8)))
            #expect(pdf.count < 100_000)
            if let (text, pages) = try PopplerText.read(pdf) {
                #expect(pages == 1)
                #expect(text.contains("Акт сверки взаимных расчётов"))
                #expect(text.contains("01.01.2026 — 31.01.2026"))
                #expect(text.contains("ООО «Поставщик»"))
                #expect(text.contains("ООО «Бета-Снаб»"))
                #expect(text.contains("Сальдо начальное"))
                #expect(text.contains("500,00"), "the opening balance: December's shipment")
                #expect(text.contains("Товарная накладная № РН-55 от 10.01.2026"))
                #expect(text.contains("Оплата п/п 7"))
                #expect(!text.contains("Реализация февраля"), "after the period")
                #expect(text.contains("Сальдо конечное"))
                #expect(text.contains("600,00"))
                #expect(text.contains("Шестьсот рублей 00 копеек"))
                #expect(text.contains("Иванов И. И."))
            }

            // The same act asked again is the same document.
            let again = try await buyer.post(client, "/finance/reconciliation", fields)
            #expect(again.headers[.location] == location)
            #expect(try await database.documents(DocumentFilter(counterparties: [2])).filter { $0.kind == "reconciliation" }.count == 1)

            // A bad period comes back with a message; a future one too.
            let bad = try await buyer.post(client, "/finance/reconciliation", ["companyId": "2", "period": "custom", "from": "2026-03-10", "to": "2026-03-01"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("field-error"))
            let future = try await buyer.post(client, "/finance/reconciliation", ["companyId": "2", "period": "year", "year": "2099"])
            #expect(future.status == .unprocessableContent)

            // Company 1's buyer admin: not company 2's act, neither by asking nor by its id.
            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            _ = try await stranger.get(client, "/finance")
            #expect(try await stranger.post(client, "/finance/reconciliation", fields).status == .notFound)
            #expect(try await stranger.get(client, "/documents/\(documentId)/file").status == .notFound)
            #expect(!(try await stranger.get(client, "/documents")).text.contains("2026-01"))
        }
        let tickets = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ticket") }
        #expect(tickets == 0, "an act made from data needs no manager")
    }

    @Test("without settlements the request goes to the manager, who uploads the ERP's act; the buyer is told and downloads it")
    func actByManager() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.write { db in
            try db.execute(sql: "UPDATE userRole SET roleId = (SELECT id FROM role WHERE code = 'buyer_admin') WHERE userId = 2")
        }
        let erpAct = try ReconciliationActDocument.pdf(
            ReconciliationAct(
                seller: OrganizationDetails(name: "ООО «Поставщик»"), buyer: OrganizationDetails(name: "ООО «Бета»"), currency: "RUB",
                period: try #require(ReconciliationPeriod.quarter(year: 2026, quarter: 1)), entries: []))
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/finance")
            let response = try await buyer.post(
                client, "/finance/reconciliation", ["companyId": "2", "period": "quarter", "year": "2026", "quarter": "1", "comment": "Для аудита"])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/requests/"))
            let ticketId = try #require(Int64(location.dropFirst("/requests/".count).prefix { $0.isNumber }))
            let ticket = try #require(try await database.ticket(id: ticketId))
            #expect(ticket.summary.kind == "reconciliation")
            #expect(ticket.details["from"] == "2026-01-01")
            #expect(ticket.details["to"] == "2026-03-31")
            #expect(ticket.messages.first?.body.contains("Для аудита") == true)
            let toManager = try await database.read {
                try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox WHERE topic = 'ticket.message'")
            }
            #expect(toManager == 1, "the manager is e-mailed")

            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let staffPage = try await manager.get(client, "/staff/requests/\(ticketId)")
            #expect(staffPage.text.contains("/staff/requests/\(ticketId)/act"))
            #expect(staffPage.text.contains("01.01.2026 — 31.03.2026"))
            let notPDF = try await manager.postFile(client, "/staff/requests/\(ticketId)/act", [:], file: ("file", "act.xlsx", Data("PK\u{3}\u{4}".utf8)))
            #expect(notPDF.status == .unprocessableContent)
            let upload = try await manager.postFile(client, "/staff/requests/\(ticketId)/act", [:], file: ("file", "Акт сверки 1 кв.pdf", erpAct))
            #expect(upload.status == .seeOther)
            // The buyer may not upload acts.
            _ = try await buyer.get(client, "/requests/\(ticketId)")
            #expect(try await buyer.postFile(client, "/staff/requests/\(ticketId)/act", [:], file: ("file", "x.pdf", erpAct)).status == .forbidden)

            let documents = try await database.documents(DocumentFilter(counterparties: [2]))
            let act = try #require(documents.first { $0.kind == "reconciliation" })
            #expect(act.source == "manager")
            #expect(act.number == "2026-Q1")
            let notice = try await database.read { db in
                try String.fetchOne(db, sql: "SELECT payload FROM outbox WHERE topic = 'reconciliation.ready'")
            }
            let payload = try #require(notice.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] })
            #expect(payload["userId"] == "2")
            #expect(payload["link"] == "/documents/\(act.id)/file")
            #expect(payload["attachments"]?.hasSuffix(".pdf") == true)
            #expect(try await database.ticket(id: ticketId)?.summary.status == "answered")

            let list = try await buyer.get(client, "/documents?kind=reconciliation")
            #expect(list.text.contains("2026-Q1"))
            let file = try await buyer.get(client, "/documents/\(act.id)/file")
            #expect(Data(buffer: file.body) == erpAct)
            var (other, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            #expect(try await other.get(client, "/documents/\(act.id)/file").status == .notFound)
        }
    }

    /// An order of company 2 (3 × CAB-1 at 100,00 and 10 × LAMP-2 at 20,00) and a shipment of
    /// 2 CAB-1 and all the lamps.
    static func shippedOrder(_ database: WholesailDatabase) async throws -> (orderId: Int64, shipmentId: Int64) {
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 3000)
        try await database.addToCart(userId: 2, productId: 2, qtyMilli: 10000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        let shipmentId = try await database.write { db -> Int64 in
            try db.execute(sql: "UPDATE counterparty SET inn = '7700000002', kpp = '770001001', legalAddress = 'Москва, ул. Бета, 2' WHERE id = 2")
            try db.execute(
                sql: "INSERT INTO shipment (orderId, number, status, shippedAt) VALUES (?, ?, ?, '2026-02-03 10:00:00.000')",
                arguments: [order.id, "\(order.number)/1", "shipped"])
            let shipmentId = db.lastInsertedRowID
            try db.execute(
                sql: """
                    INSERT INTO shipmentLine (shipmentId, orderLineId, qtyMilli)
                    SELECT ?, id, CASE WHEN sku = 'CAB-1' THEN 2000 ELSE qtyMilli END FROM orderLine WHERE orderId = ?
                    """,
                arguments: [shipmentId, order.id])
            return shipmentId
        }
        return (order.id, shipmentId)
    }

    @Test("a shipped shipment's waybill and invoice: the shipped quantities, VAT, the total in words; kept once; not before shipping")
    func shipmentDocuments() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        let (orderId, shipmentId) = try await Self.shippedOrder(database)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let orderPage = try await buyer.get(client, "/orders/\(orderId)")
            #expect(orderPage.text.contains("/shipments/\(shipmentId)/waybill.pdf"))
            #expect(orderPage.text.contains("/shipments/\(shipmentId)/invoice.pdf"))

            let waybill = try await buyer.get(client, "/shipments/\(shipmentId)/waybill.pdf")
            #expect(waybill.status == .ok)
            #expect(waybill.headers[.contentType] == "application/pdf")
            let waybillData = Data(buffer: waybill.body)
            #expect(waybillData.count < 100_000)
            // 2 × 100,00 + 10 × 20,00 = 400,00 with VAT 20/120 of each line: 33,33 + 33,33.
            if let (text, pages) = try PopplerText.read(waybillData) {
                #expect(pages == 1)
                #expect(text.contains("ТОВАРНАЯ НАКЛАДНАЯ № T-00001/1 от 03.02.2026"))
                #expect(text.contains("Кабель ВВГнг 3×2,5"))
                #expect(text.contains("Лампа LED 10 Вт"))
                #expect(text.contains("ООО «Бета»"))
                #expect(text.contains("400,00"))
                #expect(text.contains("66,66"))
                #expect(text.contains("333,34"))
                #expect(text.contains("Два порядковых номера записей"))
                #expect(text.contains("Всего отпущено на сумму: Четыреста рублей 00 копеек"))
            }
            let invoice = try await buyer.get(client, "/shipments/\(shipmentId)/invoice.pdf")
            #expect(invoice.status == .ok)
            if let (text, _) = try PopplerText.read(Data(buffer: invoice.body)) {
                #expect(text.contains("Счёт-фактура № T-00001/1 от 3 февраля 2026 г."))
                #expect(text.contains("ИНН/КПП покупателя:"))
                #expect(text.contains("7700000002/770001001"))
                #expect(text.contains("Российский рубль, 643"))
                #expect(text.contains("Всего к оплате (9)"))
                #expect(text.contains("83,34"), "the price of a cable without VAT: 166,67 / 2, half away from zero")
                #expect(text.contains("20%"))
            }
            // Kept once: asked again, the same bytes, one document per kind.
            let again = try await buyer.get(client, "/shipments/\(shipmentId)/waybill.pdf")
            #expect(Data(buffer: again.body) == waybillData)
            let kept = try await database.read {
                try String.fetchAll($0, sql: "SELECT kind FROM document WHERE shipmentId = ? ORDER BY kind", arguments: [shipmentId])
            }
            #expect(kept == ["invoice", "waybill"])
            let listed = try await buyer.get(client, "/orders/\(orderId)")
            #expect(listed.text.contains("T-00001/1"))

            var (other, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            #expect(try await other.get(client, "/shipments/\(shipmentId)/waybill.pdf").status == .notFound)
            #expect(try await other.get(client, "/shipments/\(shipmentId)/invoice.pdf").status == .notFound)
        }
        // A shipment still being assembled has no documents yet.
        let planned = try await database.write { db -> Int64 in
            try db.execute(sql: "INSERT INTO shipment (orderId, number, status) VALUES (?, 'T-00001/2', 'assembling')", arguments: [orderId])
            return db.lastInsertedRowID
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/shipments/\(planned)/waybill.pdf").status == .conflict)
            #expect(!(try await buyer.get(client, "/orders/\(orderId)")).text.contains("/shipments/\(planned)/"))
        }
    }

    @Test("a document the ERP sent for a shipment is what the buyer gets, as it is; nothing is generated over it")
    func erpShipmentDocument() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        let (orderId, shipmentId) = try await Self.shippedOrder(database)
        let erpBytes = Data("%PDF-1.4\n% UPD from 1C\n".utf8)
        try await database.write { db in
            let sha = try WholesailDatabase.storeBlob(db, erpBytes, contentType: "application/pdf")
            try db.execute(sql: "INSERT INTO file (id, blobSha256, fileName, kind) VALUES (700, ?, 'upd-55.pdf', 'document')", arguments: [sha])
            try db.execute(
                sql: """
                    INSERT INTO document (erpId, kind, number, date, counterpartyId, orderId, shipmentId, amountMinor, fileId, source)
                    VALUES ('doc-55', 'upd', 'УПД-55', '2026-02-03', 2, ?, ?, 40000, 700, 'erp')
                    """,
                arguments: [orderId, shipmentId])
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/orders/\(orderId)")
            #expect(page.text.contains("УПД-55"))
            #expect(!page.text.contains("/shipments/\(shipmentId)/waybill.pdf"), "the ERP's UPD stands for the waybill")
            let waybill = try await buyer.get(client, "/shipments/\(shipmentId)/waybill.pdf")
            #expect(Data(buffer: waybill.body) == erpBytes)
            let invoice = try await buyer.get(client, "/shipments/\(shipmentId)/invoice.pdf")
            #expect(Data(buffer: invoice.body) == erpBytes)
        }
        let generated = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM document WHERE source = 'generated' AND shipmentId IS NOT NULL") }
        #expect(generated == 0)
    }
}
