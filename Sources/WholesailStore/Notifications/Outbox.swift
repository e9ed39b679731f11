import Foundation
import GRDB
import WholesailCore

/// The transactional outbox: a notification is a row written in the same transaction as the
/// change that caused it, so it is never lost and never sent for a change that rolled back.
/// `OutboxDispatcher` (the server) delivers rows with retries.
public enum Outbox {
    /// Publishes an event inside the caller's transaction: the one call features make.
    ///
    /// Writes, in that transaction, every delivery the event causes:
    /// - an `email` row when the topic has an e-mail (`NotificationTopic.catalog`); recipients
    ///   and language are resolved when it is sent;
    /// - an `sms` row when the topic has an SMS and the payload's `userId` opted in and has a
    ///   phone (or the payload carries `smsTo`, a number that asked for this very SMS, and no
    ///   `userId`, as a registration code does);
    /// - a `webhook` row for every active webhook endpoint subscribed to the topic (unless the
    ///   topic carries a secret: `NotificationTopic.webhooks`).
    ///
    /// A channel switched off on the settings page (`ChannelSettings`) gets no rows.
    ///
    /// `idempotencyKey` names the event (`order.placed.123`): publishing it again is a no-op,
    /// and each delivery carries a key derived from it to its receiver.
    public static func publish(
        _ db: Database, topic: String, payload: [String: String], idempotencyKey: String, now: Date = Date()
    ) throws {
        let entry = NotificationTopic.named(topic)
        // A channel the admin switched off queues nothing new (ChannelSettings).
        var off: Set<String> = []
        for row in try Row.fetchAll(
            db, sql: "SELECT key FROM setting WHERE key IN (?, ?, ?) AND value = '0'", arguments: StatementArguments(ChannelSettings.Key.switches))
        {
            let key: String = row["key"]
            off.insert(key.split(separator: ".").dropFirst().first.map(String.init) ?? key)
        }
        if entry?.mail != nil && !off.contains("email") {
            try enqueue(db, kind: "email", topic: topic, payload: payload, idempotencyKey: idempotencyKey, now: now)
        }
        if entry?.sms == true && !off.contains("sms") {
            var phone: String?
            if let userId = payload["userId"].flatMap({ Int64($0) }) {
                phone = try String.fetchOne(
                    db,
                    sql: "SELECT phone FROM user WHERE id = ? AND smsOptIn = 1 AND status = 'active' AND ifnull(phone, '') <> ''",
                    arguments: [userId])
            } else if let given = payload["smsTo"], !given.isEmpty {
                phone = given
            }
            if let phone {
                var smsPayload = payload
                smsPayload["phone"] = phone
                try enqueue(db, kind: "sms", topic: topic, payload: smsPayload, idempotencyKey: idempotencyKey + "#sms", now: now)
            }
        }
        guard entry?.webhooks ?? true, !off.contains("webhook") else { return }
        let endpoints = try Row.fetchAll(db, sql: "SELECT id, topics FROM webhookEndpoint WHERE active = 1")
        for endpoint in endpoints {
            let patterns = WholesailDatabase.topicPatterns(endpoint["topics"])
            guard WebhookEndpoint.matches(patterns: patterns, topic: topic) else { continue }
            let id: Int64 = endpoint["id"]
            try enqueue(
                db, kind: "webhook", topic: topic, payload: payload, idempotencyKey: idempotencyKey + "#webhook\(id)",
                webhookEndpointId: id, now: now)
        }
    }

    /// Queues one delivery inside the caller's transaction. The idempotency key makes a repeated
    /// enqueue of the same delivery a no-op. Features call `publish`; this is its building block.
    public static func enqueue(
        _ db: Database, kind: String, topic: String, payload: [String: String], idempotencyKey: String,
        webhookEndpointId: Int64? = nil, now: Date = Date()
    ) throws {
        let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        try db.execute(
            sql: """
                INSERT INTO outbox (kind, topic, payload, idempotencyKey, nextAttemptAt, webhookEndpointId, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (idempotencyKey) DO NOTHING
                """,
            arguments: [
                kind, topic, String(decoding: data, as: UTF8.self), idempotencyKey, WholesailDatabase.stamp(now), webhookEndpointId,
                WholesailDatabase.stamp(now),
            ])
    }
}
