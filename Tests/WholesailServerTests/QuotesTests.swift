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

/// The shop plus a second manager who serves nobody (so not company 2).
enum QuoteShop {
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await database.addUser(email: "other-manager@example.com", password: Shop.password, role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
    }

    /// A date `days` from today, `YYYY-MM-DD`.
    static func day(_ days: Int) -> String {
        let date = Calendar.current.date(byAdding: .day, value: days, to: Date())!
        let c = Calendar.current.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// buyer2 (company 2) puts CAB-1 × 5 and LAMP-2 × 10 in the cart and asks for a quote with a target for CAB-1; returns the quote id.
    static func request(_ client: some TestClientProtocol, _ browser: inout Browser, database: WholesailDatabase) async throws -> Int64 {
        _ = try await browser.get(client, "/cart")
        #expect(try await browser.post(client, "/cart/add", ["product_id": "1", "qty": "5"]).status == .seeOther)
        #expect(try await browser.post(client, "/cart/add", ["product_id": "2", "qty": "10"]).status == .seeOther)
        let form = try await browser.get(client, "/quotes/new")
        #expect(form.status == .ok)
        #expect(form.text.contains("Запросить коммерческое предложение"))
        let lines = try await database.workingCart(userId: 2).lines
        let version = try #require(form.text.slice(after: #"name="version" value=""#))
        let bad = try await browser.post(client, "/quotes", ["version": version, "price_\(lines[0].id)": "ninety", "comment": "Годовой объём"])
        #expect(bad.status == .unprocessableContent)
        let response = try await browser.post(client, "/quotes", ["version": version, "price_\(lines[0].id)": "90,00", "comment": "Годовой объём"])
        #expect(response.status == .seeOther)
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix("/quotes/"))
        return try #require(Int64(location.dropFirst("/quotes/".count).prefix { $0.isNumber }))
    }

    static func offer(_ client: some TestClientProtocol, _ browser: inout Browser, database: WholesailDatabase, quote: Int64) async throws {
        let lines = try await database.quote(id: quote, today: QuoteShop.day(0))!.lines
        _ = try await browser.get(client, "/staff/quotes/\(quote)")
        let response = try await browser.post(
            client, "/staff/quotes/\(quote)/offer",
            ["price_\(lines[0].id)": "92.50", "price_\(lines[1].id)": "19", "validUntil": day(7), "comment": "Цена при оплате за 5 дней"])
        #expect(response.status == .seeOther)
    }
}

@Suite("Requests for quote over HTTP")
struct QuotesTests {
    @Test("buyer asks, the assigned manager offers, the buyer accepts: an order at the quoted prices, notified and audited")
    func fullFlow() async throws {
        let (app, database) = try await TestApp.make(seed: QuoteShop.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let id = try await QuoteShop.request(client, &buyer, database: database)
            #expect(try await database.workingCart(userId: 2).lines.isEmpty, "the lines left the cart")
            let page = try await buyer.get(client, "/quotes/\(id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("ждёт менеджера"))
            #expect(page.text.contains("Годовой объём"))
            #expect(try await buyer.get(client, "/quotes?lang=en").text.contains(QuoteSummary.number(id)))
            // Nothing to accept yet.
            #expect(try await buyer.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1"]).status == .conflict)

            // The manager of company 2 sees it in the queue; bad offers come back with messages.
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let queue = try await manager.get(client, "/staff/quotes")
            #expect(queue.status == .ok)
            #expect(queue.text.contains(QuoteSummary.number(id)))
            let lines = try #require(try await database.quote(id: id, today: QuoteShop.day(0))).lines
            _ = try await manager.get(client, "/staff/quotes/\(id)?lang=en")
            var response = try await manager.post(
                client, "/staff/quotes/\(id)/offer", ["price_\(lines[0].id)": "92.50", "price_\(lines[1].id)": "19", "validUntil": QuoteShop.day(-1)])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("valid until today or later"))
            response = try await manager.post(client, "/staff/quotes/\(id)/offer", ["price_\(lines[0].id)": "92.50", "validUntil": QuoteShop.day(7)])
            #expect(response.status == .unprocessableContent)
            try await QuoteShop.offer(client, &manager, database: database, quote: id)

            // The buyer sees the offer and accepts it with pickup.
            let offered = try await buyer.get(client, "/quotes/\(id)?lang=en")
            #expect(offered.text.contains("offer received"))
            #expect(offered.text.contains("92.50"))
            #expect(offered.text.contains("Цена при оплате за 5 дней"))
            let key = try #require(offered.text.slice(after: #"name="idempotencyKey" value=""#))
            response = try await buyer.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1", "idempotencyKey": key])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/orders/"))
            let order = try await buyer.get(client, String(location.split(separator: "?")[0]))
            #expect(order.status == .ok)
            #expect(order.text.contains(QuoteSummary.number(id)), "the order names its quote")
            // Accepted once only.
            #expect(try await buyer.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1"]).status == .conflict)
        }
        let state = try await database.read { db in
            (
                status: try String.fetchOne(db, sql: "SELECT status FROM quote")!,
                orderId: try Int64.fetchOne(db, sql: "SELECT orderId FROM quote")!,
                prices: try Row.fetchAll(db, sql: "SELECT sku, priceMinor, amountMinor FROM orderLine ORDER BY lineNo").map {
                    "\($0["sku"] as String):\($0["priceMinor"] as Int64):\($0["amountMinor"] as Int64)"
                },
                total: try Int64.fetchOne(db, sql: "SELECT totalMinor FROM customerOrder")!,
                topics: try String.fetchAll(db, sql: "SELECT topic FROM outbox ORDER BY id"),
                audit: try String.fetchAll(db, sql: "SELECT action FROM auditLog WHERE action LIKE 'quote.%' ORDER BY id"),
                rounds: try String.fetchAll(db, sql: "SELECT action FROM quoteRound ORDER BY id"),
                staffNotice: try String.fetchOne(db, sql: "SELECT payload FROM outbox WHERE topic = 'quote.requested'")!
            )
        }
        #expect(state.status == "accepted")
        #expect(state.orderId > 0)
        // 5 × 92.50 and 10 × 19.00, not the price list's 100.00 and 20.00.
        #expect(state.prices == ["CAB-1:9250:46250", "LAMP-2:1900:19000"])
        #expect(state.total == 65250)
        #expect(try await database.quote(id: 1, today: QuoteShop.day(0))?.summary.totalMinor == 65250, "the quote's total is the order's")
        #expect(state.topics.contains("quote.requested") && state.topics.contains("quote.offered") && state.topics.contains("quote.accepted"))
        #expect(state.topics.contains("order.placed"), "placed like any order: notifications and the ERP export see it")
        #expect(state.audit == ["quote.request", "quote.offer", "quote.accept"])
        #expect(state.rounds == ["request", "offer", "accept"])
        #expect(state.staffNotice.contains(#""counterpartyId":"2""#))
    }

    @Test("another company's user and a manager who does not serve the company get 404; a buyer cannot answer as a manager")
    func access() async throws {
        let (app, database) = try await TestApp.make(seed: QuoteShop.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let id = try await QuoteShop.request(client, &buyer, database: database)
            let lines = try #require(try await database.quote(id: id, today: QuoteShop.day(0))).lines
            let offer = ["price_\(lines[0].id)": "1", "price_\(lines[1].id)": "1", "validUntil": QuoteShop.day(3)]

            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            _ = try await stranger.get(client, "/account")
            #expect(try await stranger.get(client, "/quotes/\(id)").status == .notFound)
            #expect(try await stranger.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1"]).status == .notFound)
            #expect(try await stranger.post(client, "/quotes/\(id)/decline", [:]).status == .notFound)
            #expect(!(try await stranger.get(client, "/quotes").text.contains(QuoteSummary.number(id))))

            var (other, _) = try await Accounts.signIn(client, "other-manager@example.com", password: Shop.password)
            _ = try await other.get(client, "/account")
            #expect(try await other.get(client, "/staff/quotes/\(id)").status == .notFound)
            #expect(try await other.post(client, "/staff/quotes/\(id)/offer", offer).status == .notFound)
            #expect(!(try await other.get(client, "/staff/quotes?all=1").text.contains(QuoteSummary.number(id))))

            // The buyer may not use the manager's form.
            #expect(try await buyer.post(client, "/staff/quotes/\(id)/offer", offer).status == .forbidden)
        }
        let status = try await database.read { try String.fetchOne($0, sql: "SELECT status FROM quote") }
        #expect(status == "requested")
    }

    @Test("an expired offer cannot be accepted; new targets bring a renewed offer that can")
    func expiry() async throws {
        let (app, database) = try await TestApp.make(seed: QuoteShop.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let id = try await QuoteShop.request(client, &buyer, database: database)
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            try await QuoteShop.offer(client, &manager, database: database, quote: id)
            try await database.write { try $0.execute(sql: "UPDATE quote SET validUntil = '2026-01-10'") }

            let page = try await buyer.get(client, "/quotes/\(id)?lang=en")
            #expect(page.text.contains("expired"))
            #expect(!page.text.contains("/quotes/\(id)/accept"), "no accept form for an expired offer")
            let refused = try await buyer.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("expired"))
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customerOrder") } == 0)

            // The buyer asks for other prices; the manager renews the offer; now it can be accepted.
            let lines = try #require(try await database.quote(id: id, today: QuoteShop.day(0))).lines
            #expect(try await buyer.post(client, "/quotes/\(id)/counter", ["price_\(lines[1].id)": "18", "comment": "Продлите, пожалуйста"]).status == .seeOther)
            #expect(try await database.quote(id: id, today: QuoteShop.day(0))?.summary.status == .requested)
            try await QuoteShop.offer(client, &manager, database: database, quote: id)
            let accepted = try await buyer.post(client, "/quotes/\(id)/accept", ["delivery": "pickup", "warehouseId": "1"])
            #expect(accepted.status == .seeOther)
            let staffPage = try await manager.get(client, "/staff/quotes/\(id)")
            #expect(staffPage.text.contains("принято"))
            #expect(staffPage.text.contains("Продлите, пожалуйста"))
        }
        let rounds = try await database.read { try String.fetchAll($0, sql: "SELECT action FROM quoteRound ORDER BY id") }
        #expect(rounds == ["request", "offer", "counter", "offer", "accept"])
        // Each step keeps its own prices: the target asked first, the first offer, the new target.
        let detail = try #require(try await database.quote(id: 1, today: QuoteShop.day(0)))
        #expect(detail.rounds.map { $0.prices.values.sorted() } == [[9000], [1900, 9250], [1800], [1900, 9250], []])
    }

    @Test("the buyer declines: closed for both sides, the managers are told")
    func decline() async throws {
        let (app, database) = try await TestApp.make(seed: QuoteShop.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let id = try await QuoteShop.request(client, &buyer, database: database)
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            try await QuoteShop.offer(client, &manager, database: database, quote: id)
            #expect(try await buyer.post(client, "/quotes/\(id)/decline", ["comment": "Дорого"]).status == .seeOther)
            #expect(try await buyer.post(client, "/quotes/\(id)/counter", ["comment": "Ещё раз"]).status == .conflict)
            let lines = try #require(try await database.quote(id: id, today: QuoteShop.day(0))).lines
            let again = try await manager.post(
                client, "/staff/quotes/\(id)/offer", ["price_\(lines[0].id)": "1", "price_\(lines[1].id)": "1", "validUntil": QuoteShop.day(3)])
            #expect(again.status == .conflict)
        }
        let topics = try await database.read { try String.fetchAll($0, sql: "SELECT topic FROM outbox WHERE topic LIKE 'quote.%' ORDER BY id") }
        #expect(topics == ["quote.requested", "quote.offered", "quote.declined"])
    }

    @Test("status shown: an offer past its date is expired; quoted prices make an exact cart")
    func core() {
        #expect(QuoteStatus.shown(stored: "offered", validUntil: "2026-11-28", today: "2026-11-29") == .expired)
        #expect(QuoteStatus.shown(stored: "offered", validUntil: "2026-11-29", today: "2026-11-29") == .offered)
        #expect(QuoteStatus.shown(stored: "accepted", validUntil: "2020-01-01", today: "2026-11-29") == .accepted)
        let cart = CartPricing.quoted(
            [QuotedItem(item: CartItem(productId: 1, qtyMilli: 2500), priceMinor: 3334), QuotedItem(item: CartItem(productId: 2, qtyMilli: 1000), priceMinor: 100)],
            currency: "RUB")
        #expect(cart.lines.map(\.amountMinor) == [8335, 100])
        #expect(cart.totalMinor == 8435)
        #expect(cart.vatMinor == CartPricing.vat(of: 8335, rate: ExactDecimal(20)) + CartPricing.vat(of: 100, rate: ExactDecimal(20)))
        #expect(cart.isOrderable)
    }
}
