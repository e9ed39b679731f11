import Foundation
import Synchronization

/// Every buyer's price, from a snapshot of materialized rules, in memory.
///
/// Built once per snapshot: each rule's product side is compiled into a sorted list of dense
/// product indexes (or "all products"). Buyers are grouped into *effective contexts* — the
/// assigned price type, the rules whose context side matches, the agreement when it carries
/// individual prices — and many customers share one. For each effective context a price
/// vector is materialized lazily, and at most `maxVectors` are kept. A lookup is an array read.
///
/// Immutable apart from that cache; a change builds a new matrix and the service swaps it in,
/// so readers never see half an update.
public final class PriceMatrix: Sendable {
    public let snapshot: PricingSnapshot
    /// Per rule (same order as `snapshot.rules`): the selected product indexes, nil for all.
    let selections: [[Int32]?]
    let indexOfProduct: [Int64: Int32]
    let maxVectors: Int
    private let cache: Mutex<[EffectiveContext: PriceVector]>

    /// What two buyers must share to share prices.
    struct EffectiveContext: Hashable {
        var priceTypeId: Int64?
        var ruleIndexes: [Int]
        var agreementId: Int64?
        var day: String
    }

    /// Materialized prices of one effective context.
    final class PriceVector: Sendable {
        /// Minor units; `Int64.min` for "no price".
        let amounts: [Int64]
        let priceTypes: [Int64]
        let hidden: [Bool]
        let availability: [String?]
        let sources: [PriceQuote.Source]
        let ruleIds: [[Int64]]

        init(amounts: [Int64], priceTypes: [Int64], hidden: [Bool], availability: [String?], sources: [PriceQuote.Source], ruleIds: [[Int64]]) {
            self.amounts = amounts
            self.priceTypes = priceTypes
            self.hidden = hidden
            self.availability = availability
            self.sources = sources
            self.ruleIds = ruleIds
        }
    }

    public init(_ snapshot: PricingSnapshot, maxVectors: Int = 512) {
        self.snapshot = snapshot
        self.maxVectors = maxVectors
        var index: [Int64: Int32] = [:]
        index.reserveCapacity(snapshot.products.count)
        for (position, product) in snapshot.products.enumerated() { index[product.id] = Int32(position) }
        indexOfProduct = index

        // Inverted indexes over the catalog, built once, shared by all rules.
        var byCategory: [Int64: [Int32]] = [:]
        var byBrand: [Int64: [Int32]] = [:]
        var byLine: [String: [Int32]] = [:]
        var byValue: [Int64: [Int32]] = [:]
        for (position, product) in snapshot.products.enumerated() {
            let i = Int32(position)
            for category in Set(product.categories) { byCategory[category, default: []].append(i) }
            if let brand = product.brandId { byBrand[brand, default: []].append(i) }
            if let line = product.productLine { byLine[line, default: []].append(i) }
            for value in Set(product.propertyValues) { byValue[value, default: []].append(i) }
        }
        selections = snapshot.rules.map { rule -> [Int32]? in
            var lists: [[Int32]] = []
            if let category = rule.categoryId { lists.append(byCategory[category] ?? []) }
            if let brand = rule.brandId { lists.append(byBrand[brand] ?? []) }
            if let line = rule.productLine { lists.append(byLine[line] ?? []) }
            if let value = rule.propertyValueId { lists.append(byValue[value] ?? []) }
            if let ids = rule.productIds { lists.append(ids.compactMap { index[$0] }.sorted()) }
            guard var result = lists.first else { return nil }
            for other in lists.dropFirst() { result = Self.intersect(result, other) }
            return result
        }
        cache = Mutex([:])
    }

    static func intersect(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var result: [Int32] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                result.append(a[i])
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }

    /// The dense index of a product id, or nil when the snapshot does not know it.
    public func index(of productId: Int64) -> Int? { indexOfProduct[productId].map(Int.init) }

    /// The prices of one buyer context: compute once per request, then read per product.
    public func view(for context: PricingContext) -> PriceView {
        let ruleIndexes = snapshot.rules.indices.filter { snapshot.rules[$0].matches(context) }
        let agreement = context.agreementId.flatMap { snapshot.agreementPrices[$0] == nil ? nil : $0 }
        let key = EffectiveContext(
            priceTypeId: snapshot.assignedPriceType(context), ruleIndexes: ruleIndexes, agreementId: agreement, day: context.day)
        if let vector = cache.withLock({ $0[key] }) { return PriceView(matrix: self, vector: vector) }
        let vector = materialize(key)
        cache.withLock { storage in
            if storage.count >= maxVectors { storage.removeAll(keepingCapacity: true) }
            storage[key] = vector
        }
        return PriceView(matrix: self, vector: vector)
    }

    /// How many effective contexts are materialized (for metrics and tests).
    public var materializedContexts: Int { cache.withLock { $0.count } }

    func materialize(_ key: EffectiveContext) -> PriceVector {
        let count = snapshot.products.count
        // Rules of the context, worst-ranked first, so that better-ranked ones overwrite.
        let ordered = key.ruleIndexes.sorted { PricingSnapshot.Rule.ranksBefore(snapshot.rules[$1], snapshot.rules[$0]) }
        var switchRule = [Int32](repeating: -1, count: count)
        var amountRule = [Int32](repeating: -1, count: count)
        var availabilityRule = [Int32](repeating: -1, count: count)
        var hidden = [Bool](repeating: false, count: count)
        for ruleIndex in ordered {
            let rule = snapshot.rules[ruleIndex]
            func mark(_ apply: (Int) -> Void) {
                if let selection = selections[ruleIndex] {
                    for product in selection { apply(Int(product)) }
                } else {
                    for product in 0..<count { apply(product) }
                }
            }
            switch rule.action.aspect {
            case .priceType:
                if case .priceType(let target) = rule.action, snapshot.priceTypes[target] != nil {
                    mark { switchRule[$0] = Int32(ruleIndex) }
                }
            case .amount: mark { amountRule[$0] = Int32(ruleIndex) }
            case .availability: mark { availabilityRule[$0] = Int32(ruleIndex) }
            case .hide: mark { hidden[$0] = true }
            }
        }
        let individual = key.agreementId.flatMap { snapshot.agreementPrices[$0] } ?? [:]
        var amounts = [Int64](repeating: Int64.min, count: count)
        var types = [Int64](repeating: -1, count: count)
        var availability = [String?](repeating: nil, count: count)
        var sources = [PriceQuote.Source](repeating: .base, count: count)
        var ruleIds = [[Int64]](repeating: [], count: count)
        for product in 0..<count {
            var ids: [Int64] = []
            var typeId = key.priceTypeId
            if switchRule[product] >= 0, case .priceType(let target) = snapshot.rules[Int(switchRule[product])].action {
                typeId = target
                ids.append(snapshot.rules[Int(switchRule[product])].id)
            }
            if availabilityRule[product] >= 0, case .availability(let value) = snapshot.rules[Int(availabilityRule[product])].action {
                availability[product] = value
            }
            types[product] = typeId ?? -1
            if let price = individual[snapshot.products[product].id] {
                amounts[product] = price
                sources[product] = .agreement
                ruleIds[product] = ids
                continue
            }
            guard let typeId, let priceType = snapshot.priceTypes[typeId] else {
                types[product] = -1
                ruleIds[product] = ids
                continue
            }
            let base = snapshot.basePrices[typeId].flatMap { product < $0.count ? $0[product] : nil }
            var action: PricingSnapshot.Action?
            if amountRule[product] >= 0 {
                let rule = snapshot.rules[Int(amountRule[product])]
                action = rule.action
                ids.append(rule.id)
                switch rule.action {
                case .fixed: sources[product] = .fixedRule
                default: sources[product] = .percentRule
                }
            }
            amounts[product] = PricingMath.final(baseMinor: base, amountRule: action, priceType: priceType, snapshot: snapshot, day: key.day) ?? Int64.min
            ruleIds[product] = ids
        }
        return PriceVector(amounts: amounts, priceTypes: types, hidden: hidden, availability: availability, sources: sources, ruleIds: ruleIds)
    }
}

/// The prices of one buyer context: O(1) per product.
public struct PriceView: Sendable {
    let matrix: PriceMatrix

    /// The currency of every amount in this view.
    public var currency: String { matrix.snapshot.displayCurrency }
    let vector: PriceMatrix.PriceVector

    /// The final price in minor units of the display currency, or nil (no price, or hidden).
    public func amount(productIndex: Int) -> Int64? {
        let value = vector.amounts[productIndex]
        return value == Int64.min || vector.hidden[productIndex] ? nil : value
    }

    public func isHidden(productIndex: Int) -> Bool { vector.hidden[productIndex] }

    public func quote(productIndex: Int) -> PriceQuote {
        let amount = vector.amounts[productIndex]
        let type = vector.priceTypes[productIndex]
        return PriceQuote(
            amountMinor: amount == Int64.min ? nil : amount, currency: matrix.snapshot.displayCurrency, priceTypeId: type < 0 ? nil : type,
            hidden: vector.hidden[productIndex], availability: vector.availability[productIndex], source: vector.sources[productIndex],
            ruleIds: vector.ruleIds[productIndex])
    }

    /// By product id.
    public func quote(productId: Int64) -> PriceQuote? {
        matrix.index(of: productId).map { quote(productIndex: $0) }
    }
}

/// The current matrix, swapped atomically when a new snapshot is built. A request takes one
/// matrix (and one view of it) and reads only that, so it never mixes old and new prices.
public final class PriceMatrixStore: Sendable {
    private let current: Mutex<PriceMatrix>

    public init(_ matrix: PriceMatrix) { current = Mutex(matrix) }

    public var matrix: PriceMatrix { current.withLock { $0 } }

    public func replace(with matrix: PriceMatrix) { current.withLock { $0 = matrix } }
}
