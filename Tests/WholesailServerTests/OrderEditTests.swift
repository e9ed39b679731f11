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

/// A manager changes a customer's order while its status allows it.
@Suite struct OrderEditTests {
    /// Company 2 («Бета», retail prices, served by manager@) orders 10 lamps and 2 cables with
    /// stock reserved for three days; the order was already handed to the ERP.
    static func placeOrder(_ database: WholesailDatabase) async throws -> Int64 {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('orders.reservation_days', '3')")
        }
        try await database.addToCart(userId: 2, productId: 2, qtyMilli: 10_000)
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 2_000)
        let placed = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await database.write { db in
            try db.execute(sql: "UPDATE customerOrder SET exportedAt = updatedAt WHERE id = ?", arguments: [placed.id])
        }
        return placed.id
    }

    static func version(_ database: WholesailDatabase, _ orderId: Int64) async throws -> String {
        try #require(try await database.read { try String.fetchOne($0, sql: "SELECT updatedAt FROM customerOrder WHERE id = ?", arguments: [orderId]) })
    }

    static func lineId(_ database: WholesailDatabase, _ orderId: Int64, sku: String) async throws -> Int64 {
        try #require(
            try await database.read {
                try Int64.fetchOne($0, sql: "SELECT id FROM orderLine WHERE orderId = ? AND sku = ?", arguments: [orderId, sku])
            })
    }

    static func reserved(_ database: WholesailDatabase, product: Int64) async throws -> Int64 {
        try await database.read { try Int64.fetchOne($0, sql: "SELECT sum(reservedMilli) FROM stock WHERE productId = ?", arguments: [product]) ?? 0 }
    }

    @Test("a manager changes a quantity, removes a line and adds a product by code: re-priced with the buyer's prices, stock reserved again, audited, the buyer e-mailed, sent to the ERP again")
    func editFlow() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        let orderId = try await Self.placeOrder(database)
        #expect(try await Self.reserved(database, product: 2) == 10_000)
        #expect(try await Self.reserved(database, product: 1) == 2_000)
        let lamp = try await Self.lineId(database, orderId, sku: "LAMP-2")
        let cable = try await Self.lineId(database, orderId, sku: "CAB-1")
        let version = try await Self.version(database, orderId)
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            let order = try await manager.get(client, "/orders/\(orderId)")
            #expect(order.text.contains(#"href="/orders/\#(orderId)/edit""#))
            let form = try await manager.get(client, "/orders/\(orderId)/edit?lang=en")
            #expect(form.status == .ok)
            #expect(form.text.contains(#"name="qty.\#(lamp)""#) && form.text.contains(#"name="version" value="\#(version)""#))

            // Refusals first: a step the product is not sold in, an unknown code, an old version.
            let step = try await manager.post(client, "/orders/\(orderId)/edit", ["version": version, "qty.\(lamp)": "7"])
            #expect(step.status == .unprocessableContent)
            #expect(step.text.contains("multiples of 5"))
            let unknown = try await manager.post(client, "/orders/\(orderId)/edit", ["version": version, "addSku": "NOPE-9"])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("There is no product with the code NOPE-9."))
            let stale = try await manager.post(client, "/orders/\(orderId)/edit", ["version": "2000-01-01 00:00:00.000", "qty.\(lamp)": "15"])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("The order was changed meanwhile."))
            #expect(try await Workstation.count(database, "SELECT count(*) FROM auditLog WHERE action = 'order.edit'") == 0)

            let saved = try await manager.post(
                client, "/orders/\(orderId)/edit", ["version": version, "qty.\(lamp)": "15", "remove.\(cable)": "1", "addSku": "wire-3", "addQty": "2,5"])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/orders/\(orderId)?edited=1")
        }
        // Retail prices of company 2: 15 × 20.00 + 2.5 × 50.50 = 426.25.
        let lines = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT sku, qtyMilli, priceMinor, amountMinor, lineNo FROM orderLine WHERE orderId = ? ORDER BY lineNo", arguments: [orderId])
                .map { ($0["sku"] as String, $0["qtyMilli"] as Int64, $0["priceMinor"] as Int64, $0["amountMinor"] as Int64, $0["lineNo"] as Int) }
        }
        #expect(lines.map(\.0) == ["LAMP-2", "WIRE-3"])
        #expect(lines.map(\.1) == [15_000, 2_500] && lines.map(\.2) == [2_000, 5_050] && lines.map(\.3) == [30_000, 12_625] && lines.map(\.4) == [1, 2])
        #expect(try await Workstation.count(database, "SELECT totalMinor FROM customerOrder WHERE id = \(orderId)") == 42_625)
        #expect(try await Workstation.count(database, "SELECT subtotalMinor FROM customerOrder WHERE id = \(orderId)") == 42_625)
        // Stock follows: the lamps hold 15, the cable nothing, the wire 2.5 m.
        #expect(try await Self.reserved(database, product: 2) == 15_000)
        #expect(try await Self.reserved(database, product: 1) == 0)
        #expect(try await Self.reserved(database, product: 3) == 2_500)
        // The ERP gets it again.
        #expect(try await Workstation.count(database, "SELECT count(*) FROM customerOrder WHERE id = \(orderId) AND exportedAt < updatedAt") == 1)
        // Audited with the manager and the changes; an event on the order; an e-mail to the buyer.
        let audit = try await Workstation.audit(database, "order.edit")
        #expect(audit.count == 1)
        let managerId = try await Workstation.id(database, "manager@example.com")
        #expect(audit.first?.actor == managerId)
        #expect(audit.first?.details?.contains("LAMP-2: 10 → 15 шт") == true)
        #expect(audit.first?.details?.contains("CAB-1: 2 → 0 шт") == true)
        #expect(try await Workstation.count(database, "SELECT count(*) FROM orderEvent WHERE orderId = \(orderId) AND kind = 'edited'") == 1)
        let mails = try await Workstation.outbox(database, "order.changed")
        #expect(mails.count == 1)
        #expect(mails.first?["userId"] == "2" && mails.first?["changes"]?.contains("WIRE-3: + 2.5 м") == true)
    }

    @Test("refused when the status does not allow edits (in both languages), for managers of other companies, and for buyers")
    func refusals() async throws {
        let (app, database) = try await TestApp.make(seed: Shop.seed)
        let orderId = try await Self.placeOrder(database)
        // An order of company 1, which the manager does not serve.
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 1_000)
        let other = try await OrderingFixture.place(database, userId: 1, counterpartyId: 1).id
        let lamp = try await Self.lineId(database, orderId, sku: "LAMP-2")
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            _ = try await manager.get(client, "/account")
            #expect(try await manager.get(client, "/orders/\(other)/edit").status == .notFound)
            #expect(try await manager.post(client, "/orders/\(other)/edit", ["version": "x"]).status == .notFound)

            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/orders/\(orderId)/edit").status == .forbidden)
            let ownPage = try await buyer.get(client, "/orders/\(orderId)")
            #expect(!ownPage.text.contains("/orders/\(orderId)/edit"))

            // Confirmed orders are not editable (orderStatus.allowsEdit).
            let moved = try await manager.post(client, "/orders/\(orderId)/status", ["status": "confirmed"])
            #expect([.seeOther, .found].contains(moved.status))
            let version = try await Self.version(database, orderId)
            _ = try await manager.get(client, "/orders/\(orderId)?lang=en")
            let refused = try await manager.post(client, "/orders/\(orderId)/edit", ["version": version, "qty.\(lamp)": "15"])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("An order in the status Confirmed can no longer be changed."))
            _ = try await manager.get(client, "/orders/\(orderId)?lang=ru")
            let russian = try await manager.get(client, "/orders/\(orderId)/edit")
            #expect(russian.status == .conflict)
            #expect(russian.text.contains("Заказ в статусе «Подтверждён» больше нельзя изменить."))
            #expect(!(try await manager.get(client, "/orders/\(orderId)")).text.contains("/orders/\(orderId)/edit"))

            // An admin may edit any company's order while it is new.
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Shop.password)
            #expect(try await admin.get(client, "/orders/\(other)/edit").status == .ok)
        }
        #expect(try await Workstation.count(database, "SELECT qtyMilli FROM orderLine WHERE id = \(lamp)") == 10_000)
        #expect(try await Workstation.outbox(database, "order.changed").isEmpty)
        #expect(try await Workstation.audit(database, "order.edit").isEmpty)
    }
}
