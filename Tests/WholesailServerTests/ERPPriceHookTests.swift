import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

/// An ERP that answers too late.
final class SlowHTTPSender: HTTPSender, Sendable {
    func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        try await Task.sleep(for: .seconds(5))
        return OutboundResponse(status: 200, body: Array(#"{"lines":[{"line":1,"price":"1.00"}]}"#.utf8))
    }
}

@Suite struct ERPPriceHookTests {
    static func cartPrice(_ client: some TestClientProtocol, token: String) async throws -> (price: String?, amount: String?) {
        let cart = try UnitPriceTests.json(try await Shop.json(client, .get, "/api/v1/cart", token: token))
        let line = (cart["lines"] as? [[String: Any]])?.first
        return ((line?["price"] as? [String: Any])?["amount"] as? String, (line?["amount"] as? [String: Any])?["amount"] as? String)
    }

    @Test("with detailing on, the cart and the order take the ERP's prices; a slow, failing or unreadable ERP leaves the matrix's; off, it is never asked")
    func hook() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        let prices = try await AdminPriceAssignmentsTests.prices(database, product: 1)
        let (sku, companyErp, warehouse) = try await database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT sku FROM product WHERE id = 1")!, try String.fetchOne(db, sql: "SELECT erpId FROM counterparty WHERE id = 1")!,
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM warehouse WHERE active = 1 AND isPickupPoint = 1
                            AND (regionId IS NULL OR regionId = (SELECT regionId FROM counterparty WHERE id = 1)) ORDER BY id LIMIT 1
                        """)!
            )
        }
        let erp = RecordingHTTPSender(status: 200, body: #"{"lines":[{"line":1,"price":"99.90"}]}"#)
        pricing.useHookSender(erp)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            _ = try await admin.get(client, "/admin/pricing")
            let bad = try await admin.post(client, "/admin/pricing/erp-hook", ["hookEnabled": "1", "hookUrl": "ftp://erp", "hookTimeout": "50"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.components(separatedBy: "class=\"field-error\"").count - 1 == 2, "the address and the timeout at once")
            #expect(bad.text.contains("10000 мил") || bad.text.contains("10000 milli"))
            #expect(try await database.erpPriceHookSettings() == ERPPriceHookSettings())

            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: petrov, body: #"{"sku":"\#(sku)","qty":"2"}"#)
            #expect(try await Self.cartPrice(client, token: petrov).price == prices[2], "off: the matrix's price")
            #expect(erp.requests.isEmpty, "off: the ERP is never asked")

            let saved = try await admin.post(client, "/admin/pricing/erp-hook", ["hookEnabled": "1", "hookUrl": "http://erp.example/prices", "hookTimeout": "300"])
            #expect(saved.status == .seeOther)
            #expect(try await database.erpPriceHookSettings() == ERPPriceHookSettings(enabled: true, url: "http://erp.example/prices", timeoutMs: 300))
            let detailed = try await Self.cartPrice(client, token: petrov)
            #expect(detailed.price == "99.90" && detailed.amount == "199.80")
            let asked = try #require(erp.requests.last)
            #expect(asked.method == "POST" && asked.url == "http://erp.example/prices")
            let body = String(decoding: asked.body ?? [], as: UTF8.self)
            #expect(body.contains(#""sku":"\#(sku)""#) && body.contains(#""counterparty":"\#(companyErp)""#) && body.contains(#""qty":"2""#))

            // Too slow, an error, an unreadable answer: the matrix's price, and the cart does not wait long.
            for sender in [SlowHTTPSender(), RecordingHTTPSender(status: 500, body: ""), RecordingHTTPSender(status: 200, body: "<html>")] as [any HTTPSender] {
                pricing.useHookSender(sender)
                let start = ContinuousClock.now
                #expect(try await Self.cartPrice(client, token: petrov).price == prices[2])
                #expect(ContinuousClock.now - start < .seconds(3))
            }

            // The order takes the ERP's price.
            pricing.useHookSender(erp)
            let placed = try await Shop.json(
                client, .post, "/api/v1/orders", token: petrov, body: #"{"counterparty_id":1,"delivery":"pickup","warehouse_id":\#(warehouse)}"#)
            #expect(placed.status.code < 300, "\(placed.text.prefix(500))")
            let order = try #require(try UnitPriceTests.json(placed)["id"] as? Int)
            let line = try await database.read { try Int64.fetchOne($0, sql: "SELECT priceMinor FROM orderLine WHERE orderId = ?", arguments: [order]) }
            #expect(line == 99_90)

            let audit = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'pricing.erp_hook_set'") }
            #expect(audit == 1)
        }
    }
}
