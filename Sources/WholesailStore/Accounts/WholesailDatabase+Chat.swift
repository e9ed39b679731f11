import Foundation
import GRDB
import WholesailCore

/// One message of a company's chat with its personal manager.
public struct ChatMessage: Sendable, Equatable {
    public var id: Int64
    public var counterpartyId: Int64
    public var authorUserId: Int64?
    /// The author's name (their e-mail when they have none).
    public var author: String
    /// Written by the distributor's staff (else by a buyer of the company).
    public var fromStaff: Bool
    public var body: String
    public var createdAt: String
}

/// A row of the staff's list of conversations.
public struct ChatConversationRow: Sendable, Equatable {
    public var counterpartyId: Int64
    public var company: String
    public var lastMessageAt: String?
    public var lastMessage: String?
    public var unread: Int
}

/// The two sides of a conversation.
public enum ChatSide: String, Sendable {
    case buyer
    case staff
}

extension WholesailDatabase {
    /// The longest message, in characters (the table's CHECK says the same).
    public static let chatMessageLimit = 4000
    /// The setting holding the Bitrix24 Open Lines widget link that replaces the built-in chat.
    public static let chatExternalLinkKey = "chat.openLinesUrl"

    /// A message as typed, trimmed; refused when empty or longer than `chatMessageLimit`.
    public static func validatedChatMessage(_ text: String) throws -> String {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw ValidationError(field: "body", code: "chat.empty", message: "Write a message first.") }
        guard body.unicodeScalars.count <= chatMessageLimit else {
            throw ValidationError(field: "body", code: "chat.too_long", message: "A message can be at most 4000 characters long.")
        }
        return body
    }

    /// Adds a message to a company's conversation in one transaction: the author has read up to
    /// it; when nobody of the other side is online (`online`: the users with an open stream or
    /// recent activity), that side gets an e-mail — at most one per quiet period, which lasts until
    /// one of them reads the conversation. Buyers are e-mailed one by one (`chat.message`: those
    /// who wrote in the conversation, else every active user of the company); the staff through
    /// the company's assigned managers (`chat.message_for_staff`).
    public func postChatMessage(
        counterpartyId: Int64, authorUserId: Int64, fromStaff: Bool, body: String, online: Set<Int64>, now: Date = Date()
    ) async throws -> ChatMessage {
        let text = try Self.validatedChatMessage(body)
        return try await write { db in
            let at = Self.stamp(now)
            try db.execute(
                sql: "INSERT INTO chatMessage (counterpartyId, authorUserId, fromStaff, body, createdAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [counterpartyId, authorUserId, fromStaff, text, at])
            let id = db.lastInsertedRowID
            try Self.markChatRead(db, counterpartyId: counterpartyId, userId: authorUserId, upTo: id, at: at)
            let message = try Self.chatMessages(db, sql: "m.id = ?", arguments: [id]).first!
            let other: ChatSide = fromStaff ? .buyer : .staff
            if try Self.chatSideUsers(db, counterpartyId: counterpartyId, side: other).isDisjoint(with: online),
                try Self.chatNoticeDue(db, counterpartyId: counterpartyId, side: other)
            {
                try db.execute(
                    sql: """
                        INSERT INTO chatNotice (counterpartyId, side, notifiedAt) VALUES (?, ?, ?)
                        ON CONFLICT (counterpartyId, side) DO UPDATE SET notifiedAt = excluded.notifiedAt
                        """,
                    arguments: [counterpartyId, other.rawValue, at])
                let company = try Self.counterpartyName(db, id: counterpartyId)
                let excerpt = text.count > 1000 ? String(text.prefix(999)) + "…" : text
                var payload = [
                    "author": message.author, "company": company, "text": excerpt, "counterpartyId": String(counterpartyId),
                ]
                if other == .staff {
                    payload["link"] = "/staff/chats/\(counterpartyId)"
                    try Outbox.publish(db, topic: "chat.message_for_staff", payload: payload, idempotencyKey: "chat.message_for_staff.\(id)", now: now)
                } else {
                    payload["link"] = "/chat"
                    for recipient in try Self.chatBuyerRecipients(db, counterpartyId: counterpartyId) {
                        payload["userId"] = String(recipient)
                        try Outbox.publish(db, topic: "chat.message", payload: payload, idempotencyKey: "chat.message.\(id).\(recipient)", now: now)
                    }
                }
            }
            return message
        }
    }

    /// The active users of one side of a company's conversation: its buyers, or the staff assigned
    /// to it (directly or through its holding).
    static func chatSideUsers(_ db: Database, counterpartyId: Int64, side: ChatSide) throws -> Set<Int64> {
        let sql =
            side == .buyer
            ? "SELECT uc.userId FROM userCounterparty uc JOIN user u ON u.id = uc.userId AND u.status = 'active' WHERE uc.counterpartyId = :company"
            : """
            SELECT m.userId FROM managerAssignment m JOIN user u ON u.id = m.userId AND u.status = 'active'
            WHERE m.counterpartyId = :company OR m.holdingId = (SELECT holdingId FROM counterparty WHERE id = :company)
            """
        return Set(try Int64.fetchAll(db, sql: sql, arguments: ["company": counterpartyId]))
    }

    /// Whether a side may be e-mailed: never before, or someone of that side has read the
    /// conversation since the last e-mail.
    static func chatNoticeDue(_ db: Database, counterpartyId: Int64, side: ChatSide) throws -> Bool {
        guard
            let notified = try String.fetchOne(
                db, sql: "SELECT notifiedAt FROM chatNotice WHERE counterpartyId = ? AND side = ?", arguments: [counterpartyId, side.rawValue])
        else { return true }
        let membership = side == .buyer ? "IN" : "NOT IN"
        let lastRead = try String.fetchOne(
            db,
            sql: """
                SELECT max(readAt) FROM chatRead WHERE counterpartyId = :company
                AND userId \(membership) (SELECT userId FROM userCounterparty WHERE counterpartyId = :company)
                """,
            arguments: ["company": counterpartyId])
        return lastRead.map { $0 > notified } ?? false
    }

    /// The buyers to e-mail: those who wrote in the conversation and still work for the company,
    /// else every active user of the company.
    static func chatBuyerRecipients(_ db: Database, counterpartyId: Int64) throws -> [Int64] {
        let members = "SELECT uc.userId FROM userCounterparty uc JOIN user u ON u.id = uc.userId AND u.status = 'active' WHERE uc.counterpartyId = :company"
        let writers = try Int64.fetchAll(
            db,
            sql: """
                SELECT DISTINCT authorUserId FROM chatMessage WHERE counterpartyId = :company AND fromStaff = 0
                AND authorUserId IN (\(members)) ORDER BY authorUserId
                """,
            arguments: ["company": counterpartyId])
        if !writers.isEmpty { return writers }
        return try Int64.fetchAll(db, sql: members + " ORDER BY uc.userId", arguments: ["company": counterpartyId])
    }

    static func chatMessages(_ db: Database, sql condition: String, arguments: StatementArguments, order: String = "m.id", limit: Int? = nil) throws
        -> [ChatMessage]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT m.id, m.counterpartyId, m.authorUserId, m.fromStaff, m.body, m.createdAt, u.fullName, u.email
                FROM chatMessage m LEFT JOIN user u ON u.id = m.authorUserId
                WHERE \(condition) ORDER BY \(order)\(limit.map { " LIMIT \($0)" } ?? "")
                """,
            arguments: arguments
        ).map { row in
            let name: String? = row["fullName"]
            let email: String? = row["email"]
            return ChatMessage(
                id: row["id"], counterpartyId: row["counterpartyId"], authorUserId: row["authorUserId"],
                author: (name?.isEmpty == false ? name : email) ?? "—", fromStaff: row["fromStaff"], body: row["body"], createdAt: row["createdAt"])
        }
    }

    /// Messages of a company's conversation, oldest first: those after `after` (at most `limit`),
    /// or, with `after` nil, the latest `limit` before `before` (the whole history, page by page).
    public func chatMessages(counterpartyId: Int64, after: Int64? = nil, before: Int64? = nil, limit: Int = 200) async throws -> [ChatMessage] {
        try await read { db in
            if let after {
                return try Self.chatMessages(
                    db, sql: "m.counterpartyId = ? AND m.id > ?", arguments: [counterpartyId, after], limit: limit)
            }
            let latest = try Self.chatMessages(
                db, sql: "m.counterpartyId = ? AND m.id < ?", arguments: [counterpartyId, before ?? Int64.max], order: "m.id DESC", limit: limit)
            return Array(latest.reversed())
        }
    }

    /// The newest message id of a company's conversation (0 when it is empty).
    public func chatLastMessageId(counterpartyId: Int64) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT max(id) FROM chatMessage WHERE counterpartyId = ?", arguments: [counterpartyId]) ?? 0
        }
    }

    /// Marks a company's conversation read by a user up to a message (never backwards).
    public func markChatRead(counterpartyId: Int64, userId: Int64, upTo messageId: Int64, now: Date = Date()) async throws {
        guard messageId > 0 else { return }
        try await write { db in
            try Self.markChatRead(db, counterpartyId: counterpartyId, userId: userId, upTo: messageId, at: Self.stamp(now))
        }
    }

    static func markChatRead(_ db: Database, counterpartyId: Int64, userId: Int64, upTo messageId: Int64, at: String) throws {
        try db.execute(
            sql: """
                INSERT INTO chatRead (counterpartyId, userId, lastReadId, readAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (counterpartyId, userId) DO UPDATE SET lastReadId = excluded.lastReadId, readAt = excluded.readAt
                WHERE excluded.lastReadId > chatRead.lastReadId
                """,
            arguments: [counterpartyId, userId, messageId, at])
    }

    /// A buyer's unread messages: the staff's messages of their company's conversation they have
    /// not read.
    public func chatUnreadForBuyer(counterpartyId: Int64, userId: Int64) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM chatMessage WHERE counterpartyId = :company AND fromStaff = 1
                    AND id > ifnull((SELECT lastReadId FROM chatRead WHERE counterpartyId = :company AND userId = :user), 0)
                    """,
                arguments: ["company": counterpartyId, "user": userId]) ?? 0
        }
    }

    /// The companies a staff member is assigned to (directly or through their holding).
    static let assignedCompaniesSQL = """
        SELECT counterpartyId FROM managerAssignment WHERE userId = :user AND counterpartyId IS NOT NULL
        UNION SELECT c.id FROM counterparty c JOIN managerAssignment m ON m.holdingId = c.holdingId WHERE m.userId = :user
        """

    /// A staff member's unread messages: the buyers' messages they have not read, in the
    /// conversations of the companies assigned to them.
    public func chatUnreadForStaff(userId: Int64) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM (\(Self.assignedCompaniesSQL)) a
                    JOIN chatMessage m ON m.counterpartyId = a.counterpartyId AND m.fromStaff = 0
                    LEFT JOIN chatRead r ON r.counterpartyId = a.counterpartyId AND r.userId = :user
                    WHERE m.id > ifnull(r.lastReadId, 0)
                    """,
                arguments: ["user": userId]) ?? 0
        }
    }

    /// The staff's list of conversations, newest message first: the companies assigned to the
    /// user (all of them, with or without messages), or with `all`, every company that has a
    /// conversation; `query` filters by the company's name or tax id. Returns a page and the total.
    public func chatConversations(staffUserId: Int64, all: Bool, query: String, page: Int, perPage: Int) async throws -> (
        rows: [ChatConversationRow], total: Int
    ) {
        try await read { db in
            let companies = all ? "SELECT DISTINCT counterpartyId FROM chatMessage UNION \(Self.assignedCompaniesSQL)" : Self.assignedCompaniesSQL
            var filter = ""
            var arguments: [String: (any DatabaseValueConvertible)?] = ["user": staffUserId]
            let text = query.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty {
                filter = "WHERE (c.name LIKE :like ESCAPE '\\' OR c.inn = :text)"
                arguments["like"] = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                arguments["text"] = text
            }
            let total = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM (\(companies)) a JOIN counterparty c ON c.id = a.counterpartyId \(filter)",
                arguments: StatementArguments(arguments)) ?? 0
            arguments["limit"] = perPage
            arguments["offset"] = max(0, page - 1) * perPage
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name,
                        (SELECT max(id) FROM chatMessage WHERE counterpartyId = c.id) AS lastId,
                        (SELECT count(*) FROM chatMessage m WHERE m.counterpartyId = c.id AND m.fromStaff = 0
                            AND m.id > ifnull((SELECT lastReadId FROM chatRead WHERE counterpartyId = c.id AND userId = :user), 0)) AS unread
                    FROM (\(companies)) a JOIN counterparty c ON c.id = a.counterpartyId \(filter)
                    ORDER BY lastId IS NULL, lastId DESC, c.name LIMIT :limit OFFSET :offset
                    """,
                arguments: StatementArguments(arguments))
            var result: [ChatConversationRow] = []
            for row in rows {
                let lastId: Int64? = row["lastId"]
                let last = try lastId.flatMap { try Row.fetchOne(db, sql: "SELECT body, createdAt FROM chatMessage WHERE id = ?", arguments: [$0]) }
                result.append(
                    ChatConversationRow(
                        counterpartyId: row["id"], company: row["name"], lastMessageAt: last.map { $0["createdAt"] as String },
                        lastMessage: last.map { $0["body"] as String },
                        unread: row["unread"]))
            }
            return (result, total)
        }
    }

    /// The company's name, for the staff's conversation page.
    public func chatCompanyName(counterpartyId: Int64) async throws -> String {
        try await read { db in try Self.counterpartyName(db, id: counterpartyId) }
    }

    /// The Bitrix24 Open Lines widget link that replaces the built-in chat, if the admin set one.
    public func chatExternalLink() async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.chatExternalLinkKey]).flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// Sets (or, with an empty text, clears) the Bitrix24 Open Lines link: an http(s) address of at
    /// most 500 characters. Audited (`settings.chat`).
    public func saveChatExternalLink(_ text: String, actor: Principal, now: Date = Date()) async throws {
        let link = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !link.isEmpty {
            let components = URLComponents(string: link)
            guard link.count <= 500, let scheme = components?.scheme?.lowercased(), ["https", "http"].contains(scheme),
                let host = components?.host, !host.isEmpty, !link.contains(where: { $0.isWhitespace })
            else {
                throw ValidationError(field: "openLinesUrl", code: "chat.bad_link", message: "Enter the widget's address, starting with https://.")
            }
        }
        try await write { db in
            let at = Self.stamp(now)
            try db.execute(
                sql: """
                    INSERT INTO setting (key, value, updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                    """,
                arguments: [Self.chatExternalLinkKey, link, at])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "settings.chat", details: ["openLinesUrl": link], now: now)
        }
    }
}
