import Foundation
import GRDB
import WholesailCore

/// The variants of a product (CommerceML characteristics: `<product>#<characteristic>` offers,
/// imported as products of their own) laid out as a grid for ordering many at once.
///
/// The characteristics are the properties in which the variants differ from their product
/// (the importer copies the product's properties to each variant and adds the characteristics).
/// With one characteristic the grid is a single column of its values. With two or more, the
/// characteristic with the most distinct values makes the columns (sizes, typically) and the
/// rows are the combinations of the others that occur (colour, or colour / length).
public struct VariantGrid: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var productId: Int64
        public var sku: String
        public var name: String
        /// The buyer's price in minor units (nil: no price for this buyer).
        public var priceMinor: Int64?
        /// Free stock (stock less reserves) in the buyer's region, in thousandths of the base unit.
        public var freeMilli: Int64
        public var rule: Quantity.Rule

        public init(productId: Int64, sku: String, name: String, priceMinor: Int64?, freeMilli: Int64, rule: Quantity.Rule) {
            self.productId = productId
            self.sku = sku
            self.name = name
            self.priceMinor = priceMinor
            self.freeMilli = freeMilli
            self.rule = rule
        }
    }

    public struct Row: Sendable, Equatable {
        public var label: String
        /// One per column; nil where no variant has that combination.
        public var cells: [Cell?]
    }

    /// The product whose variants these are.
    public var parentId: Int64
    public var parentName: String
    /// The characteristic of the columns ("" for a single-column grid).
    public var columnTitle: String
    /// The characteristics of the rows, joined with " / ".
    public var rowTitle: String
    /// Column headings: the column characteristic's values ("" for a single-column grid).
    public var columns: [String]
    public var rows: [Row]

    public var cells: [Cell] { rows.flatMap { $0.cells.compactMap { $0 } } }
}

/// A variant with its characteristic values, before layout.
public struct VariantRecord: Sendable, Equatable {
    public var cell: VariantGrid.Cell
    /// Characteristic (property) name → value.
    public var values: [String: String]

    public init(cell: VariantGrid.Cell, values: [String: String]) {
        self.cell = cell
        self.values = values
    }
}

extension VariantGrid {
    /// One characteristic: its name and its values in display order.
    public struct Dimension: Sendable, Equatable {
        public var name: String
        public var values: [String]

        public init(name: String, values: [String]) {
            self.name = name
            self.values = values
        }
    }

    /// Lays variants out. `dimensions` are the characteristics with their values in display
    /// order (a variant's value missing from its dimension is placed last); dimensions with a
    /// single value are dropped when another one varies. Nil when there are no variants.
    public static func layout(parentId: Int64, parentName: String, variants: [VariantRecord], dimensions: [Dimension]) -> VariantGrid? {
        guard !variants.isEmpty else { return nil }
        var dims = dimensions.filter { !$0.values.isEmpty }
        if dims.contains(where: { $0.values.count > 1 }) { dims = dims.filter { $0.values.count > 1 } }
        // The most distinct values first; ties keep the given (property) order.
        dims = dims.enumerated().sorted { ($0.element.values.count, -$0.offset) > ($1.element.values.count, -$1.offset) }.map(\.element)
        guard let first = dims.first else {
            // No characteristics known: a list of the variants by name.
            return VariantGrid(
                parentId: parentId, parentName: parentName, columnTitle: "", rowTitle: "", columns: [""],
                rows: variants.map { Row(label: $0.cell.name, cells: [$0.cell]) })
        }
        func position(_ value: String?, in dim: Dimension) -> Int {
            value.flatMap { dim.values.firstIndex(of: $0) } ?? dim.values.count
        }
        if dims.count == 1 {
            let ordered = variants.enumerated().sorted {
                (position($0.element.values[first.name], in: first), $0.offset) < (position($1.element.values[first.name], in: first), $1.offset)
            }.map(\.element)
            return VariantGrid(
                parentId: parentId, parentName: parentName, columnTitle: "", rowTitle: first.name, columns: [""],
                rows: ordered.map { Row(label: $0.values[first.name] ?? "—", cells: [$0.cell]) })
        }
        let column = first
        let rowDims = Array(dims.dropFirst())
        var columns = column.values
        if variants.contains(where: { $0.values[column.name].map { !column.values.contains($0) } ?? true }) { columns.append("—") }
        func columnIndex(_ variant: VariantRecord) -> Int { position(variant.values[column.name], in: column) }
        func rowKey(_ variant: VariantRecord) -> [Int] { rowDims.map { position(variant.values[$0.name], in: $0) } }
        func rowLabel(_ variant: VariantRecord) -> String { rowDims.map { variant.values[$0.name] ?? "—" }.joined(separator: " / ") }
        var rows: [(key: [Int], order: Int, row: Row)] = []
        for (offset, variant) in variants.enumerated() {
            let key = rowKey(variant)
            let index = columnIndex(variant)
            // A second variant with the same combination gets a row of its own.
            if let found = rows.firstIndex(where: { $0.key == key && $0.row.cells[index] == nil }) {
                rows[found].row.cells[index] = variant.cell
            } else {
                var cells = [VariantGrid.Cell?](repeating: nil, count: columns.count)
                cells[index] = variant.cell
                rows.append((key, offset, Row(label: rowLabel(variant), cells: cells)))
            }
        }
        rows.sort { lhs, rhs in
            lhs.key != rhs.key ? lhs.key.lexicographicallyPrecedes(rhs.key) : lhs.order < rhs.order
        }
        return VariantGrid(
            parentId: parentId, parentName: parentName, columnTitle: column.name, rowTitle: rowDims.map(\.name).joined(separator: " / "),
            columns: columns, rows: rows.map(\.row))
    }
}

extension WholesailDatabase {
    /// The variant grid of a product, or of the product a variant belongs to: its active variants
    /// that `hidden` does not hide, each with `price` and the free stock of the region. Nil when
    /// the product has no variants (or none visible).
    public func variantGrid(
        productId: Int64, regionId: Int64?, hidden: (Int64) -> Bool = { _ in false }, price: (Int64) -> Int64? = { _ in nil }
    ) async throws -> VariantGrid? {
        guard let found = try await variantRecords(productId: productId) else { return nil }
        let visible = found.variants.filter { !hidden($0.cell.productId) }
        guard !visible.isEmpty else { return nil }
        let stock = try await availability(productIds: visible.map(\.cell.productId), regionId: regionId)
        let priced = visible.map { variant in
            var variant = variant
            variant.cell.priceMinor = price(variant.cell.productId)
            variant.cell.freeMilli = stock[variant.cell.productId]?.regionalMilli ?? 0
            return variant
        }
        // Values shown are those the visible variants have, in the characteristic's order.
        let dimensions = found.dimensions.map { dim in
            VariantGrid.Dimension(name: dim.name, values: dim.values.filter { value in priced.contains { $0.values[dim.name] == value } })
        }
        return VariantGrid.layout(parentId: found.parentId, parentName: found.parentName, variants: priced, dimensions: dimensions)
    }

    /// The variants and their characteristics, unpriced.
    func variantRecords(productId: Int64) async throws -> (parentId: Int64, parentName: String, variants: [VariantRecord], dimensions: [VariantGrid.Dimension])? {
        try await read { db in
            guard let erpId = try String.fetchOne(db, sql: "SELECT erpId FROM product WHERE id = ? AND deleted = 0", arguments: [productId]),
                !erpId.isEmpty
            else { return nil }
            // A variant's ERP id is "<product>#<characteristic>": the card of a variant shows its product's grid.
            let parentErp = erpId.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? erpId
            guard !parentErp.isEmpty,
                let parent = try Row.fetchOne(
                    db, sql: "SELECT id, name FROM product WHERE erpId = ? AND active = 1 AND deleted = 0", arguments: [parentErp])
            else { return nil }
            let parentId: Int64 = parent["id"]
            // "#" is U+0023 and "$" U+0024: the range is every ERP id starting with "<product>#" on the
            // unique index. The `+` keeps SQLite from walking (active, deleted, name) instead: that
            // read every active product for each card (220 ms at 100,000 products).
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, sku, name, minQtyMilli, stepQtyMilli FROM product
                    WHERE erpId >= ? AND erpId < ? AND +active = 1 AND +deleted = 0 ORDER BY id
                    """, arguments: [parentErp + "#", parentErp + "$"])
            guard !rows.isEmpty else { return nil }
            let ids = [parentId] + rows.map { $0["id"] as Int64 }
            let properties = try Row.fetchAll(
                db,
                sql: """
                    SELECT pp.productId, p.id AS propertyId, p.name, p.sortOrder, pp.valueId,
                        coalesce(v.value, pp.textValue, CAST(pp.numberValue AS TEXT)) AS value, coalesce(v.sortOrder, 0) AS valueOrder
                    FROM productProperty pp JOIN property p ON p.id = pp.propertyId LEFT JOIN propertyValue v ON v.id = pp.valueId
                    WHERE pp.productId IN (SELECT value FROM json_each(?))
                    ORDER BY p.sortOrder, p.id
                    """, arguments: ["[" + ids.map(String.init).joined(separator: ",") + "]"])
            var parentValues: [Int64: String] = [:]
            var byProduct: [Int64: [Int64: String]] = [:]
            var propertyOrder: [Int64] = []
            var propertyName: [Int64: String] = [:]
            var valueOrder: [Int64: [String: Int]] = [:]
            for row in properties {
                let property: Int64 = row["propertyId"]
                guard let value = (row["value"] as String?)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { continue }
                let product: Int64 = row["productId"]
                if product == parentId {
                    parentValues[property] = value
                    continue
                }
                byProduct[product, default: [:]][property] = value
                if propertyName[property] == nil {
                    propertyName[property] = row["name"]
                    propertyOrder.append(property)
                }
                valueOrder[property, default: [:]][value] = row["valueOrder"]
            }
            // Characteristics: properties in which some variant differs from the product.
            let characteristics = propertyOrder.filter { property in
                rows.contains { byProduct[$0["id"] as Int64]?[property] != parentValues[property] }
            }
            var variants: [VariantRecord] = []
            var firstSeen: [Int64: [String: Int]] = [:]
            for (offset, row) in rows.enumerated() {
                let id: Int64 = row["id"]
                var values: [String: String] = [:]
                for property in characteristics {
                    guard let value = byProduct[id]?[property] else { continue }
                    values[propertyName[property]!] = value
                    if firstSeen[property]?[value] == nil { firstSeen[property, default: [:]][value] = offset }
                }
                let cell = VariantGrid.Cell(
                    productId: id, sku: row["sku"], name: row["name"], priceMinor: nil, freeMilli: 0,
                    rule: Quantity.Rule(minMilli: row["minQtyMilli"], stepMilli: row["stepQtyMilli"]))
                variants.append(VariantRecord(cell: cell, values: values))
            }
            // Two properties of the same name would collide by name: the first one wins.
            var usedNames = Set<String>()
            let dimensions = characteristics.compactMap { property -> VariantGrid.Dimension? in
                let name = propertyName[property]!
                guard usedNames.insert(name).inserted else { return nil }
                let seen = firstSeen[property] ?? [:]
                let order = valueOrder[property] ?? [:]
                let numeric = seen.keys.allSatisfy { Double($0.replacingOccurrences(of: ",", with: ".")) != nil }
                let values = seen.keys.sorted { lhs, rhs in
                    let (lo, ro) = (order[lhs] ?? 0, order[rhs] ?? 0)
                    if lo != ro { return lo < ro }
                    if numeric {
                        let (ln, rn) = (Double(lhs.replacingOccurrences(of: ",", with: "."))!, Double(rhs.replacingOccurrences(of: ",", with: "."))!)
                        if ln != rn { return ln < rn }
                    }
                    return (seen[lhs]!, lhs) < (seen[rhs]!, rhs)
                }
                return VariantGrid.Dimension(name: name, values: values)
            }
            return (parentId, parent["name"], variants, dimensions)
        }
    }

    /// Adds several products to the working cart in one transaction, all or nothing: the answer
    /// has one entry per item, nil for an item that could be added or the error that refuses it;
    /// when any item is refused, or `commit` is false (the caller found other problems and only
    /// wants each item checked), nothing is added.
    public func addAllToCart(userId: Int64, items: [(productId: Int64, qtyMilli: Int64)], commit: Bool = true) async throws -> [DomainError?] {
        try await write { db in
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            try db.execute(sql: "SAVEPOINT grid")
            var results: [DomainError?] = []
            for item in items {
                try db.execute(sql: "SAVEPOINT item")
                do {
                    _ = try Self.addLine(db, cartId: cartId, productId: item.productId, unitId: nil, qtyMilli: item.qtyMilli, mode: .add)
                    try db.execute(sql: "RELEASE item")
                    results.append(nil)
                } catch let error as DomainError {
                    try db.execute(sql: "ROLLBACK TO item")
                    try db.execute(sql: "RELEASE item")
                    results.append(error)
                }
            }
            if !commit || results.contains(where: { $0 != nil }) { try db.execute(sql: "ROLLBACK TO grid") }
            try db.execute(sql: "RELEASE grid")
            return results
        }
    }
}
