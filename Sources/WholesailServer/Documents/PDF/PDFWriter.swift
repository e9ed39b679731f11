import Foundation

/// A point on a page in PDF points (1/72 inch), measured from the top-left corner, y down.
public struct PDFPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A rectangle on a page, top-left origin, y down, in points.
public struct PDFRect: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

public struct PDFColor: Sendable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public init(gray: Double) { self.init(red: gray, green: gray, blue: gray) }

    public static let black = PDFColor(gray: 0)
    public static let white = PDFColor(gray: 1)
    public static let lightGray = PDFColor(gray: 0.92)
    public static let gray = PDFColor(gray: 0.5)
}

public enum PDFTextAlignment: Sendable, Hashable {
    case left, center, right
}

/// Page sizes in points.
public struct PDFPageSize: Sendable, Hashable {
    public var width: Double
    public var height: Double

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public static let a4 = PDFPageSize(width: 595.28, height: 841.89)
    public static let a5 = PDFPageSize(width: 419.53, height: 595.28)
    public static let letter = PDFPageSize(width: 612, height: 792)

    /// The same sheet turned sideways.
    public var landscape: PDFPageSize { PDFPageSize(width: max(width, height), height: min(width, height)) }
    public var portrait: PDFPageSize { PDFPageSize(width: min(width, height), height: max(width, height)) }
}

/// Writes a PDF 1.7 file: pages drawn with text, lines, rectangles and images, fonts embedded as
/// Unicode TrueType subsets, content streams Flate-compressed.
///
/// This is the drawing layer; most documents are better built with `PDFDocumentBuilder`,
/// which flows blocks (headings, paragraphs, tables…) across pages.
///
/// ```swift
/// let pdf = PDFWriter(title: "Счёт № 17")
/// let page = pdf.addPage()
/// try page.text("Привет", at: PDFPoint(x: 50, y: 50), size: 12, style: .bold)
/// let bytes = try pdf.data()
/// ```
///
/// A writer made with `init(streamingTo:)` writes each finished page to its file at once
/// (`writeFinishedPages()`), so a document of thousands of pages (a price list) keeps only the
/// page being drawn in memory; `finish()` then adds the fonts (subsets of the glyphs all pages
/// used), the page tree and the cross-reference table.
public final class PDFWriter {
    public var title: String?
    public var author: String?
    /// Written as the creation date; nil leaves it out (byte-identical output for the same input).
    public var creationDate: Date?
    /// The pages held in memory: all of them, or for a streaming writer those not written out yet.
    public private(set) var pages: [PDFPage] = []
    /// Pages started so far, written out or not.
    public private(set) var pageCount = 0
    private let resources = PDFResources()
    private var objects = PDFObjects()
    private var reserved: (catalog: Int, pageTree: Int, resources: Int)?
    private var pageObjects: [Int] = []
    private var finished = false

    public init(title: String? = nil, author: String? = nil, creationDate: Date? = nil) {
        self.title = title
        self.author = author
        self.creationDate = creationDate
    }

    /// A writer that writes finished pages to `url` as it goes (replacing the file).
    public init(streamingTo url: URL, title: String? = nil, author: String? = nil) throws {
        self.title = title
        self.author = author
        objects = try PDFObjects(streamingTo: url)
        reserved = (objects.reserve(), objects.reserve(), objects.reserve())
    }

    public var isStreaming: Bool { objects.isStreaming }

    /// Starts a new page and returns it for drawing.
    @discardableResult
    public func addPage(size: PDFPageSize = .a4) -> PDFPage {
        let page = PDFPage(size: size, resources: resources)
        pages.append(page)
        pageCount += 1
        return page
    }

    /// Writes out every page but the last one (the one being drawn). A writer that is not
    /// streaming keeps its pages until `data()`.
    public func writeFinishedPages() throws {
        guard isStreaming, let reserved, pages.count > 1 else { return }
        for page in pages.dropLast() { pageObjects.append(try write(page, resources: reserved.resources)) }
        pages.removeFirst(pages.count - 1)
        try objects.checkWrites()
    }

    private func write(_ page: PDFPage, resources resourceObject: Int) throws -> Int {
        let content = objects.add(stream: try Zlib.compress(Data(page.content.utf8)), dictionary: "/Filter /FlateDecode")
        let box = "[0 0 \(PDFSyntax.number(page.size.width)) \(PDFSyntax.number(page.size.height))]"
        return objects.add(
            "<< /Type /Page /Parent \(reserved?.pageTree ?? 2) 0 R /MediaBox \(box) /Resources \(resourceObject) 0 R /Contents \(content) 0 R >>")
    }

    /// The finished file (not for a streaming writer: see `finish()`).
    public func data() throws -> Data {
        guard !isStreaming else { throw DocumentError.malformed("(pdf)", "a streaming writer is finished with finish()") }
        if pages.isEmpty { addPage() }
        var objects = PDFObjects()
        let catalog = objects.reserve()
        let pageTree = objects.reserve()
        let resourceObject = objects.reserve()
        let resourceEntries = try resourceDictionary(into: &objects)
        objects.set(resourceObject, resourceEntries)
        var kids: [Int] = []
        for page in pages {
            let content = objects.add(stream: try Zlib.compress(Data(page.content.utf8)), dictionary: "/Filter /FlateDecode")
            let box = "[0 0 \(PDFSyntax.number(page.size.width)) \(PDFSyntax.number(page.size.height))]"
            kids.append(
                objects.add(
                    "<< /Type /Page /Parent \(pageTree) 0 R /MediaBox \(box) /Resources \(resourceObject) 0 R /Contents \(content) 0 R >>"
                ))
        }
        objects.set(pageTree, Self.pageTree(kids))
        objects.set(catalog, "<< /Type /Catalog /Pages \(pageTree) 0 R >>")
        let infoObject = objects.add(infoDictionary)
        return objects.serialize(root: catalog, info: infoObject)
    }

    /// Writes the remaining pages, the fonts, images, page tree and cross-reference table, and
    /// closes the file of a streaming writer.
    public func finish() throws {
        guard let reserved, !finished else { throw DocumentError.malformed("(pdf)", "not a streaming writer, or finished already") }
        finished = true
        if pages.isEmpty { addPage() }
        for page in pages { pageObjects.append(try write(page, resources: reserved.resources)) }
        pages.removeAll()
        var objects = self.objects
        self.objects = PDFObjects()
        let resourceEntries = try resourceDictionary(into: &objects)
        objects.set(reserved.resources, resourceEntries)
        objects.set(reserved.pageTree, Self.pageTree(pageObjects))
        objects.set(reserved.catalog, "<< /Type /Catalog /Pages \(reserved.pageTree) 0 R >>")
        let infoObject = objects.add(infoDictionary)
        try objects.finish(root: reserved.catalog, info: infoObject)
    }

    /// The fonts and images every page uses, written as objects; returns the resource dictionary.
    private func resourceDictionary(into objects: inout PDFObjects) throws -> String {
        var fontEntries = ""
        for style in PDFFontStyle.allCases {
            guard let font = resources.fonts[style] else { continue }
            fontEntries += "/\(font.resourceName) \(try font.write(into: &objects)) 0 R "
        }
        var imageEntries = ""
        for (image, name) in resources.images {
            imageEntries += "/\(name) \(try image.write(into: &objects)) 0 R "
        }
        return "<< /ProcSet [/PDF /Text /ImageB /ImageC] /Font << \(fontEntries)>> /XObject << \(imageEntries)>> >>"
    }

    private static func pageTree(_ kids: [Int]) -> String {
        "<< /Type /Pages /Kids [\(kids.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(kids.count) >>"
    }

    private var infoDictionary: String {
        var info = "<< /Producer \(PDFSyntax.text("Wholesail"))"
        if let title { info += " /Title \(PDFSyntax.text(title))" }
        if let author { info += " /Author \(PDFSyntax.text(author))" }
        if let creationDate { info += " /CreationDate \(PDFSyntax.text(PDFSyntax.date(creationDate)))" }
        return info + " >>"
    }
}

/// The fonts and images a document's pages share (pages hold this, not the writer, so there is
/// no reference cycle and a page outliving its writer stays valid).
final class PDFResources {
    var fonts: [PDFFontStyle: PDFEmbeddedFont] = [:]
    var images: [(image: PDFImage, name: String)] = []

    func font(_ style: PDFFontStyle) throws -> PDFEmbeddedFont {
        if let font = fonts[style] { return font }
        let font = try PDFEmbeddedFont(style: style, resourceName: style == .bold ? "F2" : "F1")
        fonts[style] = font
        return font
    }

    func imageName(_ image: PDFImage) -> String {
        if let known = images.first(where: { $0.image.id == image.id }) { return known.name }
        let name = "Im\(images.count + 1)"
        images.append((image, name))
        return name
    }
}

/// One page: drawing operations appended to its content stream. Coordinates are top-left based.
public final class PDFPage {
    public let size: PDFPageSize
    private let resources: PDFResources
    private(set) var content = ""

    init(size: PDFPageSize, resources: PDFResources) {
        self.size = size
        self.resources = resources
    }

    /// Draws one line of text whose line box starts at `point` (the top of the text, not the baseline).
    public func text(
        _ string: String, at point: PDFPoint, size: Double, style: PDFFontStyle = .regular, color: PDFColor = .black
    ) throws {
        guard !string.isEmpty else { return }
        let font = try resources.font(style)
        let baseline = point.y + Double(font.font.ascent) * size / Double(font.font.unitsPerEm)
        content += "BT \(fill(color)) /\(font.resourceName) \(PDFSyntax.number(size)) Tf "
        content += "1 0 0 1 \(PDFSyntax.number(point.x)) \(PDFSyntax.number(self.size.height - baseline)) Tm "
        content += "<\(font.encode(string))> Tj ET\n"
    }

    /// Draws one line of text aligned within `[x, x + width]`.
    public func text(
        _ string: String, x: Double, y: Double, width: Double, alignment: PDFTextAlignment, size: Double,
        style: PDFFontStyle = .regular, color: PDFColor = .black
    ) throws {
        let measured = try style.width(of: string, size: size)
        let left: Double =
            switch alignment {
            case .left: x
            case .center: x + (width - measured) / 2
            case .right: x + width - measured
            }
        try text(string, at: PDFPoint(x: left, y: y), size: size, style: style, color: color)
    }

    /// Wraps text into a box (word by word, breaking words only when a word alone is too wide)
    /// and draws the lines that fit. Returns the height used.
    @discardableResult
    public func textBox(
        _ string: String, in rect: PDFRect, size: Double, style: PDFFontStyle = .regular,
        alignment: PDFTextAlignment = .left, lineHeight: Double? = nil, color: PDFColor = .black
    ) throws -> Double {
        let leading = lineHeight ?? size * TextLayout.lineSpacing
        let lines = try TextLayout.wrap(string, width: rect.width, size: size, style: style)
        var y = rect.y
        for line in lines where y + leading <= rect.y + rect.height + 0.01 {
            try text(line, x: rect.x, y: y, width: rect.width, alignment: alignment, size: size, style: style, color: color)
            y += leading
        }
        return y - rect.y
    }

    public func line(from start: PDFPoint, to end: PDFPoint, width: Double = 0.5, color: PDFColor = .black) {
        content += "\(stroke(color)) \(PDFSyntax.number(width)) w \(PDFSyntax.number(start.x)) \(PDFSyntax.number(size.height - start.y)) m "
        content += "\(PDFSyntax.number(end.x)) \(PDFSyntax.number(size.height - end.y)) l S\n"
    }

    /// A rectangle, filled and/or stroked.
    public func rectangle(_ rect: PDFRect, fill fillColor: PDFColor? = nil, stroke strokeColor: PDFColor? = .black, lineWidth: Double = 0.5) {
        guard fillColor != nil || strokeColor != nil else { return }
        let box = "\(PDFSyntax.number(rect.x)) \(PDFSyntax.number(size.height - rect.y - rect.height)) "
            + "\(PDFSyntax.number(rect.width)) \(PDFSyntax.number(rect.height)) re"
        var operation = ""
        if let fillColor { operation += fill(fillColor) + " " }
        if let strokeColor { operation += stroke(strokeColor) + " \(PDFSyntax.number(lineWidth)) w " }
        let paint = fillColor != nil && strokeColor != nil ? "B" : fillColor != nil ? "f" : "S"
        content += operation + box + " " + paint + "\n"
    }

    /// Draws an image scaled into a rectangle.
    public func image(_ image: PDFImage, in rect: PDFRect) {
        let name = resources.imageName(image)
        content += "q \(PDFSyntax.number(rect.width)) 0 0 \(PDFSyntax.number(rect.height)) "
        content += "\(PDFSyntax.number(rect.x)) \(PDFSyntax.number(size.height - rect.y - rect.height)) cm /\(name) Do Q\n"
    }

    private func fill(_ color: PDFColor) -> String {
        "\(PDFSyntax.number(color.red)) \(PDFSyntax.number(color.green)) \(PDFSyntax.number(color.blue)) rg"
    }

    private func stroke(_ color: PDFColor) -> String {
        "\(PDFSyntax.number(color.red)) \(PDFSyntax.number(color.green)) \(PDFSyntax.number(color.blue)) RG"
    }
}

/// The numbered objects of a file and the cross-reference table that indexes them: kept in
/// memory until `serialize`, or, for a streaming writer, written to the file as they are added
/// (objects may come in any order; the table records where each one starts).
struct PDFObjects {
    private var bodies: [Data?] = []
    private var file: PDFFileSink?

    init() {}

    init(streamingTo url: URL) throws {
        file = try PDFFileSink(url: url)
        file!.write(Data(Self.header.utf8))
    }

    var isStreaming: Bool { file != nil }

    static let header = "%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n"

    mutating func reserve() -> Int {
        bodies.append(nil)
        file?.offsets.append(nil)
        return bodies.count
    }

    mutating func set(_ number: Int, _ dictionary: String) {
        store(number, Data(dictionary.utf8))
    }

    mutating func add(_ dictionary: String) -> Int {
        let number = reserve()
        store(number, Data(dictionary.utf8))
        return number
    }

    /// A stream object; `dictionary` holds the entries besides /Length.
    mutating func add(stream: Data, dictionary: String) -> Int {
        var body = Data("<< /Length \(stream.count) \(dictionary) >>\nstream\n".utf8)
        body.append(stream)
        body.append(Data("\nendstream".utf8))
        let number = reserve()
        store(number, body)
        return number
    }

    private mutating func store(_ number: Int, _ body: Data) {
        guard let file else {
            bodies[number - 1] = body
            return
        }
        file.offsets[number - 1] = file.position
        file.write(Data("\(number) 0 obj\n".utf8))
        file.write(body)
        file.write(Data("\nendobj\n".utf8))
    }

    /// Throws the first error a streaming write met.
    func checkWrites() throws {
        if let error = file?.error { throw error }
    }

    func serialize(root: Int, info: Int) -> Data {
        var out = Data(Self.header.utf8)
        var offsets: [Int] = []
        for (index, body) in bodies.enumerated() {
            offsets.append(out.count)
            out.append(Data("\(index + 1) 0 obj\n".utf8))
            out.append(body ?? Data("null".utf8))
            out.append(Data("\nendobj\n".utf8))
        }
        let xref = out.count
        let id = Self.fileID(head: out.prefix(4096), tail: out.suffix(4096), size: out.count)
        out.append(Data(Self.trailer(offsets: offsets, xref: xref, root: root, info: info, id: id).utf8))
        return out
    }

    /// Writes the cross-reference table and the trailer, and closes a streaming file.
    func finish(root: Int, info: Int) throws {
        guard let file else { return }
        let xref = file.position
        let id = Self.fileID(head: file.head, tail: file.tail.suffix(4096), size: file.position)
        file.write(Data(Self.trailer(offsets: file.offsets.map { $0 ?? 0 }, xref: xref, root: root, info: info, id: id).utf8))
        try file.close()
    }

    private static func fileID(head: Data, tail: Data, size: Int) -> String {
        var hasher: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in head + tail { hasher = (hasher ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return String(format: "%016llX%016llX", hasher, hasher ^ UInt64(size))
    }

    private static func trailer(offsets: [Int], xref: Int, root: Int, info: Int, id: String) -> String {
        var table = "xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(offsets.count + 1) /Root \(root) 0 R /Info \(info) 0 R /ID [<\(id)> <\(id)>] >>\n"
        table += "startxref\n\(xref)\n%%EOF\n"
        return table
    }
}

/// The file a streaming PDF is written to, buffered; the first write error is kept and thrown by
/// `close()` (or `PDFObjects.checkWrites()`), so adding objects stays non-throwing.
final class PDFFileSink {
    private let handle: FileHandle
    private var buffer = Data()
    private(set) var position = 0
    private(set) var error: (any Error)?
    var offsets: [Int?] = []
    /// The first and the last 4 KB written, for the file identifier.
    private(set) var head = Data()
    private(set) var tail = Data()

    init(url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw DocumentError.malformed("(pdf)", "the file could not be created")
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(_ data: Data) {
        if head.count < 4096 { head.append(data.prefix(4096 - head.count)) }
        tail.append(data.suffix(4096))
        // A fresh copy: a slice of `Data` keeps (and grows) the whole buffer it came from.
        if tail.count > 8192 { tail = Data(tail.suffix(4096)) }
        position += data.count
        buffer.append(data)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        guard error == nil, !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            self.error = error
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle.close()
        if let error { throw error }
    }
}

/// How values are spelled in PDF syntax.
enum PDFSyntax {
    /// A real number with at most three decimals and no exponent.
    static func number(_ value: Double) -> String {
        let thousandths = (value * 1000).rounded()
        guard thousandths.isFinite, abs(thousandths) < 1e15 else { return "0" }
        let integer = Int64(thousandths)
        let sign = integer < 0 ? "-" : ""
        let magnitude = integer.magnitude
        let whole = magnitude / 1000
        var fraction = String(magnitude % 1000)
        if fraction == "0" { return integer == 0 ? "0" : sign + String(whole) }
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(whole) + "." + fraction
    }

    static func hex16(_ value: UInt16) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(value >> 12)], digits[Int(value >> 8 & 0xF)], digits[Int(value >> 4 & 0xF)], digits[Int(value & 0xF)]])
    }

    /// A text string (document info): UTF-16BE with a byte order mark, in hex.
    static func text(_ string: String) -> String {
        "<FEFF" + string.utf16.map(hex16).joined() + ">"
    }

    /// `D:20261129103000Z`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return "D:" + CivilDate.pad(parts.year ?? 1970, 4) + [parts.month, parts.day, parts.hour, parts.minute, parts.second]
            .map { CivilDate.pad($0 ?? 0, 2) }.joined() + "Z"
    }
}
