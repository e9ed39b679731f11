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

/// buyer1 and stranger work for company 1 (buyer1 also for company 2), buyer2 for company 2 only.
@Suite("Shared shopping lists over HTTP")
struct ShoppingListsTests {
    static func listId(_ response: TestResponse) throws -> Int64 {
        let location = try #require(response.headers[.location])
        return try #require(Int64(location.dropFirst("/lists/".count)))
    }

    @Test("a list for chosen colleagues: others of the company and other companies get 404; shared with the company, a colleague adds and orders from it")
    func sharing() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        let strangerId = try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = 'stranger@example.com'")! }
        try await app.test(.router) { client in
            var (owner, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let page = try await owner.get(client, "/lists")
            #expect(page.status == .ok)
            #expect(page.text.contains("Общие списки"))
            #expect(try await owner.post(client, "/lists", ["name": " ", "sharing": "company"]).status == .unprocessableContent)
            let created = try await owner.post(client, "/lists", ["name": "Объект на Ленина", "sharing": "members"])
            #expect(created.status == .seeOther)
            let id = try Self.listId(created)
            #expect(try await owner.post(client, "/lists/\(id)/items", ["skus": "CAB-1:3\nNOPE-9:1"]).status == .unprocessableContent)

            var (colleague, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            _ = try await colleague.get(client, "/account")
            #expect(try await colleague.get(client, "/lists/\(id)").status == .notFound, "not chosen")
            #expect(try await colleague.post(client, "/lists/add", ["list_id": String(id), "product_id": "2", "qty": "5"]).status == .notFound)
            var (outsider, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await outsider.get(client, "/account")
            #expect(try await outsider.get(client, "/lists/\(id)").status == .notFound)
            #expect(try await outsider.post(client, "/lists/\(id)/to-cart", [:]).status == .notFound)
            #expect(try await outsider.post(client, "/lists/add", ["list_id": String(id), "product_id": "2", "qty": "5"]).status == .notFound)

            // The owner chooses the colleague: now they may use it, but not change who sees it.
            #expect(try await owner.post(client, "/lists/\(id)/settings", ["name": "Объект на Ленина", "sharing": "members", "member_\(strangerId)": "1"]).status == .seeOther)
            let seen = try await colleague.get(client, "/lists/\(id)")
            #expect(seen.status == .ok)
            #expect(seen.text.contains("CAB-1"))
            #expect(try await colleague.post(client, "/lists/\(id)/settings", ["name": "Моё", "sharing": "company"]).status == .forbidden)
            #expect(try await colleague.post(client, "/lists/\(id)/delete", [:]).status == .forbidden)
            // The colleague adds from the product card and by stock number, then puts the list into their cart.
            let card = try await colleague.get(client, "/product/2")
            #expect(card.text.contains(#"action="/lists/add""#))
            let added = try await colleague.post(client, "/lists/add", ["list_id": String(id), "product_id": "2", "qty": "5", "back": "/product/2"])
            #expect(added.headers[.location] == "/product/2?listed=1")
            #expect(try await colleague.post(client, "/lists/\(id)/items", ["skus": "WIRE-3:2.5"]).status == .seeOther)
            #expect(try await colleague.post(client, "/lists/\(id)/to-cart", [:]).headers[.location] == "/cart")
            let list = try #require(try await database.shoppingList(id: id, userId: strangerId))
            #expect(list.lines.map(\.sku) == ["CAB-1", "LAMP-2", "WIRE-3"])
            let cart = try await database.workingCart(userId: strangerId)
            #expect(cart.lines.map(\.sku) == ["CAB-1", "LAMP-2", "WIRE-3"])
            #expect(cart.lines.map(\.qtyMilli) == [3000, 5000, 2500])
            // Shared with the whole company instead: the colleague sees it in the index; still not another company.
            #expect(try await owner.post(client, "/lists/\(id)/settings", ["name": "Объект на Ленина", "sharing": "company"]).status == .seeOther)
            #expect(try await colleague.get(client, "/lists").text.contains("Объект на Ленина"))
            #expect(!(try await outsider.get(client, "/lists").text.contains("Объект на Ленина")))
            // Not a personal saved cart.
            #expect(!(try await colleague.get(client, "/account/carts").text.contains("Объект на Ленина")))
            #expect(try await owner.post(client, "/lists/\(id)/delete", [:]).status == .seeOther)
        }
        let audit = try await database.read { try String.fetchAll($0, sql: "SELECT action FROM auditLog WHERE action LIKE 'list.%' ORDER BY id") }
        #expect(audit == ["list.create", "list.update", "list.update", "list.delete"])
    }

    @Test("the cart saved as a shared list of the cart's company")
    func fromCart() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            _ = try await buyer.get(client, "/cart")
            #expect(try await buyer.post(client, "/cart/add", ["product_id": "1", "qty": "4"]).status == .seeOther)
            let cart = try await buyer.get(client, "/cart?lang=en")
            #expect(cart.text.contains("Save as a shared list"))
            #expect(cart.text.contains(#"href="/quotes/new""#))
            let created = try await buyer.post(client, "/lists", ["name": "Ежемесячно", "sharing": "company", "from_cart": "1"])
            #expect(created.status == .seeOther)
            let id = try Self.listId(created)
            let list = try #require(try await database.shoppingList(id: id, userId: 2))
            #expect(list.counterpartyId == 2)
            #expect(list.lines.map(\.qtyMilli) == [4000])
        }
    }
}
