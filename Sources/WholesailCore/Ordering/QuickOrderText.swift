import Foundation

/// The quick-order box: stock numbers separated by commas, spaces, semicolons or new lines, each
/// optionally with a quantity (`SKU:qty`; a line `SKU;qty` or `SKU<tab>qty` as pasted from a
/// spreadsheet).
public enum QuickOrderText {
    public struct Entry: Sendable, Equatable {
        public var sku: String
        /// nil: the unit's minimum.
        public var qtyMilli: Int64?
        /// The text as typed, when the quantity could not be read.
        public var badQuantity: String?
    }

    public static let maxEntries = 2000

    public static func parse(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            // A spreadsheet row pasted as "SKU<tab>12", or "SKU;12": two fields, the second a number.
            // (Spaces and commas only separate stock numbers: 1C codes are often all digits.)
            if line.contains("\t") || line.contains(";") {
                let cells = line.split(whereSeparator: { $0 == "\t" || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.count == 2, !cells[0].isEmpty, !cells[0].contains(" "), let qty = Quantity.milli(parsing: cells[1]) {
                    entries.append(Entry(sku: cells[0], qtyMilli: qty))
                    continue
                }
            }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == ";" || $0 == "," || $0 == " " }).map(String.init)
            for token in fields {
                let parts = token.split(separator: ":", maxSplits: 1).map(String.init)
                guard let sku = parts.first, !sku.isEmpty else { continue }
                if parts.count == 2 {
                    if let qty = Quantity.milli(parsing: parts[1]) {
                        entries.append(Entry(sku: sku, qtyMilli: qty))
                    } else {
                        entries.append(Entry(sku: sku, qtyMilli: nil, badQuantity: parts[1]))
                    }
                } else {
                    entries.append(Entry(sku: sku, qtyMilli: nil))
                }
            }
        }
        return Array(entries.prefix(maxEntries))
    }
}

