import Foundation

/// What kind of file an import job holds, decided from the first bytes and the name.
public enum ImportFileFormat: String, Sendable, Codable, CaseIterable {
    /// CommerceML 2.x / 3.1 XML (1C's `КоммерческаяИнформация`).
    case commerceML = "commerceml"
    case csv
    case xlsx
    /// Wholesail's JSON shape (a document or JSON Lines), for ERPs other than 1C.
    case json
    /// A zip of any of these (unpacked into the job before it runs).
    case zip
    /// An image or document a package refers to (`import_files/…`): stored, not parsed.
    case attachment
    case unknown
}

public enum ImportFiles {
    /// The format of a file named `fileName` whose content starts with `head`.
    public static func format(fileName: String, head: some Collection<UInt8>) -> ImportFileFormat {
        let name = fileName.lowercased()
        let kind = ContentSniffer.sniff(head)
        switch kind {
        case .xlsx: return .xlsx
        case .zip: return name.hasSuffix(".xlsx") ? .xlsx : .zip
        case .png, .jpeg, .gif, .webp, .bmp, .svg, .pdf, .docx, .ole2:
            // An image or a PDF under a data file's name is not what it says: never parsed, refused.
            return claimsData(fileName: name) ? .unknown : .attachment
        case .xml: return .commerceML
        case .json: return .json
        case .text:
            if name.hasSuffix(".xml") { return .commerceML }
            if name.hasSuffix(".json") || name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .json }
            return .csv
        case .binary:
            // Windows-1251 text is not valid UTF-8 but has no NUL bytes either: a CSV from Excel.
            if name.hasSuffix(".csv") || name.hasSuffix(".txt") { return .csv }
            if name.hasPrefix("import_files/") || name.contains("/import_files/") { return .attachment }
            return .unknown
        }
    }

    /// Whether a name says the file is data to import (`import.xml`, `prices.csv`, `goods.xlsx`, a
    /// JSON file), outside a package's `import_files/` folder of pictures and documents.
    public static func claimsData(fileName: String) -> Bool {
        let name = fileName.lowercased()
        if name.hasPrefix("import_files/") || name.contains("/import_files/") { return false }
        return [".xml", ".csv", ".txt", ".xlsx", ".json", ".jsonl", ".ndjson"].contains { name.hasSuffix($0) }
    }

    /// A file name as the ERP sent it, made into a relative path inside the package: `\` becomes
    /// `/`, a drive letter and leading slashes are dropped, `.` segments removed. Returns nil for
    /// names with a `..` segment, NUL or control characters, or nothing left.
    public static func normalizedPath(_ raw: String) -> String? {
        var text = raw.replacingOccurrences(of: "\\", with: "/")
        if text.count >= 2, let first = text.first, first.isASCII, first.isLetter, text.dropFirst().first == ":" {
            text = String(text.dropFirst(2))
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        var segments: [Substring] = []
        for segment in text.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { return nil }
            segments.append(segment)
        }
        guard !segments.isEmpty else { return nil }
        let path = segments.joined(separator: "/")
        return path.utf8.count <= 1024 ? path : nil
    }

    /// Where a file goes in a job's processing order. Classifiers and catalogs come before
    /// offers, offers before prices and stock, and those before counterparties and documents;
    /// split packages (`import0_1`, `import0_2` … `import0_10`) in numeric order. A catalog
    /// file with goods comes after one without (`hasGoods`), so a separate classifier
    /// (`import___…` of the new-style packages) is read first.
    public static func sortKey(fileName: String, format: ImportFileFormat, csvLayout: String? = nil, hasGoods: Bool = false) -> ImportFileSortKey {
        let base = (fileName.split(separator: "/").last.map(String.init) ?? fileName).lowercased()
        var rank: Int
        switch format {
        case .zip: rank = 0
        case .attachment, .unknown: rank = 1
        case .commerceML:
            if base.hasPrefix("classifier") || base.hasPrefix("properties") || base.hasPrefix("references") || base.hasPrefix("group") {
                rank = 10
            } else if base.hasPrefix("import") || base.hasPrefix("catalog") || base.hasPrefix("goods") || base.hasPrefix("products") {
                rank = hasGoods ? 12 : 10
            } else if base.hasPrefix("offers") {
                rank = 20
            } else if base.hasPrefix("prices") {
                rank = 30
            } else if base.hasPrefix("rests") || base.hasPrefix("remainders") || base.hasPrefix("stock") {
                rank = 40
            } else if base.hasPrefix("contragents") || base.hasPrefix("contractors") || base.hasPrefix("counterpart") {
                rank = 50
            } else if base.hasPrefix("documents") || base.hasPrefix("orders") {
                rank = 60
            } else {
                rank = hasGoods ? 12 : 15
            }
        case .json: rank = 11
        case .csv, .xlsx:
            switch csvLayout {
            case "products": rank = 12
            case "prices": rank = 30
            case "stock": rank = 40
            case "counterparties": rank = 50
            default: rank = 15
            }
        }
        return ImportFileSortKey(rank: rank, numbers: Self.numbers(in: base), name: base)
    }

    static func numbers(in name: String) -> [Int] {
        var result: [Int] = []
        var current: Int?
        for scalar in name.unicodeScalars {
            if let digit = Int(String(scalar)), scalar.isASCII {
                current = min((current ?? 0) * 10 + digit, 1_000_000_000)
            } else if let value = current {
                result.append(value)
                current = nil
            }
        }
        if let current { result.append(current) }
        return result
    }

    /// True when `bytes` (a chunk of a CommerceML file) holds a product element: `<Товар>` or
    /// `<Товар ` in UTF-8 or Windows-1251, with or without a namespace prefix. `carry` keeps the
    /// tail of the previous chunk so a tag split across chunks is still found.
    public static func containsGoods(_ bytes: some Collection<UInt8>, carry: inout [UInt8]) -> Bool {
        var window = carry
        window.append(contentsOf: bytes)
        defer { carry = Array(window.suffix(16)) }
        for needle in goodsNeedles where Self.find(needle, in: window) { return true }
        return false
    }

    private static let goodsNeedles: [[UInt8]] = {
        let utf8 = Array("Товар".utf8)
        let cp1251: [UInt8] = [0xD2, 0xEE, 0xE2, 0xE0, 0xF0]
        var result: [[UInt8]] = []
        for word in [utf8, cp1251] {
            for lead in [UInt8(ascii: "<"), UInt8(ascii: ":")] {
                for tail in [UInt8(ascii: ">"), UInt8(ascii: " ")] { result.append([lead] + word + [tail]) }
            }
        }
        return result
    }()

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < needle.count && haystack[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    /// Which CSV layout a header row (and the file's name) means: "products", "prices", "stock"
    /// or "counterparties"; nil when none fits.
    public static func csvLayout(fileName: String, header: [String]) -> CSVLayout? {
        let base = (fileName.split(separator: "/").last.map(String.init) ?? fileName).lowercased()
        let hints: [(String, CSVLayout)] = [
            ("price", .prices), ("цен", .prices), ("прайс", .prices),
            ("stock", .stock), ("rest", .stock), ("остат", .stock), ("склад", .stock),
            ("counterpart", .counterparties), ("contragent", .counterparties), ("client", .counterparties),
            ("customer", .counterparties), ("контрагент", .counterparties), ("клиент", .counterparties),
            ("product", .products), ("catalog", .products), ("goods", .products), ("товар", .products),
            ("номенклатур", .products), ("каталог", .products),
        ]
        if let hinted = hints.first(where: { base.contains($0.0) })?.1, (try? hinted.match(header: header)) != nil {
            return hinted
        }
        let matched = CSVLayout.all.compactMap { layout in (try? layout.match(header: header)).map { (layout, $0) } }
        func has(_ layout: CSVLayout) -> CSVHeaderMap? { matched.first { $0.0.name == layout.name }?.1 }
        if let counterparties = has(.counterparties), counterparties.contains(.inn) || counterparties.contains(.kpp) {
            return .counterparties
        }
        if let products = has(.products), products.contains(.name) { return .products }
        if has(.stock) != nil, has(.prices) == nil { return .stock }
        if has(.prices) != nil { return .prices }
        if has(.stock) != nil { return .stock }
        return matched.first?.0
    }
}

/// Orders a job's files: rank, then the numbers in the name, then the name.
public struct ImportFileSortKey: Comparable, Sendable {
    public var rank: Int
    public var numbers: [Int]
    public var name: String

    public static func < (lhs: ImportFileSortKey, rhs: ImportFileSortKey) -> Bool {
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        if lhs.numbers != rhs.numbers { return lhs.numbers.lexicographicallyPrecedes(rhs.numbers) }
        return lhs.name < rhs.name
    }
}
