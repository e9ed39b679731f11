import Foundation
import GRDB
import WholesailCore

/// A served company as the manager's home page lists it.
public struct ServedCompany: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var inn: String?
    public var holding: String?
    public var balanceMinor: Int64
    public var creditLimitMinor: Int64
    public var currency: String
    public var blocked: Bool
    public var lastOrderId: Int64?
    public var lastOrderNumber: String?
    public var lastOrderAt: String?
    public var activeOrders: Int
    public var openRequests: Int
    public var users: Int
}

extension WholesailDatabase {
    /// The condition and arguments selecting served companies: `ids` (nil: all) and a search in
    /// the name, the holding's name or the tax id.
    static func servedCompanyFilter(ids: Set<Int64>?, search: String) -> (sql: String, arguments: [String: (any DatabaseValueConvertible)?]) {
        var conditions: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        if let ids {
            conditions.append("c.id IN (SELECT value FROM json_each(:ids))")
            arguments["ids"] = "[" + ids.map(String.init).joined(separator: ",") + "]"
        }
        let needle = search.trimmingCharacters(in: .whitespaces).lowercased()
        if !needle.isEmpty {
            let escaped = needle.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            conditions.append(
                "(swiftLowercaseString(c.name) LIKE :search ESCAPE '\\' OR swiftLowercaseString(h.name) LIKE :search ESCAPE '\\' OR c.inn LIKE :innPrefix ESCAPE '\\')")
            arguments["search"] = "%" + escaped + "%"
            arguments["innPrefix"] = escaped + "%"
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// How many companies `servedCompanies` would list without paging.
    public func servedCompanyCount(ids: Set<Int64>?, search: String = "") async throws -> Int {
        try await read { db in
            let filter = Self.servedCompanyFilter(ids: ids, search: search)
            return try Int.fetchOne(
                db, sql: "SELECT count(*) FROM counterparty c LEFT JOIN holding h ON h.id = c.holdingId \(filter.sql)",
                arguments: StatementArguments(filter.arguments)) ?? 0
        }
    }

    /// The companies a manager serves (all for nil), optionally searched (name, holding, tax id),
    /// with debt, last order, active orders and open requests, in one query; a page of them.
    public func servedCompanies(ids: Set<Int64>?, search: String = "", limit: Int = 500, offset: Int = 0) async throws -> [ServedCompany] {
        try await read { db in
            let filter = Self.servedCompanyFilter(ids: ids, search: search)
            var arguments = filter.arguments
            arguments["limit"] = limit
            arguments["offset"] = offset
            let whereClause = filter.sql
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name, c.inn, c.creditLimitMinor, c.currency, c.blocked, h.name AS holding,
                        (SELECT coalesce(sum(amountMinor), 0) FROM settlement s WHERE s.counterpartyId = c.id) AS balance,
                        (SELECT o.id FROM customerOrder o WHERE o.counterpartyId = c.id ORDER BY o.placedAt DESC, o.id DESC LIMIT 1) AS lastId,
                        (SELECT o.number FROM customerOrder o WHERE o.counterpartyId = c.id ORDER BY o.placedAt DESC, o.id DESC LIMIT 1) AS lastNumber,
                        (SELECT o.placedAt FROM customerOrder o WHERE o.counterpartyId = c.id ORDER BY o.placedAt DESC, o.id DESC LIMIT 1) AS lastAt,
                        (SELECT count(*) FROM customerOrder o JOIN orderStatus st ON st.id = o.statusId WHERE o.counterpartyId = c.id AND st.isActive = 1) AS active,
                        (SELECT count(*) FROM ticket t WHERE t.counterpartyId = c.id AND t.status IN ('open', 'in_progress')) AS requests,
                        (SELECT count(*) FROM userCounterparty uc WHERE uc.counterpartyId = c.id) AS users
                    FROM counterparty c LEFT JOIN holding h ON h.id = c.holdingId \(whereClause)
                    ORDER BY h.name IS NULL, h.name, c.name LIMIT :limit OFFSET :offset
                    """,
                arguments: StatementArguments(arguments)
            ).map {
                ServedCompany(
                    id: $0["id"], name: $0["name"], inn: $0["inn"], holding: $0["holding"], balanceMinor: $0["balance"], creditLimitMinor: $0["creditLimitMinor"],
                    currency: $0["currency"], blocked: $0["blocked"] == 1, lastOrderId: $0["lastId"], lastOrderNumber: $0["lastNumber"], lastOrderAt: $0["lastAt"],
                    activeOrders: $0["active"], openRequests: $0["requests"], users: $0["users"])
            }
        }
    }
}
