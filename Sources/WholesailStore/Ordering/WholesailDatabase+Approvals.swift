import Foundation
import GRDB
import WholesailCore

/// A rule as the company admin's page lists it.
public struct ApprovalRuleRow: Sendable, Equatable {
    public var rule: ApprovalRule
    /// Whose orders: the employee's name, or nil (a role, or everyone).
    public var userName: String?
    public var approverName: String
    public var categoryName: String?
    public var currency: String
    /// False when the approver left the company or lost `orders.approve`: the rule is skipped at
    /// checkout until the admin names another approver.
    public var approverCanApprove: Bool = true
}

/// A member of a buyer company, for the rules and budgets page.
public struct ApprovalMember: Sendable, Equatable {
    public var userId: Int64
    public var name: String
    public var email: String
    public var roles: [String]
    public var costCentre: String?
    /// Holds `orders.approve` (may be named approver).
    public var mayApprove: Bool
}

/// What the company admin's page shows.
public struct ApprovalSettings: Sendable, Equatable {
    public var rules: [ApprovalRuleRow]
    public var budgets: [BudgetState]
    public var members: [ApprovalMember]
    public var categories: [(id: Int64, name: String)]
    public var currency: String

    public static func == (lhs: ApprovalSettings, rhs: ApprovalSettings) -> Bool {
        lhs.rules == rhs.rules && lhs.budgets == rhs.budgets && lhs.members == rhs.members && lhs.categories.map(\.id) == rhs.categories.map(\.id)
    }
}

/// A new approval rule from the company admin's form.
public struct ApprovalRuleForm: Sendable, Equatable {
    /// `user:<id>`, `role:<code>` or `all`.
    public var subject: String
    public var condition: String
    /// The threshold as the admin typed it (`1000`, `1 000,50`).
    public var amount: String
    public var categoryId: Int64?
    public var approverUserId: Int64?

    public init(subject: String, condition: String, amount: String = "", categoryId: Int64? = nil, approverUserId: Int64?) {
        self.subject = subject
        self.condition = condition
        self.amount = amount
        self.categoryId = categoryId
        self.approverUserId = approverUserId
    }
}

/// A new spending budget from the company admin's form.
public struct BudgetForm: Sendable, Equatable {
    /// `user:<id>` or `centre:<name>`.
    public var subject: String
    public var period: String
    public var limit: String

    public init(subject: String, period: String, limit: String) {
        self.subject = subject
        self.period = period
        self.limit = limit
    }
}

/// One approver's decision on one order, as the queue and the order page show it.
public struct ApprovalItem: Sendable, Equatable {
    public struct Reason: Sendable, Equatable {
        public var condition: String
        /// The threshold (decimal string) of `amount_above`.
        public var amount: String?
        /// The category name of `category`.
        public var category: String?
    }

    public var id: Int64
    public var orderId: Int64
    public var orderNumber: String
    public var poNumber: String?
    public var counterpartyId: Int64
    public var company: String
    public var ordererName: String?
    public var ordererEmail: String?
    public var approverUserId: Int64
    public var approverName: String
    public var totalMinor: Int64
    public var currency: String
    public var placedAt: String
    public var reasons: [Reason]
    public var status: String
    public var decidedByName: String?
    public var decidedAt: String?
    public var comment: String?
}

/// The result of a decision: this approver's, and the order's as a whole.
public struct ApprovalDecision: Sendable, Equatable {
    public var orderId: Int64
    public var orderNumber: String
    /// `approved`, `declined` or `pending` (others still have to decide).
    public var outcome: String
}

extension WholesailDatabase {
    // MARK: The company admin's rules, budgets and cost centres

    public func approvalSettings(counterpartyId: Int64, today: String) async throws -> ApprovalSettings {
        try await read { db in
            let currency = try String.fetchOne(db, sql: "SELECT currency FROM counterparty WHERE id = ?", arguments: [counterpartyId]) ?? "RUB"
            let rules = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, u.fullName AS userName, u.email AS userEmail, a.fullName AS approverName, a.email AS approverEmail, c.name AS categoryName
                    FROM approvalRule r JOIN user a ON a.id = r.approverUserId LEFT JOIN user u ON u.id = r.userId
                    LEFT JOIN category c ON c.id = r.categoryId
                    WHERE r.counterpartyId = ? AND r.active = 1 ORDER BY r.id
                    """,
                arguments: [counterpartyId]
            ).map { row in
                let approver: Int64 = row["approverUserId"]
                return ApprovalRuleRow(
                    rule: Self.approvalRule(row), userName: (row["userId"] as Int64?).map { _ in Self.displayName(row["userName"], row["userEmail"]) },
                    approverName: Self.displayName(row["approverName"], row["approverEmail"]), categoryName: row["categoryName"], currency: currency,
                    approverCanApprove: try Self.isMember(db, userId: approver, counterpartyId: counterpartyId)
                        && Self.mayApprove(db, userId: approver, counterpartyId: counterpartyId))
            }
            let budgets = try Self.budgetStates(db, counterpartyId: counterpartyId, userId: nil, costCentre: nil, day: today, all: true)
            let members = try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.fullName, u.email, uc.costCentre, uc.deniedPermissions,
                        (SELECT group_concat(r.code, ',') FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = u.id) AS roles,
                        EXISTS (SELECT 1 FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId
                            WHERE ur.userId = u.id AND rp.permissionCode = 'orders.approve') AS mayApprove
                    FROM userCounterparty uc JOIN user u ON u.id = uc.userId
                    WHERE uc.counterpartyId = ? AND u.status = 'active' ORDER BY u.fullName, u.email
                    """,
                arguments: [counterpartyId]
            ).map { row in
                let denied = (row["deniedPermissions"] as String).split(separator: ",").map(String.init)
                return ApprovalMember(
                    userId: row["id"], name: Self.displayName(row["fullName"], row["email"]), email: row["email"],
                    roles: (row["roles"] as String? ?? "").split(separator: ",").map(String.init).sorted(), costCentre: row["costCentre"],
                    mayApprove: row["mayApprove"] == 1 && !denied.contains("orders.approve"))
            }
            let categories = try Row.fetchAll(db, sql: "SELECT id, name FROM category WHERE active = 1 ORDER BY path, sortOrder, name LIMIT 1000")
                .map { (id: $0["id"] as Int64, name: $0["name"] as String) }
            return ApprovalSettings(rules: rules, budgets: budgets, members: members, categories: categories, currency: currency)
        }
    }

    static func exists(_ db: Database, sql: String, arguments: StatementArguments) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (\(sql))", arguments: arguments) ?? false
    }

    static func displayName(_ name: String?, _ email: String?) -> String {
        if let name, !name.isEmpty { return name }
        return email ?? ""
    }

    static func approvalRule(_ row: Row) -> ApprovalRule {
        ApprovalRule(
            id: row["id"], userId: row["userId"], roleCode: row["roleCode"], condition: ApprovalRule.Condition(rawValue: row["condition"]) ?? .any,
            amountMinor: row["amountMinor"], categoryId: row["categoryId"], approverUserId: row["approverUserId"])
    }

    /// Whether a user is an active member of a company.
    static func isMember(_ db: Database, userId: Int64, counterpartyId: Int64) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM userCounterparty uc JOIN user u ON u.id = uc.userId WHERE uc.userId = ? AND uc.counterpartyId = ? AND u.status = 'active'",
            arguments: [userId, counterpartyId]) == true
    }

    /// Parses an amount typed by a person (`1000`, `1 000,50`) into minor units.
    static func parseAmount(_ text: String, currency: String) -> Int64? {
        let cleaned = text.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" }.replacingOccurrences(of: ",", with: ".")
        guard !cleaned.isEmpty, !cleaned.hasPrefix("-"), let money = Money(decimal: cleaned, currency: currency), money.minorUnits >= 0 else { return nil }
        return money.minorUnits
    }

    @discardableResult
    public func addApprovalRule(counterpartyId: Int64, _ form: ApprovalRuleForm, actor: Principal, now: Date = Date()) async throws -> Int64 {
        try await write { db in
            let currency = try String.fetchOne(db, sql: "SELECT currency FROM counterparty WHERE id = ?", arguments: [counterpartyId]) ?? "RUB"
            var fields: [String: ValidationError.FieldIssue] = [:]
            var userId: Int64?
            var roleCode: String?
            if form.subject.hasPrefix("user:") {
                userId = Int64(form.subject.dropFirst(5))
                if try userId.map({ try !Self.isMember(db, userId: $0, counterpartyId: counterpartyId) }) ?? true {
                    fields["subject"] = .init(code: "approval.user_unknown", message: "Choose one of your company's employees.")
                }
            } else if form.subject.hasPrefix("role:") {
                roleCode = String(form.subject.dropFirst(5))
                if !["buyer", "buyer_admin"].contains(roleCode!) {
                    fields["subject"] = .init(code: "approval.role_unknown", message: "Choose a role of your company's employees.")
                }
            } else if form.subject != "all" {
                fields["subject"] = .init(code: "approval.user_unknown", message: "Choose one of your company's employees.")
            }
            guard let condition = ApprovalRule.Condition(rawValue: form.condition) else {
                throw ValidationError(field: "condition", code: "approval.condition_unknown", message: "Choose when an order needs approval.")
            }
            var amountMinor: Int64?
            var categoryId: Int64?
            switch condition {
            case .amountAbove:
                amountMinor = Self.parseAmount(form.amount, currency: currency)
                if amountMinor == nil { fields["amount"] = .init(code: "approval.amount_invalid", message: "Enter an amount, such as 50000 or 1 500,50.") }
            case .category:
                categoryId = form.categoryId
                if try categoryId.map({ try !Self.exists(db, sql: "SELECT 1 FROM category WHERE id = ?", arguments: [$0]) }) ?? true {
                    fields["categoryId"] = .init(code: "approval.category_unknown", message: "Choose a category.")
                }
            case .any:
                break
            }
            let approver = form.approverUserId
            if try approver.map({ try !Self.isMember(db, userId: $0, counterpartyId: counterpartyId) }) ?? true {
                fields["approverUserId"] = .init(code: "approval.approver_unknown", message: "Choose an approver among your company's employees.")
            } else if let approver, userId == approver {
                fields["approverUserId"] = .init(code: "approval.approver_self", message: "An employee cannot approve their own orders.")
            } else if let approver, try !Self.mayApprove(db, userId: approver, counterpartyId: counterpartyId) {
                fields["approverUserId"] = .init(code: "approval.approver_not_allowed", message: "This employee may not approve orders.")
            }
            if !fields.isEmpty { throw ValidationError(fields: fields) }
            try db.execute(
                sql: """
                    INSERT INTO approvalRule (counterpartyId, userId, roleCode, condition, amountMinor, categoryId, approverUserId, createdBy, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [counterpartyId, userId, roleCode, condition.rawValue, amountMinor, categoryId, approver, actor.userId, Self.stamp(now)])
            let id = db.lastInsertedRowID
            let (auditor, actingAs) = Self.auditActor(actor)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: "approval.rule_add", objectType: "approvalRule", objectId: String(id),
                details: [
                    "counterpartyId": String(counterpartyId), "subject": form.subject, "condition": condition.rawValue,
                    "amountMinor": amountMinor.map(String.init) ?? "", "categoryId": categoryId.map(String.init) ?? "", "approverUserId": String(approver!),
                ], now: now)
            return id
        }
    }

    /// Whether a user holds `orders.approve` in a company (their roles, less what was denied there).
    static func mayApprove(_ db: Database, userId: Int64, counterpartyId: Int64) throws -> Bool {
        let holds = try Self.exists(
            db, sql: "SELECT 1 FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId WHERE ur.userId = ? AND rp.permissionCode = 'orders.approve'",
            arguments: [userId])
        let denied = try String.fetchOne(
            db, sql: "SELECT deniedPermissions FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId]) ?? ""
        return holds && !denied.split(separator: ",").contains("orders.approve")
    }

    /// Switches a rule off (kept for the history of the approvals it made). The rule must be the company's.
    public func deleteApprovalRule(id: Int64, counterpartyId: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE approvalRule SET active = 0 WHERE id = ? AND counterpartyId = ? AND active = 1", arguments: [id, counterpartyId])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            let (auditor, actingAs) = Self.auditActor(actor)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: "approval.rule_delete", objectType: "approvalRule", objectId: String(id),
                details: ["counterpartyId": String(counterpartyId)], now: now)
        }
    }

    @discardableResult
    public func addBudget(counterpartyId: Int64, _ form: BudgetForm, actor: Principal, now: Date = Date()) async throws -> Int64 {
        try await write { db in
            let currency = try String.fetchOne(db, sql: "SELECT currency FROM counterparty WHERE id = ?", arguments: [counterpartyId]) ?? "RUB"
            var fields: [String: ValidationError.FieldIssue] = [:]
            var userId: Int64?
            var centre: String?
            if form.subject.hasPrefix("user:") {
                userId = Int64(form.subject.dropFirst(5))
                if try userId.map({ try !Self.isMember(db, userId: $0, counterpartyId: counterpartyId) }) ?? true {
                    fields["subject"] = .init(code: "approval.user_unknown", message: "Choose one of your company's employees.")
                }
            } else if form.subject.hasPrefix("centre:") {
                centre = Self.costCentreName(String(form.subject.dropFirst(7)))
                if centre == nil { fields["subject"] = .init(code: "budget.centre_invalid", message: "Name the cost centre (up to 100 characters).") }
            } else {
                fields["subject"] = .init(code: "approval.user_unknown", message: "Choose one of your company's employees.")
            }
            let period = BudgetPeriod(rawValue: form.period)
            if period == nil { fields["period"] = .init(code: "budget.period_unknown", message: "Choose a month or a quarter.") }
            let limit = Self.parseAmount(form.limit, currency: currency)
            if limit == nil { fields["limit"] = .init(code: "approval.amount_invalid", message: "Enter an amount, such as 50000 or 1 500,50.") }
            if !fields.isEmpty { throw ValidationError(fields: fields) }
            // One active budget per employee or cost centre and period: a new one replaces it.
            try db.execute(
                sql: """
                    UPDATE spendingBudget SET active = 0
                    WHERE counterpartyId = ? AND active = 1 AND period = ? AND ((?3 IS NOT NULL AND userId = ?3) OR (?4 IS NOT NULL AND costCentre = ?4))
                    """,
                arguments: [counterpartyId, period!.rawValue, userId, centre])
            try db.execute(
                sql: "INSERT INTO spendingBudget (counterpartyId, userId, costCentre, period, limitMinor, currency, createdBy, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [counterpartyId, userId, centre, period!.rawValue, limit!, currency, actor.userId, Self.stamp(now)])
            let id = db.lastInsertedRowID
            let (auditor, actingAs) = Self.auditActor(actor)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: "budget.set", objectType: "spendingBudget", objectId: String(id),
                details: ["counterpartyId": String(counterpartyId), "subject": form.subject, "period": period!.rawValue, "limitMinor": String(limit!)],
                now: now)
            return id
        }
    }

    public func deleteBudget(id: Int64, counterpartyId: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE spendingBudget SET active = 0 WHERE id = ? AND counterpartyId = ? AND active = 1", arguments: [id, counterpartyId])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            let (auditor, actingAs) = Self.auditActor(actor)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: "budget.delete", objectType: "spendingBudget", objectId: String(id),
                details: ["counterpartyId": String(counterpartyId)], now: now)
        }
    }

    static func costCentreName(_ text: String) -> String? {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty || name.count > 100 ? nil : name
    }

    /// Puts an employee into a cost centre of the company (empty: none).
    public func setCostCentre(counterpartyId: Int64, userId: Int64, costCentre: String, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            let trimmed = costCentre.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= 100 else { throw ValidationError(field: "costCentre", code: "budget.centre_invalid", message: "Name the cost centre (up to 100 characters).") }
            try db.execute(
                sql: "UPDATE userCounterparty SET costCentre = ? WHERE userId = ? AND counterpartyId = ?",
                arguments: [trimmed.isEmpty ? nil : trimmed, userId, counterpartyId])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            let (auditor, actingAs) = Self.auditActor(actor)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: "budget.cost_centre", objectType: "user", objectId: String(userId),
                details: ["counterpartyId": String(counterpartyId), "costCentre": trimmed], now: now)
        }
    }

    // MARK: Budgets

    /// The budgets that bind an employee's orders for a company (their own and their cost
    /// centre's), with what is spent of them in the period containing `today`.
    public func budgetStates(counterpartyId: Int64, userId: Int64, today: String) async throws -> [BudgetState] {
        try await read { db in
            let centre = try String.fetchOne(
                db, sql: "SELECT costCentre FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId])
            return try Self.budgetStates(db, counterpartyId: counterpartyId, userId: userId, costCentre: centre, day: today, all: false)
        }
    }

    /// `all`: every active budget of the company; else those of the employee and of their cost centre.
    static func budgetStates(_ db: Database, counterpartyId: Int64, userId: Int64?, costCentre: String?, day: String, all: Bool) throws -> [BudgetState] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT b.*, u.fullName, u.email FROM spendingBudget b LEFT JOIN user u ON u.id = b.userId
                WHERE b.counterpartyId = ?1 AND b.active = 1 AND (?4 OR (?2 IS NOT NULL AND b.userId = ?2) OR (?3 IS NOT NULL AND b.costCentre = ?3))
                ORDER BY b.costCentre IS NOT NULL, b.costCentre, u.fullName, b.period
                """,
            arguments: [counterpartyId, userId, costCentre, all])
        return try rows.map { row in
            let period = BudgetPeriod(rawValue: row["period"]) ?? .month
            let (from, to) = period.bounds(containing: day)
            let spent = try Int64.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(o.totalMinor), 0) FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId
                    WHERE o.counterpartyId = ?1 AND o.placedAt >= ?2 AND o.placedAt < ?3 AND o.currency = ?4
                        AND s.code NOT IN ('cancelled', 'approval_declined')
                        AND ((?5 IS NOT NULL AND o.userId = ?5) OR (?6 IS NOT NULL AND o.costCentre = ?6))
                    """,
                arguments: [counterpartyId, from, to, row["currency"] as String, row["userId"] as Int64?, row["costCentre"] as String?]) ?? 0
            return BudgetState(
                budgetId: row["id"], userId: row["userId"], userName: (row["userId"] as Int64?).map { _ in Self.displayName(row["fullName"], row["email"]) },
                costCentre: row["costCentre"], period: period, from: from, to: to, limitMinor: row["limitMinor"], spentMinor: spent,
                currency: row["currency"])
        }
    }

    // MARK: At checkout (inside `placeOrder`'s transaction)

    /// What placing an order needs from the approval side: the cost centre it is charged to
    /// and the approvers whose rules it matches. Refuses an order that exceeds a budget — the
    /// check and the insert of the order are in the same write transaction, so two concurrent
    /// checkouts cannot both pass on the same remaining amount.
    static func checkBudgetsAndRules(
        _ db: Database, userId: Int64, counterpartyId: Int64, totalMinor: Int64, currency: String, productIds: [Int64], day: String
    ) throws -> (costCentre: String?, approvers: [(approverUserId: Int64, rules: [ApprovalRule])]) {
        let centre = try String.fetchOne(
            db, sql: "SELECT costCentre FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId])
        for budget in try budgetStates(db, counterpartyId: counterpartyId, userId: userId, costCentre: centre, day: day, all: false)
        where budget.currency == currency && !budget.allows(totalMinor) {
            throw budget.refusal(orderMinor: totalMinor)
        }
        return (centre, try matchApprovers(db, userId: userId, counterpartyId: counterpartyId, totalMinor: totalMinor, productIds: productIds))
    }

    /// The approvers (and their matched rules) an order of this employee and amount would wait for.
    static func matchApprovers(
        _ db: Database, userId: Int64, counterpartyId: Int64, totalMinor: Int64, productIds: [Int64]
    ) throws -> [(approverUserId: Int64, rules: [ApprovalRule])] {
        let rules = try Row.fetchAll(db, sql: "SELECT * FROM approvalRule WHERE counterpartyId = ? AND active = 1 ORDER BY id", arguments: [counterpartyId])
            .map(approvalRule)
        guard !rules.isEmpty else { return [] }
        let roles = Set(try String.fetchAll(db, sql: "SELECT r.code FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = ?", arguments: [userId]))
        let categories = try categoriesWithAncestors(db, productIds: productIds)
        let order = ApprovalCheck.Order(userId: userId, roles: roles, totalMinor: totalMinor, categories: categories)
        // Approvers who left the company or lost the right are skipped (the admin sees the rule flagged).
        return try ApprovalCheck.approvers(for: order, rules: rules).filter {
            try isMember(db, userId: $0.approverUserId, counterpartyId: counterpartyId) && mayApprove(db, userId: $0.approverUserId, counterpartyId: counterpartyId)
        }
    }

    /// What the cart and checkout pages tell the buyer before placing: their budgets with what
    /// is left, and who would have to approve an order of this amount and these products.
    public func checkoutPreview(
        userId: Int64, counterpartyId: Int64, totalMinor: Int64, productIds: [Int64], today: String
    ) async throws -> (budgets: [BudgetState], approvers: [String]) {
        try await read { db in
            let centre = try String.fetchOne(
                db, sql: "SELECT costCentre FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [userId, counterpartyId])
            let budgets = try Self.budgetStates(db, counterpartyId: counterpartyId, userId: userId, costCentre: centre, day: today, all: false)
            let approvers = try Self.matchApprovers(db, userId: userId, counterpartyId: counterpartyId, totalMinor: totalMinor, productIds: productIds)
            let names = try approvers.map { approver in
                let row = try Row.fetchOne(db, sql: "SELECT fullName, email FROM user WHERE id = ?", arguments: [approver.approverUserId])
                return Self.displayName(row?["fullName"], row?["email"])
            }
            return (budgets, names)
        }
    }

    static func categoriesWithAncestors(_ db: Database, productIds: [Int64]) throws -> Set<Int64> {
        guard !productIds.isEmpty else { return [] }
        return Set(
            try Int64.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE up(id) AS (
                        SELECT categoryId FROM productCategory WHERE productId IN (SELECT value FROM json_each(?))
                        UNION SELECT c.parentId FROM category c JOIN up ON c.id = up.id WHERE c.parentId IS NOT NULL
                    ) SELECT id FROM up
                    """,
                arguments: ["[" + productIds.map(String.init).joined(separator: ",") + "]"]))
    }

    /// Records the approvals an order waits for and tells each approver.
    static func requestApprovals(
        _ db: Database, orderId: Int64, number: String, counterpartyId: Int64, approvers: [(approverUserId: Int64, rules: [ApprovalRule])],
        currency: String, at: String
    ) throws {
        let orderer = try Row.fetchOne(
            db, sql: "SELECT u.fullName, u.email FROM customerOrder o JOIN user u ON u.id = o.userId WHERE o.id = ?", arguments: [orderId])
        let ordererName = displayName(orderer?["fullName"], orderer?["email"])
        for (approver, rules) in approvers {
            let reasons = try rules.map { rule -> [String: Any] in
                var reason: [String: Any] = ["rule": rule.id, "condition": rule.condition.rawValue]
                if let amount = rule.amountMinor { reason["amount"] = Money(minorUnits: amount, currency: currency).decimalString }
                if let category = rule.categoryId {
                    reason["category"] = try String.fetchOne(db, sql: "SELECT name FROM category WHERE id = ?", arguments: [category]) ?? String(category)
                }
                return reason
            }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: reasons, options: [.sortedKeys]), as: UTF8.self)
            try db.execute(
                sql: "INSERT INTO orderApproval (orderId, counterpartyId, approverUserId, reasons, createdAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [orderId, counterpartyId, approver, json, at])
            let approvalId = db.lastInsertedRowID
            try enqueueOrderNotifications(
                db, orderId: orderId, topic: "approval.requested", key: "approval.requested.\(approvalId)",
                extra: ["userId": String(approver), "approvalId": String(approvalId), "link": "/approvals", "orderedBy": ordererName])
        }
    }

    /// The cost centre an order was charged to.
    public func orderCostCentre(orderId: Int64) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT costCentre FROM customerOrder WHERE id = ?", arguments: [orderId]) }
    }

    /// Whether an order still waits for (or was refused) its buyer company's approval.
    public func orderAwaitsApproval(orderId: Int64) async throws -> Bool {
        try await read { db in
            try Self.exists(
                db,
                sql: "SELECT 1 FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ? AND s.code IN (\(Self.notForERP))",
                arguments: [orderId])
        }
    }

    // MARK: The approver's queue and decisions

    static let approvalSelect = """
        SELECT a.*, o.number, o.poNumber, o.totalMinor, o.currency, o.placedAt, c.name AS company, ou.fullName AS ordererName, ou.email AS ordererEmail,
            au.fullName AS approverName, au.email AS approverEmail, du.fullName AS decidedByName, du.email AS decidedByEmail
        FROM orderApproval a JOIN customerOrder o ON o.id = a.orderId JOIN counterparty c ON c.id = a.counterpartyId
        JOIN user au ON au.id = a.approverUserId LEFT JOIN user ou ON ou.id = o.userId LEFT JOIN user du ON du.id = a.decidedBy
        """

    static func approvalItem(_ row: Row) -> ApprovalItem {
        let reasons = (try? JSONSerialization.jsonObject(with: Data((row["reasons"] as String).utf8)) as? [[String: Any]]) ?? []
        return ApprovalItem(
            id: row["id"], orderId: row["orderId"], orderNumber: row["number"], poNumber: row["poNumber"], counterpartyId: row["counterpartyId"],
            company: row["company"], ordererName: (row["ordererEmail"] as String?).map { Self.displayName(row["ordererName"], $0) },
            ordererEmail: row["ordererEmail"], approverUserId: row["approverUserId"], approverName: Self.displayName(row["approverName"], row["approverEmail"]),
            totalMinor: row["totalMinor"], currency: row["currency"], placedAt: row["placedAt"],
            reasons: reasons.map {
                ApprovalItem.Reason(condition: $0["condition"] as? String ?? "any", amount: $0["amount"] as? String, category: $0["category"] as? String)
            },
            status: row["status"], decidedByName: (row["decidedBy"] as Int64?).map { _ in Self.displayName(row["decidedByName"], row["decidedByEmail"]) },
            decidedAt: row["decidedAt"], comment: row["comment"])
    }

    /// An approver's queue: what waits for them (oldest first), then their last decisions.
    public func approvalQueue(approverUserId: Int64, recent: Int = 20) async throws -> (pending: [ApprovalItem], decided: [ApprovalItem]) {
        try await read { db in
            let pending = try Row.fetchAll(
                db, sql: Self.approvalSelect + " WHERE a.approverUserId = ? AND a.status = 'pending' ORDER BY a.createdAt, a.id", arguments: [approverUserId]
            ).map(Self.approvalItem)
            let decided = try Row.fetchAll(
                db, sql: Self.approvalSelect + " WHERE a.approverUserId = ? AND a.status IN ('approved', 'declined') ORDER BY a.decidedAt DESC, a.id DESC LIMIT ?",
                arguments: [approverUserId, recent]
            ).map(Self.approvalItem)
            return (pending, decided)
        }
    }

    public func approval(id: Int64) async throws -> ApprovalItem? {
        try await read { db in try Row.fetchOne(db, sql: Self.approvalSelect + " WHERE a.id = ?", arguments: [id]).map(Self.approvalItem) }
    }

    /// The approvals of an order (its page shows who has to decide and what they said).
    public func orderApprovals(orderId: Int64) async throws -> [ApprovalItem] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.approvalSelect + " WHERE a.orderId = ? ORDER BY a.id", arguments: [orderId]).map(Self.approvalItem)
        }
    }

    /// The named approver approves or declines. Declined by one: the order is declined (its
    /// reservations released). Approved by all: the order becomes `new` and goes to the
    /// distributor (managers' e-mails, webhooks, the ERP export). The buyer hears either way.
    public func decideApproval(id: Int64, by principal: Principal, approve: Bool, comment: String, now: Date = Date()) async throws -> ApprovalDecision {
        try await write { db in
            let text = comment.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count <= 2000 else { throw ValidationError(field: "comment", code: "field.too_long", message: "This is too long.") }
            if !approve && text.isEmpty {
                throw ValidationError(field: "comment", code: "approval.comment_required", message: "Say why the order is declined.")
            }
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.*, o.number, s.code AS statusCode FROM orderApproval a JOIN customerOrder o ON o.id = a.orderId
                    JOIN orderStatus s ON s.id = o.statusId WHERE a.id = ?
                    """,
                arguments: [id])
            else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
            guard row["approverUserId"] == principal.userId else {
                throw DomainError(.forbidden, code: "approval.not_approver", message: "This order waits for another approver.")
            }
            guard row["status"] == "pending" else {
                throw DomainError(.conflict, code: "approval.already_decided", message: "This order was already decided on.")
            }
            let orderId: Int64 = row["orderId"]
            let number: String = row["number"]
            guard row["statusCode"] == "pending_approval" else {
                throw DomainError(.conflict, code: "approval.order_not_pending", message: "This order no longer waits for approval.")
            }
            let at = Self.stamp(now)
            try db.execute(
                sql: "UPDATE orderApproval SET status = ?, decidedBy = ?, decidedAt = ?, comment = ? WHERE id = ?",
                arguments: [approve ? "approved" : "declined", principal.userId, at, text.isEmpty ? nil : text, id])
            let statuses = try String.fetchAll(db, sql: "SELECT status FROM orderApproval WHERE orderId = ? AND status <> 'withdrawn'", arguments: [orderId])
            let outcome = ApprovalCheck.outcome(statuses)
            let (auditor, actingAs) = Self.auditActor(principal)
            try Self.audit(
                db, actor: auditor, actingAs: actingAs, action: approve ? "order.approve" : "order.decline", objectType: "customerOrder",
                objectId: String(orderId), details: ["number": number, "approvalId": String(id), "comment": text, "outcome": outcome], now: now)
            let note = (approve ? "approved" : "declined") + (text.isEmpty ? "" : ": " + text)
            let orderIds = [orderId] + (try Int64.fetchAll(db, sql: "SELECT id FROM customerOrder WHERE parentOrderId = ?", arguments: [orderId]))
            switch outcome {
            case "approved", "declined":
                let code = outcome == "approved" ? "new" : "approval_declined"
                let statusId = try Int64.fetchOne(db, sql: "SELECT id FROM orderStatus WHERE code = ?", arguments: [code])!
                if outcome == "declined" {
                    try db.execute(
                        sql: "UPDATE orderApproval SET status = 'withdrawn' WHERE orderId = ? AND status = 'pending'", arguments: [orderId])
                }
                for target in orderIds {
                    try db.execute(sql: "UPDATE customerOrder SET statusId = ?, updatedAt = ? WHERE id = ?", arguments: [statusId, at, target])
                    try db.execute(
                        sql: "INSERT INTO orderEvent (orderId, at, userId, kind, statusId, note) VALUES (?, ?, ?, 'status', ?, ?)",
                        arguments: [target, at, principal.userId, statusId, note])
                    if outcome == "declined" {
                        try Self.releaseReservations(db, orderId: target, at: at)
                    } else {
                        // Now the distributor hears of it, as of any new order.
                        try Self.enqueueOrderNotifications(db, orderId: target, topic: "order.placed", key: "order.placed.\(target)")
                    }
                }
            default:
                try db.execute(
                    sql: "INSERT INTO orderEvent (orderId, at, userId, kind, note) VALUES (?, ?, ?, 'comment', ?)", arguments: [orderId, at, principal.userId, note])
            }
            try Self.enqueueOrderNotifications(
                db, orderId: orderId, topic: "approval.decided", key: "approval.decided.\(id)",
                extra: [
                    "decision": approve ? "approved" : "declined", "outcome": outcome, "comment": text,
                    "decisionEn": approve ? "approved" : "declined", "decisionRu": approve ? "согласован" : "отклонён",
                    "approver": Self.displayName(principal.fullName, principal.email),
                ])
            return ApprovalDecision(orderId: orderId, orderNumber: number, outcome: outcome)
        }
    }
}
