/// The plain evaluator: rule by rule, product by product, obviously right and slow. It exists to
/// check `PriceMatrix` in property-based tests and to explain a single price to staff.
public enum PricingReference {
    public static func quote(_ snapshot: PricingSnapshot, context: PricingContext, productIndex: Int) -> PriceQuote {
        quote(snapshot, context: context, productIndex: productIndex, unitId: nil, factor: ExactDecimal(1))
    }

    /// The price of one `unitId` holding `factor` base units. An agreement's individual price and
    /// a fixed-price rule are per base unit: × factor. Otherwise, when the price type has an
    /// explicit price for this unit, that price is the base (the percentage rule applies to it);
    /// when not, the base unit's final price × factor.
    public static func quote(_ snapshot: PricingSnapshot, context: PricingContext, productIndex: Int, unitId: Int64?, factor: ExactDecimal) -> PriceQuote {
        let product = snapshot.products[productIndex]
        func perUnit(_ minor: Int64?) -> Int64? {
            guard let minor else { return nil }
            return Money(minorUnits: minor, currency: snapshot.displayCurrency).multiplied(by: factor).minorUnits
        }
        // A switch to a price type that does not exist is no rule at all.
        let applicable = snapshot.rules
            .filter { $0.matches(context) && $0.selects(product) }
            .filter { rule in
                if case .priceType(let target) = rule.action { return snapshot.priceTypes[target] != nil }
                return true
            }
            .sorted(by: PricingSnapshot.Rule.ranksBefore)
        func top(_ aspect: PricingSnapshot.Action.Aspect) -> PricingSnapshot.Rule? {
            applicable.first { $0.action.aspect == aspect }
        }
        let hidden = top(.hide) != nil
        var availability: String?
        var ruleIds: [Int64] = []
        if let rule = top(.availability), case .availability(let value) = rule.action { availability = value }

        var priceTypeId = snapshot.assignedPriceType(context)
        if let rule = top(.priceType), case .priceType(let target) = rule.action, snapshot.priceTypes[target] != nil {
            priceTypeId = target
            ruleIds.append(rule.id)
        }
        if let agreement = context.agreementId, let individual = snapshot.agreementPrices[agreement]?[product.id] {
            return PriceQuote(
                amountMinor: perUnit(individual), currency: snapshot.displayCurrency, priceTypeId: priceTypeId, hidden: hidden,
                availability: availability, source: .agreement, ruleIds: ruleIds)
        }
        guard let typeId = priceTypeId, let priceType = snapshot.priceTypes[typeId] else {
            return PriceQuote(amountMinor: nil, currency: snapshot.displayCurrency, priceTypeId: nil, hidden: hidden, availability: availability)
        }
        let base = snapshot.basePrices[typeId].flatMap { productIndex < $0.count ? $0[productIndex] : nil }
        let amountRule = top(.amount)
        if let amountRule { ruleIds.append(amountRule.id) }
        var amount: Int64?
        let explicit = unitId.flatMap { snapshot.unitPrices[.init(priceTypeId: typeId, productId: product.id, unitId: $0)] }
        if case .fixed? = amountRule?.action {
            amount = perUnit(PricingMath.final(baseMinor: base, amountRule: amountRule?.action, priceType: priceType, snapshot: snapshot, day: context.day))
        } else if let explicit {
            amount = PricingMath.final(baseMinor: explicit, amountRule: amountRule?.action, priceType: priceType, snapshot: snapshot, day: context.day)
        } else {
            amount = perUnit(PricingMath.final(baseMinor: base, amountRule: amountRule?.action, priceType: priceType, snapshot: snapshot, day: context.day))
        }
        let source: PriceQuote.Source
        switch amountRule?.action {
        case .fixed: source = .fixedRule
        case .markup, .discount: source = .percentRule
        default: source = .base
        }
        return PriceQuote(
            amountMinor: amount, currency: snapshot.displayCurrency, priceTypeId: typeId, hidden: hidden, availability: availability,
            source: source, ruleIds: ruleIds)
    }
}
