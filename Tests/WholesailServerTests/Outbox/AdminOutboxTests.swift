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

@Suite struct AdminOutboxTests {
    /// The app without its dispatcher: these tests look at queued rows and must send nothing.
    static var configuration: WholesailConfiguration {
        var configuration = WholesailConfiguration(port: 0)
        configuration.outbox.dispatcherEnabled = false
        return configuration
    }

    static func failedMessage(_ database: WholesailDatabase) async throws -> Int64 {
        try await database.write { db in
            try Outbox.publish(db, topic: "order.placed", payload: ["to": "a@example.com", "number": "A-1"], idempotencyKey: "order.placed.1")
            try db.execute(sql: "UPDATE outbox SET status = 'failed', attempts = 12, lastError = '550 5.1.1 no such user'")
            return try Int64.fetchOne(db, sql: "SELECT id FROM outbox")!
        }
    }

    @Test("buyers and managers may not see the outbox; the admin sees counts, messages and errors, and retries a failed one")
    func access() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        let id = try await Self.failedMessage(database)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/admin/outbox").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/outbox/\(id)/retry", [:]).status == .forbidden)
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: TwoCompanies.password)
            #expect(try await manager.get(client, "/admin/outbox").status == .forbidden)
            #expect(try await client.execute(uri: "/admin/outbox", method: .get).status != .ok, "anonymous")

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            let page = try await admin.get(client, "/admin/outbox?lang=en")
            #expect(page.status == .ok)
            #expect(page.text.contains("550 5.1.1 no such user"))
            #expect(page.text.contains("order.placed"))
            #expect(page.text.contains("Failed: 1"))
            #expect(page.text.contains("/admin/outbox/\(id)/retry"))
            let retried = try await admin.post(client, "/admin/outbox/\(id)/retry", [:])
            #expect(retried.status == .seeOther)
            #expect(retried.headers[.location] == "/admin/outbox?retried=1")
            #expect(try await admin.post(client, "/admin/outbox/999/retry", [:]).status == .notFound)
            let russian = try await admin.get(client, "/admin/outbox?lang=ru")
            #expect(russian.text.contains("Исходящие уведомления"))
        }
        let row = try #require(try await database.outboxMessage(id: id))
        #expect(row.status == .pending && row.attempts == 0)
        let audit = try await database.read { try String.fetchAll($0, sql: "SELECT action FROM auditLog WHERE action = 'outbox.retry'") }
        #expect(audit == ["outbox.retry"])
    }

    @Test("the admin adds, tests, disables and removes a webhook endpoint; a bad URL is refused with the form kept")
    func webhookCrud() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/outbox")
            let bad = try await admin.post(client, "/admin/webhooks", ["name": "CRM", "url": "ftp://crm", "topics": "order.*"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"value="CRM""#))
            let created = try await admin.post(
                client, "/admin/webhooks", ["name": "CRM", "url": "http://127.0.0.1:9/hook", "topics": "order.*, registration.received", "format": "json"])
            #expect(created.status == .ok)
            let endpoint = try #require(try await database.webhookEndpoints().first)
            #expect(endpoint.topics == ["order.*", "registration.received"] && endpoint.secret.count >= 16 && endpoint.active)
            #expect(created.text.contains(endpoint.secret), "the new secret is shown once, to copy into the receiver")
            let page = try await admin.get(client, "/admin/outbox")
            #expect(page.text.contains("http://127.0.0.1:9/hook"))
            #expect(!page.text.contains(endpoint.secret), "afterwards never in full")
            #expect(page.text.contains("••••" + endpoint.secret.suffix(4)))

            // The admin corrects the endpoint's address; a bad one is refused and nothing changes.
            let badEdit = try await admin.post(client, "/admin/webhooks/\(endpoint.id)", ["name": "CRM", "url": "mailto:x", "topics": "*"])
            #expect(badEdit.status == .unprocessableContent)
            #expect(try await database.webhookEndpoint(id: endpoint.id)?.url == "http://127.0.0.1:9/hook")
            let edited = try await admin.post(
                client, "/admin/webhooks/\(endpoint.id)", ["name": "CRM 2", "url": "https://crm.example/hook", "topics": "order.placed", "format": "json"])
            #expect(edited.status == .seeOther)
            let changed = try #require(try await database.webhookEndpoint(id: endpoint.id))
            #expect(changed.url == "https://crm.example/hook" && changed.topics == ["order.placed"] && changed.name == "CRM 2")
            #expect(changed.secret == endpoint.secret, "editing keeps the secret")
            #expect(try await admin.post(client, "/admin/webhooks/999", ["url": "https://crm.example/hook", "topics": "*"]).status == .notFound)
            #expect(try await admin.post(client, "/admin/webhooks/\(endpoint.id)/test", [:]).status == .seeOther)
            // The endpoint's delivery log: its calls only.
            try await database.write { db in
                try Outbox.publish(db, topic: "registration.received", payload: ["to": "x@example.com"], idempotencyKey: "registration.received.1")
            }
            let log = try await admin.get(client, "/admin/outbox?endpoint=\(endpoint.id)&lang=en")
            #expect(log.text.contains("Delivery log: CRM 2") && log.text.contains("webhook.test"))
            #expect(!log.text.contains("registration.received"), "the e-mail is not this endpoint's")
            #expect(try await admin.get(client, "/admin/outbox?endpoint=999&lang=en").text.contains("No messages."))
            #expect(try await admin.post(client, "/admin/webhooks/\(endpoint.id)/toggle", [:]).status == .seeOther)
            #expect(try await database.webhookEndpoint(id: endpoint.id)?.active == false)
            let tests = try await database.latestOutboxMessages().filter { $0.topic == "webhook.test" }
            #expect(tests.count == 1 && tests.first?.webhookEndpointId == endpoint.id)
            #expect(try await admin.post(client, "/admin/webhooks/\(endpoint.id)/delete", [:]).status == .seeOther)
            #expect(try await database.webhookEndpoints().isEmpty)
            #expect(try await database.latestOutboxMessages().map(\.kind) == ["email"], "its delivery log goes with it")
            #expect(try await admin.post(client, "/admin/webhooks/\(endpoint.id)/delete", [:]).status == .notFound)
        }
    }

    @Test("/healthz reports the outbox lag; /metrics exports depth per status")
    func operations() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        _ = try await Self.failedMessage(database)
        try await database.write { db in
            try Outbox.publish(
                db, topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "order.placed.2", now: Date().addingTimeInterval(-120))
        }
        try await app.test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let json = try health.json()
            #expect(json["status"] as? String == "ok")
            let outbox = try #require(json["outbox"] as? [String: Any])
            #expect((outbox["lagSeconds"] as? Int ?? 0) >= 119)
            #expect(outbox["failed"] as? Int == 1)
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"wholesail_outbox_messages{status="failed"} 1"#))
            #expect(metrics.contains(#"wholesail_outbox_messages{status="pending"}"#))
            #expect(metrics.contains("wholesail_outbox_lag_seconds"))
        }
    }

    @Test("a buyer opts in to order SMS on the profile page")
    func smsOptIn() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            let page = try await buyer.get(client, "/account")
            #expect(page.text.contains(#"name="smsOptIn""#))
            let saved = try await buyer.post(
                client, "/account/profile", ["fullName": "Покупатель", "phone": "+7 900 123-45-67", "locale": "ru", "smsOptIn": "1"])
            #expect(saved.status == .seeOther)
            #expect(try await buyer.get(client, "/account").text.contains(#"name="smsOptIn" value="1" checked"#))
        }
        let userId = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = 'buyer-a@example.com'") })
        #expect(try await database.smsPreference(userId: userId).optIn)
    }
}
