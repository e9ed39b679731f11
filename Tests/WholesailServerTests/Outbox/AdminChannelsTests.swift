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

/// The channel settings page: stored in the database, validated, secrets write-only, and
/// "send a test" through the real channel.
@Suite struct AdminChannelsTests {
    static var configuration: WholesailConfiguration { AdminOutboxTests.configuration }

    @Test("only the admin reaches the channel settings; buyers and managers get 403, visitors no page")
    func access() async throws {
        let (app, _) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/admin/channels").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/channels/email", ["host": "evil.example"]).status == .forbidden)
            #expect(try await buyer.post(client, "/admin/channels/email/test", ["to": "x@example.com"]).status == .forbidden)
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: TwoCompanies.password)
            #expect(try await manager.get(client, "/admin/channels").status == .forbidden)
            #expect(try await client.execute(uri: "/admin/channels", method: .get).status != .ok)
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            let page = try await admin.get(client, "/admin/channels?lang=en")
            #expect(page.status == .ok)
            #expect(page.text.contains("Notification channels") && page.text.contains("none: messages wait until a server is set"))
            #expect(try await admin.get(client, "/admin/channels?lang=ru").text.contains("Каналы уведомлений"))
        }
    }

    @Test("the SMTP password is stored, never shown back, kept when the field is left empty, and removable; bad values are refused")
    func emailSettings() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        let password = "s3cret-smtp-password-42"
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/channels")
            let bad = try await admin.post(
                client, "/admin/channels/email",
                ["enabled": "1", "host": "smtp example", "port": "70000", "security": "starttls", "password": password, "from": "not an address"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"value="smtp example""#), "the form is kept")
            #expect(!bad.text.contains(password), "but not the password")
            #expect(try await database.channelSettings().email.host.isEmpty, "nothing stored")

            let saved = try await admin.post(
                client, "/admin/channels/email",
                [
                    "enabled": "1", "host": "smtp.example.ru", "port": "587", "security": "starttls", "username": "mailer",
                    "password": password, "from": "Оптовик <shop@example.ru>", "verify": "1",
                ])
            #expect(saved.status == .seeOther)
            var stored = try await database.channelSettings().email
            #expect(stored.host == "smtp.example.ru" && stored.port == 587 && stored.password == password && stored.username == "mailer")
            let page = try await admin.get(client, "/admin/channels?lang=en")
            #expect(!page.text.contains(password))
            #expect(page.text.contains("••••d-42"), "the last characters tell which password is set")
            #expect(page.text.contains("smtp.example.ru:587, STARTTLS, user mailer"))

            // Saving again with the password field empty keeps it; "remove" clears it.
            _ = try await admin.post(
                client, "/admin/channels/email", ["enabled": "1", "host": "smtp.example.ru", "port": "465", "security": "tls", "verify": "1"])
            stored = try await database.channelSettings().email
            #expect(stored.password == password && stored.port == 465 && stored.security == "tls")
            _ = try await admin.post(
                client, "/admin/channels/email",
                ["enabled": "1", "host": "smtp.example.ru", "port": "465", "security": "tls", "clearPassword": "1", "verify": "1"])
            #expect(try await database.channelSettings().email.password.isEmpty)
        }
        let details = try await database.read {
            try String.fetchAll($0, sql: "SELECT details FROM auditLog WHERE action = 'settings.channels' ORDER BY id")
        }
        #expect(details.count == 3)
        #expect(details.allSatisfy { !$0.contains(password) }, "the audit log says the password changed, not what it is")
        #expect(details.first?.contains(#""password":"changed""#) == true)
    }

    @Test("the SMS key is write-only; webhooks can be switched off; retention is validated")
    func smsAndGeneral() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/channels")
            let bad = try await admin.post(client, "/admin/channels/sms", ["url": "ftp://gw", "method": "PUT", "header": "no colon"])
            #expect(bad.status == .unprocessableContent)
            let saved = try await admin.post(
                client, "/admin/channels/sms",
                ["enabled": "1", "url": "https://sms.ru/sms/send?api_id={secret}&to={phone}&msg={text}", "secret": "KEY-abcdef0123456789"])
            #expect(saved.status == .seeOther)
            let page = try await admin.get(client, "/admin/channels")
            #expect(!page.text.contains("KEY-abcdef0123456789"))
            #expect(page.text.contains("api_id={secret}"))

            #expect(try await admin.post(client, "/admin/channels/general", ["retentionDays": "-3"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/channels/general", ["retentionDays": "14"]).status == .seeOther)
        }
        let settings = try await database.channelSettings()
        #expect(settings.sms.secret == "KEY-abcdef0123456789" && settings.sms.enabled)
        #expect(settings.retentionDays == 14 && !settings.webhooksEnabled, "the unticked box switched webhooks off")
    }

    @Test("'send a test SMS' calls the gateway at once with the key and reports the answer; a failing gateway is reported too")
    func testSMS() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        let gateway = try await HTTPStub()
        var sms = ChannelSettings.SMS()
        sms.url = "http://127.0.0.1:\(gateway.port)/send?key={secret}&to={phone}&text={text}"
        try await database.saveSMSSettings(sms, secret: "KEY-abcdef0123456789", actor: nil)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/channels")
            let sent = try await admin.post(client, "/admin/channels/sms/test?lang=en", ["to": "+7 900 123-45-67"])
            #expect(sent.status == .ok)
            #expect(sent.text.contains("the test message was accepted for +7 900 123-45-67"))
            #expect(gateway.calls.count == 1)
            #expect(gateway.calls.first?.uri.contains("key=KEY-abcdef0123456789&to=79001234567") == true)

            gateway.setMode(.status(500))
            let failed = try await admin.post(client, "/admin/channels/sms/test?lang=en", ["to": "+7 900 123-45-67"])
            #expect(failed.text.contains("the test message was not sent") && failed.text.contains("HTTP 500"))
            #expect(!failed.text.contains("KEY-abcdef0123456789"))
            let refused = try await admin.post(client, "/admin/channels/sms/test?lang=en", ["to": "12"])
            #expect(refused.status == .unprocessableContent)
        }
        #expect(try await database.latestOutboxMessages().isEmpty, "a test is sent at once, never queued")
    }

    @Test(
        "'send a test e-mail' goes through the SMTP server saved on the page",
        .enabled(if: Tool.smtpSinkOrCI, "needs python3 with aiosmtpd and openssl; required under CI"))
    func testEmail() async throws {
        try #require(Tool.hasSMTPSink, "python3 with aiosmtpd and openssl are required under CI (.ci/run installs them)")
        let sink = try SMTPSink(mode: .plain, auth: "mailer:pw-0123456789")
        let (app, _) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/channels")
            _ = try await admin.post(
                client, "/admin/channels/email",
                [
                    "enabled": "1", "host": "127.0.0.1", "port": String(sink.port), "security": "plain", "username": "mailer",
                    "password": "pw-0123456789", "from": "Shop <shop@b2b.example.ru>", "verify": "1",
                ])
            let sent = try await admin.post(client, "/admin/channels/email/test?lang=en", ["to": "root@example.com"])
            #expect(sent.text.contains("the test message was accepted for root@example.com"), "\(sent.text.prefix(3000))")
            let received = try await sink.waitFor(1)
            try #require(received.count == 1)
            #expect(received[0].envelope["to"] as? [String] == ["root@example.com"])
            #expect(received[0].envelope["authenticated"] as? Bool == true)
            #expect(try SMTPSink.parse(received[0].file)["subject"] as? String == "Test message from Wholesail")

            // A wrong password: the server's refusal is shown.
            _ = try await admin.post(
                client, "/admin/channels/email",
                ["enabled": "1", "host": "127.0.0.1", "port": String(sink.port), "security": "plain", "username": "mailer", "password": "wrong"])
            let refused = try await admin.post(client, "/admin/channels/email/test?lang=en", ["to": "root@example.com"])
            #expect(refused.text.contains("the test message was not sent") && refused.text.contains("535"))
        }
    }

    @Test("the admin discards a failed or waiting message (audited); one being sent or sent stays")
    func discard() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: Self.configuration)
        let ids = try await database.write { db -> [Int64] in
            for key in ["a", "b", "c"] {
                try Outbox.publish(db, topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "order.placed.\(key)")
            }
            try db.execute(sql: "UPDATE outbox SET status = 'failed' WHERE idempotencyKey = 'order.placed.a'")
            try db.execute(sql: "UPDATE outbox SET status = 'sending' WHERE idempotencyKey = 'order.placed.c'")
            return try Int64.fetchAll(db, sql: "SELECT id FROM outbox ORDER BY id")
        }
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            let page = try await admin.get(client, "/admin/outbox")
            #expect(page.text.contains("/admin/outbox/\(ids[0])/discard") && page.text.contains("/admin/outbox/\(ids[1])/discard"))
            #expect(!page.text.contains("/admin/outbox/\(ids[2])/discard"))
            #expect(try await admin.post(client, "/admin/outbox/\(ids[0])/discard", [:]).headers[.location] == "/admin/outbox?discarded=1")
            #expect(try await admin.post(client, "/admin/outbox/\(ids[1])/discard", [:]).headers[.location] == "/admin/outbox?discarded=1")
            #expect(try await admin.post(client, "/admin/outbox/\(ids[2])/discard", [:]).headers[.location] == "/admin/outbox?not-discarded=1")
            #expect(try await admin.post(client, "/admin/outbox/99999/discard", [:]).status == .notFound)
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.post(client, "/admin/outbox/\(ids[2])/discard", [:]).status == .forbidden)
        }
        #expect(try await database.latestOutboxMessages().map(\.id) == [ids[2]])
        let audit = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'outbox.discard'") }
        #expect(audit == 2)
    }
}
