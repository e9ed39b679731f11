import Foundation
import GRDB
import Testing
import WholesailCore
import WholesailServer
import WholesailStore
import WholesailTestSupport

/// Every sample package through the real pipeline into a fresh database: what lands, and that a
/// second import of the same package changes nothing.
@Suite struct ImportPipelineTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        var folder: String
        var products: Int
        var variants: Int
        var groups: Int
        var properties: Int
        var prices: Int
        var stockRows: Int
        var warehouses: Int
        var priceTypes: Int
        var counterparties = 0
        /// Files left out of the repeat check: alternative versions of the same catalog (a second
        /// import of both flips between them by design — the last one read wins).
        var alternatives: [String] = []
        var testDescription: String { folder }
    }

    static let packages: [Expected] = [
        Expected(folder: "1c-official-samples-2.04", products: 4, variants: 0, groups: 1, properties: 0, prices: 8, stockRows: 2, warehouses: 1, priceTypes: 4),
        Expected(folder: "andrtechno-mod-exchange1c-2.04", products: 82, variants: 0, groups: 7, properties: 44, prices: 86, stockRows: 43, warehouses: 1, priceTypes: 2),
        Expected(
            folder: "argentcrusade-commerceml-3.1-and-2.09-documents", products: 1, variants: 0, groups: 12, properties: 0, prices: 0, stockRows: 0,
            warehouses: 0, priceTypes: 0, counterparties: 4),
        Expected(
            folder: "carono-php-commerceml-2.07", products: 2, variants: 5, groups: 22, properties: 10, prices: 5, stockRows: 5, warehouses: 5, priceTypes: 1,
            alternatives: ["import_wo_classifier.xml"]),
        Expected(folder: "d16izhevsk-ut11-demo-2.07-large", products: 1197, variants: 2100, groups: 59, properties: 10, prices: 2641, stockRows: 2866, warehouses: 6, priceTypes: 1),
        Expected(
            folder: "dobromyslov-commerceml-parser-2.07", products: 283, variants: 0, groups: 13, properties: 20, prices: 44, stockRows: 132, warehouses: 3,
            priceTypes: 1, alternatives: ["import0_1_with_nested_groups.xml"]),
        Expected(folder: "gillbeits-ut11-2.09-split", products: 0, variants: 0, groups: 97, properties: 1908, prices: 0, stockRows: 0, warehouses: 1, priceTypes: 1),
        Expected(folder: "ready-script-2.05", products: 1, variants: 1, groups: 4, properties: 7, prices: 2, stockRows: 2, warehouses: 1, priceTypes: 1),
        Expected(folder: "turumburum-ut-3.1-split", products: 11, variants: 2, groups: 2, properties: 0, prices: 3, stockRows: 168, warehouses: 14, priceTypes: 7),
        Expected(folder: "umi-cms-2.04", products: 3, variants: 0, groups: 1, properties: 1, prices: 15, stockRows: 3, warehouses: 1, priceTypes: 5),
        Expected(folder: "wagood-minimal-3.1-package", products: 1, variants: 1, groups: 1, properties: 0, prices: 2, stockRows: 2, warehouses: 1, priceTypes: 1),
    ]

    @Test("every sample package imports; importing it again changes nothing", arguments: packages)
    func package(_ expected: Expected) throws {
        // Given
        let database = try TestDatabase.inMemory()
        let files = try ImportFixture.packageFiles(expected.folder)
        // When
        let job = try ImportFixture.run(database, samples: files)
        // Then: the catalog files all read (order documents may lack their orders here).
        for file in job.files where file.fileName.hasPrefix("import") || file.fileName.hasPrefix("offers") {
            #expect(file.status == "done", "\(file.fileName): \(file.status)")
        }
        let count = { (sql: String) in try ImportFixture.count(database, sql) }
        #expect(try count("SELECT count(*) FROM product WHERE erpId IS NOT NULL AND (instr(erpId, '#') = 0 OR erpId IN (SELECT erpId FROM product WHERE instr(erpId, '#') > 0 AND substr(erpId, 1, instr(erpId, '#') - 1) NOT IN (SELECT erpId FROM product)))") == expected.products)
        #expect(try count("SELECT count(*) FROM product WHERE instr(erpId, '#') > 0 AND substr(erpId, 1, instr(erpId, '#') - 1) IN (SELECT erpId FROM product)") == expected.variants)
        #expect(try count("SELECT count(*) FROM erpGroup") == expected.groups)
        #expect(try count("SELECT count(*) FROM property WHERE erpId NOT LIKE 'characteristic:%'") == expected.properties)
        #expect(try count("SELECT count(*) FROM price") == expected.prices)
        #expect(try count("SELECT count(*) FROM stock") == expected.stockRows)
        #expect(try count("SELECT count(*) FROM warehouse") == expected.warehouses)
        #expect(try count("SELECT count(*) FROM priceType") == expected.priceTypes)
        #expect(try count("SELECT count(*) FROM counterparty") == expected.counterparties)
        // Every ERP group got a category through the mapping, and categories count their products.
        #expect(try count("SELECT count(*) FROM erpGroup WHERE id NOT IN (SELECT erpGroupId FROM erpGroupCategory)") == 0)
        // The search index holds exactly the products' search texts.
        try database.write { db in try db.execute(sql: "INSERT INTO productFts(productFts, rank) VALUES ('integrity-check', 1)") }
        #expect(try count("SELECT count(*) FROM product WHERE searchText = ''") == 0)

        // When: the same files again (into a database that had them once).
        let repeated = files.filter { file in !expected.alternatives.contains { file.hasSuffix("/" + $0) } }
        let fresh = try TestDatabase.inMemory()
        try ImportFixture.run(fresh, samples: repeated)
        let again = try ImportFixture.run(fresh, samples: repeated)
        // Then: nothing changes.
        #expect(ImportFixture.onlyUnchanged(again), "\(again.counts.entities.filter { $0.value.changed > 0 })")
        #expect(again.counts.total > 0 || expected.products == 0)
    }

    @Test("carono 2.07: groups as categories, reference properties, variants with prices and stock per warehouse")
    func carono() throws {
        let database = try TestDatabase.inMemory()
        let job = try ImportFixture.run(database, samples: ["carono-php-commerceml-2.07/import.xml", "carono-php-commerceml-2.07/offers.xml"])
        #expect(job.status == "succeeded")
        let rows = try database.read { db in
            (
                boots: try Row.fetchOne(db, sql: "SELECT * FROM product WHERE erpId = 'bd72d910-55bc-11d9-848a-00112f43529a'"),
                variant: try Row.fetchOne(db, sql: "SELECT * FROM product WHERE erpId = 'bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4'"),
                nested: try Int.fetchOne(db, sql: "SELECT count(*) FROM category WHERE parentId IS NOT NULL") ?? 0,
                properties: try Row.fetchAll(
                    db,
                    sql: """
                        SELECT pr.name, coalesce(v.value, pp.textValue) AS value FROM productProperty pp JOIN property pr ON pr.id = pp.propertyId
                        LEFT JOIN propertyValue v ON v.id = pp.valueId JOIN product p ON p.id = pp.productId
                        WHERE p.erpId = 'bd72d910-55bc-11d9-848a-00112f43529a' ORDER BY pr.name
                        """).map { "\($0["name"] as String)=\($0["value"] as String)" },
                price: try Int64.fetchOne(
                    db, sql: "SELECT amountMinor FROM price pr JOIN product p ON p.id = pr.productId WHERE p.erpId LIKE 'bd72d910-55bc-11d9-848a-00112f43529a#90c55447%'"),
                stock: try Row.fetchAll(
                    db,
                    sql: "SELECT w.erpId, s.qtyMilli, s.reservedMilli FROM stock s JOIN warehouse w ON w.id = s.warehouseId JOIN product p ON p.id = s.productId WHERE p.erpId LIKE 'bd72d913%#90c55449%'"
                ).map { ($0["erpId"] as String, $0["qtyMilli"] as Int64) },
                unit: try String.fetchOne(db, sql: "SELECT u.code FROM product p JOIN unit u ON u.id = p.baseUnitId WHERE p.erpId = 'bd72d910-55bc-11d9-848a-00112f43529a'"),
                categoryCount: try Int.fetchOne(
                    db, sql: "SELECT c.productCount FROM category c JOIN productCategory pc ON pc.categoryId = c.id JOIN product p ON p.id = pc.productId WHERE p.erpId = 'bd72d910-55bc-11d9-848a-00112f43529a'")
            )
        }
        let boots = try #require(rows.boots)
        #expect(boots["name"] as String == "Женские ботфорты коричневые")
        #expect(boots["sku"] as String == "Б-130001")
        #expect(boots["barcode"] as String? == "2000018987155")
        #expect(rows.unit == "715")
        #expect(rows.nested > 0)
        #expect(rows.properties.contains("Основной поставщик=ООО Рога и копыта"))
        #expect(rows.properties.contains("Производитель=Обувной комбинат"))  // a Справочник value resolved by ИдЗначения
        let variant = try #require(rows.variant)
        #expect(variant["name"] as String == "Женские ботфорты коричневые (38)")
        #expect(rows.price == 171_900)
        #expect(rows.stock.map(\.0) == ["b6112590-41ba-11dd-ac9d-0015e9b8c48d"])
        #expect(rows.stock.first?.1 == 120_000)
        #expect((rows.categoryCount ?? 0) >= 1)
    }

    @Test("a zip package is unpacked into the job (d16izhevsk exchange.zip)")
    func zipPackage() throws {
        let database = try TestDatabase.inMemory()
        let job = try ImportFixture.run(database, samples: ["d16izhevsk-ut11-demo-2.07-large/exchange.zip"])
        #expect(job.status == "succeeded")
        #expect(job.files.map(\.fileName).sorted() == ["exchange.zip", "import0_1.xml", "offers0_1.xml"])
        #expect(job.counts["product"].created == 1197)
        #expect(job.counts["variant"].created == 2100)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM warehouse") == 6)
        // import0_1.xml ran before offers0_1.xml although the zip lists them in any order.
        #expect(job.counts["offer"].failed == 0)
    }

    @Test("a partial offers update changes only its prices")
    func partialOffers() throws {
        let database = try TestDatabase.inMemory()
        try ImportFixture.run(database, samples: ["carono-php-commerceml-2.07/import.xml", "carono-php-commerceml-2.07/offers.xml"])
        let before = try database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT p.erpId, pr.amountMinor, pr.updatedAt FROM price pr JOIN product p ON p.id = pr.productId").map {
                ($0["erpId"] as String, ($0["amountMinor"] as Int64, $0["updatedAt"] as String))
            })
        }
        // One offer with a new price, in a changes-only package.
        let update = """
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="2.07">
              <ПакетПредложений СодержитТолькоИзменения="true">
                <Предложения>
                  <Предложение>
                    <Ид>bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4</Ид>
                    <Цены><Цена><ИдТипаЦены>\(try priceTypeErpId(database))</ИдТипаЦены><ЦенаЗаЕдиницу>1800.50</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена></Цены>
                  </Предложение>
                </Предложения>
              </ПакетПредложений>
            </КоммерческаяИнформация>
            """
        let job = try ImportFixture.run(database, [("offers0_2.xml", Data(update.utf8))])
        #expect(job.status == "succeeded")
        #expect(job.counts["price"] == ImportCounts.Entity(updated: 1))
        #expect(job.counts["product"] == ImportCounts.Entity())
        let after = try database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT p.erpId, pr.amountMinor, pr.updatedAt FROM price pr JOIN product p ON p.id = pr.productId").map {
                ($0["erpId"] as String, ($0["amountMinor"] as Int64, $0["updatedAt"] as String))
            })
        }
        for (erpId, value) in before {
            if erpId.hasSuffix("90c55447-d3a8-11e4-9423-e0cb4ed5eed4") && erpId.hasPrefix("bd72d910") {
                #expect(after[erpId]?.0 == 180_050)
            } else {
                #expect(after[erpId]?.0 == value.0)
                #expect(after[erpId]?.1 == value.1, "\(erpId) was rewritten")
            }
        }
        // Stock of every product is as it was.
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM stock") == 5)
    }

    func priceTypeErpId(_ database: WholesailDatabase) throws -> String {
        try #require(try database.read { try String.fetchOne($0, sql: "SELECT erpId FROM priceType") })
    }

    @Test("a full upload deactivates the products it leaves out (order history intact); a later upload brings them back")
    func fullUploadDeactivates() throws {
        let database = try TestDatabase.inMemory()
        let original = try ImportFixture.sample("dobromyslov-commerceml-parser-2.07/import0_1.xml")
        try ImportFixture.run(database, [("import0_1.xml", original)])
        let text = String(decoding: original, as: UTF8.self)
        // Drop the first product of the catalog.
        let start = try #require(text.range(of: "<Товар>"))
        let end = try #require(text.range(of: "</Товар>", range: start.upperBound..<text.endIndex))
        let removed = try #require(text[start.upperBound..<end.lowerBound].range(of: #"<Ид>([^<]+)</Ид>"#, options: .regularExpression))
        let removedId = String(text[removed].dropFirst(4).dropLast(5))
        let smaller = text.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "")
        // An order of the removed product keeps its line.
        try database.write { db in
            try db.execute(sql: "INSERT INTO sellerOrganization (id, name, inn) VALUES (1, 'ООО «Поставщик»', '7700000001')")
            try db.execute(sql: "INSERT INTO counterparty (id, name) VALUES (1, 'ООО «Покупатель»')")
            try db.execute(
                sql: "INSERT INTO customerOrder (id, number, sellerOrganizationId, counterpartyId, statusId, subtotalMinor, totalMinor, placedAt) VALUES (1, 'A-1', 1, 1, 1, 100, 100, '2026-01-01 10:00:00.000')")
            try db.execute(
                sql: "INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, qtyMilli, priceMinor, amountMinor) SELECT 1, 1, id, sku, name, baseUnitId, 1000, 100, 100 FROM product WHERE erpId = ?",
                arguments: [removedId])
        }
        let activeBefore = try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 1")
        // When
        let job = try ImportFixture.run(database, [("import0_1.xml", Data(smaller.utf8))])
        // Then
        #expect(job.counts["product"].deleted == 1)
        #expect(try ImportFixture.count(database, "SELECT active FROM product WHERE erpId = ?", [removedId]) == 0)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 1") == activeBefore - 1)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM orderLine WHERE productId = (SELECT id FROM product WHERE erpId = ?)", [removedId]) == 1)
        // The full package again: the product is active again.
        let back = try ImportFixture.run(database, [("import0_1.xml", original)])
        #expect(back.counts["product"].updated == 1)
        #expect(try ImportFixture.count(database, "SELECT active FROM product WHERE erpId = ?", [removedId]) == 1)
    }

    @Test("a partial catalog upload leaves products it does not mention alone")
    func partialCatalogKeepsOthers() throws {
        let database = try TestDatabase.inMemory()
        try ImportFixture.run(database, samples: ["carono-php-commerceml-2.07/import.xml"])
        let partial = String(decoding: try ImportFixture.sample("ready-script-2.05/import.xml"), as: UTF8.self)
        #expect(partial.contains("СодержитТолькоИзменения=\"true\""))
        try ImportFixture.run(database, [("import.xml", Data(partial.utf8))])
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 0") == 0)
    }

    @Test("CSV: products (a formula cell is kept as text), prices with a bad number, negative stock")
    func csvLayouts() throws {
        let database = try TestDatabase.inMemory()
        let products = "Артикул;Наименование;Группа;Единица;Цена\nA-1;Кабель ВВГ 3x2,5;Кабель/Силовой;м;85,40\nA-2;\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\";Кабель;шт;10\nA-3;Розетка;Электрика;шт;abc\n"
        let prices = "SKU,Price,Price type\nA-1,90.00,Опт\nA-2,abc,Опт\nA-3,-5,Опт\nA-9,1,Опт\n"
        let stock = "Артикул\tКоличество\tСклад\nA-1\t100\tМосква\nA-2\t-3\tМосква\nA-3\t2.5\tМосква\n"
        let job = try ImportFixture.run(database, [("stock.csv", Data(stock.utf8)), ("prices.csv", Data(prices.utf8)), ("products.csv", Data(products.utf8))])
        #expect(job.status == "succeeded")
        // Files ran products → prices → stock whatever the upload order.
        #expect(job.files.sorted { $0.id < $1.id }.map(\.status) == ["done", "done", "done"])
        let formula = try database.read { try String.fetchOne($0, sql: "SELECT name FROM product WHERE sku = 'A-2'") }
        #expect(formula == "=HYPERLINK(\"http://evil.example\",\"click\")")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 3)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM category") == 3)  // Кабель, Кабель/Силовой, Электрика
        #expect(try ImportFixture.count(database, "SELECT amountMinor FROM price pr JOIN priceType t ON t.id = pr.priceTypeId JOIN product p ON p.id = pr.productId WHERE p.sku = 'A-1' AND t.name = 'Опт'") == 9000)
        #expect(try ImportFixture.count(database, "SELECT qtyMilli FROM stock s JOIN product p ON p.id = s.productId WHERE p.sku = 'A-3'") == 2500)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM stock s JOIN product p ON p.id = s.productId WHERE p.sku = 'A-2'") == 0)
        let issues = try ImportFixture.issues(database, job: job.id)
        #expect(issues.contains { $0.code == "cml.bad_number" && $0.line == 4 })  // products.csv, A-3 price abc
        #expect(issues.contains { $0.code == "cml.bad_number" && $0.line == 3 })  // prices.csv, A-2
        #expect(issues.contains { $0.code == "import.negative_price" })
        #expect(issues.contains { $0.code == "import.negative_stock" && $0.line == 3 })
        #expect(issues.contains { $0.code == "import.unknown_product" })  // A-9
        #expect(job.counts["stock"].failed == 1)
    }

    @Test("XLSX: the products and prices layouts from Excel sheets (blank rows skipped, a formula string kept as text); a broken workbook fails with a reason")
    func xlsxLayouts() throws {
        let database = try TestDatabase.inMemory()
        var products = XLSXSheet(name: "Товары")
        products.addHeader(["Артикул", "Наименование", "Группа", "Единица"])
        products.addRow([.text("X-1"), .text("Кабель ВВГнг 3х2,5"), .text("Кабель"), .text("м")])
        products.addBlankRow()
        products.addRow([.text("X-2"), .text("=HYPERLINK(\"http://evil.example\")"), .text("Кабель"), .text("шт")])
        var book = XLSXWriter(title: "Товары")
        book.addSheet(products)
        var prices = XLSXSheet(name: "Цены")
        prices.addHeader(["SKU", "Price", "Price type"])
        prices.addRow([.text("X-1"), .text("85.40"), .text("Опт")])
        prices.addRow([.text("X-2"), .text("abc"), .text("Опт")])
        var priceBook = XLSXWriter(title: "Цены")
        priceBook.addSheet(prices)
        let job = try ImportFixture.run(database, [("prices.xlsx", try priceBook.data()), ("products.xlsx", try book.data())])
        #expect(job.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE sku IN ('X-1', 'X-2')") == 2)
        let formula = try database.read { try String.fetchOne($0, sql: "SELECT name FROM product WHERE sku = 'X-2'") }
        #expect(formula == "=HYPERLINK(\"http://evil.example\")")
        #expect(try ImportFixture.count(database, "SELECT amountMinor FROM price pr JOIN product p ON p.id = pr.productId WHERE p.sku = 'X-1'") == 8540)
        let issues = try ImportFixture.issues(database, job: job.id)
        #expect(issues.contains { $0.code == "cml.bad_number" && $0.line == 3 })

        let broken = try ImportFixture.run(database, [("products.xlsx", Data("PK\u{3}\u{4}not really a workbook".utf8))])
        #expect(broken.status == "failed")
        #expect(broken.error?.contains("Excel") == true)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 2)
    }

    @Test("a large upload is stored compressed in parts and read back byte for byte; the import sees the same file")
    func compressedParts() throws {
        let database = try TestDatabase.inMemory()
        var text = "Артикул;Наименование;Группа;Единица;Цена\n"
        var line = 0
        while text.utf8.count < BlobParts.partSize * 2 + 12345 {
            line += 1
            text += "C-\(line);Товар номер \(line) с длинным описанием для объёма;Группа \(line % 7);шт;\(line % 1000),50\n"
        }
        let bytes = Data(text.utf8)
        var uploader = BlobUploader(database: database)
        try uploader.appendSync(bytes)
        let stored = try uploader.finishSync()
        #expect(stored.size == bytes.count)
        // Three parts, the full ones compressed: the database holds a fraction of the file.
        let storedBytes = try ImportFixture.count(database, "SELECT sum(size) FROM blob")
        #expect(storedBytes < bytes.count / 3)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM blob WHERE contentType = ?", [BlobParts.packedPartType]) >= 2)
        let reader = try BlobReader(database: database, key: stored.key)
        var back = Data()
        while let part = try reader.next() { back.append(part) }
        #expect(back == bytes)
        #expect(try database.storedFileHead(key: stored.key, count: 10) == bytes.prefix(10))

        let job = try ImportFixture.run(database, [("products.csv", bytes)])
        #expect(job.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == line)
    }

    @Test("JSON Lines and a JSON document import the same entities")
    func json() throws {
        let lines = """
            {"type":"options","fullUpload":false}
            {"type":"group","id":"g1","name":"Инструмент"}
            {"type":"property","id":"color","name":"Цвет","kind":"enum","values":[{"id":"red","value":"красный"}]}
            {"type":"priceType","id":"retail","name":"Розница","currency":"RUB"}
            {"type":"warehouse","id":"w1","name":"Склад 1"}
            {"type":"product","id":"P-1","sku":"DR-1","name":"Дрель","unit":"шт","groups":["g1"],"properties":{"color":"red"},"brand":"Зубр"}
            {"type":"offer","id":"P-1","prices":[{"priceType":"retail","price":"4990.00"}],"stock":[{"warehouse":"w1","quantity":"7"}]}
            {"type":"counterparty","id":"C-1","name":"ООО Ромашка","inn":"7701234567","kpp":"770101001"}
            """
        let database = try TestDatabase.inMemory()
        let job = try ImportFixture.run(database, [("catalog.jsonl", Data(lines.utf8))])
        #expect(job.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT amountMinor FROM price") == 499_000)
        #expect(try ImportFixture.count(database, "SELECT qtyMilli FROM stock") == 7000)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM productProperty WHERE valueId IS NOT NULL") == 1)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM counterparty WHERE inn = '7701234567'") == 1)
        let document = """
            {"fullUpload": false, "products": [{"id": "P-1", "sku": "DR-1", "name": "Дрель", "unit": "шт", "groups": ["g1"], "properties": {"color": "red"}, "brand": "Зубр"}],
             "offers": [{"id": "P-1", "prices": [{"priceType": "retail", "price": 5100}]}]}
            """
        let second = try ImportFixture.run(database, [("catalog.json", Data(document.utf8))])
        #expect(second.status == "succeeded")
        #expect(second.counts["product"] == ImportCounts.Entity(unchanged: 1))
        #expect(second.counts["price"] == ImportCounts.Entity(updated: 1))
        #expect(try ImportFixture.count(database, "SELECT amountMinor FROM price") == 510_000)
    }

    @Test("a file that breaks off keeps the batches before it whole, and no half entity")
    func truncatedFile() throws {
        let database = try TestDatabase.inMemory()
        let full = try ImportFixture.sample("dobromyslov-commerceml-parser-2.07/import0_1_with_nested_groups.xml")
        let cut = full.prefix(full.count * 2 / 3)
        var limits = ImportLimits()
        limits.batchSize = 50
        let job = try ImportFixture.run(database, [("import0_1.xml", Data(cut))], limits: limits)
        #expect(job.status == "failed")
        let issues = try ImportFixture.issues(database, job: job.id)
        #expect(issues.contains { $0.code == "xml.truncated" || $0.code == "xml.malformed" })
        let products = try ImportFixture.count(database, "SELECT count(*) FROM product")
        #expect(products > 0 && products < 283)
        // Every stored product is complete: its category and all its properties, as a full import writes them.
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE id NOT IN (SELECT productId FROM productCategory)") == 0)
        let complete = try TestDatabase.inMemory()
        try ImportFixture.run(complete, [("import0_1.xml", full)])
        let properties = { (db: WholesailDatabase) in
            try db.read { db in
                try Dictionary(uniqueKeysWithValues: Row.fetchAll(
                    db, sql: "SELECT p.erpId, (SELECT count(*) FROM productProperty WHERE productId = p.id) AS n FROM product p"
                ).map { ($0["erpId"] as String, $0["n"] as Int) })
            }
        }
        let partial = try properties(database)
        let whole = try properties(complete)
        for (erpId, count) in partial { #expect(whole[erpId] == count, "\(erpId)") }
        // Nothing was deactivated: a failed file proves nothing about absence.
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 0") == 0)
    }

    @Test("the offers file with a unit coefficient stores the price per base unit")
    func coefficient() throws {
        let database = try TestDatabase.inMemory()
        let catalog = """
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="2.08"><Каталог СодержитТолькоИзменения="true"><Товары>
            <Товар><Ид>p1</Ид><Наименование>Саморез</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница></Товар>
            </Товары></Каталог></КоммерческаяИнформация>
            """
        let offers = """
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="2.08"><ПакетПредложений><ТипыЦен><ТипЦены><Ид>t1</Ид><Наименование>Опт</Наименование><Валюта>руб</Валюта></ТипЦены></ТипыЦен>
            <Предложения><Предложение><Ид>p1</Ид><Цены><Цена><ИдТипаЦены>t1</ИдТипаЦены><ЦенаЗаЕдиницу>250</ЦенаЗаЕдиницу><Единица>упак</Единица><Коэффициент>100</Коэффициент></Цена></Цены><Количество>12.5</Количество></Предложение></Предложения>
            </ПакетПредложений></КоммерческаяИнформация>
            """
        let job = try ImportFixture.run(database, [("import.xml", Data(catalog.utf8)), ("offers.xml", Data(offers.utf8))])
        #expect(job.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT amountMinor FROM price") == 250)  // 2.50 per piece
        #expect(try ImportFixture.count(database, "SELECT qtyMilli FROM stock") == 12_500)
        #expect(try database.read { try String.fetchOne($0, sql: "SELECT currency FROM priceType") } == "RUB")
        #expect(try ImportFixture.issues(database, job: job.id).contains { $0.code == "import.pack_price" })
    }

    @Test("images inside a zip package become product photos (served as public files); a second import keeps them")
    func packageImages() throws {
        let database = try TestDatabase.inMemory()
        let catalog = """
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="2.07"><Каталог СодержитТолькоИзменения="true"><Товары>
            <Товар><Ид>p1</Ид><Артикул>PH-1</Артикул><Наименование>Лампа</Наименование>
            <Картинка>import_files/ab/p1_a.jpg</Картинка><Картинка>import_files/ab/p1_b.png</Картинка><Картинка>import_files/ab/missing.jpg</Картинка>
            <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>ОписаниеФайла</Наименование><Значение>import_files/ab/manual.pdf#Инструкция</Значение></ЗначениеРеквизита></ЗначенияРеквизитов>
            </Товар></Товары></Каталог></КоммерческаяИнформация>
            """
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00]) + Data(repeating: 7, count: 64)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 9, count: 64)
        let pdf = Data("%PDF-1.4 manual".utf8)
        let zip = ImportFixture.zip([
            ("import.xml", Data(catalog.utf8)), ("import_files/ab/p1_a.jpg", jpeg), ("import_files/ab/p1_b.png", png), ("import_files/ab/manual.pdf", pdf),
        ])
        let job = try ImportFixture.run(database, [("package.zip", zip)])
        #expect(job.status == "succeeded")
        let photos = try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT f.blobSha256, f.kind, i.sortOrder FROM productImage i JOIN file f ON f.id = i.fileId JOIN product p ON p.id = i.productId WHERE p.sku = 'PH-1' ORDER BY i.sortOrder"
            ).map { ($0["blobSha256"] as String, $0["kind"] as String) }
        }
        #expect(photos.count == 2)
        #expect(photos.allSatisfy { $0.1 == "image" })
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE sku = 'PH-1' AND mainImageFileId IS NOT NULL") == 1)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM productDocument d JOIN file f ON f.id = d.fileId WHERE f.title = 'Инструкция'") == 1)
        #expect(try ImportFixture.issues(database, job: job.id).contains { $0.code == "import.missing_images" })
        let sha = try #require(photos.first?.0)
        #expect(try database.isPublicBlobSync(sha256: sha))
        // Again: unchanged, the same photos.
        let again = try ImportFixture.run(database, [("package.zip", zip)])
        #expect(again.counts["product"] == ImportCounts.Entity(unchanged: 1))
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM productImage") == 2)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM file WHERE kind = 'image'") == 2)
    }
}

extension WholesailDatabase {
    func isPublicBlobSync(sha256: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM file WHERE blobSha256 = ? AND kind IN ('image', 'certificate', 'instruction', 'manual'))", arguments: [sha256]) ?? false
        }
    }
}

