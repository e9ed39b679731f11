import Foundation
import WholesailCore

/// One row of a sheet as text: the 1-based row number from the file and the cells from
/// column A on (missing cells are empty strings; trailing empties are dropped).
public struct XLSXRow: Sendable, Hashable {
    public var number: Int
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }

    /// The cell in a 0-based column, or "" past the end of the row.
    public subscript(column: Int) -> String { column < cells.count ? cells[column] : "" }
}

/// Reads the sheets of an .xlsx workbook as rows of cell text, for imports.
///
/// What a cell reads as:
/// - strings (shared or inline) as written, rich-text runs joined, phonetic runs left out;
/// - numbers as their shortest exact decimal at Excel's 15 significant digits, without
///   exponent or float noise (`0.1`, `1234.5`, never `0.10000000000000001`);
/// - date-formatted numbers as ISO dates (`2026-11-29`, or `2026-11-29T10:30:00` when the
///   format shows a time); booleans as `TRUE`/`FALSE`; error cells as their text (`#N/A`);
/// - formulas as their cached value: a formula is never evaluated.
///
/// Hostile files are refused before anything is inflated: too many entries, declared sizes
/// over the limits or compressed suspiciously well, paths with `..` or a leading `/`; while
/// inflating, any entry producing more than it declared is refused too, and any XML part with
/// a `<!DOCTYPE` (or other markup declaration). Sheet XML is tokenized in chunks and rows are
/// handed out one at a time, so a sheet of 100,000 rows is never held in memory as a whole;
/// shared strings are (they are bounded by the size limit).
public struct XLSXReader: Sendable {
    /// The bounds a workbook must stay within.
    public struct Limits: Sendable {
        /// Entries in the ZIP directory.
        public var maxEntries: Int
        /// Declared uncompressed bytes, all entries together.
        public var maxUncompressedBytes: Int64
        /// Uncompressed ÷ compressed for any entry of more than 1 MB.
        public var maxCompressionRatio: Int64

        public init(maxEntries: Int = 10_000, maxUncompressedBytes: Int64 = 200_000_000, maxCompressionRatio: Int64 = 250) {
            self.maxEntries = maxEntries
            self.maxUncompressedBytes = maxUncompressedBytes
            self.maxCompressionRatio = maxCompressionRatio
        }
    }

    private struct Sheet: Sendable {
        var name: String
        var path: String
    }

    private let archive: ZipArchive
    private let sheets: [Sheet]
    private let sharedStrings: [String]
    /// Per cell style index: nil for a non-date format, else whether it shows a time.
    private let dateStyles: [Bool?]
    private let date1904: Bool

    /// The names of the sheets in workbook order.
    public var sheetNames: [String] { sheets.map(\.name) }

    /// Opens a workbook from a file (memory-mapped, not read into memory).
    public init(contentsOf url: URL, limits: Limits = Limits()) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw DocumentError.notAnXLSX
        }
        try self.init(data: data, limits: limits)
    }

    /// Opens a workbook held in memory and reads its directory, workbook, styles and shared strings.
    public init(data: Data, limits: Limits = Limits()) throws {
        guard !data.isEmpty else { throw DocumentError.emptyFile }
        archive = try ZipArchive(data, limits: limits)

        let rootRels = try archive.relationships(of: "")
        let workbookPath =
            rootRels.first { $0.type.hasSuffix("/officeDocument") }.map { ZipArchive.resolve($0.target, from: "") }
            ?? "xl/workbook.xml"
        guard archive.has(workbookPath) else { throw DocumentError.missingPart("xl/workbook.xml") }
        let workbookRels = try archive.relationships(of: workbookPath)

        var sheets: [Sheet] = []
        var date1904 = false
        try archive.scan(workbookPath) { event in
            guard case .start(let name, let attributes, _) = event else { return }
            if name == "workbookPr", let value = attributes.first(where: { $0.name == "date1904" })?.value {
                date1904 = value == "1" || value == "true"
            } else if name == "sheet",
                let sheetName = attributes.first(where: { $0.name == "name" })?.value,
                let id = attributes.first(where: { $0.name == "id" })?.value,
                let rel = workbookRels.first(where: { $0.id == id })
            {
                sheets.append(Sheet(name: sheetName, path: ZipArchive.resolve(rel.target, from: workbookPath)))
            }
        }
        self.sheets = sheets
        self.date1904 = date1904

        if let stylesRel = workbookRels.first(where: { $0.type.hasSuffix("/styles") }) {
            dateStyles = try Self.readDateStyles(archive, ZipArchive.resolve(stylesRel.target, from: workbookPath))
        } else {
            dateStyles = []
        }
        if let stringsRel = workbookRels.first(where: { $0.type.hasSuffix("/sharedStrings") }) {
            sharedStrings = try Self.readSharedStrings(archive, ZipArchive.resolve(stringsRel.target, from: workbookPath))
        } else {
            sharedStrings = []
        }
    }

    /// All rows of a sheet (the first when `sheet` is nil) that have at least one non-empty cell.
    public func rows(sheet: String? = nil) throws -> [XLSXRow] {
        var rows: [XLSXRow] = []
        try forEachRow(sheet: sheet) { rows.append($0) }
        return rows
    }

    /// Hands each row that has at least one non-empty cell to `body`, in file order, while the
    /// sheet is being inflated and tokenized.
    public func forEachRow(sheet name: String? = nil, _ body: (XLSXRow) throws -> Void) throws {
        let sheet: Sheet
        if let name {
            guard let found = sheets.first(where: { $0.name == name }) else { throw DocumentError.sheetNotFound(name) }
            sheet = found
        } else {
            guard let first = sheets.first else { throw DocumentError.sheetNotFound(nil) }
            sheet = first
        }
        guard archive.has(sheet.path) else { throw DocumentError.missingPart(sheet.path) }

        var state = SheetState()
        try archive.scan(sheet.path) { event in
            switch event {
            case .start(let name, let attributes, _):
                switch name {
                case "row":
                    let number = attributes.first { $0.name == "r" }.flatMap { Int($0.value) } ?? state.nextRow
                    guard (1...1_048_576).contains(number) else {
                        throw DocumentError.malformed(sheet.path, "row number \(number) is out of range")
                    }
                    state.rowNumber = number
                    state.cells = []
                    state.nextColumn = 0
                case "c":
                    state.beginCell(attributes)
                    if let reference = attributes.first(where: { $0.name == "r" })?.value {
                        guard let column = Self.column(of: reference) else {
                            throw DocumentError.malformed(sheet.path, "cell reference \(reference) is invalid")
                        }
                        state.column = column
                    }
                case "v": state.capture = .value
                case "is": state.inInlineString = true
                case "t" where state.inInlineString && state.phoneticDepth == 0: state.capture = .inline
                case "rPh": state.phoneticDepth += 1
                default: break
                }
            case .end(let name):
                switch name {
                case "v", "t": state.capture = .none
                case "is": state.inInlineString = false
                case "rPh": state.phoneticDepth -= 1
                case "c":
                    let text = try cellText(state)
                    if !text.isEmpty, state.rowNumber != nil {
                        if state.column >= state.cells.count {
                            state.cells.append(contentsOf: repeatElement("", count: state.column - state.cells.count + 1))
                        }
                        state.cells[state.column] = text
                    }
                    state.nextColumn = state.column + 1
                case "row":
                    if let number = state.rowNumber {
                        state.nextRow = number + 1
                        state.rowNumber = nil
                        if !state.cells.isEmpty { try body(XLSXRow(number: number, cells: state.cells)) }
                    }
                default: break
                }
            case .text(let raw):
                guard state.capture != .none else { return }
                state.text += try XMLScanner.decode(raw)
            case .cdata(let raw):
                guard state.capture != .none else { return }
                state.text += String(decoding: raw, as: UTF8.self)
            }
        }
    }

    // MARK: - Cells

    private struct SheetState {
        enum Capture { case none, value, inline }
        /// The row being read (nil outside `<row>`) and its cells so far.
        var rowNumber: Int?
        var cells: [String] = []
        var nextRow = 1
        var nextColumn = 0
        var column = 0
        var type = "n"
        var style = 0
        var capture = Capture.none
        var inInlineString = false
        var phoneticDepth = 0
        var text = ""

        mutating func beginCell(_ attributes: [(name: String, value: String)]) {
            column = nextColumn
            type = "n"
            style = 0
            text = ""
            for attribute in attributes {
                if attribute.name == "t" { type = attribute.value }
                if attribute.name == "s" { style = Int(attribute.value) ?? 0 }
            }
        }
    }

    private func cellText(_ state: SheetState) throws -> String {
        let raw = state.text
        switch state.type {
        case "s":
            guard let index = Int(raw.trimmingCharacters(in: .whitespaces)) else { return "" }
            return index >= 0 && index < sharedStrings.count ? sharedStrings[index] : ""
        case "inlineStr":
            return Self.unescapeXString(raw)
        case "str", "e":
            return Self.unescapeXString(raw)
        case "b":
            return raw == "1" || raw == "true" ? "TRUE" : raw.isEmpty ? "" : "FALSE"
        case "d":
            return raw
        default:
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return "" }
            if state.style < dateStyles.count, let showsTime = dateStyles[state.style],
                let date = Self.isoDate(serial: trimmed, withTime: showsTime, date1904: date1904)
            {
                return date
            }
            return Self.canonicalNumber(trimmed) ?? trimmed
        }
    }

    /// The 0-based column of a cell reference such as `AB12`.
    static func column(of reference: String) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                column = column * 26 + Int(byte - UInt8(ascii: "a")) + 1
            case UInt8(ascii: "$"):
                continue
            default:
                guard letters > 0 else { return nil }
                return column <= 16_384 ? column - 1 : nil
            }
            letters += 1
            if letters > 3 { return nil }
        }
        guard letters > 0, column <= 16_384 else { return nil }
        return column - 1
    }

    /// A number as Excel shows it at most: rounded to 15 significant digits, trailing zeros and
    /// exponent removed, computed on the digits (no floating point on the way).
    static func canonicalNumber(_ text: String) -> String? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var point: Int?
        var exponent = 0
        var sawDigit = false
        while let byte = bytes.first {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits.append(byte - UInt8(ascii: "0"))
                sawDigit = true
            } else if byte == UInt8(ascii: "."), point == nil {
                point = digits.count
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                guard sawDigit, let value = Int(String(Substring(bytes.dropFirst()))), abs(value) <= 400 else { return nil }
                exponent = value
                bytes = bytes[bytes.endIndex...]
                break
            } else {
                return nil
            }
            bytes = bytes.dropFirst()
        }
        guard sawDigit, digits.count <= 800 else { return nil }
        // value = 0.d1d2d3… × 10^position
        var position = (point ?? digits.count) + exponent
        while let first = digits.first, first == 0 {
            digits.removeFirst()
            position -= 1
        }
        guard !digits.isEmpty else { return "0" }
        if digits.count > 15 {
            let roundUp = digits[15] >= 5
            digits.removeLast(digits.count - 15)
            if roundUp {
                var index = 14
                while index >= 0 {
                    if digits[index] == 9 {
                        digits[index] = 0
                        index -= 1
                    } else {
                        digits[index] += 1
                        break
                    }
                }
                if index < 0 {
                    digits.insert(1, at: 0)
                    digits.removeLast()
                    position += 1
                }
            }
        }
        while let last = digits.last, last == 0 { digits.removeLast() }
        let text = digits.map { Character(Unicode.Scalar($0 + UInt8(ascii: "0"))) }
        var out = negative ? "-" : ""
        if position <= 0 {
            out += "0." + String(repeating: "0", count: -position) + String(text)
        } else if position >= text.count {
            out += String(text) + String(repeating: "0", count: position - text.count)
        } else {
            out += String(text[..<position]) + "." + String(text[position...])
        }
        return out
    }

    /// A date serial as ISO text (`2026-11-29` or `2026-11-29T10:30:00`, `10:30:00` for a pure time).
    static func isoDate(serial: String, withTime: Bool, date1904: Bool) -> String? {
        guard let value = Double(serial), value.isFinite, value >= 0, value < 2_958_466 else { return nil }
        var days = Int(value.rounded(.down))
        var seconds = Int(((value - Double(days)) * 86_400).rounded())
        if seconds >= 86_400 {
            days += 1
            seconds -= 86_400
        }
        let time = CivilDate.pad(seconds / 3600, 2) + ":" + CivilDate.pad(seconds / 60 % 60, 2) + ":"
            + CivilDate.pad(seconds % 60, 2)
        if withTime && days == 0 && !date1904 { return time }
        let date: (year: Int, month: Int, day: Int)
        if date1904 {
            date = CivilDate.date(days: CivilDate.excel1904Epoch + days)
        } else if days == 60 {
            date = (1900, 2, 29)  // Excel's phantom leap day, kept so the text matches what Excel shows
        } else {
            date = CivilDate.date(days: CivilDate.excel1900Epoch + days + (days < 60 ? 1 : 0))
        }
        return withTime ? CivilDate.iso(date) + "T" + time : CivilDate.iso(date)
    }

    /// Undoes OOXML's `_xHHHH_` escapes (control characters, and `_x005F_` for a literal underscore).
    static func unescapeXString(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var units = Array(text.utf16)
        var out: [UInt16] = []
        out.reserveCapacity(units.count)
        var index = 0
        while index < units.count {
            if units[index] == 0x5F, index + 6 < units.count, units[index + 1] == 0x78, units[index + 6] == 0x5F,
                let value = UInt16(String(decoding: units[(index + 2)..<(index + 6)], as: UTF16.self), radix: 16)
            {
                out.append(value)
                index += 7
            } else {
                out.append(units[index])
                index += 1
            }
        }
        units = out
        return String(decoding: units, as: UTF16.self)
    }

    // MARK: - Parts

    private static func readSharedStrings(_ archive: ZipArchive, _ path: String) throws -> [String] {
        guard archive.has(path) else { return [] }
        var strings: [String] = []
        var current = ""
        var inItem = false
        var inText = false
        var phoneticDepth = 0
        try archive.scan(path) { event in
            switch event {
            case .start(let name, _, _):
                switch name {
                case "si":
                    inItem = true
                    current = ""
                case "t" where inItem && phoneticDepth == 0: inText = true
                case "rPh": phoneticDepth += 1
                default: break
                }
            case .end(let name):
                switch name {
                case "si":
                    strings.append(unescapeXString(current))
                    inItem = false
                case "t": inText = false
                case "rPh": phoneticDepth -= 1
                default: break
                }
            case .text(let raw):
                if inText { current += try XMLScanner.decode(raw) }
            case .cdata(let raw):
                if inText { current += String(decoding: raw, as: UTF8.self) }
            }
        }
        return strings
    }

    private static func readDateStyles(_ archive: ZipArchive, _ path: String) throws -> [Bool?] {
        guard archive.has(path) else { return [] }
        var customFormats: [Int: String] = [:]
        var xfFormats: [Int] = []
        var inCellXfs = false
        try archive.scan(path) { event in
            switch event {
            case .start(let name, let attributes, _):
                if name == "numFmt", let id = attributes.first(where: { $0.name == "numFmtId" }).flatMap({ Int($0.value) }) {
                    customFormats[id] = attributes.first { $0.name == "formatCode" }?.value ?? ""
                } else if name == "cellXfs" {
                    inCellXfs = true
                } else if name == "xf" && inCellXfs {
                    xfFormats.append(attributes.first { $0.name == "numFmtId" }.flatMap { Int($0.value) } ?? 0)
                }
            case .end(let name):
                if name == "cellXfs" { inCellXfs = false }
            default: break
            }
        }
        return xfFormats.map { id in
            if let code = customFormats[id] { return dateKind(ofFormat: code) }
            switch id {
            case 14...17, 27...31, 36, 50...54, 57, 58: return false
            case 18...22, 32...35, 45...47, 55, 56: return true
            default: return nil
            }
        }
    }

    /// Whether a number format code shows a date (nil: not a date), and if so whether a time too.
    static func dateKind(ofFormat code: String) -> Bool? {
        var plain = ""
        var iterator = code.makeIterator()
        var inQuote = false
        var inBracket = false
        while let character = iterator.next() {
            if inQuote {
                if character == "\"" { inQuote = false }
                continue
            }
            if inBracket {
                if character == "]" { inBracket = false }
                continue
            }
            switch character {
            case "\"": inQuote = true
            case "[": inBracket = true
            case "\\", "_", "*": _ = iterator.next()
            default: plain.append(character)
            }
        }
        // Only the first section (positive numbers) decides.
        let section = plain.split(separator: ";", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let lower = section.lowercased()
        guard lower != "general" else { return nil }
        let hasDate = lower.contains { "ydm".contains($0) }
        let hasTime = lower.contains { "hs".contains($0) }
        guard hasDate || hasTime else { return nil }
        return hasTime
    }
}

/// The ZIP directory of a workbook with the reader's safety checks applied, and XML scanning
/// of its parts.
private struct ZipArchive: Sendable {
    private let directory: ZipDirectory

    init(_ data: Data, limits: XLSXReader.Limits) throws {
        do {
            directory = try ZipDirectory(data, maxEntries: limits.maxEntries)
        } catch ZipDirectory.Failure.notZip {
            throw DocumentError.notAnXLSX
        } catch ZipDirectory.Failure.damaged(let detail) {
            throw DocumentError.malformed("(zip)", detail)
        }
        var total: UInt64 = 0
        for entry in directory.entries {
            guard Self.isSafe(entry.path) else { throw DocumentError.unsafePath(entry.path) }
            guard entry.flags & 1 == 0 else { throw DocumentError.malformed(entry.path, "it is encrypted") }
            total += entry.uncompressedSize
            guard total <= UInt64(limits.maxUncompressedBytes) else {
                throw DocumentError.tooLarge(limit: limits.maxUncompressedBytes)
            }
            if entry.uncompressedSize > 1_000_000,
                entry.uncompressedSize / max(entry.compressedSize, 1) > UInt64(limits.maxCompressionRatio)
            {
                throw DocumentError.suspiciousCompression(entry.path)
            }
        }
    }

    /// Relative paths only, no `..` segment, no backslashes, drive letters or NULs.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\u{0}") else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if let first = parts.first, first.count == 2, first.last == ":" { return false }
        return !parts.contains("..")
    }

    func has(_ path: String) -> Bool { directory.entry(path) != nil }

    /// Streams a part through the XML scanner.
    func scan(_ path: String, _ handle: (XMLScanner.Event) throws -> Void) throws {
        guard let entry = directory.entry(path) else { throw DocumentError.missingPart(path) }
        var scanner = XMLScanner()
        do {
            try directory.read(entry) { piece in try scanner.feed(piece, handle) }
            try scanner.finish(handle)
        } catch XMLScanner.Failure.doctype {
            throw DocumentError.doctype(path)
        } catch XMLScanner.Failure.malformed(let detail) {
            throw DocumentError.malformed(path, detail)
        } catch ZipDirectory.Failure.damaged(let detail) {
            throw DocumentError.malformed(path, detail)
        }
    }

    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    /// The relationships of a part (`""` for the package): `_rels/.rels`, `xl/_rels/workbook.xml.rels`.
    func relationships(of part: String) throws -> [Relationship] {
        let folder = part.split(separator: "/").dropLast().joined(separator: "/")
        let file = part.split(separator: "/").last.map(String.init) ?? ""
        let path = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        guard has(path) else { return [] }
        var result: [Relationship] = []
        try scan(path) { event in
            guard case .start("Relationship", let attributes, _) = event else { return }
            func value(_ name: String) -> String { attributes.first { $0.name == name }?.value ?? "" }
            guard value("TargetMode") != "External" else { return }
            result.append(Relationship(id: value("Id"), type: value("Type"), target: value("Target")))
        }
        return result
    }

    /// A relationship target as a path in the archive: absolute targets from the root, relative
    /// ones from the source part's folder, `.` and `..` resolved without leaving the root.
    static func resolve(_ target: String, from source: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : Array(source.split(separator: "/").dropLast())
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
