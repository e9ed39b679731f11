import Foundation
import GRDB
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

@Suite struct OutboxDispatcherTests {
    static let policy = RetryPolicy(maxAttempts: 3, baseDelay: 30, maxDelay: 3600, jitter: 0.2)

    static func dispatcher(
        _ database: WholesailDatabase, _ channels: [any OutboxChannel], clock: ManualClock, lease: TimeInterval = 300
    ) -> OutboxDispatcher {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // random() = 0.5 puts the jitter at exactly zero, so the waits are exact.
        return OutboxDispatcher(
            database: database, channels: channels, policy: policy, lease: lease, logger: logger, clock: clock.function,
            random: { 0.5 })
    }

    static func publish(_ database: WholesailDatabase, key: String = "order.placed.1", topic: String = "order.placed", at: Date) async throws {
        try await database.write { db in
            try Outbox.publish(db, topic: topic, payload: ["to": "buyer@example.com", "number": "A-1"], idempotencyKey: key, now: at)
        }
    }

    static func row(_ database: WholesailDatabase, key: String = "order.placed.1") async throws -> OutboxMessage {
        let id = try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM outbox WHERE idempotencyKey = ?", arguments: [key]) }
        let found = try #require(id)
        return try #require(try await database.outboxMessage(id: found))
    }

    @Test("a published message is delivered once and marked sent")
    func delivers() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let channel = ScriptedChannel()
        let dispatcher = Self.dispatcher(database, [channel], clock: clock)
        try await Self.publish(database, at: clock.now)
        #expect(await dispatcher.runOnce() == 1)
        #expect(await dispatcher.runOnce() == 0)
        #expect(channel.delivered.map(\.idempotencyKey) == ["order.placed.1"])
        let row = try await Self.row(database)
        #expect(row.status == .sent && row.attempts == 1 && row.sentAt == clock.now)
    }

    @Test("a temporary failure is retried with exponential backoff, then marked failed after the last attempt")
    func backoff() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let channel = ScriptedChannel(script: [.temporary("451 busy"), .temporary("451 busy"), .temporary("451 still busy")])
        let dispatcher = Self.dispatcher(database, [channel], clock: clock)
        try await Self.publish(database, at: clock.now)

        // Given attempt 1 fails: the next is due 30 s later, not before.
        await dispatcher.runOnce()
        var row = try await Self.row(database)
        #expect(row.status == .pending && row.attempts == 1 && row.lastError == "451 busy")
        #expect(row.nextAttemptAt == clock.now.addingTimeInterval(30))
        clock.advance(29)
        #expect(await dispatcher.runOnce() == 0)

        // When attempt 2 fails, the wait doubles.
        clock.advance(1)
        #expect(await dispatcher.runOnce() == 1)
        row = try await Self.row(database)
        #expect(row.attempts == 2 && row.nextAttemptAt == clock.now.addingTimeInterval(60))

        // Then the third (last) failure ends it.
        clock.advance(60)
        #expect(await dispatcher.runOnce() == 1)
        row = try await Self.row(database)
        #expect(row.status == .failed && row.attempts == 3 && row.lastError == "451 still busy")
        clock.advance(86400)
        #expect(await dispatcher.runOnce() == 0)
        #expect(channel.delivered.count == 3)
    }

    @Test("the backoff grows exponentially, is capped, and spreads by the jitter", arguments: [
        (1, 0.5, 30.0), (2, 0.5, 60.0), (3, 0.5, 120.0), (8, 0.5, 3600.0), (1, 0.0, 24.0), (1, 0.999999, 36.0),
    ])
    func policyDelays(attempt: Int, random: Double, expected: Double) throws {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 30, maxDelay: 3600, jitter: 0.2)
        let delay = try #require(policy.delay(afterAttempt: attempt, random: random))
        #expect(abs(delay - expected) < 0.001)
        #expect(policy.delay(afterAttempt: 10, random: 0.5) == nil)
    }

    @Test("a permanent error (a 5xx SMTP reply, a 4xx HTTP answer) fails the message at once")
    func permanent() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let channel = ScriptedChannel(script: [.permanent("550 5.1.1 no such user")])
        let dispatcher = Self.dispatcher(database, [channel], clock: clock)
        try await Self.publish(database, at: clock.now)
        await dispatcher.runOnce()
        let row = try await Self.row(database)
        #expect(row.status == .failed && row.attempts == 1)
        #expect(row.lastError?.contains("550 5.1.1") == true)
        #expect(DeliveryError.fromHTTP(status: 404, body: [])?.permanent == true)
        #expect(DeliveryError.fromHTTP(status: 429, body: [])?.permanent == false)
        #expect(DeliveryError.fromHTTP(status: 408, body: [])?.permanent == false)
        #expect(DeliveryError.fromHTTP(status: 503, body: [])?.permanent == false)
        #expect(DeliveryError.fromHTTP(status: 204, body: []) == nil)
    }

    @Test("after a crash mid-send the row is delivered once its lease runs out, exactly once")
    func crashSafety() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        let clock = ManualClock()
        try await Self.publish(database, at: clock.now)
        // Given a first process claimed the row and died before recording the outcome.
        let claimed = try await database.claimDueOutbox(kinds: ["email"], now: clock.now, lease: 300, limit: 10)
        #expect(claimed.count == 1)
        #expect(try await Self.row(database).status == .sending)

        // When the process restarts (a new dispatcher over the reopened file).
        let reopened = try WholesailDatabase.open(at: directory.path("wholesail.sqlite"))
        let channel = ScriptedChannel()
        let second = Self.dispatcher(reopened, [channel], clock: clock)
        #expect(await second.runOnce() == 0, "the lease still holds")
        clock.advance(301)
        #expect(await second.runOnce() == 1)
        #expect(await second.runOnce() == 0)
        clock.advance(3600)
        #expect(await second.runOnce() == 0)

        // Then it went out once, with the event's idempotency key, counted as the second attempt.
        #expect(channel.delivered.map(\.idempotencyKey) == ["order.placed.1"])
        let row = try await Self.row(reopened)
        #expect(row.status == .sent && row.attempts == 2)
        withExtendedLifetime(directory) {}
    }

    @Test("publishing inside a transaction that rolls back sends nothing")
    func rollback() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let channel = ScriptedChannel()
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await database.write { db in
                try Outbox.publish(db, topic: "order.placed", payload: ["to": "a@example.com"], idempotencyKey: "order.placed.9", now: clock.now)
                throw Boom()
            }
        }
        #expect(await Self.dispatcher(database, [channel], clock: clock).runOnce() == 0)
        #expect(channel.delivered.isEmpty)
        #expect(try await database.outboxStats(now: clock.now).counts.isEmpty)
    }

    @Test("publishing the same event twice queues it once")
    func idempotentPublish() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        try await Self.publish(database, at: clock.now)
        try await Self.publish(database, at: clock.now)
        #expect(try await database.outboxStats(now: clock.now).count(.pending) == 1)
    }

    @Test("rows of a kind without a channel stay queued, and the lag grows")
    func unconfiguredKindWaits() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let dispatcher = Self.dispatcher(database, [ScriptedChannel(kind: "webhook")], clock: clock)
        try await Self.publish(database, at: clock.now)
        clock.advance(90)
        #expect(await dispatcher.runOnce() == 0)
        let stats = try await database.outboxStats(now: clock.now)
        #expect(stats.count(.pending) == 1 && stats.lagSeconds == 90 && stats.dueByKind == ["email": 1])
    }

    @Test("an event fans out: e-mail, SMS to an opted-in user with a phone, and each subscribed webhook")
    func fanOut() async throws {
        let database = try TestDatabase.inMemory()
        let user = try await database.addUser(email: "b@example.com", password: "x-password-1", role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in try db.execute(sql: "UPDATE user SET phone = '+7 900 123-45-67' WHERE id = ?", arguments: [user]) }
        let orders = try await database.createWebhookEndpoint(name: "CRM", url: "https://crm.example/hook", topics: "order.*", format: .json, actor: nil)
        _ = try await database.createWebhookEndpoint(name: "Other", url: "https://x.example/hook", topics: "registration.received", format: .json, actor: nil)
        func publish(_ key: String) async throws {
            try await database.write { db in
                try Outbox.publish(db, topic: "order.status", payload: ["userId": String(user), "number": "A-1"], idempotencyKey: key)
            }
        }
        try await publish("order.status.1.a")
        try await database.setSMSOptIn(userId: user, true)
        try await publish("order.status.1.b")
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, idempotencyKey, webhookEndpointId FROM outbox ORDER BY id").map {
                "\($0["kind"] as String) \($0["idempotencyKey"] as String) \(($0["webhookEndpointId"] as Int64?).map(String.init) ?? "-")"
            }
        }
        #expect(rows == [
            "email order.status.1.a -", "webhook order.status.1.a#webhook\(orders) \(orders)",
            "email order.status.1.b -", "sms order.status.1.b#sms -", "webhook order.status.1.b#webhook\(orders) \(orders)",
        ])
    }

    @Test("the running dispatcher wakes as soon as a message is committed, well before its poll interval")
    func wakesOnCommit() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        let channel = ScriptedChannel()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dispatcher = OutboxDispatcher(database: database, channels: [channel], pollInterval: .seconds(600), logger: logger)
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        func waitUntilDelivered(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while channel.delivered.count < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // Given the dispatcher is running (its first round delivers what was already queued).
        try await Self.publish(database, key: "order.placed.1", at: Date())
        try await waitUntilDelivered(1)
        try #require(channel.delivered.count == 1)
        // When another message is committed, only the commit can wake it: the poll interval is 600 s.
        let start = ContinuousClock.now
        try await Self.publish(database, key: "order.placed.2", at: Date())
        try await waitUntilDelivered(2)
        #expect(channel.delivered.map(\.idempotencyKey) == ["order.placed.1", "order.placed.2"])
        #expect(ContinuousClock.now - start < .seconds(60))
        withExtendedLifetime(directory) {}
    }

    @Test("an admin's retry puts a failed message back in the queue with fresh attempts")
    func adminRetry() async throws {
        let database = try TestDatabase.inMemory()
        let clock = ManualClock()
        let channel = ScriptedChannel(script: [.permanent("550 no")])
        let dispatcher = Self.dispatcher(database, [channel], clock: clock)
        try await Self.publish(database, at: clock.now)
        await dispatcher.runOnce()
        let id = try await Self.row(database).id
        #expect(try await database.retryOutboxMessage(id: id, actor: nil, now: clock.now))
        #expect(try await database.retryOutboxMessage(id: id, actor: nil, now: clock.now) == false, "no longer failed")
        #expect(await dispatcher.runOnce() == 1)
        let row = try await Self.row(database)
        #expect(row.status == .sent && row.attempts == 1)
    }
}

@Suite struct OutboxSecretsTests {
    @Test("events that carry a secret (a reset link) never go to webhooks, even to a '*' endpoint")
    func secretsStayPrivate() async throws {
        let database = try TestDatabase.inMemory()
        _ = try await database.createWebhookEndpoint(name: "All", url: "https://crm.example/hook", topics: "*", format: .json, actor: nil)
        try await database.write { db in
            try Outbox.publish(db, topic: "password.reset", payload: ["to": "a@example.com", "link": "https://x/reset/secret"], idempotencyKey: "password.reset.1")
            try Outbox.publish(db, topic: "registration.received", payload: ["to": "a@example.com"], idempotencyKey: "registration.received.1")
        }
        let kinds = try await database.read { try String.fetchAll($0, sql: "SELECT kind || ' ' || topic FROM outbox ORDER BY id") }
        #expect(kinds == ["email password.reset", "email registration.received", "webhook registration.received"])
    }
}
