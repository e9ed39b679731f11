/// Everything prices are computed from, read from the database in one go: the catalog side
/// (dense product index with the attributes rules select by), price types, base prices,
/// assignments, agreement prices, mass rules and exchange rates. Immutable; a change builds a new
/// snapshot and a new `PriceMatrix`.
public struct PricingSnapshot: Sendable {
    public struct Product: Sendable, Equatable {
        public var id: Int64
        /// The product's categories and all their ancestors.
        public var categories: [Int64]
        public var brandId: Int64?
        public var productLine: String?
        public var propertyValues: [Int64]

        public init(id: Int64, categories: [Int64] = [], brandId: Int64? = nil, productLine: String? = nil, propertyValues: [Int64] = []) {
            self.id = id
            self.categories = categories
            self.brandId = brandId
            self.productLine = productLine
            self.propertyValues = propertyValues
        }
    }

    public enum Rounding: String, Sendable { case minor, whole }

    public struct PriceType: Sendable, Equatable {
        public var id: Int64
        public var currency: String
        public var rounding: Rounding
        public init(id: Int64, currency: String, rounding: Rounding = .minor) {
            self.id = id
            self.currency = currency
            self.rounding = rounding
        }
    }

    /// Which price type applies in a context. Every set field must match; the most specific
    /// matching assignment wins (agreement > counterparty > holding > user group > region), then
    /// the higher priority, then the lower id.
    public struct Assignment: Sendable, Equatable {
        public var id: Int64
        public var priceTypeId: Int64
        public var agreementId: Int64?
        public var counterpartyId: Int64?
        public var holdingId: Int64?
        public var userGroupId: Int64?
        public var regionId: Int64?
        public var priority: Int

        public init(
            id: Int64, priceTypeId: Int64, agreementId: Int64? = nil, counterpartyId: Int64? = nil, holdingId: Int64? = nil,
            userGroupId: Int64? = nil, regionId: Int64? = nil, priority: Int = 0
        ) {
            self.id = id
            self.priceTypeId = priceTypeId
            self.agreementId = agreementId
            self.counterpartyId = counterpartyId
            self.holdingId = holdingId
            self.userGroupId = userGroupId
            self.regionId = regionId
            self.priority = priority
        }

        public var specificity: Int {
            if agreementId != nil { return 5 }
            if counterpartyId != nil { return 4 }
            if holdingId != nil { return 3 }
            if userGroupId != nil { return 2 }
            if regionId != nil { return 1 }
            return 0
        }

        public func matches(_ context: PricingContext) -> Bool {
            (agreementId == nil || agreementId == context.agreementId)
                && (counterpartyId == nil || counterpartyId == context.counterpartyId)
                && (holdingId == nil || holdingId == context.holdingId)
                && (userGroupId == nil || context.userGroups.contains(userGroupId!))
                && (regionId == nil || regionId == context.regionId)
        }
    }

    public enum Action: Sendable, Hashable {
        case markup(ExactDecimal)
        case discount(ExactDecimal)
        /// A fixed price in minor units of the applying price type's currency.
        case fixed(Int64)
        case priceType(Int64)
        case hide
        case availability(String)

        /// Rules act on one aspect each; per aspect, the best-ranked matching rule wins.
        public enum Aspect: Sendable { case priceType, amount, hide, availability }

        public var aspect: Aspect {
            switch self {
            case .markup, .discount, .fixed: .amount
            case .priceType: .priceType
            case .hide: .hide
            case .availability: .availability
            }
        }
    }

    /// A mass rule: a product side and a context side (all set conditions must hold; none set
    /// selects everything), a priority, validity days and an action.
    public struct Rule: Sendable, Hashable {
        public var id: Int64
        public var priority: Int
        /// Inclusive `YYYY-MM-DD` bounds; nil is open.
        public var validFrom: String?
        public var validTo: String?
        public var categoryId: Int64?
        public var brandId: Int64?
        public var productLine: String?
        public var propertyValueId: Int64?
        /// Explicit product ids; nil means "no list condition".
        public var productIds: Set<Int64>?
        public var regionId: Int64?
        public var counterpartyId: Int64?
        public var holdingId: Int64?
        public var agreementId: Int64?
        public var userGroupId: Int64?
        public var action: Action

        public init(
            id: Int64, priority: Int = 0, validFrom: String? = nil, validTo: String? = nil, categoryId: Int64? = nil, brandId: Int64? = nil,
            productLine: String? = nil, propertyValueId: Int64? = nil, productIds: Set<Int64>? = nil, regionId: Int64? = nil,
            counterpartyId: Int64? = nil, holdingId: Int64? = nil, agreementId: Int64? = nil, userGroupId: Int64? = nil, action: Action
        ) {
            self.id = id
            self.priority = priority
            self.validFrom = validFrom
            self.validTo = validTo
            self.categoryId = categoryId
            self.brandId = brandId
            self.productLine = productLine
            self.propertyValueId = propertyValueId
            self.productIds = productIds
            self.regionId = regionId
            self.counterpartyId = counterpartyId
            self.holdingId = holdingId
            self.agreementId = agreementId
            self.userGroupId = userGroupId
            self.action = action
        }

        public func isValid(on day: String) -> Bool {
            (validFrom == nil || validFrom! <= day) && (validTo == nil || day <= validTo!)
        }

        public func matches(_ context: PricingContext) -> Bool {
            isValid(on: context.day)
                && (regionId == nil || regionId == context.regionId)
                && (counterpartyId == nil || counterpartyId == context.counterpartyId)
                && (holdingId == nil || holdingId == context.holdingId)
                && (agreementId == nil || agreementId == context.agreementId)
                && (userGroupId == nil || context.userGroups.contains(userGroupId!))
        }

        public func selects(_ product: Product) -> Bool {
            (categoryId == nil || product.categories.contains(categoryId!))
                && (brandId == nil || product.brandId == brandId)
                && (productLine == nil || product.productLine == productLine)
                && (propertyValueId == nil || product.propertyValues.contains(propertyValueId!))
                && (productIds == nil || productIds!.contains(product.id))
        }

        /// Ranking: higher priority first, then lower id. The first-ranked rule of an aspect wins.
        public static func ranksBefore(_ lhs: Rule, _ rhs: Rule) -> Bool {
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : lhs.id < rhs.id
        }
    }

    /// An explicit base price of an alternative unit (a box, a pack) of a product.
    public struct UnitPriceKey: Sendable, Hashable {
        public var priceTypeId: Int64
        public var productId: Int64
        public var unitId: Int64
        public init(priceTypeId: Int64, productId: Int64, unitId: Int64) {
            self.priceTypeId = priceTypeId
            self.productId = productId
            self.unitId = unitId
        }
    }

    public var products: [Product]
    public var priceTypes: [Int64: PriceType]
    public var defaultPriceTypeId: Int64?
    /// Base prices per price type, for each product index (nil: no price); the base unit's.
    public var basePrices: [Int64: [Int64?]]
    /// Base prices of alternative units given explicitly (price type × product × unit), in the
    /// price type's currency; such a unit costs this price (with the product's percentage rule)
    /// instead of the base unit's price × the unit's factor. Sparse: most units have none.
    public var unitPrices: [UnitPriceKey: Int64]
    public var assignments: [Assignment]
    /// Individual prices of agreements: agreement → product id → minor units in the display currency.
    public var agreementPrices: [Int64: [Int64: Int64]]
    public var rules: [Rule]
    /// Roubles (display currency) per unit of a currency, per banking day.
    public var rates: ExchangeRates
    public var displayCurrency: String

    public init(
        products: [Product], priceTypes: [PriceType], defaultPriceTypeId: Int64?, basePrices: [Int64: [Int64?]],
        assignments: [Assignment] = [], agreementPrices: [Int64: [Int64: Int64]] = [:], rules: [Rule] = [],
        rates: ExchangeRates = ExchangeRates(), displayCurrency: String = "RUB", unitPrices: [UnitPriceKey: Int64] = [:]
    ) {
        self.products = products
        self.unitPrices = unitPrices
        self.priceTypes = Dictionary(uniqueKeysWithValues: priceTypes.map { ($0.id, $0) })
        self.defaultPriceTypeId = defaultPriceTypeId
        self.basePrices = basePrices
        self.assignments = assignments
        self.agreementPrices = agreementPrices
        self.rules = rules
        self.rates = rates
        self.displayCurrency = displayCurrency
    }

    /// The price type assigned to a context (before rules that switch it).
    public func assignedPriceType(_ context: PricingContext) -> Int64? {
        if let override = context.priceTypeOverride, priceTypes[override] != nil { return override }
        return assignment(for: context)?.priceTypeId ?? defaultPriceTypeId
    }

    /// The assignment that gives a context its price type (nil: the default price type), ignoring
    /// a threshold override.
    public func assignment(for context: PricingContext) -> Assignment? {
        var best: Assignment?
        for assignment in assignments where assignment.matches(context) {
            guard let current = best else {
                best = assignment
                continue
            }
            if (assignment.specificity, assignment.priority, -assignment.id) > (current.specificity, current.priority, -current.id) {
                best = assignment
            }
        }
        return best
    }
}

/// Exchange rates per banking day: a price is converted at the rate of the latest banking day
/// not after the day asked.
public struct ExchangeRates: Sendable, Equatable {
    /// currency → (day, rate) sorted by day.
    public var table: [String: [(day: String, rate: ExactDecimal)]]

    public init(_ entries: [(currency: String, day: String, rate: ExactDecimal)] = []) {
        var table: [String: [(day: String, rate: ExactDecimal)]] = [:]
        for entry in entries { table[entry.currency, default: []].append((entry.day, entry.rate)) }
        for key in table.keys { table[key]!.sort { $0.day < $1.day } }
        self.table = table
    }

    public func rate(_ currency: String, on day: String) -> ExactDecimal? {
        guard let list = table[currency] else { return nil }
        var found: ExactDecimal?
        for entry in list {
            if entry.day <= day { found = entry.rate } else { break }
        }
        return found
    }

    public static func == (lhs: ExchangeRates, rhs: ExchangeRates) -> Bool {
        lhs.table.keys.sorted() == rhs.table.keys.sorted()
            && lhs.table.allSatisfy { key, value in
                let other = rhs.table[key]!
                return value.count == other.count && zip(value, other).allSatisfy { $0.day == $1.day && $0.rate == $1.rate }
            }
    }
}

/// Who is buying and when: what selects the price type and the rules.
public struct PricingContext: Hashable, Sendable {
    public var counterpartyId: Int64?
    public var agreementId: Int64?
    public var holdingId: Int64?
    public var regionId: Int64?
    public var userGroups: [Int64]
    /// The banking day, `YYYY-MM-DD`.
    public var day: String
    /// A price type that replaces the assigned one (a cart total reached a threshold). Rules that
    /// switch the price type still apply on top of it.
    public var priceTypeOverride: Int64?

    public init(
        counterpartyId: Int64? = nil, agreementId: Int64? = nil, holdingId: Int64? = nil, regionId: Int64? = nil, userGroups: [Int64] = [],
        day: String, priceTypeOverride: Int64? = nil
    ) {
        self.priceTypeOverride = priceTypeOverride
        self.counterpartyId = counterpartyId
        self.agreementId = agreementId
        self.holdingId = holdingId
        self.regionId = regionId
        self.userGroups = userGroups.sorted()
        self.day = day
    }
}

/// A price as a buyer sees it, with why.
public struct PriceQuote: Sendable, Equatable {
    /// `erp`: the ERP's final price for the cart, asked through the price hook (never in the matrix).
    public enum Source: String, Sendable { case base, agreement, fixedRule, percentRule, erp }

    /// Final amount in minor units of `currency`; nil when there is no price.
    public var amountMinor: Int64?
    public var currency: String
    public var priceTypeId: Int64?
    public var hidden: Bool
    public var availability: String?
    public var source: Source
    /// The rules that made this price, best-ranked first (switch, amount, availability).
    public var ruleIds: [Int64]

    public init(
        amountMinor: Int64?, currency: String, priceTypeId: Int64?, hidden: Bool = false, availability: String? = nil, source: Source = .base,
        ruleIds: [Int64] = []
    ) {
        self.amountMinor = amountMinor
        self.currency = currency
        self.priceTypeId = priceTypeId
        self.hidden = hidden
        self.availability = availability
        self.source = source
        self.ruleIds = ruleIds
    }
}

/// The arithmetic of a price, in one place: apply the amount rule in the price type's currency
/// (one rounding to its minor unit), convert to the display currency at the day's rate (one
/// rounding), then — for a *computed* price (a percentage or a conversion) — round to whole units
/// when the price type says so. Base prices and fixed prices are shown as entered. Half away
/// from zero throughout.
public enum PricingMath {
    public static func final(
        baseMinor: Int64?, amountRule: PricingSnapshot.Action?, priceType: PricingSnapshot.PriceType, snapshot: PricingSnapshot, day: String
    ) -> Int64? {
        var amount: Money
        var computed = false
        switch amountRule {
        case .fixed(let minor):
            amount = Money(minorUnits: minor, currency: priceType.currency)
        case .markup(let percent):
            guard let baseMinor else { return nil }
            amount = Money(minorUnits: baseMinor, currency: priceType.currency).multiplied(by: factor(percent, sign: 1))
            computed = true
        case .discount(let percent):
            guard let baseMinor else { return nil }
            amount = Money(minorUnits: baseMinor, currency: priceType.currency).multiplied(by: factor(percent, sign: -1))
            computed = true
        default:
            guard let baseMinor else { return nil }
            amount = Money(minorUnits: baseMinor, currency: priceType.currency)
        }
        if priceType.currency != snapshot.displayCurrency {
            guard let rate = snapshot.rates.rate(priceType.currency, on: day) else { return nil }
            amount = Money(minorUnits: amount.multiplied(by: rate).minorUnits, currency: snapshot.displayCurrency)
            computed = true
        }
        var minor = max(0, amount.minorUnits)
        if computed && priceType.rounding == .whole {
            let scale = Money.scale(of: snapshot.displayCurrency)
            minor = Money.rounded(numerator: Int128(minor), denominator: Int128(scale)) * scale
        }
        return minor
    }

    /// The price of one alternative unit holding `factor` base units, from the base unit's quote:
    /// an agreement's individual price and a fixed-price rule are per base unit (× factor); else
    /// an explicit base price of the unit under the quote's price type, with the percentage rule
    /// that made the base unit's price; else the base unit's price × factor. One rounding each.
    public static func unit(
        _ quote: PriceQuote, explicitBase: Int64?, percentRule: PricingSnapshot.Action?, snapshot: PricingSnapshot, day: String, factor: ExactDecimal
    ) -> Int64? {
        func scaled(_ minor: Int64?) -> Int64? {
            minor.map { Money(minorUnits: $0, currency: snapshot.displayCurrency).multiplied(by: factor).minorUnits }
        }
        switch quote.source {
        case .agreement, .fixedRule, .erp: return scaled(quote.amountMinor)
        case .base, .percentRule:
            guard let explicitBase, let typeId = quote.priceTypeId, let type = snapshot.priceTypes[typeId] else { return scaled(quote.amountMinor) }
            return final(baseMinor: explicitBase, amountRule: quote.source == .percentRule ? percentRule : nil, priceType: type, snapshot: snapshot, day: day)
        }
    }

    /// `1 ± percent/100` as an exact decimal.
    static func factor(_ percent: ExactDecimal, sign: Int64) -> ExactDecimal {
        // (100 ± p) / 100 with p = units/scale → (100·scale ± units) / (100·scale)
        ExactDecimal(units: 100 * percent.scale + sign * percent.units, scale: 100 * percent.scale)
    }
}
