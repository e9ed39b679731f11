import Foundation
import ZIPFoundation

/// Writes a one-sheet workbook whose rows arrive one at a time (a price list of the whole
/// catalog), keeping memory flat: each row's XML goes to a temporary file as it is added, text is
/// stored inline in its cell (no shared string table growing with the rows), and `finish(to:)`
/// deflates that file into the ZIP entry chunk by chunk.
///
/// ```swift
/// let stream = try XLSXStreamWriter(sheetName: "Прайс-лист", columns: [XLSXColumn(width: 16), XLSXColumn(width: 56)])
/// try stream.addTitle("Прайс-лист на 29.11.2026")
/// try stream.addHeader(["Артикул", "Наименование"])
/// for product in cursor { try stream.addRow([.text(product.sku), .text(product.name)]) }
/// try stream.finish(to: url)
/// ```
///
/// The output opens like `XLSXWriter`'s (frozen header, print titles, formats, the same formula
/// neutralization); only the strings are inline. Used from one thread at a time.
public final class XLSXStreamWriter: @unchecked Sendable {
    public let sheetName: String
    public let columns: [XLSXColumn]
    public var title: String?
    public var freezeHeader = true
    public var fitToWidth = true
    public var landscape = false
    /// Rows written so far (titles and headers included).
    public private(set) var rowCount = 0

    private var headerRowNumber: Int?
    private var width: Int
    private var styles = StyleTable()
    private var noStrings: SharedStrings? = nil
    private let bodyURL: URL
    private var body: FileHandle?
    private var buffer = ""
    private var bodySize = 0
    private static let flushAt = 256 * 1024

    /// - Parameter directory: where the rows wait until `finish` (the system's temporary folder by default).
    public init(sheetName: String, columns: [XLSXColumn], title: String? = nil, directory: URL = FileManager.default.temporaryDirectory) throws {
        self.sheetName = XLSXWriter.validName(sheetName, index: 0, taken: [])
        self.columns = columns
        self.title = title
        self.width = max(columns.count, 1)
        bodyURL = directory.appendingPathComponent("wholesail-sheet-\(UUID().uuidString).xml")
        guard FileManager.default.createFile(atPath: bodyURL.path, contents: nil) else {
            throw DocumentError.malformed("(sheet)", "the temporary file could not be created")
        }
        body = try FileHandle(forWritingTo: bodyURL)
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    deinit {
        try? body?.close()
        try? FileManager.default.removeItem(at: bodyURL)
    }

    /// A bold, larger row above the table.
    public func addTitle(_ text: String) throws {
        try append(XLSXSheet.Row(kind: .title, cells: [.text(text)]))
    }

    /// The bold header row (the first one is frozen and printed on every page).
    public func addHeader(_ titles: [String]) throws {
        if headerRowNumber == nil { headerRowNumber = rowCount + 1 }
        try append(XLSXSheet.Row(kind: .header, cells: titles.map { .text($0) }))
    }

    public func addRow(_ cells: [XLSXCell]) throws {
        try append(XLSXSheet.Row(kind: .body, cells: cells))
    }

    public func addBlankRow() throws {
        try append(XLSXSheet.Row(kind: .body, cells: []))
    }

    private func append(_ row: XLSXSheet.Row) throws {
        guard body != nil else { throw DocumentError.malformed("(sheet)", "rows added after finish") }
        guard rowCount < SheetXML.maxRows, row.cells.count <= SheetXML.maxColumns else { throw DocumentError.sheetTooBig(sheetName) }
        rowCount += 1
        width = max(width, row.cells.count)
        try SheetXML.appendRow(row, number: rowCount, columns: columns, sheet: sheetName, to: &buffer, strings: &noStrings, styles: &styles)
        if buffer.utf8.count >= Self.flushAt { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty, let body else { return }
        let data = Data(buffer.utf8)
        try body.write(contentsOf: data)
        bodySize += data.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the workbook to `url` (replacing it) and removes the temporary rows file. The writer
    /// cannot be used afterwards.
    public func finish(to url: URL) throws {
        try flush()
        try body?.close()
        body = nil
        defer { try? FileManager.default.removeItem(at: bodyURL) }
        let layout = SheetXML.Layout(
            columns: columns, freezeHeader: freezeHeader, fitToWidth: fitToWidth, landscape: landscape, headerRowNumber: headerRowNumber,
            rowCount: rowCount, width: width)
        let prologue = Data(SheetXML.prologue(layout).utf8)
        let epilogue = Data(SheetXML.epilogue(layout).utf8)

        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        let package = XLSXWriter.packageParts(
            sheets: [(sheetName, headerRowNumber)], title: title, creator: "Wholesail", styles: styles, strings: SharedStrings())
        for (path, data) in package { try XLSXWriter.addEntry(path, data: data, to: archive) }

        // The sheet part: prologue, the rows from the file, epilogue, read in order as deflate asks.
        let rows = try FileHandle(forReadingFrom: bodyURL)
        defer { try? rows.close() }
        let total = prologue.count + bodySize + epilogue.count
        let rowsEnd = prologue.count + bodySize
        try archive.addEntry(
            with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(total), modificationDate: XLSXWriter.entryDate,
            compressionMethod: .deflate, bufferSize: 256 * 1024
        ) { position, size in
            var out = Data(capacity: size)
            var at = Int(position)
            let end = at + size
            while at < end {
                if at < prologue.count {
                    let upto = min(end, prologue.count)
                    out.append(prologue.subdata(in: at..<upto))
                    at = upto
                } else if at < rowsEnd {
                    let upto = min(end, rowsEnd)
                    try rows.seek(toOffset: UInt64(at - prologue.count))
                    let piece = try rows.read(upToCount: upto - at) ?? Data()
                    guard !piece.isEmpty else { throw DocumentError.malformed("(sheet)", "the temporary file ended early") }
                    out.append(piece)
                    at += piece.count
                } else {
                    let from = at - rowsEnd
                    let upto = min(end - rowsEnd, epilogue.count)
                    out.append(epilogue.subdata(in: from..<upto))
                    at = rowsEnd + upto
                }
            }
            return out
        }
    }
}
