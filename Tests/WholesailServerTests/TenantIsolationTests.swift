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

/// Two companies with an object of every owned kind each, their buyer admins, a buyer, a
/// manager who serves company B only, and an admin.
enum TwoCompanies {
    static let password = "correct horse battery"
    struct Ids {
        var objects: [OwnedObjectKind: Int64] = [:]
    }

    static func seed(_ database: WholesailDatabase) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO counterparty (id, erpId, name) VALUES (1, 'cp-a', 'ООО «Альфа»'), (2, 'cp-b', 'ООО «Бета»')")
            try db.execute(sql: "INSERT INTO sellerOrganization (id, name, inn) VALUES (1, 'ООО «Поставщик»', '7700000001')")
            try db.execute(sql: "INSERT INTO deliveryAddress (id, counterpartyId, address) VALUES (1, 1, 'Москва, ул. Альфа, 1'), (2, 2, 'Москва, ул. Бета, 2')")
            try db.execute(
                sql: """
                    INSERT INTO customerOrder (id, number, sellerOrganizationId, counterpartyId, statusId, subtotalMinor, totalMinor, placedAt)
                    VALUES (1, 'A-1', 1, 1, 1, 100, 100, '2026-11-01 10:00:00.000'), (2, 'B-1', 1, 2, 1, 200, 200, '2026-11-01 10:00:00.000')
                    """)
            try db.execute(sql: "INSERT INTO document (id, kind, number, date, counterpartyId) VALUES (1, 'bill', 'СЧ-1', '2026-11-01', 1), (2, 'bill', 'СЧ-2', '2026-11-01', 2)")
            try db.execute(sql: "INSERT INTO ticket (id, kind, counterpartyId, subject) VALUES (1, 'message', 1, 'Вопрос А'), (2, 'message', 2, 'Вопрос Б')")
            try db.execute(sql: """
                INSERT INTO shipment (id, orderId, number, status, shippedAt)
                VALUES (1, 1, 'A-1/1', 'shipped', '2026-11-02 10:00:00.000'), (2, 2, 'B-1/1', 'shipped', '2026-11-02 10:00:00.000')
                """)
        }
        for (email, role, company) in [
            ("admin-a@example.com", "buyer_admin", "cp-a"), ("buyer-a@example.com", "buyer", "cp-a"),
            ("admin-b@example.com", "buyer_admin", "cp-b"), ("buyer-b@example.com", "buyer", "cp-b"),
        ] {
            try await database.addUser(email: email, password: password, role: role, counterpartyErpId: company, hasher: .fastForTests)
        }
        let manager = try await database.addUser(
            email: "manager@example.com", password: password, role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.addUser(email: "root@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO managerAssignment (userId, counterpartyId) VALUES (?, 2)", arguments: [manager])
            let sha = try WholesailDatabase.storeBlob(db, Data("%PDF-1.4 extract".utf8))
            try db.execute(sql: "INSERT INTO file (id, blobSha256, fileName, kind) VALUES (100, ?, 'extract.pdf', 'document')", arguments: [sha])
            try db.execute(sql: """
                INSERT INTO counterpartyChangeRequest (id, counterpartyId, requestedBy, changes, fileId)
                VALUES (1, 1, (SELECT id FROM user WHERE email = 'admin-a@example.com'), '{"kpp":"770101001"}', 100)
                """)
            try db.execute(sql: "INSERT INTO ticketMessage (id, ticketId, body) VALUES (1, 1, 'Вопрос')")
            try db.execute(sql: "UPDATE document SET fileId = 100 WHERE id = 1")
            try db.execute(sql: "INSERT INTO ticketAttachment (ticketMessageId, fileId) VALUES (1, 100)")
            // Requests for quote, shared lists (for the whole company) and own product numbers.
            try db.execute(sql: "INSERT INTO unit (id, code, name, fullName) VALUES (1, '796', 'шт', 'Штука')")
            try db.execute(sql: "INSERT INTO product (id, sku, name, baseUnitId) VALUES (1, 'ISO-1', 'Товар для проверки доступа', 1)")
            try db.execute(sql: """
                INSERT INTO quote (id, counterpartyId, userId, status) VALUES
                    (1, 1, (SELECT id FROM user WHERE email = 'buyer-a@example.com'), 'requested'),
                    (2, 2, (SELECT id FROM user WHERE email = 'buyer-b@example.com'), 'requested')
                """)
            try db.execute(sql: "INSERT INTO quoteLine (quoteId, lineNo, productId, unitId, qtyMilli) VALUES (1, 1, 1, 1, 1000), (2, 1, 1, 1, 1000)")
            try db.execute(sql: """
                INSERT INTO shoppingList (id, counterpartyId, ownerUserId, name, sharing) VALUES
                    (1, 1, (SELECT id FROM user WHERE email = 'buyer-a@example.com'), 'Список А', 'company'),
                    (2, 2, (SELECT id FROM user WHERE email = 'buyer-b@example.com'), 'Список Б', 'company')
                """)
            try db.execute(sql: "INSERT INTO customerPartNumber (id, counterpartyId, number, productId) VALUES (1, 1, 'A-OWN-1', 1), (2, 2, 'B-OWN-1', 1)")
            // Approvals and budgets: company A's admin approves A's order 1, B's admin B's order 2.
            try db.execute(sql: """
                INSERT INTO approvalRule (id, counterpartyId, condition, approverUserId)
                    SELECT 1, 1, 'any', id FROM user WHERE email = 'admin-a@example.com'
                    UNION ALL SELECT 2, 2, 'any', id FROM user WHERE email = 'admin-b@example.com';
                INSERT INTO spendingBudget (id, counterpartyId, userId, period, limitMinor)
                    SELECT 1, 1, id, 'month', 100000 FROM user WHERE email = 'buyer-a@example.com'
                    UNION ALL SELECT 2, 2, id, 'month', 100000 FROM user WHERE email = 'buyer-b@example.com';
                INSERT INTO orderApproval (id, orderId, counterpartyId, approverUserId, reasons, createdAt)
                    SELECT 1, 1, 1, id, '[]', '2026-11-01 10:00:00.000' FROM user WHERE email = 'admin-a@example.com'
                    UNION ALL SELECT 2, 2, 2, id, '[]', '2026-11-01 10:00:00.000' FROM user WHERE email = 'admin-b@example.com';
                """)
        }
    }

    /// The id of company A's object of each kind.
    static func companyAObjects(_ database: WholesailDatabase) async throws -> [OwnedObjectKind: Int64] {
        let buyerA = try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = 'buyer-a@example.com'") }
        var ids: [OwnedObjectKind: Int64] = [
            .counterparty: 1, .deliveryAddress: 1, .customerOrder: 1, .document: 1, .counterpartyChangeRequest: 1, .ticket: 1, .shipment: 1,
            .quote: 1, .shoppingList: 1, .partNumber: 1,
            .orderApproval: 1, .approvalRule: 1, .spendingBudget: 1,
        ]
        ids[.user] = buyerA
        return ids
    }

    static func token(_ client: some TestClientProtocol, _ email: String) async throws -> String {
        let response = try await client.execute(
            uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#))
        return try #require(try response.json()["token"] as? String)
    }
}

@Suite struct TenantIsolationTests {
    /// Calls a route as someone: pages through a signed-in browser (with CSRF), API with a token.
    static func call(
        _ entry: RouteEntry, path: String, client: some TestClientProtocol, browser: inout Browser, token: String
    ) async throws -> TestResponse {
        if entry.path.hasPrefix("/api/") {
            return try await client.execute(
                uri: path, method: HTTPRequest.Method(entry.method)!, headers: [.authorization: "Bearer \(token)"], body: nil)
        }
        if entry.method == "GET" { return try await browser.get(client, path) }
        return try await browser.post(client, path, ["active": "0"])
    }

    @Test("every route with another company's object id answers 404 — generated from the route table")
    func matrix() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let routes = declaredRoutes(configuration: WholesailConfiguration(), dependencies: try await WholesailDependencies(database: database))
        let owned = routes.filter { if case .owned = $0.access { true } else { false } }
        #expect(owned.count >= 6, "the matrix covers the owned routes")
        let objectsOfA = try await TwoCompanies.companyAObjects(database)
        try await app.test(.router) { client in
            for outsider in ["admin-b@example.com", "buyer-b@example.com", "manager@example.com"] {
                var (browser, _) = try await Accounts.signIn(client, outsider, password: TwoCompanies.password)
                _ = try await browser.get(client, "/account")
                let token = try await TwoCompanies.token(client, outsider)
                for entry in owned {
                    guard case .owned(let kind, let parameter, _) = entry.access, let id = objectsOfA[kind] else {
                        Issue.record("no fixture of company A for \(entry.path)")
                        continue
                    }
                    let path = entry.path.replacingOccurrences(of: ":\(parameter)", with: String(id)).replacingOccurrences(of: ":file", with: "100")
                    let response = try await Self.call(entry, path: path, client: client, browser: &browser, token: token)
                    #expect(response.status == .notFound, "\(outsider) \(entry.method) \(path) answered \(response.status.code)")
                }
            }
            // The matrix is not vacuous: company A's own admin gets through every owned route.
            var (browser, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            _ = try await browser.get(client, "/account")
            let token = try await TwoCompanies.token(client, "admin-a@example.com")
            for entry in owned {
                guard case .owned(let kind, let parameter, let permission) = entry.access, let id = objectsOfA[kind],
                    !["customers.impersonate", "customers.serve"].contains(permission)
                else { continue }
                let path = entry.path.replacingOccurrences(of: ":\(parameter)", with: String(id)).replacingOccurrences(of: ":file", with: "100")
                let response = try await Self.call(entry, path: path, client: client, browser: &browser, token: token)
                #expect(response.status != .notFound && response.status != .unauthorized, "\(entry.method) \(path): \(response.status.code)")
            }
        }
    }

    @Test("without signing in, no protected route answers with data")
    func anonymous() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let routes = declaredRoutes(configuration: WholesailConfiguration(), dependencies: try await WholesailDependencies(database: database))
        try await app.test(.router) { client in
            for entry in routes where entry.access != .open {
                let path = entry.path.split(separator: "/").map { $0.hasPrefix(":") ? "1" : String($0) }.joined(separator: "/")
                let response = try await client.execute(uri: "/" + path, method: HTTPRequest.Method(entry.method)!)
                if entry.path.hasPrefix("/api/") {
                    #expect(response.status == .unauthorized, "\(entry.method) \(entry.path)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                } else if entry.method == "GET" {
                    #expect(response.status == .seeOther, "\(entry.path)")
                    #expect(response.headers[.location]?.hasPrefix("/login?from=") == true)
                } else {
                    #expect([.forbidden, .unauthorized].contains(response.status), "\(entry.method) \(entry.path): \(response.status.code)")
                }
            }
        }
    }

    @Test("every route is declared through Routes (none added to the router directly)")
    func noUndeclaredRoutes() throws {
        let sources = Repository.root.appendingPathComponent("Sources/WholesailServer")
        let enumerator = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        for case let url as URL in enumerator where url.pathExtension == "swift" && url.lastPathComponent != "Routes.swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for call in ["router.get(", "router.post(", "router.put(", "router.patch(", "router.delete(", "router.on(", "router.group("] {
                #expect(!text.contains(call), "\(url.lastPathComponent) adds a route with \(call)")
            }
        }
    }
}

@Suite struct CompanyTests {
    @Test("a buyer admin creates a colleague in their own company; bad input is refused with field messages")
    func colleagues() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            let page = try await browser.get(client, "/company/users")
            #expect(page.status == .ok)
            #expect(page.text.contains("buyer-a@example.com"))
            #expect(!page.text.contains("buyer-b@example.com"))
            let bad = try await browser.post(
                client, "/company/users", ["fullName": "", "email": "buyer-b@example.com", "role": "admin", "password": "short"])
            #expect(bad.status == .unprocessableContent)
            let duplicate = try await browser.post(
                client, "/company/users", ["fullName": "Дубль", "email": "BUYER-B@example.com", "role": "buyer", "password": "long enough"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.text.contains("уже есть"))
            let good = try await browser.post(
                client, "/company/users", ["fullName": "Вера Новая", "email": "vera@example.com", "role": "buyer", "password": "long enough"])
            #expect(good.status == .seeOther)
            // A plain buyer may not manage users.
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/company/users").status == .forbidden)
        }
        let created = try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT uc.counterpartyId, r.code FROM user u JOIN userCounterparty uc ON uc.userId = u.id
                JOIN userRole ur ON ur.userId = u.id JOIN role r ON r.id = ur.roleId WHERE u.email = 'vera@example.com'
                """).map { ($0["counterpartyId"] as Int64, $0["code"] as String) }
        }
        #expect(created?.0 == 1)
        #expect(created?.1 == "buyer")
        let users = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM user") }
        #expect(users == 7)
    }

    @Test("a buyer admin disables a colleague, whose sessions end at once")
    func disableColleague() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let buyerA = try #require(try await TwoCompanies.companyAObjects(database)[.user])
        try await app.test(.router) { client in
            var (colleague, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await colleague.get(client, "/account").status == .ok)
            var (admin, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/company/users")
            let response = try await admin.post(client, "/company/users/\(buyerA)/status", ["active": "0"])
            #expect(response.status == .seeOther)
            #expect(try await colleague.get(client, "/account").status == .seeOther, "redirected to sign in")
        }
        let audited = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'user.disable'") }
        #expect(audited == 1)
    }

    @Test("delivery addresses: add with validation, list only one's own, delete")
    func addresses() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            let page = try await browser.get(client, "/company/addresses")
            #expect(page.text.contains("ул. Альфа"))
            #expect(!page.text.contains("ул. Бета"))
            let bad = try await browser.post(client, "/company/addresses", ["address": "  ", "contactPhone": "12"])
            #expect(bad.status == .unprocessableContent)
            let good = try await browser.post(client, "/company/addresses", ["address": "Тверь, Складская 5", "contactPhone": "+7 900 111-22-33"])
            #expect(good.status == .seeOther)
            #expect(try await browser.post(client, "/company/addresses/1/delete", [:]).status == .seeOther)
        }
        let left = try await database.read { try String.fetchAll($0, sql: "SELECT address FROM deliveryAddress WHERE counterpartyId = 1") }
        #expect(left == ["Тверь, Складская 5"])
    }

    @Test("a manager logs in as a customer's user: banner, audit with both identities, and back")
    func actAs() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let ids = try await database.read { db in
            (
                buyerB: try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'buyer-b@example.com'")!,
                buyerA: try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'buyer-a@example.com'")!,
                manager: try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'manager@example.com'")!,
                root: try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'root@example.com'")!
            )
        }
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: TwoCompanies.password)
            _ = try await browser.get(client, "/account")
            #expect(try await browser.post(client, "/staff/act-as/\(ids.buyerA)", [:]).status == .notFound, "not his customer")
            #expect(try await browser.post(client, "/staff/act-as/\(ids.root)", [:]).status != .seeOther, "not a staff account")
            let start = try await browser.post(client, "/staff/act-as/\(ids.buyerB)", [:])
            #expect(start.status == .seeOther)
            let acting = try await browser.get(client, "/account")
            #expect(acting.text.contains("buyer-b@example.com"))
            #expect(acting.text.contains("class=\"acting\""))
            let stop = try await browser.post(client, "/staff/act-as-stop", [:])
            #expect(stop.status == .seeOther)
            let back = try await browser.get(client, "/account")
            #expect(back.text.contains("manager@example.com"))
            #expect(!back.text.contains("class=\"acting\""))
        }
        let audit = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT action, actorUserId, actingAsUserId FROM auditLog WHERE action LIKE 'auth.act_as%' ORDER BY id")
                .map { ($0["action"] as String, $0["actorUserId"] as Int64, $0["actingAsUserId"] as Int64) }
        }
        #expect(audit.count == 2)
        #expect(audit.allSatisfy { $0.1 == ids.manager && $0.2 == ids.buyerB })
    }
}

extension TenantIsolationTests {
    @Test("every route naming a material published for a group answers 404 to users outside the group — generated from the route table")
    func audienceMatrix() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let routes = declaredRoutes(configuration: WholesailConfiguration(), dependencies: try await WholesailDependencies(database: database))
        let published = routes.filter { if case .audience = $0.access { true } else { false } }
        #expect(!published.isEmpty, "the matrix covers the audience routes")
        // A material for a group that buyer A belongs to, and an unpublished one for everyone.
        let (forGroup, draft) = try await database.write { db -> (Int64, Int64) in
            try db.execute(sql: "INSERT INTO userGroup (id, code, name) VALUES (1, 'dealers', 'Дилеры')")
            try db.execute(sql: "INSERT INTO userGroupMember (userGroupId, userId) SELECT 1, id FROM user WHERE email = 'buyer-a@example.com'")
            try db.execute(sql: "INSERT INTO material (title, fileId, audience, published) VALUES ('Для дилеров', 100, 'groups', 1), ('Черновик', 100, 'all', 0)")
            let first = db.lastInsertedRowID - 1
            try db.execute(sql: "INSERT INTO materialGroup (materialId, userGroupId) VALUES (?, 1)", arguments: [first])
            return (first, first + 1)
        }
        try await app.test(.router) { client in
            for (email, expected) in [
                ("admin-a@example.com", HTTPResponse.Status.notFound), ("buyer-b@example.com", .notFound), ("manager@example.com", .notFound),
                ("buyer-a@example.com", .ok),
            ] {
                var (browser, _) = try await Accounts.signIn(client, email, password: TwoCompanies.password)
                _ = try await browser.get(client, "/account")
                for entry in published {
                    guard case .audience(let kind, let parameter, _) = entry.access, kind == .material else {
                        Issue.record("no fixture for \(entry.path)")
                        continue
                    }
                    let response = try await browser.get(client, entry.path.replacingOccurrences(of: ":\(parameter)", with: String(forGroup)))
                    #expect(response.status == expected, "\(email) \(entry.path): \(response.status.code)")
                    let unpublished = try await browser.get(client, entry.path.replacingOccurrences(of: ":\(parameter)", with: String(draft)))
                    #expect(unpublished.status == .notFound, "\(email) \(entry.path) unpublished: \(unpublished.status.code)")
                }
            }
        }
    }
}
