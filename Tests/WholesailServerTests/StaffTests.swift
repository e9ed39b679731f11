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

@Suite struct StaffTests {
    static func submit(_ database: WholesailDatabase, inn: String, email: String) async throws -> Int64 {
        try await database.submitRegistration(
            RegistrationForm(companyName: "ООО «Дельта»", inn: inn, contactName: "Денис", email: email, phone: "+7 900 000-00-00", consent: true),
            ip: nil)
    }

    @Test("a manager accepts a request into a company he serves; the applicant gets a set-password link")
    func accept() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        try await database.write { db in try db.execute(sql: "UPDATE counterparty SET inn = '7711111111' WHERE id = 2") }
        let request = try await Self.submit(database, inn: "7711111111", email: "denis@example.com")
        let other = try await Self.submit(database, inn: "7722222222", email: "other@example.com")
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: TwoCompanies.password)
            let page = try await manager.get(client, "/staff/registrations")
            #expect(page.status == .ok)
            #expect(page.text.contains("denis@example.com"))
            #expect(try await manager.post(client, "/staff/registrations/\(request)/accept", ["counterparty": "1"]).status == .notFound,
                "company A is not his")
            #expect(try await manager.post(client, "/staff/registrations/\(other)/accept", ["counterparty": "new"]).status == .unprocessableContent,
                "a manager does not create companies; the ERP does")
            #expect(try await manager.post(client, "/staff/registrations/\(request)/accept", ["counterparty": "2"]).status == .seeOther)
            #expect(try await manager.post(client, "/staff/registrations/\(request)/accept", ["counterparty": "2"]).status == .conflict)
            #expect(try await manager.post(client, "/staff/registrations/\(other)/decline", ["reason": ""]).status == .unprocessableContent)
            #expect(try await manager.post(client, "/staff/registrations/\(other)/decline", ["reason": "Не наш регион"]).status == .seeOther)
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/staff/registrations").status == .forbidden)
        }
        let user = try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT uc.counterpartyId, r.code FROM user u JOIN userCounterparty uc ON uc.userId = u.id JOIN userRole ur ON ur.userId = u.id
                JOIN role r ON r.id = ur.roleId WHERE u.email = 'denis@example.com'
                """).map { ($0["counterpartyId"] as Int64, $0["code"] as String) }
        }
        #expect(user?.0 == 2)
        #expect(user?.1 == "buyer", "company B already has users, so the newcomer is a buyer")
        let topics = try await database.read { try String.fetchAll($0, sql: "SELECT topic FROM outbox WHERE topic IN ('registration.accepted', 'registration.declined') ORDER BY id") }
        #expect(topics == ["registration.accepted", "registration.declined"])
        let statuses = try await database.read { try String.fetchAll($0, sql: "SELECT status FROM registrationRequest ORDER BY id") }
        #expect(statuses == ["accepted", "declined"])
    }

    @Test("an admin may create the company from the request; its first user becomes the buyer admin")
    func acceptNewCompany() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let request = try await Self.submit(database, inn: "7733333333", email: "new@example.com")
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/staff/registrations")
            #expect(try await admin.post(client, "/staff/registrations/\(request)/accept", ["counterparty": "new"]).status == .seeOther)
        }
        let role = try await database.read { db in
            try String.fetchOne(db, sql: """
                SELECT r.code FROM user u JOIN userRole ur ON ur.userId = u.id JOIN role r ON r.id = ur.roleId WHERE u.email = 'new@example.com'
                """)
        }
        #expect(role == "buyer_admin")
        let company = try await database.read { try String.fetchOne($0, sql: "SELECT name FROM counterparty WHERE inn = '7733333333'") }
        #expect(company == "ООО «Дельта»")
    }

    @Test("the profile is edited with validation; sign out everywhere ends every session")
    func profile() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        try await app.test(.router) { client in
            var (first, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            var (second, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            _ = try await first.get(client, "/account")
            #expect(try await first.post(client, "/account/profile", ["fullName": "", "phone": "1", "locale": "ru"]).status == .unprocessableContent)
            #expect(try await first.post(client, "/account/profile", ["fullName": "Анна Новая", "phone": "+7 900 222-33-44", "locale": "en"]).status == .seeOther)
            #expect(try await first.post(client, "/account/logout-all", [:]).status == .seeOther)
            #expect(try await second.get(client, "/account").status == .seeOther)
        }
        let profile = try await database.userProfile(id: try #require(try await TwoCompanies.companyAObjects(database)[.user]))
        #expect(profile?.fullName == "Анна Новая")
        #expect(profile?.locale == "en")
    }
}

@Suite struct ChangeRequestTests {
    static let pdf = Data("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".utf8)

    @Test("a change of company data needs an official document, recognized by content, not by name")
    func documentChecked() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            #expect(try await admin.get(client, "/company/change-request").status == .ok)
            let exe = Data([0x4D, 0x5A, 0x90, 0x00]) + Data(repeating: 0, count: 100)
            let disguised = try await admin.postFile(client, "/company/change-request", ["kpp": "770201001"], file: ("document", "extract.pdf", exe))
            #expect(disguised.status == .unprocessableContent)
            #expect(disguised.text.contains("PDF, Word, Excel"))
            let html = try await admin.postFile(
                client, "/company/change-request", ["kpp": "770201001"], file: ("document", "scan.png", Data("<html><script>alert(1)</script>".utf8)))
            #expect(html.status == .unprocessableContent)
            let missing = try await admin.postFile(client, "/company/change-request", ["kpp": "770201001"], file: ("document", "", Data()))
            #expect(missing.status == .unprocessableContent)
            let nothing = try await admin.postFile(client, "/company/change-request", [:], file: ("document", "a.pdf", Self.pdf))
            #expect(nothing.status == .unprocessableContent)
            let badKPP = try await admin.postFile(client, "/company/change-request", ["kpp": "12"], file: ("document", "a.pdf", Self.pdf))
            #expect(badKPP.status == .unprocessableContent)
            let good = try await admin.postFile(
                client, "/company/change-request", ["kpp": "770201001", "legalAddress": "Москва, ул. Новая, 1"],
                file: ("document", "Выписка ЕГРЮЛ.pdf", Self.pdf))
            #expect(good.status == .seeOther)
            // The manager of company A (an admin here) approves, and the change applies.
            var (root, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            let list = try await root.get(client, "/staff/change-requests")
            #expect(list.text.contains("Москва, ул. Новая, 1"))
            let newest = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT max(id) FROM counterpartyChangeRequest") })
            let document = try await root.get(client, "/staff/change-requests/\(newest)/document")
            #expect(document.status == .ok)
            #expect(document.headers[.contentType] == "application/pdf")
            #expect(Data(buffer: document.body) == Self.pdf)
            #expect(try await root.post(client, "/staff/change-requests/\(newest)/decide", ["decision": "approve"]).status == .seeOther)
            #expect(try await root.post(client, "/staff/change-requests/\(newest)/decide", ["decision": "approve"]).status == .conflict)
            // A buyer of the same company may not read the staff queue.
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/staff/change-requests/\(newest)/document").status == .forbidden)
        }
        let company = try await database.counterpartyCard(id: 1)
        #expect(company?.kpp == "770201001")
        #expect(company?.legalAddress == "Москва, ул. Новая, 1")
        let stored = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM counterpartyChangeRequest") }
        #expect(stored == 2, "the fixture's and the good one; refused uploads left nothing")
    }
}

@Suite struct RolesTests {
    @Test("an admin composes a custom role, grants it, and its rights apply; built-in roles stay fixed")
    func customRoles() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let buyerB = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = 'buyer-b@example.com'") })
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            #expect(try await admin.get(client, "/admin/roles").status == .ok)
            let bad = try await admin.post(client, "/admin/roles", ["code": "Закупщик!", "nameRu": "", "nameEn": "Purchaser"])
            #expect(bad.status == .unprocessableContent)
            let good = try await admin.post(
                client, "/admin/roles",
                ["code": "purchaser", "nameRu": "Закупщик", "nameEn": "Purchaser", "perm.catalog.view": "1", "perm.finance.view": "1"])
            #expect(good.status == .seeOther)
            let builtIn = try #require(try await database.roles().first { $0.code == "buyer" })
            #expect(try await admin.post(client, "/admin/roles/\(builtIn.id)", ["perm.admin.settings": "1"]).status == .conflict)
            #expect(try await admin.get(client, "/admin/users?q=buyer-b").text.contains("buyer-b@example.com"))
            #expect(try await admin.post(client, "/admin/users/\(buyerB)/roles", ["role.purchaser": "1"]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/users/\(buyerB)/roles", [:]).status == .unprocessableContent)
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/admin/roles").status == .forbidden)
        }
        let principal = try #require(try await database.principal(userId: buyerB))
        #expect(principal.roles == ["purchaser"])
        #expect(principal.permissions == ["catalog.view", "finance.view"])
    }

    @Test("a buyer admin takes a right from a colleague in their company")
    func narrowRights() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed)
        let buyerA = try #require(try await TwoCompanies.companyAObjects(database)[.user])
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            let page = try await admin.get(client, "/company/users")
            #expect(page.text.contains("right.orders.place"))
            let response = try await admin.post(
                client, "/company/users/\(buyerA)/rights", ["right.documents.view": "1", "right.catalog.prices": "1", "right.requests.create": "1"])
            #expect(response.status == .seeOther)
        }
        let principal = try #require(try await database.principal(userId: buyerA, currentCounterpartyId: 1))
        #expect(!principal.permissions.contains("orders.place"))
        #expect(principal.permissions.contains("documents.view"))
        let audited = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM auditLog WHERE action = 'user.rights'") }
        #expect(audited == 1)
    }
}

@Suite struct BackupPageTests {
    @Test("an admin backs up from the page, sees the file, downloads a sound database; others may not")
    func backups() async throws {
        let folder = try TemporaryDirectory()
        var configuration = WholesailConfiguration(port: 0)
        configuration.backupDirectory = folder.path("backups")
        let (app, _) = try await TestApp.make(seed: TwoCompanies.seed, configuration: configuration)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: TwoCompanies.password)
            _ = try await admin.get(client, "/admin/backups")
            #expect(try await admin.post(client, "/admin/backups", [:]).status == .seeOther)
            let page = try await admin.get(client, "/admin/backups")
            let name = try #require(BackupFolder(path: folder.path("backups")).list().first?.name)
            #expect(page.text.contains(name))
            let download = try await admin.get(client, "/admin/backups/\(name)")
            #expect(download.status == .ok)
            let copy = folder.path("downloaded.sqlite")
            try Data(buffer: download.body).write(to: URL(fileURLWithPath: copy))
            #expect(try WholesailDatabase.verifyRestorable(copy) == WholesailDatabase.migrationNames)
            #expect(try await admin.get(client, "/admin/backups/..%2F..%2Fetc%2Fpasswd").status == .notFound)
            var (buyer, _) = try await Accounts.signIn(client, "admin-a@example.com", password: TwoCompanies.password)
            #expect(try await buyer.get(client, "/admin/backups").status == .forbidden)
        }
    }

    @Test("the folder keeps the newest backups only")
    func rotation() throws {
        let folder = try TemporaryDirectory()
        let database = try TestDatabase.inMemory()
        let backups = BackupFolder(path: folder.path("b"))
        var made: [String] = []
        for second in 0..<4 {
            made.append(try backups.create(from: database, keep: 2, now: Date(timeIntervalSince1970: 1_795_000_000 + Double(second))).name)
        }
        #expect(backups.list().map(\.name) == [made[3], made[2]])
        #expect(!BackupFolder.isBackupName("../wholesail-20261129-000000.sqlite"))
    }
}
