import Foundation
import GRDB

/// The transactional outbox: a notification is a row written in the same transaction as the
/// change that caused it, so it is never lost and never sent for a change that rolled back.
/// A background worker (the notifications feature) delivers rows with retries.
public enum Outbox {
    /// Queues a message inside the caller's transaction. The idempotency key makes a repeated
    /// enqueue of the same event a no-op.
    public static func enqueue(
        _ db: Database, kind: String, topic: String, payload: [String: String], idempotencyKey: String, now: Date = Date()
    ) throws {
        let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        try db.execute(
            sql: """
                INSERT INTO outbox (kind, topic, payload, idempotencyKey, nextAttemptAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (idempotencyKey) DO NOTHING
                """,
            arguments: [kind, topic, String(decoding: data, as: UTF8.self), idempotencyKey, WholesailDatabase.stamp(now)])
    }
}
