import Foundation
import GRDB
import WholesailCore

/// A staff member a buyer may contact: the company's manager or assistant.
public struct StaffContact: Sendable, Equatable {
    public var userId: Int64
    public var role: String
    public var name: String
    public var phone: String?
    public var email: String
}

extension WholesailDatabase {
    /// The company's personal manager and assistant (active staff), an assignment to the company
    /// itself before one to its holding; at most one of each role.
    public func personalManagers(counterpartyId: Int64) async throws -> [StaffContact] {
        try await read { db in try Self.personalManagers(db, counterpartyId: counterpartyId) }
    }

    static func personalManagers(_ db: Database, counterpartyId: Int64) throws -> [StaffContact] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT m.userId, m.role, u.fullName, u.phone, u.email FROM managerAssignment m JOIN user u ON u.id = m.userId AND u.status = 'active'
                WHERE m.counterpartyId = :company OR m.holdingId = (SELECT holdingId FROM counterparty WHERE id = :company)
                ORDER BY m.role = 'assistant', m.counterpartyId IS NULL, m.id
                """,
            arguments: ["company": counterpartyId])
        var contacts: [StaffContact] = []
        for row in rows where !contacts.contains(where: { $0.role == row["role"] as String }) {
            let name: String = row["fullName"]
            contacts.append(
                StaffContact(userId: row["userId"], role: row["role"], name: name.isEmpty ? row["email"] : name, phone: row["phone"], email: row["email"]))
        }
        return contacts
    }

    /// A buyer's question to their personal manager ("Ask a question"): kept as a request
    /// (ticket) assigned to the assistant (else the manager), whom it reaches by e-mail with the
    /// buyer's name and the question (`question.asked`); with nobody assigned, it goes to the
    /// staff who handle requests (`ticket.message`). One transaction. Returns the ticket id.
    @discardableResult
    public func askPersonalManager(counterpartyId: Int64, userId: Int64, question: String, now: Date = Date()) async throws -> Int64 {
        let text = question.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationError(field: "question", code: "field.required", message: "This field is required.") }
        guard text.count <= 5000 else { throw ValidationError(field: "question", code: "field.too_long", message: "This is too long.") }
        return try await write { db in
            let contacts = try Self.personalManagers(db, counterpartyId: counterpartyId)
            let assignee = contacts.first { $0.role == "assistant" } ?? contacts.first
            let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            let subject = firstLine.count > 80 ? String(firstLine.prefix(79)) + "…" : firstLine
            let at = Self.stamp(now)
            try db.execute(
                sql: "INSERT INTO ticket (kind, counterpartyId, userId, subject, assignedTo, createdAt, updatedAt) VALUES ('message', ?, ?, ?, ?, ?, ?)",
                arguments: [counterpartyId, userId, subject, assignee?.userId, at, at])
            let ticketId = db.lastInsertedRowID
            try Self.addMessage(db, ticketId: ticketId, userId: userId, body: text, attachments: [], at: at)
            if let assignee {
                let asker = try Row.fetchOne(db, sql: "SELECT fullName, email FROM user WHERE id = ?", arguments: [userId])
                let askerName: String = asker?["fullName"] ?? ""
                try Outbox.publish(
                    db, topic: "question.asked",
                    payload: [
                        "userId": String(assignee.userId), "author": askerName.isEmpty ? (asker?["email"] ?? "") : askerName,
                        "company": try Self.counterpartyName(db, id: counterpartyId), "text": String(text.prefix(2000)), "subject": subject,
                        "counterpartyId": String(counterpartyId), "link": "/staff/requests/\(ticketId)",
                    ],
                    idempotencyKey: "question.asked.\(ticketId)", now: now)
            } else {
                try Self.enqueueTicketNotice(db, ticketId: ticketId, topic: "ticket.message", toStaff: true, at: at)
            }
            return ticketId
        }
    }
}
