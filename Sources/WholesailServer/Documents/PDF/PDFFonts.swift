import Foundation
import WholesailResources

/// The two faces documents are set in: DejaVu Sans and DejaVu Sans Bold, embedded as subsets.
public enum PDFFontStyle: Sendable, Hashable, CaseIterable {
    case regular
    case bold

    var assetName: String {
        switch self {
        case .regular: "fonts/DejaVuSans.ttf"
        case .bold: "fonts/DejaVuSans-Bold.ttf"
        }
    }

    private static let regularFont = Result { try TrueTypeFont(data: load("fonts/DejaVuSans.ttf"), fallbackName: "DejaVuSans") }
    private static let boldFont = Result {
        try TrueTypeFont(data: load("fonts/DejaVuSans-Bold.ttf"), fallbackName: "DejaVuSans-Bold")
    }

    private static func load(_ name: String) throws -> Data {
        guard let data = Assets.data(name) else { throw DocumentError.fontUnavailable(name) }
        return data
    }

    /// The parsed font, loaded once per process from the embedded assets.
    func font() throws -> TrueTypeFont {
        do {
            return try (self == .bold ? Self.boldFont : Self.regularFont).get()
        } catch {
            throw DocumentError.fontUnavailable(assetName)
        }
    }

    /// The width of a single line of text in points, as it will be set.
    public func width(of text: String, size: Double) throws -> Double {
        try font().width(of: text, size: size)
    }
}

/// One font as used by one document: which glyphs were used (each gets the next CID, so the
/// subset can be renumbered without rewriting any content stream) and which text each stands for.
final class PDFEmbeddedFont {
    let style: PDFFontStyle
    let font: TrueTypeFont
    let resourceName: String
    /// Original glyph id by CID; CID 0 is .notdef.
    private(set) var glyphs: [UInt16] = [0]
    private var cids: [UInt16: UInt16] = [0: 0]
    /// The text a CID was first used for (for the ToUnicode map).
    private var text: [UInt16: String] = [:]

    init(style: PDFFontStyle, resourceName: String) throws {
        self.style = style
        self.font = try style.font()
        self.resourceName = resourceName
    }

    /// The hex string of CIDs (two bytes each) for a `Tj` operator.
    func encode(_ string: String) -> String {
        var hex = ""
        hex.reserveCapacity(string.unicodeScalars.count * 4)
        for scalar in string.unicodeScalars {
            let glyph = font.glyph(for: scalar)
            let cid: UInt16
            if let known = cids[glyph] {
                cid = known
            } else {
                cid = UInt16(glyphs.count)
                cids[glyph] = cid
                glyphs.append(glyph)
            }
            if cid != 0, text[cid] == nil { text[cid] = String(scalar) }
            hex += PDFSyntax.hex16(cid)
        }
        return hex
    }

    /// Adds the font's objects (Type0 font, CIDFontType2, descriptor, subset program, ToUnicode)
    /// and returns the Type0 font's object number.
    func write(into objects: inout PDFObjects) throws -> Int {
        let subset = try TrueTypeSubsetter.subset(font, glyphs: glyphs)
        let name = subsetTag() + "+" + font.postScriptName
        let scale = { (value: Int) in (value * 1000) / self.font.unitsPerEm }

        let program = try Zlib.compress(subset.font)
        let fontFile = objects.add(
            stream: program, dictionary: "/Length1 \(subset.font.count) /Filter /FlateDecode")
        let box = font.boundingBox
        let descriptor = objects.add(
            """
            << /Type /FontDescriptor /FontName /\(name) /Flags 32 \
            /FontBBox [\(scale(box.0)) \(scale(box.1)) \(scale(box.2)) \(scale(box.3))] \
            /ItalicAngle \(PDFSyntax.number(font.italicAngle)) /Ascent \(scale(font.ascent)) /Descent \(scale(font.descent)) \
            /CapHeight \(scale(font.capHeight)) /StemV \(font.weightClass >= 600 ? 120 : 80) /FontFile2 \(fontFile) 0 R >>
            """)
        // Widths of every CID in order (composite components, after the used glyphs, need none).
        let widths = glyphs.map { String(font.pdfAdvance(of: $0)) }.joined(separator: " ")
        let cidFont = objects.add(
            """
            << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) \
            /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
            /FontDescriptor \(descriptor) 0 R /DW 1000 /W [0 [\(widths)]] /CIDToGIDMap /Identity >>
            """)
        let toUnicode = objects.add(stream: try Zlib.compress(Data(toUnicodeCMap().utf8)), dictionary: "/Filter /FlateDecode")
        return objects.add(
            """
            << /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H \
            /DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>
            """)
    }

    /// The CMap that lets text extraction (copy, search, pdftotext) turn CIDs back into text.
    func toUnicodeCMap() -> String {
        var cmap = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        let entries = text.sorted { $0.key < $1.key }
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + 100, entries.count)]
            cmap += "\(chunk.count) beginbfchar\n"
            for (cid, string) in chunk {
                cmap += "<\(PDFSyntax.hex16(cid))> <\(string.utf16.map { PDFSyntax.hex16($0) }.joined())>\n"
            }
            cmap += "endbfchar\n"
            start += 100
        }
        cmap += """
            endcmap
            CMapName currentdict /CMap defineresource pop
            end
            end
            """
        return cmap
    }

    /// Six capital letters naming this subset (the PDF convention `ABCDEF+Name`), derived from
    /// the glyph set so the same document comes out the same.
    private func subsetTag() -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for glyph in glyphs {
            hash = (hash ^ UInt64(glyph)) &* 0x100_0000_01B3
        }
        var tag = ""
        for _ in 0..<6 {
            tag.append(Character(Unicode.Scalar(UInt8(65 + hash % 26))))
            hash /= 26
        }
        return tag
    }
}
