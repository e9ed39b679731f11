import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport
import ZIPFoundation

@testable import WholesailServer

@Suite("Price lists: chosen categories, the buyer's prices and regional stock, XLSX and PDF")
struct PriceListTests {
    /// The shop with proper category paths (Электрика › Кабель, Свет), stock in the Urals for the
    /// lamp, a product whose name looks like a formula, and an inactive category with a product.
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE category SET path = '/1/', depth = 0 WHERE id = 1;
                    UPDATE category SET path = '/1/2/', depth = 1, sortOrder = 1 WHERE id = 2;
                    UPDATE category SET path = '/1/3/', depth = 1, sortOrder = 2 WHERE id = 3;
                    INSERT INTO category (id, parentId, name, path, depth) VALUES (4, NULL, 'Инструмент', '/4/', 0);
                    INSERT INTO product (id, sku, name, baseUnitId, active) VALUES (5, 'EVIL-5', '=HYPERLINK("http://evil.example","Скидка")', 1, 1),
                        (6, 'DRILL-6', 'Дрель ударная', 1, 1);
                    INSERT INTO productCategory (productId, categoryId) VALUES (5, 2), (6, 4);
                    INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES (1, 5, 1, 100), (2, 5, 1, 99), (1, 6, 1, 500000), (2, 6, 1, 450000);
                    INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (2, 3, 7000);
                    UPDATE warehouse SET deliveryDays = 3 WHERE id = 3;
                    UPDATE stock SET reservedMilli = 5000 WHERE productId = 1 AND warehouseId = 1;
                    """)
        }
    }

    static func rows(_ data: Data) throws -> [[String]] {
        try XLSXReader(data: data).rows().map(\.cells)
    }

    @Test("a buyer downloads XLSX for a category with its descendants: their prices, free stock in their region; our reader opens it")
    func xlsx() async throws {
        let (app, _) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/price-list")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"name="category" value="2""#))
            #expect(page.text.contains(#"formaction="/price-list.pdf""#))

            // Электрика (1) takes in Кабель and Свет; Инструмент is not chosen.
            let response = try await buyer.get(client, "/price-list.xlsx?category=1")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            let data = Data(buffer: response.body)
            #expect(response.headers[.contentLength] == String(data.count))
            let rows = try Self.rows(data)
            let text = rows.map { $0.joined(separator: "|") }
            #expect(rows[0][0].hasPrefix("Прайс-лист на "))
            #expect(text.contains("Цены для: ООО «Альфа»"))
            #expect(text.contains("Остатки: Москва"))
            #expect(text.contains("Разделы: Электрика"))
            #expect(text.contains("Артикул|Наименование|Бренд|Ед.|Цена, ₽|Остаток|Поставка, дн."))
            // Company 1 buys at wholesale (price type 2); stock is free stock in Moscow's warehouses.
            #expect(text.contains("Кабель ВВГнг 3×2,5") == false, "a product row has all its cells")
            #expect(text.contains("CAB-1|Кабель ВВГнг 3×2,5||шт|90|45"), "\(text)")
            #expect(text.contains("WIRE-3|Провод ПВС 2×0,75||м|45.45|1000"))
            #expect(text.contains("LAMP-2|Лампа LED 10 Вт||шт|18|100"))
            #expect(!text.contains(where: { $0.contains("OLD-4") }), "inactive products are left out")
            #expect(!text.contains(where: { $0.contains("DRILL-6") }), "a category not chosen")
            // Sections in tree order, each product once.
            let sections = text.filter { $0.hasPrefix("Электрика") }
            #expect(sections == ["Электрика › Кабель", "Электрика › Свет"])
            #expect(text.firstIndex(of: "Электрика › Кабель")! < text.firstIndex { $0.hasPrefix("CAB-1") }!)
            #expect(text.firstIndex(of: "Электрика › Свет")! < text.firstIndex { $0.hasPrefix("LAMP-2") }!)
            // Text that looks like a formula stays text, never a formula.
            #expect(text.contains(#"EVIL-5|=HYPERLINK("http://evil.example","Скидка")||шт|0.99|0"#))
            let sheet = try Self.sheetXML(data)
            #expect(!sheet.contains("<f>") && !sheet.contains("<f "))
            #expect(sheet.contains(#"t="inlineStr""#))

            // Several categories; a category unknown is 404.
            let two = try Self.rows(Data(buffer: try await buyer.get(client, "/price-list.xlsx?category=3&category=4").body)).map { $0.joined(separator: "|") }
            #expect(two.contains { $0.hasPrefix("LAMP-2") } && two.contains { $0.hasPrefix("DRILL-6") } && !two.contains { $0.hasPrefix("CAB-1") })
            #expect(try await buyer.get(client, "/price-list.xlsx?category=999").status == .notFound)

            // No category: the whole catalog.
            let all = try Self.rows(Data(buffer: try await buyer.get(client, "/price-list.xlsx").body)).map { $0.joined(separator: "|") }
            #expect(all.contains("Разделы: весь каталог"))
            #expect(all.filter { $0.hasPrefix("CAB-1") || $0.hasPrefix("DRILL-6") || $0.hasPrefix("LAMP-2") }.count == 3)
        }
    }

    @Test("another company's buyer gets their own prices; a buyer in another region sees the delivery days instead of stock")
    func pricesAndRegions() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await database.write { db in try db.execute(sql: "UPDATE counterparty SET regionId = 2 WHERE id = 2") }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let rows = try Self.rows(Data(buffer: try await buyer.get(client, "/price-list.xlsx?category=1").body)).map { $0.joined(separator: "|") }
            #expect(rows.contains("Цены для: ООО «Бета»"))
            #expect(rows.contains("Остатки: Урал"))
            // Retail prices; in the Urals only the lamp is in stock, the cable comes from Moscow in a day.
            #expect(rows.contains("CAB-1|Кабель ВВГнг 3×2,5||шт|100|0|1"), "\(rows)")
            #expect(rows.contains("LAMP-2|Лампа LED 10 Вт||шт|20|7"))
        }
    }

    @Test("the PDF price list opens with poppler: Cyrillic text, the header repeated on every page, page numbers")
    func pdf() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await database.write { db in
            for index in 0..<400 {
                let id = 1000 + index
                try db.execute(
                    sql: "INSERT INTO product (id, sku, name, baseUnitId, active) VALUES (?, ?, ?, 1, 1)",
                    arguments: [id, "БЛТ-\(index)", "Болт оцинкованный М\(index % 24 + 4)×\(index % 9 * 10 + 20) с шайбой, упаковка \(index % 50 + 1) шт."])
                try db.execute(sql: "INSERT INTO productCategory (productId, categoryId) VALUES (?, 4)", arguments: [id])
                try db.execute(sql: "INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES (2, ?, 1, ?)", arguments: [id, 123_456 + index])
            }
        }
        try await TestApp.pricing(for: database)?.rebuild()
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let response = try await buyer.get(client, "/price-list.pdf?category=4&category=2")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/pdf")
            let pdf = Data(buffer: response.body)
            #expect(pdf.starts(with: Data("%PDF-1.7".utf8)))
            #expect(String(decoding: pdf.suffix(6), as: UTF8.self) == "%%EOF\n")
            if let (text, pages) = try PopplerText.read(pdf) {
                #expect(pages >= 5, "400 lines run over several pages")
                #expect(text.contains("Прайс-лист на "))
                #expect(text.contains("Цены для: ООО «Альфа»"))
                #expect(text.contains("Инструмент"))
                #expect(text.contains("Электрика › Кабель"))
                #expect(text.contains("Кабель ВВГнг 3×2,5"))
                #expect(text.contains("Болт оцинкованный М4×20 с шайбой"))
                #expect(text.contains("1 234,56"), "an amount with its grouping and decimal comma")
                #expect(text.contains("Дрель ударная"))
                #expect(text.contains("4 500,00"))
                #expect(text.contains("Страница \(pages)"))
                #expect(text.contains("Позиций: 404"))
                let headers = text.components(separatedBy: "Артикул Наименование").count - 1
                #expect(headers == pages, "the table header on every page")
                // A category row never ends a page alone: on its page, a line of it follows.
                let scratch = try ScratchDirectory()
                defer { scratch.remove() }
                let path = try PDFPopplerTests.write(pdf, scratch)
                var found = false
                for page in 1...pages {
                    let lines = try ExternalTool.run("pdftotext", ["-layout", "-enc", "UTF-8", "-f", "\(page)", "-l", "\(page)", path, "-"]).stdout
                        .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    guard let heading = lines.firstIndex(of: "Инструмент") else { continue }
                    found = true
                    #expect(lines[(heading + 1)...].contains { $0.hasPrefix("БЛТ-") }, "page \(page): the heading and its first line together")
                }
                #expect(found)
            }
        }
    }

    @Test("signed-out visitors are sent to sign in; an editor without prices may not download")
    func access() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await database.addUser(email: "editor@example.com", password: Shop.password, role: "editor", counterpartyErpId: nil, hasher: .fastForTests)
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/price-list.pdf", method: .get)
            #expect(anonymous.status == .seeOther)
            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Shop.password)
            #expect(try await editor.get(client, "/price-list.xlsx").status == .forbidden)
        }
    }

    static func sheetXML(_ data: Data) throws -> String {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.file("p.xlsx")
        try data.write(to: url)
        let archive = try Archive(url: url, accessMode: .read)
        let entry = try #require(archive["xl/worksheets/sheet1.xml"])
        var xml = Data()
        _ = try archive.extract(entry) { xml.append($0) }
        return String(decoding: xml, as: UTF8.self)
    }
}

@Suite("Streaming writers: rows written as they come, read back whole")
struct StreamingWriterTests {
    @Test("an XLSX sheet of 30,000 streamed rows reads back exactly; formats and the frozen header as the in-memory writer's")
    func xlsxStream() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = try XLSXStreamWriter(
            sheetName: "Прайс-лист", columns: [XLSXColumn(width: 12), XLSXColumn(width: 40), XLSXColumn(width: 14, format: .money)], title: "Прайс",
            directory: scratch.url)
        try stream.addTitle("Прайс-лист")
        try stream.addHeader(["Артикул", "Наименование", "Цена"])
        for index in 0..<30_000 {
            try stream.addRow([.text("А-\(index)"), .text("Товар № \(index) «тест» & <b>"), .money(minorUnits: Int64(index) * 101 + 5)])
        }
        let url = scratch.file("stream.xlsx")
        try stream.finish(to: url)
        let rows = try XLSXReader(contentsOf: url).rows()
        #expect(rows.count == 30_002)
        #expect(rows[0].cells == ["Прайс-лист"])
        #expect(rows[1].cells == ["Артикул", "Наименование", "Цена"])
        #expect(rows[2].cells == ["А-0", "Товар № 0 «тест» & <b>", "0.05"])
        #expect(rows[30_001].cells == ["А-29999", "Товар № 29999 «тест» & <b>", "30299.04"])
        let sheet = try PriceListTests.sheetXML(try Data(contentsOf: url))
        #expect(sheet.contains(#"<dimension ref="A1:C30002"/>"#))
        #expect(sheet.contains(#"ySplit="2""#))
        #expect(sheet.contains(#"<col min="2" max="2" width="40.0" customWidth="1"/>"#) || sheet.contains(#"<col min="2" max="2" width="40" customWidth="1"/>"#))
    }

    @Test(
        "openpyxl reads a streamed sheet: inline text (formula-looking text too) as strings, numbers, the frozen header, no formulas",
        .enabled(if: ExternalTool.shouldRunOpenpyxl(), "python3 with openpyxl is not installed (pip install openpyxl)"))
    func xlsxStreamOpenpyxl() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let stream = try XLSXStreamWriter(
            sheetName: "Прайс-лист", columns: [XLSXColumn(width: 12), XLSXColumn(width: 40), XLSXColumn(width: 14, format: .money)], title: "Прайс",
            directory: scratch.url)
        try stream.addTitle("Прайс-лист")
        try stream.addHeader(["Артикул", "Наименование", "Цена"])
        try stream.addRow([.text("Кабель › Силовой", bold: true)])
        try stream.addRow([.text("А-1"), .text("=HYPERLINK(\"http://evil.example\",\"x\")"), .money(minorUnits: 123_450)])
        try stream.addRow([.text("А-2"), .text("Провод ПВС 2×0,75"), .money(minorUnits: 5)])
        let url = scratch.file("stream.xlsx")
        try stream.finish(to: url)
        let script = #"""
            import json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.worksheets[0]
            print(json.dumps({
                "sheets": wb.sheetnames, "freeze": ws.freeze_panes,
                "values": [[c.value for c in row] for row in ws.iter_rows()],
                "types": [ws["B4"].data_type, ws["C4"].data_type],
                "bold": [bool(ws["A2"].font.b), bool(ws["A3"].font.b), bool(ws["A4"].font.b)],
                "format": ws["C4"].number_format,
                "formulas": [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"],
            }, default=str, ensure_ascii=False))
            """#
        let result = try ExternalTool.run("python3", ["-c", script, url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(json["sheets"] as? [String] == ["Прайс-лист"])
        #expect(json["freeze"] as? String == "A3")
        let values = try #require(json["values"] as? [[Any]])
        #expect(values[2][0] as? String == "Кабель › Силовой")
        #expect(values[3][1] as? String == "=HYPERLINK(\"http://evil.example\",\"x\")")
        #expect((values[3][2] as? NSNumber)?.doubleValue == 1234.5)
        #expect(values[4][1] as? String == "Провод ПВС 2×0,75")
        #expect(json["types"] as? [String] == ["s", "n"])
        #expect(json["bold"] as? [Bool] == [true, true, false])
        #expect(json["format"] as? String == "#,##0.00")
        #expect(json["formulas"] as? [String] == [])
    }

    @Test("a streaming PDF writes pages out as it goes; the file is whole and the same text as the in-memory writer's")
    func pdfStream() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var settings = PDFDocumentBuilder(title: "Таблица")
        settings.pageNumbers = PDFPageNumbers(format: "Страница {page} из {pages}")
        var table = PDFTable(columns: [PDFTable.Column("№", width: .fixed(40)), PDFTable.Column("Строка")])
        for index in 1...300 { table.addRow(["\(index)", "Строка таблицы номер \(index)"]) }

        let url = scratch.file("stream.pdf")
        let writer = try PDFWriter(streamingTo: url, title: "Таблица")
        let flow = try PDFFlowWriter(settings, writer: writer)
        try flow.add(.heading("Таблица"))
        var header = table
        header.rows = []
        try flow.beginTable(header)
        for row in table.rows {
            try flow.addRow(row)
            #expect(writer.pages.count <= 2, "pages are written out as the next one starts")
        }
        try flow.endTable()
        try flow.finish()
        try writer.finish()
        let streamed = try Data(contentsOf: url)

        settings.add(.heading("Таблица"))
        settings.add(.table(table))
        let inMemory = try settings.render()
        #expect(streamed.starts(with: Data("%PDF-1.7".utf8)))
        if let (text, pages) = try PopplerText.read(streamed), let (memoryText, memoryPages) = try PopplerText.read(inMemory) {
            #expect(pages == memoryPages)
            #expect(pages > 3)
            #expect(text.contains("Строка таблицы номер 300"))
            #expect(text.contains("Страница \(pages)") && !text.contains(" из "), "a streaming writer numbers pages without the count")
            #expect(memoryText.contains("Страница \(pages) из \(pages)"))
            let strip = { (text: String) in text.replacingOccurrences(of: #"Страница \d+( из \d+)?"#, with: "", options: .regularExpression) }
            #expect(strip(text) == strip(memoryText))
        }
    }

    @Test(
        "rows kept together start a page together: a category heading never ends a page alone",
        .enabled(if: ExternalTool.shouldRun("pdftotext"), "poppler-utils is not installed"))
    func keepTogether() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        /// Whether, with `fillers` rows before it, the heading ends up last on its page.
        func orphaned(fillers: Int, keep: Bool) throws -> Bool {
            let writer = PDFWriter(title: "Тест")
            let flow = try PDFFlowWriter(PDFDocumentBuilder(title: "Тест"), writer: writer)
            try flow.beginTable(PDFTable(columns: [PDFTable.Column("Артикул", width: .fixed(80)), PDFTable.Column("Наименование")]))
            for index in 0..<fillers { try flow.addRow(["F-\(index)", "Строка заполнения \(index)"]) }
            let heading = PDFTable.Row([PDFTable.Cell("Раздел", span: 2)], style: .bold)
            let first = PDFTable.Row(["П-1", "Первая строка раздела"])
            if keep { try flow.addRows(keepingTogether: [heading, first]) } else { try flow.addRow(heading); try flow.addRow(first) }
            try flow.endTable()
            try flow.finish()
            let path = try PDFPopplerTests.write(try writer.data(), scratch, "keep-\(fillers)-\(keep).pdf")
            for page in 1...writer.pages.count {
                let lines = try ExternalTool.run("pdftotext", ["-layout", "-enc", "UTF-8", "-f", "\(page)", "-l", "\(page)", path, "-"]).stdout
                    .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                if let index = lines.firstIndex(of: "Раздел") { return !lines[(index + 1)...].contains { $0.hasPrefix("П-1") } }
            }
            Issue.record("no heading found")
            return false
        }
        var plainOrphans = 0
        for fillers in 44...64 {
            #expect(try !orphaned(fillers: fillers, keep: true), "\(fillers) rows before it")
            if try orphaned(fillers: fillers, keep: false) { plainOrphans += 1 }
        }
        #expect(plainOrphans > 0, "without keeping them together, some heading does end a page (the check can fail)")
    }
}
