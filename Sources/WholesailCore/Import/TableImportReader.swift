import Foundation

/// Rows of a spreadsheet (CSV now, XLSX through the same door) read as CommerceML records, so
/// one applier handles every format.
///
/// - products: a `Каталог` section; each row is a `Товар` (the SKU in `article`, the ERP id when
///   the file has one), its `Группа` column a path of groups ("Кабель/Силовой") turned into group
///   records with ids `csv:<path>`; a price column adds an offer in the default price type.
/// - prices, stock: a `ПакетПредложений` section; each row is an offer whose id is the SKU,
///   price types and warehouses named by their ERP id or their name.
/// - counterparties: a `Контрагенты` section.
///
/// Cells are kept as text: a cell like `=HYPERLINK(…)` is a name like any other, never evaluated.
/// Problems with one row (no SKU, a price that is not a number) are `.issue` records; the rest
/// of the file goes on.
public final class TableImportReader {
    /// A contact type that carries a counterparty's price type (CSV `Тип цены` column) to the applier.
    public static let priceTypeContact = "wholesail.priceType"

    public let layout: CSVLayout
    public let header: CSVHeaderMap
    private let rows: () throws -> (line: Int, fields: [String])?
    private var queue: [CommerceML.Record] = []
    private var head = 0
    private var started = false
    private var seenGroups = Set<String>()

    public init(layout: CSVLayout, header: CSVHeaderMap, rows: @escaping () throws -> (line: Int, fields: [String])?) {
        self.layout = layout
        self.header = header
        self.rows = rows
    }

    /// Reads the header of `csv`, picks the layout (from the file name and the header) and
    /// returns a reader over the remaining rows. Throws `csv.empty` / `csv.missing_column`.
    public static func csv(_ csv: CSVReader, fileName: String) throws -> TableImportReader {
        guard let first = try csv.next() else { throw ExchangeError(.csvEmpty, line: 1, "The file has no rows.") }
        guard let layout = ImportFiles.csvLayout(fileName: fileName, header: first.fields) else {
            let names = CSVLayout.all.map(\.name).joined(separator: ", ")
            throw ExchangeError(
                .csvMissingColumn, line: first.line,
                "The header matches none of the layouts (\(names)): a products file needs SKU and name columns, prices SKU and price, stock SKU and quantity, counterparties a name and INN.")
        }
        let header = try layout.match(header: first.fields, line: first.line)
        return TableImportReader(layout: layout, header: header) {
            try csv.next().map { (line: $0.line, fields: $0.fields) }
        }
    }

    public func next() throws -> CommerceML.Record? {
        while head >= queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
            if !started {
                started = true
                queue.append(.section(section()))
                continue
            }
            guard let row = try rows() else { return nil }
            if row.fields.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { continue }
            read(row.line, row.fields)
        }
        defer { head += 1 }
        return queue[head]
    }

    private func section() -> CommerceML.Section {
        let kind: CommerceML.Section.Kind =
            switch layout.name {
            case "products": .catalog
            case "counterparties": .counterparties
            default: .offerPackage
            }
        return CommerceML.Section(kind: kind, containsOnlyChanges: true, line: 1)
    }

    private func value(_ key: CSVColumnKey, _ fields: [String]) -> String? { header.value(key, in: fields) }

    private func number(_ key: CSVColumnKey, _ fields: [String], line: Int, field: String, id: String?, issues: inout [ExchangeIssue]) -> String? {
        guard let raw = value(key, fields) else { return nil }
        if let canonical = DecimalText.canonical(raw) { return canonical }
        issues.append(ExchangeIssue(.badNumber, line: line, field: field, value: raw, recordID: id))
        return nil
    }

    private func read(_ line: Int, _ fields: [String]) {
        var issues: [ExchangeIssue] = []
        defer { for issue in issues { queue.append(.issue(issue)) } }
        switch layout.name {
        case "products":
            guard let sku = value(.sku, fields) else {
                issues.append(ExchangeIssue(.missingID, line: line, field: "SKU", value: "", recordID: value(.externalID, fields)))
                return
            }
            var product = CommerceML.Product(id: value(.externalID, fields) ?? "", line: line)
            product.article = sku
            product.name = value(.name, fields)
            product.barcode = value(.barcode, fields)
            product.description = value(.description, fields)
            product.brand = value(.brand, fields)
            if let unit = value(.unit, fields) {
                product.baseUnit = CommerceML.Unit(code: Self.isUnitCode(unit) ? unit : nil, name: Self.isUnitCode(unit) ? nil : unit)
            }
            if let vat = value(.vat, fields) {
                product.taxRates = [CommerceML.TaxRate(name: "НДС", rate: vat.replacingOccurrences(of: "%", with: "").trimmingCharacters(in: .whitespaces))]
            }
            product.weight = number(.weight, fields, line: line, field: "Weight", id: sku, issues: &issues)
            if let pack = number(.packSize, fields, line: line, field: "Pack size", id: sku, issues: &issues) {
                product.requisites.append(CommerceML.NameValue(name: "Кратность", value: pack))
            }
            if let group = value(.group, fields) {
                let path = group.split(whereSeparator: { $0 == "/" || $0 == "\\" || $0 == ">" }).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                var parent: String?
                var key = ""
                for name in path {
                    key += (key.isEmpty ? "" : "/") + name.lowercased()
                    let id = "csv:" + key
                    if seenGroups.insert(id).inserted {
                        queue.append(.group(CommerceML.Group(id: id, name: name, parentID: parent, line: line)))
                    }
                    parent = id
                }
                if let parent { product.groupIDs = [parent] }
            }
            queue.append(.product(product))
            if header.contains(.price) {
                let id = value(.externalID, fields) ?? sku
                if let price = number(.price, fields, line: line, field: "Price", id: id, issues: &issues) {
                    var offer = CommerceML.Offer(id: id, line: line)
                    offer.prices = [CommerceML.Price(priceTypeID: "", value: price, unit: product.baseUnit?.name ?? product.baseUnit?.code)]
                    queue.append(.offer(offer))
                }
            }
        case "prices":
            guard let sku = value(.sku, fields) else {
                issues.append(ExchangeIssue(.missingID, line: line, field: "SKU", value: "", recordID: nil))
                return
            }
            var offer = CommerceML.Offer(id: sku, line: line)
            let price = number(.price, fields, line: line, field: "Price", id: sku, issues: &issues)
            if value(.price, fields) == nil {
                issues.append(ExchangeIssue(.badNumber, line: line, field: "Price", value: "", recordID: sku))
            }
            offer.prices = [
                CommerceML.Price(
                    priceTypeID: value(.priceType, fields) ?? "", value: price, currency: value(.currency, fields), unit: value(.unit, fields),
                    minQuantity: number(.minQuantity, fields, line: line, field: "Min quantity", id: sku, issues: &issues))
            ]
            queue.append(.offer(offer))
        case "stock":
            guard let sku = value(.sku, fields) else {
                issues.append(ExchangeIssue(.missingID, line: line, field: "SKU", value: "", recordID: nil))
                return
            }
            var offer = CommerceML.Offer(id: sku, line: line)
            let quantity = number(.quantity, fields, line: line, field: "Quantity", id: sku, issues: &issues)
            if value(.quantity, fields) == nil {
                issues.append(ExchangeIssue(.badNumber, line: line, field: "Quantity", value: "", recordID: sku))
            }
            if quantity != nil || value(.quantity, fields) != nil {
                if let warehouse = value(.warehouse, fields) {
                    offer.stocks = [CommerceML.Stock(warehouseID: warehouse, quantity: quantity)]
                } else {
                    offer.quantity = quantity
                }
            }
            queue.append(.offer(offer))
        default:
            guard let name = value(.name, fields) else {
                issues.append(ExchangeIssue(.missingID, line: line, field: "Name", value: "", recordID: value(.externalID, fields)))
                return
            }
            var counterparty = CommerceML.Counterparty(id: value(.externalID, fields) ?? "", line: line)
            counterparty.name = name
            counterparty.fullName = value(.fullName, fields)
            counterparty.officialName = value(.fullName, fields)
            counterparty.inn = value(.inn, fields)
            counterparty.kpp = value(.kpp, fields)
            if let email = value(.email, fields) { counterparty.contacts.append(.init(type: "Электронная почта", value: email)) }
            if let phone = value(.phone, fields) { counterparty.contacts.append(.init(type: "Телефон рабочий", value: phone)) }
            if let priceType = value(.priceType, fields) { counterparty.contacts.append(.init(type: Self.priceTypeContact, value: priceType)) }
            if let address = value(.address, fields) {
                counterparty.addresses.append(.init(kind: "ЮридическийАдрес", presentation: address))
            }
            if let contact = value(.contactPerson, fields) {
                counterparty.representatives.append(.init(relation: "Контактное лицо", name: contact))
            }
            queue.append(.counterparty(counterparty))
        }
    }

    /// OKEI unit codes are 3–4 digits ("796", "2009").
    public static func isUnitCode(_ text: String) -> Bool { (3...4).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber } }
}
