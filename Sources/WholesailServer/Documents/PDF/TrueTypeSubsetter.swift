import Foundation

/// Cuts a TrueType font down to the glyphs a document uses, renumbered from 0.
///
/// The PDF refers to glyphs by their new numbers (CID = glyph id, `/CIDToGIDMap /Identity`),
/// so the subset needs no `cmap`: it keeps `glyf`/`loca` (long offsets), `hmtx` (one full
/// metric per glyph), `hhea`, `maxp` and `head` rewritten to match, the hinting tables
/// (`cvt `, `fpgm`, `prep`: they do not mention glyph ids) and `OS/2`, plus a format 3 `post`.
/// Composite glyphs pull in their components, which get numbers after the requested glyphs,
/// and their component references are rewritten to the new numbers.
enum TrueTypeSubsetter {
    struct Result {
        var font: Data
        /// Original glyph ids by new id: the requested ones first, then composite components.
        var glyphs: [UInt16]
    }

    /// - Parameter glyphs: original glyph ids in the order of their new ids; must start with 0 (.notdef).
    static func subset(_ font: TrueTypeFont, glyphs requested: [UInt16]) throws -> Result {
        precondition(requested.first == 0, "glyph 0 (.notdef) must stay glyph 0")
        let reader = BigEndian(font.data)
        var order = requested
        var newID: [UInt16: UInt16] = [:]
        for (index, glyph) in order.enumerated() { newID[glyph] = UInt16(index) }

        // Close over composite components (they can nest, hence the growing worklist).
        var index = 0
        while index < order.count {
            for component in try components(of: order[index], in: font, reader: reader) where newID[component.glyph] == nil {
                guard order.count < 0xFFFF else { throw TrueTypeFont.Failure.malformed("too many glyphs") }
                newID[component.glyph] = UInt16(order.count)
                order.append(component.glyph)
            }
            index += 1
        }

        var glyf = Data()
        var loca = Data()
        var hmtx = Data()
        for glyph in order {
            loca.appendUInt32(UInt32(glyf.count))
            let range = try font.glyphRange(Int(glyph))
            var outline = font.data.subdata(in: (font.data.startIndex + range.lowerBound)..<(font.data.startIndex + range.upperBound))
            for component in try components(of: glyph, in: font, reader: reader) {
                let position = component.offset - range.lowerBound
                let renumbered = newID[component.glyph]!
                outline[outline.startIndex + position] = UInt8(renumbered >> 8)
                outline[outline.startIndex + position + 1] = UInt8(renumbered & 0xFF)
            }
            glyf.append(outline)
            while glyf.count % 4 != 0 { glyf.append(0) }
            hmtx.appendUInt16(UInt16(font.advance(of: glyph)))
            hmtx.appendUInt16(try leftSideBearing(of: glyph, in: font, reader: reader))
        }
        loca.appendUInt32(UInt32(glyf.count))

        let count = UInt16(order.count)
        var head = try required(font, "head")
        head.setUInt32(0, at: 8)  // checkSumAdjustment, set last
        head.setUInt16(1, at: 50)  // long loca offsets
        var hhea = try required(font, "hhea")
        hhea.setUInt16(count, at: 34)
        var maxp = try required(font, "maxp")
        maxp.setUInt16(count, at: 4)

        var post = Data()
        post.appendUInt32(0x0003_0000)
        if let original = font.table("post"), original.count >= 16 {
            post.append(original.subdata(in: (original.startIndex + 4)..<(original.startIndex + 16)))
        } else {
            post.append(Data(count: 12))
        }
        post.append(Data(count: 16))

        var tables: [(String, Data)] = [
            ("glyf", glyf), ("head", head), ("hhea", hhea), ("hmtx", hmtx), ("loca", loca), ("maxp", maxp), ("post", post),
        ]
        for tag in ["OS/2", "cvt ", "fpgm", "prep"] {
            if let table = font.table(tag) { tables.append((tag, table)) }
        }
        return Result(font: assemble(tables), glyphs: order)
    }

    // MARK: - Pieces

    private struct Component {
        /// Where the component's glyph index sits in the font file.
        var offset: Int
        var glyph: UInt16
    }

    /// The components of a composite glyph (none for a simple or empty one).
    private static func components(of glyph: UInt16, in font: TrueTypeFont, reader: BigEndian) throws -> [Component] {
        let range = try font.glyphRange(Int(glyph))
        guard range.count >= 10, try reader.i16(range.lowerBound) < 0 else { return [] }
        var result: [Component] = []
        var offset = range.lowerBound + 10
        while true {
            guard offset + 4 <= range.upperBound else { throw TrueTypeFont.Failure.malformed("composite glyph \(glyph) cut short") }
            let flags = try reader.u16(offset)
            result.append(Component(offset: offset + 2, glyph: try reader.u16(offset + 2)))
            offset += 4 + (flags & 0x0001 != 0 ? 4 : 2)
            if flags & 0x0008 != 0 {
                offset += 2
            } else if flags & 0x0040 != 0 {
                offset += 4
            } else if flags & 0x0080 != 0 {
                offset += 8
            }
            if flags & 0x0020 == 0 { break }
        }
        return result
    }

    private static func leftSideBearing(of glyph: UInt16, in font: TrueTypeFont, reader: BigEndian) throws -> UInt16 {
        let hmtx = font.tables["hmtx"]!.offset
        let metrics = font.horizontalMetricsCount
        if Int(glyph) < metrics { return try reader.u16(hmtx + 4 * Int(glyph) + 2) }
        return try reader.u16(hmtx + 4 * metrics + 2 * (Int(glyph) - metrics))
    }

    private static func required(_ font: TrueTypeFont, _ tag: String) throws -> Data {
        guard let table = font.table(tag) else { throw TrueTypeFont.Failure.malformed("no \(tag) table") }
        return Data(table)
    }

    /// An sfnt file: the table directory (sorted by tag), the tables padded to 4 bytes, checksums,
    /// and head.checkSumAdjustment making the whole file sum to 0xB1B0AFBA.
    private static func assemble(_ unsorted: [(String, Data)]) -> Data {
        let tables = unsorted.sorted { $0.0 < $1.0 }
        var out = Data()
        let count = UInt16(tables.count)
        var power = 1
        var log2 = 0
        while power * 2 <= Int(count) {
            power *= 2
            log2 += 1
        }
        out.appendUInt32(0x0001_0000)
        out.appendUInt16(count)
        out.appendUInt16(UInt16(power * 16))
        out.appendUInt16(UInt16(log2))
        out.appendUInt16(count * 16 - UInt16(power * 16))
        var offset = 12 + 16 * tables.count
        var headOffset = 0
        for (tag, table) in tables {
            out.append(contentsOf: Array(tag.utf8))
            out.appendUInt32(checksum(table))
            out.appendUInt32(UInt32(offset))
            out.appendUInt32(UInt32(table.count))
            if tag == "head" { headOffset = offset }
            offset += (table.count + 3) / 4 * 4
        }
        for (_, table) in tables {
            out.append(table)
            while out.count % 4 != 0 { out.append(0) }
        }
        out.setUInt32(0xB1B0_AFBA &- checksum(out), at: headOffset + 8)
        return out
    }

    static func checksum(_ data: Data) -> UInt32 {
        var sum: UInt32 = 0
        var word: UInt32 = 0
        var index = 0
        for byte in data {
            word = word << 8 | UInt32(byte)
            index += 1
            if index % 4 == 0 {
                sum &+= word
                word = 0
            }
        }
        if index % 4 != 0 { sum &+= word << (8 * UInt32(4 - index % 4)) }
        return sum
    }
}

extension Data {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        appendUInt16(UInt16(value >> 16))
        appendUInt16(UInt16(value & 0xFFFF))
    }

    mutating func setUInt16(_ value: UInt16, at offset: Int) {
        self[startIndex + offset] = UInt8(value >> 8)
        self[startIndex + offset + 1] = UInt8(value & 0xFF)
    }

    mutating func setUInt32(_ value: UInt32, at offset: Int) {
        setUInt16(UInt16(value >> 16), at: offset)
        setUInt16(UInt16(value & 0xFFFF), at: offset + 2)
    }
}
