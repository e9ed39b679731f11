import Foundation
import Testing
import WholesailCore

@testable import WholesailServer

/// Checks that need no external program: structure, fonts, measuring, images.
@Suite struct PDFWriterTests {
    @Test("the demo invoice is one well-formed PDF under 100 KB")
    func invoiceShape() throws {
        let data = try DemoInvoice.pdf()
        let text = String(decoding: data, as: UTF8.self)
        #expect(data.count < 100_000, "invoice is \(data.count) bytes")
        #expect(text.hasPrefix("%PDF-1.7"))
        #expect(text.hasSuffix("%%EOF\n"))
        #expect(text.components(separatedBy: "/Type /Page ").count - 1 == 1)
        #expect(text.contains("/Subtype /CIDFontType2") && text.contains("/Encoding /Identity-H") && text.contains("/ToUnicode"))
    }

    @Test("the same document comes out byte for byte the same")
    func deterministic() throws {
        #expect(try DemoInvoice.pdf() == DemoInvoice.pdf())
    }

    @Test("DejaVu loads from the embedded assets and measures with its advance widths")
    func fonts() throws {
        let regular = try PDFFontStyle.regular.font()
        let bold = try PDFFontStyle.bold.font()
        #expect(regular.postScriptName == "DejaVuSans")
        #expect(bold.postScriptName == "DejaVuSans-Bold")
        #expect(regular.unitsPerEm == 2048)
        // DejaVu Sans: space 651/2048 → 318, Cyrillic Ж 1370/2048 → 669 (in 1/1000 em).
        #expect(regular.pdfAdvance(of: regular.glyph(for: " ")) == 318)
        #expect(regular.glyph(for: "Ж") != 0)
        #expect(try PDFFontStyle.regular.width(of: "ЖЖ", size: 10) == Double(2 * regular.pdfAdvance(of: regular.glyph(for: "Ж"))) / 100)
        #expect(try PDFFontStyle.bold.width(of: "Счёт", size: 12) > PDFFontStyle.regular.width(of: "Счёт", size: 12))
    }

    @Test("a subset keeps the used glyphs, composite components and a valid checksum")
    func subset() throws {
        let font = try PDFFontStyle.regular.font()
        // Ё and й are composites in DejaVu (base letter + accent).
        let glyphs: [UInt16] = [0] + "Ёй A".unicodeScalars.map { font.glyph(for: $0) }
        let result = try TrueTypeSubsetter.subset(font, glyphs: glyphs)
        #expect(Array(result.glyphs.prefix(glyphs.count)) == glyphs)
        #expect(result.glyphs.count > glyphs.count, "components added")
        #expect(TrueTypeSubsetter.checksum(result.font) == 0xB1B0_AFBA)
        let reparsed = try TrueTypeFont(data: result.font, fallbackName: "x")
        #expect(reparsed.numberOfGlyphs == result.glyphs.count)
        #expect(result.font.count < 20_000)
        for (newID, oldID) in result.glyphs.enumerated() {
            #expect(reparsed.advance(of: UInt16(newID)) == font.advance(of: oldID))
            #expect(try reparsed.glyphRange(newID).count == font.glyphRange(Int(oldID)).count)
        }
    }

    @Test("text wraps at spaces, keeps no-break spaces, and breaks an overlong word", arguments: [60.0, 120.0, 300.0])
    func wrapping(width: Double) throws {
        let text = "Саморез по металлу 4,2×19 со сверлом, сумма 12\u{00A0}345,67 руб. Сверхдлиннословобезпробелов"
        let lines = try TextLayout.wrap(text, width: width, size: 10, style: .regular)
        for line in lines { #expect(try PDFFontStyle.regular.width(of: line, size: 10) <= width) }
        #expect(lines.joined(separator: " ").filter { $0 != " " } == text.filter { $0 != " " })
        #expect(lines.contains { $0.contains("12\u{00A0}345,67") } || width < 70)
    }

    @Test("Russian money formatting")
    func money() {
        #expect(DemoInvoice.format(Money(minorUnits: 1_234_567_89, currency: "RUB")) == "1\u{00A0}234\u{00A0}567,89")
        #expect(DemoInvoice.format(Money(minorUnits: 5, currency: "RUB")) == "0,05")
        #expect(DemoInvoice.format(Money(minorUnits: -100_000, currency: "RUB")) == "-1\u{00A0}000,00")
    }

    @Test("zlib streams round-trip and match zlib's format")
    func zlib() throws {
        let text = Data(String(repeating: "Счёт на оплату ", count: 500).utf8)
        let compressed = try Zlib.compress(text)
        #expect(compressed.prefix(2) == Data([0x78, 0x9C]))
        #expect(compressed.count < text.count / 10)
        #expect(try Zlib.inflate(compressed, limit: text.count) == text)
        #expect(throws: Zlib.InflateError.tooLarge) { try Zlib.inflate(compressed, limit: 100) }
        #expect(throws: Zlib.InflateError.self) { try Zlib.inflate(compressed.prefix(compressed.count / 2), limit: 1_000_000) }
        #expect(Zlib.adler32(Data("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test("PNG decoding undoes every row filter", arguments: [0, 2, 3, 4, 6] as [UInt8])
    func png(colorType: UInt8) throws {
        let image = TestImages.quadrants(colorType: colorType)
        let decoded = try PNG.decode(image)
        #expect(decoded.width == 8 && decoded.height == 8)
        let pixel = TestImages.expectedPixels(colorType: colorType)
        #expect([UInt8](decoded.color) == pixel.color)
        #expect(decoded.alpha.map { [UInt8]($0) } == pixel.alpha)
    }

    @Test("broken and unsupported images are refused with their codes")
    func badImages() throws {
        #expect(throws: DocumentError.self) { try PDFImage(data: Data("GIF89a".utf8)) }
        var interlaced = TestImages.quadrants(colorType: 2)
        interlaced[8 + 8 + 12] = 1  // IHDR interlace byte
        do {
            _ = try PDFImage(png: interlaced)
            Issue.record("interlaced PNG accepted")
        } catch let error as DocumentError {
            #expect(error.code == "pdf.image_unsupported")
        }
        do {
            _ = try PDFImage(png: TestImages.quadrants(colorType: 6).prefix(60))
            Issue.record("truncated PNG accepted")
        } catch let error as DocumentError {
            #expect(error.code == "pdf.image_malformed")
        }
        do {
            _ = try PDFImage(jpeg: Data([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]))
            Issue.record("JPEG without a frame accepted")
        } catch let error as DocumentError {
            #expect(error.code == "pdf.image_malformed")
        }
    }

    @Test("a JPEG passes through with its size and colour space")
    func jpeg() throws {
        let image = try PDFImage(data: try TestImages.jpeg())
        #expect(image.width == 120 && image.height == 60)
    }
}

/// The PDFs checked by poppler (pdftotext, pdfinfo, pdfimages, pdftoppm) and qpdf.
@Suite struct PDFPopplerTests {
    static func write(_ data: Data, _ scratch: ScratchDirectory, _ name: String = "doc.pdf") throws -> String {
        let url = scratch.file(name)
        try data.write(to: url)
        return url.path
    }

    static func text(_ path: String, page: Int? = nil) throws -> String {
        var arguments = ["-enc", "UTF-8"]
        if let page { arguments += ["-f", String(page), "-l", String(page)] }
        let result = try ExternalTool.run("pdftotext", arguments + [path, "-"])
        #expect(result.status == 0 && result.stderr.isEmpty, "pdftotext: \(result.stderr)")
        return result.stdout
    }

    static func info(_ path: String) throws -> [String: String] {
        let result = try ExternalTool.run("pdfinfo", ["-enc", "UTF-8", path])
        #expect(result.status == 0 && result.stderr.isEmpty, "pdfinfo: \(result.stderr)")
        var fields: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    @Test(
        "pdftotext extracts the invoice's Cyrillic exactly; pdfinfo sees one page and the title",
        .enabled(if: ExternalTool.shouldRun("pdftotext"), "pdftotext (poppler-utils) is not installed"))
    func invoiceText() throws {
        // Given
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try Self.write(try DemoInvoice.pdf(), scratch)

        // When
        let text = try Self.text(path)
        let info = try Self.info(path)

        // Then
        let lines = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for expected in [
            "Счёт на оплату № 17 от 29 ноября 2026 г.", "Болт М8×40 DIN 933 оцинкованный", "Всего к оплате:", "В том числе НДС (20%):",
            "Договор поставки № 12/2026 от 10 января 2026 г.", "Страница 1 из 1", "Лента сигнальная «Осторожно» 75 мм × 200 м",
            "Итого:", "ПАО «Сбербанк», г. Москва", "Петрова А. С.",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        // pdftotext turns the no-break spaces that group digits into plain spaces.
        let total = DemoInvoice.format(DemoInvoice.total).replacingOccurrences(of: "\u{00A0}", with: " ")
        #expect(total == "26 148,00")
        #expect(lines.contains(total))
        #expect(lines.contains(DemoInvoice.format(DemoInvoice.vat).replacingOccurrences(of: "\u{00A0}", with: " ")))
        for fragment in [
            "Всего наименований 10, на сумму 26 148,00 руб.", "ООО «СтройМонтаж», ИНН 7812345678", "Сверло по металлу HSS-G 8,0 мм, ёлочка",
            "Перчатки х/б с ПВХ-покрытием, 10 класс",
        ] {
            #expect(text.contains(fragment), "missing text: \(fragment)")
        }
        #expect(info["Pages"] == "1")
        #expect(info["Title"] == DemoInvoice.title)
        #expect(info["Page size"]?.hasPrefix("595.28 x 841.89") == true)
    }

    @Test(
        "a table running onto page 2 repeats its header there",
        .enabled(if: ExternalTool.shouldRun("pdftotext"), "pdftotext (poppler-utils) is not installed"))
    func repeatedHeader() throws {
        // Given a 120-line table
        var document = PDFDocumentBuilder(title: "Прайс-лист")
        document.add(.heading("Прайс-лист на 29 ноября 2026 г."))
        var table = PDFTable(columns: [
            PDFTable.Column("Артикул", width: .fixed(70)), PDFTable.Column("Наименование товара"),
            PDFTable.Column("Цена, руб.", width: .fixed(80), alignment: .right),
        ])
        for index in 1...120 {
            table.addRow(["А-\(1000 + index)", "Позиция каталога номер \(index)", "\(index * 10),00"])
        }
        document.add(.table(table))
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try Self.write(try document.render(), scratch)

        // When
        let info = try Self.info(path)
        let second = try Self.text(path, page: 2)

        // Then
        let pages = try #require(Int(info["Pages"] ?? ""))
        #expect(pages >= 3)
        let lines = second.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(lines.prefix(3).contains("Наименование товара"), "page 2 starts: \(lines.prefix(5))")
        #expect(lines.contains("Цена, руб."))
        #expect(!second.contains("Прайс-лист на 29 ноября"))
        let first = try Self.text(path, page: 1)
        #expect(first.contains("Позиция каталога номер 1\n") && !second.contains("Позиция каталога номер 1\n"))
    }

    @Test(
        "a PNG with alpha and a JPEG embed; pdfimages lists them and pdftoppm renders the right pixels",
        .enabled(if: ExternalTool.shouldRun("pdfimages"), "pdfimages (poppler-utils) is not installed"))
    func images() throws {
        // Given a page with an RGBA PNG (four coloured quadrants, one transparent) and a JPEG
        let writer = PDFWriter(title: "Images")
        let page = writer.addPage()
        page.image(try PDFImage(png: TestImages.quadrants(colorType: 6)), in: PDFRect(x: 100, y: 100, width: 200, height: 200))
        page.image(try PDFImage(jpeg: TestImages.jpeg()), in: PDFRect(x: 100, y: 400, width: 240, height: 120))
        try page.text("Логотип и фото", at: PDFPoint(x: 100, y: 60), size: 14)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try Self.write(try writer.data(), scratch)

        // When
        let list = try ExternalTool.run("pdfimages", ["-list", path])
        let render = try ExternalTool.run("pdftoppm", ["-png", "-r", "72", "-singlefile", path, scratch.file("page").path])

        // Then
        #expect(list.status == 0 && list.stderr.isEmpty, "\(list.stderr)")
        let rows = list.stdout.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ") }
        #expect(rows.count == 3, "\(list.stdout)")
        #expect(rows.contains { $0[2] == "image" && $0[3] == "8" && $0[4] == "8" && $0[5] == "rgb" })
        #expect(rows.contains { $0[2] == "smask" && $0[3] == "8" && $0[4] == "8" && $0[5] == "gray" })
        #expect(rows.contains { $0[2] == "image" && $0[3] == "120" && $0[4] == "60" && $0[8] == "jpeg" })
        #expect(render.status == 0 && render.stderr.isEmpty, "\(render.stderr)")

        let rendered = try PNG.decode(try Data(contentsOf: scratch.file("page.png")))
        func pixel(_ x: Int, _ y: Int) -> [UInt8] {
            let channels = rendered.colorSpace == "/DeviceRGB" ? 3 : 1
            let offset = (y * rendered.width + x) * channels
            return Array(rendered.color[offset..<(offset + channels)])
        }
        #expect(pixel(150, 150) == [255, 0, 0])  // red, top left
        #expect(pixel(250, 150) == [0, 255, 0])  // green, top right
        #expect(pixel(150, 250) == [0, 0, 255])  // blue, bottom left
        #expect(pixel(250, 250) == [255, 255, 255])  // transparent: the white page shows through
    }

    @Test(
        "qpdf finds no structural errors in the invoice or a multi-page document",
        .enabled(if: ExternalTool.shouldRun("qpdf"), "qpdf is not installed"))
    func qpdf() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var document = DemoInvoice.document(logo: try PDFImage(png: TestImages.quadrants(colorType: 3)))
        document.add(.pageBreak)
        document.add(.paragraph(String(repeating: "Длинный текст для второй страницы. ", count: 400)))
        for (name, data) in [("invoice.pdf", try DemoInvoice.pdf()), ("long.pdf", try document.render())] {
            let result = try ExternalTool.run("qpdf", ["--check", try Self.write(data, scratch, name)])
            #expect(result.status == 0, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("No syntax or stream encoding errors found"), "\(name): \(result.stdout)")
        }
    }
}

/// Images made in code, so the tests need no binary fixtures beyond one small JPEG.
enum TestImages {
    /// An 8×8 PNG in four quadrants: red, green / blue, transparent (or white where there is no
    /// alpha). Rows cycle through all five filter types.
    static func quadrants(colorType: UInt8) -> Data {
        let pixels = expectedPixels(colorType: colorType)
        let channels: Int =
            switch colorType {
            case 0, 3: 1
            case 4: 2
            case 6: 4
            default: 3
            }
        // Interleave colour and alpha back into PNG pixels.
        var rows: [[UInt8]] = []
        for y in 0..<8 {
            var row: [UInt8] = []
            for x in 0..<8 {
                let index = y * 8 + x
                switch colorType {
                case 4: row += [pixels.color[index], pixels.alpha![index]]
                case 6: row += pixels.color[(index * 3)..<(index * 3 + 3)] + [pixels.alpha![index]]
                case 2: row += pixels.color[(index * 3)..<(index * 3 + 3)]
                default: row.append(pixels.color[index])
                }
            }
            rows.append(row)
        }
        var raw = Data()
        for (y, row) in rows.enumerated() {
            let filter = UInt8(y % 5)
            raw.append(filter)
            for (i, value) in row.enumerated() {
                let a = i >= channels ? row[i - channels] : 0
                let b = y > 0 ? rows[y - 1][i] : 0
                let c = y > 0 && i >= channels ? rows[y - 1][i - channels] : 0
                let predictor: UInt8
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = UInt8((Int(a) + Int(b)) / 2)
                case 4:
                    let p = Int(a) + Int(b) - Int(c)
                    let (pa, pb, pc) = (abs(p - Int(a)), abs(p - Int(b)), abs(p - Int(c)))
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: predictor = 0
                }
                raw.append(value &- predictor)
            }
        }
        var png = Data(PNG.signature)
        func chunk(_ type: String, _ body: [UInt8]) {
            var length = Data()
            length.appendUInt32(UInt32(body.count))
            png.append(length)
            let typed = Data(type.utf8) + Data(body)
            png.append(typed)
            var crc = Data()
            crc.appendUInt32(UInt32(truncatingIfNeeded: typed.crc32Checksum))
            png.append(crc)
        }
        chunk("IHDR", [0, 0, 0, 8, 0, 0, 0, 8, 8, colorType, 0, 0, 0])
        if colorType == 3 {
            chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
            chunk("tRNS", [255, 255, 255, 0])
        }
        chunk("IDAT", [UInt8]((try? Zlib.compress(raw)) ?? Data()))
        chunk("IEND", [])
        return png
    }

    /// The colour samples and alpha the decoder should produce for `quadrants(colorType:)`.
    static func expectedPixels(colorType: UInt8) -> (color: [UInt8], alpha: [UInt8]?) {
        var color: [UInt8] = []
        var alpha: [UInt8] = []
        for y in 0..<8 {
            for x in 0..<8 {
                let quadrant = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1)
                let rgb: [UInt8] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]][quadrant]
                switch colorType {
                case 0, 4: color.append([76, 150, 29, 255][quadrant])
                case 3: color.append(UInt8(quadrant))
                default: color += rgb
                }
                alpha.append(quadrant == 3 ? 0 : 255)
            }
        }
        return (color, colorType == 4 || colorType == 6 || colorType == 3 ? alpha : nil)
    }

    /// A 120×60 baseline JPEG (two colour fields and a white bar), made once with
    /// `pdftoppm -jpeg` and kept inline: a binary file in the test target would need a
    /// resources declaration in Package.swift.
    static func jpeg() throws -> Data {
        let base64 = """
            /9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAx
            NDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy
            MjIyMjIyMjL/wAARCAA8AHgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF
            BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW
            V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi
            4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC
            AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm
            Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq
            8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDXooor8zP0IKKKKACiiigArnfFP/Lp/wAD/wDZa6Kud8U/8un/AAP/ANlr6LhP/kcUf+3v
            /SZHg8Tf8iur/wBu/wDpSOdooor9mPycKKKKACiiigAooooA9Eooor+dz92NrQNA/tz7R/pPkeTt/wCWe7Oc+49K2v8AhAP+on/5
            A/8AsqPAH/MR/wC2f/s1dpX1eW5bha2FjUqRu3fq+78z5rMMwxNHEyhCVkrdF2XkcX/wgH/UT/8AIH/2VH/CAf8AUT/8gf8A2Vdp
            RXd/Y+C/k/F/5nF/auL/AJ/wX+Rxf/CAf9RP/wAgf/ZVnar8LP7T8r/ic+X5ef8Al1znOP8Ab9q9ForpwmCoYSsq9CNpLZ3b3Vut
            1szDE4ytiqTo1pXi91otnfoeU/8ACl/+o/8A+Sf/ANnR/wAKX/6j/wD5J/8A2derUV7P9p4r+f8ABf5Hk/2dhv5fxf8AmeU/8KX/
            AOo//wCSf/2dH/Cl/wDqP/8Akn/9nXq1FH9p4r+f8F/kH9nYb+X8X/mfP3jTwX/wiH2H/iYfa/tXmf8ALHy9u3b/ALRznd+lcpXq
            3xo/5gn/AG3/APadeU19FgKs6uHjObu3f82eDjacadeUIKyVvyCiiius5j0Siiiv53P3Y7TwB/zEf+2f/s1dpXi9Fe7g86+rUI0u
            S9r63879jxsXlP1is6vPa/l5W7ntFFeL0V0/6xf9Ovx/4Bz/ANg/9PPw/wCCe0UV4vXO+Kf+XT/gf/stejlOZ/2hjIYXl5ea+t77
            Jvay7dzgzPL/AKjhZYnm5uW2lrbtLe77n0VRXynRX2f9if8ATz8P+CfJ/wBsf3Px/wCAfVlFfKdFH9if9PPw/wCCH9sf3Px/4B6t
            8aP+YJ/23/8AadeU0UV6+FoewpKne9v8zy8RW9tVdS1rhRRRW5ieiUUUV/O5+7BRRRQAUUUUAFc74p/5dP8Agf8A7LXRVzvin/l0
            /wCB/wDstfRcJ/8AI4o/9vf+kyPB4m/5FdX/ALd/9KRztFFFfsx+ThRRRQAUUUUAFFFFAH//2Q==
            """
        return try #require(Data(base64Encoded: base64, options: .ignoreUnknownCharacters))
    }
}

extension Data {
    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fileprivate var crc32Checksum: UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in self {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
