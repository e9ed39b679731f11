/// One line of a cart as pricing sees it: which product, how many of which unit.
public struct CartItem: Sendable, Equatable {
    public var productId: Int64
    /// Base units in one of the line's unit ("12" for a box of 12).
    public var factor: ExactDecimal
    public var qtyMilli: Int64
    /// VAT rate in percent, included in the price.
    public var vatRate: ExactDecimal
    /// The product's categories and their ancestors (for promocodes limited to a category).
    public var categories: [Int64]
    /// The line's unit: an alternative unit may have an explicit price (nil: the base unit's price × factor).
    public var unitId: Int64?

    public init(
        productId: Int64, factor: ExactDecimal = ExactDecimal(1), qtyMilli: Int64, vatRate: ExactDecimal = ExactDecimal(20), categories: [Int64] = [],
        unitId: Int64? = nil
    ) {
        self.unitId = unitId
        self.productId = productId
        self.factor = factor
        self.qtyMilli = qtyMilli
        self.vatRate = vatRate
        self.categories = categories
    }
}

/// "From a cart total of X at price type A, price everything at type B."
public struct CartThreshold: Sendable, Equatable {
    public var id: Int64
    /// The price type the rule starts from; nil: any.
    public var fromPriceTypeId: Int64?
    public var minTotalMinor: Int64
    public var priceTypeId: Int64

    public init(id: Int64, fromPriceTypeId: Int64?, minTotalMinor: Int64, priceTypeId: Int64) {
        self.id = id
        self.fromPriceTypeId = fromPriceTypeId
        self.minTotalMinor = minTotalMinor
        self.priceTypeId = priceTypeId
    }
}

/// A promocode the buyer entered, already checked for dates and use limits by the store.
public struct CartPromocode: Sendable, Equatable {
    public enum Discount: Sendable, Equatable {
        case percent(ExactDecimal)
        case fixed(Int64)
    }

    public var id: Int64
    public var code: String
    public var discount: Discount
    public var categoryId: Int64?
    public var productId: Int64?
    public var minTotalMinor: Int64
    /// Why the code cannot be used at all (expired, used up), as an error code; nil when usable.
    public var refusal: String?

    public init(
        id: Int64, code: String, discount: Discount, categoryId: Int64? = nil, productId: Int64? = nil, minTotalMinor: Int64 = 0,
        refusal: String? = nil
    ) {
        self.id = id
        self.code = code
        self.discount = discount
        self.categoryId = categoryId
        self.productId = productId
        self.minTotalMinor = minTotalMinor
        self.refusal = refusal
    }

    func covers(_ item: CartItem) -> Bool {
        if let productId, productId != item.productId { return false }
        if let categoryId, !item.categories.contains(categoryId) { return false }
        return true
    }
}

/// A cart with every price, discount and the reasons for them.
public struct PricedCart: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var productId: Int64
        /// Price of one of the line's unit; nil when the buyer has no price for it.
        public var unitPriceMinor: Int64?
        public var amountMinor: Int64
        public var discountMinor: Int64
        public var vatMinor: Int64
        /// The product is hidden from this buyer (another region's catalog, a rule).
        public var hidden: Bool
        public var priceTypeId: Int64?
        public var ruleIds: [Int64]
        /// What made the unit price (for "why this price").
        public var source: PriceQuote.Source = .base

        public var totalMinor: Int64 { amountMinor - discountMinor }
    }

    public enum PromocodeOutcome: Sendable, Equatable {
        case applied(code: String, discountMinor: Int64)
        /// The code exists but gives nothing now: `reason` is an error code, `values` fill it.
        case notApplied(code: String, reason: String, values: [String: String])
    }

    public var lines: [Line]
    public var currency: String
    public var subtotalMinor: Int64
    public var discountMinor: Int64
    public var vatMinor: Int64
    /// The price type most lines were priced at (after a threshold).
    public var priceTypeId: Int64?
    public var appliedThreshold: CartThreshold?
    /// The next threshold and how much more the cart needs to reach it.
    public var nextThreshold: (threshold: CartThreshold, missingMinor: Int64)?
    public var promocode: PromocodeOutcome?
    /// The ERP answered the price hook: its prices replaced the matrix's where it gave one.
    public var detailedByERP = false

    public var totalMinor: Int64 { subtotalMinor - discountMinor }
    /// Every line has a price and is visible: the cart can be ordered.
    public var isOrderable: Bool { !lines.isEmpty && lines.allSatisfy { $0.unitPriceMinor != nil && !$0.hidden } }

    public static func == (lhs: PricedCart, rhs: PricedCart) -> Bool {
        lhs.lines == rhs.lines && lhs.currency == rhs.currency && lhs.subtotalMinor == rhs.subtotalMinor
            && lhs.discountMinor == rhs.discountMinor && lhs.vatMinor == rhs.vatMinor && lhs.priceTypeId == rhs.priceTypeId
            && lhs.appliedThreshold == rhs.appliedThreshold && lhs.nextThreshold?.threshold == rhs.nextThreshold?.threshold
            && lhs.nextThreshold?.missingMinor == rhs.nextThreshold?.missingMinor && lhs.promocode == rhs.promocode
            && lhs.detailedByERP == rhs.detailedByERP
    }
}

/// Prices a cart in a buyer's context: line prices from the matrix, then cart-level price type
/// thresholds, then the promocode. Pure: the same inputs give the same cart, to the kopeck.
public enum CartPricing {
    public static func price(
        _ items: [CartItem], matrix: PriceMatrix, context: PricingContext, thresholds: [CartThreshold] = [], promocode: CartPromocode? = nil
    ) -> PricedCart {
        var cart = priceLines(items, view: matrix.view(for: context))
        let assigned = matrix.snapshot.assignedPriceType(context)
        cart.priceTypeId = assigned

        // Thresholds that start from the assigned type and lead to a type that exists.
        let candidates = thresholds
            .filter { ($0.fromPriceTypeId == nil || $0.fromPriceTypeId == assigned) && $0.priceTypeId != assigned }
            .filter { matrix.snapshot.priceTypes[$0.priceTypeId] != nil }
            .sorted { ($0.minTotalMinor, $0.id) > ($1.minTotalMinor, $1.id) }
        let base = cart
        for threshold in candidates where base.subtotalMinor >= threshold.minTotalMinor {
            var switched = context
            switched.priceTypeOverride = threshold.priceTypeId
            var repriced = priceLines(items, view: matrix.view(for: switched))
            // A threshold never makes an orderable cart dearer or leaves a line without a price.
            guard repriced.isOrderable || !base.isOrderable, repriced.subtotalMinor <= base.subtotalMinor else { continue }
            repriced.priceTypeId = threshold.priceTypeId
            repriced.appliedThreshold = threshold
            cart = repriced
            break
        }
        let reached = cart.appliedThreshold?.minTotalMinor ?? 0
        if let next = candidates.filter({ $0.minTotalMinor > reached && $0.minTotalMinor > base.subtotalMinor }).min(by: {
            $0.minTotalMinor < $1.minTotalMinor
        }) {
            cart.nextThreshold = (next, next.minTotalMinor - base.subtotalMinor)
        }
        if let promocode { apply(promocode, to: &cart, items: items) }
        return cart
    }

    static func priceLines(_ items: [CartItem], view: PriceView) -> PricedCart {
        var lines: [PricedCart.Line] = []
        lines.reserveCapacity(items.count)
        for item in items {
            // The price of one of the line's unit: its own price when it has one, else base × factor.
            let quote = view.quote(productId: item.productId, unitId: item.unitId, factor: item.factor)
            let currency = view.currency
            let unitPrice = quote?.amountMinor
            let amount = unitPrice.map {
                Money(minorUnits: $0, currency: currency).multiplied(by: ExactDecimal(units: item.qtyMilli, scale: 1000)).minorUnits
            } ?? 0
            lines.append(
                PricedCart.Line(
                    productId: item.productId, unitPriceMinor: unitPrice, amountMinor: amount, discountMinor: 0,
                    vatMinor: vat(of: amount, rate: item.vatRate), hidden: quote?.hidden ?? true, priceTypeId: quote?.priceTypeId,
                    ruleIds: quote?.ruleIds ?? [], source: quote?.source ?? .base))
        }
        let subtotal = Money.sum(lines.map(\.amountMinor))
        return PricedCart(
            lines: lines, currency: view.currency, subtotalMinor: subtotal, discountMinor: 0, vatMinor: Money.sum(lines.map(\.vatMinor)),
            priceTypeId: nil, appliedThreshold: nil, nextThreshold: nil, promocode: nil)
    }

    /// The cart with the ERP's final unit prices (the price hook's answer, one per line, nil where
    /// the ERP gave none): those lines cost the ERP's price (source `erp`, no rules), hidden lines
    /// stay unpriced, amounts and VAT are recomputed, and the promocode is applied again on the
    /// new amounts. The next threshold is dropped (the ERP's prices decide, not the matrix's).
    public static func detailed(_ cart: PricedCart, items: [CartItem], unitPrices: [Int64?], promocode: CartPromocode?) -> PricedCart {
        guard unitPrices.count == cart.lines.count, items.count == cart.lines.count else { return cart }
        var detailed = cart
        for index in detailed.lines.indices {
            detailed.lines[index].discountMinor = 0
            guard let price = unitPrices[index], price >= 0, !detailed.lines[index].hidden else { continue }
            let amount = Money(minorUnits: price, currency: cart.currency).multiplied(by: ExactDecimal(units: items[index].qtyMilli, scale: 1000)).minorUnits
            detailed.lines[index].unitPriceMinor = price
            detailed.lines[index].amountMinor = amount
            detailed.lines[index].source = .erp
            detailed.lines[index].ruleIds = []
        }
        for index in detailed.lines.indices {
            detailed.lines[index].vatMinor = vat(of: detailed.lines[index].amountMinor, rate: items[index].vatRate)
        }
        detailed.subtotalMinor = Money.sum(detailed.lines.map(\.amountMinor))
        detailed.discountMinor = 0
        detailed.vatMinor = Money.sum(detailed.lines.map(\.vatMinor))
        detailed.promocode = nil
        detailed.nextThreshold = nil
        detailed.detailedByERP = true
        if let promocode { apply(promocode, to: &detailed, items: items) }
        return detailed
    }

    /// VAT included in an amount: amount × rate / (100 + rate), rounded once.
    public static func vat(of amountMinor: Int64, rate: ExactDecimal) -> Int64 {
        guard rate.units > 0 else { return 0 }
        let numerator = Int128(amountMinor) * Int128(rate.units)
        let denominator = Int128(100) * Int128(rate.scale) + Int128(rate.units)
        return Money.rounded(numerator: numerator, denominator: denominator)
    }

    static func apply(_ promocode: CartPromocode, to cart: inout PricedCart, items: [CartItem]) {
        func refuse(_ reason: String, _ values: [String: String] = [:]) {
            cart.promocode = .notApplied(code: promocode.code, reason: reason, values: values)
        }
        if let refusal = promocode.refusal { return refuse(refusal) }
        if cart.subtotalMinor < promocode.minTotalMinor {
            let amount = Money(minorUnits: promocode.minTotalMinor, currency: cart.currency).decimalString
            return refuse("promocode.min_total", ["amount": amount, "currency": cart.currency])
        }
        let eligible = cart.lines.indices.filter { promocode.covers(items[$0]) && cart.lines[$0].amountMinor > 0 }
        let eligibleTotal = Money.sum(eligible.map { cart.lines[$0].amountMinor })
        guard eligibleTotal > 0 else { return refuse("promocode.no_eligible_lines") }
        switch promocode.discount {
        case .percent(let percent):
            for index in eligible {
                let amount = cart.lines[index].amountMinor
                let discount = Money.rounded(
                    numerator: Int128(amount) * Int128(percent.units), denominator: Int128(100) * Int128(percent.scale))
                cart.lines[index].discountMinor = min(max(discount, 0), amount)
            }
        case .fixed(let fixed):
            let total = min(fixed, eligibleTotal)
            // Spread over the lines in proportion to their amounts; largest remainders get the
            // leftover kopecks, so the line discounts add up to the code's amount exactly.
            var shares: [(index: Int, floor: Int64, remainder: Int128)] = eligible.map { index in
                let product = Int128(cart.lines[index].amountMinor) * Int128(total)
                return (index, Int64(product / Int128(eligibleTotal)), product % Int128(eligibleTotal))
            }
            var left = total - shares.reduce(0) { $0 + $1.floor }
            shares.sort { ($0.remainder, -$0.index) > ($1.remainder, -$1.index) }
            for position in shares.indices where left > 0 {
                shares[position].floor += 1
                left -= 1
            }
            for share in shares { cart.lines[share.index].discountMinor = share.floor }
        }
        for index in cart.lines.indices {
            cart.lines[index].vatMinor = vat(of: cart.lines[index].totalMinor, rate: items[index].vatRate)
        }
        cart.discountMinor = Money.sum(cart.lines.map(\.discountMinor))
        cart.vatMinor = Money.sum(cart.lines.map(\.vatMinor))
        cart.promocode = .applied(code: promocode.code, discountMinor: cart.discountMinor)
    }
}
