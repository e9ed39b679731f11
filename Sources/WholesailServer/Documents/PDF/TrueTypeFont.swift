import Foundation

/// A parsed TrueType font (glyf outlines): what PDF text needs to measure, embed and map
/// characters. Immutable and shared; parsing DejaVu Sans takes a few milliseconds and happens
/// once per process (`TrueTypeFont.dejaVuSans`).
final class TrueTypeFont: Sendable {
    struct Table: Sendable {
        var offset: Int
        var length: Int
    }

    let data: Data
    let tables: [String: Table]
    let postScriptName: String
    let unitsPerEm: Int
    /// head.xMin, yMin, xMax, yMax in font units.
    let boundingBox: (Int, Int, Int, Int)
    let ascent: Int
    let descent: Int
    let capHeight: Int
    let italicAngle: Double
    let weightClass: Int
    let numberOfGlyphs: Int
    let indexToLocFormat: Int
    /// hhea.numberOfHMetrics: glyphs from this one on share the last advance.
    let horizontalMetricsCount: Int
    private let advances: [UInt16]
    private let characterMap: [UInt32: UInt16]

    enum Failure: Error {
        case malformed(String)
    }

    init(data: Data, fallbackName: String) throws {
        self.data = data
        let reader = BigEndian(data)
        guard data.count >= 12 else { throw Failure.malformed("too short") }
        let version = try reader.u32(0)
        guard version == 0x0001_0000 || version == 0x7472_7565 else {
            throw Failure.malformed("not a TrueType font (CFF outlines or a collection)")
        }
        var tables: [String: Table] = [:]
        let count = try Int(reader.u16(4))
        for index in 0..<count {
            let record = 12 + 16 * index
            let tag = String(decoding: data[(data.startIndex + record)..<(data.startIndex + record + 4)], as: UTF8.self)
            let table = Table(offset: try Int(reader.u32(record + 8)), length: try Int(reader.u32(record + 12)))
            guard table.offset + table.length <= data.count else { throw Failure.malformed("table \(tag) out of range") }
            tables[tag] = table
        }
        for required in ["head", "hhea", "maxp", "hmtx", "loca", "glyf"] where tables[required] == nil {
            throw Failure.malformed("no \(required) table")
        }
        self.tables = tables

        let head = tables["head"]!.offset
        unitsPerEm = try Int(reader.u16(head + 18))
        boundingBox = (
            try Int(reader.i16(head + 36)), try Int(reader.i16(head + 38)), try Int(reader.i16(head + 40)),
            try Int(reader.i16(head + 42))
        )
        indexToLocFormat = try Int(reader.i16(head + 50))
        let hhea = tables["hhea"]!.offset
        ascent = try Int(reader.i16(hhea + 4))
        descent = try Int(reader.i16(hhea + 6))
        let metricsCount = try Int(reader.u16(hhea + 34))
        numberOfGlyphs = try Int(reader.u16(tables["maxp"]!.offset + 4))
        guard metricsCount >= 1, metricsCount <= numberOfGlyphs, unitsPerEm > 0 else {
            throw Failure.malformed("bad metrics header")
        }
        horizontalMetricsCount = metricsCount

        let hmtx = tables["hmtx"]!.offset
        var advances: [UInt16] = []
        advances.reserveCapacity(numberOfGlyphs)
        for glyph in 0..<metricsCount { advances.append(try reader.u16(hmtx + 4 * glyph)) }
        let lastAdvance = advances.last ?? 0
        while advances.count < numberOfGlyphs { advances.append(lastAdvance) }
        self.advances = advances

        if let post = tables["post"] {
            let fixed = try Int32(bitPattern: reader.u32(post.offset + 4))
            italicAngle = Double(fixed) / 65536
        } else {
            italicAngle = 0
        }
        if let os2 = tables["OS/2"], os2.length >= 6 {
            weightClass = try Int(reader.u16(os2.offset + 4))
        } else {
            weightClass = 400
        }
        // A subset (as this file's subsetter writes them) has no cmap: CIDs are its glyph ids.
        characterMap = try tables["cmap"].map { try Self.readCharacterMap(reader, table: $0) } ?? [:]
        postScriptName = (try? Self.readPostScriptName(reader, table: tables["name"])) ?? fallbackName

        // Cap height: OS/2 version 2 has it; older fonts (DejaVu) get it from the H glyph's top.
        var capHeight = ascent * 7 / 10
        if let os2 = tables["OS/2"], os2.length >= 90, try reader.u16(os2.offset) >= 2 {
            capHeight = try Int(reader.i16(os2.offset + 88))
        } else if let glyph = characterMap[0x48] {
            let range = try Self.glyphRange(reader, glyph: Int(glyph), tables: tables, format: indexToLocFormat)
            if range.count >= 10 { capHeight = try Int(reader.i16(range.lowerBound + 8)) }
        }
        self.capHeight = capHeight
    }

    /// The glyph for a character, 0 (.notdef) when the font has none.
    func glyph(for scalar: Unicode.Scalar) -> UInt16 { characterMap[scalar.value] ?? 0 }

    /// The advance width of a glyph in font units.
    func advance(of glyph: UInt16) -> Int { Int(glyph) < advances.count ? Int(advances[Int(glyph)]) : 0 }

    /// The advance of a glyph in PDF text space (1/1000 of the font size), rounded as the W array has it.
    func pdfAdvance(of glyph: UInt16) -> Int { (advance(of: glyph) * 1000 + unitsPerEm / 2) / unitsPerEm }

    /// The width of a line of text at a font size, in points, exactly as a PDF viewer will lay it out.
    func width(of text: String, size: Double) -> Double {
        var total = 0
        for scalar in text.unicodeScalars { total += pdfAdvance(of: glyph(for: scalar)) }
        return Double(total) * size / 1000
    }

    /// The byte range of a glyph's outline in the file (empty for glyphs without contours).
    func glyphRange(_ glyph: Int) throws -> Range<Int> {
        try Self.glyphRange(BigEndian(data), glyph: glyph, tables: tables, format: indexToLocFormat)
    }

    func table(_ tag: String) -> Data? {
        tables[tag].map { data.subdata(in: (data.startIndex + $0.offset)..<(data.startIndex + $0.offset + $0.length)) }
    }

    // MARK: - Tables

    private static func glyphRange(_ reader: BigEndian, glyph: Int, tables: [String: Table], format: Int) throws -> Range<Int> {
        let loca = tables["loca"]!
        let glyf = tables["glyf"]!
        let start: Int
        let end: Int
        if format == 0 {
            start = try Int(reader.u16(loca.offset + 2 * glyph)) * 2
            end = try Int(reader.u16(loca.offset + 2 * glyph + 2)) * 2
        } else {
            start = try Int(reader.u32(loca.offset + 4 * glyph))
            end = try Int(reader.u32(loca.offset + 4 * glyph + 4))
        }
        guard start <= end, end <= glyf.length else { throw Failure.malformed("glyph \(glyph) out of range") }
        return (glyf.offset + start)..<(glyf.offset + end)
    }

    /// Unicode → glyph from the best subtable: format 12 (full Unicode) over format 4 (BMP).
    private static func readCharacterMap(_ reader: BigEndian, table: Table) throws -> [UInt32: UInt16] {
        let base = table.offset
        let count = try Int(reader.u16(base + 2))
        var format4: Int?
        var format12: Int?
        for index in 0..<count {
            let platform = try reader.u16(base + 4 + 8 * index)
            let encoding = try reader.u16(base + 6 + 8 * index)
            let offset = try base + Int(reader.u32(base + 8 + 8 * index))
            let format = try reader.u16(offset)
            let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
            guard unicode else { continue }
            if format == 12 { format12 = offset }
            if format == 4 { format4 = offset }
        }
        var map: [UInt32: UInt16] = [:]
        if let offset = format12 {
            let groups = try Int(reader.u32(offset + 12))
            for group in 0..<groups {
                let record = offset + 16 + 12 * group
                let first = try reader.u32(record)
                let last = try reader.u32(record + 4)
                let startGlyph = try reader.u32(record + 8)
                guard first <= last, last <= 0x10FFFF else { continue }
                for code in first...last {
                    let glyph = startGlyph + (code - first)
                    if glyph <= 0xFFFF { map[code] = UInt16(glyph) }
                }
            }
        } else if let offset = format4 {
            let segments = try Int(reader.u16(offset + 6)) / 2
            let ends = offset + 14
            let starts = ends + 2 * segments + 2
            let deltas = starts + 2 * segments
            let rangeOffsets = deltas + 2 * segments
            for segment in 0..<segments {
                let end = try reader.u16(ends + 2 * segment)
                let start = try reader.u16(starts + 2 * segment)
                let delta = try reader.u16(deltas + 2 * segment)
                let rangeOffset = try Int(reader.u16(rangeOffsets + 2 * segment))
                guard start <= end, start != 0xFFFF else { continue }
                for code in start...end {
                    var glyph: UInt16
                    if rangeOffset == 0 {
                        glyph = code &+ delta
                    } else {
                        let address = rangeOffsets + 2 * segment + rangeOffset + 2 * Int(code - start)
                        glyph = try reader.u16(address)
                        if glyph != 0 { glyph = glyph &+ delta }
                    }
                    if glyph != 0 { map[UInt32(code)] = glyph }
                }
            }
        } else {
            throw Failure.malformed("no Unicode cmap")
        }
        return map
    }

    private static func readPostScriptName(_ reader: BigEndian, table: Table?) throws -> String? {
        guard let table else { return nil }
        let count = try Int(reader.u16(table.offset + 2))
        let strings = try table.offset + Int(reader.u16(table.offset + 4))
        for index in 0..<count {
            let record = table.offset + 6 + 12 * index
            let platform = try reader.u16(record)
            let nameID = try reader.u16(record + 6)
            guard nameID == 6 else { continue }
            let length = try Int(reader.u16(record + 8))
            let offset = try strings + Int(reader.u16(record + 10))
            let bytes = try reader.bytes(offset, length)
            let name: String
            if platform == 3 || platform == 0 {
                let units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
                name = String(decoding: units, as: UTF16.self)
            } else {
                name = String(decoding: bytes, as: UTF8.self)
            }
            let clean = name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            if !clean.isEmpty { return clean }
        }
        return nil
    }
}

/// Bounds-checked big-endian reads over font data.
struct BigEndian {
    let data: Data

    init(_ data: Data) { self.data = data }

    func u8(_ offset: Int) throws -> UInt8 {
        guard offset >= 0, offset < data.count else { throw TrueTypeFont.Failure.malformed("read past the end") }
        return data[data.startIndex + offset]
    }

    func u16(_ offset: Int) throws -> UInt16 {
        guard offset >= 0, offset + 2 <= data.count else { throw TrueTypeFont.Failure.malformed("read past the end") }
        return UInt16(data[data.startIndex + offset]) << 8 | UInt16(data[data.startIndex + offset + 1])
    }

    func i16(_ offset: Int) throws -> Int16 { Int16(bitPattern: try u16(offset)) }

    func u32(_ offset: Int) throws -> UInt32 { UInt32(try u16(offset)) << 16 | UInt32(try u16(offset + 2)) }

    func bytes(_ offset: Int, _ length: Int) throws -> [UInt8] {
        guard offset >= 0, length >= 0, offset + length <= data.count else {
            throw TrueTypeFont.Failure.malformed("read past the end")
        }
        return [UInt8](data[(data.startIndex + offset)..<(data.startIndex + offset + length)])
    }
}
