import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

@Suite struct PricingPagesTests {
    static func demo(_ database: WholesailDatabase) async throws {
        _ = try await DemoSeeder.ensureSeeded(database, hasher: .fastForTests, now: Date(timeIntervalSince1970: 1_795_000_000))
    }

    static func apiPrice(_ client: some TestClientProtocol, product: Int64, token: String?) async throws -> String? {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.execute(uri: "/api/v1/products/\(product)", method: .get, headers: headers)
        let json = try response.json()
        return ((json["product"] as? [String: Any])?["price"] as? [String: Any])?["amount"] as? String
    }

    static func token(_ client: some TestClientProtocol, _ email: String, password: String = "Demo2026-buyer") async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#))
        return try #require(try response.json()["token"] as? String)
    }

    @Test("each buyer sees their own company's prices; a new rule changes them after the rebuild")
    func ownPrices() async throws {
        let (app, database) = try await TestApp.make(seed: Self.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        let product: Int64 = 1
        let prices = try await database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT priceTypeId, amountMinor FROM price WHERE productId = ?", arguments: [product])
                .map { ($0["priceTypeId"] as Int64, Money(minorUnits: $0["amountMinor"], currency: "RUB").decimalString) })
        }
        try await app.test(.router) { client in
            let petrov = try await Self.token(client, "petrov@elektrosnab.example")
            let sidorova = try await Self.token(client, "sidorova@stroymontazh.example")
            #expect(try await Self.apiPrice(client, product: product, token: nil) == prices[1], "guests see the retail price")
            #expect(try await Self.apiPrice(client, product: product, token: petrov) == prices[2], "ЭлектроСнаб buys at wholesale")
            #expect(try await Self.apiPrice(client, product: product, token: sidorova) == prices[3], "the holding buys at large wholesale")

            // Raise everything by 10% for the Moscow region (ЭлектроСнаб is there; Энергия Плюс is not).
            try await database.write { db in
                try db.execute(sql: "INSERT INTO priceRule (name, priority, regionId, action, percent) VALUES ('Москва +10%', 5, 1, 'markup', '10')")
            }
            try await pricing.rebuild()
            let raised = Money(decimal: prices[2]!, currency: "RUB")!.multiplied(by: ExactDecimal(parsing: "1.1")!).decimalString
            #expect(try await Self.apiPrice(client, product: product, token: petrov) == raised)

            // Hide the product from the holding: its buyers get 404, others still see it.
            try await database.write { db in
                try db.execute(sql: "INSERT INTO priceRule (name, holdingId, action) VALUES ('Скрыть', 1, 'hide')")
                try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (last_insert_rowid(), ?)", arguments: [product])
            }
            try await pricing.rebuild()
            let hidden = try await client.execute(uri: "/api/v1/products/\(product)", method: .get, headers: [.authorization: "Bearer \(sidorova)"])
            #expect(hidden.status == .notFound)
            #expect(try await Self.apiPrice(client, product: product, token: petrov) == raised)
        }
    }

    @Test("sorting by price uses the buyer's own price")
    func sortByOwnPrice() async throws {
        let (app, database) = try await TestApp.make(seed: Self.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        let cable = try #require(try await database.categoryTree().first { $0.name == "Силовой кабель" })
        // Make the most expensive cable the cheapest for ЭлектроСнаб only.
        let dearest = try #require(try await database.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT p.id FROM product p JOIN productCategory pc ON pc.productId = p.id JOIN price pr ON pr.productId = p.id AND pr.priceTypeId = 2
                WHERE pc.categoryId = ? ORDER BY pr.amountMinor DESC LIMIT 1
                """, arguments: [cable.id])
        })
        try await database.write { db in
            try db.execute(sql: "INSERT INTO priceRule (name, counterpartyId, action, amountMinor) VALUES ('Спеццена', 1, 'fixed', 1)")
            try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (last_insert_rowid(), ?)", arguments: [dearest])
        }
        try await pricing.rebuild()
        try await app.test(.router) { client in
            let petrov = try await Self.token(client, "petrov@elektrosnab.example")
            let sorted = try await client.execute(
                uri: "/api/v1/products?category=\(cable.id)&sort=price&per_page=3", method: .get, headers: [.authorization: "Bearer \(petrov)"])
            let items = try #require(try sorted.json()["items"] as? [[String: Any]])
            #expect(items.first?["id"] as? Int == Int(dearest))
            #expect((items.first?["price"] as? [String: Any])?["amount"] as? String == "0.01")
            let guest = try await client.execute(uri: "/api/v1/products?category=\(cable.id)&sort=price_desc&per_page=3", method: .get)
            let guestItems = try #require(try guest.json()["items"] as? [[String: Any]])
            let amounts = guestItems.compactMap { ($0["price"] as? [String: Any])?["amount"] as? String }.compactMap { Money(decimal: $0, currency: "RUB")?.minorUnits }
            #expect(amounts == amounts.sorted(by: >))
        }
    }
}

@Suite struct AdminPricingTests {
    @Test("an admin creates a rule in the page, the buyer's price changes, the explanation names the rule; disabling restores")
    func adminRules() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let product = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT sku FROM product WHERE id = 1") })
        let before = try await database.read { try Int64.fetchOne($0, sql: "SELECT amountMinor FROM price WHERE productId = 1 AND priceTypeId = 2") }
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            #expect(try await admin.get(client, "/admin/pricing").status == .ok)
            let bad = try await admin.post(
                client, "/admin/pricing/rules", ["name": "", "action": "discount", "percent": "150", "validFrom": "2026-13-01", "skus": "NO-SUCH"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Укажите процент") || bad.text.contains("percentage"))
            let unknown = try await admin.post(client, "/admin/pricing/rules", ["name": "Список", "action": "discount", "percent": "5", "skus": "NO-SUCH"])
            #expect(unknown.status == .unprocessableContent)
            let rules = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM priceRule") }
            #expect(rules == 0, "refused rules leave nothing")
            let good = try await admin.post(
                client, "/admin/pricing/rules", ["name": "Скидка ЭлектроСнабу", "priority": "3", "counterpartyId": "1", "action": "discount", "percent": "10", "skus": product])
            #expect(good.status == .seeOther)
            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            let expected = Money(minorUnits: before!, currency: "RUB").multiplied(by: ExactDecimal(parsing: "0.9")!).decimalString
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == expected)
            let explained = try await admin.get(client, "/admin/pricing?counterparty=1&sku=\(product)")
            #expect(explained.text.contains("Скидка ЭлектроСнабу"))
            #expect(!explained.text.contains("disagree") && !explained.text.contains("расходятся"))
            let api = try await client.execute(
                uri: "/api/v1/pricing/explain?counterparty=1&sku=\(product)", method: .get,
                headers: [.authorization: "Bearer \(try await PricingPagesTests.token(client, "manager@wholesail.example", password: "Demo2026-manager"))"])
            #expect(api.status == .ok)
            #expect((try api.json()["rules"] as? [Int])?.count == 1)
            #expect(try await client.execute(uri: "/api/v1/pricing/explain?sku=\(product)", method: .get, headers: [.authorization: "Bearer \(petrov)"]).status == .forbidden)
            let ruleId = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM priceRule") })
            #expect(try await admin.post(client, "/admin/pricing/rules/\(ruleId)/active", ["active": "0"]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == Money(minorUnits: before!, currency: "RUB").decimalString)
            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            #expect(try await buyer.get(client, "/admin/pricing").status == .forbidden)
        }
    }
}

@Suite struct ExchangeRateTests {
    @Test("rates are entered per banking day, checked, and replace that day's rate")
    func rates() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            _ = try await admin.get(client, "/admin/pricing")
            #expect(try await admin.post(client, "/admin/pricing/rates", ["currency": "USD", "day": "2026-11-29", "rate": "-1"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/pricing/rates", ["currency": "XXX", "day": "2026-11-29", "rate": "90"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/pricing/rates", ["currency": "USD", "day": "29.11.2026", "rate": "90"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/pricing/rates", ["currency": "USD", "day": "2026-11-29", "rate": "95,5"]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/pricing/rates", ["currency": "USD", "day": "2026-11-29", "rate": "96.1234"]).status == .seeOther)
        }
        let rates = try await database.exchangeRates()
        #expect(rates == [ExchangeRateRow(currency: "USD", day: "2026-11-29", rate: "96.1234")])
    }
}
