import Foundation

extension PricingSnapshot {
    /// A synthetic snapshot for benchmarks (`wholesail bench pricing`, Benchmarks/): products in 500
    /// categories with brands, lines and property values; `priceTypes` price types with 95% of
    /// base prices present; one assignment per company; `rules` mass rules (70% markups, 30%
    /// discounts, half by category, 40% by brand, 40% by region, 20% for one company).
    /// Deterministic for a seed.
    public static func synthetic(products: Int, priceTypes: Int = 20, companies: Int = 1_000, rules: Int = 200, seed: UInt64 = 1) -> PricingSnapshot {
        precondition(products >= 1 && priceTypes >= 1 && companies >= 1 && rules >= 1)
        var rng = SeededGenerator(seed: seed)
        let categories = Array(Int64(1)...500)
        var catalog: [PricingSnapshot.Product] = []
        catalog.reserveCapacity(products)
        for index in 0..<products {
            let category = rng.pick(categories)
            catalog.append(
                .init(
                    id: Int64(index + 1), categories: [category, category / 10 + 1000], brandId: Int64(rng.int(1...300)),
                    productLine: "L\(rng.int(1...2000))", propertyValues: [Int64(rng.int(1...20_000)), Int64(rng.int(1...20_000))]))
        }
        var base: [Int64: [Int64?]] = [:]
        for type in 1...Int64(priceTypes) {
            base[type] = (0..<products).map { _ in rng.chance(95) ? Int64(rng.int(100...1_000_000)) : nil }
        }
        var assignments: [PricingSnapshot.Assignment] = []
        for company in 1...Int64(companies) {
            assignments.append(.init(id: company, priceTypeId: Int64(rng.int(1...priceTypes)), counterpartyId: company))
        }
        var ruleList: [PricingSnapshot.Rule] = []
        for id in 1...Int64(rules) {
            let action: PricingSnapshot.Action = rng.chance(70)
                ? .markup(ExactDecimal(units: Int64(rng.int(1...30)), scale: 1)) : .discount(ExactDecimal(units: Int64(rng.int(1...20)), scale: 1))
            ruleList.append(
                .init(
                    id: id, priority: rng.int(0...10), categoryId: rng.chance(50) ? rng.pick(categories) : nil,
                    brandId: rng.chance(40) ? Int64(rng.int(1...300)) : nil, regionId: rng.chance(40) ? Int64(rng.int(1...5)) : nil,
                    counterpartyId: rng.chance(20) ? Int64(rng.int(1...companies)) : nil, action: action))
        }
        return PricingSnapshot(
            products: catalog, priceTypes: (1...Int64(priceTypes)).map { .init(id: $0, currency: "RUB") }, defaultPriceTypeId: 1,
            basePrices: base, assignments: assignments, rules: ruleList)
    }

    /// The contexts of `companies` synthetic companies (one per counterparty id, regions 1–5).
    public static func syntheticContexts(companies: Int, day: String = "2026-11-29") -> [PricingContext] {
        (1...Int64(max(companies, 1))).map { PricingContext(counterpartyId: $0, regionId: Int64($0 % 5 + 1), day: day) }
    }
}
