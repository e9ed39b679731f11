import Foundation
import GRDB
import WholesailCore

/// What the audit log page asks for: every field optional, combined with AND.
public struct AuditFilter: Sendable, Equatable {
    /// An action or the start of one (`user.` lists every user action).
    public var action: String = ""
    /// Part of the actor's e-mail or name (the staff member, also when acting as a user).
    public var actor: String = ""
    /// The object: its type (`user`, `counterparty`) and, optionally, its id.
    public var objectType: String = ""
    public var objectId: String = ""
    /// Inclusive days, `YYYY-MM-DD`.
    public var from: String = ""
    public var to: String = ""
    public var page: Int = 1
    public var perPage: Int = 50

    public init() {}
}

/// One audit record as the admin reads it.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: String
    public var actor: String?
    public var actingAs: String?
    public var action: String
    public var objectType: String?
    public var objectId: String?
    public var details: String?
    public var ip: String?
}

extension WholesailDatabase {
    /// The audit log, newest first, filtered and paged; with the total for the pager.
    public func auditEntries(_ filter: AuditFilter) async throws -> (items: [AuditEntry], total: Int) {
        try await read { db in
            var conditions: [String] = []
            var arguments: [String: (any DatabaseValueConvertible)?] = [:]
            func escapeLike(_ text: String) -> String {
                text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            }
            if !filter.action.isEmpty {
                conditions.append("(a.action = :action OR a.action LIKE :actionPrefix ESCAPE '\\')")
                arguments["action"] = filter.action
                arguments["actionPrefix"] = escapeLike(filter.action) + (filter.action.hasSuffix(".") ? "%" : ".%")
            }
            if !filter.actor.isEmpty {
                conditions.append("(actor.email LIKE :actor ESCAPE '\\' OR swiftLowercaseString(actor.fullName) LIKE :actor ESCAPE '\\')")
                arguments["actor"] = "%" + escapeLike(filter.actor.lowercased()) + "%"
            }
            if !filter.objectType.isEmpty {
                conditions.append("a.objectType = :objectType")
                arguments["objectType"] = filter.objectType
            }
            if !filter.objectId.isEmpty {
                conditions.append("a.objectId = :objectId")
                arguments["objectId"] = filter.objectId
            }
            if !filter.from.isEmpty {
                conditions.append("a.at >= :from")
                arguments["from"] = filter.from
            }
            if !filter.to.isEmpty {
                conditions.append("a.at < :to")
                arguments["to"] = Self.dayAfter(filter.to)
            }
            let joins = "FROM auditLog a LEFT JOIN user actor ON actor.id = a.actorUserId LEFT JOIN user acting ON acting.id = a.actingAsUserId"
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(joins) \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
            let perPage = max(1, min(filter.perPage, 200))
            arguments["limit"] = perPage
            arguments["offset"] = (max(filter.page, 1) - 1) * perPage
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.at, a.action, a.objectType, a.objectId, a.details, a.ip, actor.email AS actorEmail, acting.email AS actingEmail
                    \(joins) \(whereClause) ORDER BY a.at DESC, a.id DESC LIMIT :limit OFFSET :offset
                    """,
                arguments: StatementArguments(arguments)
            ).map { row in
                AuditEntry(
                    id: row["id"], at: row["at"], actor: row["actorEmail"], actingAs: row["actingEmail"], action: row["action"],
                    objectType: row["objectType"], objectId: row["objectId"], details: row["details"], ip: row["ip"])
            }
            return (items, total)
        }
    }

}
