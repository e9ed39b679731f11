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

/// The two companies of `TwoCompanies` (the manager serves B only) plus an executive and a
/// second manager who serves nobody yet.
enum Workstation {
    static let password = TwoCompanies.password

    static func seed(_ database: WholesailDatabase) async throws {
        try await TwoCompanies.seed(database)
        try await database.addUser(
            email: "director@example.com", password: password, role: "executive", counterpartyErpId: nil, fullName: "Орлов Алексей", hasher: .fastForTests)
        try await database.addUser(
            email: "manager2@example.com", password: password, role: "manager", counterpartyErpId: nil, fullName: "Яковлева Ирина", hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "UPDATE user SET fullName = 'Волкова Марина' WHERE email = 'manager@example.com'")
            try db.execute(sql: "UPDATE counterparty SET inn = '7700000001' WHERE id = 1")
            try db.execute(sql: "UPDATE counterparty SET inn = '7700000002' WHERE id = 2")
        }
    }

    static func id(_ database: WholesailDatabase, _ email: String) async throws -> Int64 {
        try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = ?", arguments: [email]) })
    }

    /// The outbox rows of a topic, oldest first, with their payloads.
    static func outbox(_ database: WholesailDatabase, _ topic: String) async throws -> [[String: String]] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? AND kind = 'email' ORDER BY id", arguments: [topic]).map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:]
            }
        }
    }

    /// The audit rows of an action by someone (the seed's own rows have no actor): (actor, object id, details).
    static func audit(_ database: WholesailDatabase, _ action: String) async throws -> [(actor: Int64?, object: String?, details: String?)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT actorUserId, objectId, details FROM auditLog WHERE action = ? AND actorUserId IS NOT NULL ORDER BY id", arguments: [action]).map {
                ($0["actorUserId"], $0["objectId"], $0["details"])
            }
        }
    }

    static func count(_ database: WholesailDatabase, _ sql: String) async throws -> Int {
        try await database.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }
}

@Suite struct StaffActionsTests {
    @Test("a manager creates a user for a served company: field errors first, then an invitation e-mail with a set-password link and an audit row; the invitee sets a password and signs in")
    func createUser() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let manager = try await Workstation.id(database, "manager@example.com")
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            let page = try await browser.get(client, "/staff/companies/2")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"action="/staff/companies/2/users""#))
            let bad = try await browser.post(
                client, "/staff/companies/2/users", ["fullName": " ", "email": "not-an-address", "phone": "12", "role": "admin"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("field-error"))
            #expect(bad.text.contains("not-an-address"), "the form keeps what was typed")
            let duplicate = try await browser.post(
                client, "/staff/companies/2/users", ["fullName": "Дубль", "email": "BUYER-A@example.com", "role": "buyer"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(try await Workstation.outbox(database, "account.invited").isEmpty, "nothing is sent for a refused form")

            let created = try await browser.post(
                client, "/staff/companies/2/users",
                ["fullName": "Вера Новикова", "email": "vera@beta.example", "phone": "+7 900 123-45-67", "role": "buyer_admin"])
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/staff/companies/2?done=created")
            let after = try await browser.get(client, "/staff/companies/2?done=created")
            #expect(after.text.contains("vera@beta.example"))
            #expect(after.text.contains("пароль не задан"), "an invited user without a password is marked")

            let mails = try await Workstation.outbox(database, "account.invited")
            #expect(mails.count == 1)
            let mail = try #require(mails.first)
            #expect(mail["to"] == "vera@beta.example")
            #expect(mail["company"] == "ООО «Бета»")
            let link = try #require(mail["link"])
            #expect(link.contains("/password/reset/"))
            let newUser = try await Workstation.id(database, "vera@beta.example")
            let audit = try await Workstation.audit(database, "user.create")
            #expect(audit.count == 1)
            #expect(audit.first?.actor == manager)
            #expect(audit.first?.object == String(newUser))
            #expect(audit.first?.details?.contains(#""counterparty":"2""#) == true)
            let role = try await database.read { db in
                try String.fetchOne(db, sql: "SELECT r.code FROM userRole ur JOIN role r ON r.id = ur.roleId WHERE ur.userId = ?", arguments: [newUser])
            }
            #expect(role == "buyer_admin")

            // The invitee follows the link, sets a password and signs in to company B.
            let path = String(link[link.range(of: "/password/reset/")!.lowerBound...])
            var invitee = Browser()
            #expect(try await invitee.get(client, path).status == .ok)
            let set = try await invitee.post(client, path, ["password": "a long new password", "password2": "a long new password"])
            #expect(set.status == .ok)
            let (signedIn, response) = try await Accounts.signIn(client, "vera@beta.example", password: "a long new password")
            #expect(response.status == .seeOther)
            var vera = signedIn
            #expect(try await vera.get(client, "/account").text.contains("ООО «Бета»"))
        }
    }

    @Test("a manager disables, enables, sends a password link to and removes a user of a served company; each change e-mails the user and is audited")
    func userLifecycle() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        let manager = try await Workstation.id(database, "manager@example.com")
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            #expect(try await buyer.get(client, "/account").status == .ok)
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await browser.get(client, "/staff/companies/2")

            var response = try await browser.post(client, "/staff/companies/2/users/status", ["user": String(buyerB), "active": "0"])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/staff/companies/2?done=disabled")
            #expect(try await buyer.get(client, "/account").status == .seeOther, "the disabled user's session ended")
            response = try await browser.post(client, "/staff/companies/2/users/invite", ["user": String(buyerB)])
            #expect(response.status == .conflict, "no link for a disabled account")
            #expect(try await Workstation.outbox(database, "password.reset").isEmpty)

            response = try await browser.post(client, "/staff/companies/2/users/status", ["user": String(buyerB), "active": "1"])
            #expect(response.headers[.location] == "/staff/companies/2?done=enabled")
            response = try await browser.post(client, "/staff/companies/2/users/invite", ["user": String(buyerB)])
            #expect(response.headers[.location] == "/staff/companies/2?done=invited")
            response = try await browser.post(client, "/staff/companies/2/users/remove", ["user": String(buyerB)])
            #expect(response.headers[.location] == "/staff/companies/2?done=removed")
            // No longer a user of company B: further actions on them through B are 404.
            response = try await browser.post(client, "/staff/companies/2/users/status", ["user": String(buyerB), "active": "0"])
            #expect(response.status == .notFound)
            #expect(!(try await browser.get(client, "/staff/companies/2")).text.contains("buyer-b@example.com"))
        }
        #expect(try await Workstation.outbox(database, "account.disabled").map { $0["to"] } == ["buyer-b@example.com"])
        #expect(try await Workstation.outbox(database, "account.enabled").map { $0["userId"] } == [String(buyerB)])
        let reset = try await Workstation.outbox(database, "password.reset")
        #expect(reset.count == 1, "a user who has a password gets a password link, not an invitation")
        #expect(reset.first?["link"]?.contains("/password/reset/") == true)
        #expect(try await Workstation.outbox(database, "account.invited").isEmpty)
        let removed = try await Workstation.outbox(database, "account.removed")
        #expect(removed.map { $0["company"] } == ["ООО «Бета»"])
        for action in ["user.disable", "user.enable", "user.password_link", "user.unlink"] {
            let rows = try await Workstation.audit(database, action)
            #expect(rows.count == 1, "\(action)")
            #expect(rows.first?.actor == manager && rows.first?.object == String(buyerB), "\(action)")
        }
        #expect(try await Workstation.count(database, "SELECT count(*) FROM userCounterparty WHERE userId = \(buyerB)") == 0)
        #expect(try await Workstation.count(database, "SELECT count(*) FROM user WHERE id = \(buyerB) AND status = 'active'") == 1, "the account itself stays")
    }

    @Test("logging in as a user of a served company tells the user who did, by e-mail, and is audited with both identities")
    func actAsNotifies() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            let page = try await browser.get(client, "/staff/companies/2")
            #expect(page.text.contains(#"action="/staff/act-as/\#(buyerB)""#))
            #expect(try await browser.post(client, "/staff/act-as/\(buyerB)", [:]).status == .seeOther)
        }
        let mails = try await Workstation.outbox(database, "account.acted_as")
        #expect(mails.map { $0["to"] } == ["buyer-b@example.com"])
        #expect(mails.first?["staff"] == "Волкова Марина")
        #expect(try await Workstation.audit(database, "auth.act_as_start").map(\.object) == [String(buyerB)])
    }

    @Test("a manager adds an existing customer account to a served company; unknown, staff and present users are refused")
    func linkUser() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerA = try await Workstation.id(database, "buyer-a@example.com")
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await browser.get(client, "/staff/companies/2")
            for (email, expected) in [
                ("nobody@example.com", "Учётной записи с таким адресом нет"), ("manager2@example.com", "сотрудника"),
                ("buyer-b@example.com", "уже работает"),
            ] {
                let refused = try await browser.post(client, "/staff/companies/2/users/link", ["linkEmail": email])
                #expect(refused.status == .unprocessableContent, "\(email)")
                #expect(refused.text.contains(expected), "\(email)")
            }
            let linked = try await browser.post(client, "/staff/companies/2/users/link", ["linkEmail": "buyer-a@example.com"])
            #expect(linked.headers[.location] == "/staff/companies/2?done=linked")
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            let account = try await buyer.get(client, "/account")
            #expect(account.text.contains("ООО «Альфа»") && account.text.contains("ООО «Бета»"), "the user now works for both")
        }
        #expect(try await Workstation.outbox(database, "account.linked").map { $0["userId"] } == [String(buyerA)])
        #expect(try await Workstation.audit(database, "user.link").map(\.object) == [String(buyerA)])
    }

    @Test("a registration request with the company's tax id is declined from its page with the reason e-mailed; another company's request is not found there")
    func declineFromCompanyPage() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let ours = try await StaffTests.submit(database, inn: "7700000002", email: "denis@beta.example")
        let theirs = try await StaffTests.submit(database, inn: "7700000001", email: "anna@alpha.example")
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            let page = try await browser.get(client, "/staff/companies/2")
            #expect(page.text.contains("denis@beta.example") && !page.text.contains("anna@alpha.example"))
            #expect(page.text.contains(#"action="/staff/companies/2/registrations/decline""#))
            var response = try await browser.post(client, "/staff/companies/2/registrations/decline", ["request": String(theirs), "reason": "Нет"])
            #expect(response.status == .notFound, "a request for another tax id is not this page's")
            response = try await browser.post(client, "/staff/companies/2/registrations/decline", ["request": String(ours), "reason": "  "])
            #expect(response.status == .unprocessableContent)
            response = try await browser.post(client, "/staff/companies/2/registrations/decline", ["request": String(ours), "reason": "Уже есть учётная запись"])
            #expect(response.headers[.location] == "/staff/companies/2?done=declined")
            response = try await browser.post(client, "/staff/companies/2/registrations/decline", ["request": String(ours), "reason": "Ещё раз"])
            #expect(response.status == .notFound, "a decided request is no longer pending")
        }
        let mails = try await Workstation.outbox(database, "registration.declined")
        #expect(mails.map { $0["to"] } == ["denis@beta.example"])
        #expect(mails.first?["reason"] == "Уже есть учётная запись")
        #expect(try await Workstation.audit(database, "registration.decline").map(\.object) == [String(ours)])
        let statuses = try await database.read { try String.fetchAll($0, sql: "SELECT status FROM registrationRequest ORDER BY id") }
        #expect(statuses == ["declined", "pending"])
    }

    @Test("a manager neither sees nor acts on a company not assigned to him (404, nothing written); executives and admins see and act on every company")
    func onlyAssignedCompanies() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let buyerA = try await Workstation.id(database, "buyer-a@example.com")
        let actions: [(String, [String: String])] = [
            ("/staff/companies/1/users", ["fullName": "Чужой", "email": "x@alpha.example", "role": "buyer"]),
            ("/staff/companies/1/users/link", ["linkEmail": "buyer-b@example.com"]),
            ("/staff/companies/1/users/invite", ["user": String(buyerA)]),
            ("/staff/companies/1/users/status", ["user": String(buyerA), "active": "0"]),
            ("/staff/companies/1/users/remove", ["user": String(buyerA)]),
            ("/staff/companies/1/registrations/decline", ["request": "1", "reason": "Нет"]),
            ("/staff/companies/1/assignment", ["manager": "1"]),
        ]
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            let home = try await manager.get(client, "/staff")
            #expect(home.text.contains("ООО «Бета»") && !home.text.contains("ООО «Альфа»"))
            #expect(try await manager.get(client, "/staff/companies/1").status == .notFound)
            for (path, fields) in actions {
                #expect(try await manager.post(client, path, fields).status == .notFound, "\(path)")
            }
            // Naming company A's user through company B (which he serves) does not help either.
            for path in ["/staff/companies/2/users/status", "/staff/companies/2/users/remove", "/staff/companies/2/users/invite"] {
                #expect(try await manager.post(client, path, ["user": String(buyerA), "active": "0"]).status == .notFound, "\(path)")
            }
            // A buyer admin has no business here at all.
            var (buyerAdmin, _) = try await Accounts.signIn(client, "admin-a@example.com", password: Workstation.password)
            #expect(try await buyerAdmin.get(client, "/staff/companies/1").status == .forbidden)
            #expect(try await buyerAdmin.post(client, "/staff/companies/1/users/status", ["user": String(buyerA), "active": "0"]).status == .forbidden)
        }
        #expect(try await Workstation.count(database, "SELECT count(*) FROM auditLog WHERE actorUserId IS NOT NULL AND (action LIKE 'user.%' OR action LIKE 'customer.%' OR action LIKE 'registration.%')") == 0)
        #expect(try await Workstation.count(database, "SELECT count(*) FROM outbox") == 0)
        #expect(try await Workstation.count(database, "SELECT count(*) FROM user WHERE email = 'x@alpha.example'") == 0)

        try await app.test(.router) { client in
            for (email, newUser) in [("director@example.com", "e@alpha.example"), ("root@example.com", "r@alpha.example")] {
                var (browser, _) = try await Accounts.signIn(client, email, password: Workstation.password)
                let home = try await browser.get(client, "/staff")
                #expect(home.text.contains("ООО «Альфа»") && home.text.contains("ООО «Бета»"), "\(email) sees every company")
                let page = try await browser.get(client, "/staff/companies/1")
                #expect(page.status == .ok && page.text.contains("buyer-a@example.com"), "\(email)")
                let created = try await browser.post(client, "/staff/companies/1/users", ["fullName": "Новый", "email": newUser, "role": "buyer"])
                #expect(created.headers[.location] == "/staff/companies/1?done=created", "\(email)")
                let disabled = try await browser.post(client, "/staff/companies/1/users/status", ["user": String(buyerA), "active": email == "root@example.com" ? "1" : "0"])
                #expect(disabled.status == .seeOther, "\(email)")
            }
        }
        #expect(try await Workstation.outbox(database, "account.invited").count == 2)
        #expect(try await Workstation.outbox(database, "account.disabled").count == 1)
        #expect(try await Workstation.outbox(database, "account.enabled").count == 1)
        let actors = try await Workstation.audit(database, "user.create").compactMap(\.actor)
        #expect(try await actors == [Workstation.id(database, "director@example.com"), Workstation.id(database, "root@example.com")])
    }

    @Test("an executive assigns a company to another manager and moves all customers of one manager to another; the receivers are e-mailed, access follows at once; managers may not")
    func reassignment() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let manager = try await Workstation.id(database, "manager@example.com")
        let manager2 = try await Workstation.id(database, "manager2@example.com")
        try await app.test(.router) { client in
            var (first, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await first.get(client, "/staff/companies/2")
            #expect(try await first.post(client, "/staff/companies/2/assignment", ["manager": String(manager2)]).status == .forbidden)
            #expect(try await first.get(client, "/staff/team").status == .forbidden)
            var (second, _) = try await Accounts.signIn(client, "manager2@example.com", password: Workstation.password)
            #expect(try await second.get(client, "/staff/companies/1").status == .notFound)

            var (director, _) = try await Accounts.signIn(client, "director@example.com", password: Workstation.password)
            let page = try await director.get(client, "/staff/companies/1")
            #expect(page.text.contains(#"action="/staff/companies/1/assignment""#))
            let buyerA = try await Workstation.id(database, "buyer-a@example.com")
            let bad = try await director.post(client, "/staff/companies/1/assignment", ["manager": String(buyerA)])
            #expect(bad.status == .unprocessableContent, "a buyer cannot be a manager")
            let assigned = try await director.post(client, "/staff/companies/1/assignment", ["manager": String(manager2), "assistant": ""])
            #expect(assigned.headers[.location] == "/staff/companies/1?done=assigned")
            #expect(try await second.get(client, "/staff/companies/1").status == .ok, "the new manager serves the company at once")
            #expect(try await director.get(client, "/staff/companies/1").text.contains("Яковлева Ирина"))

            _ = try await director.get(client, "/staff/team")
            #expect(try await director.post(client, "/staff/team/move", ["from": String(manager), "to": String(manager)]).status == .unprocessableContent)
            let moved = try await director.post(client, "/staff/team/move", ["from": String(manager), "to": String(manager2)])
            #expect(moved.headers[.location] == "/staff/team?moved=1")
            #expect(try await first.get(client, "/staff/companies/2").status == .notFound, "the first manager no longer serves company B")
            #expect(try await second.get(client, "/staff/companies/2").status == .ok)
        }
        let mails = try await Workstation.outbox(database, "customer.assigned")
        #expect(mails.map { $0["userId"] } == [String(manager2), String(manager2)])
        #expect(mails.first?["company"] == "ООО «Альфа»")
        #expect(mails.last?["companies"] == "2")
        #expect(try await Workstation.audit(database, "customer.assign").map(\.object) == ["1"])
        #expect(try await Workstation.audit(database, "customer.move").map(\.object) == [String(manager)])
        #expect(try await Workstation.count(database, "SELECT count(*) FROM managerAssignment WHERE userId = \(manager)") == 0)
    }

    @Test("the executive's figures come from the orders and requests: per manager orders, amounts and the time to the first staff reply")
    func teamFigures() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let manager = try await Workstation.id(database, "manager@example.com")
        let buyerB = try await Workstation.id(database, "buyer-b@example.com")
        try await database.write { db in
            // Company B (the manager's): B-1 (2,00) plus two more, one cancelled; company A has A-1 only.
            try db.execute(sql: """
                INSERT INTO customerOrder (number, sellerOrganizationId, counterpartyId, statusId, subtotalMinor, totalMinor, placedAt) VALUES
                ('B-2', 1, 2, 1, 150000, 150000, '2026-11-10 09:00:00.000'),
                ('B-3', 1, 2, (SELECT id FROM orderStatus WHERE code = 'cancelled'), 99900, 99900, '2026-11-11 09:00:00.000'),
                ('B-0', 1, 2, 1, 70000, 70000, '2026-10-01 09:00:00.000')
                """)
            // Two requests assigned to him: one answered after 2 h 30 min, one after 30 min.
            try db.execute(sql: "UPDATE ticket SET assignedTo = ?, createdAt = '2026-11-02 10:00:00.000' WHERE id = 2", arguments: [manager])
            try db.execute(sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (2, ?, 'Вопрос', '2026-11-02 10:00:00.000')", arguments: [buyerB])
            try db.execute(sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (2, ?, 'Ответ', '2026-11-02 12:30:00.000')", arguments: [manager])
            try db.execute(sql: "INSERT INTO ticket (id, kind, counterpartyId, subject, assignedTo, createdAt) VALUES (3, 'message', 2, 'Ещё', ?, '2026-11-03 09:00:00.000')", arguments: [manager])
            try db.execute(sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (3, ?, 'Ответ', '2026-11-03 09:30:00.000')", arguments: [manager])
        }
        let figures = try await database.teamFigures(from: "2026-11-01", to: "2026-11-30")
        let mine = try #require(figures.members.first { $0.member.id == manager })
        #expect(mine.customers == 1)
        #expect(mine.orders == 2 && mine.cancelled == 1)
        #expect(mine.amounts == ["RUB": 150_200])
        #expect(mine.requests == 2 && mine.answered == 2)
        #expect(mine.medianResponse == 5400, "the median of 9000 s and 1800 s")
        let other = try #require(figures.members.first { $0.member.email == "manager2@example.com" })
        #expect(other.orders == 0 && other.customers == 0)
        #expect(figures.unassignedCustomers == 1, "company A has no manager")
        #expect(figures.orders == 3 && figures.amounts == ["RUB": 150_300])
        #expect(!figures.members.contains { $0.member.email == "director@example.com" }, "executives are not in the list of managers")

        try await app.test(.router) { client in
            var (director, _) = try await Accounts.signIn(client, "director@example.com", password: Workstation.password)
            let page = try await director.get(client, "/staff/team?from=2026-11-01&to=2026-11-30&lang=en")
            #expect(page.status == .ok)
            #expect(page.text.contains("Волкова Марина"))
            #expect(page.text.contains("1 h 30 min"), "median first reply")
            #expect(page.text.contains("1,502.00 ₽"))
            #expect(page.text.contains(#"<rect x="0" y="0" height="20" width="1000">"#), "the largest amount fills the bar")
            let wrong = try await director.get(client, "/staff/team?from=2026-13-01&to=x")
            #expect(wrong.status == .ok && wrong.text.contains("role=\"alert\""))
            #expect(try await director.get(client, "/staff?manager=\(manager)").text.contains("ООО «Бета»"))
            #expect(!(try await director.get(client, "/staff?manager=\(manager)")).text.contains("ООО «Альфа»"), "one manager's customers")
        }
    }

    @Test("the home page finds companies by name in any letter case, holding or tax id prefix, within what one may see")
    func search() async throws {
        let (app, _) = try await TestApp.make(seed: Workstation.seed)
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            var page = try await manager.get(client, "/staff?q=" + "бета".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(page.text.contains("ООО «Бета»"))
            page = try await manager.get(client, "/staff?q=" + "альфа".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(!page.text.contains(#"href="/staff/companies/1""#), "a company he does not serve is not found either")
            #expect(page.text.contains("По запросу компаний не найдено"))
            var (director, _) = try await Accounts.signIn(client, "director@example.com", password: Workstation.password)
            page = try await director.get(client, "/staff?q=" + "АЛЬФА".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(page.text.contains(#"href="/staff/companies/1""#) && !page.text.contains(#"href="/staff/companies/2""#))
            page = try await director.get(client, "/staff?q=770000000")
            #expect(page.text.contains(#"href="/staff/companies/1""#) && page.text.contains(#"href="/staff/companies/2""#), "by the start of the tax id")
        }
    }

    @Test("staff see the workstation in the header menu, admins the settings; buyers see neither")
    func navigation() async throws {
        let (app, _) = try await TestApp.make(seed: Workstation.seed)
        try await app.test(.router) { client in
            for (email, staff, admin) in [
                ("manager@example.com", true, false), ("director@example.com", true, false), ("root@example.com", true, true), ("buyer-a@example.com", false, false),
            ] {
                var (browser, _) = try await Accounts.signIn(client, email, password: Workstation.password)
                for lang in ["ru", "en"] {
                    let page = try await browser.get(client, "/catalog?lang=\(lang)")
                    let header = String(page.text[..<(page.text.range(of: "</header>")?.lowerBound ?? page.text.endIndex)])
                    #expect(header.contains(#"<a href="/staff">"#) == staff, "\(email) \(lang)")
                    #expect(header.contains(#"<a href="/admin/settings">"#) == admin, "\(email) \(lang)")
                    if staff { #expect(header.contains(lang == "ru" ? "Рабочее место" : "Workstation")) }
                }
            }
        }
    }
}

@Suite struct PersonalManagerTests {
    @Test("a buyer sees the company's manager and assistant under every page and asks a question: a request assigned to the assistant, e-mailed to them with the buyer's name")
    func widgetAndQuestion() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let assistant = try await database.addUser(
            email: "assistant@example.com", password: Workstation.password, role: "assistant", counterpartyErpId: nil, fullName: "Никитин Павел",
            hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO managerAssignment (userId, counterpartyId, role) VALUES (?, 2, 'assistant')", arguments: [assistant])
            try db.execute(sql: "UPDATE user SET phone = '+7 495 100-00-04' WHERE id = ?", arguments: [assistant])
            try db.execute(sql: "UPDATE user SET fullName = 'Борис Бетов' WHERE email = 'buyer-b@example.com'")
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            let page = try await buyer.get(client, "/catalog")
            let widget = String(page.text[(page.text.range(of: #"<aside class="personal-manager""#)?.lowerBound ?? page.text.endIndex)...])
            #expect(widget.contains("Волкова Марина") && widget.contains("Никитин Павел"))
            #expect(widget.contains(#"href="tel:+74951000004""#) && widget.contains("mailto:assistant@example.com"))
            #expect(widget.contains(#"action="/manager/question""#))
            #expect(try await buyer.post(client, "/manager/question", ["question": "  "]).status == .unprocessableContent)
            let asked = try await buyer.post(client, "/manager/question", ["question": "Когда придут светильники?\nНужно 40 штук."])
            #expect(asked.status == .seeOther)
            let location = try #require(asked.headers[.location])
            #expect(location.hasPrefix("/requests/") && location.hasSuffix("?sent=1"))
            #expect(try await buyer.get(client, location).text.contains("Нужно 40 штук."), "the buyer sees it as a request")

            // Company A has nobody assigned: no widget; a staff member sees none either.
            var (other, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            #expect(!(try await other.get(client, "/catalog")).text.contains("personal-manager"))
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            #expect(!(try await manager.get(client, "/catalog")).text.contains("personal-manager"))
        }
        let row = try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT subject, assignedTo, counterpartyId FROM ticket WHERE subject LIKE 'Когда придут%'")
                .map { (subject: $0["subject"] as String, assignedTo: $0["assignedTo"] as Int64?, counterpartyId: $0["counterpartyId"] as Int64) }
        }
        let ticket = try #require(row)
        #expect(ticket.subject == "Когда придут светильники?")
        #expect(ticket.assignedTo == assistant)
        #expect(ticket.counterpartyId == 2)
        let mails = try await Workstation.outbox(database, "question.asked")
        #expect(mails.count == 1)
        #expect(mails.first?["userId"] == String(assistant))
        #expect(mails.first?["author"] == "Борис Бетов")
        #expect(mails.first?["text"] == "Когда придут светильники?\nНужно 40 штук.")
    }
}

@Suite struct AdminSettingsTests {
    @Test("the admin closes registration, picks the default language and the credit policy, edits the seller's details; audited; others may not")
    func settings() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO settlement (counterpartyId, date, dueDate, amountMinor, description) VALUES (2, '2026-01-10', '2026-01-20', 30000, 'Реализация')")
        }
        #expect(try await database.creditState(counterpartyId: 2, today: "2026-11-30").refusal(orderMinor: 100)?.code == "order.credit_overdue")
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            #expect(try await manager.get(client, "/admin/settings").status == .forbidden)
            #expect(try await manager.post(client, "/admin/settings", ["creditPolicy": "off", "defaultLanguage": "en"]).status == .forbidden)

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            let page = try await admin.get(client, "/admin/settings")
            #expect(page.status == .ok)
            #expect(page.text.contains("ООО «Поставщик»") && page.text.contains("WHOLESAIL_SMTP_URL"))
            #expect(page.text.contains(#"name="registrationOpen" value="1" checked"#))
            let saved = try await admin.post(client, "/admin/settings", ["defaultLanguage": "en", "creditPolicy": "off"])
            #expect(saved.headers[.location] == "/admin/settings?saved=1")

            // Registration is closed: the form is not offered and a post stores nothing.
            var visitor = Browser()
            let form = try await visitor.get(client, "/register")
            #expect(form.status == .forbidden)
            #expect(form.text.contains("<html lang=\"en\">"), "the default language is English now")
            #expect(form.text.contains("Registration is closed"))
            _ = try await visitor.get(client, "/login")
            let post = try await visitor.post(
                client, "/register",
                ["companyName": "ООО «Гамма»", "inn": "7700000009", "contactName": "Г", "email": "g@example.com", "phone": "+79000000000", "consent": "yes"])
            #expect(post.status == .forbidden)
            #expect(post.text.contains("Registration on the portal is closed"), "refused by the setting, not by the CSRF check")

            let bad = try await admin.post(client, "/admin/settings/sellers/1", ["name": "ООО «Поставщик»", "inn": "123", "bik": "04452522"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("field-error"))
            let good = try await admin.post(
                client, "/admin/settings/sellers/1",
                ["name": "ООО «Поставщик»", "inn": "7700000001", "kpp": "770101001", "bik": "044525225", "account": "40702810900000000001",
                 "correspondentAccount": "30101810400000000225", "bankName": "ПАО Сбербанк", "director": "Орлов А. В."])
            #expect(good.status == .seeOther)
        }
        #expect(try await database.registrationRequests().isEmpty)
        #expect(try await database.portalSettings() == PortalSettings(registrationOpen: false, defaultLanguage: "en", creditPolicy: .off))
        #expect(try await database.creditState(counterpartyId: 2, today: "2026-11-30").refusal(orderMinor: 100) == nil, "the policy no longer locks")
        let seller = try #require(try await database.sellerOrganizations().first)
        #expect(seller.bik == "044525225" && seller.director == "Орлов А. В.")
        #expect(try await Workstation.audit(database, "settings.portal").count == 1)
        #expect(try await Workstation.audit(database, "settings.seller").map(\.object) == ["1"])
    }

    @Test("the admin reads the audit log filtered by action group, actor (any letter case), object and days, in pages; others may not")
    func auditLog() async throws {
        let (app, database) = try await TestApp.make(seed: Workstation.seed)
        let manager = try await Workstation.id(database, "manager@example.com")
        try await database.write { db in
            for index in 0..<120 {
                try db.execute(
                    sql: "INSERT INTO auditLog (at, actorUserId, action, objectType, objectId) VALUES (?, ?, 'order.credit_override', 'customerOrder', ?)",
                    arguments: [String(format: "2026-10-%02d 10:00:00.000", 1 + index % 28), manager, String(index)])
            }
        }
        try await app.test(.router) { client in
            var (browser, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            _ = try await browser.get(client, "/staff/companies/2")
            _ = try await browser.post(client, "/staff/companies/2/users", ["fullName": "Аудит Тест", "email": "audit@beta.example", "role": "buyer"])
            #expect(try await browser.get(client, "/admin/audit").status == .forbidden)

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            var page = try await admin.get(client, "/admin/audit?action=user&actor=" + "ВОЛКОВА".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(page.status == .ok)
            #expect(page.text.contains("<code>user.create</code>") && page.text.contains("manager@example.com"))
            #expect(!page.text.contains("order.credit_override"))
            page = try await admin.get(client, "/admin/audit?action=order&from=2026-10-01&to=2026-10-28")
            #expect(page.text.contains("Найдено: 120"))
            #expect(page.text.contains(#"rel="next""#), "120 entries are more than a page")
            page = try await admin.get(client, "/admin/audit?action=order&objectType=customerOrder&objectId=7")
            #expect(page.text.contains("Найдено: 1"))
            page = try await admin.get(client, "/admin/audit?action=order&to=2026-10-01")
            #expect(page.text.contains("Найдено: 5"), "the days are inclusive: 5 entries fall on October 1")
        }
    }

    @Test("the credit policy decides what locks ordering", arguments: [
        (CreditPolicy.limitAndOverdue, "order.credit_overdue" as String?, "order.credit_limit" as String?),
        (.limitOnly, nil, "order.credit_limit"), (.off, nil, nil),
    ])
    func creditPolicy(policy: CreditPolicy, overdue: String?, limit: String?) {
        var late = CreditState(limitMinor: 0, debtMinor: 500, overdueMinor: 500, blocked: false, currency: "RUB")
        late.policy = policy
        #expect(late.refusal(orderMinor: 100)?.code == overdue)
        var full = CreditState(limitMinor: 1000, debtMinor: 950, overdueMinor: 0, blocked: false, currency: "RUB")
        full.policy = policy
        #expect(full.refusal(orderMinor: 100)?.code == limit)
        var blocked = CreditState(limitMinor: 0, debtMinor: 0, overdueMinor: 0, blocked: true, currency: "RUB")
        blocked.policy = policy
        #expect(blocked.refusal(orderMinor: 100)?.code == "order.counterparty_blocked", "an ERP block holds whatever the policy")
    }
}
