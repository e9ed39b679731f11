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

@Suite("Advertising materials: published for everyone or for user groups, downloaded only by their audience")
struct MaterialsTests {
    static let leaflet = Data("%PDF-1.4\n% Листовка «Весна»\n%%EOF\n".utf8)
    static let catalogue = Data("%PDF-1.4\n% Каталог дилера\n%%EOF\n".utf8)

    /// The shop, an editor, and a group «Дилеры» with buyer 1 in it.
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await database.addUser(email: "editor@example.com", password: Shop.password, role: "editor", counterpartyErpId: nil, hasher: .fastForTests)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO userGroup (id, code, name) VALUES (1, 'dealers', 'Дилеры'), (2, 'vip', 'VIP')")
            try db.execute(sql: "INSERT INTO userGroupMember (userGroupId, userId) VALUES (1, 1)")
        }
    }

    @Test("an editor uploads and publishes; the group's member downloads, a buyer outside the group gets 404; unpublished and deleted ones are gone")
    func audience() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Shop.password)
            #expect(try await editor.get(client, "/editor/materials").status == .ok)
            // For the dealers only, published at once.
            var response = try await editor.postFile(
                client, "/editor/materials", ["title": "Каталог для дилеров", "description": "Цены и условия", "audience": "groups", "group.1": "1", "publish": "1"],
                file: ("file", "каталог.pdf", Self.catalogue))
            #expect(response.status == .seeOther)
            // For everyone, published.
            response = try await editor.postFile(
                client, "/editor/materials", ["title": "Листовка «Весна»", "audience": "all", "publish": "1"], file: ("file", "leaflet.pdf", Self.leaflet))
            #expect(response.status == .seeOther)
            // A draft for everyone.
            response = try await editor.postFile(
                client, "/editor/materials", ["title": "Черновик", "audience": "all"], file: ("file", "draft.pdf", Self.leaflet))
            #expect(response.status == .seeOther)
            let ids = try await database.read { db in
                try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, title FROM material").map { ($0["title"] as String, $0["id"] as Int64) })
            }
            let dealers = try #require(ids["Каталог для дилеров"])
            let leaflet = try #require(ids["Листовка «Весна»"])
            let draft = try #require(ids["Черновик"])
            let editorPage = try await editor.get(client, "/editor/materials")
            #expect(editorPage.text.contains("Черновик") && editorPage.text.contains("Дилеры"))

            // Buyer 1 is a dealer: both published materials; the file comes back as it was stored.
            var (dealer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let list = try await dealer.get(client, "/materials")
            #expect(list.status == .ok)
            #expect(list.text.contains("Каталог для дилеров") && list.text.contains("Листовка «Весна»"))
            #expect(!list.text.contains("Черновик"))
            let file = try await dealer.get(client, "/materials/\(dealers)/file")
            #expect(file.status == .ok)
            #expect(Data(buffer: file.body) == Self.catalogue)
            #expect(file.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(file.headers[.contentType] == "application/pdf")
            #expect(try await dealer.get(client, "/materials/\(draft)/file").status == .notFound, "not published")

            // Buyer 2 is in no group: the leaflet only; the dealers' catalogue is 404 by its id.
            var (other, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let otherList = try await other.get(client, "/materials")
            #expect(otherList.text.contains("Листовка «Весна»"))
            #expect(!otherList.text.contains("Каталог для дилеров"))
            #expect(try await other.get(client, "/materials/\(dealers)/file").status == .notFound)
            #expect(try await other.get(client, "/materials/\(leaflet)/file").status == .ok)
            #expect(try await other.get(client, "/materials/999/file").status == .notFound)

            // The editor sees the draft; withdraws the leaflet; deletes the catalogue.
            #expect(try await editor.get(client, "/materials/\(draft)/file").status == .ok)
            #expect(try await editor.post(client, "/editor/materials/\(leaflet)/unpublish", [:]).status == .seeOther)
            #expect(try await other.get(client, "/materials/\(leaflet)/file").status == .notFound)
            #expect(try await editor.post(client, "/editor/materials/\(leaflet)/publish", [:]).status == .seeOther)
            #expect(try await other.get(client, "/materials/\(leaflet)/file").status == .ok)
            // Re-targeted at the VIP group, the leaflet leaves buyer 2 and buyer 1 alike.
            #expect(try await editor.post(client, "/editor/materials/\(leaflet)", ["title": "Листовка «Весна»", "audience": "groups", "group.2": "1"]).status == .seeOther)
            #expect(try await other.get(client, "/materials/\(leaflet)/file").status == .notFound)
            #expect(try await dealer.get(client, "/materials/\(leaflet)/file").status == .notFound)
            #expect(try await editor.post(client, "/editor/materials/\(dealers)/delete", [:]).status == .seeOther)
            #expect(try await dealer.get(client, "/materials/\(dealers)/file").status == .notFound)

            // Buyers cannot edit.
            #expect(try await dealer.post(client, "/editor/materials/\(draft)/publish", [:]).status == .forbidden)
        }
        let audit = try await database.read { try String.fetchAll($0, sql: "SELECT action FROM auditLog WHERE action LIKE 'material.%' ORDER BY id") }
        #expect(audit.filter { $0 == "material.add" }.count == 3)
        #expect(audit.contains("material.unpublish") && audit.contains("material.delete") && audit.contains("material.edit"))
    }

    @Test("the editor's form refuses a missing title, a script file and an audience without groups")
    func validation() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Shop.password)
            _ = try await editor.get(client, "/editor/materials")
            let html = try await editor.postFile(
                client, "/editor/materials", ["title": "", "audience": "groups"], file: ("file", "x.html", Data("<script>alert(1)</script>".utf8)))
            #expect(html.status == .unprocessableContent)
            #expect(html.text.contains("field-error"))
            #expect(html.text.contains("Выберите хотя бы одну группу"))
            #expect(html.text.contains("PDF, изображение"))
        }
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM material") } == 0)
    }

    @Test("an admin creates a group and adds members by e-mail; unknown addresses are refused")
    func groups() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            #expect(try await admin.get(client, "/admin/user-groups").status == .ok)
            #expect(try await admin.post(client, "/admin/user-groups", ["code": "partners", "name": "Партнёры"]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/user-groups", ["code": "partners", "name": "Ещё"]).status == .unprocessableContent)
            let id = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM userGroup WHERE code = 'partners'") })
            let bad = try await admin.post(client, "/admin/user-groups/\(id)/members", ["emails": "buyer2@example.com\nnobody@example.com"])
            #expect(bad.status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/user-groups/\(id)/members", ["emails": "BUYER2@example.com"]).status == .seeOther)
            let page = try await admin.get(client, "/admin/user-groups")
            #expect(page.text.contains("Партнёры") && page.text.contains("buyer2@example.com"))
            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Shop.password)
            #expect(try await editor.get(client, "/admin/user-groups").status == .forbidden)
        }
        let members = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT u.email FROM userGroupMember m JOIN user u ON u.id = m.userId JOIN userGroup g ON g.id = m.userGroupId WHERE g.code = 'partners'")
        }
        #expect(members == ["buyer2@example.com"])
    }
}
