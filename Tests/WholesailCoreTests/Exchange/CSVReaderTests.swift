import Foundation
import Testing
import WholesailCore

@Suite struct CSVReaderTests {
    private func records(_ data: Data, chunkSize: Int = 1 << 20, delimiter: Character? = nil) throws -> (
        CSVReader, [CSVReader.Record]
    ) {
        let reader = CSVReader(input: .data(data, chunkSize: chunkSize), delimiter: delimiter)
        var result: [CSVReader.Record] = []
        while let record = try reader.next() { result.append(record) }
        return (reader, result)
    }

    private static let priceList =
        "Артикул;Наименование;Цена\r\nA-1;\"Кабель \"\"ВВГ\"\" 3х2,5\";1 234,50\r\nA-2;\"Розетка\r\nдвойная; белая\";99\r\n\r\nA-3;Лампа;12\r\n"

    @Test("quotes hold delimiters, doubled quotes and line breaks; records carry their first line")
    func quoting() throws {
        // Given / When
        let (reader, rows) = try records(Data(Self.priceList.utf8))
        // Then
        #expect(reader.delimiterCharacter == ";")
        #expect(reader.encoding == .utf8)
        #expect(
            rows.map(\.fields) == [
                ["Артикул", "Наименование", "Цена"],
                ["A-1", "Кабель \"ВВГ\" 3х2,5", "1 234,50"],
                ["A-2", "Розетка\nдвойная; белая", "99"],
                ["A-3", "Лампа", "12"],
            ])
        #expect(rows.map(\.line) == [1, 2, 3, 6])
    }

    @Test("chunk boundaries anywhere give the same records", arguments: [1, 2, 3, 5, 16])
    func chunking(chunkSize: Int) throws {
        let whole = try records(Data(Self.priceList.utf8)).1
        let chunked = try records(Data(Self.priceList.utf8), chunkSize: chunkSize).1
        #expect(chunked == whole)
    }

    @Test("a UTF-8 BOM is dropped")
    func bom() throws {
        let (reader, rows) = try records(Data([0xEF, 0xBB, 0xBF]) + Data("SKU,Qty\nA-1,5\n".utf8))
        #expect(reader.delimiterCharacter == ",")
        #expect(rows.map(\.fields) == [["SKU", "Qty"], ["A-1", "5"]])
    }

    @Test("a file that is not UTF-8 is read as windows-1251, even when its first kilobytes are ASCII")
    func windows1251() throws {
        var data = Data("sku;qty\n".utf8)
        data.append(Data(String(repeating: "A-1;5\n", count: 2000).utf8))  // 12 KB of ASCII first
        data.append(contentsOf: [0xCA, 0xE0, 0xE1, 0xE5, 0xEB, 0xFC, 0x3B, 0x31, 0x0A])  // "Кабель;1\n"
        for chunkSize in [4096, 1 << 20] {
            let (reader, rows) = try records(data, chunkSize: chunkSize)
            #expect(reader.encoding == .windows1251)
            #expect(rows.last?.fields == ["Кабель", "1"])
            #expect(rows.last?.line == 2002)
        }
    }

    @Test("UTF-8 without BOM stays UTF-8")
    func utf8WithoutBOM() throws {
        let (reader, rows) = try records(Data("Артикул\tКол-во\nА-1\t5\n".utf8))
        #expect(reader.encoding == .utf8)
        #expect(reader.delimiterCharacter == "\t")
        #expect(rows[1].fields == ["А-1", "5"])
    }

    @Test(
        "the delimiter is the most frequent of ; , tab in the header outside quotes",
        arguments: [
            ("a;b;c\n1;2;3", ";"), ("a,b,c\n1,2,3", ","), ("a\tb\tc\n1\t2\t3", "\t"),
            ("\"x;y;z\",b,c\n1,2,3", ","), ("single\n1", ";"), ("a;b,c\n", ";"), ("\n\na,b\n", ","),
        ] as [(String, Character)])
    func delimiterDetection(text: String, expected: Character) throws {
        let (reader, _) = try records(Data(text.utf8))
        #expect(reader.delimiterCharacter == expected)
    }

    @Test("a given delimiter wins over detection")
    func givenDelimiter() throws {
        let (_, rows) = try records(Data("a;b,c\n1;2,3".utf8), delimiter: ",")
        #expect(rows.map(\.fields) == [["a;b", "c"], ["1;2", "3"]])
    }

    @Test("lenient where Excel is: stray quotes, no final newline, CR-only lines")
    func leniency() throws {
        let (_, rows) = try records(Data("a;b\r5\" дюймов;\"x\"y\rlast;".utf8))
        #expect(rows.map(\.fields) == [["a", "b"], ["5\" дюймов", "xy"], ["last", ""]])
        #expect(rows.map(\.line) == [1, 2, 3])
        #expect(rows[2].isBlank == false)
        #expect(CSVReader.Record(line: 1, fields: ["", " "]).isBlank)
    }

    @Test("an unterminated quote is an error on the record's first line")
    func unterminatedQuote() throws {
        let error = #expect(throws: ExchangeError.self) { try records(Data("a;b\n1;\"open\nstill open\n".utf8)) }
        #expect(error?.code == "csv.unterminated_quote")
        #expect(error?.line == 2)
    }

    @Test("limits: field length and field count")
    func limits() throws {
        let long = CSVReader(
            data: Data(("a\n" + String(repeating: "x", count: 100)).utf8), limits: CSVLimits(maxFieldLength: 50))
        _ = try long.next()
        let tooLong = #expect(throws: ExchangeError.self) { try long.next() }
        #expect(tooLong?.code == "csv.field_too_large")
        #expect(tooLong?.line == 2)

        let wide = CSVReader(data: Data(String(repeating: "x;", count: 20).utf8), limits: CSVLimits(maxFieldCount: 10))
        let tooWide = #expect(throws: ExchangeError.self) { try wide.next() }
        #expect(tooWide?.code == "csv.too_many_fields")
    }

    @Test("an empty file has no records")
    func empty() throws {
        #expect(try records(Data()).1.isEmpty)
        #expect(try records(Data("\n\r\n".utf8)).1.isEmpty)
    }
}

@Suite struct CSVLayoutTests {
    @Test("Russian and English header synonyms map to the same keys")
    func synonyms() throws {
        let russian = try CSVLayout.stock.match(header: ["Артикул", "Кол-во", "Склад"])
        let english = try CSVLayout.stock.match(header: ["sku", "QTY", "Warehouse"])
        #expect(russian.indexByKey == [.sku: 0, .quantity: 1, .warehouse: 2])
        #expect(english.indexByKey == russian.indexByKey)

        let prices = try CSVLayout.prices.match(header: ["Код", "Наименование", "Цена, руб.", "Валюта", "Тип цены"])
        #expect(prices.indexByKey == [.sku: 0, .price: 2, .currency: 3, .priceType: 4])
        #expect(prices.unmatchedHeaders == ["Наименование"])
        #expect(prices.value(.price, in: ["A-1", "Кабель", " 1 234,50 ", "RUB", ""]) == "1 234,50")
        #expect(prices.value(.priceType, in: ["A-1", "Кабель", "1", "RUB", ""]) == nil)
        #expect(prices.value(.priceType, in: ["A-1"]) == nil)
    }

    @Test("case, ё, spaces and punctuation do not matter")
    func normalisation() throws {
        let map = try CSVLayout.counterparties.match(header: [
            "  НАИМЕНОВАНИЕ ", "инн", "E-MAIL", "Эл.почта (основная)", "Тел.",
        ])
        #expect(map.indexByKey[.name] == 0)
        #expect(map.indexByKey[.inn] == 1)
        #expect(map.indexByKey[.email] == 2)  // "E-mail" ranks before "Эл. почта"
        #expect(map.indexByKey[.phone] == 4)
        #expect(
            try CSVLayout.products.match(header: ["Артикул", "Наименование", "Кол-во в упаковке"]).indexByKey[.packSize]
                == 2)
    }

    @Test("the better synonym wins: Артикул over Код")
    func preference() throws {
        let map = try CSVLayout.products.match(header: ["Код", "Артикул", "Название"])
        #expect(map.indexByKey[.sku] == 1)
        #expect(map.unmatchedHeaders == ["Код"])
    }

    @Test("a missing required column and an ambiguous one are errors")
    func errors() throws {
        let missing = #expect(throws: ExchangeError.self) {
            try CSVLayout.stock.match(header: ["Артикул", "Склад"], line: 3)
        }
        #expect(missing?.code == "csv.missing_column")
        #expect(missing?.line == 3)
        #expect(missing?.message.contains("quantity") == true)

        let duplicate = #expect(throws: ExchangeError.self) {
            try CSVLayout.stock.match(header: ["Артикул", "Остаток", "артикул"])
        }
        #expect(duplicate?.code == "csv.duplicate_column")

        let empty = #expect(throws: ExchangeError.self) { try CSVLayout.prices.match(header: ["", " "]) }
        #expect(empty?.code == "csv.empty")
    }

    @Test("within each layout every synonym names one column")
    func synonymsAreUnique() {
        for layout in CSVLayout.all {
            var seen: [String: CSVColumnKey] = [:]
            for column in layout.columns {
                for synonym in column.synonyms {
                    let key = synonym.lowercased().filter { $0.isLetter || $0.isNumber }
                    if let other = seen[key], other != column.key {
                        Issue.record("\(layout.name): \"\(synonym)\" names both \(other) and \(column.key)")
                    }
                    seen[key] = column.key
                }
            }
        }
    }

    @Test("a header row read by CSVReader feeds the layout")
    func endToEnd() throws {
        var data = Data([0xEF, 0xBB, 0xBF])
        data.append(Data("Артикул;Остаток;Склад\nA-1;5;Основной\nA-2;2,5;\n".utf8))
        let reader = CSVReader(data: data)
        let header = try #require(try reader.next())
        let map = try CSVLayout.stock.match(header: header.fields, line: header.line)
        var stock: [String: String] = [:]
        while let record = try reader.next() {
            stock[map.value(.sku, in: record.fields)!] = map.value(.quantity, in: record.fields).flatMap(
                DecimalText.canonical)
        }
        #expect(stock == ["A-1": "5", "A-2": "2.5"])
    }
}
