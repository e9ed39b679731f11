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

/// Mailing subscribers: consent on the profile page, announced to webhooks, exported as CSV;
/// abandoned carts of subscribers as trigger events.
@Suite struct SubscribersTests {
    @Test("a buyer subscribes on the profile page: the mailing service's webhook hears it once, the CSV lists them; unsubscribing is heard too")
    func subscribeAndExport() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: AdminOutboxTests.configuration)
        let endpoint = try await database.createWebhookEndpoint(
            name: "Mailer", url: "https://mailer.example/hook", topics: "subscriber.*", format: .json, actor: nil)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/account").text.contains(#"name="mailingOptIn""#))
            let profile = ["fullName": "Анна; \"Альфа\"", "phone": "+7 900 123-45-67", "locale": "ru", "mailingOptIn": "1"]
            #expect(try await buyer.post(client, "/account/profile", profile).status == .seeOther)
            #expect(try await buyer.post(client, "/account/profile", profile).status == .seeOther, "the same choice again")
            #expect(try await buyer.get(client, "/account").text.contains(#"name="mailingOptIn" value="1" checked"#))
            #expect(try await buyer.get(client, "/admin/subscribers.csv").status == .forbidden)

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            let csv = try await admin.get(client, "/admin/subscribers.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 2)
            #expect(lines.first == "\u{FEFF}email;name;phone;language;companies;subscribed_at")
            #expect(lines.last?.hasPrefix(#"buyer-a@example.com;"Анна; ""Альфа""";'+7 900 123-45-67;ru;ООО «Альфа»;"#) == true, "\(lines)")
            #expect(try await admin.get(client, "/admin/channels").text.contains("/admin/subscribers.csv"))

            _ = try await buyer.post(client, "/account/profile", ["fullName": "Анна", "locale": "ru"])
            let after = try await admin.get(client, "/admin/subscribers.csv")
            #expect(after.text.split(separator: "\r\n").count == 1, "unsubscribed: only the header")
        }
        let events = try await database.latestOutboxMessages().filter { $0.webhookEndpointId == endpoint }.reversed()
        #expect(events.map(\.topic) == ["subscriber.subscribed", "subscriber.unsubscribed"])
        #expect(events.first?.payload["email"] == "buyer-a@example.com" && events.first?.payload["company"] == "ООО «Альфа»")
        #expect(try await database.latestOutboxMessages().allSatisfy { $0.kind == "webhook" }, "no e-mail to the person for this")
        let audit = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'subscribers.export'") }
        #expect(audit == 2)
    }

    @Test("a subscriber's cart left alone for a day is announced once per state; others' carts, saved carts and old carts are not")
    func abandonedCarts() async throws {
        let database = try TestDatabase.inMemory()
        try await OrderingFixture.seed(database)
        _ = try await database.createWebhookEndpoint(name: "Mailer", url: "https://mailer.example/hook", topics: "cart.*", format: .json, actor: nil)
        let now = Date()
        @Sendable func stamp(_ daysAgo: Double) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
            return formatter.string(from: now.addingTimeInterval(-daysAgo * 86400))
        }
        try await database.setMailingOptIn(userId: 1, true)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO user (id, email, fullName, status) VALUES (3, 'quiet@example.com', 'Без рассылки', 'active')")
            try db.execute(
                sql: """
                    INSERT INTO cart (id, userId, counterpartyId, name, updatedAt) VALUES
                        (1, 1, 1, NULL, ?), (2, 1, 1, 'Saved', ?), (3, 3, 1, NULL, ?), (4, 2, 2, NULL, ?)
                    """, arguments: [stamp(2), stamp(2), stamp(2), stamp(2)])
            try db.execute(sql: "INSERT INTO cartLine (cartId, productId, unitId, qtyMilli) VALUES (1, 1, 1, 3000), (1, 2, 1, 5000), (2, 1, 1, 1000), (3, 1, 1, 1000), (4, 1, 1, 1000)")
        }
        let idle = now.addingTimeInterval(-86400)
        let window = now.addingTimeInterval(-7 * 86400)
        #expect(try await database.publishAbandonedCarts(idleSince: idle, notBefore: window, now: now) == 1)
        #expect(try await database.publishAbandonedCarts(idleSince: idle, notBefore: window, now: now) == 0, "once per cart state")
        let event = try #require(try await database.latestOutboxMessages().first { $0.topic == "cart.abandoned" })
        #expect(event.payload["email"] == "buyer1@example.com" && event.payload["lines"] == "2" && event.payload["skus"] == "CAB-1, LAMP-2")
        #expect(event.payload["company"] == "ООО «Альфа»" && event.payload["cartId"] == "1")

        // The buyer comes back and changes the cart; left alone again, it is announced again.
        try await database.write { db in try db.execute(sql: "UPDATE cart SET updatedAt = ? WHERE id = 1", arguments: [stamp(1.5)]) }
        #expect(try await database.publishAbandonedCarts(idleSince: idle, notBefore: window, now: now) == 1)
        // A cart idle for ten days is older than the window: not announced.
        try await database.write { db in try db.execute(sql: "UPDATE cart SET updatedAt = ? WHERE id = 1", arguments: [stamp(10)]) }
        #expect(try await database.publishAbandonedCarts(idleSince: idle, notBefore: window, now: now) == 0)
    }
}
