import Foundation
import GRDB
import WholesailCore

/// A company's shared shopping list in a list.
public struct ShoppingListSummary: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var owner: String
    public var ownerUserId: Int64?
    /// `company` (every colleague) or `members` (the owner and chosen colleagues).
    public var sharing: String
    public var lineCount: Int
    public var updatedAt: String
}

/// A shared shopping list with its lines and who may use it.
public struct ShoppingListDetail: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var id: Int64
        public var productId: Int64
        public var sku: String
        public var name: String
        public var unit: String
        public var qtyMilli: Int64
        public var addedBy: String
        public var available: Bool
    }

    public var summary: ShoppingListSummary
    public var counterpartyId: Int64
    public var memberIds: Set<Int64>
    public var lines: [Line]
}

extension WholesailDatabase {
    /// Who may use a list: its owner, its members, or anyone of its company when it is shared with the company.
    static let listVisible = """
        (l.sharing = 'company' OR l.ownerUserId = :user OR EXISTS (SELECT 1 FROM shoppingListMember m WHERE m.listId = l.id AND m.userId = :user))
        """

    /// The lists of a company the user may use, by name.
    public func shoppingLists(userId: Int64, counterpartyId: Int64) async throws -> [ShoppingListSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id FROM shoppingList l WHERE l.counterpartyId = :company AND \(Self.listVisible) ORDER BY l.name, l.id
                    """,
                arguments: ["company": counterpartyId, "user": userId]
            ).compactMap { try Self.shoppingListSummary(db, id: $0["id"]) }
        }
    }

    static func shoppingListSummary(_ db: Database, id: Int64) throws -> ShoppingListSummary? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT l.*, coalesce(nullif(u.fullName, ''), u.email, '') AS owner, (SELECT count(*) FROM shoppingListLine x WHERE x.listId = l.id) AS lineCount
                FROM shoppingList l LEFT JOIN user u ON u.id = l.ownerUserId WHERE l.id = ?
                """,
            arguments: [id]
        ).map {
            ShoppingListSummary(
                id: id, name: $0["name"], owner: $0["owner"], ownerUserId: $0["ownerUserId"], sharing: $0["sharing"], lineCount: $0["lineCount"],
                updatedAt: $0["updatedAt"])
        }
    }

    /// A list the user may use (nil otherwise: the same answer as for a list that does not exist).
    public func shoppingList(id: Int64, userId: Int64) async throws -> ShoppingListDetail? {
        try await read { db in
            guard try Self.mayUseList(db, id: id, userId: userId), let summary = try Self.shoppingListSummary(db, id: id) else { return nil }
            let counterpartyId = try Int64.fetchOne(db, sql: "SELECT counterpartyId FROM shoppingList WHERE id = ?", arguments: [id]) ?? 0
            let members = try Set(Int64.fetchAll(db, sql: "SELECT userId FROM shoppingListMember WHERE listId = ?", arguments: [id]))
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT x.id, x.productId, x.qtyMilli, p.sku, p.name, p.active, p.deleted, un.name AS unit,
                        coalesce(nullif(u.fullName, ''), u.email, '') AS addedBy
                    FROM shoppingListLine x JOIN product p ON p.id = x.productId JOIN unit un ON un.id = x.unitId LEFT JOIN user u ON u.id = x.addedBy
                    WHERE x.listId = ? ORDER BY x.id
                    """,
                arguments: [id]
            ).map {
                ShoppingListDetail.Line(
                    id: $0["id"], productId: $0["productId"], sku: $0["sku"], name: $0["name"], unit: $0["unit"], qtyMilli: $0["qtyMilli"],
                    addedBy: $0["addedBy"], available: $0["active"] == 1 && $0["deleted"] == 0)
            }
            return ShoppingListDetail(summary: summary, counterpartyId: counterpartyId, memberIds: members, lines: lines)
        }
    }

    static func mayUseList(_ db: Database, id: Int64, userId: Int64) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT 1 FROM shoppingList l JOIN userCounterparty uc ON uc.counterpartyId = l.counterpartyId AND uc.userId = :user
                WHERE l.id = :id AND \(listVisible)
                """,
            arguments: ["id": id, "user": userId]) == true
    }

    static func requireList(_ db: Database, id: Int64, userId: Int64) throws {
        guard try mayUseList(db, id: id, userId: userId) else {
            throw DomainError(.notFound, code: "list.not_found", message: "The shopping list was not found.")
        }
    }

    static func validateList(name: String, sharing: String) -> ValidationError? {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { fields["name"] = .init(code: "field.required", message: "This field is required.") }
        if trimmed.count > 100 { fields["name"] = .init(code: "field.too_long", message: "This is too long.") }
        if !["company", "members"].contains(sharing) { fields["sharing"] = .init(code: "field.invalid", message: "Choose one of the options.") }
        return fields.isEmpty ? nil : ValidationError(fields: fields)
    }

    /// Only colleagues of the company can be members.
    static func setMembers(_ db: Database, listId: Int64, counterpartyId: Int64, members: Set<Int64>) throws {
        try db.execute(sql: "DELETE FROM shoppingListMember WHERE listId = ?", arguments: [listId])
        for member in members.sorted() {
            try db.execute(
                sql: "INSERT INTO shoppingListMember (listId, userId) SELECT ?, userId FROM userCounterparty WHERE userId = ? AND counterpartyId = ?",
                arguments: [listId, member, counterpartyId])
        }
    }

    /// A new list of the company, owned by the user; with `fromCart` the working cart's lines are copied in.
    public func createShoppingList(
        principal: Principal, counterpartyId: Int64, name: String, sharing: String, members: Set<Int64>, fromCart: Bool = false, now: Date = Date()
    ) async throws -> Int64 {
        if let problem = Self.validateList(name: name, sharing: sharing) { throw problem }
        return try await write { db in
            guard try Bool.fetchOne(
                db, sql: "SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?", arguments: [principal.userId, counterpartyId]) == true
            else { throw DomainError(.notFound, code: "cart.counterparty_not_yours", message: "You do not order for this company.") }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM shoppingList WHERE counterpartyId = ?", arguments: [counterpartyId]) ?? 0
            guard count < 500 else { throw DomainError(.invalid, code: "list.too_many", message: "The company has too many lists; delete some first.") }
            let at = Self.stamp(now)
            try db.execute(
                sql: "INSERT INTO shoppingList (counterpartyId, ownerUserId, name, sharing, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [counterpartyId, principal.userId, name.trimmingCharacters(in: .whitespacesAndNewlines), sharing, at, at])
            let id = db.lastInsertedRowID
            try Self.setMembers(db, listId: id, counterpartyId: counterpartyId, members: sharing == "members" ? members : [])
            if fromCart, let cartId = try Int64.fetchOne(db, sql: "SELECT id FROM cart WHERE userId = ? AND name IS NULL", arguments: [principal.userId]) {
                try db.execute(
                    sql: """
                        INSERT INTO shoppingListLine (listId, productId, unitId, qtyMilli, addedBy, addedAt)
                        SELECT ?, productId, unitId, qtyMilli, ?, ? FROM cartLine WHERE cartId = ? ORDER BY id
                        """,
                    arguments: [id, principal.userId, at, cartId])
            }
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(
                db, actor: actor, actingAs: actingAs, action: "list.create", objectType: "shoppingList", objectId: String(id),
                details: ["sharing": sharing], now: now)
            return id
        }
    }

    /// Renames a list and changes who shares it: its owner, or a buyer admin of its company (`manager: true`).
    public func updateShoppingList(
        id: Int64, principal: Principal, manager: Bool, name: String, sharing: String, members: Set<Int64>, now: Date = Date()
    ) async throws {
        if let problem = Self.validateList(name: name, sharing: sharing) { throw problem }
        try await write { db in
            try Self.requireList(db, id: id, userId: principal.userId)
            let row = try Row.fetchOne(db, sql: "SELECT counterpartyId, ownerUserId FROM shoppingList WHERE id = ?", arguments: [id])!
            guard manager || (row["ownerUserId"] as Int64?) == principal.userId else {
                throw DomainError(.forbidden, code: "list.not_owner", message: "Only the list's owner or the company's administrator may change it.")
            }
            try db.execute(
                sql: "UPDATE shoppingList SET name = ?, sharing = ?, updatedAt = ? WHERE id = ?",
                arguments: [name.trimmingCharacters(in: .whitespacesAndNewlines), sharing, Self.stamp(now), id])
            try Self.setMembers(db, listId: id, counterpartyId: row["counterpartyId"], members: sharing == "members" ? members : [])
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(
                db, actor: actor, actingAs: actingAs, action: "list.update", objectType: "shoppingList", objectId: String(id),
                details: ["sharing": sharing, "members": String(members.count)], now: now)
        }
    }

    /// Deletes a list: its owner, or a buyer admin of its company.
    public func deleteShoppingList(id: Int64, principal: Principal, manager: Bool, now: Date = Date()) async throws {
        try await write { db in
            try Self.requireList(db, id: id, userId: principal.userId)
            let owner = try Int64.fetchOne(db, sql: "SELECT ownerUserId FROM shoppingList WHERE id = ?", arguments: [id])
            guard manager || owner == principal.userId else {
                throw DomainError(.forbidden, code: "list.not_owner", message: "Only the list's owner or the company's administrator may change it.")
            }
            try db.execute(sql: "DELETE FROM shoppingList WHERE id = ?", arguments: [id])
            let (actor, actingAs) = Self.auditActor(principal)
            try Self.audit(db, actor: actor, actingAs: actingAs, action: "list.delete", objectType: "shoppingList", objectId: String(id), now: now)
        }
    }

    /// Adds a product to a list the user may use (quantities add up per product and unit).
    @discardableResult
    public func addToShoppingList(id: Int64, userId: Int64, productId: Int64, unitId: Int64?, qtyMilli: Int64?, now: Date = Date()) async throws -> Int64 {
        try await write { db in
            try Self.requireList(db, id: id, userId: userId)
            let unit = try Self.orderableUnit(db, productId: productId, unitId: unitId)
            let existing = try Int64.fetchOne(
                db, sql: "SELECT qtyMilli FROM shoppingListLine WHERE listId = ? AND productId = ? AND unitId = ?", arguments: [id, productId, unit.unitId])
            let total = (qtyMilli ?? unit.rule.roundedUp(0)) + (existing ?? 0)
            try Quantity.validate(total, rule: unit.rule, unit: unit.unit)
            if existing == nil {
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM shoppingListLine WHERE listId = ?", arguments: [id]) ?? 0
                guard count < Self.maxCartLines else {
                    throw DomainError(.invalid, code: "cart.too_many_lines", message: "A cart holds at most \(Self.maxCartLines) lines.",
                                      values: ["max": String(Self.maxCartLines)])
                }
            }
            let at = Self.stamp(now)
            try db.execute(
                sql: """
                    INSERT INTO shoppingListLine (listId, productId, unitId, qtyMilli, addedBy, addedAt) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (listId, productId, unitId) DO UPDATE SET qtyMilli = excluded.qtyMilli
                    """,
                arguments: [id, productId, unit.unitId, total, userId, at])
            try db.execute(sql: "UPDATE shoppingList SET updatedAt = ? WHERE id = ?", arguments: [at, id])
            return total
        }
    }

    /// Changes a line's quantity (0 removes it).
    public func updateShoppingListLine(id: Int64, userId: Int64, lineId: Int64, qtyMilli: Int64, now: Date = Date()) async throws {
        try await write { db in
            try Self.requireList(db, id: id, userId: userId)
            guard let line = try Row.fetchOne(
                db, sql: "SELECT productId, unitId FROM shoppingListLine WHERE id = ? AND listId = ?", arguments: [lineId, id])
            else { throw DomainError(.notFound, code: "list.line_not_found", message: "The line was not found.") }
            if qtyMilli <= 0 {
                try db.execute(sql: "DELETE FROM shoppingListLine WHERE id = ?", arguments: [lineId])
            } else {
                let unit = try Self.orderableUnit(db, productId: line["productId"], unitId: line["unitId"])
                try Quantity.validate(qtyMilli, rule: unit.rule, unit: unit.unit)
                try db.execute(sql: "UPDATE shoppingListLine SET qtyMilli = ? WHERE id = ?", arguments: [qtyMilli, lineId])
            }
            try db.execute(sql: "UPDATE shoppingList SET updatedAt = ? WHERE id = ?", arguments: [Self.stamp(now), id])
        }
    }

    /// Adds the list's lines to the user's working cart (quantities add up) and makes the list's
    /// company the cart's; returns the SKUs that could not be added (no longer sold, bad quantity).
    public func shoppingListToCart(id: Int64, userId: Int64) async throws -> [String] {
        try await write { db in
            try Self.requireList(db, id: id, userId: userId)
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            try db.execute(
                sql: "UPDATE cart SET counterpartyId = (SELECT counterpartyId FROM shoppingList WHERE id = ?) WHERE id = ?", arguments: [id, cartId])
            return try Self.copyLines(
                db,
                from: try Row.fetchAll(
                    db, sql: "SELECT x.productId, x.unitId, x.qtyMilli, p.sku FROM shoppingListLine x JOIN product p ON p.id = x.productId WHERE x.listId = ? ORDER BY x.id",
                    arguments: [id]),
                into: cartId)
        }
    }
}
