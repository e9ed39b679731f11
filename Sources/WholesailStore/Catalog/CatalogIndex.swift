import Synchronization

/// A set of dense product positions, one bit each.
struct PositionSet: Sendable {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) >> 6) }

    @inline(__always) func contains(_ position: UInt32) -> Bool {
        words[Int(position >> 6)] & (1 << UInt64(position & 63)) != 0
    }

    @inline(__always) mutating func insert(_ position: UInt32) {
        words[Int(position >> 6)] |= 1 << UInt64(position & 63)
    }

    /// The members below `count`, ascending.
    func elements(upTo count: Int) -> [UInt32] {
        var out: [UInt32] = []
        for (index, var word) in words.enumerated() {
            while word != 0 {
                let position = UInt32(index << 6 + word.trailingZeroBitCount)
                guard position < count else { return out }
                out.append(position)
                word &= word - 1
            }
        }
        return out
    }
}

/// The catalog's listings in memory: which active products sit in each category subtree, carry
/// each tag and each filterable property value, and their name, newest and rating orders. A
/// listing (a category and/or the matches of a search, filters, facet counts, a sort, one page)
/// is answered from these arrays; SQLite still matches the words (FTS5) and reads the page's rows.
///
/// Immutable once built; a change to the catalog builds a new one off the request path
/// (`CatalogIndexHolder`). Products are numbered densely in id order, so the matches of a search
/// (FTS5 returns them by rowid) and every list here are sorted the same way.
public final class CatalogIndex: Sendable {
    struct Property: Sendable {
        var id: Int64
        var name: String
        var unit: String?
        var sortOrder: Int
    }

    /// Active products' ids, ascending: a product's position here is its dense number.
    let ids: [Int64]
    let positions: IdPositions
    let nameRank: [UInt32]
    let newestRank: [UInt32]
    let ratingRank: [UInt32]
    /// Words in the product's search text: shorter texts rank first among a search's matches.
    let words: [UInt16]
    /// SKUs in ASCII lower case (the column's NOCASE collation), and the positions in SKU order
    /// with each position's rank in it: the products whose SKU starts with a text are one range.
    let skus: [String]
    let skuOrder: [UInt32]
    let skuRank: [UInt32]
    /// Category id → positions of the active products in its subtree, ascending. Every category
    /// has an entry, an empty one when nothing is in it.
    let subtrees: [Int64: [UInt32]]
    let tags: [String: PositionSet]
    /// Filterable property values per product (compressed rows: `valueStart[p]..<valueStart[p+1]`).
    let valueStart: [UInt32]
    let valueSlots: [UInt32]
    let valueIds: [Int64]
    let valueTexts: [String]
    let valueProperty: [UInt32]
    let valueSlotOfId: [Int64: UInt32]
    let properties: [Property]
    let propertySlotOfId: [Int64: UInt32]
    /// The search texts' words with their products (nil when FTS5's vocabulary could not be read
    /// in order: every search then goes to FTS5).
    let terms: CatalogTerms?
    /// The change counter this index was built at (see `CatalogIndexHolder`).
    public let generation: UInt64

    public var productCount: Int { ids.count }

    fileprivate init(builder b: CatalogIndexBuilder, generation: UInt64) {
        let count = b.ids.count
        ids = b.ids
        positions = b.positions
        func ranks(_ order: [Int64], fallback: (Int) -> UInt32) -> [UInt32] {
            var rank = [UInt32](repeating: UInt32.max, count: count)
            var next: UInt32 = 0
            for id in order {
                guard let position = b.position(of: id), rank[Int(position)] == UInt32.max else { continue }
                rank[Int(position)] = next
                next += 1
            }
            // Products missing from the order (a concurrent change) go last, in id order.
            for position in 0..<count where rank[position] == UInt32.max {
                rank[position] = next + fallback(position)
            }
            return rank
        }
        let name = ranks(b.nameOrder) { UInt32($0) }
        nameRank = name
        newestRank = ranks(b.newestOrder) { UInt32($0) }
        // Rating: average high to low, more ratings first, then name.
        let sum = b.ratingSum
        let ratingCount = b.ratingCount
        let average = (0..<count).map { ratingCount[$0] > 0 ? Double(sum[$0]) / Double(ratingCount[$0]) : 0 }
        let byRating = (0..<count).sorted { l, r in
            if average[l] != average[r] { return average[l] > average[r] }
            if ratingCount[l] != ratingCount[r] { return ratingCount[l] > ratingCount[r] }
            return name[l] < name[r]
        }
        var rating = [UInt32](repeating: 0, count: count)
        for (rank, position) in byRating.enumerated() { rating[position] = UInt32(rank) }
        ratingRank = rating
        words = b.words
        terms = b.terms?.build(productCount: count)
        skus = b.skus
        // SQLite's NOCASE order is byte order of the folded text; products it missed (a
        // concurrent change) are sorted in here.
        var skuOrder: [UInt32] = []
        skuOrder.reserveCapacity(count)
        var skuSeen = [Bool](repeating: false, count: count)
        for id in b.skuOrder {
            guard let position = b.position(of: id), !skuSeen[Int(position)] else { continue }
            skuSeen[Int(position)] = true
            skuOrder.append(position)
        }
        let skuTexts = b.skus
        if skuOrder.count < count || zip(skuOrder, skuOrder.dropFirst()).contains(where: { skuTexts[Int($1)].utf8.lexicographicallyPrecedes(skuTexts[Int($0)].utf8) }) {
            skuOrder = (0..<UInt32(count)).sorted { skuTexts[Int($0)].utf8.lexicographicallyPrecedes(skuTexts[Int($1)].utf8) }
        }
        var skuRank = [UInt32](repeating: 0, count: count)
        for (rank, position) in skuOrder.enumerated() { skuRank[Int(position)] = UInt32(rank) }
        self.skuOrder = skuOrder
        self.skuRank = skuRank

        // Subtrees: each category's own products, merged upwards through its ancestors.
        var children: [Int64: [Int64]] = [:]
        var roots: [Int64] = []
        for (id, parent) in b.categories {
            if let parent, b.categories[parent] != nil, parent != id { children[parent, default: []].append(id) } else { roots.append(id) }
        }
        var subtrees: [Int64: [UInt32]] = [:]
        subtrees.reserveCapacity(b.categories.count)
        // Iterative post-order walk (trees from an ERP can be deep); a cycle is cut where it closes.
        var visited = Set<Int64>()
        for root in roots.sorted() {
            var stack: [(id: Int64, expanded: Bool)] = [(root, false)]
            while let (id, expanded) = stack.popLast() {
                if expanded {
                    var merged = b.direct[id] ?? []
                    for child in children[id] ?? [] { merged.append(contentsOf: subtrees[child] ?? []) }
                    merged.sort()
                    subtrees[id] = Self.unique(merged)
                } else if visited.insert(id).inserted {
                    stack.append((id, true))
                    for child in children[id] ?? [] where !visited.contains(child) { stack.append((child, false)) }
                }
            }
        }
        // Categories caught in a parent cycle hold their own products.
        for id in b.categories.keys where subtrees[id] == nil {
            subtrees[id] = Self.unique((b.direct[id] ?? []).sorted())
        }
        self.subtrees = subtrees

        var tags: [String: PositionSet] = [:]
        for (code, positions) in b.tagMembers {
            var set = PositionSet(count: count)
            for position in positions { set.insert(position) }
            tags[code] = set
        }
        self.tags = tags

        // Property values: rows arrived grouped by product; anything out of order is merged in.
        var start = [UInt32](repeating: 0, count: count + 1)
        var slots = b.valueSlotsInOrder
        if b.unorderedValues.isEmpty {
            var offset: UInt32 = 0
            var cursor = 0
            for position in 0..<count {
                start[position] = offset
                while cursor < b.valuePositionsInOrder.count, b.valuePositionsInOrder[cursor] == UInt32(position) {
                    cursor += 1
                    offset += 1
                }
            }
            start[count] = offset
        } else {
            var all = zip(b.valuePositionsInOrder, b.valueSlotsInOrder).map { ($0, $1) } + b.unorderedValues
            all.sort { $0.0 < $1.0 }
            slots = all.map(\.1)
            var offset: UInt32 = 0
            var cursor = 0
            for position in 0..<count {
                start[position] = offset
                while cursor < all.count, all[cursor].0 == UInt32(position) {
                    cursor += 1
                    offset += 1
                }
            }
            start[count] = offset
        }
        valueStart = start
        valueSlots = slots
        valueIds = b.valueIds
        valueTexts = b.valueTexts
        valueProperty = b.valueProperty
        valueSlotOfId = b.valueSlotOfId
        properties = b.properties
        propertySlotOfId = b.propertySlotOfId
        self.generation = generation
    }

    private static func unique(_ sorted: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(sorted.count)
        for value in sorted where out.last != value { out.append(value) }
        return out
    }

    @inline(__always) func position(of id: Int64) -> UInt32? { positions.position(of: id).map { UInt32($0) } }
}

/// Which active products have free stock: in any active warehouse, and per region. Orders and
/// offers change it far more often than the rest of the catalog, so it is rebuilt on its own.
public final class CatalogStockIndex: Sendable {
    /// The index whose positions these sets use.
    let index: CatalogIndex
    let any: PositionSet
    let byRegion: [Int64: PositionSet]
    public let generation: UInt64

    init(index: CatalogIndex, any: PositionSet, byRegion: [Int64: PositionSet], generation: UInt64) {
        self.index = index
        self.any = any
        self.byRegion = byRegion
        self.generation = generation
    }
}

/// Collects the catalog as it is read (products in id order first), then builds a `CatalogIndex`.
struct CatalogIndexBuilder {
    var ids: [Int64] = []
    var positions = IdPositions(sortedIds: [])
    var ratingSum: [Int64] = []
    var ratingCount: [Int64] = []
    var words: [UInt16] = []
    var skus: [String] = []
    var skuOrder: [Int64] = []
    var nameOrder: [Int64] = []
    var newestOrder: [Int64] = []
    var categories: [Int64: Int64?] = [:]
    var direct: [Int64: [UInt32]] = [:]
    var tagMembers: [String: [UInt32]] = [:]
    var properties: [CatalogIndex.Property] = []
    var propertySlotOfId: [Int64: UInt32] = [:]
    var valueIds: [Int64] = []
    var valueTexts: [String] = []
    var valueProperty: [UInt32] = []
    var valueSlotOfId: [Int64: UInt32] = [:]
    var valuePositionsInOrder: [UInt32] = []
    var valueSlotsInOrder: [UInt32] = []
    var unorderedValues: [(UInt32, UInt32)] = []
    /// FTS5's words, when they were read (after the products).
    var terms: CatalogTermsBuilder?

    /// Products in ascending id order.
    mutating func addProduct(id: Int64, sku: String, ratingSum: Int64, ratingCount: Int64, words: Int) {
        precondition(ids.last.map { $0 < id } ?? true, "products must arrive in id order")
        ids.append(id)
        self.ratingSum.append(ratingSum)
        self.ratingCount.append(ratingCount)
        self.words.append(UInt16(clamping: words))
        skus.append(Self.foldASCII(sku))
    }

    /// Call once every product is added.
    mutating func finishProducts() { positions = IdPositions(sortedIds: ids) }

    func position(of id: Int64) -> UInt32? { positions.position(of: id).map { UInt32($0) } }

    mutating func addCategory(id: Int64, parentId: Int64?) { categories[id] = parentId }

    mutating func addProductCategory(categoryId: Int64, productId: Int64) {
        guard let position = position(of: productId) else { return }
        direct[categoryId, default: []].append(position)
    }

    mutating func addTag(_ code: String, productId: Int64) {
        guard let position = position(of: productId) else { return }
        tagMembers[code, default: []].append(position)
    }

    mutating func addProperty(id: Int64, name: String, unit: String?, sortOrder: Int) {
        propertySlotOfId[id] = UInt32(properties.count)
        properties.append(CatalogIndex.Property(id: id, name: name, unit: unit, sortOrder: sortOrder))
    }

    /// A value of a property added before.
    mutating func addValue(id: Int64, propertyId: Int64, text: String) {
        guard let property = propertySlotOfId[propertyId] else { return }
        valueSlotOfId[id] = UInt32(valueIds.count)
        valueIds.append(id)
        valueTexts.append(text)
        valueProperty.append(property)
    }

    /// A product's value of a filterable property; fastest when rows come grouped by product id.
    mutating func addProductValue(productId: Int64, valueId: Int64) {
        guard let position = position(of: productId), let slot = valueSlotOfId[valueId] else { return }
        if let last = valuePositionsInOrder.last, last > position {
            unorderedValues.append((position, slot))
        } else {
            valuePositionsInOrder.append(position)
            valueSlotsInOrder.append(slot)
        }
    }

    func build(generation: UInt64) -> CatalogIndex { CatalogIndex(builder: self, generation: generation) }

    static func foldASCII(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return text }
        return String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

/// What a listing asks of the index: the request's category, the search's matches, filters, sort
/// and page. `matches` are product ids from the full-text index, ascending (nil: no search).
struct CatalogIndexQuery {
    var categoryId: Int64?
    var matches: [Int64]?
    /// The search's matches as positions, ascending, when `CatalogTerms` answered it.
    var matchPositions: [UInt32]?
    /// The typed text, for SKU prefix matches first (nil: none, or too long).
    var raw: String?
    /// Products whose SKU or article is exactly the typed text (they come first of all).
    var exact: [Int64] = []
    var properties: [Int64: Set<Int64>]
    var tags: Set<String>
    var inStock: Bool
    var regionId: Int64?
    var sort: ProductSort
    var page: Int
    var perPage: Int
    var withFacets: Bool
    var minPrice: Int64?
    var maxPrice: Int64?
}

extension CatalogIndex {
    /// One page of the listing, the total and the facet counts; nil when the index cannot answer
    /// the question exactly (a filter on a property that is not filterable, stock not indexed).
    func evaluate(
        _ query: CatalogIndexQuery, stock: CatalogStockIndex?, price: ((Int64) -> Int64?)?, isHidden: ((Int64) -> Bool)?
    ) -> (pageIds: [Int64], total: Int, facets: [Facet])? {
        // Property filters as (property slot, accepted value slots).
        var propertyFilters: [(property: UInt32, values: Set<UInt32>)] = []
        for (propertyId, valueIds) in query.properties where !valueIds.isEmpty {
            guard let property = propertySlotOfId[propertyId] else { return nil }
            let accepted = Set(valueIds.compactMap { valueSlotOfId[$0] }.filter { valueProperty[Int($0)] == property })
            propertyFilters.append((property, accepted))
        }
        var stockSet: PositionSet?
        if query.inStock {
            guard let stock else { return nil }
            if let region = query.regionId {
                stockSet = stock.byRegion[region] ?? PositionSet(count: ids.count)
            } else {
                stockSet = stock.any
            }
        }
        var tagSets: [PositionSet] = []
        for tag in query.tags {
            guard let set = tags[tag] else { return ([], 0, []) }
            tagSets.append(set)
        }

        // Candidates, ascending.
        var candidates: [UInt32]
        var matchPositions = query.matchPositions
        if matchPositions == nil, let matches = query.matches {
            var positions: [UInt32] = []
            positions.reserveCapacity(matches.count)
            for id in matches { if let position = position(of: id) { positions.append(position) } }
            matchPositions = positions
        }
        if let categoryId = query.categoryId {
            guard let subtree = subtrees[categoryId] else { return ([], 0, []) }
            if let matchPositions {
                candidates = Self.intersect(subtree, matchPositions)
            } else {
                candidates = subtree
            }
        } else if let matchPositions {
            candidates = matchPositions
        } else {
            candidates = Array(0..<UInt32(ids.count))
        }

        let byPrice = query.minPrice != nil || query.maxPrice != nil
        let needsFilter = !propertyFilters.isEmpty || stockSet != nil || !tagSets.isEmpty || isHidden != nil || (byPrice && price != nil)
        if needsFilter {
            var kept: [UInt32] = []
            kept.reserveCapacity(candidates.count)
            candidateLoop: for position in candidates {
                for set in tagSets where !set.contains(position) { continue candidateLoop }
                if let stockSet, !stockSet.contains(position) { continue }
                if !propertyFilters.isEmpty {
                    let lower = Int(valueStart[Int(position)])
                    let upper = Int(valueStart[Int(position) + 1])
                    for filter in propertyFilters {
                        var found = false
                        for index in lower..<upper where filter.values.contains(valueSlots[index]) {
                            found = true
                            break
                        }
                        if !found { continue candidateLoop }
                    }
                }
                let id = ids[Int(position)]
                if let isHidden, isHidden(id) { continue }
                if byPrice, let price {
                    guard let amount = price(id) else { continue }
                    if let minimum = query.minPrice, amount < minimum { continue }
                    if let maximum = query.maxPrice, amount > maximum { continue }
                }
                kept.append(position)
            }
            candidates = kept
        }

        let facets = query.withFacets ? self.facets(over: candidates) : []
        let start = max(0, (query.page - 1) * query.perPage)
        guard start < candidates.count, query.perPage > 0 else { return ([], candidates.count, facets) }
        let end = min(candidates.count, start + query.perPage)
        let ordered = order(candidates, query: query, price: price, first: end)
        return (ordered[start..<end].map { ids[Int($0)] }, candidates.count, facets)
    }

    /// The first `first` candidates in the query's order.
    private func order(_ candidates: [UInt32], query: CatalogIndexQuery, price: ((Int64) -> Int64?)?, first: Int) -> [UInt32] {
        // Each candidate gets (primary key, secondary key); the secondary is the name order.
        let key: (UInt32) -> (Int64, UInt32)
        switch query.sort {
        case .relevance where query.matches != nil || query.matchPositions != nil:
            let exact = Set(query.exact.compactMap { self.position(of: $0) })
            let prefixed = query.raw.map { skuRange(prefix: String(CatalogIndexBuilder.foldASCII($0).filter { $0 != "%" && $0 != "_" })) } ?? 0..<0
            key = { [skuRank, words, nameRank] position in
                let index = Int(position)
                let tier: Int64 = exact.contains(position) ? 0 : prefixed.contains(skuRank[index]) ? 1 : 2
                return (tier << 32 | Int64(words[index]), nameRank[index])
            }
        case .price where price != nil, .priceDesc where price != nil:
            let descending = query.sort == .priceDesc
            let price = price!
            key = { [ids, nameRank] position in
                guard let amount = price(ids[Int(position)]) else { return (Int64.max, nameRank[Int(position)]) }
                return (descending ? -amount : amount, nameRank[Int(position)])
            }
        case .newest: key = { [newestRank] in (Int64(newestRank[Int($0)]), 0) }
        case .rating: key = { [ratingRank] in (Int64(ratingRank[Int($0)]), 0) }
        default: key = { [nameRank] in (Int64(nameRank[Int($0)]), 0) }
        }
        return Self.smallest(first, of: candidates, by: key)
    }

    /// The SKU ranks of the products whose folded SKU starts with `prefix` (byte order keeps
    /// them together).
    func skuRange(prefix: String) -> Range<UInt32> {
        func firstRank(where isAfter: (String) -> Bool) -> UInt32 {
            var low = 0
            var high = skuOrder.count
            while low < high {
                let middle = (low + high) >> 1
                if isAfter(skus[Int(skuOrder[middle])]) { high = middle } else { low = middle + 1 }
            }
            return UInt32(low)
        }
        let lower = firstRank { !$0.utf8.lexicographicallyPrecedes(prefix.utf8) }
        let upper = firstRank { !$0.utf8.lexicographicallyPrecedes(prefix.utf8) && !$0.utf8.starts(with: prefix.utf8) }
        return lower..<max(lower, upper)
    }

    /// The `k` smallest elements by key, sorted: a bounded heap when k is small against the list.
    static func smallest(_ k: Int, of elements: [UInt32], by key: (UInt32) -> (Int64, UInt32)) -> [UInt32] {
        typealias Entry = (key: (Int64, UInt32), element: UInt32)
        func less(_ a: Entry, _ b: Entry) -> Bool { a.key != b.key ? a.key < b.key : a.element < b.element }
        if k * 8 >= elements.count {
            var keyed = elements.map { (key: key($0), element: $0) }
            keyed.sort(by: less)
            return keyed.prefix(k).map(\.element)
        }
        // A max-heap of the k best so far.
        var heap: [Entry] = []
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var largest = left
                if left + 1 < heap.count, less(heap[largest], heap[left + 1]) { largest = left + 1 }
                guard less(heap[parent], heap[largest]) else { return }
                heap.swapAt(parent, largest)
                parent = largest
            }
        }
        for element in elements {
            let entry = (key: key(element), element: element)
            if heap.count < k {
                heap.append(entry)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard less(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if less(entry, heap[0]) {
                heap[0] = entry
                siftDown(0)
            }
        }
        heap.sort(by: less)
        return heap.map(\.element)
    }

    /// Ascending lists' common elements.
    static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(min(a.count, b.count))
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] {
                i += 1
            } else if a[i] > b[j] {
                j += 1
            } else {
                out.append(a[i])
                i += 1
                j += 1
            }
        }
        return out
    }

    /// Value counts of filterable properties over the candidates: the properties most products
    /// carry first (at most 20), their values by count (at most 30), then in the properties' order.
    func facets(over candidates: [UInt32]) -> [Facet] {
        var counts = [Int32](repeating: 0, count: valueIds.count)
        for position in candidates {
            let lower = Int(valueStart[Int(position)])
            let upper = Int(valueStart[Int(position) + 1])
            for index in lower..<upper { counts[Int(valueSlots[index])] &+= 1 }
        }
        var byProperty: [UInt32: [(slot: Int, count: Int)]] = [:]
        for (slot, count) in counts.enumerated() where count > 0 {
            byProperty[valueProperty[slot], default: []].append((slot, Int(count)))
        }
        var ranked: [(property: UInt32, values: [(slot: Int, count: Int)], total: Int)] = []
        for (property, values) in byProperty {
            var total = 0
            for value in values { total += value.count }
            ranked.append((property, values, total))
        }
        ranked.sort { lhs, rhs in
            if lhs.total != rhs.total { return lhs.total > rhs.total }
            return properties[Int(lhs.property)].id < properties[Int(rhs.property)].id
        }
        var facets: [Facet] = []
        for entry in ranked.prefix(20) {
            let property = properties[Int(entry.property)]
            let sorted = entry.values.sorted { lhs, rhs in
                if lhs.count != rhs.count { return lhs.count > rhs.count }
                return valueTexts[lhs.slot] < valueTexts[rhs.slot]
            }
            var values: [Facet.Value] = []
            for value in sorted.prefix(30) {
                values.append(Facet.Value(id: valueIds[value.slot], value: valueTexts[value.slot], count: value.count))
            }
            facets.append(Facet(propertyId: property.id, name: property.name, unit: property.unit, values: values))
        }
        facets.sort { lhs, rhs in
            let l = properties[Int(propertySlotOfId[lhs.propertyId] ?? 0)].sortOrder
            let r = properties[Int(propertySlotOfId[rhs.propertyId] ?? 0)].sortOrder
            return l != r ? l < r : lhs.propertyId < rhs.propertyId
        }
        return facets
    }
}

/// The running portal's catalog index: the current one, and change counters bumped by every
/// commit to the tables it reads (from the commit hook, before the write returns), so a listing
/// never answers from an index older than a change it could have seen. While an import runs the
/// index may stay behind on purpose (`acceptStale`), as the price matrix does.
public final class CatalogIndexHolder: Sendable {
    struct State {
        var catalog: CatalogIndex?
        var stock: CatalogStockIndex?
        var catalogGeneration: UInt64 = 0
        var stockGeneration: UInt64 = 0
        var acceptStale = false
    }

    let state = Mutex(State())

    public init() {}

    /// The index and stock sets a listing may use now (nil when missing or behind).
    func usable(needsStock: Bool) -> (catalog: CatalogIndex, stock: CatalogStockIndex?)? {
        state.withLock { state in
            guard let catalog = state.catalog, catalog.generation == state.catalogGeneration || state.acceptStale else { return nil }
            var stock = state.stock
            if let current = stock, current.index !== catalog || (current.generation != state.stockGeneration && !state.acceptStale) { stock = nil }
            if needsStock, stock == nil { return nil }
            return (catalog, stock)
        }
    }

    public var catalog: CatalogIndex? { state.withLock { $0.catalog } }

    public var generations: (catalog: UInt64, stock: UInt64) { state.withLock { ($0.catalogGeneration, $0.stockGeneration) } }

    /// Whether a rebuild is due: the index or the stock sets are missing or behind.
    public var isBehind: (catalog: Bool, stock: Bool) {
        state.withLock { state in
            (state.catalog?.generation != state.catalogGeneration,
             state.stock?.generation != state.stockGeneration || state.stock?.index !== state.catalog)
        }
    }

    public func setAcceptStale(_ accept: Bool) { state.withLock { $0.acceptStale = accept } }

    /// Whether a listing may answer from an index that is behind (while an import writes).
    public var acceptsStale: Bool { state.withLock { $0.acceptStale } }

    func bump(catalog: Bool, stock: Bool) {
        state.withLock { state in
            if catalog { state.catalogGeneration &+= 1 }
            if stock { state.stockGeneration &+= 1 }
        }
    }

    func install(_ catalog: CatalogIndex, stock: CatalogStockIndex) {
        state.withLock {
            $0.catalog = catalog
            $0.stock = stock
        }
    }

    func install(_ stock: CatalogStockIndex) {
        state.withLock { state in
            if stock.index === state.catalog { state.stock = stock }
        }
    }
}
