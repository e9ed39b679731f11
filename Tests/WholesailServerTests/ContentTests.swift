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

/// News, and the versioned personal-data policy that registration records.
@Suite struct ContentTests {
    static func seed(_ database: WholesailDatabase) async throws {
        try await Workstation.seed(database)
        try await database.addUser(
            email: "editor@example.com", password: Workstation.password, role: "editor", counterpartyErpId: nil, fullName: "Редактор", hasher: .fastForTests)
    }

    @Test("an editor writes news with the safe HTML subset; buyers see published items only; drafts, bad input and deletes")
    func news() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            #expect(try await buyer.get(client, "/editor/news").status == .forbidden)
            #expect(try await buyer.post(client, "/editor/news", ["title": "x", "date": "2026-11-29"]).status == .forbidden)

            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Workstation.password)
            _ = try await editor.get(client, "/editor/news?lang=en")
            let bad = try await editor.post(client, "/editor/news", ["title": "", "date": "29.11.2026", "body": "x"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("This field is required.") && bad.text.contains("Enter a date."))
            let created = try await editor.post(
                client, "/editor/news",
                ["title": "Новые светильники", "date": "2026-11-28", "published": "1",
                 "body": "<p>Поступили <b>новые</b> модели.</p><script>alert(1)</script><p onclick=\"x()\">Звоните</p>"])
            #expect(created.status == .seeOther)
            let draft = try await editor.post(client, "/editor/news", ["title": "Черновик акции", "date": "2026-11-29", "body": "<p>Скоро</p>"])
            #expect(draft.status == .seeOther)

            let list = try await buyer.get(client, "/news")
            #expect(list.status == .ok && list.text.contains("Новые светильники") && !list.text.contains("Черновик акции"))
            let ids = try await database.newsList(publishedOnly: false).items
            let published = try #require(ids.first { $0.title == "Новые светильники" })
            let hidden = try #require(ids.first { $0.title == "Черновик акции" })
            #expect(!published.bodyHtml.contains("script") && !published.bodyHtml.contains("onclick") && published.bodyHtml.contains("<b>новые</b>"))
            let page = try await buyer.get(client, "/news/\(published.id)")
            #expect(page.text.contains("<b>новые</b>") && !page.text.contains("alert(1)"))
            #expect(try await buyer.get(client, "/news/\(hidden.id)").status == .notFound)
            var visitor = Browser()
            #expect(try await visitor.get(client, "/news/\(published.id)").status == .ok)
            #expect(try await editor.get(client, "/news/\(hidden.id)").status == .ok, "editors preview drafts")

            // Publish the draft, then delete the first item.
            let edited = try await editor.post(
                client, "/editor/news/\(hidden.id)", ["title": "Акция декабря", "date": "2026-11-29", "body": "<p>Скоро</p>", "published": "1"])
            #expect(edited.status == .seeOther)
            #expect(try await buyer.get(client, "/news").text.contains("Акция декабря"))
            #expect(try await editor.post(client, "/editor/news/\(published.id)/delete", [:]).status == .seeOther)
            #expect(try await buyer.get(client, "/news/\(published.id)").status == .notFound)
            let searched = try await editor.get(client, "/editor/news?q=%D0%B0%D0%BA%D1%86")  // "акц"
            #expect(searched.text.contains("Акция декабря"))
        }
        #expect(try await Workstation.audit(database, "news.create").count == 2)
        #expect(try await Workstation.audit(database, "news.update").count == 1)
        #expect(try await Workstation.audit(database, "news.delete").count == 1)
    }

    @Test("each policy save is a new dated version; registration links the policy and records the version in force")
    func policy() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var visitor = Browser()
            let builtIn = try await visitor.get(client, "/privacy?lang=en")
            #expect(builtIn.status == .ok && builtIn.text.contains(PolicyText.builtInVersion))
            let form = try await visitor.get(client, "/register")
            #expect(form.text.contains(#"href="/privacy""#))

            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Workstation.password)
            _ = try await editor.get(client, "/editor/policy?lang=ru")
            let empty = try await editor.post(client, "/editor/policy", ["body": "  "])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("Заполните это поле."))
            #expect(try await editor.post(client, "/editor/policy", ["body": "<p>Редакция первая</p>"]).status == .seeOther)
            #expect(try await editor.post(client, "/editor/policy", ["body": "<p>Редакция вторая</p><script>x</script>"]).status == .seeOther)
            let saved = try await database.policyVersions().map(\.version)
            let day = try #require(saved.last)
            #expect(saved == ["\(day).2", day])
            let page = try await visitor.get(client, "/privacy")
            #expect(page.text.contains("Редакция вторая") && page.text.contains("\(day).2") && !page.text.contains("<script>"))
            let first = try await visitor.get(client, "/privacy?version=\(day)")
            #expect(first.text.contains("Редакция первая"))
            #expect(try await visitor.get(client, "/privacy?version=1999-01-01").status == .notFound)

            // A registration now records the second version.
            _ = try await visitor.get(client, "/register")
            let registered = try await visitor.post(
                client, "/register",
                ["companyName": "ООО «Гамма»", "inn": "7700000009", "contactName": "Гаврилов Г.", "email": "g@example.com", "phone": "+79000000000",
                 "consent": "yes"])
            #expect(registered.status == .ok || registered.status == .seeOther)
        }
        let versions = try await database.policyVersions().map(\.version)
        let stored = try await database.read { try String.fetchOne($0, sql: "SELECT consentVersion FROM registrationRequest WHERE email = 'g@example.com'") }
        #expect(stored == versions.first && versions.count == 2)
        #expect(try await Workstation.audit(database, "policy.save").count == 2)
    }
}

@Suite struct BannerTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 7, count: 64)

    @Test("banners: an uploaded image, link, days and user group decide who sees which banner on the front page")
    func banners() async throws {
        let (app, database) = try await TestApp.make(seed: ContentTests.seed)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO userGroup (id, code, name) VALUES (1, 'vip', 'Ключевые клиенты')")
            // The front page's product lists need a price type to read prices from.
            try db.execute(sql: "INSERT INTO priceType (id, name, currency, rounding, isDefault) VALUES (1, 'Розница', 'RUB', 'minor', 1)")
            try db.execute(sql: "INSERT INTO userGroupMember (userGroupId, userId) SELECT 1, id FROM user WHERE email = 'buyer-a@example.com'")
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            #expect(try await buyer.get(client, "/editor/banners").status == .forbidden)

            var (editor, _) = try await Accounts.signIn(client, "editor@example.com", password: Workstation.password)
            _ = try await editor.get(client, "/editor/banners?lang=en")
            let noImage = try await editor.post(client, "/editor/banners", ["title": "Без картинки", "position": "home_top", "active": "1"])
            #expect(noImage.status == .unprocessableContent)
            let notImage = try await editor.postFile(
                client, "/editor/banners", ["title": "Не картинка", "position": "home_top", "active": "1"], file: ("image", "a.txt", Data("hello".utf8)))
            #expect(notImage.status == .unprocessableContent)
            let badLink = try await editor.postFile(
                client, "/editor/banners", ["title": "Плохая ссылка", "link": "javascript:alert(1)", "position": "home_top", "active": "1"],
                file: ("image", "b.png", Self.png))
            #expect(badLink.status == .unprocessableContent)
            #expect(badLink.text.contains("Enter a path on the portal"))
            let badDays = try await editor.postFile(
                client, "/editor/banners", ["title": "Дни", "startsOn": "2026-12-10", "endsOn": "2026-12-01", "position": "home_top", "active": "1"],
                file: ("image", "b.png", Self.png))
            #expect(badDays.status == .unprocessableContent)

            for (title, group, ends) in [("Для всех", "", ""), ("Для ключевых", "1", ""), ("Прошедшая акция", "", "2020-01-31")] {
                let response = try await editor.postFile(
                    client, "/editor/banners",
                    ["title": title, "link": "/catalog", "position": "home_top", "userGroupId": group, "endsOn": ends, "active": "1"],
                    file: ("image", "banner.png", Self.png))
                #expect(response.status == .seeOther, "\(title)")
            }

            var visitor = Browser()
            let front = try await visitor.get(client, "/")
            #expect(front.text.contains(#"alt="Для всех""#) && !front.text.contains("Для ключевых") && !front.text.contains("Прошедшая акция"))
            let member = try await buyer.get(client, "/")
            #expect(member.text.contains(#"alt="Для всех""#) && member.text.contains(#"alt="Для ключевых""#))
            var (other, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            #expect(!(try await other.get(client, "/")).text.contains("Для ключевых"))

            // The image is served from the file store; edit without a new image keeps it; delete.
            let first = try #require(try await database.banners().first { $0.entry.title == "Для всех" })
            #expect(try await visitor.get(client, "/files/\(first.imageSha256)").status == .ok)
            let id = try #require(first.entry.id)
            #expect(try await editor.post(client, "/editor/banners/\(id)", ["title": "Для всех", "position": "home_bottom", "active": "1"]).status == .seeOther)
            #expect(try await database.banner(id: id)?.imageSha256 == first.imageSha256)
            #expect(try await editor.post(client, "/editor/banners/\(id)/delete", [:]).status == .seeOther)
            #expect(!(try await visitor.get(client, "/")).text.contains(#"alt="Для всех""#))
        }
        #expect(try await Workstation.audit(database, "banner.create").count == 3)
        #expect(try await Workstation.audit(database, "banner.update").count == 1)
        #expect(try await Workstation.audit(database, "banner.delete").count == 1)
    }
}
