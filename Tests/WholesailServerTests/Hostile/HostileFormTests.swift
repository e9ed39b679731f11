import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The injection strings of `Tests/Fixtures/hostile/strings.txt` (SQL, HTML, formula, template,
/// CRLF) in every text field of registration, profile, cart, checkout, requests and import rows:
/// stored as plain text, escaped on every page that shows them, quoted in CSV and kept text in
/// XLSX exports; no 500, no planted header, the schema and the other rows untouched.
@Suite("Hostile input: injection strings in forms, APIs and imported rows")
struct HostileFormTests {
    static func counts(_ database: WholesailDatabase) throws -> [Int] {
        try ["user", "counterparty", "product"].map { try ImportFixture.count(database, "SELECT count(*) FROM \($0)") }
    }

    static func expectNoPlantedHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        for field in response.headers {
            #expect(!field.value.contains("planted"), "planted header \(field)", sourceLocation: sourceLocation)
        }
    }

    @Test("pages: registration, profile, saved cart, promo code, checkout and requests keep the strings as text and escape them")
    func pages() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: HostileUploadTests.unlimited)
        let payloads = try HostileCorpus.strings()
        let before = try Self.counts(database)
        let tally = HostileCorpus.Tally("injection strings in page forms")
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            var (manager, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            for (index, payload) in payloads.enumerated() {
                // Registration: every text field, then a valid e-mail so the rest is stored.
                var visitor = Browser()
                _ = try await visitor.get(client, "/register")
                let fields = ["companyName", "inn", "contactName", "email", "phone", "comment"]
                var response = try await visitor.post(
                    client, "/register", Dictionary(uniqueKeysWithValues: fields.map { ($0, payload) }).merging(["consent": "yes"]) { $1 })
                #expect(response.status.code < 500, "register: \(response.status)")
                HostileCorpus.expectEscaped(response.text, [payload], where: "register echo")
                Self.expectNoPlantedHeaders(response)
                _ = try await visitor.get(client, "/register")
                response = try await visitor.post(
                    client, "/register",
                    [
                        "companyName": payload, "inn": "7707083893", "contactName": payload, "email": "hostile\(index)@example.com",
                        "phone": "+7900000\(String(format: "%04d", index))", "comment": payload, "consent": "yes",
                    ])
                #expect(response.status.code < 500, "register valid: \(response.status)")
                tally.count(2)

                // Profile: full name and phone.
                _ = try await buyer.get(client, "/account")
                response = try await buyer.post(client, "/account/profile", ["fullName": payload, "phone": payload, "locale": payload])
                #expect(response.status.code < 500, "profile: \(response.status)")
                HostileCorpus.expectEscaped(response.text, [payload], where: "profile answer")
                let account = try await buyer.get(client, "/account")
                HostileCorpus.expectEscaped(account.text, [payload], where: "/account")
                tally.count()

                // Cart: promo code, saved-cart name, quick order text.
                _ = try await buyer.get(client, "/cart")
                _ = try await buyer.post(client, "/cart/add", ["product_id": "1", "qty": "1"])
                _ = try await buyer.get(client, "/cart")
                response = try await buyer.post(client, "/cart/promocode", ["code": payload])
                #expect(response.status.code < 500, "promocode: \(response.status)")
                HostileCorpus.expectEscaped(response.text, [payload], where: "promocode answer")
                _ = try await buyer.get(client, "/cart")
                response = try await buyer.post(client, "/cart/save", ["name": payload])
                #expect(response.status.code < 500, "save cart: \(response.status)")
                let saved = try await buyer.get(client, "/account/carts")
                HostileCorpus.expectEscaped(saved.text, [payload], where: "/account/carts")
                _ = try await buyer.get(client, "/quick-order")
                response = try await buyer.post(client, "/quick-order", ["skus": payload])
                #expect(response.status.code < 500, "quick order: \(response.status)")
                HostileCorpus.expectEscaped(response.text, [payload], where: "quick order")
                tally.count(3)

                // Checkout: every free-text field.
                _ = try await buyer.post(client, "/cart/add", ["product_id": "1", "qty": "1"])
                let checkout = try await buyer.get(client, "/checkout")
                let version = checkout.text.slice(after: #"name="version" value=""#) ?? ""
                let key = checkout.text.slice(after: #"name="idempotencyKey" value=""#) ?? ""
                response = try await buyer.post(
                    client, "/checkout",
                    [
                        "counterpartyId": "1", "delivery": "pickup", "warehouseId": "1", "version": version, "idempotencyKey": key,
                        "comment": payload, "consignee": payload, "contactName": payload, "contactPhone": payload, "deliveryWindow": payload,
                        "addressText": payload,
                    ])
                #expect(response.status.code < 500, "checkout: \(response.status)")
                HostileCorpus.expectEscaped(response.text, [payload], where: "checkout answer")
                // The free-text fields alone (the phone and window valid): the order is placed.
                let again = try await buyer.get(client, "/checkout")
                response = try await buyer.post(
                    client, "/checkout",
                    [
                        "counterpartyId": "1", "delivery": "pickup", "warehouseId": "1",
                        "version": again.text.slice(after: #"name="version" value=""#) ?? "",
                        "idempotencyKey": again.text.slice(after: #"name="idempotencyKey" value=""#) ?? "",
                        "comment": payload, "consignee": payload, "contactName": payload, "contactPhone": "+7 900 123-45-67",
                    ])
                #expect(response.status == .seeOther, "checkout with free text: \(response.status) \(response.text.prefix(300))")
                if let location = response.headers[.location], location.hasPrefix("/orders/") {
                    let order = try await buyer.get(client, String(location.prefix { $0 != "?" }))
                    HostileCorpus.expectEscaped(order.text, [payload], where: "order page")
                    let staffView = try await manager.get(client, String(location.prefix { $0 != "?" }))
                    HostileCorpus.expectEscaped(staffView.text, [payload], where: "order page (admin)")
                }
                tally.count()

                // Requests: subject and text.
                _ = try await buyer.get(client, "/requests/new")
                response = try await buyer.post(client, "/requests", ["kind": "question", "subject": payload, "body": payload, "counterpartyId": "1"])
                #expect(response.status.code < 500, "request: \(response.status)")
                if let location = response.headers[.location], location.hasPrefix("/requests/") {
                    let page = try await buyer.get(client, location)
                    HostileCorpus.expectEscaped(page.text, [payload], where: "request page")
                }
                tally.count()

                // Search and catalog filters echo the query.
                let query = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                for uri in ["/search?q=\(query)", "/catalog?q=\(query)&sort=\(query)", "/login?from=\(query)"] {
                    let page = try await buyer.get(client, uri)
                    #expect(page.status.code < 500, "\(uri): \(page.status)")
                    HostileCorpus.expectEscaped(page.text, [payload], where: uri)
                    Self.expectNoPlantedHeaders(page)
                    tally.count()
                }
            }
            // The staff lists that show what was submitted.
            for uri in ["/staff/registrations", "/staff/requests", "/admin/audit", "/admin/users"] {
                let page = try await manager.get(client, uri)
                #expect(page.status.code < 500, "\(uri): \(page.status)")
                HostileCorpus.expectEscaped(page.text, payloads, where: uri)
            }
        }
        // Stored as given: the SQL strings are data, not statements.
        let stored = try await database.read {
            try String.fetchAll($0, sql: "SELECT companyName FROM registrationRequest")
        }
        for payload in payloads where payload.contains("DROP TABLE") || payload.contains("OR '1'='1") {
            #expect(stored.contains(payload), "\(payload) not stored verbatim")
        }
        // Orders were placed with the strings as their comments (the forms really went through).
        let comments = Set(try await database.read { try String.fetchAll($0, sql: "SELECT comment FROM customerOrder WHERE comment IS NOT NULL") })
        #expect(payloads.filter { comments.contains($0) }.count >= payloads.count / 2, "\(comments.count) order comments stored")
        let after = try Self.counts(database)
        #expect(after[0] == before[0] && after[1] == before[1] && after[2] == before[2])
        let admins = try ImportFixture.count(database, "SELECT count(*) FROM user u JOIN userRole ur ON ur.userId = u.id JOIN role r ON r.id = ur.roleId WHERE u.email LIKE 'buyer%' AND r.code = 'admin'")
        #expect(admins == 0)
        try await HostileCorpus.expectIntact(database)
        tally.report()
    }

    @Test("API: order, saved cart and request fields keep the strings verbatim as JSON; no 500")
    func api() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: HostileUploadTests.unlimited)
        let payloads = try HostileCorpus.strings()
        let tally = HostileCorpus.Tally("injection strings in API bodies")
        try await app.test(.router) { client in
            let token = try await Shop.token(client, "buyer1@example.com")
            func body(_ object: [String: Any]) throws -> String {
                String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
            for payload in payloads {
                _ = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"1"}"#)
                var response = try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: try body(["sku": payload, "qty": "1"]))
                #expect(response.status.code < 500 && response.status.code >= 400, "cart item sku: \(response.status)")
                response = try await Shop.json(client, .post, "/api/v1/carts", token: token, body: try body(["name": payload]))
                #expect(response.status.code < 500, "saved cart: \(response.status)")
                response = try await Shop.json(
                    client, .post, "/api/v1/orders", token: token,
                    body: try body([
                        "delivery": "pickup", "warehouse_id": 1, "comment": payload, "consignee": payload, "contact_name": payload,
                        "contact_phone": payload, "delivery_window": payload,
                    ]))
                #expect(response.status.code < 500, "order: \(response.status) \(response.text)")
                Self.expectNoPlantedHeaders(response)
                if response.status == .created, let id = try response.json()["id"] as? Int {
                    let order = try await Shop.json(client, .get, "/api/v1/orders/\(id)", token: token)
                    #expect(order.headers[.contentType]?.hasPrefix("application/json") == true)
                    let decoded = try order.json()
                    let comment = (decoded["comment"] as? String) ?? ((decoded["order"] as? [String: Any])?["comment"] as? String)
                    #expect(comment == payload.trimmingCharacters(in: .whitespacesAndNewlines) || comment == payload, "comment came back as \(comment ?? "nil")")
                }
                response = try await Shop.json(
                    client, .post, "/api/v1/requests", token: token, body: try body(["kind": "question", "subject": payload, "body": payload]))
                #expect(response.status.code < 500, "request: \(response.status)")
                let search = try await Shop.json(
                    client, .get, "/api/v1/products?q=\(payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", token: token)
                #expect(search.status.code < 500, "search: \(search.status)")
                tally.count(5)
            }
        }
        try await HostileCorpus.expectIntact(database)
        tally.report()
    }

    @Test("imported rows: product names with the strings are escaped on pages, quoted in CSV exports and plain text in XLSX exports")
    func importedRowsAndExports() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: HostileUploadTests.unlimited)
        let payloads = try HostileCorpus.strings() + ["\u{FF1D}1+1", "\u{FF0B}cmd|' /C calc'!A0", "\r=1+1", "\n=1+1"]
        let tally = HostileCorpus.Tally("injection strings in imported rows and exports")
        // One CSV row per string: SKU, name, group, unit, price.
        var csv = "Артикул;Наименование;Группа;Единица;Цена\n"
        for (index, payload) in payloads.enumerated() {
            csv += "HX-\(index);\"\(payload.replacingOccurrences(of: "\"", with: "\"\""))\";\"\(payload.replacingOccurrences(of: "\"", with: "\"\""))\";шт;10\n"
        }
        let upload = Data(csv.utf8)
        try await app.test(.router) { client in
            let admin = try await Shop.token(client, "root@example.com")
            let (headers, body) = ImportFixture.multipart([("products.csv", upload)])
            var all = headers
            all[.authorization] = "Bearer \(admin)"
            let upload = try await client.execute(uri: "/api/v1/import", method: .post, headers: all, body: body)
            #expect(upload.status == .accepted)
            let id = try #require((try upload.json()["job"] as? [String: Any])?["id"] as? Int)
            let result = try await client.waitForImport(id, token: admin)
            #expect((result["job"] as? [String: Any])?["status"] as? String == "succeeded")
            tally.count(payloads.count)

            let names = try await database.read {
                try Row.fetchAll($0, sql: "SELECT id, sku, name FROM product WHERE sku LIKE 'HX-%' ORDER BY id").map { ($0["id"] as Int64, $0["sku"] as String, $0["name"] as String) }
            }
            #expect(names.count == payloads.count)
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/cart")
            for (id, _, _) in names {
                let card = try await buyer.get(client, "/product/\(id)")
                #expect(card.status.code < 500)
                HostileCorpus.expectEscaped(card.text, payloads, where: "/product/\(id)")
                _ = try await buyer.post(client, "/cart/add", ["product_id": "\(id)", "qty": "1"])
            }
            for uri in ["/cart", "/catalog", "/search?q=HX", "/price-list"] {
                let page = try await buyer.get(client, uri)
                #expect(page.status.code < 500, "\(uri)")
                HostileCorpus.expectEscaped(page.text, payloads, where: uri)
            }
            // CSV export: a formula trigger at the start of a cell is prefixed with an apostrophe.
            let exported = try await buyer.get(client, "/cart/export.csv")
            #expect(exported.status == .ok)
            let cells = Self.csvCells(exported.text)
            for (_, sku, name) in names {
                guard let row = cells.first(where: { $0.first == sku }) else {
                    Issue.record("\(sku) missing from the CSV export")
                    continue
                }
                let cell = row.count > 1 ? row[1] : ""
                if XLSXCell.looksLikeFormula(name) || name.first == "\n" {
                    #expect(cell.hasPrefix("'"), "CSV cell \(cell.debugDescription) is not neutralized")
                }
                #expect(cell.drop { $0 == "'" } == name[...] || cell == name, "CSV cell \(cell.debugDescription) ≠ \(name.debugDescription)")
            }
            tally.count(names.count)
            // XLSX exports: no formula element anywhere, the names as text cells.
            for uri in ["/cart/export.xlsx", "/price-list.xlsx"] {
                let response = try await buyer.get(client, uri)
                #expect(response.status == .ok, "\(uri)")
                let data = Data(buffer: response.body)
                let zip = try ZipDirectory(data, maxEntries: 100)
                for entry in zip.entries where entry.path.hasPrefix("xl/worksheets/") {
                    var xml = Data()
                    try zip.read(entry) { xml.append($0) }
                    let text = String(decoding: xml, as: UTF8.self)
                    #expect(!text.contains("<f>") && !text.contains("<f "), "\(uri) \(entry.path) has a formula")
                }
                let rows = try XLSXReader(data: data).rows()
                let texts = Set(rows.flatMap(\.cells))
                for (_, _, name) in names where uri.hasPrefix("/cart") {
                    #expect(texts.contains(name) || texts.contains(name.trimmingCharacters(in: .whitespacesAndNewlines)), "\(uri): \(name.debugDescription) missing")
                }
                tally.count(names.count)
            }
            // The subscriber export (names from profiles).
            var (admin2, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/account")
            _ = try await buyer.post(client, "/account/profile", ["fullName": "=cmd|' /C calc'!A0", "phone": "", "locale": "ru", "mailingOptIn": "1"])
            let subscribers = try await admin2.get(client, "/admin/subscribers.csv")
            if subscribers.status == .ok {
                #expect(!Self.csvCells(subscribers.text).flatMap { $0 }.contains { XLSXCell.looksLikeFormula($0) })
                tally.count()
            }
        }
        try await HostileCorpus.expectIntact(database)
        tally.report()
    }

    /// `;`-separated cells with `"` quoting (the portal's CSV dialect).
    static func csvCells(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var chars = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        chars.append("\n")
        var index = 0
        while index < chars.count {
            let c = chars[index]
            if quoted {
                if c == "\"" {
                    if index + 1 < chars.count, chars[index + 1] == "\"" {
                        cell.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == ";" {
                row.append(cell)
                cell = ""
            } else if c == "\r\n" || c == "\n" {
                row.append(cell)
                if row != [""] { rows.append(row) }
                row = []
                cell = ""
            } else if c != "\r" {
                cell.append(c)
            }
            index += 1
        }
        return rows
    }
}
