import Foundation
import GRDB
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

/// "Why this price?" on the product card and in the cart (demo data: ЭлектроСнаб has agreement
/// Д-2026/011, СтройМонтаж-Центр Д-2026/022).
@Suite struct PriceExplanationPagesTests {
    static let electrosnabAgreement = "Д-2026/011"
    static let stroymontazhAgreement = "Д-2026/022"

    /// The `<details>` block of the card or cart page, or "" when there is none.
    static func why(_ html: String, id: String = "price-why") -> String {
        guard let start = html.range(of: #"id="\#(id)""#), let end = html.range(of: "</details>", range: start.upperBound..<html.endIndex) else { return "" }
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test("a buyer with an agreement price sees the agreement named, on the card and in the cart; others never see it")
    func agreementPrice() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        try await database.write { db in
            let agreement = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM agreement WHERE number = ?", arguments: [Self.electrosnabAgreement]))
            let unit = try #require(try Int64.fetchOne(db, sql: "SELECT baseUnitId FROM product WHERE id = 1"))
            try db.execute(
                sql: "INSERT INTO agreementPrice (agreementId, productId, unitId, amountMinor) VALUES (?, 1, ?, 12345)", arguments: [agreement, unit])
        }
        try await pricing.rebuild()
        try await app.test(.router) { client in
            let guest = try await client.execute(uri: "/product/1", method: .get)
            #expect(guest.status == .ok)
            #expect(!guest.text.contains("price-why"), "a guest sees no explanation")

            var (petrov, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            let card = try await petrov.get(client, "/product/1")
            let why = Self.why(card.text)
            #expect(why.contains(Self.electrosnabAgreement))
            #expect(why.contains("Почему такая цена?") || why.contains("Why this price?"))
            #expect(card.text.contains("123,45") || card.text.contains("123.45"))
            #expect(!why.contains("price-trace"), "buyers get no staff trace")

            let added = try await petrov.post(client, "/cart/add", ["product_id": "1", "qty": "1", "back": "/cart"])
            #expect([.seeOther, .found].contains(added.status), "\(added.status) \(added.text.prefix(3000))")
            let cart = try await petrov.get(client, "/cart")
            #expect(cart.status == .ok)
            #expect(cart.text.contains("price-why") && cart.text.contains(Self.electrosnabAgreement))

            // Сидорова's company has its own agreement; ЭлектроСнаб's never shows to her.
            var (sidorova, _) = try await Accounts.signIn(client, "sidorova@stroymontazh.example", password: "Demo2026-buyer")
            let other = try await sidorova.get(client, "/product/1")
            #expect(!Self.why(other.text).isEmpty)
            #expect(!other.text.contains(Self.electrosnabAgreement))
            #expect(!other.text.contains("123,45") && !other.text.contains("123.45"))
        }
    }

    @Test("a buyer under a discount rule sees the discount, not the rule's name; staff see the trace with it")
    func discountRule() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        let ruleId = try await database.write { db in
            try db.execute(
                sql: "INSERT INTO priceRule (name, priority, counterpartyId, action, percent, validTo) VALUES ('Секретное правило СМ', 5, 2, 'discount', '7.5', '2099-12-31')")
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (?, 2)", arguments: [id])
            return id
        }
        let everyone = try await database.write { db in
            try db.execute(sql: "INSERT INTO priceRule (name, action, percent) VALUES ('Общая скидка на товар 3', 'discount', '5')")
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (?, 3)", arguments: [id])
            return id
        }
        try await pricing.rebuild()
        try await app.test(.router) { client in
            var (sidorova, _) = try await Accounts.signIn(client, "sidorova@stroymontazh.example", password: "Demo2026-buyer")
            let card = try await sidorova.get(client, "/product/2")
            let why = Self.why(card.text)
            #expect(why.contains("7,5%") || why.contains("7.5%"))
            #expect(why.contains("2099-12-31"))
            #expect(!card.text.contains("Секретное правило"), "rule names are internal")
            #expect(!card.text.contains(Self.electrosnabAgreement))
            // Without the rule (another product) there is no discount line.
            let plain = Self.why(try await sidorova.get(client, "/product/1").text)
            #expect(!plain.isEmpty && !plain.contains("7,5%") && !plain.contains("7.5%"))

            // Petrov's company is not under the rule.
            var (petrov, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            let notHis = Self.why(try await petrov.get(client, "/product/2").text)
            #expect(!notHis.isEmpty && !notHis.contains("7,5%") && !notHis.contains("7.5%"))

            // Staff (customers.serve) get the trace: source, rule id and name, the reference check.
            var (manager, _) = try await Accounts.signIn(client, "manager@wholesail.example", password: "Demo2026-manager")
            let staff = Self.why(try await manager.get(client, "/product/3").text)
            #expect(staff.contains("price-trace"))
            #expect(staff.contains("#\(everyone) Общая скидка на товар 3"))
            #expect(staff.contains("5%"))
            #expect(!Self.why(try await manager.get(client, "/product/2").text).contains("#\(ruleId) "), "the manager has no company: that rule is not his")
            let buyerView = try await sidorova.get(client, "/product/3").text
            #expect(Self.why(buyerView).contains("5%") && !buyerView.contains("Общая скидка"))
        }
    }

    @Test("the cart names a threshold's price type and the promocode in the totals")
    func cartReasons() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        try await database.write { db in
            let wholesale = try #require(try String.fetchOne(db, sql: "SELECT name FROM priceType WHERE id = 3"))
            #expect(!wholesale.isEmpty)
            try db.execute(sql: "INSERT INTO cartThreshold (fromPriceTypeId, minTotalMinor, priceTypeId) VALUES (2, 1, 3)")
            try db.execute(sql: "INSERT INTO promocode (code, kind, percent) VALUES ('EXPLAIN10', 'percent', '10')")
        }
        let largeWholesale = try await database.read { try String.fetchOne($0, sql: "SELECT name FROM priceType WHERE id = 3") } ?? ""
        try await app.test(.router) { client in
            var (petrov, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            _ = try await petrov.get(client, "/product/1")
            let added = try await petrov.post(client, "/cart/add", ["product_id": "1", "qty": "1", "back": "/cart"])
            #expect([.seeOther, .found].contains(added.status), "\(added.status) \(added.text.prefix(3000))")
            let before = Self.why(try await petrov.get(client, "/cart").text, id: "cart-why")
            #expect(before.contains(largeWholesale))
            #expect(!before.contains("EXPLAIN10"))
            let applied = try await petrov.post(client, "/cart/promocode", ["code": "EXPLAIN10"])
            #expect(applied.status.code < 400)
            let totals = Self.why(try await petrov.get(client, "/cart").text, id: "cart-why")
            #expect(totals.contains(largeWholesale))
            #expect(totals.contains("EXPLAIN10"))
        }
    }
}
