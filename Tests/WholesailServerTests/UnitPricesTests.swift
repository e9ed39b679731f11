import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

@Suite struct UnitPriceTests {
    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("a CommerceML price per box is stored as the box's own price; the card and the cart use it instead of piece × factor")
    func boxPriceFromImport() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        // A demo product without pack units gets a box of 20 (the catalog side).
        let (productId, erpId, sku, boxUnit) = try await database.write { db -> (Int64, String, String, Int64) in
            let row = try #require(
                try Row.fetchOne(
                    db, sql: """
                        SELECT id, erpId, sku FROM product p WHERE erpId IS NOT NULL AND active = 1
                            AND NOT EXISTS (SELECT 1 FROM productUnit WHERE productId = p.id) ORDER BY id LIMIT 1
                        """))
            try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES ('9020', 'кор20', 'Коробка (20 шт)')")
            let unit = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO productUnit (productId, unitId, factor) VALUES (?, ?, '20')", arguments: [row["id"] as Int64, unit])
            return (row["id"], row["erpId"], row["sku"], unit)
        }
        let offers = """
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="2.08"><ПакетПредложений СодержитТолькоИзменения="true">
            <ТипыЦен><ТипЦены><Ид>pt-wholesale</Ид><Наименование>Оптовая</Наименование><Валюта>RUB</Валюта></ТипЦены></ТипыЦен>
            <Предложения><Предложение><Ид>\(erpId)</Ид><Цены>
            <Цена><ИдТипаЦены>pt-wholesale</ИдТипаЦены><ЦенаЗаЕдиницу>15</ЦенаЗаЕдиницу><Коэффициент>1</Коэффициент></Цена>
            <Цена><ИдТипаЦены>pt-wholesale</ИдТипаЦены><ЦенаЗаЕдиницу>280</ЦенаЗаЕдиницу><Единица>кор20</Единица><Коэффициент>20</Коэффициент></Цена>
            </Цены></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>
            """
        let job = try ImportFixture.run(database, [("offers.xml", Data(offers.utf8))])
        #expect(job.status == "succeeded")
        let stored = try await database.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(
                    db, sql: "SELECT pr.unitId, pr.amountMinor FROM price pr JOIN priceType t ON t.id = pr.priceTypeId WHERE t.erpId = 'pt-wholesale' AND pr.productId = ?",
                    arguments: [productId]
                ).map { ($0["unitId"] as Int64, $0["amountMinor"] as Int64) })
        }
        #expect(stored[boxUnit] == 280_00, "the box keeps its own price")
        #expect(stored.count == 2 && stored.values.contains(15_00), "the piece keeps its own price, not 280 ÷ 20")
        // A second upload of the same file changes nothing.
        let again = try ImportFixture.run(database, [("offers.xml", Data(offers.utf8))])
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM price WHERE productId = ?", arguments: [productId]) } == 4, "three base prices and the box")
        #expect(again.status == "succeeded")
        try await pricing.rebuild()

        try await app.test(.router) { client in
            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            let card = try Self.json(try await client.execute(uri: "/api/v1/products/\(productId)", method: .get, headers: [.authorization: "Bearer \(petrov)"]))
            let units = try #require(card["units"] as? [[String: Any]])
            let box = try #require(units.first { $0["unit"] as? String == "кор20" })
            #expect((box["price"] as? [String: Any])?["amount"] as? String == "280.00", "not 20 × 15.00 = 300.00")
            #expect(((card["product"] as? [String: Any])?["price"] as? [String: Any])?["amount"] as? String == "15.00")

            // The cart prices a line in boxes at the box price.
            let added = try await client.execute(
                uri: "/api/v1/cart/items", method: .post, headers: [.authorization: "Bearer \(petrov)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"sku":"\#(sku)","qty":"2","unit":"кор20"}"#))
            #expect(added.status.code < 300)
            let cart = try Self.json(try await client.execute(uri: "/api/v1/cart", method: .get, headers: [.authorization: "Bearer \(petrov)"]))
            let line = try #require((cart["lines"] as? [[String: Any]])?.first)
            #expect((line["price"] as? [String: Any])?["amount"] as? String == "280.00")
            #expect((line["amount"] as? [String: Any])?["amount"] as? String == "560.00")

            // A 10% discount rule for the company applies to the box price too.
            try await database.write { db in
                try db.execute(sql: "INSERT INTO priceRule (name, counterpartyId, action, percent) VALUES ('−10%', 1, 'discount', '10')")
            }
            try await pricing.rebuild()
            let discounted = try Self.json(try await client.execute(uri: "/api/v1/cart", method: .get, headers: [.authorization: "Bearer \(petrov)"]))
            let discountedLine = try #require((discounted["lines"] as? [[String: Any]])?.first)
            #expect((discountedLine["price"] as? [String: Any])?["amount"] as? String == "252.00")
        }
    }
}

@Suite struct ImportedAgreementPriceTypeTests {
    @Test("the price type an agreement import sets is the price of buyers ordering under that agreement: card, cart and an order under another agreement")
    func importedAgreementPriceType() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let pricing = try #require(TestApp.pricing(for: database))
        let prices = try await AdminPriceAssignmentsTests.prices(database, product: 1)
        let (companyErp, agreementErp, number, sku, warehouse) = try await database.read { db in
            (
                try String.fetchOne(db, sql: "SELECT erpId FROM counterparty WHERE id = 1")!,
                try String.fetchOne(db, sql: "SELECT erpId FROM agreement WHERE counterpartyId = 1 AND isDefault = 1")!,
                try String.fetchOne(db, sql: "SELECT number FROM agreement WHERE counterpartyId = 1 AND isDefault = 1")!,
                try String.fetchOne(db, sql: "SELECT sku FROM product WHERE id = 1")!,
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM warehouse WHERE active = 1 AND isPickupPoint = 1
                            AND (regionId IS NULL OR regionId = (SELECT regionId FROM counterparty WHERE id = 1)) ORDER BY id LIMIT 1
                        """)!
            )
        }
        let records = """
            {"type":"agreement","id":"\(agreementErp)","counterparty":"\(companyErp)","number":"\(number)","date":"2026-01-15","priceType":"pt-large","default":true}
            {"type":"agreement","id":"\(agreementErp)-retail","counterparty":"\(companyErp)","number":"Р-1","date":"2026-02-01","priceType":"pt-retail"}
            """
        try await app.test(.router) { client in
            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[2], "the company's price type before the import")

            let job = try ImportFixture.run(database, [("agreements.jsonl", Data(records.utf8))])
            #expect(job.status == "succeeded")
            #expect(job.counts["agreement"] == ImportCounts.Entity(created: 1, updated: 1))
            try await pricing.rebuild()

            // The default agreement's imported price type beats the company's assignment.
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[3])
            _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: petrov, body: #"{"sku":"\#(sku)","qty":"1"}"#)
            let cart = try UnitPriceTests.json(try await Shop.json(client, .get, "/api/v1/cart", token: petrov))
            let line = try #require((cart["lines"] as? [[String: Any]])?.first)
            #expect((line["price"] as? [String: Any])?["amount"] as? String == prices[3])

            // An order placed under the other agreement is priced at that agreement's type.
            let other = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM agreement WHERE erpId = ?", arguments: ["\(agreementErp)-retail"]) })
            let placed = try await Shop.json(
                client, .post, "/api/v1/orders", token: petrov,
                body: #"{"counterparty_id":1,"agreement_id":\#(other),"delivery":"pickup","warehouse_id":\#(warehouse)}"#)
            #expect(placed.status.code < 300, "\(placed.text.prefix(500))")
            let order = try #require(try UnitPriceTests.json(placed)["id"] as? Int)
            let stored = try database.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT o.agreementId, l.priceMinor FROM customerOrder o JOIN orderLine l ON l.orderId = o.id WHERE o.id = ?", arguments: [order])
            }
            #expect(stored?["agreementId"] as Int64? == other)
            #expect(stored.map { Money(minorUnits: $0["priceMinor"], currency: "RUB").decimalString } == prices[1])
        }
    }
}
