import Foundation
import GRDB
import WholesailCore

/// A request a buyer files from the personal account: a complaint about an order, a free-form
/// message, a return, a request for documents or for more content about a product.
public struct TicketForm: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case complaint, message, `return`, documents, content, reconciliation }

    public struct ReturnLine: Sendable, Equatable {
        public var orderLineId: Int64
        public var qtyMilli: Int64
        public init(orderLineId: Int64, qtyMilli: Int64) {
            self.orderLineId = orderLineId
            self.qtyMilli = qtyMilli
        }
    }

    public struct Attachment: Sendable {
        public var fileName: String
        public var data: Data
        public init(fileName: String, data: Data) {
            self.fileName = fileName
            self.data = data
        }
    }

    public var kind: Kind
    public var counterpartyId: Int64
    public var userId: Int64
    public var orderId: Int64?
    public var subject: String
    public var body: String
    public var returnLines: [ReturnLine]
    public var reason: String
    public var attachments: [Attachment]
    /// Facts kept with the request for whoever handles it (a reconciliation act's period).
    public var details: [String: String] = [:]

    public init(
        kind: Kind, counterpartyId: Int64, userId: Int64, orderId: Int64? = nil, subject: String, body: String, returnLines: [ReturnLine] = [],
        reason: String = "", attachments: [Attachment] = []
    ) {
        self.kind = kind
        self.counterpartyId = counterpartyId
        self.userId = userId
        self.orderId = orderId
        self.subject = subject
        self.body = body
        self.returnLines = returnLines
        self.reason = reason
        self.attachments = attachments
    }

    public static let maxAttachments = 5
    public static let maxAttachmentBytes = 10 * 1024 * 1024

    public func validate() -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let subject = self.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        if subject.isEmpty { fields["subject"] = .init(code: "field.required", message: "This field is required.") }
        if subject.count > 300 { fields["subject"] = .init(code: "field.too_long", message: "This is too long.") }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && kind != .return {
            fields["body"] = .init(code: "field.required", message: "This field is required.")
        }
        if body.count > 20_000 { fields["body"] = .init(code: "field.too_long", message: "This is too long.") }
        if [.complaint, .return].contains(kind) && orderId == nil {
            fields["orderId"] = .init(code: "ticket.order_required", message: "Choose the order.")
        }
        if kind == .return {
            if returnLines.isEmpty { fields["lines"] = .init(code: "ticket.lines_required", message: "Choose what to return and how many.") }
            if reason.trimmingCharacters(in: .whitespaces).isEmpty { fields["reason"] = .init(code: "field.required", message: "This field is required.") }
        }
        if reason.count > 2000 { fields["reason"] = .init(code: "field.too_long", message: "This is too long.") }
        if attachments.count > Self.maxAttachments || attachments.contains(where: { $0.data.count > Self.maxAttachmentBytes }) {
            fields["files"] = .init(code: "ticket.files_too_large", message: "Attach up to 5 files of up to 10 MB each.")
        }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }
}

public struct TicketSummary: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var subject: String
    public var status: String
    public var counterpartyId: Int64
    public var counterparty: String
    public var orderId: Int64?
    public var orderNumber: String?
    public var author: String?
    public var assignee: String?
    public var createdAt: String
    public var updatedAt: String
}

public struct TicketDetail: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var author: String?
        public var authorIsStaff: Bool
        public var body: String
        public var at: String
        public var files: [(id: Int64, name: String)]

        public static func == (lhs: Message, rhs: Message) -> Bool {
            lhs.author == rhs.author && lhs.body == rhs.body && lhs.at == rhs.at && lhs.files.map(\.id) == rhs.files.map(\.id)
        }
    }

    public struct ReturnLine: Sendable, Equatable {
        public var sku: String
        public var name: String
        public var qtyMilli: Int64
        public var unit: String
    }

    public var summary: TicketSummary
    public var messages: [Message]
    public var returnLines: [ReturnLine]
    public var reason: String?
    /// The request's text facts (`from`, `to` and `period` of a reconciliation act).
    public var details: [String: String] = [:]
}

extension WholesailDatabase {
    /// Files a request: checks the order and return lines belong to the company, stores the
    /// attachments, assigns the company's manager, queues the notification.
    @discardableResult
    public func createTicket(_ form: TicketForm, now: Date = Date()) async throws -> Int64 {
        if let problem = form.validate() { throw problem }
        return try await write { db in
            var payload: [String: Any] = [:]
            if let orderId = form.orderId {
                guard try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM customerOrder WHERE id = ? AND counterpartyId = ?", arguments: [orderId, form.counterpartyId]) == true
                else { throw ValidationError(field: "orderId", code: "ticket.order_unknown", message: "Choose one of your company's orders.") }
            }
            if form.kind == .return {
                var lines: [[String: Any]] = []
                for line in form.returnLines {
                    guard let ordered = try Int64.fetchOne(
                        db, sql: "SELECT qtyMilli FROM orderLine WHERE id = ? AND orderId = ?", arguments: [line.orderLineId, form.orderId])
                    else { throw ValidationError(field: "lines", code: "ticket.line_unknown", message: "A line is not in this order.") }
                    guard line.qtyMilli > 0, line.qtyMilli <= ordered else {
                        throw ValidationError(field: "lines", code: "ticket.return_qty", message: "Return between 0 and the ordered quantity.")
                    }
                    lines.append(["orderLineId": line.orderLineId, "qtyMilli": line.qtyMilli])
                }
                payload["lines"] = lines
                payload["reason"] = form.reason
            }
            for (key, value) in form.details where payload[key] == nil { payload[key] = value }
            let at = Self.stamp(now)
            let assignee = try Int64.fetchOne(
                db,
                sql: """
                    SELECT m.userId FROM managerAssignment m JOIN user u ON u.id = m.userId AND u.status = 'active'
                    WHERE m.counterpartyId = ?1 OR m.holdingId = (SELECT holdingId FROM counterparty WHERE id = ?1)
                    ORDER BY m.role = 'manager' DESC, m.id LIMIT 1
                    """,
                arguments: [form.counterpartyId])
            let json = payload.isEmpty ? nil : String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
            try db.execute(
                sql: "INSERT INTO ticket (kind, counterpartyId, userId, orderId, subject, assignedTo, payload, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    form.kind.rawValue, form.counterpartyId, form.userId, form.orderId, form.subject.trimmingCharacters(in: .whitespacesAndNewlines),
                    assignee, json, at, at,
                ])
            let ticketId = db.lastInsertedRowID
            try Self.addMessage(db, ticketId: ticketId, userId: form.userId, body: form.body, attachments: form.attachments, at: at)
            try Self.enqueueTicketNotice(db, ticketId: ticketId, topic: "ticket.message", toStaff: true, at: at)
            return ticketId
        }
    }

    static func addMessage(_ db: Database, ticketId: Int64, userId: Int64, body: String, attachments: [TicketForm.Attachment], at: String) throws {
        try db.execute(
            sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (?, ?, ?, ?)",
            arguments: [ticketId, userId, body.trimmingCharacters(in: .whitespacesAndNewlines), at])
        let messageId = db.lastInsertedRowID
        for attachment in attachments {
            let sha = try storeBlob(db, attachment.data)
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, kind, createdAt) VALUES (?, ?, 'upload', ?)",
                arguments: [sha, safeFileName(attachment.fileName, fallback: "file"), at])
            try db.execute(sql: "INSERT INTO ticketAttachment (ticketMessageId, fileId) VALUES (?, ?)", arguments: [messageId, db.lastInsertedRowID])
        }
    }

    static func enqueueTicketNotice(_ db: Database, ticketId: Int64, topic: String, toStaff: Bool, at: String) throws {
        guard let row = try Row.fetchOne(
            db,
            sql: """
                SELECT t.subject, t.counterpartyId, t.userId, t.assignedTo, c.name AS company,
                    (SELECT m.body FROM ticketMessage m WHERE m.ticketId = t.id ORDER BY m.id DESC LIMIT 1) AS text,
                    (SELECT u.fullName FROM ticketMessage m JOIN user u ON u.id = m.userId WHERE m.ticketId = t.id ORDER BY m.id DESC LIMIT 1) AS author
                FROM ticket t JOIN counterparty c ON c.id = t.counterpartyId WHERE t.id = ?
                """,
            arguments: [ticketId])
        else { return }
        var payload: [String: String] = [
            "ticketId": String(ticketId), "subject": row["subject"], "company": row["company"], "text": String((row["text"] as String? ?? "").prefix(2000)),
            "author": row["author"] ?? "",
        ]
        if toStaff {
            payload["counterpartyId"] = String(row["counterpartyId"] as Int64)
            payload["link"] = "/staff/requests/\(ticketId)"
            try Outbox.publish(db, topic: "ticket.message", payload: payload, idempotencyKey: "ticket.message.\(ticketId).\(at)")
        } else if let userId: Int64 = row["userId"] {
            payload["userId"] = String(userId)
            payload["link"] = "/requests/\(ticketId)"
            try Outbox.publish(db, topic: "ticket.reply", payload: payload, idempotencyKey: "ticket.reply.\(ticketId).\(at)")
        }
    }

    public func tickets(counterparties: Set<Int64>?, assignedTo: Int64? = nil, openOnly: Bool = false, limit: Int = 200) async throws -> [TicketSummary] {
        try await read { db in
            var conditions: [String] = []
            var arguments: [String: (any DatabaseValueConvertible)?] = ["limit": limit]
            if let counterparties {
                conditions.append("t.counterpartyId IN (SELECT value FROM json_each(:allowed))")
                arguments["allowed"] = "[" + counterparties.map(String.init).joined(separator: ",") + "]"
            }
            if let assignedTo {
                conditions.append("t.assignedTo = :assignee")
                arguments["assignee"] = assignedTo
            }
            if openOnly { conditions.append("t.status IN ('open', 'in_progress')") }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT t.*, c.name AS counterparty, o.number AS orderNumber, u.fullName AS author, a.fullName AS assignee
                    FROM ticket t JOIN counterparty c ON c.id = t.counterpartyId LEFT JOIN customerOrder o ON o.id = t.orderId
                    LEFT JOIN user u ON u.id = t.userId LEFT JOIN user a ON a.id = t.assignedTo
                    \(whereClause) ORDER BY t.updatedAt DESC, t.id DESC LIMIT :limit
                    """,
                arguments: StatementArguments(arguments)
            ).map(Self.ticketSummary)
        }
    }

    static func ticketSummary(_ row: Row) -> TicketSummary {
        TicketSummary(
            id: row["id"], kind: row["kind"], subject: row["subject"], status: row["status"], counterpartyId: row["counterpartyId"],
            counterparty: row["counterparty"], orderId: row["orderId"], orderNumber: row["orderNumber"], author: row["author"],
            assignee: row["assignee"], createdAt: row["createdAt"], updatedAt: row["updatedAt"])
    }

    public func ticket(id: Int64) async throws -> TicketDetail? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT t.*, c.name AS counterparty, o.number AS orderNumber, u.fullName AS author, a.fullName AS assignee
                    FROM ticket t JOIN counterparty c ON c.id = t.counterpartyId LEFT JOIN customerOrder o ON o.id = t.orderId
                    LEFT JOIN user u ON u.id = t.userId LEFT JOIN user a ON a.id = t.assignedTo WHERE t.id = ?
                    """,
                arguments: [id])
            else { return nil }
            let files = try Row.fetchAll(
                db,
                sql: "SELECT ta.ticketMessageId, f.id, f.fileName FROM ticketAttachment ta JOIN file f ON f.id = ta.fileId JOIN ticketMessage m ON m.id = ta.ticketMessageId WHERE m.ticketId = ?",
                arguments: [id])
            let messages = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.id, m.body, m.at, u.fullName, u.email,
                        EXISTS (SELECT 1 FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = m.userId AND r.code IN ('admin', 'executive', 'manager', 'assistant')) AS staff
                    FROM ticketMessage m LEFT JOIN user u ON u.id = m.userId WHERE m.ticketId = ? ORDER BY m.at, m.id
                    """,
                arguments: [id]
            ).map { message in
                let messageId: Int64 = message["id"]
                let name: String? = message["fullName"]
                return TicketDetail.Message(
                    author: (name?.isEmpty ?? true) ? message["email"] : name, authorIsStaff: message["staff"] == 1, body: message["body"], at: message["at"],
                    files: files.filter { $0["ticketMessageId"] == messageId }.map { (id: $0["id"] as Int64, name: $0["fileName"] as String) })
            }
            var returnLines: [TicketDetail.ReturnLine] = []
            var reason: String?
            var details: [String: String] = [:]
            if let payload: String = row["payload"], let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] {
                reason = object["reason"] as? String
                for (key, value) in object { if let text = value as? String { details[key] = text } }
                for line in object["lines"] as? [[String: Any]] ?? [] {
                    guard let lineId = (line["orderLineId"] as? NSNumber)?.int64Value, let qty = (line["qtyMilli"] as? NSNumber)?.int64Value,
                        let orderLine = try Row.fetchOne(
                            db, sql: "SELECT l.sku, l.name, u.name AS unit FROM orderLine l JOIN unit u ON u.id = l.unitId WHERE l.id = ?", arguments: [lineId])
                    else { continue }
                    returnLines.append(.init(sku: orderLine["sku"], name: orderLine["name"], qtyMilli: qty, unit: orderLine["unit"]))
                }
            }
            return TicketDetail(summary: Self.ticketSummary(row), messages: messages, returnLines: returnLines, reason: reason, details: details)
        }
    }

    /// A reply in a ticket's thread; a staff reply marks it answered, a buyer's reopens it.
    public func replyToTicket(id: Int64, userId: Int64, body: String, fromStaff: Bool, attachments: [TicketForm.Attachment] = [], now: Date = Date()) async throws {
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError(field: "body", code: "field.required", message: "This field is required.") }
        guard trimmed.count <= 20_000 else { throw ValidationError(field: "body", code: "field.too_long", message: "This is too long.") }
        guard attachments.count <= TicketForm.maxAttachments, !attachments.contains(where: { $0.data.count > TicketForm.maxAttachmentBytes }) else {
            throw ValidationError(field: "files", code: "ticket.files_too_large", message: "Attach up to 5 files of up to 10 MB each.")
        }
        try await write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM ticket WHERE id = ?", arguments: [id]) else {
                throw DomainError(.notFound, code: "ticket.not_found", message: "The request was not found.")
            }
            guard !["closed", "rejected"].contains(status) || fromStaff else {
                throw DomainError(.conflict, code: "ticket.closed", message: "This request is closed; file a new one.")
            }
            let at = Self.stamp(now)
            try Self.addMessage(db, ticketId: id, userId: userId, body: trimmed, attachments: attachments, at: at)
            try db.execute(
                sql: "UPDATE ticket SET status = ?, updatedAt = ? WHERE id = ?", arguments: [fromStaff ? "answered" : "open", at, id])
            try Self.enqueueTicketNotice(db, ticketId: id, topic: "ticket.message", toStaff: !fromStaff, at: at)
        }
    }

    public func setTicketStatus(id: Int64, status: String, actor: Int64, now: Date = Date()) async throws {
        guard ["open", "in_progress", "answered", "closed", "rejected"].contains(status) else {
            throw ValidationError(field: "status", code: "ticket.bad_status", message: "Choose a status.")
        }
        try await write { db in
            try db.execute(sql: "UPDATE ticket SET status = ?, updatedAt = ? WHERE id = ?", arguments: [status, Self.stamp(now), id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "ticket.not_found", message: "The request was not found.") }
            try Self.audit(db, actor: actor, action: "ticket.status", objectType: "ticket", objectId: String(id), details: ["status": status])
        }
    }

    /// The file of a ticket's attachment, when it belongs to that ticket.
    public func ticketFile(ticketId: Int64, fileId: Int64) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM ticketAttachment ta JOIN ticketMessage m ON m.id = ta.ticketMessageId WHERE m.ticketId = ? AND ta.fileId = ?",
                arguments: [ticketId, fileId]) == true
        }
    }
}
