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

/// The ordering fixture with passwords, a manager serving company 2 and an admin.
enum Shop {
    static let password = "correct horse battery"

    static func seed(_ database: WholesailDatabase) async throws {
        try await OrderingFixture.seed(database)
        let hash = PasswordHasher.fastForTests.hash(password)
        try await database.write { db in
            try db.execute(sql: "UPDATE user SET passwordHash = ?", arguments: [hash])
        }
        let manager = try await database.addUser(
            email: "manager@example.com", password: password, role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.addUser(email: "root@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.addUser(
            email: "stranger@example.com", password: password, role: "buyer", counterpartyErpId: "cp-1", hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO managerAssignment (userId, counterpartyId) VALUES (?, 2)", arguments: [manager])
        }
    }

    static func token(_ client: some TestClientProtocol, _ email: String) async throws -> String {
        try await PricingPagesTests.token(client, email, password: password)
    }

    static func json(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

@Suite("Cart, quick order, checkout and orders over HTTP")
struct OrderingPagesTests {
    @Test("a buyer adds from the product page, edits the cart, checks out with pickup and sees the order")
    func pageFlow() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let card = try await browser.get(client, "/product/1")
            #expect(card.text.contains(#"action="/cart/add""#))
            var response = try await browser.post(client, "/cart/add", ["product_id": "1", "qty": "3", "unit_id": "1", "back": "/product/1"])
            #expect(response.status == .seeOther || response.status == .found)
            #expect(response.headers[.location] == "/product/1?added=1")
            response = try await browser.post(client, "/cart/add", ["product_id": "1", "qty": "1", "unit_id": "3", "back": "//evil.example"])
            #expect(response.headers[.location] == "/cart?added=1")
            response = try await browser.post(client, "/cart/add", ["product_id": "1", "qty": "-2"])
            #expect(response.status == .unprocessableContent)
            response = try await browser.post(client, "/cart/add", ["product_id": "2", "qty": "1.5"])
            #expect(response.status == .unprocessableContent)

            let cart = try await browser.get(client, "/cart")
            #expect(cart.status == .ok)
            #expect(cart.text.contains("CAB-1"))
            // 3 × 90,00 + 1 box × 900,00 = 1 170,00 at company 1's wholesale prices.
            #expect(cart.text.contains("1\u{00A0}170,00"))
            let lines = try await database.workingCart(userId: 1).lines
            response = try await browser.post(client, "/cart/update", ["qty_\(lines[0].id)": "1,5", "unit_\(lines[0].id)": "1"])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("кратно") || response.text.contains("multiples"))
            response = try await browser.post(client, "/cart/update", ["qty_\(lines[0].id)": "5", "unit_\(lines[0].id)": "1"])
            #expect(response.status == .seeOther || response.status == .found)
            #expect(try await database.workingCart(userId: 1).lines[0].qtyMilli == 5000)

            let checkout = try await browser.get(client, "/checkout")
            #expect(checkout.status == .ok)
            let version = try #require(checkout.text.slice(after: #"name="version" value=""#))
            let key = try #require(checkout.text.slice(after: #"name="idempotencyKey" value=""#))
            // Missing warehouse for pickup: the form comes back with the field's message.
            response = try await browser.post(client, "/checkout", ["counterpartyId": "1", "delivery": "pickup", "version": version, "idempotencyKey": key])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("field-error"))
            let fields = ["counterpartyId": "1", "delivery": "pickup", "warehouseId": "1", "version": version, "idempotencyKey": key, "comment": "<b>к 9:00</b>"]
            response = try await browser.post(client, "/checkout", fields)
            #expect(response.status == .seeOther || response.status == .found)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/orders/"))
            // The same form submitted twice places one order.
            let again = try await browser.post(client, "/checkout", fields)
            #expect(again.headers[.location] == location)
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customerOrder") } == 1)

            let page = try await browser.get(client, String(location.split(separator: "?")[0]))
            #expect(page.status == .ok)
            #expect(page.text.contains("T-00001"))
            #expect(page.text.contains("&lt;b&gt;к 9:00&lt;/b&gt;"))
            let history = try await browser.get(client, "/orders?status=new")
            #expect(history.text.contains("T-00001"))
            let none = try await browser.get(client, "/orders?status=shipped")
            #expect(!none.text.contains("T-00001"))
        }
    }

    @Test("quick order: text with unknown SKUs listed back, CSV upload reviewed then added")
    func quickOrder() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            _ = try await browser.get(client, "/quick-order")
            var response = try await browser.post(client, "/quick-order", ["skus": "cab-1:4, LAMP-2:10\nNOPE-1 OLD-4\nWIRE-3:abc"])
            #expect(response.status == .ok)
            #expect(response.text.contains("NOPE-1"))
            #expect(response.text.contains("OLD-4"))
            #expect(response.text.contains("WIRE-3"))
            var cart = try await database.workingCart(userId: 1)
            #expect(cart.lines.map(\.sku) == ["CAB-1", "LAMP-2"])
            #expect(cart.lines.map(\.qtyMilli) == [4000, 10000])

            let csv = Data("\u{FEFF}Артикул;Количество\r\nWIRE-3;2,5\r\nLAMP-2;5\r\nMISSING;1\r\nCAB-1;x\r\n".utf8)
            response = try await browser.postFile(client, "/quick-order/upload", [:], file: ("file", "order.csv", csv))
            #expect(response.status == .ok)
            #expect(response.text.contains(#"name="sku_0" value="WIRE-3""#))
            #expect(response.text.contains("MISSING"))
            response = try await browser.post(client, "/quick-order/add", ["sku_0": "WIRE-3", "qty_0": "3.5", "sku_1": "LAMP-2", "qty_1": "5", "skip_1": "1"])
            #expect(response.status == .ok)
            cart = try await database.workingCart(userId: 1)
            #expect(cart.lines.map(\.sku) == ["CAB-1", "LAMP-2", "WIRE-3"])
            #expect(cart.lines.last?.qtyMilli == 3500)

            // The Excel template, filled in and uploaded, is read back the same way.
            let xlsxTemplate = try await browser.get(client, "/quick-order/template.xlsx")
            #expect(try XLSXReader(data: Data(buffer: xlsxTemplate.body)).rows().first?.cells.first == "Артикул")
            var sheet = XLSXSheet(name: "Заказ")
            sheet.addHeader(["Артикул", "Количество"])
            sheet.addRow([.text("LAMP-2"), .integer(10)])
            sheet.addRow([.text("=HYPERLINK(\"http://evil\")"), .integer(1)])
            var workbook = XLSXWriter(title: "Заказ")
            workbook.addSheet(sheet)
            response = try await browser.postFile(client, "/quick-order/upload", [:], file: ("file", "order.xlsx", try workbook.data()))
            #expect(response.status == .ok)
            #expect(response.text.contains(#"name="sku_0" value="LAMP-2""#))
            #expect(response.text.contains("=HYPERLINK"))
            response = try await browser.postFile(client, "/quick-order/upload", [:], file: ("file", "order.xlsx", Data("PK\u{3}\u{4}broken".utf8)))
            #expect(response.status == .unprocessableContent)

            let exported = try await browser.get(client, "/cart/export.xlsx")
            let rows = try XLSXReader(data: Data(buffer: exported.body)).rows()
            #expect(rows.contains { $0.cells.first == "WIRE-3" })
            #expect(rows.contains { $0.cells.contains("ООО «Альфа»") || $0.cells.contains { $0.contains("ООО «Альфа»") } })

            let template = try await browser.get(client, "/quick-order/template.csv")
            #expect(template.headers[.contentType]?.hasPrefix("text/csv") == true)
            let export = try await browser.get(client, "/cart/export.csv")
            #expect(export.text.contains("WIRE-3"))
        }
    }

    @Test("saved carts from the pages; a guest leaves a lead; another user's saved cart is not found")
    func savedAndLead() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var guest = Browser()
            let page = try await guest.get(client, "/cart")
            #expect(page.text.contains(#"action="/lead""#))
            var response = try await guest.post(client, "/lead", ["phone": "12", "email": "x", "skus": "CAB-1:10"])
            #expect(response.status == .unprocessableContent)
            response = try await guest.post(client, "/lead", ["phone": "+7 900 123-45-67", "email": "guest@example.com", "skus": "CAB-1:10", "consent": "1"])
            #expect(response.headers[.location] == "/cart?lead=1")
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM lead") } == 1)

            var (browser, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            _ = try await browser.get(client, "/cart")
            _ = try await browser.post(client, "/cart/add", ["product_id": "1", "qty": "2"])
            _ = try await browser.get(client, "/cart")
            response = try await browser.post(client, "/cart/save", ["name": "Каждый понедельник"])
            #expect(response.headers[.location] == "/account/carts?saved=1")
            let list = try await browser.get(client, "/account/carts")
            #expect(list.text.contains("Каждый понедельник"))
            let savedId = try #require(try await database.savedCarts(userId: 1).first?.id)

            var (other, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await other.get(client, "/cart")
            #expect(try await other.get(client, "/account/carts/\(savedId)").status == .notFound)
            #expect(try await other.post(client, "/account/carts/\(savedId)/load", ["mode": "replace"]).status == .notFound)
        }
    }

    @Test("API: add by SKU, re-price on company switch, place with an idempotency key, list and read orders; bad input answers JSON errors")
    func api() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            let token = try await Shop.token(client, "buyer1@example.com")
            var response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"cab-1","qty":"2"}"#)
            #expect(response.status == .created)
            var cart = try response.json()
            #expect((cart["total"] as? [String: Any])?["amount"] as? String == "180.00")
            response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"WIRE-3","qty":1.25}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.json()["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "cart.qty_step")
            response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"NOPE"}"#)
            #expect(response.status == .notFound)
            response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku": 5"#)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","unit":"упак","qty":"1"}"#)
            #expect(response.status == .created)

            response = try await Shop.json(client, .post, "/api/v1/cart/settings", token: token, body: #"{"counterparty_id":2}"#)
            cart = try response.json()
            #expect((cart["total"] as? [String: Any])?["amount"] as? String == "1200.00")
            response = try await Shop.json(client, .post, "/api/v1/cart/settings", token: token, body: #"{"counterparty_id":999}"#)
            #expect(response.status == .notFound)
            response = try await Shop.json(client, .post, "/api/v1/cart/settings", token: token, body: #"{"counterparty_id":1}"#)
            let version = try #require(try response.json()["version"] as? String)

            let body = #"{"delivery":"delivery","address_id":1,"cart_version":"\#(version)"}"#
            response = try await Shop.json(client, .post, "/api/v1/orders", token: token, body: body, headers: [HTTPField.Name("Idempotency-Key")!: "api-1"])
            #expect(response.status == .created)
            let placed = try response.json()
            let id = try #require(placed["id"] as? Int)
            response = try await Shop.json(client, .post, "/api/v1/orders", token: token, body: body, headers: [HTTPField.Name("Idempotency-Key")!: "api-1"])
            #expect(response.status == .ok)
            #expect(try response.json()["id"] as? Int == id)

            response = try await Shop.json(client, .get, "/api/v1/orders?status=new", token: token)
            #expect(try response.json()["total"] as? Int == 1)
            response = try await Shop.json(client, .get, "/api/v1/orders?from=yesterday", token: token)
            #expect(response.status == .unprocessableContent)
            response = try await Shop.json(client, .get, "/api/v1/orders/\(id)", token: token)
            let detail = try response.json()
            #expect((detail["lines"] as? [[String: Any]])?.count == 2)

            // Another company's buyer cannot read it; an order for a company the user is not in is refused.
            let other = try await Shop.token(client, "buyer2@example.com")
            #expect(try await Shop.json(client, .get, "/api/v1/orders/\(id)", token: other).status == .notFound)
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: other, body: #"{"sku":"CAB-1"}"#)
            response = try await Shop.json(client, .post, "/api/v1/orders", token: other, body: #"{"counterparty_id":1,"delivery":"pickup","warehouse_id":1}"#)
            #expect(response.status == .notFound)
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customerOrder") } == 1)

            response = try await Shop.json(client, .post, "/api/v1/orders/\(id)/repeat", token: token)
            #expect(response.status == .ok)
            response = try await Shop.json(client, .post, "/api/v1/orders/\(id)/cancel", token: token)
            #expect(try (response.json()["order"] as? [String: Any])?["status"] as? String == "cancelled")
        }
    }

    @Test("a manager changes an order's status (an event with who); the buyer cannot; admin edits statuses and settings")
    func staff() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 1000)
        let placed = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/orders")
            #expect(try await buyer.post(client, "/orders/\(placed.id)/status", ["status": "shipped"]).status == .forbidden)

            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let page = try await manager.get(client, "/orders/\(placed.id)")
            #expect(page.status == .ok)
            let response = try await manager.post(client, "/orders/\(placed.id)/status", ["status": "confirmed", "note": "Согласовано"])
            #expect(response.status == .seeOther || response.status == .found)
            let order = try #require(try await database.order(id: placed.id))
            #expect(order.summary.status.code == "confirmed")
            #expect(order.events.last?.user != nil)
            #expect(order.events.last?.note == "Согласовано")

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            #expect(try await admin.get(client, "/admin/ordering").status == .ok)
            var saved = try await admin.post(client, "/admin/ordering/settings", ["reservationDays": "3", "split": "shipments"])
            #expect(saved.headers[.location] == "/admin/ordering?saved=1")
            #expect(try await database.orderSettings() == OrderSettings(reservationDays: 3, split: .shipments))
            saved = try await admin.post(client, "/admin/ordering/settings", ["reservationDays": "-1", "split": "shipments"])
            #expect(saved.status == .unprocessableContent)
            saved = try await admin.post(client, "/admin/ordering/statuses", ["id": "0", "code": "on hold!", "nameEn": "On hold", "nameRu": "Отложен", "color": "#123456"])
            #expect(saved.status == .unprocessableContent)
            saved = try await admin.post(client, "/admin/ordering/statuses", ["id": "0", "code": "on_hold", "nameEn": "On hold", "nameRu": "Отложен", "color": "#123456", "isActive": "1"])
            #expect(saved.headers[.location] == "/admin/ordering?saved=1")
            #expect(try await database.orderStatuses().contains { $0.code == "on_hold" && $0.nameRu == "Отложен" })
            _ = try await manager.get(client, "/orders")
            #expect(try await manager.get(client, "/admin/ordering").status == .forbidden)
        }
    }
}

extension String {
    /// The text after `marker` up to the next quote.
    func slice(after marker: String) -> String? {
        guard let range = range(of: marker) else { return nil }
        return String(self[range.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("Requests: complaints, returns step by step, threads with files")
struct RequestsPagesTests {
    @Test("a buyer files a complaint with a file; the manager answers from the queue; other companies see nothing")
    func complaintThread() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 3000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/requests/new?kind=complaint")
            var response = try await buyer.postFile(
                client, "/requests", ["kind": "complaint", "subject": "", "body": "Пришла не та упаковка"], file: ("file1", "фото.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0])))
            #expect(response.status == .unprocessableContent)
            response = try await buyer.postFile(
                client, "/requests", ["kind": "complaint", "orderId": String(order.id), "subject": "Не та упаковка", "body": "Пришла не та упаковка"],
                file: ("file1", "фото.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0])))
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/requests/"))
            let ticketId = try #require(Int64(location.dropFirst("/requests/".count).prefix { $0.isNumber }))
            let page = try await buyer.get(client, "/requests/\(ticketId)")
            #expect(page.text.contains("фото.jpg"))
            let fileId = try #require(try await database.ticket(id: ticketId)?.messages.first?.files.first?.id)
            let download = try await buyer.get(client, "/requests/\(ticketId)/files/\(fileId)")
            #expect(download.status == .ok)
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(try await buyer.get(client, "/requests/\(ticketId)/files/999").status == .notFound)

            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let queue = try await manager.get(client, "/staff/requests")
            #expect(queue.text.contains("Не та упаковка"))
            _ = try await manager.get(client, "/staff/requests/\(ticketId)")
            response = try await manager.post(client, "/staff/requests/\(ticketId)/reply", ["body": "Заменим завтра"])
            #expect(response.headers[.location] == "/staff/requests/\(ticketId)")
            let detail = try #require(try await database.ticket(id: ticketId))
            #expect(detail.summary.status == "answered")
            #expect(detail.messages.map(\.authorIsStaff) == [false, true])
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox WHERE topic LIKE 'ticket.%'") } == 2)

            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            let list = try await stranger.get(client, "/requests")
            #expect(!list.text.contains("Не та упаковка"))
            #expect(try await stranger.get(client, "/requests/\(ticketId)").status == .notFound)
            #expect(try await stranger.get(client, "/requests/\(ticketId)/files/\(fileId)").status == .notFound)
            #expect(try await stranger.post(client, "/requests/\(ticketId)/reply", ["body": "x"]).status == .notFound)
        }
    }

    @Test("a return goes order → lines → reason and confirmation; more than ordered is refused")
    func returnWizard() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 3000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        let lineId = try #require(try await database.order(id: order.id)?.lines.first?.id)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            var page = try await buyer.get(client, "/requests/new?kind=return")
            #expect(page.text.contains(#"name="orderId""#))
            page = try await buyer.get(client, "/requests/new?kind=return&step=2&orderId=\(order.id)")
            #expect(page.text.contains("qty_\(lineId)"))
            page = try await buyer.get(client, "/requests/new?kind=return&step=3&orderId=\(order.id)&qty_\(lineId)=2")
            #expect(page.text.contains(#"name="reason""#))
            var response = try await buyer.post(
                client, "/requests", ["kind": "return", "orderId": String(order.id), "qty_\(lineId)": "5", "reason": "defect"])
            #expect(response.status == .unprocessableContent)
            response = try await buyer.post(client, "/requests", ["kind": "return", "orderId": String(order.id), "qty_\(lineId)": "2", "reason": "defect"])
            let location = try #require(response.headers[.location])
            let ticketId = try #require(Int64(location.dropFirst("/requests/".count).prefix { $0.isNumber }))
            let detail = try #require(try await database.ticket(id: ticketId))
            #expect(detail.returnLines.map(\.qtyMilli) == [2000])
            #expect(detail.reason == "defect")
        }
    }
}

@Suite("Admin promotions: promocodes and cart thresholds")
struct PromotionsPagesTests {
    @Test("the admin adds a promocode and a threshold with validation; the buyer's cart uses them; a buyer cannot open the page")
    func promotions() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            #expect(try await admin.get(client, "/admin/promotions").status == .ok)
            var response = try await admin.post(client, "/admin/promotions/codes", ["code": "BAD CODE", "kind": "percent", "value": "150"])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("field-error"))
            response = try await admin.post(
                client, "/admin/promotions/codes", ["code": "ZIMA5", "kind": "percent", "value": "5", "validTo": "2099-12-31", "maxUsesPerCounterparty": "2"])
            #expect(response.headers[.location] == "/admin/promotions?saved=1")
            response = try await admin.post(client, "/admin/promotions/codes", ["code": "zima5", "kind": "fixed", "value": "100"])
            #expect(response.status == .unprocessableContent)
            response = try await admin.post(client, "/admin/promotions/thresholds", ["fromPriceTypeId": "2", "minTotal": "1000", "priceTypeId": "3"])
            #expect(response.headers[.location] == "/admin/promotions?saved=1")
            response = try await admin.post(client, "/admin/promotions/thresholds", ["fromPriceTypeId": "2", "minTotal": "abc", "priceTypeId": "3"])
            #expect(response.status == .unprocessableContent)

            try await database.addToCart(userId: 1, productId: 1, qtyMilli: 12000)
            try await database.setCartPromocode(userId: 1, code: "zima5")
            let (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
            // 12 × 90.00 = 1 080.00 reaches the threshold: 12 × 80.00 = 960.00, then −5 %.
            #expect(priced.subtotalMinor == 96000)
            #expect(priced.discountMinor == 4800)

            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/admin/promotions").status == .forbidden)
        }
    }
}
