import Foundation

/// A column the importer knows how to use.
public enum CSVColumnKey: String, Sendable, CaseIterable {
    case externalID, sku, name, fullName, unit, group, barcode, description, brand, vat, weight, packSize
    case price, priceType, currency, minQuantity
    case quantity, warehouse
    case inn, kpp, email, phone, address, contactPerson
}

/// The columns of one kind of CSV file (products, prices, stock, counterparties) and the header
/// texts, Russian or English, that name each of them. All four layouts live here, so the
/// synonyms are defined once.
///
/// Header texts are compared after normalisation: case, `ё`/`е`, spaces and punctuation are
/// ignored ("Кол-во" = "кол во" = "КОЛВО"), and a trailing unit or note after `(` or `,` is
/// dropped ("Цена, руб." = "Цена (RUB)" = "Цена").
public struct CSVLayout: Sendable {
    public struct Column: Sendable {
        public let key: CSVColumnKey
        public let required: Bool
        /// Names in order of preference: when two header cells match one key, the one matching
        /// an earlier synonym wins ("Артикул" over "Код").
        public let synonyms: [String]
    }

    public let name: String
    public let columns: [Column]

    public init(name: String, columns: [Column]) {
        self.name = name
        self.columns = columns
    }

    // MARK: The four layouts

    private static func column(_ key: CSVColumnKey, required: Bool = false, _ synonyms: [String]) -> Column {
        Column(key: key, required: required, synonyms: synonyms)
    }

    private static let sku = column(
        .sku, required: true,
        [
            "SKU", "Артикул", "Article", "Art", "Арт", "Код", "Code", "Код товара", "Item code", "Vendor code",
            "Part number",
        ])
    private static let skuOptional = Column(key: .sku, required: false, synonyms: sku.synonyms)
    private static let productName = column(
        .name, required: true,
        [
            "Наименование", "Name", "Название", "Product name", "Product", "Товар", "Номенклатура",
            "Наименование товара", "Title",
        ])
    private static let externalID = column(.externalID, ["Ид", "ID", "GUID", "Идентификатор", "External ID", "UUID"])
    private static let unit = column(
        .unit, ["Единица", "Ед. изм.", "Единица измерения", "Ед", "Unit", "UOM", "Unit of measure"])
    private static let price = column(
        .price, required: true, ["Цена", "Price", "Стоимость", "Цена за единицу", "Unit price", "Cost"])
    private static let priceType = column(
        .priceType, ["Тип цены", "Вид цены", "Прайс", "Price type", "Price list", "Price level"])
    private static let quantity = column(
        .quantity, required: true,
        ["Количество", "Qty", "Quantity", "Кол-во", "Остаток", "Остатки", "Stock", "In stock", "Наличие"])

    public static let products = CSVLayout(
        name: "products",
        columns: [
            sku, productName, externalID, unit,
            column(.group, ["Группа", "Категория", "Раздел", "Group", "Category"]),
            column(.barcode, ["Штрихкод", "Штрих-код", "Barcode", "EAN", "GTIN"]),
            column(.description, ["Описание", "Description"]),
            column(.brand, ["Бренд", "Brand", "Торговая марка", "Марка", "Производитель", "Manufacturer", "Vendor"]),
            column(.vat, ["НДС", "Ставка НДС", "VAT", "VAT rate", "Tax rate"]),
            column(.weight, ["Вес", "Масса", "Weight"]),
            column(
                .packSize,
                ["Кратность", "В упаковке", "Кол-во в упаковке", "Упаковка", "Pack size", "Pack", "Multiple"]),
            Column(key: .price, required: false, synonyms: price.synonyms),
        ])

    public static let prices = CSVLayout(
        name: "prices",
        columns: [
            sku, price, priceType, unit,
            column(.currency, ["Валюта", "Currency"]),
            column(
                .minQuantity,
                [
                    "Мин. количество", "Минимальное количество", "Мин. кол-во", "Min qty", "Min quantity",
                    "Minimum quantity",
                ]),
        ])

    public static let stock = CSVLayout(
        name: "stock",
        columns: [
            sku, quantity,
            column(.warehouse, ["Склад", "Warehouse", "Location"]),
        ])

    public static let counterparties = CSVLayout(
        name: "counterparties",
        columns: [
            column(
                .name, required: true,
                ["Наименование", "Name", "Название", "Организация", "Компания", "Контрагент", "Company", "Customer"]),
            column(.externalID, ["Ид", "ID", "GUID", "Код", "Code", "Идентификатор"]),
            column(.fullName, ["Полное наименование", "Официальное наименование", "Full name", "Legal name"]),
            column(.inn, ["ИНН", "INN", "TIN", "Tax ID"]),
            column(.kpp, ["КПП", "KPP"]),
            column(.email, ["Email", "E-mail", "Эл. почта", "Электронная почта", "Почта", "Mail"]),
            column(.phone, ["Телефон", "Phone", "Тел", "Tel", "Telephone"]),
            column(.address, ["Адрес", "Address", "Юридический адрес", "Legal address"]),
            column(.contactPerson, ["Контактное лицо", "Contact person", "Контакт", "Contact"]),
            priceType,
        ])

    public static let all: [CSVLayout] = [products, prices, stock, counterparties]

    // MARK: Matching

    /// Maps the header row to column keys. Throws `csv.missing_column` when a required column is
    /// absent and `csv.duplicate_column` when two cells name the same column equally well.
    public func match(header: [String], line: Int = 1) throws -> CSVHeaderMap {
        guard header.contains(where: { !Self.normalize($0).isEmpty }) else {
            throw ExchangeError(.csvEmpty, line: line, "The header row is empty.")
        }
        let normalizedHeader = header.map(Self.candidates)
        var indexByKey: [CSVColumnKey: Int] = [:]
        var used = Set<Int>()
        for column in columns {
            let synonyms = column.synonyms.map(Self.normalize)
            var matches: [(rank: Int, index: Int)] = []
            for (index, candidates) in normalizedHeader.enumerated() where !used.contains(index) {
                if let rank = candidates.compactMap({ synonyms.firstIndex(of: $0) }).min() {
                    matches.append((rank, index))
                }
            }
            let bestRank = matches.map(\.rank).min()
            let atBest = matches.filter { $0.rank == bestRank }
            if atBest.count > 1 {
                throw ExchangeError(
                    .csvDuplicateColumn, line: line,
                    "Columns \"\(header[atBest[0].index])\" and \"\(header[atBest[1].index])\" both mean \(column.key.rawValue)."
                )
            }
            let best = atBest.first
            if let best {
                indexByKey[column.key] = best.index
                used.insert(best.index)
            } else if column.required {
                let names = column.synonyms.prefix(4).map { "\"\($0)\"" }.joined(separator: ", ")
                throw ExchangeError(
                    .csvMissingColumn, line: line,
                    "The \(name) file needs a \(column.key.rawValue) column (a header such as \(names)).")
            }
        }
        let unmatched = header.indices.filter { !used.contains($0) && !Self.normalize(header[$0]).isEmpty }.map {
            header[$0]
        }
        return CSVHeaderMap(indexByKey: indexByKey, unmatchedHeaders: unmatched)
    }

    /// The normalised header text and, when it has a trailing note after `(` or `,`, the part before.
    static func candidates(_ header: String) -> [String] {
        var result = [normalize(header)]
        if let cut = header.firstIndex(where: { $0 == "(" || $0 == "," }) {
            let head = normalize(String(header[..<cut]))
            if !head.isEmpty && head != result[0] { result.append(head) }
        }
        return result
    }

    /// Lower case, `ё` → `е`, letters and digits only.
    static func normalize(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar == "ё" {
                result.unicodeScalars.append("е")
            } else if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// Where each known column sits in a CSV file's records.
public struct CSVHeaderMap: Sendable, Equatable {
    public let indexByKey: [CSVColumnKey: Int]
    /// Header cells that match no column of the layout (reported, then ignored).
    public let unmatchedHeaders: [String]

    public func contains(_ key: CSVColumnKey) -> Bool { indexByKey[key] != nil }

    /// The trimmed value of `key` in `fields`; nil when the column is absent or the cell is empty.
    public func value(_ key: CSVColumnKey, in fields: [String]) -> String? {
        guard let index = indexByKey[key], index < fields.count else { return nil }
        let value = fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}
