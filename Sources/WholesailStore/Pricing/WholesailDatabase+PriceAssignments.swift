import Foundation
import GRDB
import WholesailCore

/// Which price type a context gets, as the admin page lists it.
public struct PriceAssignmentRow: Sendable, Equatable {
    public var id: Int64
    public var priceTypeId: Int64
    public var priceType: String
    public var priority: Int
    public var counterparty: String?
    public var agreement: String?
    public var holding: String?
    public var region: String?
    public var userGroup: String?
}

/// A new assignment from the admin form: at least one context field and a price type.
public struct PriceAssignmentForm: Sendable {
    public var counterpartyId: Int64?
    public var agreementId: Int64?
    public var holdingId: Int64?
    public var regionId: Int64?
    public var userGroupId: Int64?
    public var priceTypeId: Int64?
    public var priority = "0"

    public init() {}
}

/// An agreement's individual price for one product (its base unit), as the admin page lists it.
public struct AgreementPriceRow: Sendable, Equatable {
    public var agreementId: Int64
    public var agreement: String
    public var company: String
    public var productId: Int64
    public var sku: String
    public var product: String
    public var unit: String
    public var amountMinor: Int64
}

extension WholesailDatabase {
    /// Assignments whose company, agreement, holding, region, group or price type name contains
    /// `search` (all when empty), the most specific first.
    public func priceAssignments(search: String = "", limit: Int = 500) async throws -> [PriceAssignmentRow] {
        let text = search.trimmingCharacters(in: .whitespaces)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.priceTypeId, pt.name AS priceType, s.priority, c.name AS counterparty,
                        CASE WHEN a.id IS NULL THEN NULL ELSE a.number || ' (' || ac.name || ')' END AS agreement,
                        h.name AS holding, r.name AS region, g.name AS userGroup
                    FROM priceTypeAssignment s JOIN priceType pt ON pt.id = s.priceTypeId
                    LEFT JOIN counterparty c ON c.id = s.counterpartyId LEFT JOIN agreement a ON a.id = s.agreementId
                    LEFT JOIN counterparty ac ON ac.id = a.counterpartyId LEFT JOIN holding h ON h.id = s.holdingId
                    LEFT JOIN region r ON r.id = s.regionId LEFT JOIN userGroup g ON g.id = s.userGroupId
                    WHERE :text = '' OR c.name LIKE :pattern ESCAPE '\\' OR a.number LIKE :pattern ESCAPE '\\' OR ac.name LIKE :pattern ESCAPE '\\'
                        OR h.name LIKE :pattern ESCAPE '\\' OR r.name LIKE :pattern ESCAPE '\\' OR g.name LIKE :pattern ESCAPE '\\'
                        OR pt.name LIKE :pattern ESCAPE '\\'
                    ORDER BY s.agreementId IS NULL, s.counterpartyId IS NULL, s.holdingId IS NULL, s.userGroupId IS NULL, s.regionId IS NULL,
                        coalesce(c.name, ac.name, h.name, g.name, r.name), s.priority DESC, s.id
                    LIMIT :limit
                    """,
                arguments: ["text": text, "pattern": Self.likePattern(text), "limit": limit]
            ).map {
                PriceAssignmentRow(
                    id: $0["id"], priceTypeId: $0["priceTypeId"], priceType: $0["priceType"], priority: $0["priority"], counterparty: $0["counterparty"],
                    agreement: $0["agreement"], holding: $0["holding"], region: $0["region"], userGroup: $0["userGroup"])
            }
        }
    }

    /// Price types the ERP set on active agreements and on companies (agreement and counterparty
    /// imports), which the matrix uses below the admin's assignments: (kind, whom, price type).
    public func erpPriceTypes(search: String = "", limit: Int = 500) async throws -> [(kind: String, whom: String, priceType: String)] {
        let text = search.trimmingCharacters(in: .whitespaces)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT 'agreement' AS kind, a.number || ' (' || c.name || ')' AS whom, pt.name AS priceType
                    FROM agreement a JOIN counterparty c ON c.id = a.counterpartyId JOIN priceType pt ON pt.id = a.priceTypeId
                    WHERE a.active = 1 AND (:text = '' OR a.number LIKE :pattern ESCAPE '\\' OR c.name LIKE :pattern ESCAPE '\\')
                    UNION ALL
                    SELECT 'counterparty', c.name, pt.name FROM counterparty c JOIN priceType pt ON pt.id = c.priceTypeId
                    WHERE :text = '' OR c.name LIKE :pattern ESCAPE '\\'
                    ORDER BY 2, 1 LIMIT :limit
                    """,
                arguments: ["text": text, "pattern": Self.likePattern(text), "limit": limit]
            ).map { (kind: $0["kind"] as String, whom: $0["whom"] as String, priceType: $0["priceType"] as String) }
        }
    }

    static func checkPriority(_ raw: String, into issues: inout [String: ValidationError.FieldIssue]) -> Int {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let priority = Int(trimmed.isEmpty ? "0" : trimmed), (-1000...1000).contains(priority) else {
            issues["priority"] = .init(code: "pricing.bad_priority", message: "Priority is a whole number from -1000 to 1000.")
            return 0
        }
        return priority
    }

    static func checkPriceType(_ db: Database, _ id: Int64?, into issues: inout [String: ValidationError.FieldIssue]) throws {
        guard let id else {
            issues["priceTypeId"] = .init(code: "field.required", message: "This field is required.")
            return
        }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM priceType WHERE id = ?)", arguments: [id]) != true {
            issues["priceTypeId"] = .init(code: "pricing.unknown_choice", message: "This choice no longer exists; choose again.")
        }
    }

    /// Adds an assignment: a price type for a context (company, agreement, holding, region, user
    /// group; every set field must match a buyer). The same context twice is refused. One
    /// transaction; audited. The caller rebuilds the matrix.
    @discardableResult
    public func createPriceAssignment(_ form: PriceAssignmentForm, actor: Principal) async throws -> Int64 {
        try await write { db in
            var issues: [String: ValidationError.FieldIssue] = [:]
            let priority = Self.checkPriority(form.priority, into: &issues)
            try Self.checkPriceType(db, form.priceTypeId, into: &issues)
            let context: [(field: String, table: String, id: Int64?)] = [
                ("counterpartyId", "counterparty", form.counterpartyId), ("agreementId", "agreement", form.agreementId),
                ("holdingId", "holding", form.holdingId), ("regionId", "region", form.regionId), ("userGroupId", "userGroup", form.userGroupId),
            ]
            if context.allSatisfy({ $0.id == nil }) {
                issues["context"] = .init(code: "pricing.assignment_context_required", message: "Choose whom the price type is for.")
            }
            for entry in context {
                guard let id = entry.id else { continue }
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(entry.table) WHERE id = ?)", arguments: [id]) != true {
                    issues[entry.field] = .init(code: "pricing.unknown_choice", message: "This choice no longer exists; choose again.")
                }
            }
            if !issues.isEmpty { throw ValidationError(fields: issues) }
            let ids: [(any DatabaseValueConvertible)?] = context.map { $0.id }
            if try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM priceTypeAssignment WHERE counterpartyId IS ? AND agreementId IS ? AND holdingId IS ? AND regionId IS ?
                        AND userGroupId IS ? AND sellerOrganizationId IS NULL)
                    """, arguments: StatementArguments(ids)) == true
            {
                throw ValidationError(
                    field: "context", code: "pricing.assignment_exists", message: "These buyers already have a price type: change that one instead.")
            }
            try db.execute(
                sql: "INSERT INTO priceTypeAssignment (priceTypeId, counterpartyId, agreementId, holdingId, regionId, userGroupId, priority) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: StatementArguments([form.priceTypeId as (any DatabaseValueConvertible)?] + ids + [priority]))
            let id = db.lastInsertedRowID
            var details: [String: String] = ["priceTypeId": String(form.priceTypeId ?? 0), "priority": String(priority)]
            for entry in context { if let value = entry.id { details[entry.field] = String(value) } }
            try Self.audit(db, actor: actor.userId, action: "pricing.assignment_create", objectType: "priceTypeAssignment", objectId: String(id), details: details)
            return id
        }
    }

    /// Changes an assignment's price type and priority (its context stays: remove it and add
    /// another for other buyers). One transaction; audited old → new.
    public func updatePriceAssignment(id: Int64, priceTypeId: Int64?, priority rawPriority: String, actor: Principal) async throws {
        try await write { db in
            guard let old = try Row.fetchOne(db, sql: "SELECT priceTypeId, priority FROM priceTypeAssignment WHERE id = ?", arguments: [id]) else {
                throw DomainError.notFound("assignment")
            }
            var issues: [String: ValidationError.FieldIssue] = [:]
            let priority = Self.checkPriority(rawPriority, into: &issues)
            try Self.checkPriceType(db, priceTypeId, into: &issues)
            if !issues.isEmpty { throw ValidationError(fields: issues) }
            try db.execute(sql: "UPDATE priceTypeAssignment SET priceTypeId = ?, priority = ? WHERE id = ?", arguments: [priceTypeId, priority, id])
            try Self.audit(
                db, actor: actor.userId, action: "pricing.assignment_update", objectType: "priceTypeAssignment", objectId: String(id),
                details: [
                    "priceTypeId": "\(old["priceTypeId"] as Int64) → \(priceTypeId ?? 0)", "priority": "\(old["priority"] as Int) → \(priority)",
                ])
        }
    }

    public func deletePriceAssignment(id: Int64, actor: Principal) async throws {
        try await write { db in
            guard let old = try Row.fetchOne(db, sql: "SELECT * FROM priceTypeAssignment WHERE id = ?", arguments: [id]) else {
                throw DomainError.notFound("assignment")
            }
            try db.execute(sql: "DELETE FROM priceTypeAssignment WHERE id = ?", arguments: [id])
            var details: [String: String] = ["priceTypeId": String(old["priceTypeId"] as Int64)]
            for field in ["counterpartyId", "agreementId", "holdingId", "regionId", "userGroupId"] {
                if let value = old[field] as Int64? { details[field] = String(value) }
            }
            try Self.audit(db, actor: actor.userId, action: "pricing.assignment_delete", objectType: "priceTypeAssignment", objectId: String(id), details: details)
        }
    }

    /// Agreements' individual prices whose agreement number or company name contains `search` and
    /// whose SKU starts with `sku` (all when both are empty).
    public func agreementPriceRows(search: String = "", sku: String = "", limit: Int = 500) async throws -> [AgreementPriceRow] {
        let text = search.trimmingCharacters(in: .whitespaces)
        let skuText = sku.trimmingCharacters(in: .whitespaces)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT ap.agreementId, a.number, c.name AS company, ap.productId, p.sku, p.name AS product, u.name AS unit, ap.amountMinor
                    FROM agreementPrice ap JOIN agreement a ON a.id = ap.agreementId JOIN counterparty c ON c.id = a.counterpartyId
                    JOIN product p ON p.id = ap.productId JOIN unit u ON u.id = ap.unitId
                    WHERE (:text = '' OR a.number LIKE :pattern ESCAPE '\\' OR c.name LIKE :pattern ESCAPE '\\')
                        AND (:sku = '' OR p.sku LIKE :skuPattern ESCAPE '\\')
                    ORDER BY c.name, a.number, p.sku LIMIT :limit
                    """,
                arguments: [
                    "text": text, "pattern": Self.likePattern(text), "sku": skuText, "skuPattern": String(Self.likePattern(skuText).dropFirst()),
                    "limit": limit,
                ]
            ).map {
                AgreementPriceRow(
                    agreementId: $0["agreementId"], agreement: $0["number"], company: $0["company"], productId: $0["productId"], sku: $0["sku"],
                    product: $0["product"], unit: $0["unit"], amountMinor: $0["amountMinor"])
            }
        }
    }

    /// Sets an agreement's individual price of a product (per its base unit, in roubles): adds it
    /// or changes it. One transaction; audited old → new.
    public func setAgreementPrice(agreementId: Int64?, sku: String, amount: String, actor: Principal) async throws {
        let parsed = Money(decimal: amount.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "."), currency: "RUB")
        let money = parsed.flatMap { $0.minorUnits >= 0 ? $0 : nil }
        let code = sku.trimmingCharacters(in: .whitespaces)
        try await write { db in
            var issues: [String: ValidationError.FieldIssue] = [:]
            if money == nil { issues["amount"] = .init(code: "pricing.bad_amount", message: "Enter a price such as 1234.50.") }
            if let agreementId {
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM agreement WHERE id = ?)", arguments: [agreementId]) != true {
                    issues["priceAgreementId"] = .init(code: "pricing.unknown_choice", message: "This choice no longer exists; choose again.")
                }
            } else {
                issues["priceAgreementId"] = .init(code: "field.required", message: "This field is required.")
            }
            let product = try Row.fetchOne(db, sql: "SELECT id, baseUnitId FROM product WHERE sku = ?", arguments: [code])
            if code.isEmpty {
                issues["priceSku"] = .init(code: "field.required", message: "This field is required.")
            } else if product == nil {
                issues["priceSku"] = .init(code: "pricing.unknown_sku", message: "No product has this SKU.")
            }
            guard issues.isEmpty, let agreementId, let product, let money else { throw ValidationError(fields: issues) }
            let productId: Int64 = product["id"]
            let unitId: Int64 = product["baseUnitId"]
            let old = try Int64.fetchOne(
                db, sql: "SELECT amountMinor FROM agreementPrice WHERE agreementId = ? AND productId = ? AND unitId = ?", arguments: [agreementId, productId, unitId])
            try db.execute(
                sql: """
                    INSERT INTO agreementPrice (agreementId, productId, unitId, amountMinor) VALUES (?, ?, ?, ?)
                    ON CONFLICT (agreementId, productId, unitId) DO UPDATE SET amountMinor = excluded.amountMinor
                    """, arguments: [agreementId, productId, unitId, money.minorUnits])
            try Self.audit(
                db, actor: actor.userId, action: "pricing.agreement_price_set", objectType: "agreement", objectId: String(agreementId),
                details: ["sku": code, "amount": "\(old.map { Money(minorUnits: $0, currency: "RUB").decimalString } ?? "—") → \(money.decimalString)"])
        }
    }

    /// Removes an agreement's individual prices of a product (every unit). Audited.
    public func deleteAgreementPrice(agreementId: Int64, productId: Int64, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM agreementPrice WHERE agreementId = ? AND productId = ?", arguments: [agreementId, productId])
            guard db.changesCount > 0 else { throw DomainError.notFound("agreement_price") }
            let sku = try String.fetchOne(db, sql: "SELECT sku FROM product WHERE id = ?", arguments: [productId]) ?? String(productId)
            try Self.audit(
                db, actor: actor.userId, action: "pricing.agreement_price_delete", objectType: "agreement", objectId: String(agreementId), details: ["sku": sku])
        }
    }
}
