import Foundation
import GRDB
import WholesailCore

/// A promocode as the admin edits it.
public struct PromocodeForm: Sendable, Equatable {
    public var code: String
    public var kind: String
    /// Percent for `percent`, an amount in currency units for `fixed` ("500", "12.5").
    public var value: String
    public var categoryId: Int64?
    public var productSku: String
    public var minTotal: String
    public var validFrom: String
    public var validTo: String
    public var maxUses: String
    public var maxUsesPerCounterparty: String

    public init(
        code: String, kind: String, value: String, categoryId: Int64? = nil, productSku: String = "", minTotal: String = "", validFrom: String = "",
        validTo: String = "", maxUses: String = "", maxUsesPerCounterparty: String = ""
    ) {
        self.code = code
        self.kind = kind
        self.value = value
        self.categoryId = categoryId
        self.productSku = productSku
        self.minTotal = minTotal
        self.validFrom = validFrom
        self.validTo = validTo
        self.maxUses = maxUses
        self.maxUsesPerCounterparty = maxUsesPerCounterparty
    }
}

public struct PromocodeRow: Sendable, Equatable {
    public var id: Int64
    public var code: String
    public var kind: String
    public var percent: String?
    public var amountMinor: Int64?
    public var category: String?
    public var productSku: String?
    public var minTotalMinor: Int64
    public var validFrom: String?
    public var validTo: String?
    public var maxUses: Int?
    public var maxUsesPerCounterparty: Int?
    public var used: Int
    public var active: Bool
}

public struct CartThresholdRow: Sendable, Equatable {
    public var id: Int64
    public var fromPriceType: String?
    public var minTotalMinor: Int64
    public var priceType: String
    public var active: Bool
}

extension WholesailDatabase {
    public func promocodes() async throws -> [PromocodeRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.*, c.name AS category, pr.sku,
                        (SELECT count(*) FROM customerOrder o WHERE o.promocodeId = p.id AND o.statusId <> (SELECT id FROM orderStatus WHERE code = 'cancelled')) AS used
                    FROM promocode p LEFT JOIN category c ON c.id = p.categoryId LEFT JOIN product pr ON pr.id = p.productId ORDER BY p.active DESC, p.code
                    """
            ).map {
                PromocodeRow(
                    id: $0["id"], code: $0["code"], kind: $0["kind"], percent: $0["percent"], amountMinor: $0["amountMinor"], category: $0["category"],
                    productSku: $0["sku"], minTotalMinor: $0["minTotalMinor"], validFrom: $0["validFrom"], validTo: $0["validTo"], maxUses: $0["maxUses"],
                    maxUsesPerCounterparty: $0["maxUsesPerCounterparty"], used: $0["used"], active: $0["active"] == 1)
            }
        }
    }

    /// Creates a promocode after checking every field; the code is unique regardless of case.
    @discardableResult
    public func createPromocode(_ form: PromocodeForm, actor: Int64?) async throws -> Int64 {
        var fields: [String: ValidationError.FieldIssue] = [:]
        let code = form.code.trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 64 || code.contains(where: { $0.isWhitespace }) {
            fields["code"] = .init(code: "promocode.bad_code", message: "Use 1 to 64 characters without spaces.")
        }
        var percent: String?
        var amountMinor: Int64?
        switch form.kind {
        case "percent":
            if let value = ExactDecimal(parsing: form.value), value.units > 0, value.units <= 100 * value.scale {
                percent = value.description
            } else {
                fields["value"] = .init(code: "promocode.bad_percent", message: "Enter a percent above 0 and up to 100.")
            }
        case "fixed":
            if let money = Money(decimal: form.value, currency: "RUB"), money.minorUnits > 0 {
                amountMinor = money.minorUnits
            } else {
                fields["value"] = .init(code: "promocode.bad_amount", message: "Enter an amount above zero, like 500 or 500.50.")
            }
        default:
            fields["kind"] = .init(code: "promocode.bad_kind", message: "Choose percent or a fixed amount.")
        }
        var minTotal: Int64 = 0
        if !form.minTotal.trimmingCharacters(in: .whitespaces).isEmpty {
            if let money = Money(decimal: form.minTotal, currency: "RUB"), money.minorUnits >= 0 { minTotal = money.minorUnits } else {
                fields["minTotal"] = .init(code: "promocode.bad_amount", message: "Enter an amount above zero, like 500 or 500.50.")
            }
        }
        for (name, value) in [("validFrom", form.validFrom), ("validTo", form.validTo)] where !value.isEmpty && !CheckoutForm.isDateText(value) {
            fields[name] = .init(code: "field.bad_date", message: "Enter a date.")
        }
        if !form.validFrom.isEmpty, !form.validTo.isEmpty, form.validTo < form.validFrom {
            fields["validTo"] = .init(code: "promocode.bad_dates", message: "The end is before the start.")
        }
        func count(_ text: String, _ name: String) -> Int? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return nil }
            guard let value = Int(trimmed), value > 0, value <= 10_000_000 else {
                fields[name] = .init(code: "promocode.bad_count", message: "Enter a whole number above zero.")
                return nil
            }
            return value
        }
        let maxUses = count(form.maxUses, "maxUses")
        let perCompany = count(form.maxUsesPerCounterparty, "maxUsesPerCounterparty")
        if !fields.isEmpty { throw ValidationError(fields: fields) }
        let (percentValue, amountValue, minTotalValue) = (percent, amountMinor, minTotal)
        return try await write { db in
            var productId: Int64?
            let sku = form.productSku.trimmingCharacters(in: .whitespaces)
            if !sku.isEmpty {
                guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku]) else {
                    throw ValidationError(field: "productSku", code: "promocode.product_unknown", message: "There is no product with this stock number.")
                }
                productId = id
            }
            if let categoryId = form.categoryId, try Bool.fetchOne(db, sql: "SELECT 1 FROM category WHERE id = ?", arguments: [categoryId]) != true {
                throw ValidationError(field: "categoryId", code: "promocode.category_unknown", message: "Choose a category.")
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM promocode WHERE code = ?", arguments: [code]) == true {
                throw ValidationError(field: "code", code: "promocode.code_taken", message: "This code already exists.")
            }
            try db.execute(
                sql: """
                    INSERT INTO promocode (code, kind, percent, amountMinor, categoryId, productId, minTotalMinor, validFrom, validTo, maxUses, maxUsesPerCounterparty)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    code, form.kind, percentValue, amountValue, form.categoryId, productId, minTotalValue, form.validFrom.isEmpty ? nil : form.validFrom,
                    form.validTo.isEmpty ? nil : form.validTo, maxUses, perCompany,
                ])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor: actor, action: "promocode.create", objectType: "promocode", objectId: String(id), details: ["code": code])
            return id
        }
    }

    public func setPromocodeActive(id: Int64, active: Bool, actor: Int64?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE promocode SET active = ? WHERE id = ?", arguments: [active, id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "promocode.not_found", message: "The promocode was not found.") }
            try Self.audit(db, actor: actor, action: active ? "promocode.enable" : "promocode.disable", objectType: "promocode", objectId: String(id))
        }
    }

    public func cartThresholdRows() async throws -> [CartThresholdRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.minTotalMinor, t.active, f.name AS fromName, p.name AS toName FROM cartThreshold t
                    LEFT JOIN priceType f ON f.id = t.fromPriceTypeId JOIN priceType p ON p.id = t.priceTypeId ORDER BY t.minTotalMinor
                    """
            ).map { CartThresholdRow(id: $0["id"], fromPriceType: $0["fromName"], minTotalMinor: $0["minTotalMinor"], priceType: $0["toName"], active: $0["active"] == 1) }
        }
    }

    @discardableResult
    public func createCartThreshold(fromPriceTypeId: Int64?, minTotal: String, priceTypeId: Int64, actor: Int64?) async throws -> Int64 {
        guard let money = Money(decimal: minTotal, currency: "RUB"), money.minorUnits > 0 else {
            throw ValidationError(field: "minTotal", code: "promocode.bad_amount", message: "Enter an amount above zero, like 500 or 500.50.")
        }
        return try await write { db in
            for id in [fromPriceTypeId, priceTypeId].compactMap({ $0 }) {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM priceType WHERE id = ?", arguments: [id]) == true else {
                    throw ValidationError(field: "priceTypeId", code: "threshold.price_type_unknown", message: "Choose a price type.")
                }
            }
            guard fromPriceTypeId != priceTypeId else {
                throw ValidationError(field: "priceTypeId", code: "threshold.same_type", message: "Choose a different price type to switch to.")
            }
            try db.execute(
                sql: "INSERT INTO cartThreshold (fromPriceTypeId, minTotalMinor, priceTypeId) VALUES (?, ?, ?)",
                arguments: [fromPriceTypeId, money.minorUnits, priceTypeId])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor: actor, action: "cart_threshold.create", objectType: "cartThreshold", objectId: String(id))
            return id
        }
    }

    public func deleteCartThreshold(id: Int64, actor: Int64?) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM cartThreshold WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, code: "threshold.not_found", message: "The threshold was not found.") }
            try Self.audit(db, actor: actor, action: "cart_threshold.delete", objectType: "cartThreshold", objectId: String(id))
        }
    }
}
