import Foundation
import GRDB
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The dispatcher against real receivers on loopback that fail the way real ones do — down,
/// slow beyond the deadline, answering 500 (or SMTP 451), or failing TLS — and then recover.
/// Each time: the message stays queued, each retry waits twice as long as the one before, and
/// once the receiver is back the message arrives, and nothing more is sent for it afterwards.
///
/// Delivery is at least once: a receiver that got a request and answered too late (or not at
/// all) sees it again on the retry, with the same idempotency key (`Idempotency-Key`,
/// Message-ID). Counting arrivals by key gives exactly one per message; counting raw arrivals
/// shows the repeats a slow receiver causes.
@Suite struct OutboxFaultTests {
    /// A dispatcher over `ConfiguredChannels` (the settings page's channels, as `serve` runs
    /// them) on a clock the test moves; jitter-free, so each wait is exact: 30 s, then 60 s.
    struct Rig {
        let database: WholesailDatabase
        let clock: ManualClock
        let dispatcher: OutboxDispatcher

        /// `timeout`: the channels' own (connection, answer), in seconds; short only where the
        /// test waits for it (a slow receiver), generous elsewhere for a loaded machine.
        init(timeout: Int = 15) throws {
            // Whole seconds: the database keeps milliseconds.
            try self.init(
                database: try TestDatabase.inMemory(), clock: ManualClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))),
                timeout: timeout)
        }

        init(database: WholesailDatabase, clock: ManualClock, timeout: Int) throws {
            self.database = database
            self.clock = clock
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            var environment = OutboxConfiguration()
            environment.timeoutSeconds = timeout
            let source = ConfiguredChannels(
                database: database, composer: NotificationComposer(renderer: try TemplateRenderer(), baseURL: "https://b2b.example.ru"),
                environment: environment, smtpURL: nil, mailFrom: "shop@b2b.example.ru", baseURL: "https://b2b.example.ru",
                logger: logger)
            dispatcher = OutboxDispatcher(
                database: database, source: source, policy: RetryPolicy(maxAttempts: 6, baseDelay: 30, jitter: 0.2),
                // The dispatcher's deadline is a backstop: far out here, so that on a machine loaded by
                // the whole suite the channel's own timeout (and its message) still comes first.
                deliveryTimeout: source.deliveryDeadline + .seconds(60), logger: logger, clock: clock.function, random: { 0.5 })
        }

        func row(kind: String) async throws -> OutboxMessage {
            try #require(try await database.latestOutboxMessages(limit: 10).first { $0.kind == kind })
        }

        /// Runs the failing attempts 1 and 2 and checks the message waits: due again 30 s after
        /// the first failure, 60 s after the second, not before.
        func failTwice(kind: String, expecting marker: String, _ comment: Comment) async throws {
            #expect(await dispatcher.runOnce() == 1)
            var row = try await row(kind: kind)
            #expect(row.status == .pending && row.attempts == 1, comment)
            #expect(row.nextAttemptAt == clock.now.addingTimeInterval(30), comment)
            #expect(row.lastError?.localizedCaseInsensitiveContains(marker) == true, "\(comment): \(row.lastError ?? "no error")")
            clock.advance(29)
            #expect(await dispatcher.runOnce() == 0, "not due before its backoff ends")
            clock.advance(1)
            #expect(await dispatcher.runOnce() == 1)
            row = try await self.row(kind: kind)
            #expect(row.status == .pending && row.attempts == 2, comment)
            #expect(row.nextAttemptAt == clock.now.addingTimeInterval(60), "the wait doubles")
        }

        /// After recovery: the third attempt delivers; a day later nothing more goes out. (With
        /// the channels' usual timeout: a short one only served to make a slow receiver fail fast,
        /// and a loaded test machine may be slow even with a healthy receiver.)
        func deliverAfterRecovery(kind: String, _ comment: Comment) async throws {
            let dispatcher = try Rig(database: database, clock: clock, timeout: 15).dispatcher
            clock.advance(60)
            #expect(await dispatcher.runOnce() == 1)
            let row = try await row(kind: kind)
            #expect(row.status == .sent && row.attempts == 3, "\(comment): \(row.lastError ?? "")")
            clock.advance(86400)
            #expect(await dispatcher.runOnce() == 0)
        }
    }

    enum HTTPFault: String, CaseIterable, CustomTestStringConvertible {
        case down
        case slow
        case serverError
        /// `https://` to a server that speaks plain HTTP.
        case tlsToPlainServer
        /// A TLS server whose certificate nobody trusts.
        case untrustedCertificate

        var testDescription: String { rawValue }

        /// Words the recorded error contains.
        var marker: String {
            switch self {
            case .down: "connect"
            case .slow: "no answer within"
            case .serverError: "HTTP 500"
            case .tlsToPlainServer, .untrustedCertificate: "SSL"
            }
        }
    }

    /// Sets the fault up: the URL the channel is given and a receiver that misbehaves.
    /// Returns the URL to use and the healthy receiver (which counts arrivals).
    static func arrange(_ fault: HTTPFault, path: String) async throws -> (url: String, receiver: HTTPStub, extra: HTTPStub?) {
        let receiver = try await HTTPStub()
        let plain = "http://127.0.0.1:\(receiver.port)\(path)"
        switch fault {
        case .down:
            await receiver.stop()
            return (plain, receiver, nil)
        case .slow:
            receiver.setMode(.delay(.seconds(8)))
            return (plain, receiver, nil)
        case .serverError:
            receiver.setMode(.status(500))
            return (plain, receiver, nil)
        case .tlsToPlainServer:
            return ("https://127.0.0.1:\(receiver.port)\(path)", receiver, nil)
        case .untrustedCertificate:
            let folder = try TemporaryDirectory()
            let certificate = try SMTPSink.makeCertificate(in: folder)
            let tls = try await HTTPStub(certificate: certificate)
            return ("https://127.0.0.1:\(tls.port)\(path)", receiver, tls)
        }
    }

    /// Mends the fault; for TLS faults the admin points the channel at the right address, which
    /// `mendURL` does (the queued message goes there).
    static func recover(_ fault: HTTPFault, receiver: HTTPStub, path: String, mendURL: (String) async throws -> Void) async throws {
        switch fault {
        case .down: try await receiver.start()
        case .slow, .serverError: receiver.setMode(.ok)
        case .tlsToPlainServer, .untrustedCertificate: try await mendURL("http://127.0.0.1:\(receiver.port)\(path)")
        }
    }

    /// How often a well-behaved receiver saw the request it finally answered, and its repeats.
    static func expectArrivals(_ receiver: HTTPStub, key: (HTTPStub.Call) -> String?, expected: String, fault: HTTPFault) {
        let calls = receiver.calls
        let keys = calls.compactMap(key)
        #expect(Set(keys) == [expected], "every arrival carries the message's key")
        // Counted by key, the message arrived once. Raw: the receiver also saw the requests it
        // answered too late (slow) or with 500, with the same key; a receiver that was down or
        // unreachable over TLS saw only the one that worked.
        let raw = keys.count
        switch fault {
        case .slow, .serverError: #expect(raw == 3, "two failed attempts reached the receiver, then the good one")
        case .down, .tlsToPlainServer, .untrustedCertificate: #expect(raw == 1)
        }
    }

    @Test("a webhook stays queued with backoff while its receiver fails, and arrives once it recovers", arguments: HTTPFault.allCases)
    func webhook(fault: HTTPFault) async throws {
        let rig = try Rig(timeout: fault == .slow ? 2 : 15)
        let (url, receiver, extra) = try await Self.arrange(fault, path: "/hook")
        defer { withExtendedLifetime(extra) {} }
        let endpoint = try await rig.database.createWebhookEndpoint(
            name: "CRM", url: url, topics: "order.*", format: .json, secret: "whsec_0123456789abcdef", actor: nil)
        try await rig.database.write { db in
            try Outbox.publish(db, topic: "order.placed", payload: ["number": "A-17"], idempotencyKey: "order.placed.17", now: rig.clock.now)
        }
        try await rig.failTwice(kind: "webhook", expecting: fault.marker, "\(fault)")

        try await Self.recover(fault, receiver: receiver, path: "/hook") { mended in
            try await rig.database.updateWebhookEndpoint(id: endpoint, name: "CRM", url: mended, topics: "order.*", format: .json, actor: nil)
        }
        try await rig.deliverAfterRecovery(kind: "webhook", "\(fault)")
        Self.expectArrivals(receiver, key: { $0.headers["idempotency-key"] }, expected: "order.placed.17#webhook\(endpoint)", fault: fault)
    }

    @Test("an SMS stays queued with backoff while the gateway fails, and goes out once it recovers", arguments: HTTPFault.allCases)
    func sms(fault: HTTPFault) async throws {
        let rig = try Rig(timeout: fault == .slow ? 2 : 15)
        let (url, receiver, extra) = try await Self.arrange(fault, path: "/send")
        defer { withExtendedLifetime(extra) {} }
        func gateway(_ base: String) -> ChannelSettings.SMS {
            var sms = ChannelSettings.SMS()
            sms.url = base + "?key={secret}&to={phone}&text={text}"
            return sms
        }
        try await rig.database.saveSMSSettings(gateway(url), secret: "gw-key-0123456789", actor: nil)
        try await rig.database.write { db in
            try Outbox.publish(
                db, topic: "registration.code", payload: ["smsTo": "+7 900 123-45-67", "code": "4821"], idempotencyKey: "registration.code.1",
                now: rig.clock.now)
        }
        try await rig.failTwice(kind: "sms", expecting: fault.marker, "\(fault)")
        #expect(try await rig.row(kind: "sms").lastError?.contains("gw-key-0123456789") == false, "the gateway's key is not in the log")

        // The admin mends the gateway on the settings page: the next round uses it.
        try await Self.recover(fault, receiver: receiver, path: "/send") { mended in
            try await rig.database.saveSMSSettings(gateway(mended), secret: nil, actor: nil)
        }
        try await rig.deliverAfterRecovery(kind: "sms", "\(fault)")
        // SMS gateways take no idempotency key: the text and number identify the message here.
        let arrivals = receiver.calls
        #expect(arrivals.allSatisfy { $0.uri.contains("key=gw-key-0123456789") && $0.uri.contains("to=79001234567") })
        Self.expectArrivals(receiver, key: { $0.uri.contains("4821") ? "registration.code.1" : nil }, expected: "registration.code.1", fault: fault)
    }

    enum SMTPFault: String, CaseIterable, CustomTestStringConvertible {
        case down
        /// RCPT is not answered within the deadline.
        case slow
        /// 451 to every recipient.
        case deferring
        /// STARTTLS with a certificate the client does not trust (recovery: the admin names the CA).
        case untrustedCertificate
        /// Implicit TLS to a plain server (recovery: the admin picks the right connection).
        case tlsToPlainServer

        var testDescription: String { rawValue }
    }

    @Test(
        "an e-mail stays queued with backoff while the SMTP server fails, and arrives once (by Message-ID) when it recovers",
        .enabled(if: Tool.smtpSinkOrCI, "needs python3 with aiosmtpd and openssl; required under CI"),
        arguments: SMTPFault.allCases)
    func email(fault: SMTPFault) async throws {
        try #require(Tool.hasSMTPSink, "python3 with aiosmtpd and openssl are required under CI (.ci/run installs them)")
        let rig = try Rig(timeout: fault == .slow ? 2 : 15)
        var sink: SMTPSink?
        var email = ChannelSettings.Email()
        email.host = "127.0.0.1"
        email.security = "plain"
        let marker: String
        switch fault {
        case .down:
            let listener = try LoopbackListener()
            email.port = listener.port
            listener.close()
            marker = "connect"
        case .slow:
            sink = try SMTPSink(faults: [.holdRecipient])
            email.port = sink!.port
            marker = "did not answer in time"
        case .deferring:
            sink = try SMTPSink(faults: [.deferring])
            email.port = sink!.port
            marker = "451"
        case .untrustedCertificate:
            sink = try SMTPSink(mode: .startTLS)
            email.port = sink!.port
            email.security = "starttls"
            marker = "certificate"
        case .tlsToPlainServer:
            sink = try SMTPSink()
            email.port = sink!.port
            email.security = "tls"
            marker = "SMTP"
        }
        try await rig.database.saveEmailSettings(email, password: nil, actor: nil)
        try await rig.database.write { db in
            try Outbox.publish(
                db, topic: "order.placed", payload: ["to": "buyer@example.com", "number": "A-17", "total": "1 000,00 ₽", "link": "/orders/17"],
                idempotencyKey: "order.placed.17", now: rig.clock.now)
        }
        try await rig.failTwice(kind: "email", expecting: marker, "\(fault)")

        switch fault {
        case .down: sink = try SMTPSink(port: email.port!)
        case .slow: sink!.set(.holdRecipient, false)
        case .deferring: sink!.set(.deferring, false)
        case .untrustedCertificate:
            email.caFile = sink!.caFile
            try await rig.database.saveEmailSettings(email, password: nil, actor: nil)
        case .tlsToPlainServer:
            email.security = "plain"
            try await rig.database.saveEmailSettings(email, password: nil, actor: nil)
        }
        try await rig.deliverAfterRecovery(kind: "email", "\(fault)")
        let received = try await #require(sink).waitFor(1)
        let expectedId = "<" + Crypto.hex(Array(Crypto.sha256(Data("order.placed.17".utf8)).prefix(16))) + "@b2b.example.ru>"
        #expect(received.map { SMTPSink.messageId($0.file) } == [expectedId], "one arrival, with the Message-ID of the event")
        if fault == .untrustedCertificate { #expect(received.first?.envelope["tls"] as? Bool == true) }
    }

    @Test("sent messages older than the retention are pruned in batches; failed and waiting ones stay; 0 keeps everything")
    func retention() async throws {
        let database = try TestDatabase.inMemory()
        let now = Date()
        try await database.write { db in
            for index in 0..<25 {
                try Outbox.enqueue(db, kind: "email", topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "old.\(index)", now: now)
            }
            try Outbox.enqueue(db, kind: "email", topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "recent", now: now)
            try Outbox.enqueue(db, kind: "email", topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "failed", now: now)
            try Outbox.enqueue(db, kind: "email", topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "waiting", now: now)
            let old = Self.stamp(now.addingTimeInterval(-31 * 86400))
            try db.execute(sql: "UPDATE outbox SET status = 'sent', sentAt = ? WHERE idempotencyKey LIKE 'old.%'", arguments: [old])
            try db.execute(
                sql: "UPDATE outbox SET status = 'sent', sentAt = ? WHERE idempotencyKey = 'recent'",
                arguments: [Self.stamp(now.addingTimeInterval(-29 * 86400))])
            try db.execute(sql: "UPDATE outbox SET status = 'failed', createdAt = ? WHERE idempotencyKey = 'failed'", arguments: [old])
            try db.execute(sql: "UPDATE outbox SET createdAt = ? WHERE idempotencyKey = 'waiting'", arguments: [old])
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let retention = OutboxRetention(database: database, defaultDays: 30, interval: .seconds(3600), logger: logger, batchSize: 10)
        try await database.saveOutboxSettings(webhooksEnabled: true, retentionDays: 0, actor: nil)
        #expect(try await retention.pruneOnce(now: now) == 0, "0 keeps sent messages")
        try await database.saveOutboxSettings(webhooksEnabled: true, retentionDays: nil, actor: nil)
        #expect(try await retention.pruneOnce(now: now) == 25, "three batches of at most 10")
        let left = try await database.read { try String.fetchAll($0, sql: "SELECT idempotencyKey FROM outbox ORDER BY idempotencyKey") }
        #expect(left == ["failed", "recent", "waiting"])
        try await database.saveOutboxSettings(webhooksEnabled: true, retentionDays: 7, actor: nil)
        #expect(try await retention.pruneOnce(now: now) == 1, "the page's 7 days win over the environment's 30")
    }

    @Test("a channel switched off sends nothing and queues nothing new; switched on, what waited goes out")
    func switchedOff() async throws {
        let rig = try Rig()
        let receiver = try await HTTPStub()
        _ = try await rig.database.createWebhookEndpoint(
            name: "CRM", url: "http://127.0.0.1:\(receiver.port)/hook", topics: "*", format: .json, actor: nil)
        try await rig.database.write { db in
            try Outbox.publish(db, topic: "order.placed", payload: ["number": "A-1"], idempotencyKey: "order.placed.1", now: rig.clock.now)
        }
        try await rig.database.saveOutboxSettings(webhooksEnabled: false, retentionDays: nil, actor: nil)
        try await rig.database.write { db in
            try Outbox.publish(db, topic: "order.placed", payload: ["number": "A-2"], idempotencyKey: "order.placed.2", now: rig.clock.now)
        }
        #expect(await rig.dispatcher.runOnce() == 0)
        #expect(receiver.calls.isEmpty)
        let keys = try await rig.database.read { try String.fetchAll($0, sql: "SELECT idempotencyKey FROM outbox WHERE kind = 'webhook'") }
        #expect(keys == ["order.placed.1#webhook1"], "nothing new was queued while off")
        try await rig.database.saveOutboxSettings(webhooksEnabled: true, retentionDays: nil, actor: nil)
        #expect(await rig.dispatcher.runOnce() == 1)
        #expect(receiver.calls.map { $0.headers["idempotency-key"] } == ["order.placed.1#webhook1"])
    }
}

extension OutboxFaultTests {
    /// A time as the database stores it ('YYYY-MM-DD HH:MM:SS.SSS', UTC).
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.string(from: date)
    }
}

extension SMTPSink {
    /// The Message-ID header of a received message.
    static func messageId(_ file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\r\n") {
            if line.isEmpty { break }
            if line.lowercased().hasPrefix("message-id:") {
                return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
