import Foundation
import GRDB
import WholesailCore

/// A person an e-mail goes to, with the language they read.
public struct MailRecipient: Sendable, Equatable {
    public var email: String
    public var name: String
    /// `ru` or `en`; nil when the address belongs to no user.
    public var locale: String?

    public init(email: String, name: String = "", locale: String? = nil) {
        self.email = email
        self.name = name
        self.locale = locale
    }
}

/// The outbox at a glance: rows per status and how late the oldest due message is.
public struct OutboxStats: Sendable, Equatable {
    public var counts: [OutboxMessage.Status: Int]
    /// Seconds since the oldest message that is due (pending, or sending with an expired lease)
    /// became due; 0 when nothing waits.
    public var lagSeconds: Double
    /// Due messages per kind (those of an unconfigured channel wait here).
    public var dueByKind: [String: Int]

    public func count(_ status: OutboxMessage.Status) -> Int { counts[status] ?? 0 }
}

extension WholesailDatabase {
    // MARK: Delivery (the dispatcher)

    /// Claims up to `limit` due messages of the given kinds for delivery: in one transaction each
    /// becomes `sending`, its attempt is counted, and `nextAttemptAt` becomes the lease's end.
    /// A message whose lease ran out (its sender died) is due again, so a crash mid-send ends in
    /// a retry after the restart, never in a lost message.
    public func claimDueOutbox(kinds: [String], now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxMessage] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        let due = Self.stamp(now)
        let leaseEnd = Self.stamp(now.addingTimeInterval(lease))
        var arguments: [(any DatabaseValueConvertible)?] = [due]
        arguments += kinds.map { $0 as (any DatabaseValueConvertible)? }
        arguments.append(limit)
        let selection = StatementArguments(arguments)
        // Look first on a reader: an idle outbox costs no write transaction.
        let anyDue = try await read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending') AND nextAttemptAt <= ? AND kind IN (\(marks)) LIMIT ?",
                arguments: selection) != nil
        }
        guard anyDue else { return [] }
        return try await write { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM outbox
                    WHERE status IN ('pending', 'sending') AND nextAttemptAt <= ? AND kind IN (\(marks))
                    ORDER BY nextAttemptAt, id LIMIT ?
                    """,
                arguments: selection)
            var claimed: [OutboxMessage] = []
            for id in ids {
                try db.execute(
                    sql: """
                        UPDATE outbox SET status = 'sending', attempts = attempts + 1, nextAttemptAt = ?, lastAttemptAt = ?
                        WHERE id = ?
                        """,
                    arguments: [leaseEnd, due, id])
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]) {
                    claimed.append(Self.outboxMessage(row))
                }
            }
            return claimed
        }
    }

    /// Records a delivery. Only a message still `sending` changes (an admin may have acted meanwhile).
    public func markOutboxSent(id: Int64, now: Date = Date(), note: String? = nil) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'sent', sentAt = ?, lastError = ? WHERE id = ? AND status = 'sending'",
                arguments: [Self.stamp(now), note, id])
        }
    }

    /// Records a failed attempt that will be retried at `retryAt`.
    public func markOutboxRetry(id: Int64, error: String, retryAt: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', nextAttemptAt = ?, lastError = ? WHERE id = ? AND status = 'sending'",
                arguments: [Self.stamp(retryAt), String(error.prefix(2000)), id])
        }
    }

    /// Records a failure that no retry will mend (or the last allowed attempt).
    public func markOutboxFailed(id: Int64, error: String, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'failed', nextAttemptAt = ?, lastError = ? WHERE id = ? AND status = 'sending'",
                arguments: [Self.stamp(now), String(error.prefix(2000)), id])
        }
    }

    /// An admin's "retry": a failed message goes back to the queue with a fresh count of
    /// attempts, due now. Returns false when the message is not failed (nothing to do).
    public func retryOutboxMessage(id: Int64, actor: Int64?, now: Date = Date()) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', attempts = 0, nextAttemptAt = ? WHERE id = ? AND status = 'failed'",
                arguments: [Self.stamp(now), id])
            guard db.changesCount > 0 else { return false }
            try Self.audit(db, actor: actor, action: "outbox.retry", objectType: "outbox", objectId: String(id), now: now)
            return true
        }
    }

    // MARK: Reading

    public func outboxMessage(id: Int64) async throws -> OutboxMessage? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map(Self.outboxMessage)
        }
    }

    /// The newest messages, optionally of one status and of one webhook endpoint (its delivery
    /// log), newest first.
    public func latestOutboxMessages(
        status: OutboxMessage.Status? = nil, webhookEndpointId: Int64? = nil, limit: Int = 50
    ) async throws -> [OutboxMessage] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let status {
                conditions.append("status = ?")
                arguments.append(status.rawValue)
            }
            if let webhookEndpointId {
                conditions.append("webhookEndpointId = ?")
                arguments.append(webhookEndpointId)
            }
            arguments.append(limit)
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM outbox \(filter) ORDER BY id DESC LIMIT ?", arguments: StatementArguments(arguments)
            ).map(Self.outboxMessage)
        }
    }

    /// Counts per status, the lag of the oldest due message and what is due per kind.
    public func outboxStats(now: Date = Date()) async throws -> OutboxStats {
        let due = Self.stamp(now)
        return try await read { db in
            var counts: [OutboxMessage.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") {
                if let status = OutboxMessage.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            let oldest = try String.fetchOne(
                db, sql: "SELECT min(nextAttemptAt) FROM outbox WHERE status IN ('pending', 'sending') AND nextAttemptAt <= ?",
                arguments: [due])
            var dueByKind: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT kind, count(*) AS n FROM outbox WHERE status IN ('pending', 'sending') AND nextAttemptAt <= ? GROUP BY kind",
                arguments: [due])
            {
                dueByKind[row["kind"]] = row["n"]
            }
            let lag = oldest.flatMap(Self.date(fromStamp:)).map { max(0, now.timeIntervalSince($0)) } ?? 0
            return OutboxStats(counts: counts, lagSeconds: lag, dueByKind: dueByKind)
        }
    }

    // MARK: Recipients

    /// Who gets the e-mail of `message`: the payload's `to` addresses and `userId`, or the staff
    /// serving the payload's company (see `MailAudience`). Inactive users are left out.
    public func mailRecipients(payload: [String: String], audience: MailAudience) async throws -> [MailRecipient] {
        try await read { db in
            var found: [MailRecipient] = []
            func add(_ recipient: MailRecipient) {
                guard !recipient.email.isEmpty,
                    !found.contains(where: { $0.email.lowercased() == recipient.email.lowercased() })
                else { return }
                found.append(recipient)
            }
            func user(_ row: Row) -> MailRecipient {
                MailRecipient(email: row["email"], name: row["fullName"], locale: row["locale"])
            }
            switch audience {
            case .payload:
                if let userId = payload["userId"].flatMap({ Int64($0) }),
                    let row = try Row.fetchOne(
                        db, sql: "SELECT email, fullName, locale FROM user WHERE id = ? AND status <> 'disabled'", arguments: [userId])
                {
                    add(user(row))
                }
                for address in (payload["to"] ?? "").split(separator: ",") {
                    let email = address.trimmingCharacters(in: .whitespaces)
                    if let row = try Row.fetchOne(db, sql: "SELECT email, fullName, locale FROM user WHERE email = ?", arguments: [email]) {
                        add(user(row))
                    } else {
                        add(MailRecipient(email: email, name: payload["name"] ?? ""))
                    }
                }
            case .staff(let permission):
                let company = (payload["counterpartyId"] ?? payload["counterparty"]).flatMap { Int64($0) }
                if let company {
                    for row in try Row.fetchAll(
                        db,
                        sql: """
                            SELECT DISTINCT user.email, user.fullName, user.locale FROM managerAssignment
                            JOIN user ON user.id = managerAssignment.userId AND user.status = 'active'
                            LEFT JOIN counterparty ON counterparty.id = ?
                            WHERE managerAssignment.counterpartyId = ?
                               OR (managerAssignment.holdingId IS NOT NULL AND managerAssignment.holdingId = counterparty.holdingId)
                            ORDER BY user.id
                            """,
                        arguments: [company, company])
                    {
                        add(user(row))
                    }
                }
                if found.isEmpty {
                    for row in try Row.fetchAll(
                        db,
                        sql: """
                            SELECT DISTINCT user.email, user.fullName, user.locale FROM user
                            JOIN userRole ON userRole.userId = user.id
                            JOIN role ON role.id = userRole.roleId AND role.isStaff = 1
                            JOIN rolePermission ON rolePermission.roleId = role.id AND rolePermission.permissionCode = ?
                            WHERE user.status = 'active' ORDER BY user.id
                            """,
                        arguments: [permission])
                    {
                        add(user(row))
                    }
                }
            }
            return found
        }
    }

    // MARK: SMS opt-in

    /// Whether the user wants order-status SMS (and the phone they would go to).
    public func smsPreference(userId: Int64) async throws -> (optIn: Bool, phone: String) {
        try await read { db in
            let row = try Row.fetchOne(db, sql: "SELECT smsOptIn, ifnull(phone, '') AS phone FROM user WHERE id = ?", arguments: [userId])
            return (optIn: (row?["smsOptIn"] as Int?) == 1, phone: row?["phone"] ?? "")
        }
    }

    /// Turns order-status SMS on or off for a user.
    public func setSMSOptIn(userId: Int64, _ optIn: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE user SET smsOptIn = ? WHERE id = ?", arguments: [optIn ? 1 : 0, userId])
        }
    }

    // MARK: Webhook endpoints

    public func webhookEndpoints() async throws -> [WebhookEndpoint] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM webhookEndpoint ORDER BY id").map(Self.webhookEndpoint)
        }
    }

    public func webhookEndpoint(id: Int64) async throws -> WebhookEndpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM webhookEndpoint WHERE id = ?", arguments: [id]).map(Self.webhookEndpoint)
        }
    }

    /// Adds an endpoint; its secret is generated unless given. Validates the URL and topics.
    public func createWebhookEndpoint(
        name: String, url: String, topics: String, format: WebhookEndpoint.Format, secret: String? = nil, actor: Int64?,
        now: Date = Date()
    ) async throws -> Int64 {
        let secret = secret ?? Crypto.randomToken()
        let (name, url, patterns) = try Self.validatedEndpoint(
            name: name, url: url, topics: topics,
            also: secret.count < 16 ? ["secret": .init(code: "webhook.short_secret", message: "A secret has at least 16 characters.")] : [:])
        return try await write { db in
            try db.execute(
                sql: "INSERT INTO webhookEndpoint (name, url, secret, topics, format, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, url, secret, patterns.joined(separator: ","), format.rawValue, Self.stamp(now)])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor: actor, action: "webhook.create", objectType: "webhookEndpoint", objectId: String(id), now: now)
            return id
        }
    }

    /// Changes an endpoint's name, URL, topics and format (its secret stays). Calls already
    /// queued for it go to the new URL: the way to mend an endpoint that moved.
    public func updateWebhookEndpoint(
        id: Int64, name: String, url: String, topics: String, format: WebhookEndpoint.Format, actor: Int64?, now: Date = Date()
    ) async throws {
        let (name, url, patterns) = try Self.validatedEndpoint(name: name, url: url, topics: topics)
        try await write { db in
            try db.execute(
                sql: "UPDATE webhookEndpoint SET name = ?, url = ?, topics = ?, format = ? WHERE id = ?",
                arguments: [name, url, patterns.joined(separator: ","), format.rawValue, id])
            guard db.changesCount > 0 else { throw DomainError.notFound("webhook") }
            try Self.audit(
                db, actor: actor, action: "webhook.update", objectType: "webhookEndpoint", objectId: String(id),
                details: ["url": url, "topics": patterns.joined(separator: ",")], now: now)
        }
    }

    /// Trimmed name and URL and the topic patterns, or the fields' problems.
    static func validatedEndpoint(
        name: String, url: String, topics: String, also: [String: ValidationError.FieldIssue] = [:]
    ) throws -> (String, String, [String]) {
        let url = url.trimmingCharacters(in: .whitespaces)
        let name = name.trimmingCharacters(in: .whitespaces)
        let patterns = Self.topicPatterns(topics)
        var fields = also
        let lower = url.lowercased()
        if !(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || url.count > 2000 || URL(string: url)?.host == nil {
            fields["url"] = .init(code: "webhook.bad_url", message: "Enter an http:// or https:// address.")
        }
        if name.count > 200 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if patterns.isEmpty || topics.count > 2000
            || !patterns.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || "._*-".contains($0) } })
        {
            fields["topics"] = .init(code: "webhook.bad_topics", message: "List topics separated by commas, or * for all.")
        }
        if !fields.isEmpty { throw ValidationError(fields: fields) }
        return (name, url, patterns)
    }

    public func setWebhookEndpointActive(id: Int64, _ active: Bool, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE webhookEndpoint SET active = ? WHERE id = ?", arguments: [active ? 1 : 0, id])
            guard db.changesCount > 0 else { throw DomainError.notFound("webhook") }
            try Self.audit(
                db, actor: actor, action: active ? "webhook.enable" : "webhook.disable", objectType: "webhookEndpoint",
                objectId: String(id), now: now)
        }
    }

    /// Removes an endpoint with its delivery log (and its undelivered calls).
    public func deleteWebhookEndpoint(id: Int64, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM webhookEndpoint WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw DomainError.notFound("webhook") }
            try Self.audit(db, actor: actor, action: "webhook.delete", objectType: "webhookEndpoint", objectId: String(id), now: now)
        }
    }

    /// Queues a `webhook.test` call to one endpoint (the admin's "send test").
    public func enqueueWebhookTest(endpointId: Int64, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM webhookEndpoint WHERE id = ?", arguments: [endpointId]) != nil else {
                throw DomainError.notFound("webhook")
            }
            let nonce = Crypto.randomToken(bytes: 8)
            try Outbox.enqueue(
                db, kind: "webhook", topic: "webhook.test", payload: ["message": "test", "endpointId": String(endpointId)],
                idempotencyKey: "webhook.test.\(endpointId).\(nonce)", webhookEndpointId: endpointId, now: now)
        }
    }

    // MARK: Rows

    static func topicPatterns(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func outboxMessage(_ row: Row) -> OutboxMessage {
        let payloadText: String = row["payload"]
        let object = (try? JSONSerialization.jsonObject(with: Data(payloadText.utf8))) as? [String: Any] ?? [:]
        var payload: [String: String] = [:]
        for (key, value) in object { payload[key] = value as? String ?? "\(value)" }
        let created: String = row["createdAt"]
        let next: String = row["nextAttemptAt"]
        return OutboxMessage(
            id: row["id"], kind: row["kind"], topic: row["topic"], payload: payload, idempotencyKey: row["idempotencyKey"],
            status: OutboxMessage.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: date(fromStamp: next) ?? Date(), lastError: row["lastError"],
            createdAt: date(fromStamp: created) ?? Date(), sentAt: (row["sentAt"] as String?).flatMap(date(fromStamp:)),
            lastAttemptAt: (row["lastAttemptAt"] as String?).flatMap(date(fromStamp:)), webhookEndpointId: row["webhookEndpointId"])
    }

    static func webhookEndpoint(_ row: Row) -> WebhookEndpoint {
        WebhookEndpoint(
            id: row["id"], name: row["name"], url: row["url"], secret: row["secret"], topics: topicPatterns(row["topics"]),
            format: WebhookEndpoint.Format(rawValue: row["format"]) ?? .json, active: (row["active"] as Int) == 1)
    }

    /// Reads a stored time ('YYYY-MM-DD HH:MM:SS.SSS', UTC).
    static func date(fromStamp stamp: String) -> Date? {
        let parts = stamp.split(whereSeparator: { "- :.".contains($0) }).compactMap { Int($0) }
        guard parts.count >= 6 else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        (components.hour, components.minute, components.second) = (parts[3], parts[4], parts[5])
        components.nanosecond = parts.count > 6 ? parts[6] * 1_000_000 : 0
        return components.date
    }
}
