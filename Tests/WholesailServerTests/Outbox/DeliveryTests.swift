import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// Delivery: the carrier's API (a stub on loopback) with the tariff table as the fallback, the
/// estimate at checkout and over the API, and tracking polled into the order page.
@Suite struct DeliveryTests {
    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// The shop, with weights (a cable 1 kg, a lamp 200 g), Moscow's tariffs and a carrier at `stub`.
    static func prepare(_ database: WholesailDatabase, stub: HTTPStub, carrierOn: Bool = true) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE product SET weightGrams = 1000, volumeMl = 2000 WHERE id = 1")
            try db.execute(sql: "UPDATE product SET weightGrams = 200 WHERE id = 2")
        }
        try await database.addDeliveryTariff(DeliveryTariff(regionId: 1, name: "Москва до 20 кг", maxWeightGrams: 20_000, priceMinor: 60_000, days: 1), actor: nil)
        try await database.addDeliveryTariff(DeliveryTariff(regionId: nil, name: "Россия", priceMinor: 150_000, days: 7), actor: nil)
        var carrier = CarrierSettings()
        carrier.enabled = carrierOn
        carrier.name = "СДЭК"
        carrier.quoteURL = "http://127.0.0.1:\(stub.port)/calc?to={city}&kg={weight_kg}&value={value}&key={secret}"
        carrier.pricePath = "data.price"
        carrier.daysPath = "data.days"
        carrier.trackingURL = "http://127.0.0.1:\(stub.port)/track?n={tracking}&key={secret}"
        carrier.statusPath = "entity.statuses[0].name"
        carrier.deliveredValues = "Вручен, DELIVERED"
        carrier.timeoutSeconds = 1
        try await database.saveCarrierSettings(carrier, secret: "cdek-key-0123456789", actor: nil)
    }

    @Test("the carrier's price when it answers; the tariff table when it is slow, fails or talks nonsense, with the reason")
    func quoteAndFallback() async throws {
        let database = try TestDatabase.inMemory()
        try await OrderingFixture.seed(database)
        let stub = try await HTTPStub(mode: .answer(200, #"{"data":{"price":"250.00","days":2}}"#))
        try await Self.prepare(database, stub: stub)
        let quoter = DeliveryQuoter(database: database, http: AsyncHTTPSender(timeout: .seconds(10)), logger: Self.logger)
        let parcel = DeliveryParcel(regionId: 1, regionName: "Москва", address: "Москва, ул. Альфа, 1", weightGrams: 13_000, valueMinor: 117_000)

        var quote = try #require(try await quoter.quote(parcel))
        #expect(quote == DeliveryQuote(priceMinor: 25_000, currency: "RUB", days: 2, source: .carrier, name: "СДЭК"))
        let call = try #require(stub.calls.last)
        #expect(call.uri == "/calc?to=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0&kg=13&value=1170.00&key=cdek-key-0123456789")

        for (mode, reason) in [
            (HTTPStub.Mode.delay(.seconds(5)), "no answer within"), (.status(500), "HTTP 500"), (.answer(200, "<html>"), "not JSON"),
            (.answer(200, #"{"data":{}}"#), "no price at data.price"),
        ] {
            stub.setMode(mode)
            let start = ContinuousClock.now
            quote = try #require(try await quoter.quote(parcel))
            #expect(quote.source == .tariff && quote.priceMinor == 60_000 && quote.name == "Москва до 20 кг", "\(mode)")
            #expect(quote.fallbackReason?.contains(reason) == true, "\(mode): \(quote.fallbackReason ?? "")")
            #expect(quote.fallbackReason?.contains("cdek-key") == false, "the key is not in the reason")
            #expect(ContinuousClock.now - start < .seconds(30), "bounded by the carrier's timeout (1 s), not the sender's")
        }
        // A parcel too heavy for Moscow's row: the every-region row.
        stub.setMode(.status(503))
        #expect(try await quoter.quote(DeliveryParcel(regionId: 1, weightGrams: 30_000))?.priceMinor == 150_000)
        // No tariff fits and the carrier fails: nothing to show.
        for tariff in try await database.deliveryTariffs() { try await database.deleteDeliveryTariff(id: tariff.id, actor: nil) }
        #expect(try await quoter.quote(parcel) == nil)
    }

    @Test("the buyer's cart is weighed (boxes converted) and priced over the API and on the checkout page")
    func cartQuote() async throws {
        let stub = try await HTTPStub(mode: .answer(200, #"{"data":{"price":"250.00","days":2}}"#))
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: AdminOutboxTests.configuration)
        try await Self.prepare(database, stub: stub, carrierOn: false)
        try await app.test(.router) { client in
            let token = try await Shop.token(client, "buyer1@example.com")
            var answer = try await Shop.json(client, .get, "/api/v1/delivery/quote", token: token).json()
            #expect(answer["quote"] is NSNull, "an empty cart: no quote")
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"3"}"#)
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"1","unit_id":3}"#)
            answer = try await Shop.json(client, .get, "/api/v1/delivery/quote", token: token).json()
            var quote = try #require(answer["quote"] as? [String: Any])
            #expect(quote["weight_kg"] as? String == "13", "3 pieces and a box of 10, 1 kg each")
            #expect((quote["price"] as? [String: String])?["amount"] == "600.00" && quote["source"] as? String == "tariff")
            #expect(quote["weight_incomplete"] as? Bool == false)

            var carrier = try await database.carrierSettings()
            carrier.enabled = true
            try await database.saveCarrierSettings(carrier, secret: nil, actor: nil)
            answer = try await Shop.json(client, .get, "/api/v1/delivery/quote", token: token).json()
            quote = try #require(answer["quote"] as? [String: Any])
            #expect((quote["price"] as? [String: String])?["amount"] == "250.00" && quote["source"] as? String == "carrier" && quote["days"] as? Int == 2)
            #expect(stub.calls.last?.uri.contains("key=cdek-key-0123456789") == true, "the saved key went to the carrier")

            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let checkout = try await buyer.get(client, "/checkout?lang=en")
            #expect(checkout.text.contains(#"id="delivery-estimate""#) && checkout.text.contains("250.00") && checkout.text.contains("СДЭК"))
        }
    }

    static func shippedOrder(_ database: WholesailDatabase, tracking: String) async throws -> (order: Int64, shipment: Int64) {
        try await database.write { db in
            let status = try Int64.fetchOne(db, sql: "SELECT id FROM orderStatus ORDER BY sortOrder, id LIMIT 1")!
            let orderId = (try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) + 1 FROM customerOrder"))!
            try db.execute(
                sql: """
                    INSERT INTO customerOrder (id, number, sellerOrganizationId, counterpartyId, userId, statusId, subtotalMinor, totalMinor, placedAt)
                    VALUES (?, ?, 1, 1, 1, ?, 100, 100, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                    """, arguments: [orderId, "T-\(orderId)", status])
            try db.execute(
                sql: """
                    INSERT INTO shipment (orderId, number, status, carrier, trackingNumber, shippedAt)
                    VALUES (?, ?, 'shipped', 'СДЭК', ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                    """, arguments: [orderId, "S-\(orderId)", tracking])
            return (orderId, db.lastInsertedRowID)
        }
    }

    @Test("tracking: the carrier's status is polled into the order page, a change goes to webhooks once, 'delivered' closes the shipment")
    func tracking() async throws {
        let stub = try await HTTPStub(mode: .answer(200, #"{"entity":{"statuses":[{"name":"В пути"}]}}"#))
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: AdminOutboxTests.configuration)
        try await Self.prepare(database, stub: stub)
        let hook = try await database.createWebhookEndpoint(name: "ERP", url: "https://erp.example/hook", topics: "shipment.*", format: .json, actor: nil)
        let (order, shipment) = try await Self.shippedOrder(database, tracking: "TRK 123")
        let poller = TrackingPoller(database: database, http: AsyncHTTPSender(timeout: .seconds(10)), interval: .seconds(1800), logger: Self.logger)
        let now = Date()

        #expect(try await poller.pollOnce(now: now) == 1)
        #expect(stub.calls.last?.uri == "/track?n=TRK%20123&key=cdek-key-0123456789")
        #expect(try await poller.pollOnce(now: now.addingTimeInterval(60)) == 0, "asked at most once per interval")
        #expect(stub.calls.count == 1)
        #expect(try await poller.pollOnce(now: now.addingTimeInterval(3600)) == 0, "the same status is no change")
        #expect(stub.calls.count == 2)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/orders/\(order)?lang=en")
            #expect(page.text.contains("Carrier&#39;s status: <strong>В пути</strong>"))
        }

        stub.setMode(.answer(200, #"{"entity":{"statuses":[{"name":"Вручен"}]}}"#))
        #expect(try await poller.pollOnce(now: now.addingTimeInterval(7200)) == 1)
        let closed = try await database.read { db in
            try String.fetchOne(
                db, sql: "SELECT status || '|' || (deliveredAt IS NOT NULL) || '|' || trackingStatus FROM shipment WHERE id = ?", arguments: [shipment])
        }
        #expect(closed == "delivered|1|Вручен")
        #expect(try await poller.pollOnce(now: now.addingTimeInterval(20000)) == 0)
        #expect(stub.calls.count == 3, "a delivered shipment is not asked again")
        let events = try await database.latestOutboxMessages().filter { $0.webhookEndpointId == hook }
        #expect(events.map { $0.payload["status"] ?? "" } == ["Вручен", "В пути"])
        #expect(events.first?.payload["delivered"] == "1" && events.first?.payload["number"] == "T-\(order)")

        // A carrier that fails: the attempt is noted (not asked again at once), the status stays.
        let (_, second) = try await Self.shippedOrder(database, tracking: "TRK-2")
        stub.setMode(.status(500))
        #expect(try await poller.pollOnce(now: now.addingTimeInterval(30000)) == 0)
        let noted = try await database.read { db in
            try String.fetchOne(
                db, sql: "SELECT (trackingStatus IS NULL) || '|' || (trackingCheckedAt IS NOT NULL) FROM shipment WHERE id = ?", arguments: [second])
        }
        #expect(noted == "1|1")
    }

    @Test("the admin edits the tariff table and the carrier (key write-only) and tries a quote; others may not")
    func adminPage() async throws {
        let stub = try await HTTPStub(mode: .status(500))
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: AdminOutboxTests.configuration)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/admin/delivery").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/delivery/tariffs", ["price": "1"]).status == .forbidden)
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            #expect(try await admin.get(client, "/admin/delivery?lang=en").text.contains("No tariffs yet"))
            let bad = try await admin.post(client, "/admin/delivery/tariffs?lang=en", ["price": "дорого", "maxWeight": "-1", "days": "900"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Enter a price of zero or more.") && bad.text.contains(#"value="дорого""#))
            #expect(try await database.deliveryTariffs().isEmpty)
            let added = try await admin.post(
                client, "/admin/delivery/tariffs", ["region": "1", "name": "Москва", "maxWeight": "20,5", "price": "600", "perKg": "", "days": "1"])
            #expect(added.status == .seeOther)
            let tariff = try #require(try await database.deliveryTariffs().first)
            #expect(tariff.regionId == 1 && tariff.maxWeightGrams == 20_500 && tariff.priceMinor == 60_000 && tariff.days == 1)

            let saved = try await admin.post(
                client, "/admin/delivery/carrier",
                [
                    "enabled": "1", "name": "СДЭК", "quoteURL": "http://127.0.0.1:\(stub.port)/calc?key={secret}", "pricePath": "price",
                    "secret": "cdek-key-0123456789", "timeout": "2",
                ])
            #expect(saved.status == .seeOther)
            let page = try await admin.get(client, "/admin/delivery?lang=en")
            #expect(!page.text.contains("cdek-key-0123456789") && page.text.contains("••••6789"))
            #expect(try await database.carrierSettings().secret == "cdek-key-0123456789")

            // The carrier answers 500: the try shows the table's price and why.
            let tried = try await admin.post(client, "/admin/delivery/quote?lang=en", ["region": "1", "weight": "3", "value": "1000"])
            #expect(tried.text.contains("by the tariff table «Москва»") && tried.text.contains("HTTP 500"))
            #expect(try await admin.post(client, "/admin/delivery/quote?lang=en", ["weight": "x"]).status == .unprocessableContent)

            #expect(try await admin.post(client, "/admin/delivery/tariffs/\(tariff.id)/delete", [:]).status == .seeOther)
            #expect(try await database.deliveryTariffs().isEmpty)
            #expect(try await admin.post(client, "/admin/delivery/tariffs/\(tariff.id)/delete", [:]).status == .notFound)
        }
    }
}
