import Foundation
import GRDB
import WholesailCore

extension WholesailDatabase {
    // MARK: Channel settings (the admin's settings page)

    /// The channels as the admin set them (defaults where nothing is stored).
    public func channelSettings() async throws -> ChannelSettings {
        try await read { db in try Self.channelSettings(db) }
    }

    static func channelSettings(_ db: Database) throws -> ChannelSettings {
        var rows: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'channel.%' OR key LIKE 'outbox.%'") {
            rows[row["key"]] = row["value"]
        }
        return ChannelSettings(rows: rows)
    }

    /// Saves the e-mail channel. `password` nil keeps the stored one (the form never shows it);
    /// "" removes it. Audited without the secret.
    public func saveEmailSettings(_ email: ChannelSettings.Email, password: String?, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            var settings = ChannelSettings()
            settings.email = email
            settings.email.password = try password ?? Self.channelSettings(db).email.password
            try settings.validateEmail()
            try Self.storeSettings(db, settings.emailRows, now: now)
            try Self.audit(
                db, actor: actor, action: "settings.channels", objectType: "channel", objectId: "email",
                details: [
                    "enabled": email.enabled ? "1" : "0", "host": email.host, "port": email.port.map(String.init) ?? "",
                    "security": email.security, "username": email.username, "from": email.from,
                    "password": password == nil ? "kept" : (password!.isEmpty ? "removed" : "changed"),
                ], now: now)
        }
    }

    /// Saves the SMS channel. `secret` nil keeps the stored one; "" removes it.
    public func saveSMSSettings(_ sms: ChannelSettings.SMS, secret: String?, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            var settings = ChannelSettings()
            settings.sms = sms
            settings.sms.secret = try secret ?? Self.channelSettings(db).sms.secret
            try settings.validateSMS()
            try Self.storeSettings(db, settings.smsRows, now: now)
            try Self.audit(
                db, actor: actor, action: "settings.channels", objectType: "channel", objectId: "sms",
                details: [
                    "enabled": sms.enabled ? "1" : "0", "url": sms.url, "method": sms.method,
                    "secret": secret == nil ? "kept" : (secret!.isEmpty ? "removed" : "changed"),
                ], now: now)
        }
    }

    /// Saves the webhook switch and how long sent messages are kept (nil: the environment's).
    public func saveOutboxSettings(webhooksEnabled: Bool, retentionDays: Int?, actor: Int64?, now: Date = Date()) async throws {
        if let retentionDays, !(0...3650).contains(retentionDays) {
            throw ValidationError(field: "retentionDays", code: "channels.bad_retention", message: "Enter a number of days from 0 to 3650.")
        }
        try await write { db in
            try Self.storeSettings(
                db,
                [(ChannelSettings.Key.webhooksEnabled, webhooksEnabled ? "1" : "0"), (ChannelSettings.Key.retentionDays, retentionDays.map(String.init) ?? "")],
                now: now)
            try Self.audit(
                db, actor: actor, action: "settings.channels", objectType: "channel", objectId: "outbox",
                details: ["webhooks": webhooksEnabled ? "1" : "0", "retentionDays": retentionDays.map(String.init) ?? ""], now: now)
        }
    }

    /// Writes settings; an empty value removes its row (so the default or the environment applies).
    static func storeSettings(_ db: Database, _ pairs: [(String, String)], now: Date) throws {
        for (key, value) in pairs {
            if value.isEmpty {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            } else {
                try db.execute(
                    sql: """
                        INSERT INTO setting (key, value, updatedAt) VALUES (?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                        """,
                    arguments: [key, value, stamp(now)])
            }
        }
    }

    // MARK: Housekeeping

    /// Deletes up to `limit` messages that were sent before `sentBefore` (oldest first); failed
    /// and waiting messages are never pruned. Returns how many went; call again while it returns
    /// `limit`, so that no one write holds the database for long.
    public func pruneSentOutbox(sentBefore: Date, limit: Int = 1000) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM outbox WHERE id IN (
                        SELECT id FROM outbox WHERE status = 'sent' AND sentAt < ? ORDER BY sentAt LIMIT ?)
                    """,
                arguments: [Self.stamp(sentBefore), limit])
            return db.changesCount
        }
    }

    /// An admin's "discard": a failed or waiting message is deleted (never one being sent or
    /// already sent). Returns false when the message is not in such a state.
    public func discardOutboxMessage(id: Int64, actor: Int64?, now: Date = Date()) async throws -> Bool {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT kind, topic, idempotencyKey, status FROM outbox WHERE id = ?", arguments: [id]),
                ["failed", "pending"].contains(row["status"] as String)
            else { return false }
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
            try Self.audit(
                db, actor: actor, action: "outbox.discard", objectType: "outbox", objectId: String(id),
                details: ["kind": row["kind"], "topic": row["topic"], "idempotencyKey": row["idempotencyKey"], "status": row["status"]],
                now: now)
            return true
        }
    }

    /// Makes every message left `sending` due now: called by the dispatcher once it holds the
    /// outbox's lock, when no other dispatcher can be sending (the one that claimed them died).
    /// Returns how many there were.
    public func releaseInterruptedOutbox(now: Date = Date()) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', nextAttemptAt = ?,
                        lastError = 'interrupted: the process stopped during delivery (the attempt may have reached the receiver)'
                    WHERE status = 'sending'
                    """,
                arguments: [Self.stamp(now)])
            return db.changesCount
        }
    }
}
