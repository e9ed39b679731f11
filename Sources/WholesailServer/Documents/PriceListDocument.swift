import Foundation
import WholesailCore
import WholesailStore

/// The two forms of a price list.
public enum PriceListFormat: String, Sendable, CaseIterable {
    case xlsx
    case pdf

    var mediaType: String {
        switch self {
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .pdf: "application/pdf"
        }
    }
}

/// Makes price lists: the chosen categories (with their descendants) or the whole catalog, with
/// the prices of one buyer context and the free stock in its region, as XLSX or PDF.
///
/// The rows come from one database cursor (`readPriceList`) and go straight into a streaming
/// writer (`XLSXStreamWriter`, or `PDFFlowWriter` over a streaming `PDFWriter`) that spools to a
/// temporary file, so memory stays flat whatever the catalog's size; the route then streams the
/// file out. At most two lists are made at once (the rest wait), so a burst of downloads cannot
/// take every core from the buyers who are ordering.
public struct PriceListService: Sendable {
    let database: WholesailDatabase
    let pricing: PricingService
    let gate: HashGate

    public init(database: WholesailDatabase, pricing: PricingService, concurrent: Int = 2) {
        self.database = database
        self.pricing = pricing
        self.gate = HashGate(limit: concurrent)
    }

    /// A made price list: its file (the caller removes it), its name for the download and its size.
    public struct Made: Sendable {
        public var url: URL
        public var fileName: String
        public var lines: Int
        public var format: PriceListFormat
    }

    /// The price list a principal downloads: their current company's prices and region.
    func make(
        _ format: PriceListFormat, categoryIds: [Int64], for principal: Principal, localizer: Localizer, directory: URL
    ) async throws -> Made {
        let context = try await pricing.context(for: principal)
        var company: String?
        if let id = context.counterpartyId { company = try await database.companyNames(ids: [id]).first?.name }
        return try await make(format, categoryIds: categoryIds, context: context, company: company, localizer: localizer, directory: directory)
    }

    /// The price list for a pricing context (the bench uses a guest's).
    public func make(
        _ format: PriceListFormat, categoryIds: [Int64], context: PricingContext, company: String?, localizer t: Localizer,
        directory: URL = FileManager.default.temporaryDirectory
    ) async throws -> Made {
        let categories = try await database.categoryNames(ids: categoryIds)
        guard categoryIds.isEmpty || !categories.isEmpty else {
            throw DomainError(.notFound, code: "catalog.category_not_found", message: "The category was not found.")
        }
        var region: String?
        if let id = context.regionId { region = try await database.regionName(id: id) }
        let prices = pricing.view(for: context)
        let date = context.day
        var header = PriceListHeader(
            title: t.format("price_list.heading", ["date": PriceListHeader.displayDate(date, t.language)]),
            lines: [
                company.map { t.format("price_list.for", ["company": $0]) } ?? t["price_list.for_guest"],
                region.map { t.format("price_list.region", ["region": $0]) } ?? t["price_list.all_regions"],
                t.format("price_list.sections", ["list": categories.isEmpty ? t["price_list.whole_catalog"] : categories.joined(separator: ", ")]),
            ],
            language: t.language)
        header.currency = prices.currency
        let fixedHeader = header
        let url = directory.appendingPathComponent("wholesail-price-list-\(UUID().uuidString).\(format.rawValue)")
        let selection = PriceListSelection(categoryIds: categoryIds, regionId: context.regionId)
        let database = self.database
        let lines: Int = try await gate.run {
            do {
                switch format {
                case .xlsx:
                    return try await PriceListXLSX.write(selection, header: fixedHeader, prices: prices, localizer: t, database: database, to: url)
                case .pdf:
                    return try await PriceListPDF.write(selection, header: fixedHeader, prices: prices, localizer: t, database: database, to: url)
                }
            } catch {
                try? FileManager.default.removeItem(at: url)
                throw error
            }
        }
        let name = "\(t["price_list.file_name"])-\(date).\(format.rawValue)"
        return Made(url: url, fileName: name, lines: lines, format: format)
    }
}

/// What a price list says above its table.
struct PriceListHeader: Sendable {
    var title: String
    var lines: [String]
    var language: Language
    var currency = "RUB"

    /// `29.11.2026` in Russian, `2026-11-29` in English.
    static func displayDate(_ iso: String, _ language: Language) -> String {
        guard language == .ru, iso.count == 10 else { return iso }
        let parts = iso.split(separator: "-")
        return parts.count == 3 ? "\(parts[2]).\(parts[1]).\(parts[0])" : iso
    }

    /// An amount as a plain grouped number (`1 234,50` / `1,234.50`), the currency being in the column title.
    func amount(_ minor: Int64) -> String {
        let text = Money(minorUnits: minor, currency: currency).decimalString
        let negative = text.hasPrefix("-")
        let parts = text.drop(while: { $0 == "-" }).split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        var grouped = ""
        let separator = language == .ru ? "\u{00A0}" : ","
        while whole.count > 3 {
            grouped = separator + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = (negative ? "-" : "") + whole + grouped
        guard parts.count > 1 else { return grouped }
        return grouped + (language == .ru ? "," : ".") + parts[1]
    }

    func quantity(_ milli: Int64) -> String {
        let text = ExactDecimal(units: milli, scale: 1000).description
        return language == .ru ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    var currencySign: String { ["RUB": "₽", "USD": "$", "EUR": "€"][currency] ?? currency }
}

/// The buyer's price of a line, and whether a rule hides the product from them.
private func buyerPrice(_ prices: PriceView, _ productId: Int64) -> (hidden: Bool, amount: Int64?) {
    guard let quote = prices.quote(productId: productId) else { return (false, nil) }
    return (quote.hidden, quote.hidden ? nil : quote.amountMinor)
}

/// The Excel price list: a title, the buyer, region and sections, a frozen header; category rows
/// in bold, then their products: SKU, name, brand, unit, price (a number in money format), free
/// stock in the region, days of delivery from another region when the region has none.
enum PriceListXLSX {
    static func write(
        _ selection: PriceListSelection, header: PriceListHeader, prices: PriceView, localizer t: Localizer, database: WholesailDatabase, to url: URL
    ) async throws -> Int {
        let sheet = try XLSXStreamWriter(
            sheetName: t["price_list.title"],
            columns: [
                XLSXColumn(width: 16), XLSXColumn(width: 60), XLSXColumn(width: 16), XLSXColumn(width: 8),
                XLSXColumn(width: 14, format: .money), XLSXColumn(width: 12, format: .decimal(places: 0)), XLSXColumn(width: 12, format: .integer),
            ], title: header.title, directory: url.deletingLastPathComponent())
        try sheet.addTitle(header.title)
        for line in header.lines { try sheet.addRow([.text(line)]) }
        try sheet.addHeader([
            t["price_list.col_sku"], t["price_list.col_name"], t["price_list.col_brand"], t["price_list.col_unit"],
            t.format("price_list.col_price", ["currency": header.currencySign]), t["price_list.col_stock"], t["price_list.col_delivery"],
        ])
        let uncategorized = t["price_list.uncategorized"]
        let counter = LineCounter()
        try await database.readPriceList(selection) { item in
            switch item {
            case .section(let path):
                try sheet.addRow([.text(path?.joined(separator: " › ") ?? uncategorized, bold: true)])
            case .line(let line):
                let price = buyerPrice(prices, line.productId)
                guard !price.hidden else { return }
                try sheet.addRow([
                    .text(line.sku), .text(line.name), .text(line.brand ?? ""), .text(line.unit),
                    price.amount.map { XLSXCell.money(Money(minorUnits: $0, currency: prices.currency)) } ?? .empty,
                    .decimal(ExactDecimal(units: line.regionalMilli, scale: 1000)),
                    line.deliveryDays.map { .integer(Int64($0)) } ?? .empty,
                ])
                counter.count += 1
            }
        }
        try sheet.finish(to: url)
        return counter.count
    }
}

/// The PDF price list: A4, the header repeated on every page, category rows across the table,
/// "Page N" at the foot; written page by page.
enum PriceListPDF {
    static func write(
        _ selection: PriceListSelection, header: PriceListHeader, prices: PriceView, localizer t: Localizer, database: WholesailDatabase, to url: URL
    ) async throws -> Int {
        var settings = PDFDocumentBuilder(title: header.title, author: nil)
        settings.fontSize = 9
        settings.margins = PDFMargins(top: 32, left: 32, bottom: 40, right: 28)
        settings.pageNumbers = PDFPageNumbers(format: t["price_list.page"])
        let writer = try PDFWriter(streamingTo: url, title: header.title)
        let flow = try PDFFlowWriter(settings, writer: writer)
        try flow.add(.heading(header.title))
        for line in header.lines { try flow.add(.paragraph(line, size: 8.5)) }
        let columns = [
            PDFTable.Column(t["price_list.col_sku"], width: .fixed(60)),
            PDFTable.Column(t["price_list.col_name"], width: .flexible(1)),
            PDFTable.Column(t["price_list.col_brand"], width: .fixed(84)),
            PDFTable.Column(t["price_list.col_unit"], width: .fixed(28), alignment: .center),
            PDFTable.Column(t.format("price_list.col_price", ["currency": header.currencySign]), width: .fixed(62), alignment: .right),
            PDFTable.Column(t["price_list.col_stock"], width: .fixed(48), alignment: .right),
        ]
        var table = PDFTable(columns: columns)
        table.borders = .horizontal
        table.fontSize = 8
        table.cellPadding = PDFTable.Padding(horizontal: 2.5, vertical: 1.8)
        try flow.beginTable(table)
        let uncategorized = t["price_list.uncategorized"]
        let section = PDFColor(gray: 0.94)
        let counter = LineCounter()
        // A category row waits for its first line, so that the two start a page together.
        let pending = PendingRow()
        try await database.readPriceList(selection) { item in
            switch item {
            case .section(let path):
                if let waiting = pending.row { try flow.addRow(waiting) }
                pending.row = PDFTable.Row(
                    [PDFTable.Cell(path?.joined(separator: " › ") ?? uncategorized, span: columns.count)], style: .bold, background: section)
            case .line(let line):
                let price = buyerPrice(prices, line.productId)
                guard !price.hidden else { return }
                let stock: String =
                    line.regionalMilli > 0
                    ? header.quantity(line.regionalMilli)
                    : line.deliveryDays.map { t.format("price_list.delivery_days", ["n": String($0)]) } ?? "—"
                let row = PDFTable.Row([
                    PDFTable.Cell(line.sku), PDFTable.Cell(line.name), PDFTable.Cell(line.brand ?? ""), PDFTable.Cell(line.unit),
                    PDFTable.Cell(price.amount.map(header.amount) ?? "—"), PDFTable.Cell(stock),
                ])
                if let waiting = pending.row {
                    try flow.addRows(keepingTogether: [waiting, row])
                    pending.row = nil
                } else {
                    try flow.addRow(row)
                }
                counter.count += 1
            }
        }
        if let waiting = pending.row { try flow.addRow(waiting) }
        try flow.endTable()
        try flow.add(.paragraph(t.format("price_list.lines", ["n": String(counter.count)]), size: 8, color: .gray))
        try flow.finish()
        try writer.finish()
        return counter.count
    }
}

/// Counts lines inside the database read (one thread at a time).
private final class LineCounter: @unchecked Sendable {
    var count = 0
}

/// A row held back inside the database read (one thread at a time).
private final class PendingRow: @unchecked Sendable {
    var row: PDFTable.Row?
}
