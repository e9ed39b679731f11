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
    public var agreementId: Int64?
    /// "Property = value" (a property's name and one of its values), or empty.
    public var propertyValue = ""
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
    /// "number (company)".
    public var agreements: [(id: Int64, name: String)]
    public var priceTypes: [(id: Int64, name: String, currency: String)]
}

extension WholesailDatabase {
    public func pricingChoices() async throws -> PricingChoices {
        try await read { db in
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
                agreements: try pairs(
                    "SELECT a.id, a.number || ' (' || c.name || ')' AS name FROM agreement a JOIN counterparty c ON c.id = a.counterpartyId ORDER BY c.name, a.number LIMIT 5000"),
                priceTypes: try Row.fetchAll(db, sql: "SELECT id, name, currency FROM priceType ORDER BY sortOrder, id").map { ($0["id"], $0["name"], $0["currency"]) })
        }
    }

    public func priceRules() async throws -> [PriceRuleRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, c.name AS category, b.name AS brand, rg.name AS region, cp.name AS counterparty, h.name AS holding,
                        g.name AS userGroup, pt.name AS target, (SELECT count(*) FROM priceRuleProduct WHERE priceRuleId = r.id) AS listed,
                        pp.name || ' = ' || pv.value AS property, a.number AS agreement
                    FROM priceRule r LEFT JOIN category c ON c.id = r.categoryId LEFT JOIN brand b ON b.id = r.brandId
                    LEFT JOIN propertyValue pv ON pv.id = r.propertyValueId LEFT JOIN property pp ON pp.id = pv.propertyId
                    LEFT JOIN agreement a ON a.id = r.agreementId
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
                if let value = row["property"] as String? { product.append(value) }
                let listed: Int = row["listed"]
                if listed > 0 { product.append("\(listed) SKU") }
                var context: [String] = []
                for key in ["region", "counterparty", "holding", "agreement", "userGroup"] {
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
        let checked = try Self.checkPriceRule(form)
        return try await write { db in
            let resolved = try Self.resolvePriceRule(db, form, checked)
            try db.execute(
                sql: """
                    INSERT INTO priceRule (name, priority, validFrom, validTo, categoryId, brandId, productLine, propertyValueId, regionId,
                        counterpartyId, holdingId, agreementId, userGroupId, action, percent, amountMinor, targetPriceTypeId, availability)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: StatementArguments(Self.ruleValues(form, checked, resolved)))
            let id = db.lastInsertedRowID
            for productId in resolved.productIds {
                try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (?, ?)", arguments: [id, productId])
            }
            try Self.audit(db, actor: actor.userId, action: "pricing.rule_create", objectType: "priceRule", objectId: String(id))
            return id
        }
    }

    /// Replaces every field of a rule (product side, context side, priority, validity, action and
    /// its explicit product list) with the same checks as a new rule; its active flag is kept.
    /// One transaction; audited with the fields that changed (old → new).
    public func updatePriceRule(id: Int64, _ form: PriceRuleForm, actor: Principal) async throws {
        let checked = try Self.checkPriceRule(form)
        try await write { db in
            guard let old = try Row.fetchOne(db, sql: "SELECT * FROM priceRule WHERE id = ?", arguments: [id]) else { throw DomainError.notFound("rule") }
            let oldProducts = try Set(Int64.fetchAll(db, sql: "SELECT productId FROM priceRuleProduct WHERE priceRuleId = ?", arguments: [id]))
            let resolved = try Self.resolvePriceRule(db, form, checked)
            let values = Self.ruleValues(form, checked, resolved)
            try db.execute(
                sql: """
                    UPDATE priceRule SET name = ?, priority = ?, validFrom = ?, validTo = ?, categoryId = ?, brandId = ?, productLine = ?,
                        propertyValueId = ?, regionId = ?, counterpartyId = ?, holdingId = ?, agreementId = ?, userGroupId = ?, action = ?, percent = ?,
                        amountMinor = ?, targetPriceTypeId = ?, availability = ?
                    WHERE id = ?
                    """,
                arguments: StatementArguments(values + [id]))
            var changes: [String: String] = [:]
            for (column, value) in zip(Self.ruleColumns, values) {
                let before = old[column] as DatabaseValue
                let after = value?.databaseValue ?? .null
                if before != after { changes[column] = "\(Self.auditText(before)) → \(Self.auditText(after))" }
            }
            let newProducts = Set(resolved.productIds)
            if newProducts != oldProducts {
                try db.execute(sql: "DELETE FROM priceRuleProduct WHERE priceRuleId = ?", arguments: [id])
                for productId in resolved.productIds {
                    try db.execute(sql: "INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (?, ?)", arguments: [id, productId])
                }
                changes["products"] = "\(oldProducts.count) → \(newProducts.count)"
            }
            try Self.audit(db, actor: actor.userId, action: "pricing.rule_update", objectType: "priceRule", objectId: String(id), details: changes)
        }
    }

    /// A stored rule as the edit form shows it (SKUs one per line, the property value as
    /// "property = value"), or nil.
    public func priceRuleForm(id: Int64) async throws -> (form: PriceRuleForm, active: Bool)? {
        try await read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT r.*, p.name AS propertyName, pv.value AS propertyValue FROM priceRule r
                    LEFT JOIN propertyValue pv ON pv.id = r.propertyValueId LEFT JOIN property p ON p.id = pv.propertyId WHERE r.id = ?
                    """, arguments: [id])
            else { return nil }
            var form = PriceRuleForm()
            form.name = row["name"]
            form.priority = String(row["priority"] as Int)
            form.validFrom = (row["validFrom"] as String?).map { String($0.prefix(10)) } ?? ""
            form.validTo = (row["validTo"] as String?).map { String($0.prefix(10)) } ?? ""
            form.categoryId = row["categoryId"]
            form.brandId = row["brandId"]
            form.productLine = row["productLine"] ?? ""
            if let name = row["propertyName"] as String?, let value = row["propertyValue"] as String? { form.propertyValue = "\(name) = \(value)" }
            form.skus = try String.fetchAll(
                db, sql: "SELECT p.sku FROM priceRuleProduct rp JOIN product p ON p.id = rp.productId WHERE rp.priceRuleId = ? ORDER BY p.sku",
                arguments: [id]
            ).joined(separator: "\n")
            form.regionId = row["regionId"]
            form.counterpartyId = row["counterpartyId"]
            form.holdingId = row["holdingId"]
            form.agreementId = row["agreementId"]
            form.userGroupId = row["userGroupId"]
            form.action = row["action"]
            form.percent = row["percent"] ?? ""
            form.amount = (row["amountMinor"] as Int64?).map { Money(minorUnits: $0, currency: "RUB").decimalString } ?? ""
            form.targetPriceTypeId = row["targetPriceTypeId"]
            form.availability = row["availability"] ?? ""
            return (form, row["active"])
        }
    }

    /// The columns a rule form writes, in the order of `ruleValues`.
    static let ruleColumns = [
        "name", "priority", "validFrom", "validTo", "categoryId", "brandId", "productLine", "propertyValueId", "regionId", "counterpartyId",
        "holdingId", "agreementId", "userGroupId", "action", "percent", "amountMinor", "targetPriceTypeId", "availability",
    ]

    static func auditText(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "—"
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): String(text.prefix(100))
        case .blob: "…"
        }
    }

    /// What a rule form says after the checks that need no database.
    struct CheckedPriceRule {
        var name: String
        var priority: Int
        var from: String?
        var to: String?
        var productLine: String?
        var percent: String?
        var amount: Int64?
        var target: Int64?
        var availability: String?
        var skus: [String]
        /// "property = value", split; nil when the field is empty.
        var property: (name: String, value: String)?
    }

    /// Ids the database resolved: the explicit product list and the property value.
    struct ResolvedPriceRule {
        var productIds: [Int64]
        var propertyValueId: Int64?
    }

    static func ruleValues(_ form: PriceRuleForm, _ checked: CheckedPriceRule, _ resolved: ResolvedPriceRule) -> [(any DatabaseValueConvertible)?] {
        [
            checked.name, checked.priority, checked.from, checked.to, form.categoryId, form.brandId, checked.productLine, resolved.propertyValueId,
            form.regionId, form.counterpartyId, form.holdingId, form.agreementId, form.userGroupId, form.action, checked.percent, checked.amount,
            checked.target, checked.availability,
        ]
    }

    /// The checks of a rule form that need no database, all problems at once.
    static func checkPriceRule(_ form: PriceRuleForm) throws -> CheckedPriceRule {
        var issues: [String: ValidationError.FieldIssue] = [:]
        func issue(_ field: String, _ code: String, _ message: String) { issues[field] = .init(code: code, message: message) }
        let name = form.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { issue("name", "field.required", "This field is required.") }
        if name.count > 200 { issue("name", "field.too_long", "This is too long.") }
        let rawPriority = form.priority.trimmingCharacters(in: .whitespaces)
        let priority = Int(rawPriority.isEmpty ? "0" : rawPriority) ?? Int.min
        if !(-1000...1000).contains(priority) { issue("priority", "pricing.bad_priority", "Priority is a whole number from -1000 to 1000.") }
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
            if let value = ExactDecimal(parsing: form.percent.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")), value.units > 0,
                let whole = value.scaled(to: 1, rounding: true), whole <= (form.action == "discount" ? 100 : 1000)
            {
                percent = value.description
            } else {
                issue("percent", "pricing.bad_percent", "Enter a percentage above 0 (a discount up to 100).")
            }
        case "fixed":
            if let money = Money(decimal: form.amount.trimmingCharacters(in: .whitespaces), currency: "RUB"), money.minorUnits >= 0 {
                amount = money.minorUnits
            } else {
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
        var property: (name: String, value: String)?
        let rawProperty = form.propertyValue.trimmingCharacters(in: .whitespaces)
        if !rawProperty.isEmpty {
            if let equals = rawProperty.firstIndex(of: "="),
                case let name = rawProperty[..<equals].trimmingCharacters(in: .whitespaces),
                case let value = rawProperty[rawProperty.index(after: equals)...].trimmingCharacters(in: .whitespaces), !name.isEmpty, !value.isEmpty
            {
                property = (name, value)
            } else {
                issue("propertyValue", "pricing.bad_property_value", "Write the property and its value as \"Property = value\".")
            }
        }
        let line = form.productLine.trimmingCharacters(in: .whitespaces)
        if line.count > 200 { issue("productLine", "field.too_long", "This is too long.") }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        return CheckedPriceRule(
            name: name, priority: priority, from: from, to: to, productLine: line.isEmpty ? nil : line, percent: percent, amount: amount, target: target,
            availability: availability, skus: skus, property: property)
    }

    /// The checks that need the database: the SKUs and the property value exist, and every chosen
    /// category, brand, region, company, holding, agreement, group and price type still does.
    static func resolvePriceRule(_ db: Database, _ form: PriceRuleForm, _ checked: CheckedPriceRule) throws -> ResolvedPriceRule {
        var issues: [String: ValidationError.FieldIssue] = [:]
        var productIds: [Int64] = []
        var unknown: [String] = []
        var seen = Set<Int64>()
        for sku in checked.skus {
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku]) {
                if seen.insert(id).inserted { productIds.append(id) }
            } else {
                unknown.append(sku)
            }
        }
        if !unknown.isEmpty {
            issues["skus"] = .init(code: "pricing.unknown_skus", message: "Unknown SKUs: \(unknown.prefix(10).joined(separator: ", ")).")
        }
        var propertyValueId: Int64?
        if let property = checked.property {
            propertyValueId = try Int64.fetchOne(
                db,
                sql: """
                    SELECT pv.id FROM propertyValue pv JOIN property p ON p.id = pv.propertyId
                    WHERE p.name = ? COLLATE NOCASE AND pv.value = ? COLLATE NOCASE ORDER BY pv.id LIMIT 1
                    """, arguments: [property.name, property.value])
            if propertyValueId == nil {
                issues["propertyValue"] = .init(code: "pricing.unknown_property_value", message: "No product property has this value.")
            }
        }
        let references: [(field: String, table: String, id: Int64?)] = [
            ("categoryId", "category", form.categoryId), ("brandId", "brand", form.brandId), ("regionId", "region", form.regionId),
            ("counterpartyId", "counterparty", form.counterpartyId), ("holdingId", "holding", form.holdingId),
            ("agreementId", "agreement", form.agreementId), ("userGroupId", "userGroup", form.userGroupId),
            ("targetPriceTypeId", "priceType", checked.target),
        ]
        for reference in references {
            guard let id = reference.id else { continue }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(reference.table) WHERE id = ?)", arguments: [id]) != true {
                issues[reference.field] = .init(code: "pricing.unknown_choice", message: "This choice no longer exists; choose again.")
            }
        }
        if !issues.isEmpty { throw ValidationError(fields: issues) }
        return ResolvedPriceRule(productIds: productIds, propertyValueId: propertyValueId)
    }

    public func setPriceRuleActive(id: Int64, active: Bool, actor: Principal) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE priceRule SET active = ? WHERE id = ?", arguments: [active, id])
            guard db.changesCount == 1 else { throw DomainError.notFound("rule") }
            try Self.audit(db, actor: actor.userId, action: active ? "pricing.rule_enable" : "pricing.rule_disable", objectType: "priceRule", objectId: String(id))
        }
    }

    /// A product id by SKU (for the explain form).
    public func productId(sku: String) async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT id FROM product WHERE sku = ?", arguments: [sku.trimmingCharacters(in: .whitespaces)]) }
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
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT currency, day, rate FROM exchangeRate ORDER BY day DESC, currency LIMIT ?", arguments: [limit])
                .map { ExchangeRateRow(currency: $0["currency"], day: $0["day"], rate: $0["rate"]) }
        }
    }

    public func currencies() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT code FROM currency WHERE code <> 'RUB' ORDER BY code") }
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
        try await write { db in
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
