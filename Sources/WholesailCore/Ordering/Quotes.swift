/// Where a request for quote stands. Stored: `requested` (waiting for the manager), `offered`
/// (waiting for the buyer), `accepted` (became an order), `declined` (the buyer closed it).
/// `expired` is never stored: it is an offer whose validity date has passed.
public enum QuoteStatus: String, Sendable, CaseIterable {
    case requested, offered, accepted, declined, expired

    /// The status to show on `today` (`YYYY-MM-DD`) for a stored status and validity date.
    public static func shown(stored: String, validUntil: String?, today: String) -> QuoteStatus {
        let status = QuoteStatus(rawValue: stored) ?? .requested
        if status == .offered, let validUntil, validUntil < today { return .expired }
        return status
    }

    /// The buyer may accept (an order at the quoted prices).
    public var acceptable: Bool { self == .offered }
    /// The buyer may answer with new targets, or close it.
    public var buyerMayAnswer: Bool { self == .offered || self == .expired || self == .requested }
    /// The manager may make (or renew) an offer.
    public var managerMayOffer: Bool { self == .requested || self == .offered || self == .expired }
    /// Nothing more happens to it.
    public var closed: Bool { self == .accepted || self == .declined }
}

/// One line of a priced quote: the product's line in its unit and the price of one unit.
public struct QuotedItem: Sendable, Equatable {
    public var item: CartItem
    public var priceMinor: Int64

    public init(item: CartItem, priceMinor: Int64) {
        self.item = item
        self.priceMinor = priceMinor
    }
}

extension CartPricing {
    /// A cart at fixed prices agreed in a quote: no price types, thresholds or promocodes; each
    /// line's amount is price × quantity and its VAT is included, rounded once per line as in
    /// `price(_:matrix:context:)`.
    public static func quoted(_ lines: [QuotedItem], currency: String, priceTypeId: Int64? = nil) -> PricedCart {
        let priced = lines.map { line -> PricedCart.Line in
            let amount = Money(minorUnits: line.priceMinor, currency: currency)
                .multiplied(by: ExactDecimal(units: line.item.qtyMilli, scale: 1000)).minorUnits
            return PricedCart.Line(
                productId: line.item.productId, unitPriceMinor: line.priceMinor, amountMinor: amount, discountMinor: 0,
                vatMinor: vat(of: amount, rate: line.item.vatRate), hidden: false, priceTypeId: priceTypeId, ruleIds: [])
        }
        return PricedCart(
            lines: priced, currency: currency, subtotalMinor: priced.reduce(0) { $0 + $1.amountMinor }, discountMinor: 0,
            vatMinor: priced.reduce(0) { $0 + $1.vatMinor }, priceTypeId: priceTypeId, appliedThreshold: nil, nextThreshold: nil, promocode: nil)
    }
}
