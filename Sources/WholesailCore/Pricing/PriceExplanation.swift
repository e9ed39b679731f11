/// One line of "why this price" for a buyer: an i18n key (`price.why.*`) and the values that fill
/// its placeholders. Amounts stay in minor units of the display currency for the page to format.
public struct PriceReason: Sendable, Equatable {
    public var key: String
    public var values: [String: String]
    public var amounts: [String: Int64]

    public init(_ key: String, _ values: [String: String] = [:], amounts: [String: Int64] = [:]) {
        self.key = key
        self.values = values
        self.amounts = amounts
    }
}

/// Turns a price into the plain reasons a buyer may read. What a buyer sees: their own agreement's
/// number and date, price type names, the kind of a rule and its percentage or "fixed", the day
/// a rule ends, a cart threshold reached and the promocode. What a buyer never sees: rule names
/// and ids (they are internal), which holding, group or company a rule targets, and anything of
/// an agreement that is not the buyer's own (the context's). Staff get the full trace elsewhere.
public enum PriceExplainer {
    /// The buyer's own agreement as shown to them.
    public struct Agreement: Sendable, Equatable {
        public var id: Int64
        public var number: String
        /// `YYYY-MM-DD`.
        public var date: String

        public init(id: Int64, number: String, date: String) {
            self.id = id
            self.number = number
            self.date = date
        }
    }

    /// Names the reasons mention.
    public struct Names: Sendable, Equatable {
        public var priceTypes: [Int64: String]
        /// The agreement of the buyer's context; ignored unless its id is the context's agreement.
        public var agreement: Agreement?

        public init(priceTypes: [Int64: String] = [:], agreement: Agreement? = nil) {
            self.priceTypes = priceTypes
            self.agreement = agreement
        }
    }

    /// Why one product costs what it does for this buyer. Empty for a hidden product.
    public static func reasons(for quote: PriceQuote, context: PricingContext, snapshot: PricingSnapshot, names: Names) -> [PriceReason] {
        guard !quote.hidden else { return [] }
        guard quote.amountMinor != nil else { return [PriceReason("price.why.no_price")] }
        if quote.source == .erp { return [PriceReason("price.why.erp")] }
        let agreement = names.agreement.flatMap { $0.id == context.agreementId && context.agreementId != nil ? $0 : nil }
        if quote.source == .agreement {
            if let agreement { return [PriceReason("price.why.agreement_price", ["number": agreement.number, "date": agreement.date])] }
            return [PriceReason("price.why.agreement_price_unnamed")]
        }
        let rules = quote.ruleIds.compactMap { id in snapshot.rules.first { $0.id == id } }
        var reasons: [PriceReason] = []
        let typeName = quote.priceTypeId.flatMap { names.priceTypes[$0] } ?? ""
        let type = ["priceType": typeName]
        if rules.contains(where: { $0.action.aspect == .priceType }) {
            reasons.append(PriceReason("price.why.price_type_rule", type))
        } else if let override = context.priceTypeOverride, override == quote.priceTypeId {
            reasons.append(PriceReason("price.why.price_type_threshold", type))
        } else {
            let assignment = snapshot.assignment(for: context)
            switch assignment?.specificity {
            case 5?:
                if let agreement {
                    reasons.append(PriceReason("price.why.price_type_agreement", type.merging(["number": agreement.number, "date": agreement.date]) { $1 }))
                } else {
                    reasons.append(PriceReason("price.why.price_type_company", type))
                }
            case 4?: reasons.append(PriceReason("price.why.price_type_company", type))
            case 3?: reasons.append(PriceReason("price.why.price_type_holding", type))
            case 2?: reasons.append(PriceReason("price.why.price_type_group", type))
            case 1?: reasons.append(PriceReason("price.why.price_type_region", type))
            default: reasons.append(PriceReason("price.why.price_type_default", type))
            }
        }
        if let rule = rules.first(where: { $0.action.aspect == .amount }) {
            switch rule.action {
            case .discount(let percent): reasons.append(PriceReason("price.why.discount", ["percent": percent.description].merging(type) { $1 }))
            case .markup(let percent): reasons.append(PriceReason("price.why.markup", ["percent": percent.description].merging(type) { $1 }))
            case .fixed: reasons.append(PriceReason("price.why.fixed"))
            default: break
            }
            if let until = rule.validTo { reasons.append(PriceReason("price.why.valid_until", ["date": String(until.prefix(10))])) }
        }
        return reasons
    }

    /// Why a whole cart costs what it does beyond its lines: a threshold reached, a promocode.
    public static func cartReasons(_ cart: PricedCart, names: Names) -> [PriceReason] {
        var reasons: [PriceReason] = []
        if let threshold = cart.appliedThreshold {
            reasons.append(
                PriceReason(
                    "price.why.cart_threshold", ["priceType": names.priceTypes[threshold.priceTypeId] ?? ""],
                    amounts: ["total": threshold.minTotalMinor]))
        }
        if case .applied(let code, let discount)? = cart.promocode, discount > 0 {
            reasons.append(PriceReason("price.why.promocode", ["code": code], amounts: ["discount": discount]))
        }
        return reasons
    }

    /// The quote a priced cart line stands for, with the context it was priced in (a threshold
    /// the cart reached overrides the price type).
    public static func lineReasons(_ line: PricedCart.Line, cart: PricedCart, context: PricingContext, snapshot: PricingSnapshot, names: Names) -> [PriceReason] {
        var lineContext = context
        lineContext.priceTypeOverride = cart.appliedThreshold?.priceTypeId
        let quote = PriceQuote(
            amountMinor: line.unitPriceMinor, currency: cart.currency, priceTypeId: line.priceTypeId, hidden: line.hidden, source: line.source,
            ruleIds: line.ruleIds)
        return reasons(for: quote, context: lineContext, snapshot: snapshot, names: names)
    }
}
