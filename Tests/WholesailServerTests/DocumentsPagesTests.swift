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

@Suite("Documents: the order's bill, the documents list, finance, the price list")
struct DocumentsPagesTests {
    @Test("placing an order makes its bill; the PDF names the order, the buyer and the total; other companies get 404")
    func bill() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            let token = try await Shop.token(client, "buyer1@example.com")
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"3"}"#)
            let placed = try await Shop.json(client, .post, "/api/v1/orders", token: token, body: #"{"delivery":"pickup","warehouse_id":1}"#)
            let id = try #require(try placed.json()["id"] as? Int)
            let documents = try await database.documents(DocumentFilter(counterparties: [1]))
            #expect(documents.map(\.kind) == ["bill"])
            #expect(documents.first?.amountMinor == 27000)

            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let order = try await buyer.get(client, "/orders/\(id)")
            #expect(order.text.contains("/orders/\(id)/bill.pdf"))
            let pdf = try await buyer.get(client, "/orders/\(id)/bill.pdf")
            #expect(pdf.status == .ok)
            #expect(pdf.headers[.contentType] == "application/pdf")
            let data = Data(buffer: pdf.body)
            #expect(data.starts(with: Data("%PDF".utf8)))
            #expect(data.count < 100_000)
            if ExternalTool.shouldRun("pdftotext") {
                let scratch = try ScratchDirectory()
                let text = try PDFPopplerTests.text(try PDFPopplerTests.write(data, scratch))
                #expect(text.contains("Счёт на оплату № T-00001"))
                #expect(text.contains("ООО «Альфа»"))
                #expect(text.contains("Кабель ВВГнг 3×2,5"))
                #expect(text.contains("270,00"))
                #expect(text.contains("Двести семьдесят рублей 00 копеек"), "the total in words")
            }
            let list = try await buyer.get(client, "/documents")
            #expect(list.text.contains("T-00001"))
            let file = try await buyer.get(client, "/documents/\(documents[0].id)/file")
            #expect(Data(buffer: file.body) == data)

            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            _ = try await stranger.get(client, "/documents")
            // stranger works for company 1 too in the fixture; company 2's buyer must not see it.
            var (other, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            #expect(try await other.get(client, "/orders/\(id)/bill.pdf").status == .notFound)
            #expect(try await other.get(client, "/documents/\(documents[0].id)/file").status == .notFound)
            #expect(!(try await other.get(client, "/documents")).text.contains("T-00001"))
        }
    }

    @Test("finance shows debt, limit and overdue from settlements; the price list has the buyer's own prices")
    func financeAndPriceList() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO settlement (counterpartyId, date, dueDate, amountMinor, description) VALUES (2, '2026-01-10', '2026-01-20', 30000, 'Реализация 1')")
            // A plain buyer does not see the company's finances; the buyer admin does.
            try db.execute(sql: "UPDATE userRole SET roleId = (SELECT id FROM role WHERE code = 'buyer_admin') WHERE userId = 2")
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/finance")
            #expect(page.status == .ok)
            #expect(page.text.contains("Реализация 1"))
            #expect(page.text.contains("300,00"))
            #expect(page.text.contains("1\u{00A0}000,00"))
            let list = try await buyer.get(client, "/price-list.xlsx")
            let rows = try XLSXReader(data: Data(buffer: list.body)).rows()
            // Company 2 buys at retail: CAB-1 at 100.00; the product no longer sold is not listed.
            #expect(rows.contains { $0.cells.first == "CAB-1" && $0.cells.contains("100") })
            #expect(!rows.contains { $0.cells.first == "OLD-4" })
            var (one, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            #expect(try await one.get(client, "/finance").status == .forbidden)
            let wholesale = try XLSXReader(data: Data(buffer: (try await one.get(client, "/price-list.xlsx")).body)).rows()
            #expect(wholesale.contains { $0.cells.first == "CAB-1" && $0.cells.contains("90") })
        }
    }
}

@Suite("The manager's workstation")
struct WorkstationTests {
    @Test("the home page lists only the served companies with debt and last order; a company page lists its users and matching registration requests")
    func workstation() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 1000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await database.write { db in
            try db.execute(sql: "UPDATE counterparty SET inn = '7700000002' WHERE id = 2")
            try db.execute(sql: """
                INSERT INTO registrationRequest (companyName, inn, contactName, email, phone, consentAt, consentVersion, createdAt)
                VALUES ('ООО «Бета»', '7700000002', 'Новый Сотрудник', 'new@beta.example', '+79000000000', '2026-11-29', '2026-11', '2026-11-29 10:00:00.000')
                """)
        }
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let home = try await manager.get(client, "/staff")
            #expect(home.status == .ok)
            #expect(home.text.contains("ООО «Бета»"))
            #expect(!home.text.contains("ООО «Альфа»"))
            #expect(home.text.contains(order.number))
            let company = try await manager.get(client, "/staff/companies/2")
            #expect(company.text.contains("buyer2@example.com"))
            #expect(company.text.contains("new@beta.example"))
            #expect(company.text.contains(#"name="counterparty" value="2""#))
            #expect(try await manager.get(client, "/staff/companies/1").status == .notFound)
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/staff").status == .forbidden)
        }
    }
}

@Suite("Saved carts and requests over the API")
struct AccountAPITests {
    @Test("save, list, load and delete a cart; file a return with lines and reply; another company's request is 404")
    func api() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 3000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        let lineId = try #require(try await database.order(id: order.id)?.lines.first?.id)
        try await app.test(.router) { client in
            let token = try await Shop.token(client, "buyer2@example.com")
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"LAMP-2","qty":"10"}"#)
            var response = try await Shop.json(client, .post, "/api/v1/carts", token: token, body: #"{"name":"Лампы"}"#)
            #expect(response.status == .created)
            let cartId = try #require(try response.json()["id"] as? Int)
            response = try await Shop.json(client, .get, "/api/v1/carts", token: token)
            #expect(((try response.json()["items"] as? [[String: Any]])?.first?["name"] as? String) == "Лампы")
            response = try await Shop.json(client, .post, "/api/v1/carts/\(cartId)/load", token: token, body: #"{"mode":"sideways"}"#)
            #expect(response.status == .unprocessableContent)
            response = try await Shop.json(client, .post, "/api/v1/carts/\(cartId)/load", token: token, body: #"{"mode":"merge"}"#)
            #expect(response.status == .ok)
            #expect(try await database.workingCart(userId: 2).lines.first?.qtyMilli == 20000)
            #expect(try await Shop.json(client, .delete, "/api/v1/carts/\(cartId)", token: token).status == .noContent)

            response = try await Shop.json(
                client, .post, "/api/v1/requests", token: token,
                body: #"{"kind":"return","order_id":\#(order.id),"lines":[{"order_line_id":\#(lineId),"qty":"9"}],"reason":"defect"}"#)
            #expect(response.status == .unprocessableContent)
            response = try await Shop.json(
                client, .post, "/api/v1/requests", token: token,
                body: #"{"kind":"return","order_id":\#(order.id),"lines":[{"order_line_id":\#(lineId),"qty":"1"}],"reason":"defect"}"#)
            #expect(response.status == .created)
            let ticketId = try #require(try response.json()["id"] as? Int)
            response = try await Shop.json(client, .post, "/api/v1/requests/\(ticketId)/messages", token: token, body: #"{"body":"Фото пришлю позже"}"#)
            #expect(((try response.json()["messages"] as? [[String: Any]])?.count) == 2)
            let stranger = try await Shop.token(client, "stranger@example.com")
            #expect(try await Shop.json(client, .get, "/api/v1/requests/\(ticketId)", token: stranger).status == .notFound)
        }
    }
}
