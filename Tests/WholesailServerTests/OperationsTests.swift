import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// Rate limits, the last import in `/healthz`, built-in HTTPS with HSTS.
@Suite struct OperationsTests {
    @Test("sign-in past the limit: 429 with Retry-After and a message in the caller's language; other addresses are not affected")
    func loginRateLimit() async throws {
        var configuration = WholesailConfiguration(port: 0)
        configuration.rateLimits.login = RateLimitRule(limit: 3, window: 60)
        let (app, _) = try await TestApp.make(seed: Shop.seed, configuration: configuration)
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"email":"buyer1@example.com","password":"correct horse battery"}"#)
            for _ in 0..<3 {
                let ok = try await client.execute(uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"], body: body)
                #expect(ok.status == .ok)
            }
            let refused = try await client.execute(
                uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json", .acceptLanguage: "en"], body: body)
            #expect(refused.status == .tooManyRequests)
            let wait = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait >= 1 && wait <= 60)
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "rate_limited_retry")
            #expect((error["message"] as? String)?.contains("Try again in \(wait) s") == true)
            let russian = try await client.execute(
                uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json", .acceptLanguage: "ru"], body: body)
            #expect(((try russian.json()["error"] as? [String: Any])?["message"] as? String)?.contains("Повторите через") == true)
            // The form shares the limit and answers with a page.
            var browser = Browser()
            _ = try await browser.get(client, "/login")
            let page = try await browser.post(client, "/login", ["email": "buyer1@example.com", "password": "x"])
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            // Reads are never limited.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("the 1C exchange is limited per address, GET and POST alike, and answers 1C's failure text")
    func exchangeLimit() async throws {
        var configuration = WholesailConfiguration(port: 0)
        configuration.rateLimits.exchange = RateLimitRule(limit: 3, window: 60)
        let (app, _) = try await TestApp.make(seed: Shop.seed, configuration: configuration)
        try await app.test(.router) { client in
            var statuses: [Int] = []
            for index in 0..<4 {
                let path = index % 2 == 0 ? "/1c/exchange?type=catalog&mode=checkauth" : "/bitrix/admin/1c_exchange.php?type=catalog&mode=checkauth"
                statuses.append(try await client.execute(uri: path, method: index == 3 ? .post : .get).status.code)
            }
            #expect(statuses.prefix(3).allSatisfy { $0 != 429 }, "\(statuses)")
            let limited = try await client.execute(uri: "/1c/exchange?type=catalog&mode=init", method: .get)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(limited.text.hasPrefix("failure\n"))
            // Pages are not counted against the exchange.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("registration and password reset are limited per address; a proxy's X-Forwarded-For counts only from loopback")
    func formLimits() async throws {
        var configuration = WholesailConfiguration(port: 0)
        configuration.rateLimits.registration = RateLimitRule(limit: 2, window: 3600)
        configuration.rateLimits.passwordReset = RateLimitRule(limit: 2, window: 900)
        let (app, database) = try await TestApp.make(seed: Shop.seed, configuration: configuration)
        try await app.test(.router) { client in
            var browser = Browser()
            var statuses: [Int] = []
            for index in 0..<3 {
                _ = try await browser.get(client, "/register")
                let response = try await browser.post(
                    client, "/register",
                    [
                        "companyName": "ООО Тест \(index)", "inn": "7707083893", "contactName": "Тест", "email": "t\(index)@example.com",
                        "phone": "+7900000000\(index)", "consent": "yes",
                    ])
                statuses.append(response.status.code)
            }
            #expect(statuses.prefix(2).allSatisfy { $0 < 400 })
            #expect(statuses.last == 429)
            var resets: [Int] = []
            for _ in 0..<3 {
                _ = try await browser.get(client, "/password/forgot")
                resets.append(try await browser.post(client, "/password/forgot", ["email": "buyer1@example.com"]).status.code)
            }
            #expect(resets.last == 429)
        }
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM registrationRequest WHERE email LIKE 't%@example.com'") } == 2)
        // The address a loopback proxy forwards is the one counted; a remote peer cannot pick one.
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/login", headerFields: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.7, 203.0.113.9"]),
            body: .init(buffer: ByteBuffer()))
        #expect(RateLimitMiddleware.clientAddress(request, peer: "127.0.0.1") == "203.0.113.9")
        #expect(RateLimitMiddleware.clientAddress(request, peer: "192.0.2.1") == "192.0.2.1")
    }

    @Test("the limiter's table stays bounded and windows reset")
    func limiterBounds() {
        let now = Mutex2(0.0)
        let limiter = RateLimiter(maxKeys: 100, clock: { now.value })
        let rule = RateLimitRule(limit: 2, window: 10)
        #expect(limiter.hit("a", rule: rule) == nil)
        #expect(limiter.hit("a", rule: rule) == nil)
        #expect(limiter.hit("a", rule: rule) == 10)
        now.value = 4
        #expect(limiter.hit("a", rule: rule) == 6)
        now.value = 10
        #expect(limiter.hit("a", rule: rule) == nil)
        for index in 0..<1000 { _ = limiter.hit("k\(index)", rule: rule) }
        #expect(limiter.size <= 100)
    }

    @Test("/healthz reports the last import: its status and when it finished")
    func healthLastImport() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var json = try await client.execute(uri: "/healthz", method: .get).json()
            #expect(json["lastImport"] == nil)
            try ImportFixture.run(database, [("products.csv", Data("Артикул;Наименование\nH-1;Кабель\n".utf8))])
            json = try await client.execute(uri: "/healthz", method: .get).json()
            let last = try #require(json["lastImport"] as? [String: Any])
            #expect(last["status"] as? String == "succeeded")
            #expect((last["finishedAt"] as? String)?.hasSuffix("Z") == true)
            let metrics = try await client.metrics()
            #expect(metrics.contains("wholesail_import_last_succeeded 1"))
            #expect(metrics.contains(#"wholesail_import_jobs{status="running"} 0"#))
        }
    }

    @Test("/metrics counts the waits for a connection: a write held up behind another shows its wait")
    func databaseWaits() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/login", method: .get)
            // Another thread holds the writer for 150 ms; a write asked for meanwhile waits.
            let holding = DispatchSemaphore(value: 0)
            let holder = Thread {
                try? database.writeWithoutTransaction { _ in
                    holding.signal()
                    Thread.sleep(forTimeInterval: 0.15)
                }
            }
            holder.start()
            holding.wait()
            try await database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('waited', '1')") }
            let metrics = try await client.metrics()
            func value(_ series: String) -> Double? {
                metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let writerWaits = try #require(value(#"wholesail_db_wait_seconds_sum{connection="writer"}"#), "\(metrics)")
            #expect(writerWaits >= 0.1)
            #expect((value(#"wholesail_db_wait_seconds_count{connection="writer"}"#) ?? 0) >= 2)
            #expect((value(#"wholesail_db_wait_seconds_count{connection="reader"}"#) ?? 0) >= 1)
        }
    }

    @Test("HSTS only when browsers reach the portal over HTTPS")
    func strictTransportSecurity() async throws {
        let (plain, _) = try await TestApp.make()
        try await plain.test(.router) { client in
            let response = try await client.execute(uri: "/login", method: .get)
            #expect(response.headers[.strictTransportSecurity] == nil)
        }
        let (proxied, _) = try await TestApp.make(configuration: WholesailConfiguration(port: 0, baseURL: "https://b2b.example.ru"))
        try await proxied.test(.router) { client in
            let response = try await client.execute(uri: "/login", method: .get)
            #expect(response.headers[.strictTransportSecurity] == "max-age=31536000")
        }
    }

    @Test("built-in HTTPS: the portal serves TLS with the configured certificate, sends HSTS and secure cookies",
        .enabled(if: ExternalTool.shouldRun("openssl")))
    func builtInHTTPS() async throws {
        let folder = try TemporaryDirectory()
        let certificate = folder.path("cert.pem")
        let key = folder.path("key.pem")
        let made = try ExternalTool.run(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1"])
        #expect(made.status == 0, "\(made.stderr)")
        var configuration = WholesailConfiguration(port: 0)
        configuration.tlsCertificatePath = certificate
        configuration.tlsKeyPath = key
        let database = try TestDatabase.inMemory()
        let dependencies = try await WholesailDependencies(database: database, passwordHasher: .fastForTests)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = try buildServer(configuration: configuration, dependencies: dependencies, logger: logger)
        try await app.test(.ahc(.https)) { client in
            let response = try await client.execute(uri: "/login", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.strictTransportSecurity] == "max-age=31536000")
            #expect(response.headers[.setCookie]?.contains("Secure") == true)
        }
        configuration.tlsKeyPath = folder.path("missing.pem")
        #expect(throws: (any Error).self) { _ = try buildServer(configuration: configuration, dependencies: dependencies, logger: logger) }
    }
}

/// A value a test's clock closure reads and the test moves.
final class Mutex2<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
