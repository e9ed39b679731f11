import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailServer
import WholesailStore

@Suite struct ApplianceTests {
    @Test("/healthz answers ok once the database is migrated")
    func health() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let json = try response.json()
                #expect(json["status"] as? String == "ok")
            }
        }
    }

    @Test("/metrics speaks the Prometheus text format, to this machine or with the metrics token only")
    func metrics() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            // No peer address (as behind a unix socket), no token: refused.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .forbidden)
            let wrong = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer guess"])
            #expect(wrong.status == .forbidden)
            #expect(!String(buffer: wrong.body).contains("wholesail_"))
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(TestApp.metricsToken)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(String(buffer: response.body).contains("wholesail_db_wait_seconds"))
            }
        }
        // Over a real socket from this machine: allowed; a visitor the proxy beside it forwards: not.
        let (live, _) = try await TestApp.make(configuration: WholesailConfiguration(port: 0))
        try await live.test(.live) { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            let forwarded = try await client.execute(uri: "/metrics", method: .get, headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"])
            #expect(forwarded.status == .forbidden)
        }
    }

    @Test("unknown API paths answer JSON errors in API.md's shape")
    func apiNotFound() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "not_found")
                #expect((error["message"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("unknown pages render the HTML error page in the visitor's language")
    func pageNotFound() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            try await client.execute(uri: "/no/such/page", method: .get, headers: [.acceptLanguage: "en-US,en;q=0.9"]) {
                response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.text.contains("The page or item was not found."))
                #expect(response.text.contains("<html lang=\"en\">"))
            }
            try await client.execute(uri: "/no/such/page", method: .get, headers: [.acceptLanguage: "ru-RU,ru;q=0.9"]) {
                response in
                #expect(response.text.contains("Страница или объект не найдены."))
            }
        }
    }

    @Test("?lang= switches the language and remembers it in a cookie")
    func languageSwitch() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            try await client.execute(uri: "/nowhere?lang=en", method: .get, headers: [.acceptLanguage: "ru"]) { response in
                #expect(response.text.contains("<html lang=\"en\">"))
                #expect(response.headers[.setCookie]?.contains("lang=en") == true)
            }
            try await client.execute(uri: "/nowhere", method: .get, headers: [.cookie: "lang=en", .acceptLanguage: "ru"]) {
                response in
                #expect(response.text.contains("<html lang=\"en\">"))
            }
        }
    }

    @Test("static assets come from the binary with an ETag, and revalidate with 304")
    func staticAssets() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            let etag = try await client.execute(uri: "/static/wholesail.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(response.text.contains("--accent"))
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/static/wholesail.css", method: .get, headers: [.ifNoneMatch: etag]) {
                response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/static/../i18n/en.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("security headers are on every response")
    func securityHeaders() async throws {
        let (app, _) = try await TestApp.make()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            }
        }
    }

    @Test("stored files stream with their content type, an ETag and immutable caching")
    func storedFiles() async throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 600_000))
        let (app, database) = try await TestApp.make()
        let key = try await database.storeBlob(png)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, 'photo.png', 'image')", arguments: [key])
        }
        let secret = try await database.storeBlob(Data("%PDF-1.4 invoice of company A".utf8))
        try await database.write { db in
            try db.execute(sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, 'invoice.pdf', 'document')", arguments: [secret])
        }
        try await app.test(.router) { client in
            try await client.execute(uri: "/files/\(secret)", method: .get) { response in
                #expect(response.status == .notFound, "private documents are not served by hash")
            }
            try await client.execute(uri: "/files/\(key)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                #expect(response.headers[.eTag] == "\"\(key)\"")
                #expect(response.headers[.cacheControl]?.contains("immutable") == true)
                #expect(Data(buffer: response.body) == png)
            }
            try await client.execute(uri: "/files/\(key)", method: .get, headers: [.ifNoneMatch: "\"\(key)\""]) {
                response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/files/\(String(repeating: "0", count: 64))", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/files/not-a-hash", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
