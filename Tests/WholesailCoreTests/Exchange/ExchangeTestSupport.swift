import Foundation
import Testing
import WholesailCore

/// The real CommerceML files, kept in the repository under `Tests/Fixtures/commerceml` (a copy of
/// the team's `shared/testdata/commerceml`, so a clone anywhere can run the tests), found from this
/// file's path.
enum CommerceMLSamples {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Exchange, WholesailCoreTests, Tests
        return url.appendingPathComponent("Fixtures/commerceml")
    }()

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// Every XML file of every package folder (the zip is read separately).
    static func allXMLFiles() throws -> [String] {
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasSuffix(".md") }
            .sorted()
        return try folders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: url(folder).path).filter { $0.hasSuffix(".xml") }
                .sorted()
                .map { "\(folder)/\($0)" }
        }
    }

    /// Reads a sample through a `FileHandle`, in small chunks to exercise the streaming path.
    static func read(_ relative: String, chunkSize: Int = 64 * 1024) throws -> ReadResult {
        let handle = try #require(
            FileHandle(forReadingAtPath: url(relative).path), "missing fixture \(url(relative).path)")
        defer { try? handle.close() }
        return try ReadResult(CommerceMLReader(input: .fileHandle(handle, chunkSize: chunkSize)))
    }

    /// One file of a zip in the fixtures, unpacked with `unzip -p` (Core has no zip reader).
    static func zipEntry(_ zip: String, _ entry: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        process.arguments = ["-p", url(zip).path, entry]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "unzip failed for \(zip) \(entry)")
        return data
    }
}

/// All records of a document, sorted by kind.
struct ReadResult {
    var header: CommerceML.Header?
    var sections: [CommerceML.Section] = []
    var groups: [CommerceML.Group] = []
    var properties: [CommerceML.Property] = []
    var priceTypes: [CommerceML.PriceType] = []
    var warehouses: [CommerceML.Warehouse] = []
    var units: [CommerceML.UnitOfMeasure] = []
    var products: [CommerceML.Product] = []
    var offers: [CommerceML.Offer] = []
    var counterparties: [CommerceML.Counterparty] = []
    var documents: [CommerceML.Document] = []
    var settlements: [CommerceML.SettlementEntry] = []
    var accountingDocuments: [CommerceML.AccountingDocument] = []
    var agreements: [CommerceML.AgreementRecord] = []
    var creditLines: [CommerceML.CreditLineRecord] = []
    var paymentSchedules: [CommerceML.PaymentScheduleRecord] = []
    var issues: [ExchangeIssue] = []
    var encoding: XMLPullParser.Encoding = .utf8

    init(_ reader: CommerceMLReader) throws {
        while let record = try reader.next() {
            switch record {
            case .header(let value): header = value
            case .section(let value): sections.append(value)
            case .group(let value): groups.append(value)
            case .property(let value): properties.append(value)
            case .priceType(let value): priceTypes.append(value)
            case .warehouse(let value): warehouses.append(value)
            case .unit(let value): units.append(value)
            case .product(let value): products.append(value)
            case .offer(let value): offers.append(value)
            case .counterparty(let value): counterparties.append(value)
            case .document(let value): documents.append(value)
            case .settlement(let value): settlements.append(value)
            case .accountingDocument(let value): accountingDocuments.append(value)
            case .agreement(let value): agreements.append(value)
            case .creditLine(let value): creditLines.append(value)
            case .paymentSchedule(let value): paymentSchedules.append(value)
            case .issue(let value): issues.append(value)
            }
        }
        encoding = reader.encoding
    }

    var prices: [CommerceML.Price] { offers.flatMap(\.prices) }
    var referenceValueCount: Int { properties.reduce(0) { $0 + $1.values.count } }
    var propertyValueCount: Int { products.reduce(0) { $0 + $1.propertyValues.count } }

    func section(_ kind: CommerceML.Section.Kind) -> CommerceML.Section? { sections.first { $0.kind == kind } }
    func product(_ id: String) -> CommerceML.Product? { products.first { $0.id == id } }
    func offer(_ id: String) -> CommerceML.Offer? { offers.first { $0.id.raw == id } }

    /// Stock rows and their total (as an exact decimal string) per warehouse id.
    var stockByWarehouse: [String: (rows: Int, total: String)] {
        var rows: [String: Int] = [:]
        var totals: [String: Int64] = [:]
        for stock in offers.flatMap(\.stocks) {
            rows[stock.warehouseID, default: 0] += 1
            totals[stock.warehouseID, default: 0] += thousandths(stock.quantity ?? "0")
        }
        return rows.reduce(into: [:]) { $0[$1.key] = ($1.value, Self.decimalText(thousandths: totals[$1.key]!)) }
    }

    /// The sum of offers' total quantities.
    var totalQuantity: String {
        Self.decimalText(thousandths: offers.compactMap(\.quantity).reduce(0) { $0 + thousandths($1) })
    }

    private func thousandths(_ text: String) -> Int64 {
        ExactDecimal(parsing: text)!.scaled(to: 1000, rounding: false)!
    }

    private static func decimalText(thousandths: Int64) -> String {
        ExactDecimal(units: thousandths, scale: 1000).description
    }
}

extension XMLPullParser {
    /// Every event of `xml`, fed `chunkSize` bytes at a time.
    static func events(_ xml: String, chunkSize: Int = 1 << 20, limits: XMLLimits = XMLLimits()) throws -> [XMLEvent] {
        try events(Data(xml.utf8), chunkSize: chunkSize, limits: limits)
    }

    static func events(_ data: Data, chunkSize: Int = 1 << 20, limits: XMLLimits = XMLLimits()) throws -> [XMLEvent] {
        let parser = XMLPullParser(input: .data(data, chunkSize: chunkSize), limits: limits)
        var result: [XMLEvent] = []
        while let event = try parser.next() { result.append(event) }
        return result
    }

    /// The error parsing `data` throws, if any.
    static func error(_ data: Data, chunkSize: Int = 1 << 20, limits: XMLLimits = XMLLimits()) -> ExchangeError? {
        do {
            _ = try events(data, chunkSize: chunkSize, limits: limits)
            return nil
        } catch let error as ExchangeError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    static func error(_ xml: String, chunkSize: Int = 1 << 20, limits: XMLLimits = XMLLimits()) -> ExchangeError? {
        error(Data(xml.utf8), chunkSize: chunkSize, limits: limits)
    }
}

/// A compact text form of events for comparisons: `<a x=1>`, `"text"`, `</a>`.
func describe(_ events: [XMLEvent]) -> [String] {
    events.map { event in
        switch event {
        case .startElement(let name, let attributes):
            "<" + ([name.qualified] + attributes.map { "\($0.name.qualified)=\($0.value)" }).joined(separator: " ")
                + ">"
        case .endElement(let name): "</\(name.qualified)>"
        case .text(let text): "\"\(text)\""
        }
    }
}
