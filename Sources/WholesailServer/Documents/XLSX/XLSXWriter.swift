import Foundation
import ZIPFoundation

/// Writes .xlsx workbooks (Office Open XML SpreadsheetML) that Excel, LibreOffice and openpyxl
/// open without repair prompts.
///
/// ```swift
/// var workbook = XLSXWriter(title: "Прайс-лист")
/// workbook.addSheet(sheet)          // see `XLSXSheet`
/// let bytes = try workbook.data()   // or try workbook.write(to: url)
/// ```
///
/// All text goes through the shared string table. There is no formula API: nothing this writer
/// produces is ever evaluated by a spreadsheet (see `XLSXCell.looksLikeFormula`).
public struct XLSXWriter: Sendable {
    public private(set) var sheets: [XLSXSheet] = []
    /// The document title (File ▸ Properties).
    public var title: String?
    public var creator: String?

    public init(title: String? = nil, creator: String? = "Wholesail") {
        self.title = title
        self.creator = creator
    }

    /// Adds a sheet; its name is made valid and unique (Excel allows 31 characters and none of `[]:*?/\`).
    public mutating func addSheet(_ sheet: XLSXSheet) {
        var sheet = sheet
        sheet.name = Self.validName(sheet.name, index: sheets.count, taken: Set(sheets.map { $0.name.lowercased() }))
        sheets.append(sheet)
    }

    /// The workbook as bytes.
    public func data() throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        try write(into: archive)
        guard let data = archive.data else { throw DocumentError.malformed("(zip)", "the archive was not produced") }
        return data
    }

    /// Writes the workbook to a file (replacing it), without holding the ZIP in memory.
    public func write(to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        try write(into: archive)
    }

    // MARK: - Parts

    private func write(into archive: Archive) throws {
        var sheets = self.sheets
        if sheets.isEmpty { sheets = [XLSXSheet(name: "Sheet1")] }
        var strings = SharedStrings()
        var styles = StyleTable()
        var parts: [(String, Data)] = []
        for (index, sheet) in sheets.enumerated() {
            let xml = try SheetXML.render(sheet, strings: &strings, styles: &styles)
            parts.append(("xl/worksheets/sheet\(index + 1).xml", Data(xml.utf8)))
        }
        let package = Self.packageParts(
            sheets: sheets.map { ($0.name, $0.headerRowNumber) }, title: title, creator: creator, styles: styles, strings: strings)
        for (path, data) in package + parts { try Self.addEntry(path, data: data, to: archive) }
    }

    /// A fixed timestamp keeps output byte-for-byte reproducible for the same input.
    static let entryDate = Date(timeIntervalSince1970: 1_262_304_000)

    static func addEntry(_ path: String, data: Data, to archive: Archive) throws {
        try archive.addEntry(
            with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: entryDate, compressionMethod: .deflate
        ) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    /// Every part of the package except the worksheets themselves.
    static func packageParts(
        sheets: [(name: String, headerRowNumber: Int?)], title: String?, creator: String?, styles: StyleTable, strings: SharedStrings
    ) -> [(String, Data)] {
        [
            ("[Content_Types].xml", Data(contentTypes(sheetCount: sheets.count).utf8)),
            ("_rels/.rels", Data(rootRelationships.utf8)),
            ("docProps/core.xml", Data(coreProperties(title: title, creator: creator).utf8)),
            ("xl/workbook.xml", Data(workbook(sheets).utf8)),
            ("xl/_rels/workbook.xml.rels", Data(workbookRelationships(sheetCount: sheets.count).utf8)),
            ("xl/styles.xml", Data(styles.xml.utf8)),
            ("xl/sharedStrings.xml", Data(strings.xml.utf8)),
        ]
    }

    private static func contentTypes(sheetCount: Int) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
            <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
            """
        for index in 1...sheetCount {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(index).xml\" "
            xml += "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return xml + "</Types>"
    }

    private static var rootRelationships: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        </Relationships>
        """
    }

    private static func coreProperties(title: String?, creator: String?) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            """
        if let title { xml += "<dc:title>\(XMLText.escape(title))</dc:title>" }
        if let creator { xml += "<dc:creator>\(XMLText.escape(creator))</dc:creator>" }
        return xml + "</cp:coreProperties>"
    }

    private static func workbook(_ sheets: [(name: String, headerRowNumber: Int?)]) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>
            """
        for (index, sheet) in sheets.enumerated() {
            xml += "<sheet name=\"\(XMLText.escapeAttribute(sheet.name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        xml += "</sheets>"
        // Print titles: the header row repeats at the top of every printed page.
        let titled = sheets.enumerated().compactMap { index, sheet in sheet.headerRowNumber.map { (index, sheet.name, $0) } }
        if !titled.isEmpty {
            xml += "<definedNames>"
            for (index, name, row) in titled {
                let quoted = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
                xml += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">"
                xml += XMLText.escape("\(quoted)!$\(row):$\(row)") + "</definedName>"
            }
            xml += "</definedNames>"
        }
        return xml + "</workbook>"
    }

    private static func workbookRelationships(sheetCount: Int) -> String {
        let base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            """
        for index in 1...sheetCount {
            xml += "<Relationship Id=\"rId\(index)\" Type=\"\(base)worksheet\" Target=\"worksheets/sheet\(index).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(sheetCount + 1)\" Type=\"\(base)styles\" Target=\"styles.xml\"/>"
        xml += "<Relationship Id=\"rId\(sheetCount + 2)\" Type=\"\(base)sharedStrings\" Target=\"sharedStrings.xml\"/>"
        return xml + "</Relationships>"
    }

    static func validName(_ proposed: String, index: Int, taken: Set<String>) -> String {
        var name = String(proposed.map { "[]:*?/\\".contains($0) ? "_" : $0 })
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "'").union(.whitespaces))
        if name.isEmpty || name.lowercased() == "history" { name = "Sheet\(index + 1)" }
        name = String(name.prefix(31))
        var candidate = name
        var suffix = 2
        while taken.contains(candidate.lowercased()) {
            let tail = " (\(suffix))"
            candidate = String(name.prefix(31 - tail.count)) + tail
            suffix += 1
        }
        return candidate
    }
}

/// The shared string table: each distinct text once, cells refer to it by index.
struct SharedStrings {
    private var indexes: [String: Int] = [:]
    private var ordered: [String] = []
    private var references = 0

    mutating func index(of text: String) -> Int {
        references += 1
        if let index = indexes[text] { return index }
        indexes[text] = ordered.count
        ordered.append(text)
        return ordered.count - 1
    }

    var xml: String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(references)" uniqueCount="\(ordered.count)">
            """
        for text in ordered { xml += "<si>" + XMLText.textElement(text) + "</si>" }
        return xml + "</sst>"
    }
}

/// The cell formats (`cellXfs`) a workbook uses, built as cells ask for them.
struct StyleTable {
    enum Font: Int { case regular = 0, bold = 1, title = 2 }

    struct Key: Hashable {
        var font: Font
        var format: XLSXNumberFormat
        var quotePrefix: Bool
        var bottomBorder: Bool
    }

    private var keys: [Key] = [Key(font: .regular, format: .general, quotePrefix: false, bottomBorder: false)]
    private var indexes: [Key: Int] = [Key(font: .regular, format: .general, quotePrefix: false, bottomBorder: false): 0]
    private var customFormats: [String: Int] = [:]

    mutating func index(_ key: Key) -> Int {
        if let index = indexes[key] { return index }
        if key.format.builtIn == nil, customFormats[key.format.code] == nil {
            customFormats[key.format.code] = 164 + customFormats.count
        }
        indexes[key] = keys.count
        keys.append(key)
        return keys.count - 1
    }

    var xml: String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
            """
        if !customFormats.isEmpty {
            xml += "<numFmts count=\"\(customFormats.count)\">"
            for (code, id) in customFormats.sorted(by: { $0.value < $1.value }) {
                xml += "<numFmt numFmtId=\"\(id)\" formatCode=\"\(XMLText.escapeAttribute(code))\"/>"
            }
            xml += "</numFmts>"
        }
        xml += """
            <fonts count="3">\
            <font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
            <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
            <font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>\
            </fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
            <border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
            """
        xml += "<cellXfs count=\"\(keys.count)\">"
        for key in keys {
            let formatID = key.format.builtIn ?? customFormats[key.format.code] ?? 0
            xml += "<xf numFmtId=\"\(formatID)\" fontId=\"\(key.font.rawValue)\" fillId=\"0\" "
            xml += "borderId=\"\(key.bottomBorder ? 1 : 0)\" xfId=\"0\""
            if formatID != 0 { xml += " applyNumberFormat=\"1\"" }
            if key.font != .regular { xml += " applyFont=\"1\"" }
            if key.bottomBorder { xml += " applyBorder=\"1\"" }
            if key.quotePrefix { xml += " quotePrefix=\"1\"" }
            xml += "/>"
        }
        xml += "</cellXfs>"
        xml += """
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            <dxfs count="0"/><tableStyles count="0"/>\
            </styleSheet>
            """
        return xml
    }
}

/// Renders one worksheet part: in one piece for an `XLSXSheet` held in memory, or as a prologue,
/// rows and an epilogue for `XLSXStreamWriter`, which writes rows as they come.
enum SheetXML {
    static let maxRows = 1_048_576
    static let maxColumns = 16_384

    /// What the parts around the rows need to know about a sheet.
    struct Layout {
        var columns: [XLSXColumn]
        var freezeHeader: Bool
        var fitToWidth: Bool
        var landscape: Bool
        var headerRowNumber: Int?
        var rowCount: Int
        var width: Int
    }

    static func render(_ sheet: XLSXSheet, strings: inout SharedStrings, styles: inout StyleTable) throws -> String {
        let width = max(sheet.rows.map(\.cells.count).max() ?? 0, sheet.columns.count, 1)
        guard sheet.rows.count <= maxRows, width <= maxColumns else { throw DocumentError.sheetTooBig(sheet.name) }
        let layout = Layout(
            columns: sheet.columns, freezeHeader: sheet.freezeHeader, fitToWidth: sheet.fitToWidth, landscape: sheet.landscape,
            headerRowNumber: sheet.headerRowNumber, rowCount: sheet.rows.count, width: width)
        var xml = prologue(layout)
        // Moved out and back, so that adding to the table never copies it.
        var shared: SharedStrings? = strings
        strings = SharedStrings()
        for (rowIndex, row) in sheet.rows.enumerated() {
            try appendRow(row, number: rowIndex + 1, columns: sheet.columns, sheet: sheet.name, to: &xml, strings: &shared, styles: &styles)
        }
        strings = shared ?? strings
        return xml + epilogue(layout)
    }

    /// Everything before the first row: the view (frozen header), the column widths, `<sheetData>`.
    static func prologue(_ layout: Layout) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            """
        if layout.fitToWidth { xml += "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>" }
        let lastCell = columnName(layout.width - 1) + String(max(layout.rowCount, 1))
        xml += "<dimension ref=\"A1:\(lastCell)\"/>"
        xml += "<sheetViews><sheetView workbookViewId=\"0\">"
        if layout.freezeHeader, let header = layout.headerRowNumber {
            xml += "<pane ySplit=\"\(header)\" topLeftCell=\"A\(header + 1)\" activePane=\"bottomLeft\" state=\"frozen\"/>"
            xml += "<selection pane=\"bottomLeft\" activeCell=\"A\(header + 1)\" sqref=\"A\(header + 1)\"/>"
        }
        xml += "</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>"
        if layout.columns.contains(where: { $0.width != nil }) {
            xml += "<cols>"
            for (index, column) in layout.columns.enumerated() {
                guard let width = column.width else { continue }
                let clamped = min(max(width, 0), 255)
                xml += "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(clamped)\" customWidth=\"1\"/>"
            }
            xml += "</cols>"
        }
        return xml + "<sheetData>"
    }

    /// Everything after the last row: page margins and print setup.
    static func epilogue(_ layout: Layout) -> String {
        var xml = "</sheetData>"
        xml += "<pageMargins left=\"0.5\" right=\"0.5\" top=\"0.6\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>"
        xml += "<pageSetup paperSize=\"9\" orientation=\"\(layout.landscape ? "landscape" : "portrait")\""
        if layout.fitToWidth { xml += " fitToWidth=\"1\" fitToHeight=\"0\"" }
        xml += "/>"
        return xml + "</worksheet>"
    }

    /// One `<row>`. Text goes to the shared string table, or inline (`t="inlineStr"`) when
    /// `strings` is nil, so a streamed sheet keeps nothing per row in memory.
    static func appendRow(
        _ row: XLSXSheet.Row, number: Int, columns: [XLSXColumn], sheet: String, to xml: inout String, strings: inout SharedStrings?,
        styles: inout StyleTable
    ) throws {
        guard !row.cells.isEmpty else { return }
        xml += row.kind == .title ? "<row r=\"\(number)\" ht=\"20\" customHeight=\"1\">" : "<row r=\"\(number)\">"
        let rowSuffix = String(number)
        for (columnIndex, cell) in row.cells.enumerated() {
            let reference = columnName(columnIndex) + rowSuffix
            try appendCell(
                cell, reference: reference, row: row, column: columnIndex < columns.count ? columns[columnIndex] : nil,
                sheet: sheet, rowNumber: number, to: &xml, strings: &strings, styles: &styles)
        }
        xml += "</row>"
    }

    private static func appendCell(
        _ cell: XLSXCell, reference: String, row: XLSXSheet.Row, column: XLSXColumn?, sheet: String, rowNumber: Int,
        to xml: inout String, strings: inout SharedStrings?, styles: inout StyleTable
    ) throws {
        let font: StyleTable.Font =
            switch row.kind {
            case .title: .title
            case .header: .bold
            case .body: cell.bold ? .bold : .regular
            }
        var key = StyleTable.Key(
            font: font, format: cell.format ?? column?.format ?? cell.defaultFormat, quotePrefix: false,
            bottomBorder: row.kind == .header)
        var body: String
        var type = ""
        switch cell.value {
        case .empty:
            guard font != .regular || key.bottomBorder else { return }
            body = ""
        case .text(let text):
            guard text.utf16.count <= 32_767 else { throw DocumentError.cellTooLong(sheet, row: rowNumber) }
            key.quotePrefix = XLSXCell.looksLikeFormula(text)
            key.format = .general
            (type, body) = Self.text(text, strings: &strings)
        case .integer(let value):
            body = "<v>\(value)</v>"
        case .decimal(let value):
            body = "<v>\(value.description)</v>"
        case .bool(let value):
            type = "b"
            body = "<v>\(value ? 1 : 0)</v>"
        case .date(let year, let month, let day):
            if let serial = XLSXDateTime(year: year, month: month, day: day).serial {
                body = "<v>\(serial)</v>"
            } else {
                key.format = .general
                (type, body) = Self.text(CivilDate.iso((year, month, day)), strings: &strings)
            }
        case .dateTime(let value):
            if let serial = value.serial {
                body = "<v>\(serial)</v>"
            } else {
                key.format = .general
                (type, body) = Self.text(value.iso, strings: &strings)
            }
        }
        let style = styles.index(key)
        xml += "<c r=\"\(reference)\""
        if style != 0 { xml += " s=\"\(style)\"" }
        if !type.isEmpty { xml += " t=\"\(type)\"" }
        xml += body.isEmpty ? "/>" : ">\(body)</c>"
    }

    /// A text cell's type and body: an index into the shared strings, or the text inline.
    private static func text(_ text: String, strings: inout SharedStrings?) -> (String, String) {
        if strings != nil { return ("s", "<v>\(strings!.index(of: text))</v>") }
        return ("inlineStr", "<is>" + XMLText.textElement(text) + "</is>")
    }

    /// `A`, `B`, … `Z`, `AA`, … for a 0-based column.
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name: [Character] = []
        while index > 0 {
            let remainder = (index - 1) % 26
            name.insert(Character(Unicode.Scalar(UInt8(65 + remainder))), at: 0)
            index = (index - 1) / 26
        }
        return String(name)
    }
}

/// XML text escaping for SpreadsheetML, including its `_xHHHH_` form for characters XML 1.0
/// cannot carry (control characters) and for text that would otherwise read as such an escape.
enum XMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case "_" where isEscapeLike(scalars, at: index): out += "_x005F_"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "_x" + String(format: "%04X", scalar.value) + "_"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func escapeAttribute(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\r", with: "&#13;").replacingOccurrences(of: "\t", with: "&#9;")
    }

    /// `<t>…</t>`, preserving leading and trailing spaces and line breaks.
    static func textElement(_ text: String) -> String {
        let preserve = text.first.map { $0.isWhitespace } == true || text.last.map { $0.isWhitespace } == true
            || text.contains("\n")
        return (preserve ? "<t xml:space=\"preserve\">" : "<t>") + escape(text) + "</t>"
    }

    /// Whether `_xHHHH_` starts at `index`, so the underscore must itself be escaped.
    private static func isEscapeLike(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_" else { return false }
        return scalars[(index + 2)..<(index + 6)].allSatisfy { $0.properties.isASCIIHexDigit }
    }
}
