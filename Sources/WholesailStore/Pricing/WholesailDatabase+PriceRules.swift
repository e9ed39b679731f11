import Foundation
import GRDB
import WholesailCore

/// A mass price rule as the admin page lists it.
public struct PriceRuleRow: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var priority: Int
    public var active: Bool
    public var validFrom: String?
    public var validTo: String?
    public var productSide: [String]
    public var contextSide: [String]
    public var action: String
    public var percent: String?
    public var amountMinor: Int64?
    public var targetPriceType: String?
    public var availability: String?
}

/// The fields of a new rule from the admin form; names are resolved to ids by the caller's selects.
public struct PriceRuleForm: Sendable {
    public var name = ""
    public var priority = "0"
    public var validFrom = ""
    public var validTo = ""
    public var categoryId: Int64?
    public var brandId: Int64?
    public var productLine = ""
    public var skus = ""
    public var regionId: Int64?
    public var counterpartyId: Int64?
    public var holdingId: Int64?
    public var userGroupId: Int64?
    public var action = ""
    public var percent = ""
    public var amount = ""
    public var targetPriceTypeId: Int64?
    public var availability = ""

    public init() {}
}

/// Choices for the selects of the pricing pages.
public struct PricingChoices: Sendable {
    public var categories: [(id: Int64, name: String, depth: Int)]
    public var brands: [(id: Int64, name: String)]
    public var regions: [(id: Int64, name: String)]
    public var counterparties: [(id: Int64, name: String)]
    public var holdings: [(id: Int64, name: String)]
    public var userGroups: [(id: Int64, name: String)]
    public var priceTypes: [(id: Int64, name: String, currency: String)]
}

extension WholesailDatabase {
    public func pricingChoices() async throws -> PricingChoices {
        try await reader.read { db in
            func pairs(_ sql: String) throws -> [(id: Int64, name: String)] {
                try Row.fetchAll(db, sql: sql).map { ($0["id"], $0["name"]) }
            }
            return PricingChoices(
                categories: try Row.fetchAll(db, sql: "SELECT id, name, depth FROM category ORDER BY path || printf('%010d', sortOrder), name")
                    .map { ($0["id"], $0["name"], $0["depth"]) },
                brands: try pairs("SELECT id, name FROM brand ORDER BY name"),
                regions: try pairs("SELECT id, name FROM region ORDER BY sortOrder, name"),
                counterparties: try pairs("SELECT id, name FROM counterparty ORDER BY name LIMIT 5000"),
                holdings: try pairs("SELECT id, name FROM holding ORDER BY name"),
                userGroups: try pairs("SELECT id, name FROM userGroup ORDER BY name"),
                priceTypes: try Row.fetchAll(db, sql: "SELECT id, name, currency FROM priceType ORDER BY sortOrder, id").map { ($0["id"], $0["name"], $0["currency"]) })
        }
    }

    public func priceRules() async throws -> [PriceRuleRow] {
        try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, c.name AS category, b.name AS brand, rg.name AS region, cp.name AS counterparty, h.name AS holding,
                        g.name AS userGroup, pt.name AS target, (SELECT count(*) FROM priceRuleProduct WHERE priceRuleId = r.id) AS listed
                    FROM priceRule r LEFT JOIN category c ON c.id = r.categoryId LEFT JOIN brand b ON b.id = r.brandId
                    LEFT JOIN region rg ON rg.id = r.regionId LEFT JOIN counterparty cp ON cp.id = r.counterpartyId
                    LEFT JOIN holding h ON h.id = r.holdingId LEFT JOIN userGroup g ON g.id = r.userGroupId
                    LEFT JOIN priceType pt ON pt.id = r.targetPriceTypeId
                    ORDER BY r.active DESC, r.priority DESC, r.id
                    """
            ).map { row in
                var product: [String] = []
                if let value = row["category"] as String? { product.append(value) }
                if let value = row["brand"] as String? { product.append(value) }
                if let value = row["productLine"] as String? { product.append(value) }
                let listed: Int = row["listed"]
                if listed > 0 { product.append("\(listed) SKU") }
                var context: [String] = []
                for key in ["region", "counterparty", "holding", "userGroup"] {
                    if let value = row[key] as String? { context.append(value) }
                }
                return PriceRuleRow(
                    id: row["id"], name: row["name"], priority: row["priority"], active: row["active"], validFrom: row["validFrom"],
                    validTo: row["validTo"], productSide: product, contextSide: context, action: row["action"], percent: row["percent"],
                    amountMinor: row["amountMinor"], targetPriceType: row["target"], availability: row["availability"])
            }
        }
    }

    /// Validates and stores a rule (all problems at once); the SKUs of an explicit list must
    /// all exist. One transaction; audited.
    @discardableResult
    public func createPriceRule(_ form: PriceRuleForm, actor: Principal) async throws -> Int64 {
        var issues: [String: ValidationError.FieldIssue] = [:]
        func issue(_ field: String, _ code: String, _ message: String) { issues[field] = .init(code: code, message: message) }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { issue("name", "field.required", "This field is required.") }
        if name.count > 200 { issue("name", "field.too_long", "This is too long.") }
        guard let priority = Int(form.priority.trimmingCharacters(in: .whitespaces).isEmpty ? "0" : form.priority), (-1000...1000).contains(priority) else {
            issue("priority", "pricing.bad_priority", "Priority is a whole number from -1000 to 1000.")
            throw ValidationError(fields: issues)
        }
        func day(_ text: String, _ field: String) -> String? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return nil }
            let parts = trimmed.split(separator: "-")
            guard parts.count == 3, parts[0].count == 4, let month = Int(parts[1]), let dayNumber = Int(parts[2]), Int(parts[0]) != nil,
                (1...12).contains(month), (1...31).contains(dayNumber)
            else {
                issue(field, "pricing.bad_date", "Enter a date as YYYY-MM-DD.")
                return nil
            }
            return trimmed
        }
        let from = day(form.validFrom, "validFrom")
        let to = day(form.validTo, "validTo")
        if let from, let to, from > to { issue("validTo", "pricing.bad_period", "The end is before the start.") }
        var percent: String?
        var amount: Int64?
        var target: Int64?
        var availability: String?
        switch form.action {
        case "markup", "discount":
            if let value = ExactDecimal(parsing: form.percent), value.units > 0, value.scaled(to: 1, rounding: true)! <= (form.action == "discount" ? 100 : 1000) {
                percent = value.description
            } else {
                issue("percent", "pricing.bad_percent", "Enter a percentage above 0 (a discount up to 100).")
            }
        case "fixed":
            if let money = Money(decimal: form.amount, currency: "RUB"), money.minorUnits >= 0 { amount = money.minorUnits } else {
                issue("amount", "pricing.bad_amount", "Enter a price such as 1234.50.")
            }
        case "price_type":
            if let id = form.targetPriceTypeId { target = id } else { issue("targetPriceTypeId", "field.required", "This field is required.") }
        case "hide":
            break
        case "availability":
            if ["in_stock", "on_order", "unavailable"].contains(form.availability) { availability = form.availability } else {
                issue("availability", "field.required", "This field is required.")
            }
        default:
            issue("action", "pricing.bad_action", "Choose what the rule does.")
        }
        let skus = form.skus.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " || $0 == ";" })
            .map(String.init).filter { !$0.isEmpty }
        if skus.count > 10_000 { issue("skus", "pricing.too_many_skus", "At most 10,000 SKUs per rule.") }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        let (percentValue, amountValue, targetValue, availabilityValue) = (percent, amount, target, availability)
        return try await writer.write { db in
            var productIds: [Int64] = []
            var unknown: [String] = []
            for sku in skus {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku]) { productIds.append(id) } else { unknown.append(sku) }
            }
            guard unknown.isEmpty else {
                throw ValidationError(field: "skus", code: "pricing.unknown_skus", message: "Unknown SKUs: \(unknown.prefix(10).joined(separator: ", ")).")
            }
            try db.execute(
                sql: """
                    INSERT INTO priceRule (name, priority, validFrom, validTo, categoryId, brandId, productLine, regionId, counterpartyId, holdingId,
                        userGroupId, action, percent, amountMinor, targetPriceTypeId, availability)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    name, priority, from, to, form.categoryId, form.brandId, form.productLine.trimmingCharacters(in: .whitespaces).isEmpty ? nil : form.productLine,
                    form.regionId, form.counterpartyId, form.holdingId, form.userGroupId, form.action, percentValue, amountValue, targetValue,
                    availabilityValue,
                ])
            let id = db.lastInsertedRowID
            for productId in Set(productIds) {
                try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (?, ?)", arguments: [id, productId])
            }
            try Self.audit(db, actor: actor.userId, action: "pricing.rule_create", objectType: "priceRule", objectId: String(id))
            return id
        }
    }

    public func setPriceRuleActive(id: Int64, active: Bool, actor: Principal) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE priceRule SET active = ? WHERE id = ?", arguments: [active, id])
            guard db.changesCount == 1 else { throw DomainError.notFound("rule") }
            try Self.audit(db, actor: actor.userId, action: active ? "pricing.rule_enable" : "pricing.rule_disable", objectType: "priceRule", objectId: String(id))
        }
    }

    /// A product id by SKU (for the explain form).
    public func productId(sku: String) async throws -> Int64? {
        try await reader.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku.trimmingCharacters(in: .whitespaces)]) }
    }
}

/// An exchange rate of one banking day.
public struct ExchangeRateRow: Sendable, Equatable {
    public var currency: String
    public var day: String
    public var rate: String

    public init(currency: String, day: String, rate: String) {
        self.currency = currency
        self.day = day
        self.rate = rate
    }
}

extension WholesailDatabase {
    public func exchangeRates(limit: Int = 60) async throws -> [ExchangeRateRow] {
        try await reader.read { db in
            try Row.fetchAll(db, sql: "SELECT currency, day, rate FROM exchangeRate ORDER BY day DESC, currency LIMIT ?", arguments: [limit])
                .map { ExchangeRateRow(currency: $0["currency"], day: $0["day"], rate: $0["rate"]) }
        }
    }

    public func currencies() async throws -> [String] {
        try await reader.read { db in try String.fetchAll(db, sql: "SELECT code FROM currency WHERE code <> 'RUB' ORDER BY code") }
    }

    /// Sets the rate of a currency for a banking day (roubles per unit), replacing that day's rate.
    public func setExchangeRate(currency: String, day: String, rate raw: String, actor: Principal) async throws {
        var issues: [String: ValidationError.FieldIssue] = [:]
        let parts = day.split(separator: "-")
        if !(parts.count == 3 && parts[0].count == 4 && Int(parts[0]) != nil && (1...12).contains(Int(parts[1]) ?? 0) && (1...31).contains(Int(parts[2]) ?? 0)) {
            issues["day"] = .init(code: "pricing.bad_date", message: "Enter a date as YYYY-MM-DD.")
        }
        let rate = ExactDecimal(parsing: raw)
        if rate == nil || rate!.units <= 0 || rate!.scale > 10_000 {
            issues["rate"] = .init(code: "pricing.bad_rate", message: "Enter a positive rate with up to 4 decimals, such as 96.1234.")
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM currency WHERE code = ? AND code <> 'RUB')", arguments: [currency]) == true else {
                throw ValidationError(field: "currency", code: "pricing.bad_currency", message: "Unknown currency.")
            }
            try db.execute(
                sql: "INSERT INTO exchangeRate (currency, day, rate) VALUES (?, ?, ?) ON CONFLICT (currency, day) DO UPDATE SET rate = excluded.rate",
                arguments: [currency, day, rate!.description])
            try Self.audit(db, actor: actor.userId, action: "pricing.rate_set", objectType: "currency", objectId: currency, details: ["day": day, "rate": rate!.description])
        }
    }
}
