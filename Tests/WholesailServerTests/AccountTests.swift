import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
@testable import WholesailServer
import WholesailStore

/// A browser's cookies and the CSRF token of the last page, for page tests.
struct Browser {
    var cookies: [String: String] = [:]
    var csrf = ""

    var cookieHeader: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")]
    }

    mutating func absorb(_ response: TestResponse) {
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if pair[1].isEmpty || field.value.contains("Max-Age=0") { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        let html = String(buffer: response.body)
        if let range = html.range(of: #"name="_csrf" value=""#) {
            csrf = String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    mutating func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: cookieHeader, body: nil)
        absorb(response)
        return response
    }

    mutating func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [String: String], csrf: String? = nil) async throws -> TestResponse {
        var all = fields
        all["_csrf"] = csrf ?? self.csrf
        let body = all.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&")
        var headers = cookieHeader
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        absorb(response)
        return response
    }

    /// Posts a multipart form with one file, the way a browser sends `enctype="multipart/form-data"`.
    mutating func postFile(
        _ client: some TestClientProtocol, _ uri: String, _ fields: [String: String], file: (field: String, name: String, data: Data)
    ) async throws -> TestResponse {
        let boundary = "----wholesail\(UInt32.random(in: 0...UInt32.max))"
        var body = Data()
        var all = fields
        all["_csrf"] = csrf
        for (name, value) in all.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(file.data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var headers = cookieHeader
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body))
        absorb(response)
        return response
    }

    func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

enum Accounts {
    static let password = "correct horse battery"

    /// Two companies, a buyer in each, a disabled buyer, an admin.
    static func seed(_ database: WholesailDatabase) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO counterparty (erpId, name) VALUES ('cp-a', 'ООО «Альфа»'), ('cp-b', 'ООО «Бета»')")
        }
        try await database.addUser(email: "a@example.com", password: password, role: "buyer", counterpartyErpId: "cp-a", fullName: "Анна Альфа", hasher: .fastForTests)
        try await database.addUser(email: "b@example.com", password: password, role: "buyer", counterpartyErpId: "cp-b", fullName: "Борис Бета", hasher: .fastForTests)
        try await database.addUser(email: "off@example.com", password: password, role: "buyer", counterpartyErpId: "cp-a", hasher: .fastForTests)
        try await database.addUser(email: "admin@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in try db.execute(sql: "UPDATE user SET status = 'disabled' WHERE email = 'off@example.com'") }
    }

    static func signIn(_ client: some TestClientProtocol, _ email: String, password: String = password) async throws -> (Browser, TestResponse) {
        var browser = Browser()
        _ = try await browser.get(client, "/login")
        let response = try await browser.post(client, "/login", ["email": email, "password": password])
        return (browser, response)
    }
}

@Suite struct AccountTests {
    @Test("sign in with the form: a session cookie, the profile, sign out")
    func signInAndOut() async throws {
        let (app, _) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            var (browser, response) = try await Accounts.signIn(client, "a@example.com")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/account")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let profile = try await browser.get(client, "/account")
            #expect(profile.status == .ok)
            #expect(profile.text.contains("Анна Альфа"))
            #expect(profile.text.contains("ООО «Альфа»"))
            let out = try await browser.post(client, "/logout", [:])
            #expect(out.status == .seeOther)
            let after = try await browser.get(client, "/account")
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/login?from=/account")
        }
    }

    @Test("a form post without the CSRF token is refused and changes nothing")
    func csrf() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/login")
            let forged = try await browser.post(client, "/login", ["email": "a@example.com", "password": Accounts.password], csrf: "forged-token-of-enough-length")
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains("expired") || forged.text.contains("устарела"))
            let none = try await client.execute(
                uri: "/register", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "companyName=X&inn=7700000000&contactName=Y&email=y%40example.com&phone=%2B79000000000&consent=yes"))
            #expect(none.status == .forbidden)
        }
        let stored = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM registrationRequest") }
        #expect(stored == 0)
        let sessions = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM session") }
        #expect(sessions == 0)
    }

    @Test("a new session on every login: a planted cookie is not adopted (no fixation)")
    func fixation() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            var browser = Browser()
            browser.cookies["ws_session"] = "attacker-chosen-value"
            _ = try await browser.get(client, "/login")
            _ = try await browser.post(client, "/login", ["email": "a@example.com", "password": Accounts.password])
            #expect(browser.cookies["ws_session"] != "attacker-chosen-value")
            #expect(try await browser.get(client, "/account").status == .ok)
        }
        #expect(try await database.session(token: "attacker-chosen-value") == nil)
    }

    @Test("wrong passwords fail with one message; five failures lock the account for a while")
    func throttling() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            for _ in 0..<5 {
                let (_, response) = try await Accounts.signIn(client, "a@example.com", password: "wrong password")
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("Неверная почта или пароль"))
            }
            let (_, locked) = try await Accounts.signIn(client, "a@example.com")
            #expect(locked.status == .tooManyRequests)
            let (_, unknown) = try await Accounts.signIn(client, "nobody@example.com", password: "whatever1")
            #expect(unknown.status == .unauthorized, "an unknown address answers like a wrong password")
        }
        let audited = try await database.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action IN ('auth.login_failed', 'auth.login_throttled')")
        }
        #expect(audited == 7)
    }

    @Test("disabled users cannot sign in, and their sessions die")
    func disabled() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            let (_, refused) = try await Accounts.signIn(client, "off@example.com")
            #expect(refused.status == .forbidden)
            var (browser, _) = try await Accounts.signIn(client, "a@example.com")
            try await database.write { db in try db.execute(sql: "UPDATE user SET status = 'disabled' WHERE email = 'a@example.com'") }
            #expect(try await browser.get(client, "/account").status == .seeOther)
        }
    }

    @Test("API tokens: issue, use, revoke; errors are JSON")
    func apiTokens() async throws {
        let (app, _) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            let issued = try await client.execute(
                uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"b@example.com","password":"\#(Accounts.password)"}"#))
            #expect(issued.status == .ok)
            let json = try issued.json()
            let token = try #require(json["token"] as? String)
            #expect((json["expires_at"] as? String)?.hasSuffix("Z") == true)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(me.status == .ok)
            let user = try me.json()
            #expect(user["email"] as? String == "b@example.com")
            #expect((user["counterparties"] as? [[String: Any]])?.first?["name"] as? String == "ООО «Бета»")
            #expect((user["roles"] as? [String]) == ["buyer"])

            let revoked = try await client.execute(uri: "/api/v1/auth/token", method: .delete, headers: [.authorization: "Bearer \(token)"])
            #expect(revoked.status == .noContent)
            let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(after.status == .unauthorized)
            #expect(try after.json()["error"] != nil)

            let anonymous = try await client.execute(uri: "/api/v1/me", method: .get)
            #expect(anonymous.status == .unauthorized)
            let malformed = try await client.execute(
                uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{not json"))
            #expect(malformed.status == .badRequest)
            #expect(((try malformed.json()["error"] as? [String: Any])?["code"] as? String) == "request.malformed")
            let wrong = try await client.execute(
                uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email":"b@example.com","password":"nope nope"}"#))
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test("registration: every field checked at once, consent required and stored with its version")
    func registration() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/register")
            let bad = try await browser.post(
                client, "/register",
                ["companyName": String(repeating: "Ы", count: 400), "inn": "12ab", "contactName": "", "email": "not-an-email", "phone": "12"])
            #expect(bad.status == .unprocessableContent)
            for message in ["ИНН состоит из 10 цифр", "Нужно согласие", "Укажите правильный адрес почты", "Укажите телефон"] {
                #expect(bad.text.contains(message), "missing: \(message)")
            }
            let good = try await browser.post(
                client, "/register",
                ["companyName": "ООО «Гамма»", "inn": "7701234567", "contactName": "Галина", "email": "g@example.com", "phone": "+7 900 123-45-67", "consent": "yes"])
            #expect(good.status == .ok)
        }
        let stored = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT companyName, consentAt, consentVersion FROM registrationRequest").map { ($0["companyName"] as String, $0["consentVersion"] as String) }
        }
        #expect(stored.count == 1)
        #expect(stored.first?.0 == "ООО «Гамма»")
        #expect(stored.first?.1 == RegistrationForm.consentVersion)
        let mails = try await database.read { try String.fetchAll($0, sql: "SELECT topic FROM outbox ORDER BY id") }
        #expect(mails == ["registration.received", "registration.new_for_managers"])
    }

    @Test("password reset: the same answer for any address; a one-time link sets a new password")
    func passwordReset() async throws {
        let (app, database) = try await TestApp.make(seed: Accounts.seed)
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/password/forgot")
            let unknown = try await browser.post(client, "/password/forgot", ["email": "nobody@example.com"])
            let known = try await browser.post(client, "/password/forgot", ["email": "a@example.com"])
            #expect(unknown.status == .ok && known.status == .ok)
            #expect(unknown.text == known.text.replacingOccurrences(of: browser.csrf, with: browser.csrf))
            let payload = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT payload FROM outbox WHERE topic = 'password.reset'") })
            let link = try #require((try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: String])?["link"])
            let path = String(link[link.range(of: "/password/reset/")!.lowerBound...])
            #expect(try await browser.get(client, path).status == .ok)
            let mismatch = try await browser.post(client, path, ["password": "new password 1", "password2": "new password 2"])
            #expect(mismatch.status == .unprocessableContent)
            let done = try await browser.post(client, path, ["password": "brand new password", "password2": "brand new password"])
            #expect(done.status == .ok)
            #expect(try await browser.get(client, path).status == .notFound, "the link works once")
            let (_, oldPassword) = try await Accounts.signIn(client, "a@example.com")
            #expect(oldPassword.status == .unauthorized)
        }
    }

    @Test("after login, only local paths are followed")
    func openRedirect() {
        #expect(AccountPagesController.safeReturnPath("/catalog/3") == "/catalog/3")
        #expect(AccountPagesController.safeReturnPath("//evil.example") == "/account")
        #expect(AccountPagesController.safeReturnPath("https://evil.example") == "/account")
        #expect(AccountPagesController.safeReturnPath(nil) == "/account")
    }
}
