import Foundation
import GRDB
import WholesailCore

/// A request to change a legal entity's data, with the official document that proves it.
public struct ChangeRequest: Sendable, Equatable {
    public var id: Int64
    public var counterpartyId: Int64
    public var counterpartyName: String
    public var requestedBy: String
    public var changes: [String: String]
    public var fileName: String
    public var status: String
    public var createdAt: String
}

public enum ChangeRequestRules {
    /// The counterparty fields a buyer admin may ask to change.
    public static let fields = ["name", "fullName", "kpp", "legalAddress"]
    /// Document kinds accepted as proof, recognized from the bytes: XLS/DOC (OLE2), XLSX, DOCX,
    /// PDF, JPEG, PNG, BMP.
    public static let acceptedKinds: Set<ContentSniffer.Kind> = [.ole2, .xlsx, .docx, .pdf, .jpeg, .png, .bmp]
    public static let maxFileBytes = 10 * 1024 * 1024
}

extension WholesailDatabase {
    /// Stores a change request with its document: the fields are checked, the document's type is
    /// recognized from its content (never its name) and must be one of the accepted kinds.
    /// One transaction; managers are notified through the outbox; audited.
    @discardableResult
    public func submitChangeRequest(
        counterpartyId: Int64, actor: Principal, changes rawChanges: [String: String], fileName: String, file: Data, now: Date = Date()
    ) async throws -> Int64 {
        var changes: [String: String] = [:]
        for field in ChangeRequestRules.fields {
            if let value = rawChanges[field]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { changes[field] = value }
        }
        var issues: [String: ValidationError.FieldIssue] = [:]
        if changes.isEmpty { issues["changes"] = .init(code: "change_request.empty", message: "Fill in at least one field to change.") }
        for (field, value) in changes where value.count > 500 { issues[field] = .init(code: "field.too_long", message: "This is too long.") }
        if let kpp = changes["kpp"], kpp.count != 9 || !kpp.allSatisfy({ $0.isASCII && $0.isNumber }) {
            issues["kpp"] = .init(code: "change_request.bad_kpp", message: "A KPP has 9 digits.")
        }
        if file.isEmpty {
            issues["document"] = .init(code: "change_request.document_required", message: "Attach the official document that confirms the change.")
        } else if file.count > ChangeRequestRules.maxFileBytes {
            issues["document"] = .init(code: "upload.too_large", message: "The file is too large.")
        } else if !ChangeRequestRules.acceptedKinds.contains(ContentSniffer.sniff(file.prefix(4096))) {
            issues["document"] = .init(
                code: "change_request.bad_document", message: "The document must be a PDF, Word, Excel, JPEG, PNG or BMP file.")
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        let changesJSON = String(decoding: try JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys]), as: UTF8.self)
        let safeName = String(fileName.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "\\", with: "_").prefix(200))
        return try await write { db in
            let sha = try Self.storeBlob(db, file)
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, kind, createdAt) VALUES (?, ?, 'document', ?)",
                arguments: [sha, safeName.isEmpty ? "document" : safeName, Self.stamp(now)])
            let fileId = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO counterpartyChangeRequest (counterpartyId, requestedBy, changes, fileId, createdAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [counterpartyId, actor.userId, changesJSON, fileId, Self.stamp(now)])
            let id = db.lastInsertedRowID
            try Outbox.publish(
                db, topic: "counterparty.change_requested", payload: ["counterparty": String(counterpartyId), "request": String(id)],
                idempotencyKey: "counterparty.change_requested.\(id)", now: now)
            try Self.audit(
                db, actor: actor.impersonatorId ?? actor.userId, actingAs: actor.impersonatorId == nil ? nil : actor.userId,
                action: "counterparty.change_request", objectType: "counterparty", objectId: String(counterpartyId), now: now)
            return id
        }
    }

    /// Pending change requests of the given companies (nil: all).
    public func changeRequests(counterparties: Set<Int64>?) async throws -> [ChangeRequest] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.counterpartyId, c.name AS counterpartyName, u.email AS requestedBy, r.changes, f.fileName, r.status, r.createdAt
                    FROM counterpartyChangeRequest r JOIN counterparty c ON c.id = r.counterpartyId JOIN user u ON u.id = r.requestedBy
                    JOIN file f ON f.id = r.fileId WHERE r.status = 'pending' ORDER BY r.createdAt, r.id
                    """
            ).compactMap { row -> ChangeRequest? in
                let counterpartyId: Int64 = row["counterpartyId"]
                if let counterparties, !counterparties.contains(counterpartyId) { return nil }
                let changes = (try? JSONSerialization.jsonObject(with: Data((row["changes"] as String).utf8))) as? [String: String] ?? [:]
                return ChangeRequest(
                    id: row["id"], counterpartyId: counterpartyId, counterpartyName: row["counterpartyName"], requestedBy: row["requestedBy"],
                    changes: changes, fileName: row["fileName"], status: row["status"], createdAt: row["createdAt"])
            }
        }
    }

    /// The attached document of a change request: its blob key, name and type.
    public func changeRequestDocument(id: Int64) async throws -> (sha256: String, fileName: String)? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT f.blobSha256, f.fileName FROM counterpartyChangeRequest r JOIN file f ON f.id = r.fileId WHERE r.id = ?",
                arguments: [id]
            ).map { ($0["blobSha256"], $0["fileName"]) }
        }
    }

    /// Approves (applying the changes to the counterparty) or declines a pending request.
    public func decideChangeRequest(id: Int64, approve: Bool, comment: String, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT counterpartyId, changes, requestedBy FROM counterpartyChangeRequest WHERE id = ? AND status = 'pending'", arguments: [id])
            else { throw DomainError(.conflict, code: "change_request.not_pending", message: "This request was already handled.") }
            let counterpartyId: Int64 = row["counterpartyId"]
            if approve {
                let changes = (try? JSONSerialization.jsonObject(with: Data((row["changes"] as String).utf8))) as? [String: String] ?? [:]
                for (field, value) in changes where ChangeRequestRules.fields.contains(field) {
                    try db.execute(sql: "UPDATE counterparty SET \(field) = ? WHERE id = ?", arguments: [value, counterpartyId])
                }
            }
            let at = Self.stamp(now)
            try db.execute(
                sql: "UPDATE counterpartyChangeRequest SET status = ?, decidedBy = ?, decidedAt = ?, comment = ? WHERE id = ?",
                arguments: [approve ? "approved" : "declined", actor.userId, at, String(comment.prefix(1000)), id])
            let email = try String.fetchOne(db, sql: "SELECT email FROM user WHERE id = ?", arguments: [row["requestedBy"] as Int64]) ?? ""
            try Outbox.publish(
                db, topic: approve ? "counterparty.change_approved" : "counterparty.change_declined",
                payload: ["to": email, "comment": comment], idempotencyKey: "counterparty.change_decided.\(id)", now: now)
            try Self.audit(
                db, actor: actor.userId, action: approve ? "counterparty.change_approve" : "counterparty.change_decline",
                objectType: "counterparty", objectId: String(counterpartyId), now: now)
        }
    }
}
