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
    let indexes: CatalogIndexes
    let maxVectors: Int
    private let cache: Mutex<VectorCache>

    /// What two buyers must share to share prices.
    struct EffectiveContext: Hashable {
        var priceTypeId: Int64?
        var ruleIndexes: [Int]
        var agreementId: Int64?
        var day: String
    }

    /// Inverted indexes over the catalog side of a snapshot; reused by the next matrix when the
    /// catalog did not change (a rule edit rebuilds only the rules).
    final class CatalogIndexes: Sendable {
        let products: [PricingSnapshot.Product]
        let position: [Int64: Int32]
        let byCategory: [Int64: [Int32]]
        let byBrand: [Int64: [Int32]]
        let byLine: [String: [Int32]]
        let byValue: [Int64: [Int32]]

        init(_ products: [PricingSnapshot.Product]) {
            self.products = products
            var position: [Int64: Int32] = [:]
            position.reserveCapacity(products.count)
            var byCategory: [Int64: [Int32]] = [:]
            var byBrand: [Int64: [Int32]] = [:]
            var byLine: [String: [Int32]] = [:]
            var byValue: [Int64: [Int32]] = [:]
            for (offset, product) in products.enumerated() {
                let i = Int32(offset)
                position[product.id] = i
                for category in Set(product.categories) { byCategory[category, default: []].append(i) }
                if let brand = product.brandId { byBrand[brand, default: []].append(i) }
                if let line = product.productLine { byLine[line, default: []].append(i) }
                for value in Set(product.propertyValues) { byValue[value, default: []].append(i) }
            }
            self.position = position
            self.byCategory = byCategory
            self.byBrand = byBrand
            self.byLine = byLine
            self.byValue = byValue
        }

        func select(_ rule: PricingSnapshot.Rule) -> [Int32]? {
            var lists: [[Int32]] = []
            if let category = rule.categoryId { lists.append(byCategory[category] ?? []) }
            if let brand = rule.brandId { lists.append(byBrand[brand] ?? []) }
            if let line = rule.productLine { lists.append(byLine[line] ?? []) }
            if let value = rule.propertyValueId { lists.append(byValue[value] ?? []) }
            if let ids = rule.productIds { lists.append(ids.compactMap { position[$0] }.sorted()) }
            guard var result = lists.first else { return nil }
            for other in lists.dropFirst() { result = PriceMatrix.intersect(result, other) }
            return result
        }
    }

    /// Materialized prices of one effective context, compact: 21 bytes per product.
    final class PriceVector: Sendable {
        /// Minor units; `Int64.min` for "no price".
        let amounts: [Int64]
        /// Winning rule index per aspect, -1 for none.
        let switchRule: [Int32]
        let amountRule: [Int32]
        let availabilityRule: [Int32]
        /// Bit 0: hidden; bit 1: an agreement's individual price.
        let flags: [UInt8]
        let priceTypeId: Int64?
        /// The banking day the amounts are for (explicit prices of other units are converted on it).
        let day: String
        /// Whether any product is hidden in this context (most contexts hide nothing).
        let hidesAny: Bool

        init(
            amounts: [Int64], switchRule: [Int32], amountRule: [Int32], availabilityRule: [Int32], flags: [UInt8], priceTypeId: Int64?, day: String
        ) {
            self.day = day
            self.amounts = amounts
            self.switchRule = switchRule
            self.amountRule = amountRule
            self.availabilityRule = availabilityRule
            self.flags = flags
            self.priceTypeId = priceTypeId
            self.hidesAny = flags.contains { $0 & 1 != 0 }
        }
    }

    /// Least-recently-used vectors, bounded by count.
    struct VectorCache {
        var vectors: [EffectiveContext: PriceVector] = [:]
        var lastUse: [EffectiveContext: UInt64] = [:]
        var clock: UInt64 = 0
    }

    /// Builds the matrix for a snapshot. Pass the previous matrix to reuse its catalog indexes
    /// and compiled rules when the catalog side is unchanged (a rule edit, a price upload).
    /// `memoryBudget` bounds the materialized vectors (21 bytes per product each); by default
    /// 96 MB, raised for large catalogs so that at least 16 contexts stay warm (at most 512 MB).
    public init(_ snapshot: PricingSnapshot, reusing previous: PriceMatrix? = nil, memoryBudget: Int? = nil, maxVectors: Int? = nil) {
        self.snapshot = snapshot
        let perVector = max(1, snapshot.products.count * 21)
        let budget = memoryBudget ?? max(96 * 1024 * 1024, min(512 * 1024 * 1024, perVector * 16))
        self.maxVectors = max(2, maxVectors ?? budget / perVector)
        let indexes: CatalogIndexes
        if let previous, previous.indexes.products == snapshot.products {
            indexes = previous.indexes
        } else {
            indexes = CatalogIndexes(snapshot.products)
        }
        self.indexes = indexes
        var previousSelections: [PricingSnapshot.Rule: [Int32]?] = [:]
        if let previous, previous.indexes === indexes {
            for (rule, selection) in zip(previous.snapshot.rules, previous.selections) { previousSelections[rule.selectionKey] = selection }
        }
        selections = snapshot.rules.map { rule in
            if let reused = previousSelections[rule.selectionKey] { return reused }
            return indexes.select(rule)
        }
        cache = Mutex(VectorCache())
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
    public func index(of productId: Int64) -> Int? { indexes.position[productId].map(Int.init) }

    /// The prices of one buyer context: compute once per request, then read per product.
    public func view(for context: PricingContext) -> PriceView {
        let ruleIndexes = snapshot.rules.indices.filter { snapshot.rules[$0].matches(context) }
        let agreement = context.agreementId.flatMap { snapshot.agreementPrices[$0] == nil ? nil : $0 }
        let key = EffectiveContext(
            priceTypeId: snapshot.assignedPriceType(context), ruleIndexes: ruleIndexes, agreementId: agreement, day: context.day)
        let cached = cache.withLock { storage -> PriceVector? in
            storage.clock += 1
            if let vector = storage.vectors[key] {
                storage.lastUse[key] = storage.clock
                return vector
            }
            return nil
        }
        if let cached { return PriceView(matrix: self, vector: cached) }
        let vector = materialize(key)
        keep(vector, for: key)
        return PriceView(matrix: self, vector: vector)
    }

    private func keep(_ vector: PriceVector, for key: EffectiveContext) {
        cache.withLock { storage in
            if storage.vectors[key] == nil, storage.vectors.count >= maxVectors,
                let oldest = storage.lastUse.min(by: { $0.value < $1.value })?.key
            {
                storage.vectors[oldest] = nil
                storage.lastUse[oldest] = nil
            }
            storage.clock += 1
            storage.vectors[key] = vector
            storage.lastUse[key] = storage.clock
        }
    }

    /// Materializes the contexts `previous` served most recently (at most `limit`, the most
    /// recent last so it stays warmest), so the first requests after a rebuild do not pay for
    /// them. Only when the rules are the same (a price, stock or catalog upload): a context's key
    /// holds positions in the rule list.
    public func warm(from previous: PriceMatrix, limit: Int = 16) {
        guard previous !== self, previous.snapshot.rules == snapshot.rules else { return }
        let keys = previous.cache.withLock { storage in
            storage.lastUse.sorted { $0.value > $1.value }.prefix(min(limit, maxVectors)).map(\.key)
        }
        for key in keys.reversed() { keep(materialize(key), for: key) }
    }

    /// How many effective contexts are materialized (for metrics and tests).
    public var materializedContexts: Int { cache.withLock { $0.vectors.count } }

    func materialize(_ key: EffectiveContext) -> PriceVector {
        let count = snapshot.products.count
        // Rules of the context, worst-ranked first, so that better-ranked ones overwrite.
        let ordered = key.ruleIndexes.sorted { PricingSnapshot.Rule.ranksBefore(snapshot.rules[$1], snapshot.rules[$0]) }
        var switchRule = [Int32](repeating: -1, count: count)
        var amountRule = [Int32](repeating: -1, count: count)
        var availabilityRule = [Int32](repeating: -1, count: count)
        var flags = [UInt8](repeating: 0, count: count)
        for ruleIndex in ordered {
            let rule = snapshot.rules[ruleIndex]
            let value = Int32(ruleIndex)
            switch rule.action.aspect {
            case .priceType:
                guard case .priceType(let target) = rule.action, snapshot.priceTypes[target] != nil else { continue }
                Self.mark(&switchRule, value, selections[ruleIndex], count)
            case .amount: Self.mark(&amountRule, value, selections[ruleIndex], count)
            case .availability: Self.mark(&availabilityRule, value, selections[ruleIndex], count)
            case .hide:
                if let selection = selections[ruleIndex] {
                    for product in selection { flags[Int(product)] |= 1 }
                } else {
                    for product in 0..<count { flags[product] |= 1 }
                }
            }
        }
        let individual = key.agreementId.flatMap { snapshot.agreementPrices[$0] } ?? [:]
        var amounts = [Int64](repeating: Int64.min, count: count)
        // Per price type: its base prices and whether a plain base price can be used as is.
        var typeCache: [Int64: (type: PricingSnapshot.PriceType, base: [Int64?], plain: Bool)] = [:]
        func info(_ id: Int64) -> (type: PricingSnapshot.PriceType, base: [Int64?], plain: Bool)? {
            if let cached = typeCache[id] { return cached }
            guard let type = snapshot.priceTypes[id] else { return nil }
            let entry = (type, snapshot.basePrices[id] ?? [], type.currency == snapshot.displayCurrency)
            typeCache[id] = entry
            return entry
        }
        let defaultInfo = key.priceTypeId.flatMap(info)
        for product in 0..<count {
            var typeInfo = defaultInfo
            if switchRule[product] >= 0, case .priceType(let target) = snapshot.rules[Int(switchRule[product])].action {
                typeInfo = info(target)
            }
            if !individual.isEmpty, let price = individual[snapshot.products[product].id] {
                amounts[product] = price
                flags[product] |= 2
                continue
            }
            guard let typeInfo else { continue }
            let base = product < typeInfo.base.count ? typeInfo.base[product] : nil
            let rule = amountRule[product]
            if rule < 0 && typeInfo.plain {
                amounts[product] = base ?? Int64.min
                continue
            }
            let action = rule >= 0 ? snapshot.rules[Int(rule)].action : nil
            amounts[product] = PricingMath.final(baseMinor: base, amountRule: action, priceType: typeInfo.type, snapshot: snapshot, day: key.day) ?? Int64.min
        }
        return PriceVector(
            amounts: amounts, switchRule: switchRule, amountRule: amountRule, availabilityRule: availabilityRule, flags: flags,
            priceTypeId: key.priceTypeId, day: key.day)
    }

    static func mark(_ target: inout [Int32], _ value: Int32, _ selection: [Int32]?, _ count: Int) {
        if let selection {
            for product in selection { target[Int(product)] = value }
        } else {
            for product in 0..<count { target[product] = value }
        }
    }
}

extension PricingSnapshot.Rule {
    /// Rules select the same products when their product sides are equal.
    var selectionKey: PricingSnapshot.Rule {
        PricingSnapshot.Rule(
            id: 0, categoryId: categoryId, brandId: brandId, productLine: productLine, propertyValueId: propertyValueId,
            productIds: productIds, action: .hide)
    }
}

/// The prices of one buyer context: O(1) per product.
public struct PriceView: Sendable {
    let matrix: PriceMatrix
    let vector: PriceMatrix.PriceVector

    /// The currency of every amount in this view.
    public var currency: String { matrix.snapshot.displayCurrency }

    /// The final price in minor units of the display currency, or nil (no price, or hidden).
    public func amount(productIndex: Int) -> Int64? {
        let value = vector.amounts[productIndex]
        return value == Int64.min || vector.flags[productIndex] & 1 != 0 ? nil : value
    }

    public func isHidden(productIndex: Int) -> Bool { vector.flags[productIndex] & 1 != 0 }

    /// Whether a rule hides any product from this buyer; when not, listings need no hide filter.
    public var hidesAny: Bool { vector.hidesAny }

    public func quote(productIndex: Int) -> PriceQuote {
        let rules = matrix.snapshot.rules
        let amount = vector.amounts[productIndex]
        var ruleIds: [Int64] = []
        var priceTypeId = vector.priceTypeId
        if vector.switchRule[productIndex] >= 0, case .priceType(let target) = rules[Int(vector.switchRule[productIndex])].action {
            priceTypeId = target
            ruleIds.append(rules[Int(vector.switchRule[productIndex])].id)
        }
        var availability: String?
        if vector.availabilityRule[productIndex] >= 0, case .availability(let value) = rules[Int(vector.availabilityRule[productIndex])].action {
            availability = value
        }
        var source = PriceQuote.Source.base
        if vector.flags[productIndex] & 2 != 0 {
            source = .agreement
        } else if let known = priceTypeId, matrix.snapshot.priceTypes[known] != nil {
            if vector.amountRule[productIndex] >= 0 {
                let rule = rules[Int(vector.amountRule[productIndex])]
                ruleIds.append(rule.id)
                if case .fixed = rule.action { source = .fixedRule } else { source = .percentRule }
            }
        } else {
            priceTypeId = nil
        }
        return PriceQuote(
            amountMinor: amount == Int64.min ? nil : amount, currency: matrix.snapshot.displayCurrency, priceTypeId: priceTypeId,
            hidden: vector.flags[productIndex] & 1 != 0, availability: availability, source: source, ruleIds: ruleIds)
    }

    /// By product id.
    public func quote(productId: Int64) -> PriceQuote? {
        matrix.index(of: productId).map { quote(productIndex: $0) }
    }

    /// The price of one `unitId` of a product, a unit holding `factor` base units: the base unit's
    /// quote with the amount of that unit (an explicit price of the unit when the snapshot has
    /// one for the quote's price type, else the base unit's price × factor; see `PricingMath.unit`).
    /// A nil unit, or the base unit (factor 1 and no explicit price), is the base unit's quote.
    public func quote(productIndex: Int, unitId: Int64?, factor: ExactDecimal) -> PriceQuote {
        var result = self.quote(productIndex: productIndex)
        let snapshot = matrix.snapshot
        var explicit: Int64?
        if let unitId, let typeId = result.priceTypeId, !snapshot.unitPrices.isEmpty {
            explicit = snapshot.unitPrices[.init(priceTypeId: typeId, productId: snapshot.products[productIndex].id, unitId: unitId)]
        }
        if explicit == nil && factor == ExactDecimal(1) { return result }
        let rule = vector.amountRule[productIndex]
        result.amountMinor = PricingMath.unit(
            result, explicitBase: explicit, percentRule: rule >= 0 ? snapshot.rules[Int(rule)].action : nil, snapshot: snapshot, day: vector.day,
            factor: factor)
        return result
    }

    public func quote(productId: Int64, unitId: Int64?, factor: ExactDecimal) -> PriceQuote? {
        matrix.index(of: productId).map { quote(productIndex: $0, unitId: unitId, factor: factor) }
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
