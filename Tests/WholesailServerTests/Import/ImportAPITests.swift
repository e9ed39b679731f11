import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
@testable import WholesailServer
import WholesailStore
import WholesailTestSupport

/// `POST /api/v1/import` and `GET /api/v1/import/{id}` with the malicious corpus: each file is
/// refused or reported as it should be, what the database held stays, the server keeps serving.
@Suite struct ImportAPITests {
    static let password = "correct horse battery"

    static func seed(_ database: WholesailDatabase) async throws {
        try await database.addUser(email: "admin@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in try db.execute(sql: "INSERT INTO counterparty (erpId, name) VALUES ('cp-a', 'ООО «Альфа»')") }
        try await database.addUser(email: "buyer@example.com", password: password, role: "buyer", counterpartyErpId: "cp-a", hasher: .fastForTests)
        try ImportFixture.run(database, samples: ["carono-php-commerceml-2.07/import.xml", "carono-php-commerceml-2.07/offers.xml"])
    }

    static func token(_ client: some TestClientProtocol, _ email: String) async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#))
        return try #require(try response.json()["token"] as? String)
    }

    static func upload(_ client: some TestClientProtocol, token: String, _ files: [(name: String, data: Data)]) async throws -> TestResponse {
        let (headers, body) = ImportFixture.multipart(files)
        var all = headers
        all[.authorization] = "Bearer \(token)"
        return try await client.execute(uri: "/api/v1/import", method: .post, headers: all, body: body)
    }

    static func snapshot(_ database: WholesailDatabase) throws -> [Int] {
        try ["product", "price", "stock", "productProperty", "productCategory", "erpGroup", "category"].map {
            try ImportFixture.count(database, "SELECT count(*) FROM \($0)")
        }
    }

    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
        <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
        <КоммерческаяИнформация>&lol3;</КоммерческаяИнформация>
        """
    static let externalEntity = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE КоммерческаяИнформация [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <КоммерческаяИнформация><Каталог><Товары><Товар><Ид>x</Ид><Наименование>&xxe;</Наименование></Товар></Товары></Каталог></КоммерческаяИнформация>
        """
    static let malformed = """
        <?xml version="1.0" encoding="UTF-8"?>
        <КоммерческаяИнформация><Каталог><Товары><Товар><Ид>x</Ид><Наименование>Кабель</Наименование></Каталог></КоммерческаяИнформация>
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var file: String
        var data: Data
        var codes: Set<String>
        var testDescription: String { name }
    }

    static var corpus: [Case] {
        var badUTF8 = Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>x</Ид><Наименование>".utf8)
        badUTF8.append(contentsOf: [0xCA, 0xE0, 0xE1, 0xE5, 0xEB, 0xFC])  // "Кабель" in Windows-1251, declared UTF-8
        badUTF8.append(Data("</Наименование></Товар></Товары></Каталог></КоммерческаяИнформация>".utf8))
        return [
            Case(name: "DOCTYPE with entity expansion (billion laughs)", file: "import.xml", data: Data(billionLaughs.utf8), codes: ["xml.doctype_forbidden"]),
            Case(name: "external entity", file: "import.xml", data: Data(externalEntity.utf8), codes: ["xml.doctype_forbidden"]),
            Case(name: "malformed XML", file: "import.xml", data: Data(malformed.utf8), codes: ["xml.mismatched_tag", "xml.malformed"]),
            Case(name: "wrong encoding", file: "import.xml", data: badUTF8, codes: ["xml.invalid_utf8"]),
            Case(
                name: "zip with ../x", file: "package.zip",
                data: ImportFixture.zip([("import.xml", Data(malformed.utf8)), ("../x", Data("owned".utf8))]), codes: ["import.zip_bad_path"]),
            Case(
                name: "zip with an absolute path", file: "package.zip", data: ImportFixture.zip([("/etc/cron.d/x", Data("owned".utf8))]),
                codes: ["import.zip_bad_path"]),
            Case(
                name: "zip bomb (declared sizes)", file: "bomb.zip",
                data: ImportFixture.zip([("import.xml", Data(repeating: 0x41, count: 1000))], declared: ["import.xml": 3_000_000_000], deflated: ["import.xml"]),
                codes: ["import.zip_too_large", "import.zip_bomb"]),
        ]
    }

    @Test("the malicious corpus through the endpoint: each file fails with its reason, the database keeps what it had", arguments: corpus)
    func malicious(_ item: Case) async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed, importLimits: ImportLimits(maxUploadBytes: 1 << 20))
        let before = try Self.snapshot(database)
        try await app.test(.router) { client in
            let token = try await Self.token(client, "admin@example.com")
            let response = try await Self.upload(client, token: token, [(item.file, item.data)])
            #expect(response.status == .accepted)
            let id = try #require((try response.json()["job"] as? [String: Any])?["id"] as? Int)
            let result = try await client.waitForImport(id, token: token)
            let job = try #require(result["job"] as? [String: Any])
            #expect(job["status"] as? String == "failed")
            let issues = try #require((result["issues"] as? [String: Any])?["items"] as? [[String: Any]])
            #expect(issues.contains { item.codes.contains($0["code"] as? String ?? "") }, "\(issues)")
            #expect(issues.allSatisfy { ($0["message"] as? String)?.contains("root:") != true })
            // The server keeps serving.
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
        #expect(try Self.snapshot(database) == before)
        #expect(!FileManager.default.fileExists(atPath: "/x") && !FileManager.default.fileExists(atPath: "/etc/cron.d/x"))
    }

    @Test("an upload over the limit is refused with 413 before a job exists; nothing of it stays stored")
    func tooLarge() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed, importLimits: ImportLimits(maxUploadBytes: 64 * 1024))
        let blobs = try ImportFixture.count(database, "SELECT count(*) FROM blob")
        let jobs = try ImportFixture.count(database, "SELECT count(*) FROM importJob")
        try await app.test(.router) { client in
            let token = try await Self.token(client, "admin@example.com")
            let response = try await Self.upload(client, token: token, [("import.xml", Data(repeating: 0x20, count: 200 * 1024))])
            #expect(response.status == .contentTooLarge)
            #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == "import.too_large")
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM importJob") == jobs)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM blob") == blobs)
    }

    @Test("CSV through the endpoint: a formula cell is text, bad rows are issues, the rest lands; CSV templates neutralise formulas")
    func csv() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            let token = try await Self.token(client, "admin@example.com")
            let csv = "Артикул;Наименование;Цена\nX-1;\"=HYPERLINK(\"\"http://evil.example\"\";\"\"x\"\")\";100\nX-2;Провод;abc\n"
            let stock = "Артикул;Остаток\nX-1;-5\nX-2;3\n"
            let response = try await Self.upload(client, token: token, [("products.csv", Data(csv.utf8)), ("stock.csv", Data(stock.utf8))])
            #expect(response.status == .accepted)
            #expect(response.headers[.location]?.hasPrefix("/api/v1/import/") == true)
            let id = try #require((try response.json()["job"] as? [String: Any])?["id"] as? Int)
            let result = try await client.waitForImport(id, token: token)
            let job = try #require(result["job"] as? [String: Any])
            #expect(job["status"] as? String == "succeeded")
            let counts = try #require(job["counts"] as? [String: [String: Int]])
            #expect(counts["product"]?["created"] == 2)
            #expect(counts["stock"]?["failed"] == 1)
            let progress = try #require(job["progress"] as? [String: Int])
            #expect(progress["percent"] == 100)
            let issues = try #require((result["issues"] as? [String: Any])?["items"] as? [[String: Any]])
            #expect(issues.contains { $0["code"] as? String == "cml.bad_number" && $0["file"] as? String == "products.csv" && $0["line"] as? Int == 3 })
            #expect(issues.contains { $0["code"] as? String == "import.negative_stock" && $0["erp_id"] as? String == "X-1" })
            // A buyer may not import; nobody without a token may.
            let buyer = try await Self.token(client, "buyer@example.com")
            #expect(try await Self.upload(client, token: buyer, [("products.csv", Data(csv.utf8))]).status == .forbidden)
            let (headers, body) = ImportFixture.multipart([("products.csv", Data(csv.utf8))])
            #expect(try await client.execute(uri: "/api/v1/import", method: .post, headers: headers, body: body).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/import/\(id)", method: .get, headers: [.authorization: "Bearer \(buyer)"], body: nil).status == .forbidden)
        }
        let name = try await database.read { try String.fetchOne($0, sql: "SELECT name FROM product WHERE sku = 'X-1'") }
        #expect(name == "=HYPERLINK(\"http://evil.example\";\"x\")")
        // A CSV the portal writes never starts a cell with a formula character.
        #expect(CSVFile.cell(name ?? "").hasPrefix("\"'=") || CSVFile.cell(name ?? "").hasPrefix("'="))
    }

    @Test("the admin page uploads through a streamed form and shows the job with its issues; templates download")
    func adminPages() async throws {
        let (app, _) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "admin@example.com", password: Self.password)
            let page = try await browser.get(client, "/admin/import")
            #expect(page.status == .ok)
            let action = try #require(page.text.range(of: #"action="/admin/import\?_csrf=[^"]+""#, options: .regularExpression).map { String(page.text[$0].dropFirst(8).dropLast()) })
            let csv = "SKU;Name;Price\nT-1;Test;12.5\nT-2;Bad;abc\n"
            let response = try await browser.postFile(client, action.replacingOccurrences(of: "&amp;", with: "&"), [:], file: ("file", "products.csv", Data(csv.utf8)))
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/admin/import/jobs/"))
            var job = try await browser.get(client, location)
            for _ in 0..<100 where job.text.contains("http-equiv=\"refresh\"") {
                try await Task.sleep(for: .milliseconds(50))
                job = try await browser.get(client, location)
            }
            #expect(job.status == .ok)
            #expect(job.text.contains("products.csv"))
            #expect(job.text.contains("abc"))
            // Without the token in the query the streamed form is refused.
            var stranger = browser
            stranger.csrf = "wrong-token-wrong-token"
            #expect(try await stranger.postFile(client, "/admin/import", [:], file: ("file", "products.csv", Data(csv.utf8))).status == .forbidden)
            let template = try await browser.get(client, "/admin/import/templates/products.csv")
            #expect(template.status == .ok)
            #expect(template.headers[.contentType]?.hasPrefix("text/csv") == true)
            let header = try #require(try CSVReader(data: Data(template.text.utf8)).next())
            #expect((try? CSVLayout.products.match(header: header.fields)) != nil)
            for layout in ["prices", "stock", "counterparties"] {
                let file = try await browser.get(client, "/admin/import/templates/\(layout).csv")
                let row = try #require(try CSVReader(data: Data(file.text.utf8)).next())
                #expect(ImportFiles.csvLayout(fileName: "\(layout).csv", header: row.fields)?.name == layout)
            }
            #expect(try await browser.get(client, "/admin/import/templates/nothing.csv").status == .notFound)
        }
    }
}

/// Zip refusals that need real limits (not the small test caps).
@Suite struct ZipLimitTests {
    @Test("a zip entry that compresses beyond any real file is refused as a bomb")
    func ratio() throws {
        let database = try TestDatabase.inMemory()
        let zip = ImportFixture.zip([("import.xml", Data(repeating: 0x41, count: 1000))], declared: ["import.xml": 500_000_000], deflated: ["import.xml"])
        let job = try ImportFixture.run(database, [("bomb.zip", zip)])
        #expect(job.status == "failed")
        #expect(try ImportFixture.issues(database, job: job.id).contains { $0.code == "import.zip_bomb" })
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM importJobFile WHERE importJobId = ?", [job.id]) == 1)
    }

    @Test("names in a zip from Russian Windows (code page 866, no UTF-8 flag) and unflagged UTF-8 arrive readable")
    func legacyNames() throws {
        let database = try TestDatabase.inMemory()
        let csv = Data("Артикул;Наименование\nZ-1;Кабель ВВГ\n".utf8)
        let zip = ImportFixture.zip(
            [("Товары №1.csv", csv), ("Описание.txt", Data("Прайс".utf8))],
            legacyNames: ["Товары №1.csv": Self.cp866("Товары №1.csv"), "Описание.txt": Array("Описание.txt".utf8)])
        let job = try ImportFixture.run(database, [("пакет.zip", zip)])
        let names = try ImportFixture.strings(database, "SELECT fileName FROM importJobFile WHERE importJobId = \(job.id) ORDER BY id")
        #expect(names.contains { $0.hasSuffix("Товары №1.csv") }, "\(names)")
        #expect(names.contains { $0.hasSuffix("Описание.txt") }, "\(names)")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE sku = 'Z-1'") == 1)
        // The decoding itself: code page 866 whole, even where its bytes happen to be valid UTF-8.
        #expect(ZipExpander.entryName(Self.cp866("Ёлка рп Ю.xlsx"), flaggedUTF8: false) == "Ёлка рп Ю.xlsx")
        #expect(ZipExpander.entryName(Self.cp866("рпА"), flaggedUTF8: false) == "рпА")
        #expect(ZipExpander.entryName(Array("Цены.xml".utf8), flaggedUTF8: true) == "Цены.xml")
        #expect(ZipExpander.entryName(Array("import0_1.xml".utf8), flaggedUTF8: false) == "import0_1.xml")
    }

    /// Russian text in the DOS code page 866 (what Windows writes in an unflagged zip name).
    static func cp866(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0x0410...0x043F: UInt8(0x80 + scalar.value - 0x0410)
            case 0x0440...0x044F: UInt8(0xE0 + scalar.value - 0x0440)
            case 0x0401: 0xF0
            case 0x0451: 0xF1
            case 0x2116: 0xFC
            default: UInt8(scalar.value)
            }
        }
    }

    @Test("an entry that inflates beyond what it declares is refused")
    func lyingHeader() throws {
        let database = try TestDatabase.inMemory()
        // A stored entry that declares 10 bytes but holds 5,000.
        let zip = ImportFixture.zip([("import.xml", Data(repeating: 0x41, count: 5000))], declared: ["import.xml": 10])
        let job = try ImportFixture.run(database, [("lie.zip", zip)])
        #expect(job.status == "failed")
    }
}
