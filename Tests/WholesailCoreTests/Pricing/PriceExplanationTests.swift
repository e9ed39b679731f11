import Testing
import WholesailCore

@Suite struct PriceExplanationTests {
    static let day = "2026-11-20"

    /// Two products, retail (1) and wholesale (2); company 7 is assigned wholesale by agreement 70,
    /// company 8 by its counterparty assignment; agreement 70 has an individual price for product 2.
    static func snapshot(rules: [PricingSnapshot.Rule] = []) -> PricingSnapshot {
        PricingSnapshot(
            products: [.init(id: 1, categories: [10]), .init(id: 2, categories: [10])],
            priceTypes: [.init(id: 1, currency: "RUB"), .init(id: 2, currency: "RUB")], defaultPriceTypeId: 1,
            basePrices: [1: [10_000, 20_000], 2: [9_000, 18_000]],
            assignments: [.init(id: 1, priceTypeId: 2, agreementId: 70), .init(id: 2, priceTypeId: 2, counterpartyId: 8)],
            agreementPrices: [70: [2: 15_000]], rules: rules)
    }

    static let names = PriceExplainer.Names(
        priceTypes: [1: "Retail", 2: "Wholesale"], agreement: .init(id: 70, number: "D-70", date: "2026-01-15"))

    static func reasons(_ snapshot: PricingSnapshot, _ context: PricingContext, product: Int64, names: PriceExplainer.Names = names) -> [PriceReason] {
        let quote = PriceMatrix(snapshot).view(for: context).quote(productId: product)!
        return PriceExplainer.reasons(for: quote, context: context, snapshot: snapshot, names: names)
    }

    @Test("an agreement's individual price names the buyer's agreement")
    func agreementPrice() {
        let context = PricingContext(counterpartyId: 7, agreementId: 70, day: Self.day)
        #expect(Self.reasons(Self.snapshot(), context, product: 2) == [PriceReason("price.why.agreement_price", ["number": "D-70", "date": "2026-01-15"])])
        // The price type of the other product comes from the same agreement.
        #expect(
            Self.reasons(Self.snapshot(), context, product: 1)
                == [PriceReason("price.why.price_type_agreement", ["priceType": "Wholesale", "number": "D-70", "date": "2026-01-15"])])
    }

    @Test("another company's agreement is never named, even when handed in")
    func foreignAgreement() {
        // Company 8 has no agreement; names carry agreement 70 (someone else's) by mistake.
        let context = PricingContext(counterpartyId: 8, day: Self.day)
        let reasons = Self.reasons(Self.snapshot(), context, product: 1)
        #expect(reasons == [PriceReason("price.why.price_type_company", ["priceType": "Wholesale"])])
        #expect(!reasons.contains { $0.values.values.contains("D-70") })
    }

    @Test("a discount rule shows its percentage and end day, never its name or id")
    func discountRule() {
        let rule = PricingSnapshot.Rule(id: 5, validTo: "2026-12-31", counterpartyId: 8, action: .discount(ExactDecimal(units: 75, scale: 10)))
        let context = PricingContext(counterpartyId: 8, day: Self.day)
        let reasons = Self.reasons(Self.snapshot(rules: [rule]), context, product: 1)
        #expect(
            reasons == [
                PriceReason("price.why.price_type_company", ["priceType": "Wholesale"]),
                PriceReason("price.why.discount", ["percent": "7.5", "priceType": "Wholesale"]),
                PriceReason("price.why.valid_until", ["date": "2026-12-31"]),
            ])
    }

    @Test("a guest gets the default price type; fixed and switch rules are named by kind")
    func kinds() {
        let guest = PricingContext(day: Self.day)
        #expect(Self.reasons(Self.snapshot(), guest, product: 1) == [PriceReason("price.why.price_type_default", ["priceType": "Retail"])])
        let rules: [PricingSnapshot.Rule] = [
            .init(id: 1, productIds: [1], action: .fixed(5_000)),
            .init(id: 2, productIds: [2], action: .priceType(2)),
        ]
        #expect(
            Self.reasons(Self.snapshot(rules: rules), guest, product: 1)
                == [PriceReason("price.why.price_type_default", ["priceType": "Retail"]), PriceReason("price.why.fixed")])
        #expect(Self.reasons(Self.snapshot(rules: rules), guest, product: 2) == [PriceReason("price.why.price_type_rule", ["priceType": "Wholesale"])])
    }

    @Test("a cart over a threshold explains the switch per line and in the totals, with the promocode")
    func cart() {
        let snapshot = Self.snapshot()
        let context = PricingContext(day: Self.day)
        let cart = CartPricing.price(
            [CartItem(productId: 1, qtyMilli: 3_000)], matrix: PriceMatrix(snapshot), context: context,
            thresholds: [CartThreshold(id: 1, fromPriceTypeId: 1, minTotalMinor: 25_000, priceTypeId: 2)],
            promocode: CartPromocode(id: 1, code: "SAVE", discount: .percent(ExactDecimal(10))))
        #expect(cart.appliedThreshold?.id == 1)
        #expect(
            PriceExplainer.lineReasons(cart.lines[0], cart: cart, context: context, snapshot: snapshot, names: Self.names)
                == [PriceReason("price.why.price_type_threshold", ["priceType": "Wholesale"])])
        #expect(
            PriceExplainer.cartReasons(cart, names: Self.names) == [
                PriceReason("price.why.cart_threshold", ["priceType": "Wholesale"], amounts: ["total": 25_000]),
                PriceReason("price.why.promocode", ["code": "SAVE"], amounts: ["discount": 2_700]),
            ])
    }

    @Test("no price and hidden products")
    func noPrice() {
        let quote = PriceQuote(amountMinor: nil, currency: "RUB", priceTypeId: nil)
        let context = PricingContext(day: Self.day)
        #expect(PriceExplainer.reasons(for: quote, context: context, snapshot: Self.snapshot(), names: Self.names) == [PriceReason("price.why.no_price")])
        var hidden = quote
        hidden.hidden = true
        hidden.amountMinor = 1
        #expect(PriceExplainer.reasons(for: hidden, context: context, snapshot: Self.snapshot(), names: Self.names).isEmpty)
    }
}
