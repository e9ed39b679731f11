/// One worksheet to write: optional title rows, a bold header row that stays frozen on screen
/// and repeats on printed pages, and the table rows.
///
/// ```swift
/// var sheet = XLSXSheet(name: "Прайс-лист")
/// sheet.columns = [XLSXColumn(width: 12), XLSXColumn(width: 48), XLSXColumn(width: 14, format: .money)]
/// sheet.addTitle("Прайс-лист на 29.11.2026")
/// sheet.addHeader(["Артикул", "Наименование", "Цена"])
/// sheet.addRow(["A-1", "Болт М8", .money(minorUnits: 12_50)])
/// ```
public struct XLSXSheet: Sendable {
    public enum RowKind: Sendable, Hashable {
        /// Bold, larger, above the table.
        case title
        /// Bold with a bottom border; frozen and repeated when printed (the first header counts).
        case header
        case body
    }

    public struct Row: Sendable, Hashable {
        public var kind: RowKind
        public var cells: [XLSXCell]
    }

    public var name: String
    /// Column widths (in characters, as Excel measures) and default formats, from column A.
    public var columns: [XLSXColumn] = []
    public private(set) var rows: [Row] = []
    /// Keep the rows down to the header visible while scrolling.
    public var freezeHeader = true
    /// Print scaled to the page width (any number of pages down), on A4.
    public var fitToWidth = true
    public var landscape = false

    public init(name: String) {
        self.name = name
    }

    public mutating func addTitle(_ text: String) {
        rows.append(Row(kind: .title, cells: [.text(text)]))
    }

    public mutating func addHeader(_ titles: [String]) {
        rows.append(Row(kind: .header, cells: titles.map { .text($0) }))
    }

    public mutating func addRow(_ cells: [XLSXCell]) {
        rows.append(Row(kind: .body, cells: cells))
    }

    public mutating func addBlankRow() {
        rows.append(Row(kind: .body, cells: []))
    }

    /// The 1-based row number of the first header row, if any.
    var headerRowNumber: Int? { rows.firstIndex { $0.kind == .header }.map { $0 + 1 } }
}

/// A column's width and default number format.
public struct XLSXColumn: Sendable, Hashable {
    /// Width in characters of the default font (Excel's unit); nil leaves Excel's default.
    public var width: Double?
    /// The format for cells of this column that set none themselves.
    public var format: XLSXNumberFormat?

    public init(width: Double? = nil, format: XLSXNumberFormat? = nil) {
        self.width = width
        self.format = format
    }
}
