import WholesailCore
import WholesailStore

extension PriceView {
    /// The buyer's price in minor units, or nil (no price, hidden, or unknown product).
    func price(of productId: Int64) -> Int64? {
        guard let quote = quote(productId: productId), !quote.hidden else { return nil }
        return quote.amountMinor
    }

    func hides(_ productId: Int64) -> Bool { quote(productId: productId)?.hidden ?? false }

    /// A listing row with the buyer's price instead of the list price.
    func priced(_ item: ProductSummary) -> ProductSummary {
        var item = item
        item.priceMinor = price(of: item.id)
        item.currency = currency
        return item
    }

    /// A product card with the buyer's price for every unit: the unit's own price when the price
    /// type has one, else the base price × the unit's factor (the engine decides, see `PricingMath.unit`).
    func priced(_ card: ProductCard) -> ProductCard {
        var card = card
        card.summary = priced(card.summary)
        let hidden = hides(card.summary.id)
        card.units = card.units.map { unit in
            var unit = unit
            unit.priceMinor = hidden ? nil : ExactDecimal(parsing: unit.factor).flatMap { factor in
                quote(productId: card.summary.id, unitId: unit.unitId, factor: factor)?.amountMinor
            }
            return unit
        }
        return card
    }
}
