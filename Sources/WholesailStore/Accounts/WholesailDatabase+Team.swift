import Foundation
import GRDB
import WholesailCore

/// A staff member who serves assigned customers (a manager or an assistant), as the executive's
/// pages list them.
public struct StaffMember: Sendable, Equatable {
    public var id: Int64
    public var fullName: String
    public var email: String
    public var phone: String?
    public var roles: [String]
    public var active: Bool
}

/// Who serves a company: its own manager and assistant, and those serving it through its holding.
public struct CompanyAssignment: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var userId: Int64
        public var name: String
        public var role: String
        /// The holding the assignment is made for; nil for one made for the company itself.
        public var holding: String?
    }

    public var entries: [Entry]
    public var manager: Entry? { entries.first { $0.role == "manager" && $0.holding == nil } }
    public var assistant: Entry? { entries.first { $0.role == "assistant" && $0.holding == nil } }
}

/// One staff member's figures over a period, for the executive's dashboard.
public struct ManagerFigures: Sendable, Equatable {
    public var member: StaffMember
    /// Companies served now (directly or through a holding).
    public var customers: Int
    /// Orders of those companies placed in the period, cancelled ones left out.
    public var orders: Int
    public var cancelled: Int
    /// Order amounts by currency (minor units).
    public var amounts: [String: Int64]
    /// Requests assigned to the member and filed in the period; of those, answered by staff.
    public var requests: Int
    public var answered: Int
    /// Median and mean time from a request to the first staff reply, in seconds (nil: none answered).
    public var medianResponse: TimeInterval?
    public var meanResponse: TimeInterval?
}

/// The executive's dashboard: figures per staff member and for the whole portal.
public struct TeamFigures: Sendable, Equatable {
    public var members: [ManagerFigures]
    /// Companies nobody serves (neither directly nor through a holding).
    public var unassignedCustomers: Int
    /// All orders in the period (cancelled left out), and their amounts by currency.
    public var orders: Int
    public var amounts: [String: Int64]
}

extension WholesailDatabase {
    /// The companies each staff member serves: assigned directly or through their holding.
    static let servedCompaniesSQL = """
        SELECT m.userId, m.counterpartyId AS counterpartyId FROM managerAssignment m WHERE m.counterpartyId IS NOT NULL
        UNION SELECT m.userId, c.id FROM managerAssignment m JOIN counterparty c ON c.holdingId = m.holdingId
        """

    /// Staff who serve assigned customers: holders of `customers.serve` without
    /// `customers.serve_all` (managers, assistants, custom roles), and anyone with an assignment.
    public func staffMembers(includeDisabled: Bool = false) async throws -> [StaffMember] {
        try await read { db in try Self.staffMembers(db, includeDisabled: includeDisabled) }
    }

    static func staffMembers(_ db: Database, includeDisabled: Bool) throws -> [StaffMember] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT u.id, u.fullName, u.email, u.phone, u.status,
                    (SELECT group_concat(r.code) FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = u.id) AS roles
                FROM user u
                WHERE (\(includeDisabled ? "1" : "u.status = 'active'"))
                  AND (EXISTS (SELECT 1 FROM managerAssignment m WHERE m.userId = u.id)
                    OR (EXISTS (SELECT 1 FROM userRole ur JOIN role r ON r.id = ur.roleId AND r.isStaff = 1
                            JOIN rolePermission rp ON rp.roleId = ur.roleId AND rp.permissionCode = 'customers.serve' WHERE ur.userId = u.id)
                        AND NOT EXISTS (SELECT 1 FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId
                            AND rp.permissionCode = 'customers.serve_all' WHERE ur.userId = u.id)))
                ORDER BY u.fullName, u.email
                """
        ).map { row in
            StaffMember(
                id: row["id"], fullName: row["fullName"], email: row["email"], phone: row["phone"],
                roles: ((row["roles"] as String?) ?? "").split(separator: ",").map(String.init).sorted(), active: (row["status"] as String) == "active")
        }
    }

    /// Who serves a company, directly and through its holding.
    public func companyAssignment(counterpartyId: Int64) async throws -> CompanyAssignment {
        try await read { db in
            let entries = try Row.fetchAll(
                db,
                sql: """
                    SELECT m.userId, u.fullName, u.email, m.role, h.name AS holding
                    FROM managerAssignment m JOIN user u ON u.id = m.userId LEFT JOIN holding h ON h.id = m.holdingId
                    WHERE m.counterpartyId = :company OR m.holdingId = (SELECT holdingId FROM counterparty WHERE id = :company)
                    ORDER BY m.holdingId IS NOT NULL, m.role = 'assistant', m.id
                    """,
                arguments: ["company": counterpartyId]
            ).map { row in
                let name: String = row["fullName"]
                return CompanyAssignment.Entry(
                    userId: row["userId"], name: name.isEmpty ? row["email"] : name, role: row["role"], holding: row["holding"])
            }
            return CompanyAssignment(entries: entries)
        }
    }

    /// Sets the company's own manager and assistant (nil: none), replacing its direct
    /// assignments of those roles; holding assignments stay. Each newly assigned person gets an
    /// e-mail (`customer.assigned`). One transaction; audited with the before and after.
    public func assignCustomer(counterpartyId: Int64, managerId: Int64?, assistantId: Int64?, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            let company = try Self.counterpartyName(db, id: counterpartyId)
            let eligible = Set(try Self.staffMembers(db, includeDisabled: false).map(\.id))
            var fields: [String: ValidationError.FieldIssue] = [:]
            if let managerId, !eligible.contains(managerId) {
                fields["manager"] = .init(code: "team.not_staff", message: "Choose an active manager or assistant.")
            }
            if let assistantId, !eligible.contains(assistantId) {
                fields["assistant"] = .init(code: "team.not_staff", message: "Choose an active manager or assistant.")
            }
            if !fields.isEmpty { throw ValidationError(fields: fields) }
            var before: [String: String] = [:]
            var changed: [(userId: Int64, role: String)] = []
            for (role, chosen) in [("manager", managerId), ("assistant", assistantId)] {
                let current = try Int64.fetchAll(
                    db, sql: "SELECT userId FROM managerAssignment WHERE counterpartyId = ? AND role = ? ORDER BY id", arguments: [counterpartyId, role])
                before[role] = current.map(String.init).joined(separator: ",")
                if current == (chosen.map { [$0] } ?? []) { continue }
                try db.execute(sql: "DELETE FROM managerAssignment WHERE counterpartyId = ? AND role = ?", arguments: [counterpartyId, role])
                if let chosen {
                    try db.execute(
                        sql: "INSERT INTO managerAssignment (userId, counterpartyId, role) VALUES (?, ?, ?)", arguments: [chosen, counterpartyId, role])
                    changed.append((chosen, role))
                }
            }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "customer.assign", objectType: "counterparty", objectId: String(counterpartyId),
                details: [
                    "managerBefore": before["manager"] ?? "", "assistantBefore": before["assistant"] ?? "",
                    "manager": managerId.map(String.init) ?? "", "assistant": assistantId.map(String.init) ?? "",
                ], now: now)
            let auditId = db.lastInsertedRowID
            for change in changed {
                try Outbox.publish(
                    db, topic: "customer.assigned",
                    payload: [
                        "userId": String(change.userId), "company": company, "companies": "1", "role": change.role,
                        "link": "/staff/companies/\(counterpartyId)",
                    ],
                    idempotencyKey: "customer.assigned.\(auditId).\(change.userId)", now: now)
            }
        }
    }

    /// Moves every customer (companies and holdings) of one staff member to another, e.g. when a
    /// manager leaves; assignments the receiver already has are kept once. The receiver gets one
    /// e-mail. One transaction; audited. Returns how many assignments moved.
    @discardableResult
    public func moveCustomers(from: Int64, to: Int64, actor: Principal, now: Date = Date()) async throws -> Int {
        try await write { db in
            let eligible = Set(try Self.staffMembers(db, includeDisabled: true).map(\.id))
            let active = Set(try Self.staffMembers(db, includeDisabled: false).map(\.id))
            var fields: [String: ValidationError.FieldIssue] = [:]
            if !eligible.contains(from) { fields["from"] = .init(code: "team.not_staff", message: "Choose an active manager or assistant.") }
            if !active.contains(to) { fields["to"] = .init(code: "team.not_staff", message: "Choose an active manager or assistant.") }
            if from == to { fields["to"] = .init(code: "team.same_person", message: "Choose another person to take the customers over.") }
            if !fields.isEmpty { throw ValidationError(fields: fields) }
            // An assignment the receiver already holds is dropped rather than doubled.
            try db.execute(
                sql: """
                    DELETE FROM managerAssignment WHERE userId = :from AND EXISTS (
                        SELECT 1 FROM managerAssignment o WHERE o.userId = :to AND o.role = managerAssignment.role
                          AND o.counterpartyId IS managerAssignment.counterpartyId AND o.holdingId IS managerAssignment.holdingId)
                    """,
                arguments: ["from": from, "to": to])
            let dropped = db.changesCount
            try db.execute(sql: "UPDATE managerAssignment SET userId = ? WHERE userId = ?", arguments: [to, from])
            let moved = db.changesCount + dropped
            guard moved > 0 else { return 0 }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "customer.move", objectType: "user", objectId: String(from),
                details: ["to": String(to), "assignments": String(moved)], now: now)
            let auditId = db.lastInsertedRowID
            let companies = try Int.fetchOne(
                db, sql: "SELECT count(DISTINCT counterpartyId) FROM (\(Self.servedCompaniesSQL)) WHERE userId = ?", arguments: [to]) ?? 0
            try Outbox.publish(
                db, topic: "customer.assigned",
                payload: ["userId": String(to), "companies": String(companies), "role": "manager", "link": "/staff"],
                idempotencyKey: "customer.assigned.\(auditId).\(to)", now: now)
            return moved
        }
    }

    /// The companies a staff member serves (for the executive's filter of the home page).
    public func servedCompanyIds(userId: Int64) async throws -> Set<Int64> {
        try await read { db in
            try Set(Int64.fetchAll(db, sql: "SELECT counterpartyId FROM (\(Self.servedCompaniesSQL)) WHERE userId = ?", arguments: [userId]))
        }
    }

    /// Figures per staff member for orders placed and requests filed from `from` to `to`
    /// (inclusive days, `YYYY-MM-DD`): customers served now, orders and amounts of those
    /// customers, requests assigned and the time to the first staff reply.
    public func teamFigures(from: String, to: String) async throws -> TeamFigures {
        let end = Self.dayAfter(to)
        return try await read { db in
            let members = try Self.staffMembers(db, includeDisabled: false)
            let notCancelled = "st.code <> 'cancelled'"
            var customers: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT userId, count(DISTINCT counterpartyId) AS n FROM (\(Self.servedCompaniesSQL)) GROUP BY userId") {
                customers[row["userId"]] = row["n"]
            }
            var orders: [Int64: (count: Int, cancelled: Int, amounts: [String: Int64])] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.userId, o.currency, sum(\(notCancelled)) AS n, sum(NOT (\(notCancelled))) AS cancelled,
                        sum(CASE WHEN \(notCancelled) THEN o.totalMinor ELSE 0 END) AS amount
                    FROM (\(Self.servedCompaniesSQL)) s JOIN customerOrder o ON o.counterpartyId = s.counterpartyId
                    JOIN orderStatus st ON st.id = o.statusId
                    WHERE o.placedAt >= ? AND o.placedAt < ? GROUP BY s.userId, o.currency
                    """,
                arguments: [from, end])
            {
                let userId: Int64 = row["userId"]
                var entry = orders[userId] ?? (0, 0, [:])
                entry.count += row["n"] as Int
                entry.cancelled += row["cancelled"] as Int
                let amount: Int64 = row["amount"]
                if amount != 0 || (row["n"] as Int) > 0 { entry.amounts[row["currency"], default: 0] += amount }
                orders[userId] = entry
            }
            // Each request of the period with the whole seconds to its first reply by staff (nil: none yet).
            var responses: [Int64: [TimeInterval?]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT t.assignedTo AS userId,
                        (SELECT round((julianday(min(m.at)) - julianday(t.createdAt)) * 86400.0) FROM ticketMessage m
                         WHERE m.ticketId = t.id AND m.at >= t.createdAt AND EXISTS (
                            SELECT 1 FROM userRole ur JOIN role r ON r.id = ur.roleId AND r.isStaff = 1 WHERE ur.userId = m.userId)) AS seconds
                    FROM ticket t WHERE t.assignedTo IS NOT NULL AND t.createdAt >= ? AND t.createdAt < ?
                    """,
                arguments: [from, end])
            {
                responses[row["userId"], default: []].append(row["seconds"] as Double?)
            }
            let figures = members.map { member -> ManagerFigures in
                let answered = (responses[member.id] ?? []).compactMap { $0 }.sorted()
                let median: TimeInterval? = answered.isEmpty
                    ? nil : answered.count % 2 == 1 ? answered[answered.count / 2] : (answered[answered.count / 2 - 1] + answered[answered.count / 2]) / 2
                return ManagerFigures(
                    member: member, customers: customers[member.id] ?? 0, orders: orders[member.id]?.count ?? 0,
                    cancelled: orders[member.id]?.cancelled ?? 0, amounts: orders[member.id]?.amounts ?? [:],
                    requests: responses[member.id]?.count ?? 0, answered: answered.count, medianResponse: median,
                    meanResponse: answered.isEmpty ? nil : answered.reduce(0, +) / Double(answered.count))
            }
            let unassigned = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM counterparty WHERE id NOT IN (SELECT counterpartyId FROM (\(Self.servedCompaniesSQL)))") ?? 0
            var total = 0
            var amounts: [String: Int64] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT o.currency, count(*) AS n, sum(o.totalMinor) AS amount FROM customerOrder o JOIN orderStatus st ON st.id = o.statusId
                    WHERE o.placedAt >= ? AND o.placedAt < ? AND \(notCancelled) GROUP BY o.currency
                    """,
                arguments: [from, end])
            {
                total += row["n"] as Int
                amounts[row["currency"]] = row["amount"]
            }
            return TeamFigures(members: figures, unassignedCustomers: unassigned, orders: total, amounts: amounts)
        }
    }

    /// The day after a `YYYY-MM-DD` date (the end of an inclusive period, for `<` comparisons).
    static func dayAfter(_ day: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            let next = calendar.date(byAdding: .day, value: 1, to: date)
        else { return day + "~" }
        let c = calendar.dateComponents([.year, .month, .day], from: next)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
