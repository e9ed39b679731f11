import Foundation

/// Builds a PDF from blocks that flow down the page and on to the next: headings, paragraphs,
/// key–value grids, tables (whose header row repeats on every page they run onto), images,
/// rules, spacers and page breaks.
///
/// ```swift
/// var document = PDFDocumentBuilder(title: "Счёт на оплату № 17")
/// document.add(.heading("Счёт на оплату № 17 от 29 ноября 2026 г."))
/// document.add(.keyValue([("Поставщик:", "ООО «Оптовик», ИНН 7701234567")], labelWidth: 90))
/// var table = PDFTable(columns: [.init("Товар"), .init("Сумма", width: .fixed(70), alignment: .right)])
/// table.addRow(["Болт М8", "1 234,50"])
/// document.add(.table(table))
/// let bytes = try document.render()
/// ```
public struct PDFDocumentBuilder: Sendable {
    public var title: String?
    public var author: String?
    public var pageSize: PDFPageSize = .a4
    public var margins = PDFMargins(top: 40, left: 42, bottom: 44, right: 36)
    /// The size of body text; headings and tables derive theirs from it.
    public var fontSize: Double = 10
    /// A footer line such as `"Страница {page} из {pages}"`; nil for none.
    public var pageNumbers: PDFPageNumbers?
    public private(set) var blocks: [PDFBlock] = []

    public init(title: String? = nil, author: String? = nil) {
        self.title = title
        self.author = author
    }

    public mutating func add(_ block: PDFBlock) {
        blocks.append(block)
    }

    /// Lays the blocks out and returns the PDF file.
    public func render() throws -> Data {
        let writer = PDFWriter(title: title, author: author)
        try render(into: writer)
        return try writer.data()
    }

    /// Lays the blocks out on new pages of an existing writer (for documents that add pages of their own).
    public func render(into writer: PDFWriter) throws {
        let flow = try PDFFlowWriter(self, writer: writer)
        for block in blocks { try flow.add(block) }
        try flow.finish()
    }
}

/// Lays out blocks, and table rows one by one, as they come: `PDFDocumentBuilder` for documents
/// whose rows are not all at hand (a price list read from a database cursor). On a streaming
/// `PDFWriter` every page is written out as soon as the next one starts, so memory stays flat.
///
/// ```swift
/// let writer = try PDFWriter(streamingTo: url, title: "Прайс-лист")
/// let flow = try PDFFlowWriter(settings, writer: writer)       // settings: a PDFDocumentBuilder
/// try flow.add(.heading("Прайс-лист"))
/// try flow.beginTable(PDFTable(columns: columns))             // the header repeats on each page
/// for product in cursor { try flow.addRow(PDFTable.Row([...])) }
/// try flow.endTable()
/// try flow.finish()
/// try writer.finish()
/// ```
///
/// Page numbers: `{page}` and `{pages}` when the writer keeps its pages; a streaming writer
/// cannot know the count while it writes, so there `{pages}` is left out (`"Страница {page}"`).
/// Used from one thread at a time (hence `@unchecked Sendable`: it may be handed to the
/// database's reading thread that feeds it rows).
public final class PDFFlowWriter: @unchecked Sendable {
    private var flow: Flow
    private let settings: PDFDocumentBuilder
    private let writer: PDFWriter
    private let firstPage: Int

    public init(_ settings: PDFDocumentBuilder, writer: PDFWriter) throws {
        self.settings = settings
        self.writer = writer
        firstPage = writer.pageCount
        flow = Flow(builder: settings, writer: writer)
    }

    public func add(_ block: PDFBlock) throws { try flow.place(block) }

    /// Starts a table: its header (and any rows it already holds) are placed; more rows follow
    /// with `addRow` until `endTable`.
    public func beginTable(_ table: PDFTable) throws {
        var empty = table
        empty.rows = []
        try flow.beginTable(empty)
        for row in table.rows { try flow.addRow(row) }
    }

    public func addRow(_ row: PDFTable.Row) throws { try flow.addRow(row) }

    public func addRow(_ cells: [PDFTable.Cell], style: PDFFontStyle = .regular, background: PDFColor? = nil) throws {
        try flow.addRow(PDFTable.Row(cells, style: style, background: background))
    }

    /// Rows kept together on one page when they fit on one (a category heading and its first line).
    public func addRows(keepingTogether rows: [PDFTable.Row]) throws { try flow.addRows(keepingTogether: rows) }

    public func endTable() throws { try flow.endTable() }

    /// Ends the layout: the page numbers of a non-streaming writer are drawn now.
    public func finish() throws {
        if flow.openTable != nil { try flow.endTable() }
        if writer.isStreaming {
            try flow.numberCurrentPage()
            return
        }
        guard let pageNumbers = settings.pageNumbers else { return }
        let pages = writer.pages[firstPage...]
        for (index, page) in pages.enumerated() {
            let text = pageNumbers.format.replacingOccurrences(of: "{page}", with: String(index + 1))
                .replacingOccurrences(of: "{pages}", with: String(pages.count))
            try Flow.drawPageNumber(text, on: page, settings: settings)
        }
    }
}

public struct PDFMargins: Sendable, Hashable {
    public var top: Double
    public var left: Double
    public var bottom: Double
    public var right: Double

    public init(top: Double, left: Double, bottom: Double, right: Double) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }
}

public struct PDFPageNumbers: Sendable, Hashable {
    /// `{page}` and `{pages}` are replaced.
    public var format: String
    public var alignment: PDFTextAlignment

    public init(format: String, alignment: PDFTextAlignment = .right) {
        self.format = format
        self.alignment = alignment
    }
}

/// One piece of a flowing document.
public struct PDFBlock: Sendable {
    enum Kind: Sendable {
        case heading(String, level: Int)
        case paragraph(String, size: Double?, style: PDFFontStyle, alignment: PDFTextAlignment, color: PDFColor)
        case table(PDFTable)
        case spacer(Double)
        case image(PDFImage, width: Double, alignment: PDFTextAlignment)
        case rule(Double)
        case pageBreak
    }

    let kind: Kind

    /// A bold heading; level 1 is the document title, 2 a section, 3 a subsection.
    public static func heading(_ text: String, level: Int = 1) -> PDFBlock { PDFBlock(kind: .heading(text, level: level)) }

    /// Wrapped text; lines may continue on the next page.
    public static func paragraph(
        _ text: String, size: Double? = nil, style: PDFFontStyle = .regular, alignment: PDFTextAlignment = .left,
        color: PDFColor = .black
    ) -> PDFBlock {
        PDFBlock(kind: .paragraph(text, size: size, style: style, alignment: alignment, color: color))
    }

    /// Labels and values in two columns (requisites, totals), without borders.
    public static func keyValue(
        _ pairs: [(String, String)], labelWidth: Double = 120, size: Double? = nil, boldLabels: Bool = false,
        boldValues: Bool = false, alignment: PDFTextAlignment = .left
    ) -> PDFBlock {
        var table = PDFTable(columns: [
            PDFTable.Column("", width: .fixed(labelWidth), alignment: alignment),
            PDFTable.Column("", width: .flexible(1), alignment: alignment),
        ])
        table.showsHeader = false
        table.borders = .none
        table.fontSize = size
        table.cellPadding = PDFTable.Padding(horizontal: 0, vertical: 1.5)
        for (label, value) in pairs {
            table.addRow([
                PDFTable.Cell(label, style: boldLabels ? .bold : .regular), PDFTable.Cell(value, style: boldValues ? .bold : .regular),
            ])
        }
        return PDFBlock(kind: .table(table))
    }

    public static func table(_ table: PDFTable) -> PDFBlock { PDFBlock(kind: .table(table)) }

    /// Vertical space in points.
    public static func spacer(_ height: Double) -> PDFBlock { PDFBlock(kind: .spacer(height)) }

    /// An image `width` points wide, its height following the aspect ratio.
    public static func image(_ image: PDFImage, width: Double, alignment: PDFTextAlignment = .left) -> PDFBlock {
        PDFBlock(kind: .image(image, width: width, alignment: alignment))
    }

    /// A horizontal line across the text width.
    public static func rule(thickness: Double = 0.75) -> PDFBlock { PDFBlock(kind: .rule(thickness)) }

    public static let pageBreak = PDFBlock(kind: .pageBreak)
}

/// A table: columns with widths and alignment, an optional header row repeated on each page the
/// table continues onto, rows of cells that wrap and may span columns.
public struct PDFTable: Sendable {
    public enum Width: Sendable, Hashable {
        /// Points.
        case fixed(Double)
        /// A share of the width the fixed columns leave.
        case flexible(Double)
    }

    public struct Column: Sendable, Hashable {
        public var title: String
        public var width: Width
        public var alignment: PDFTextAlignment

        public init(_ title: String, width: Width = .flexible(1), alignment: PDFTextAlignment = .left) {
            self.title = title
            self.width = width
            self.alignment = alignment
        }
    }

    public struct Cell: Sendable, Hashable, ExpressibleByStringInterpolation {
        public var text: String
        /// nil: the row's style.
        public var style: PDFFontStyle?
        /// nil: the column's alignment.
        public var alignment: PDFTextAlignment?
        /// How many columns the cell covers.
        public var span: Int

        public init(_ text: String, style: PDFFontStyle? = nil, alignment: PDFTextAlignment? = nil, span: Int = 1) {
            self.text = text
            self.style = style
            self.alignment = alignment
            self.span = max(1, span)
        }

        public init(stringLiteral text: String) { self.init(text) }
    }

    public struct Row: Sendable, Hashable {
        public var cells: [Cell]
        public var style: PDFFontStyle
        public var background: PDFColor?

        public init(_ cells: [Cell], style: PDFFontStyle = .regular, background: PDFColor? = nil) {
            self.cells = cells
            self.style = style
            self.background = background
        }
    }

    public enum Borders: Sendable, Hashable {
        /// Every cell boxed.
        case grid
        /// A line under the header and under each row.
        case horizontal
        case none
    }

    public struct Padding: Sendable, Hashable {
        public var horizontal: Double
        public var vertical: Double

        public init(horizontal: Double, vertical: Double) {
            self.horizontal = horizontal
            self.vertical = vertical
        }
    }

    public var columns: [Column]
    public var rows: [Row] = []
    public var showsHeader = true
    /// Rows drawn as the header instead of the column titles: grouped headings with spans, a row
    /// of column numbers (the official forms have them). Empty: one row of the titles.
    public var headerRows: [Row] = []
    public var repeatsHeader = true
    public var borders = Borders.grid
    /// nil: 90% of the document's body size.
    public var fontSize: Double?
    public var headerBackground: PDFColor? = .lightGray
    public var cellPadding = Padding(horizontal: 3, vertical: 2.5)

    public init(columns: [Column]) {
        self.columns = columns
    }

    public mutating func addRow(_ cells: [Cell], style: PDFFontStyle = .regular, background: PDFColor? = nil) {
        rows.append(Row(cells, style: style, background: background))
    }

    /// A row of plain texts, one per column.
    public mutating func addRow(texts: [String], style: PDFFontStyle = .regular, background: PDFColor? = nil) {
        rows.append(Row(texts.map { Cell($0) }, style: style, background: background))
    }
}

/// The layout cursor: the current page and how far down it is filled.
struct Flow {
    let builder: PDFDocumentBuilder
    let writer: PDFWriter
    var page: PDFPage
    var y: Double
    let left: Double
    let width: Double
    let top: Double
    let bottom: Double

    var openTable: OpenTable?
    let firstPage: Int

    init(builder: PDFDocumentBuilder, writer: PDFWriter) {
        self.builder = builder
        self.writer = writer
        firstPage = writer.pageCount
        page = writer.addPage(size: builder.pageSize)
        top = builder.margins.top
        y = top
        left = builder.margins.left
        width = builder.pageSize.width - builder.margins.left - builder.margins.right
        bottom = builder.pageSize.height - builder.margins.bottom
    }

    var atTop: Bool { y <= top + 0.01 }

    mutating func newPage() throws {
        if writer.isStreaming {
            // The page is complete: number it and let the writer write it out.
            try numberCurrentPage()
            page = writer.addPage(size: builder.pageSize)
            try writer.writeFinishedPages()
        } else {
            page = writer.addPage(size: builder.pageSize)
        }
        y = top
    }

    /// A streaming writer's page footer, drawn as the page is left (`{pages}` is not known yet).
    func numberCurrentPage() throws {
        guard let pageNumbers = builder.pageNumbers else { return }
        let text = pageNumbers.format.replacingOccurrences(of: "{page}", with: String(writer.pageCount - firstPage))
            .replacingOccurrences(of: " / {pages}", with: "").replacingOccurrences(of: " из {pages}", with: "")
            .replacingOccurrences(of: " of {pages}", with: "").replacingOccurrences(of: "{pages}", with: "")
        try Self.drawPageNumber(text, on: page, settings: builder)
    }

    static func drawPageNumber(_ text: String, on page: PDFPage, settings: PDFDocumentBuilder) throws {
        let size = settings.fontSize * 0.8
        try page.text(
            text, x: settings.margins.left, y: settings.pageSize.height - settings.margins.bottom + size,
            width: settings.pageSize.width - settings.margins.left - settings.margins.right, alignment: settings.pageNumbers?.alignment ?? .right,
            size: size, color: .gray)
    }

    /// Moves to a new page unless `height` fits below the cursor (or the page is still empty).
    mutating func ensure(_ height: Double) throws {
        if y + height > bottom + 0.01 && !atTop { try newPage() }
    }

    mutating func place(_ block: PDFBlock) throws {
        let base = builder.fontSize
        switch block.kind {
        case .heading(let text, let level):
            let size = level <= 1 ? base * 1.5 : level == 2 ? base * 1.25 : base * 1.1
            let leading = size * TextLayout.lineSpacing
            let lines = try TextLayout.wrap(text, width: width, size: size, style: .bold)
            if !atTop { y += size * 0.5 }
            // Keep the heading with at least two lines of what follows.
            try ensure(Double(lines.count) * leading + 2 * base * TextLayout.lineSpacing)
            for line in lines {
                try page.text(line, at: PDFPoint(x: left, y: y), size: size, style: .bold)
                y += leading
            }
            y += size * 0.35
        case .paragraph(let text, let size, let style, let alignment, let color):
            let size = size ?? base
            let leading = size * TextLayout.lineSpacing
            for line in try TextLayout.wrap(text, width: width, size: size, style: style) {
                try ensure(leading)
                try page.text(line, x: left, y: y, width: width, alignment: alignment, size: size, style: style, color: color)
                y += leading
            }
            y += size * 0.4
        case .table(let table):
            try place(table)
        case .spacer(let height):
            if y + height > bottom { try newPage() } else { y += height }
        case .image(let image, let imageWidth, let alignment):
            let drawnWidth = min(imageWidth, width)
            let height = drawnWidth * Double(image.height) / Double(image.width)
            try ensure(height)
            let x: Double =
                switch alignment {
                case .left: left
                case .center: left + (width - drawnWidth) / 2
                case .right: left + width - drawnWidth
                }
            page.image(image, in: PDFRect(x: x, y: y, width: drawnWidth, height: height))
            y += height + base * 0.4
        case .rule(let thickness):
            try ensure(thickness + 6)
            y += 3
            page.line(from: PDFPoint(x: left, y: y), to: PDFPoint(x: left + width, y: y), width: thickness)
            y += thickness + 3
        case .pageBreak:
            if !atTop { try newPage() }
        }
    }

    // MARK: - Tables

    struct LaidOutCell {
        var x: Double
        var width: Double
        var lines: [String]
        var style: PDFFontStyle
        var alignment: PDFTextAlignment
    }

    struct LaidOutRow {
        var cells: [LaidOutCell]
        var height: Double
        var background: PDFColor?
    }

    private func columnWidths(_ table: PDFTable) -> [Double] {
        let fixed = table.columns.reduce(0.0) { sum, column in
            if case .fixed(let points) = column.width { return sum + points }
            return sum
        }
        let weights = table.columns.reduce(0.0) { sum, column in
            if case .flexible(let weight) = column.width { return sum + max(weight, 0) }
            return sum
        }
        let shrink = fixed > width ? width / fixed : 1
        let remaining = max(width - fixed * shrink, 0)
        return table.columns.map { column in
            switch column.width {
            case .fixed(let points): points * shrink
            case .flexible(let weight): weights > 0 ? remaining * max(weight, 0) / weights : 0
            }
        }
    }

    private func layout(_ row: PDFTable.Row, _ table: PDFTable, widths: [Double], size: Double) throws -> LaidOutRow {
        var cells: [LaidOutCell] = []
        var column = 0
        var x = left
        for cell in row.cells where column < widths.count {
            let span = min(cell.span, widths.count - column)
            let cellWidth = widths[column..<(column + span)].reduce(0, +)
            let style = cell.style ?? row.style
            let lines = try TextLayout.wrap(cell.text, width: max(cellWidth - 2 * table.cellPadding.horizontal, 1), size: size, style: style)
            cells.append(
                LaidOutCell(
                    x: x, width: cellWidth, lines: lines, style: style, alignment: cell.alignment ?? table.columns[column].alignment))
            x += cellWidth
            column += span
        }
        // Cells the row leaves out still get their box in a grid.
        while column < widths.count {
            cells.append(LaidOutCell(x: x, width: widths[column], lines: [], style: row.style, alignment: .left))
            x += widths[column]
            column += 1
        }
        let lineCount = cells.map(\.lines.count).max() ?? 0
        let height = Double(max(lineCount, 1)) * size * TextLayout.lineSpacing + 2 * table.cellPadding.vertical
        return LaidOutRow(cells: cells, height: height, background: row.background)
    }

    private mutating func draw(_ row: LaidOutRow, _ table: PDFTable, size: Double, header: Bool) throws {
        let rowWidth = row.cells.reduce(0) { $0 + $1.width }
        if let background = row.background {
            page.rectangle(PDFRect(x: left, y: y, width: rowWidth, height: row.height), fill: background, stroke: nil)
        }
        let leading = size * TextLayout.lineSpacing
        for cell in row.cells {
            var lineY = y + table.cellPadding.vertical
            for line in cell.lines {
                try page.text(
                    line, x: cell.x + table.cellPadding.horizontal, y: lineY, width: cell.width - 2 * table.cellPadding.horizontal,
                    alignment: cell.alignment, size: size, style: cell.style)
                lineY += leading
            }
        }
        switch table.borders {
        case .grid:
            for cell in row.cells {
                page.rectangle(PDFRect(x: cell.x, y: y, width: cell.width, height: row.height), stroke: .black, lineWidth: 0.5)
            }
        case .horizontal:
            if header {
                page.line(from: PDFPoint(x: left, y: y), to: PDFPoint(x: left + rowWidth, y: y), width: 0.75)
            }
            let weight = header ? 0.75 : 0.3
            page.line(from: PDFPoint(x: left, y: y + row.height), to: PDFPoint(x: left + rowWidth, y: y + row.height), width: weight)
        case .none:
            break
        }
        y += row.height
    }

    /// A table being placed row by row.
    struct OpenTable {
        var table: PDFTable
        var widths: [Double]
        var size: Double
        var header: [LaidOutRow]
        var headerHeight: Double
        var headerDrawn = false
    }

    private mutating func place(_ table: PDFTable) throws {
        var empty = table
        empty.rows = []
        try beginTable(empty)
        for row in table.rows { try addRow(row) }
        try endTable()
    }

    mutating func beginTable(_ table: PDFTable) throws {
        if openTable != nil { try endTable() }
        let size = table.fontSize ?? builder.fontSize * 0.9
        let widths = columnWidths(table)
        var header: [LaidOutRow] = []
        if table.showsHeader && !table.columns.isEmpty {
            let rows =
                table.headerRows.isEmpty
                ? [PDFTable.Row(table.columns.map { PDFTable.Cell($0.title) }, style: .bold, background: table.headerBackground)]
                : table.headerRows
            header = try rows.map { try layout($0, table, widths: widths, size: size) }
        }
        openTable = OpenTable(table: table, widths: widths, size: size, header: header, headerHeight: header.reduce(0) { $0 + $1.height })
    }

    mutating func addRow(_ row: PDFTable.Row) throws {
        guard var open = openTable, !open.table.columns.isEmpty else { return }
        let laid = try layout(row, open.table, widths: open.widths, size: open.size)
        if !open.headerDrawn {
            // The header never stands alone at the bottom of a page.
            try ensure(open.headerHeight + laid.height)
            for header in open.header { try draw(header, open.table, size: open.size, header: true) }
            open.headerDrawn = true
            openTable = open
        }
        if y + laid.height > bottom + 0.01 && !atTop {
            try newPage()
            if open.table.repeatsHeader { for header in open.header { try draw(header, open.table, size: open.size, header: true) } }
        }
        try draw(laid, open.table, size: open.size, header: false)
    }

    /// Rows that start on a new page together unless they all fit below the cursor.
    mutating func addRows(keepingTogether rows: [PDFTable.Row]) throws {
        guard let open = openTable, !open.table.columns.isEmpty, rows.count > 1 else {
            for row in rows { try addRow(row) }
            return
        }
        var height = open.headerDrawn ? 0 : open.headerHeight
        for row in rows { height += try layout(row, open.table, widths: open.widths, size: open.size).height }
        if y + height > bottom + 0.01 && !atTop && height <= bottom - top {
            try newPage()
            if open.headerDrawn, open.table.repeatsHeader { for header in open.header { try draw(header, open.table, size: open.size, header: true) } }
        }
        for row in rows { try addRow(row) }
    }

    mutating func endTable() throws {
        guard let open = openTable else { return }
        openTable = nil
        guard !open.table.columns.isEmpty else { return }
        if !open.headerDrawn {
            try ensure(open.headerHeight)
            for header in open.header { try draw(header, open.table, size: open.size, header: true) }
        }
        y += builder.fontSize * 0.6
    }
}
