import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
@testable import WholesailServer
import WholesailStore
import WholesailTestSupport

/// The 1C "exchange with site" protocol as 1C plays it (research/commerceml.md §10).
@Suite struct ExchangeProtocolTests {
    static let password = "correct horse battery"

    static func seed(_ database: WholesailDatabase) async throws {
        try await database.addUser(email: "admin@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO sellerOrganization (id, erpId, name, inn) VALUES (1, 'org-1', 'ООО «Поставщик»', '7700000001')")
            try db.execute(sql: "INSERT INTO counterparty (id, erpId, name, fullName, inn, kpp) VALUES (1, 'cp-1', 'Альфа', 'ООО «Альфа»', '7701234567', '770101001')")
            try db.execute(sql: "INSERT INTO agreement (id, erpId, counterpartyId, sellerOrganizationId, number, date) VALUES (1, 'ag-1', 1, 1, 'Д-17', '2026-01-10')")
        }
    }

    /// Places an order of two imported products (one a variant) with a reservation.
    static func placeOrder(_ database: WholesailDatabase) throws -> Int64 {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO customerOrder (id, number, sellerOrganizationId, counterpartyId, agreementId, statusId, currency, subtotalMinor, vatMinor, totalMinor, placedAt, updatedAt)
                    VALUES (10, 'WS-10', 1, 1, 1, (SELECT id FROM orderStatus WHERE code = 'new'), 'RUB', 480000, 80000, 480000, '2026-02-01 09:30:00.000', '2026-02-01 09:30:00.000')
                    """)
            let products = try Row.fetchAll(
                db, sql: "SELECT id, sku, name, baseUnitId FROM product WHERE erpId IN ('bd72d913-55bc-11d9-848a-00112f43529a', 'bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4') ORDER BY erpId")
            for (index, product) in products.enumerated() {
                try db.execute(
                    sql: "INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, qtyMilli, priceMinor, amountMinor, vatMinor) VALUES (10, ?, ?, ?, ?, ?, 2000, 120000, 240000, 40000)",
                    arguments: [index + 1, product["id"] as Int64, product["sku"] as String, product["name"] as String, product["baseUnitId"] as Int64])
            }
            let line = try Int64.fetchOne(db, sql: "SELECT id FROM orderLine WHERE orderId = 10 AND lineNo = 1")!
            try db.execute(
                sql: "INSERT INTO reservation (orderLineId, productId, warehouseId, qtyMilli, expiresAt) SELECT ?, productId, (SELECT min(id) FROM warehouse), 2000, '2099-01-01 00:00:00.000' FROM orderLine WHERE id = ?",
                arguments: [line, line])
            return 10
        }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// A 1C client: its cookie once `checkauth` gave one.
    struct OneC {
        var cookie: String?
        let path: String

        func call(_ client: some TestClientProtocol, _ query: String, method: HTTPRequest.Method = .get, body: Data? = nil, auth: String? = nil)
            async throws -> TestResponse
        {
            var headers: HTTPFields = [.userAgent: "1C+Enterprise/8.3"]
            if let cookie { headers[.cookie] = cookie }
            if let auth { headers[.authorization] = auth }
            return try await client.execute(uri: "\(path)?\(query)", method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        }

        mutating func checkauth(_ client: some TestClientProtocol, type: String, auth: String) async throws -> TestResponse {
            let response = try await call(client, "type=\(type)&mode=checkauth", auth: auth)
            let lines = response.text.split(separator: "\n").map(String.init)
            if lines.first == "success", lines.count >= 3 { cookie = "\(lines[1])=\(lines[2])" }
            return response
        }

        /// Sends a file as 1C does with a small file_limit: raw bodies, appended in order.
        func send(_ client: some TestClientProtocol, type: String, name: String, data: Data, chunks: Int) async throws {
            let size = (data.count + chunks - 1) / chunks
            for start in stride(from: 0, to: data.count, by: size) {
                let response = try await call(
                    client, "type=\(type)&mode=file&filename=\(name)", method: .post, body: data.subdata(in: start..<min(start + size, data.count)))
                #expect(response.status == .ok)
                #expect(response.text.hasPrefix("success"), "\(response.text)")
            }
        }

        /// `mode=import` until it stops answering `progress`.
        func importUntilDone(_ client: some TestClientProtocol, name: String) async throws -> (answer: String, progressSeen: Int) {
            var progress = 0
            for _ in 0..<1200 {
                let response = try await call(client, "type=catalog&mode=import&filename=\(name)")
                #expect(response.status == .ok)
                if response.text.hasPrefix("progress") {
                    progress += 1
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                return (response.text, progress)
            }
            return ("timeout", progress)
        }
    }

    /// The seeded app with the exchange user `1c-exchange` / `s3cret-exchange` configured.
    static func exchangeApp() async throws -> (app: WholesailApplication, database: WholesailDatabase) {
        var configuration = WholesailConfiguration(port: 0)
        configuration.exchangeUser = "1c-exchange"
        configuration.exchangePassword = "s3cret-exchange"
        return try await TestApp.make(seed: Self.seed, configuration: configuration)
    }

    @Test("1C's sequence: checkauth → init → chunked files → import (progress … success); the same as a zip; sale: query → success → query → file with a status")
    func fullExchange() async throws {
        let (app, database) = try await Self.exchangeApp()
        try await app.test(.router) { client in
            for path in ExchangeController.paths {
                var onec = OneC(path: path)
                // Wrong password: failure, no session.
                let refused = try await onec.checkauth(client, type: "catalog", auth: Self.basic("1c-exchange", "wrong"))
                #expect(refused.text.hasPrefix("failure"))
                #expect(onec.cookie == nil)
                #expect(try await onec.call(client, "type=catalog&mode=init").text.hasPrefix("failure"))
                // The configured exchange user.
                let auth = try await onec.checkauth(client, type: "catalog", auth: Self.basic("1c-exchange", "s3cret-exchange"))
                #expect(auth.status == .ok)
                #expect(auth.text.hasPrefix("success\n\(ExchangeController.cookieName)\n"))
                let initAnswer = try await onec.call(client, "type=catalog&mode=init")
                #expect(initAnswer.text.hasPrefix("zip=yes\nfile_limit="))
                // Files in chunks, then import each.
                try await onec.send(client, type: "catalog", name: "import.xml", data: try ImportFixture.sample("carono-php-commerceml-2.07/import.xml"), chunks: 3)
                try await onec.send(client, type: "catalog", name: "offers.xml", data: try ImportFixture.sample("carono-php-commerceml-2.07/offers.xml"), chunks: 3)
                let first = try await onec.importUntilDone(client, name: "import.xml")
                #expect(first.answer.hasPrefix("success"), "\(first.answer)")
                let second = try await onec.importUntilDone(client, name: "offers.xml")
                #expect(second.answer.hasPrefix("success"), "\(second.answer)")
                #expect(try await onec.call(client, "type=catalog&mode=complete").text.hasPrefix("success"))
            }
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 7)
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM price") == 5)
            // The second run (Bitrix path) changed nothing.
            let jobs = try await database.importJobs()
            #expect(jobs.count == 2)
            #expect(jobs.first.map { ImportFixture.onlyUnchanged($0) } == true)

            // Once more as a zip (zip=yes), sent in chunks, by an admin user.
            var zipped = OneC(path: "/1c/exchange")
            #expect(try await zipped.checkauth(client, type: "catalog", auth: Self.basic("admin@example.com", Self.password)).text.hasPrefix("success"))
            _ = try await zipped.call(client, "type=catalog&mode=init")
            try await zipped.send(client, type: "catalog", name: "v8_1A76_155ae.zip", data: try ImportFixture.sample("d16izhevsk-ut11-demo-2.07-large/exchange.zip"), chunks: 3)
            let unpacked = try await zipped.importUntilDone(client, name: "import0_1.xml")
            #expect(unpacked.answer.hasPrefix("success"), "\(unpacked.answer)")
            #expect(unpacked.progressSeen >= 1)
            #expect(try await zipped.importUntilDone(client, name: "offers0_1.xml").answer.hasPrefix("success"))
            // A full upload: its 1,197 products and 2,100 variants are what is active now.
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 1") == 1197 + 2100)

            // Orders.
            let orderId = try Self.placeOrder(database)
            var sale = OneC(path: "/bitrix/admin/1c_exchange.php")
            #expect(try await sale.checkauth(client, type: "sale", auth: Self.basic("1c-exchange", "s3cret-exchange")).text.hasPrefix("success"))
            #expect(try await sale.call(client, "type=sale&mode=init").text.hasPrefix("zip="))
            // Newer 1C asks for the reference first: statuses, payment systems, delivery services.
            let info = try await sale.call(client, "type=sale&mode=info")
            #expect(info.status == .ok)
            #expect(info.headers[.contentType] == "application/xml; charset=utf-8")
            let reference = try XMLDocument(data: Data(buffer: info.body))
            let statusIds = try reference.nodes(forXPath: "/КоммерческаяИнформация/Справочник/Статусы/Элемент/Ид").compactMap(\.stringValue)
            let expectedStatuses = try ImportFixture.strings(database, "SELECT code FROM orderStatus WHERE isActive = 1 ORDER BY sortOrder, id")
            #expect(!statusIds.isEmpty && statusIds == expectedStatuses)
            #expect(try reference.nodes(forXPath: "//Статусы/Элемент/Название").allSatisfy { !($0.stringValue ?? "").isEmpty })
            #expect(try reference.nodes(forXPath: "//СлужбыДоставки/Элемент/Ид").compactMap(\.stringValue) == ["pickup", "delivery", "carrier"])
            #expect(try reference.nodes(forXPath: "//ПлатежныеСистемы/Элемент").count == 2)
            let query = try await sale.call(client, "type=sale&mode=query")
            #expect(query.status == .ok)
            #expect(query.headers[.contentType] == "application/xml; charset=utf-8")
            let bytes = Data(buffer: query.body)
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
            var documents: [CommerceML.Document] = []
            let reader = CommerceMLReader(data: bytes)
            while let record = try reader.next() { if case .document(let document) = record { documents.append(document) } }
            #expect(documents.count == 1)
            let document = try #require(documents.first)
            #expect(document.id == String(orderId))
            #expect(document.number == "WS-10")
            #expect(document.date == "2026-02-01")
            #expect(document.time == "09:30:00")
            #expect(document.operation == "Заказ товара")
            #expect(document.currency == "RUB")
            #expect(document.sum == "4800")
            #expect(document.counterparties.first?.inn == "7701234567")
            #expect(document.counterparties.first?.kpp == "770101001")
            #expect(document.counterparties.first?.id == "cp-1")
            #expect(document.requisites.value(named: "Договор") == "Д-17")
            #expect(document.requisites.value(named: "Статус заказа") == "Новый")
            #expect(document.lines.count == 2)
            let line = try #require(document.lines.first { $0.id.raw == "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4" })
            #expect(line.quantity == "2")
            #expect(line.price == "1200")
            #expect(line.sum == "2400")
            #expect(line.unit?.code == "715")
            #expect(line.taxRates.first?.rate == "20")
            #expect(line.requisites.value(named: "Резерв") == "2")
            // success marks it exported; the next query is empty.
            #expect(try await sale.call(client, "type=sale&mode=success").text.hasPrefix("success"))
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM orderEvent WHERE orderId = ? AND kind = 'exported'", [orderId]) == 1)
            let again = try await sale.call(client, "type=sale&mode=query")
            var none = 0
            let emptyReader = CommerceMLReader(data: Data(buffer: again.body))
            while let record = try emptyReader.next() { if case .document = record { none += 1 } }
            #expect(none == 0)
            // 1C answers with a status change (and a shipment).
            let update = """
                <?xml version="1.0" encoding="windows-1251"?>
                <КоммерческаяИнформация ВерсияСхемы="2.03">
                  <Документ>
                    <Ид>\(orderId)</Ид><Номер>WS-10</Номер><Дата>2026-02-01</Дата><ХозОперация>Заказ товара</ХозОперация>
                    <ЗначенияРеквизитов>
                      <ЗначениеРеквизита><Наименование>Номер по 1С</Наименование><Значение>ЗК-000123</Значение></ЗначениеРеквизита>
                      <ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>Согласован</Значение></ЗначениеРеквизита>
                      <ЗначениеРеквизита><Наименование>Номер отгрузки по 1С</Наименование><Значение>РТ-55</Значение></ЗначениеРеквизита>
                      <ЗначениеРеквизита><Наименование>Дата отгрузки по 1С</Наименование><Значение>2026-02-03</Значение></ЗначениеРеквизита>
                    </ЗначенияРеквизитов>
                  </Документ>
                </КоммерческаяИнформация>
                """
            let cp1251 = try #require(update.data(using: .windowsCP1251))
            let answer = try await sale.call(client, "type=sale&mode=file&filename=orders-1c.xml", method: .post, body: cp1251)
            #expect(answer.text.hasPrefix("success"), "\(answer.text)")
            let status = try await database.read { db in
                try String.fetchOne(db, sql: "SELECT s.code FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?", arguments: [orderId])
            }
            #expect(status == "confirmed")
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM orderEvent WHERE orderId = ? AND kind = 'status'", [orderId]) == 1)
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM shipment WHERE orderId = ? AND number = 'РТ-55'", [orderId]) == 1)
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM outbox WHERE topic = 'order.status'") >= 0)
            // The change came from 1C: it is not sent back to it.
            let afterUpdate = try await sale.call(client, "type=sale&mode=query")
            var echoed = 0
            let echoReader = CommerceMLReader(data: Data(buffer: afterUpdate.body))
            while let record = try echoReader.next() { if case .document = record { echoed += 1 } }
            #expect(echoed == 0)
            // An unknown mode and a bad file name are failures 1C can show.
            #expect(try await sale.call(client, "type=sale&mode=teleport").text.hasPrefix("failure"))
            #expect(try await sale.call(client, "type=catalog&mode=file&filename=../../etc/passwd", method: .post, body: Data("x".utf8)).text.hasPrefix("failure"))
        }
    }

    @Test("orders for other ERPs as JSON since a moment; offline orders from the ERP arrive with their ERP id")
    func jsonExportAndOfflineOrders() async throws {
        let (app, database) = try await TestApp.make(seed: { database in
            try await Self.seed(database)
            try ImportFixture.run(database, samples: ["carono-php-commerceml-2.07/import.xml", "carono-php-commerceml-2.07/offers.xml"])
        })
        let orderId = try Self.placeOrder(database)
        try await app.test(.router) { client in
            let token = try await ImportAPITests.token(client, "admin@example.com")
            let response = try await client.execute(uri: "/api/v1/orders/export?since=2026-01-01T00:00:00Z", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(response.status == .ok)
            let json = try response.json()
            let orders = try #require(json["orders"] as? [[String: Any]])
            #expect(orders.map { $0["id"] as? Int } == [Int(orderId)])
            #expect((orders.first?["counterparty"] as? [String: Any])?["inn"] as? String == "7701234567")
            #expect((orders.first?["lines"] as? [[String: Any]])?.count == 2)
            let next = try #require(json["next_since"] as? String)
            let later = try await client.execute(uri: "/api/v1/orders/export?since=\(next)", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect((try later.json()["orders"] as? [Any])?.isEmpty == true)
            #expect(try await client.execute(uri: "/api/v1/orders/export?since=yesterday", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil).status == .unprocessableContent)
        }
        // An order placed in 1C (the official sample's site order 36 counts as one here).
        let job = try ImportFixture.run(database, samples: ["argentcrusade-commerceml-3.1-and-2.09-documents/documents-example.xml"])
        #expect(job.counts["order"].created == 2)
        let offline = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT source, erpId, number, totalMinor FROM customerOrder WHERE erpId = '142'")
        }
        #expect(offline?["source"] as String? == "offline")
        #expect(offline?["number"] as String? == "ТДЦУ-000001")
        #expect(offline?["totalMinor"] as Int64? == 818_684)
        let repeated = try ImportFixture.run(database, samples: ["argentcrusade-commerceml-3.1-and-2.09-documents/documents-example.xml"])
        #expect(repeated.counts["order"].created == 0)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM customerOrder WHERE source = 'offline'") == 2)
    }

    /// Goods in a new-style file (every file "changes only", as UT 11 with the exchange module 6 writes).
    static func goods(_ ids: [String]) -> Data {
        let items = ids.map { "<Товар><Ид>\($0)</Ид><Артикул>SKU-\($0)</Артикул><Наименование>Товар \($0)</Наименование></Товар>" }.joined()
        return Data("""
            <?xml version="1.0" encoding="UTF-8"?>
            <КоммерческаяИнформация ВерсияСхемы="3.1" ДатаФормирования="2026-11-30T10:00:00">
            <Каталог СодержитТолькоИзменения="true"><Ид>cat-1</Ид><ИдКлассификатора>cls-1</ИдКлассификатора><Наименование>Каталог</Наименование>
            <Товары>\(items)</Товары></Каталог></КоммерческаяИнформация>
            """.utf8)
    }

    @Test("newer 1C's mode=deactivate after a full upload in changes-only files: goods the exchange did not mention go inactive; nothing when no goods came or an import failed")
    func deactivateAfterFullUpload() async throws {
        let (app, database) = try await Self.exchangeApp()
        @Sendable func active() throws -> [String] {
            try ImportFixture.strings(database, "SELECT erpId FROM product WHERE erpId LIKE 'g-%' AND active = 1 ORDER BY erpId")
        }
        try await app.test(.router) { client in
            // One exchange: checkauth, init, the files, an import of each, then what 1C sends last.
            func exchange(_ files: [(String, Data)], last: String?) async throws -> String? {
                var onec = OneC(path: "/1c/exchange")
                #expect(try await onec.checkauth(client, type: "catalog", auth: Self.basic("1c-exchange", "s3cret-exchange")).text.hasPrefix("success"))
                _ = try await onec.call(client, "type=catalog&mode=init")
                for (name, data) in files { try await onec.send(client, type: "catalog", name: name, data: data, chunks: 1) }
                for (name, _) in files { _ = try await onec.importUntilDone(client, name: name) }
                guard let last else { return nil }
                return try await onec.call(client, "type=catalog&mode=\(last)").text
            }
            _ = try await exchange([("import___1.xml", Self.goods(["g-a", "g-b", "g-c"]))], last: "complete")
            #expect(try active() == ["g-a", "g-b", "g-c"])
            // Changes only, no deactivate: nothing goes.
            _ = try await exchange([("import___2.xml", Self.goods(["g-a"]))], last: "complete")
            #expect(try active() == ["g-a", "g-b", "g-c"])
            // A full upload split over two files, then deactivate: g-c was in neither.
            let answer = try await exchange([("import___3.xml", Self.goods(["g-a"])), ("import___4.xml", Self.goods(["g-b"]))], last: "deactivate")
            #expect(answer == "success\n1 products not in this upload deactivated\n")
            #expect(try active() == ["g-a", "g-b"])
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE erpId = 'g-c'") == 1)  // never deleted
            // An exchange that failed a file concludes nothing; one without goods neither.
            let failed = try await exchange([("import___5.xml", Self.goods(["g-a"])), ("import___6.xml", Data("<КоммерческаяИнформация><Каталог>".utf8))], last: "deactivate")
            #expect(failed?.hasPrefix("success\nnothing deactivated") == true, "\(failed ?? "")")
            let empty = try await exchange([], last: "deactivate")
            #expect(empty?.hasPrefix("success\nnothing deactivated") == true, "\(empty ?? "")")
            #expect(try active() == ["g-a", "g-b"])
            #expect(try ImportFixture.count(database, "SELECT count(*) FROM auditLog WHERE action = 'exchange.deactivate'") == 1)
        }
    }

    @Test("guessing the exchange password is throttled like any login")
    func throttled() async throws {
        let (app, _) = try await Self.exchangeApp()
        try await app.test(.router) { client in
            var onec = OneC(path: "/1c/exchange")
            for attempt in 0..<5 {
                let answer = try await onec.checkauth(client, type: "catalog", auth: Self.basic("1c-exchange", "guess-\(attempt)"))
                #expect(answer.text.hasPrefix("failure\nWrong login"))
            }
            let blocked = try await onec.checkauth(client, type: "catalog", auth: Self.basic("1c-exchange", "s3cret-exchange"))
            #expect(blocked.text.hasPrefix("failure\nToo many"))
            #expect(onec.cookie == nil)
        }
    }
}
