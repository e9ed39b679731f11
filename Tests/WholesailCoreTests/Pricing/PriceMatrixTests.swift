import Foundation
import Testing
import WholesailCore

typealias Rule = PricingSnapshot.Rule

/// Random pricing worlds for property-based tests: the same seed gives the same world.
enum RandomWorld {
    static func make(seed: UInt64) -> (PricingSnapshot, [PricingContext]) {
        var rng = SeededGenerator(seed: seed)
        let productCount = rng.int(1...120)
        let categories = Array(Int64(1)...Int64(rng.int(1...8)))
        let brands = Array(Int64(1)...Int64(rng.int(1...5)))
        let lines = ["A", "B", "C"]
        let values = Array(Int64(1)...Int64(rng.int(1...10)))
        var products: [PricingSnapshot.Product] = []
        for index in 0..<productCount {
            let category = rng.pick(categories)
            let parent: Int64 = category > 2 ? 1 : 0
            products.append(
                .init(
                    id: Int64(1000 + index * 3), categories: parent > 0 ? [category, parent] : [category],
                    brandId: rng.chance(80) ? rng.pick(brands) : nil, productLine: rng.chance(70) ? rng.pick(lines) : nil,
                    propertyValues: (0..<rng.int(0...3)).map { _ in rng.pick(values) }))
        }
        let typeCount = rng.int(1...4)
        var types: [PricingSnapshot.PriceType] = []
        var base: [Int64: [Int64?]] = [:]
        for id in 1...Int64(typeCount) {
            let currency = rng.chance(25) ? rng.pick(["USD", "EUR", "CNY"]) : "RUB"
            types.append(.init(id: id, currency: currency, rounding: rng.chance(30) ? .whole : .minor))
            base[id] = (0..<productCount).map { _ in rng.chance(85) ? Int64(rng.int(1...5_000_000)) : nil }
        }
        let rates = ExchangeRates(
            ["USD", "EUR", "CNY"].flatMap { currency in
                ["2026-11-01", "2026-11-15", "2026-11-28"].compactMap { day -> (currency: String, day: String, rate: ExactDecimal)? in
                    rng.chance(80) ? (currency, day, ExactDecimal(units: Int64(rng.int(50_0000...110_0000)), scale: 10_000)) : nil
                }
            })
        var assignments: [PricingSnapshot.Assignment] = []
        for id in 0..<rng.int(0...6) {
            assignments.append(
                .init(
                    id: Int64(id + 1), priceTypeId: Int64(rng.int(1...typeCount + 1)),
                    agreementId: rng.chance(20) ? Int64(rng.int(1...3)) : nil, counterpartyId: rng.chance(30) ? Int64(rng.int(1...4)) : nil,
                    holdingId: rng.chance(20) ? Int64(rng.int(1...2)) : nil, userGroupId: rng.chance(20) ? Int64(rng.int(1...3)) : nil,
                    regionId: rng.chance(30) ? Int64(rng.int(1...3)) : nil, priority: rng.int(0...3)))
        }
        var agreementPrices: [Int64: [Int64: Int64]] = [:]
        for agreement in Int64(1)...3 where rng.chance(40) {
            var prices: [Int64: Int64] = [:]
            for _ in 0..<rng.int(1...5) { prices[rng.pick(products).id] = Int64(rng.int(100...900_000)) }
            agreementPrices[agreement] = prices
        }
        var rules: [Rule] = []
        for id in 0..<rng.int(0...30) {
            let action: PricingSnapshot.Action
            switch rng.int(0...9) {
            case 0, 1, 2: action = .markup(ExactDecimal(units: Int64(rng.int(1...2500)), scale: 100))
            case 3, 4: action = .discount(ExactDecimal(units: Int64(rng.int(1...9000)), scale: 100))
            case 5: action = .fixed(Int64(rng.int(100...1_000_000)))
            case 6: action = .priceType(Int64(rng.int(1...typeCount + 1)))
            case 7: action = .hide
            default: action = .availability(rng.pick(["in_stock", "on_order", "unavailable"]))
            }
            rules.append(
                Rule(
                    id: Int64(id + 1), priority: rng.int(0...5), validFrom: rng.chance(20) ? "2026-11-10" : nil,
                    validTo: rng.chance(20) ? "2026-11-20" : nil, categoryId: rng.chance(35) ? rng.pick(categories) : nil,
                    brandId: rng.chance(25) ? rng.pick(brands) : nil, productLine: rng.chance(15) ? rng.pick(lines) : nil,
                    propertyValueId: rng.chance(15) ? rng.pick(values) : nil,
                    productIds: rng.chance(15) ? Set((0..<rng.int(1...6)).map { _ in rng.pick(products).id }) : nil,
                    regionId: rng.chance(25) ? Int64(rng.int(1...3)) : nil, counterpartyId: rng.chance(20) ? Int64(rng.int(1...4)) : nil,
                    holdingId: rng.chance(15) ? Int64(rng.int(1...2)) : nil, agreementId: rng.chance(10) ? Int64(rng.int(1...3)) : nil,
                    userGroupId: rng.chance(10) ? Int64(rng.int(1...3)) : nil, action: action))
        }
        var snapshot = PricingSnapshot(
            products: products, priceTypes: types, defaultPriceTypeId: rng.chance(90) ? 1 : nil, basePrices: base,
            assignments: assignments, agreementPrices: agreementPrices, rules: rules, rates: rates)
        let contexts = (0..<8).map { _ in
            PricingContext(
                counterpartyId: rng.chance(80) ? Int64(rng.int(1...4)) : nil, agreementId: rng.chance(50) ? Int64(rng.int(1...3)) : nil,
                holdingId: rng.chance(40) ? Int64(rng.int(1...2)) : nil, regionId: rng.chance(70) ? Int64(rng.int(1...3)) : nil,
                userGroups: rng.chance(30) ? [Int64(rng.int(1...3))] : [], day: rng.pick(["2026-10-30", "2026-11-05", "2026-11-15", "2026-11-25"]))
        }
        // Explicit prices of the alternative units (a box 501, a half 502) for some products and types.
        for type in 1...Int64(typeCount) {
            for product in products where rng.chance(30) {
                snapshot.unitPrices[.init(priceTypeId: type, productId: product.id, unitId: rng.pick([501, 502]))] = Int64(rng.int(1...60_000_000))
            }
        }
        return (snapshot, contexts)
    }
}

@Suite struct PriceMatrixPropertyTests {
    @Test("the matrix agrees with the reference evaluator on 2,000 random worlds", arguments: 0..<20)
    func agreesWithReference(batch: Int) {
        for seed in UInt64(batch * 100)..<UInt64(batch * 100 + 100) {
            let (snapshot, contexts) = RandomWorld.make(seed: seed)
            let matrix = PriceMatrix(snapshot, maxVectors: 4)
            for context in contexts {
                let view = matrix.view(for: context)
                for index in snapshot.products.indices {
                    let expected = PricingReference.quote(snapshot, context: context, productIndex: index)
                    let actual = view.quote(productIndex: index)
                    if actual != expected {
                        Issue.record("seed \(seed) product \(index) context \(context): \(actual) != \(expected)")
                        return
                    }
                    for (unit, factor) in [(501, ExactDecimal(12)), (502, ExactDecimal(units: 5, scale: 10)), (503, ExactDecimal(units: 25, scale: 10))] {
                        let unitId = Int64(unit)
                        let expected = PricingReference.quote(snapshot, context: context, productIndex: index, unitId: unitId, factor: factor)
                        let actual = view.quote(productIndex: index, unitId: unitId, factor: factor)
                        if actual != expected {
                            Issue.record("seed \(seed) product \(index) unit \(unit) context \(context): \(actual) != \(expected)")
                            return
                        }
                    }
                }
            }
        }
    }
}

@Suite struct PriceMatrixRuleTests {
    static let day = "2026-11-29"

    /// Three products: cable (category 10 under 1, brand 7, line "ВВГ"), socket (category 20, brand 8), lamp (no price).
    static func snapshot(rules: [Rule] = [], assignments: [PricingSnapshot.Assignment] = [], agreementPrices: [Int64: [Int64: Int64]] = [:],
                         types: [PricingSnapshot.PriceType] = [.init(id: 1, currency: "RUB"), .init(id: 2, currency: "RUB")],
                         rates: ExchangeRates = ExchangeRates()) -> PricingSnapshot {
        PricingSnapshot(
            products: [
                .init(id: 100, categories: [10, 1], brandId: 7, productLine: "ВВГ", propertyValues: [55]),
                .init(id: 200, categories: [20], brandId: 8),
                .init(id: 300, categories: [20], brandId: 8),
            ],
            priceTypes: types, defaultPriceTypeId: 1,
            basePrices: [1: [100_00, 250_00, nil], 2: [90_00, 220_00, 10_00], 3: [2_00, 5_00, nil]],
            assignments: assignments, agreementPrices: agreementPrices, rules: rules, rates: rates)
    }

    func price(_ snapshot: PricingSnapshot, _ context: PricingContext, _ productId: Int64) -> Int64? {
        let matrix = PriceMatrix(snapshot)
        let quote = matrix.view(for: context).quote(productId: productId)
        #expect(quote == PricingReference.quote(snapshot, context: context, productIndex: matrix.index(of: productId)!))
        return quote?.hidden == true ? nil : quote?.amountMinor
    }

    @Test("without rules, the default price type's base price")
    func base() {
        let s = Self.snapshot()
        #expect(price(s, PricingContext(day: Self.day), 100) == 100_00)
        #expect(price(s, PricingContext(day: Self.day), 300) == nil, "no base price, no price")
    }

    @Test("the most specific assignment wins: agreement > counterparty > holding > group > region")
    func assignments() {
        let s = Self.snapshot(types: [.init(id: 1, currency: "RUB"), .init(id: 2, currency: "RUB"), .init(id: 3, currency: "RUB")]).with(assignments: [
            .init(id: 1, priceTypeId: 2, regionId: 1, priority: 9),
            .init(id: 2, priceTypeId: 3, counterpartyId: 5),
        ])
        #expect(price(s, PricingContext(regionId: 1, day: Self.day), 100) == 90_00)
        #expect(price(s, PricingContext(counterpartyId: 5, regionId: 1, day: Self.day), 100) == 2_00, "counterparty beats region despite priority")
    }

    @Test("markup, discount and fixed rules; only the best-ranked amount rule applies")
    func amountRules() {
        let markup = Rule(id: 1, priority: 1, categoryId: 1, action: .markup(ExactDecimal(parsing: "3")!))
        let discount = Rule(id: 2, priority: 2, brandId: 7, action: .discount(ExactDecimal(parsing: "12.5")!))
        let fixed = Rule(id: 3, priority: 0, productIds: [200], action: .fixed(199_99))
        let s = Self.snapshot(rules: [markup, discount, fixed])
        #expect(price(s, PricingContext(day: Self.day), 100) == 87_50, "discount (priority 2) beats markup (1)")
        #expect(price(s, PricingContext(day: Self.day), 200) == 199_99)
        let onlyMarkup = Self.snapshot(rules: [markup])
        #expect(price(onlyMarkup, PricingContext(day: Self.day), 100) == 103_00, "category rules include descendants")
    }

    @Test("'raise line A by 3% for brand B in region C' is one row")
    func combinedSides() {
        let s = Self.snapshot(rules: [Rule(id: 1, brandId: 7, productLine: "ВВГ", regionId: 3, action: .markup(ExactDecimal(parsing: "3")!))])
        #expect(price(s, PricingContext(regionId: 3, day: Self.day), 100) == 103_00)
        #expect(price(s, PricingContext(regionId: 2, day: Self.day), 100) == 100_00)
        #expect(price(s, PricingContext(regionId: 3, day: Self.day), 200) == 250_00)
    }

    @Test("validity dates are inclusive")
    func validity() {
        let s = Self.snapshot(rules: [Rule(id: 1, validFrom: "2026-11-10", validTo: "2026-11-20", action: .fixed(1_00))])
        #expect(price(s, PricingContext(day: "2026-11-09"), 100) == 100_00)
        #expect(price(s, PricingContext(day: "2026-11-10"), 100) == 1_00)
        #expect(price(s, PricingContext(day: "2026-11-20"), 100) == 1_00)
        #expect(price(s, PricingContext(day: "2026-11-21"), 100) == 100_00)
    }

    @Test("a switch of price type applies before amount rules; holding rules reach every member")
    func switchAndHolding() {
        let s = Self.snapshot(rules: [
            Rule(id: 1, holdingId: 4, action: .priceType(2)),
            Rule(id: 2, holdingId: 4, action: .discount(ExactDecimal(parsing: "10")!)),
        ])
        #expect(price(s, PricingContext(counterpartyId: 1, holdingId: 4, day: Self.day), 100) == 81_00)
        #expect(price(s, PricingContext(counterpartyId: 2, day: Self.day), 100) == 100_00)
    }

    @Test("agreement prices override rules; hide removes the price")
    func agreementAndHide() {
        let s = Self.snapshot(
            rules: [Rule(id: 1, action: .markup(ExactDecimal(parsing: "50")!)), Rule(id: 2, brandId: 8, counterpartyId: 9, action: .hide)],
            agreementPrices: [77: [100: 55_55]])
        #expect(price(s, PricingContext(agreementId: 77, day: Self.day), 100) == 55_55)
        #expect(price(s, PricingContext(agreementId: 78, day: Self.day), 100) == 150_00)
        #expect(price(s, PricingContext(counterpartyId: 9, day: Self.day), 200) == nil)
        #expect(price(s, PricingContext(counterpartyId: 8, day: Self.day), 200) == 375_00)
    }

    @Test("foreign currency converts at the latest banking day's rate; whole-unit rounding per price type")
    func currency() {
        let rates = ExchangeRates([("USD", "2026-11-01", ExactDecimal(parsing: "95.5")!), ("USD", "2026-11-28", ExactDecimal(parsing: "96.1234")!)])
        let s = Self.snapshot(
            assignments: [.init(id: 1, priceTypeId: 3, counterpartyId: 1)],
            types: [.init(id: 1, currency: "RUB"), .init(id: 3, currency: "USD", rounding: .whole)], rates: rates)
        // $2.00 × 96.1234 = 192.2468 → 192.25 → whole: 192.00
        #expect(price(s, PricingContext(counterpartyId: 1, day: "2026-11-29"), 100) == 192_00)
        // $5.00 × 95.5 = 477.50 → whole (half away from zero): 478.00
        #expect(price(s, PricingContext(counterpartyId: 1, day: "2026-11-20"), 200) == 478_00)
        #expect(price(s, PricingContext(counterpartyId: 1, day: "2026-10-01"), 100) == nil, "no rate yet, no price")
    }

    /// The price of one unit 900 (a box of `factor`) of a product, checked against the reference.
    func boxPrice(_ snapshot: PricingSnapshot, _ context: PricingContext, _ productId: Int64, factor: ExactDecimal = ExactDecimal(10)) -> Int64? {
        let matrix = PriceMatrix(snapshot)
        let index = matrix.index(of: productId)!
        let quote = matrix.view(for: context).quote(productIndex: index, unitId: 900, factor: factor)
        #expect(quote == PricingReference.quote(snapshot, context: context, productIndex: index, unitId: 900, factor: factor))
        return quote.amountMinor
    }

    @Test("an explicit price of an alternative unit replaces base price × factor; percentage rules apply to it; fixed and agreement prices scale")
    func unitPrices() {
        var s = Self.snapshot()
        s.unitPrices = [.init(priceTypeId: 1, productId: 100, unitId: 900): 950_00, .init(priceTypeId: 2, productId: 300, unitId: 900): 95_00]
        let guest = PricingContext(day: Self.day)
        #expect(boxPrice(s, guest, 100) == 950_00, "the box's own price, not 10 × 100.00")
        #expect(boxPrice(s, guest, 200) == 2_500_00, "no box price: base × factor")
        #expect(boxPrice(s, guest, 300) == nil, "a box price of another price type does not count")
        #expect(price(s, guest, 100) == 100_00, "the base unit keeps its own price")

        var discounted = Self.snapshot(rules: [Rule(id: 1, categoryId: 10, action: .discount(ExactDecimal(parsing: "10")!))])
        discounted.unitPrices = s.unitPrices
        #expect(boxPrice(discounted, guest, 100) == 855_00, "10% off the box price")

        var fixed = Self.snapshot(rules: [Rule(id: 1, productIds: [100], action: .fixed(80_00))])
        fixed.unitPrices = s.unitPrices
        #expect(boxPrice(fixed, guest, 100) == 800_00, "a fixed price is per base unit")

        var agreed = Self.snapshot(agreementPrices: [77: [100: 70_00]])
        agreed.unitPrices = s.unitPrices
        #expect(boxPrice(agreed, PricingContext(agreementId: 77, day: Self.day), 100) == 700_00, "an individual price is per base unit")

        // A price type switched to by a rule uses its own box price (product 300 has one only there).
        var switched = Self.snapshot(rules: [Rule(id: 1, counterpartyId: 4, action: .priceType(2))])
        switched.unitPrices = s.unitPrices
        #expect(boxPrice(switched, PricingContext(counterpartyId: 4, day: Self.day), 300) == 95_00)
        #expect(boxPrice(switched, PricingContext(counterpartyId: 4, day: Self.day), 100) == 900_00, "type 2 has no box price for 100: 10 × 90.00")

        // In another currency the box price converts like a base price.
        let rates = ExchangeRates([("USD", "2026-11-01", ExactDecimal(parsing: "90")!)])
        var foreign = Self.snapshot(types: [.init(id: 1, currency: "USD")], rates: rates)
        foreign.unitPrices = [.init(priceTypeId: 1, productId: 100, unitId: 900): 15_50]
        #expect(boxPrice(foreign, guest, 100) == 1_395_00, "$15.50 × 90")
    }

    @Test("many customers share one materialized context")
    func sharing() {
        let s = Self.snapshot(rules: [Rule(id: 1, regionId: 1, action: .markup(ExactDecimal(parsing: "5")!))])
        let matrix = PriceMatrix(s)
        for counterparty in Int64(1)...500 {
            _ = matrix.view(for: PricingContext(counterpartyId: counterparty, regionId: counterparty % 2 == 0 ? 1 : 2, day: Self.day))
        }
        #expect(matrix.materializedContexts == 2)
    }

    @Test("a rebuild with the same rules materializes the contexts buyers used, with the new prices; other rules start cold")
    func warm() {
        let rules = [Rule(id: 1, regionId: 1, action: .markup(ExactDecimal(parsing: "10")!))]
        let old = PriceMatrix(Self.snapshot(rules: rules))
        let north = PricingContext(counterpartyId: 1, regionId: 1, day: Self.day)
        let south = PricingContext(counterpartyId: 2, regionId: 2, day: Self.day)
        #expect(old.view(for: north).quote(productId: 100)?.amountMinor == 110_00)
        _ = old.view(for: south)
        var cheaper = Self.snapshot(rules: rules)
        cheaper.basePrices[1] = [50_00, 200_00, nil]
        let new = PriceMatrix(cheaper, reusing: old)
        #expect(new.materializedContexts == 0)
        new.warm(from: old)
        #expect(new.materializedContexts == 2)
        #expect(new.view(for: north).quote(productId: 100)?.amountMinor == 55_00)
        #expect(new.view(for: south).quote(productId: 100)?.amountMinor == 50_00)
        #expect(new.materializedContexts == 2, "served from the warmed vectors")
        let limited = PriceMatrix(cheaper, reusing: old)
        limited.warm(from: old, limit: 1)
        #expect(limited.materializedContexts == 1)
        let otherRules = PriceMatrix(Self.snapshot(rules: rules + [Rule(id: 2, brandId: 8, action: .markup(ExactDecimal(parsing: "1")!))]), reusing: old)
        otherRules.warm(from: old)
        #expect(otherRules.materializedContexts == 0)
    }

    @Test("readers during a swap see all old or all new prices, never a mix")
    func swap() async {
        func world(_ price: Int64) -> PriceMatrix {
            PriceMatrix(PricingSnapshot(
                products: (0..<2000).map { .init(id: Int64($0)) }, priceTypes: [.init(id: 1, currency: "RUB")], defaultPriceTypeId: 1,
                basePrices: [1: Array(repeating: price, count: 2000)]))
        }
        let store = PriceMatrixStore(world(100))
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for round in 0..<200 { store.replace(with: world(round % 2 == 0 ? 200 : 100)) }
                return true
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 {
                        let view = store.matrix.view(for: PricingContext(day: "2026-11-29"))
                        let first = view.amount(productIndex: 0)
                        for index in 0..<2000 where view.amount(productIndex: index) != first { return false }
                    }
                    return true
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}

extension PricingSnapshot {
    func with(assignments: [Assignment]) -> PricingSnapshot {
        var copy = self
        copy.assignments = assignments
        return copy
    }
}
