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

    /// A product card with the buyer's price for every unit (base price × the unit's factor).
    func priced(_ card: ProductCard) -> ProductCard {
        var card = card
        card.summary = priced(card.summary)
        let base = card.summary.priceMinor
        card.units = card.units.map { unit in
            var unit = unit
            unit.priceMinor = base.flatMap { minor in
                ExactDecimal(parsing: unit.factor).map { Money(minorUnits: minor, currency: card.summary.currency ?? "RUB").multiplied(by: $0).minorUnits }
            }
            return unit
        }
        return card
    }
}
