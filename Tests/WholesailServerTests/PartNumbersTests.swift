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

/// The shop plus a buyer admin for each company.
enum PartNumberShop {
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await database.addUser(email: "boss1@example.com", password: Shop.password, role: "buyer_admin", counterpartyErpId: "cp-1", hasher: .fastForTests)
        try await database.addUser(email: "boss2@example.com", password: Shop.password, role: "buyer_admin", counterpartyErpId: "cp-2", hasher: .fastForTests)
    }
}

@Suite("The customer's own product numbers over HTTP")
struct PartNumbersTests {
    @Test("edited and imported; quick order, upload and search take them for that company only; orders and documents show both")
    func ownNumbers() async throws {
        let (app, database) = try await TestApp.make(seed: PartNumberShop.seed)
        let strangerId = try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = 'stranger@example.com'")! }
        try await app.test(.router) { client in
            var (boss, _) = try await Accounts.signIn(client, "boss1@example.com", password: Shop.password)
            let page = try await boss.get(client, "/company/part-numbers")
            #expect(page.status == .ok)
            #expect(page.text.contains("Ваши артикулы"))
            #expect(try await boss.post(client, "/company/part-numbers", ["number": "ALFA-100", "sku": "cab-1"]).status == .seeOther)
            let unknown = try await boss.post(client, "/company/part-numbers", ["number": "ALFA-999", "sku": "NOPE"])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("Товара с таким артикулом у нас нет"))
            let csv = Data("\u{FEFF}Ваш артикул;Артикул\r\nАЛЬФА-200;LAMP-2\r\nALFA-300;NOPE\r\n".utf8)
            let imported = try await boss.postFile(client, "/company/part-numbers/import", [:], file: ("file", "numbers.csv", csv))
            #expect(imported.status == .ok)
            #expect(imported.text.contains("Сохранено: 1."))
            #expect(imported.text.contains("ALFA-300"))
            var sheet = XLSXSheet(name: "Артикулы")
            sheet.addRow([.text("ALFA-300"), .text("WIRE-3")])
            var workbook = XLSXWriter(title: "Артикулы")
            workbook.addSheet(sheet)
            #expect(try await boss.postFile(client, "/company/part-numbers/import", [:], file: ("file", "numbers.xlsx", try workbook.data())).status == .ok)

            // A colleague of company 1 orders by the company's numbers.
            var (colleague, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            _ = try await colleague.get(client, "/quick-order")
            #expect(try await colleague.get(client, "/company/part-numbers").status == .forbidden)
            var response = try await colleague.post(client, "/quick-order", ["skus": "alfa-100:2\nальфа-200:5"])
            #expect(response.status == .ok)
            #expect(try await database.workingCart(userId: strangerId).lines.map(\.sku) == ["CAB-1", "LAMP-2"])
            #expect(try await colleague.get(client, "/cart").text.contains("ваш арт. АЛЬФА-200"), "the cart shows the company's numbers")
            var upload = XLSXSheet(name: "Заказ")
            upload.addHeader(["Артикул", "Количество"])
            upload.addRow([.text("ALFA-300"), .integer(3)])
            var uploadBook = XLSXWriter(title: "Заказ")
            uploadBook.addSheet(upload)
            response = try await colleague.postFile(client, "/quick-order/upload", [:], file: ("file", "order.xlsx", try uploadBook.data()))
            #expect(response.text.contains(#"name="sku_0" value="WIRE-3""#))
            let search = try await colleague.get(client, "/search?q=ALFA-1")
            #expect(search.text.contains("По вашему артикулу"))
            #expect(search.text.contains(#"href="/product/1""#))
            // The card shows the company's number.
            #expect(try await colleague.get(client, "/product/1").text.contains("ALFA-100"))

            // Company 2 knows nothing of them.
            var (other, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await other.get(client, "/quick-order")
            response = try await other.post(client, "/quick-order", ["skus": "ALFA-100:2"])
            #expect(response.text.contains("ALFA-100"), "listed back as unknown")
            #expect(try await database.workingCart(userId: 2).lines.isEmpty)
            response = try await other.postFile(client, "/quick-order/upload", [:], file: ("file", "order.xlsx", try uploadBook.data()))
            #expect(!response.text.contains(#"name="sku_0""#))
            #expect(!(try await other.get(client, "/search?q=ALFA-1").text.contains("По вашему артикулу")))
            let token = try await Shop.token(client, "buyer2@example.com")
            #expect(try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"ALFA-100","qty":"1"}"#).status == .notFound)
            let ownToken = try await Shop.token(client, "stranger@example.com")
            #expect(try await Shop.json(client, .post, "/api/v1/cart/items", token: ownToken, body: #"{"sku":"ALFA-100","qty":"1"}"#).status.code < 300)

            // Another company's buyer admin cannot delete company 1's numbers.
            let mapping = try #require(try await database.partNumbers(counterpartyId: 1).first { $0.number == "ALFA-100" })
            var (boss2, _) = try await Accounts.signIn(client, "boss2@example.com", password: Shop.password)
            _ = try await boss2.get(client, "/company/part-numbers")
            #expect(try await boss2.post(client, "/company/part-numbers/\(mapping.id)/delete", [:]).status == .notFound)
            #expect(!(try await boss2.get(client, "/company/part-numbers").text.contains("ALFA-100")))

            // The colleague checks out: the order page and the bill carry both numbers.
            let checkout = try await colleague.get(client, "/checkout")
            let version = try #require(checkout.text.slice(after: #"name="version" value=""#))
            response = try await colleague.post(client, "/checkout", ["counterpartyId": "1", "delivery": "pickup", "warehouseId": "1", "version": version])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let order = try await colleague.get(client, String(location.split(separator: "?")[0]))
            #expect(order.text.contains("CAB-1"))
            #expect(order.text.contains("ваш арт. ALFA-100"))
            let orderId = try #require(Int64(location.dropFirst("/orders/".count).prefix { $0.isNumber }))
            let bill = try #require(try await database.billData(orderId: orderId))
            #expect(bill.lines.map(\.customerSku) == ["ALFA-100", "АЛЬФА-200"])
            let pdf = try BillDocument.pdf(bill)
            if let (text, _) = try PopplerText.read(pdf) {
                #expect(text.contains("(CAB-1; ваш арт. ALFA-100)"), "the bill prints both numbers")
            }
            // Shipped: the waybill and the invoice print both numbers too.
            let shipmentId = try await database.write { db -> Int64 in
                try db.execute(sql: "INSERT INTO shipment (orderId, number, status, shippedAt) VALUES (?, 'S-1', 'shipped', '2026-11-20 10:00:00.000')", arguments: [orderId])
                let id = db.lastInsertedRowID
                try db.execute(sql: "INSERT INTO shipmentLine (shipmentId, orderLineId, qtyMilli) SELECT ?, id, qtyMilli FROM orderLine WHERE orderId = ?", arguments: [id, orderId])
                return id
            }
            let shipment = try #require(try await database.shipmentDocument(shipmentId: shipmentId))
            #expect(shipment.document.lines.map(\.customerSku) == ["ALFA-100", "АЛЬФА-200"])
            let waybill = try await colleague.get(client, "/shipments/\(shipmentId)/waybill.pdf")
            #expect(waybill.status == .ok)
            let invoice = try await colleague.get(client, "/shipments/\(shipmentId)/invoice.pdf")
            #expect(invoice.status == .ok)
            if let (text, _) = try PopplerText.read(Data(buffer: waybill.body)) {
                #expect(text.contains("CAB-1 / ALFA-100"))
            }
            if let (text, _) = try PopplerText.read(Data(buffer: invoice.body)) {
                #expect(text.contains("ваш арт. ALFA-100"))
            }
        }
        let numbers = try await database.partNumbers(counterpartyId: 1).map { "\($0.number)=\($0.sku)" }
        #expect(numbers == ["ALFA-100=CAB-1", "ALFA-300=WIRE-3", "АЛЬФА-200=LAMP-2"])
        let audit = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'partnumber.save'") }
        #expect(audit == 3)
    }
}
