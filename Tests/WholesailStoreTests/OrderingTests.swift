import Foundation
import GRDB
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@Suite("Cart and orders in the store")
struct OrderingTests {
    func shop(extraBuyers: Int = 0) async throws -> WholesailDatabase {
        let database = try TestDatabase.inMemory()
        try await OrderingFixture.seed(database, extraBuyers: extraBuyers)
        return database
    }

    @Test("quantities follow each unit's minimum and step; bad products and units are refused")
    func quantityRules() async throws {
        let database = try await shop()
        #expect(try await database.addToCart(userId: 1, productId: 1, qtyMilli: 3000) == 3000)
        #expect(try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000) == 5000)
        await #expect(throws: DomainError.self) { try await database.addToCart(userId: 1, productId: 1, qtyMilli: 1500) }
        // LAMP-2: minimum 5, step 5; adding without a quantity adds the minimum.
        #expect(try await database.addToCart(userId: 1, productId: 2, qtyMilli: nil) == 5000)
        do {
            try await database.addToCart(userId: 1, productId: 2, qtyMilli: 7000, mode: .set)
            Issue.record("a quantity off the step was accepted")
        } catch let error as DomainError {
            #expect(error.code == "cart.qty_step")
            #expect(error.values["step"] == "5")
        }
        // WIRE-3 is sold by 0.1 m.
        #expect(try await database.addToCart(userId: 1, productId: 3, qtyMilli: 2500) == 2500)
        // A box of CAB-1 is its own line; an unknown unit and a product not sold are refused.
        #expect(try await database.addToCart(userId: 1, productId: 1, unitId: 3, qtyMilli: 2000) == 2000)
        await #expect(throws: DomainError.self) { try await database.addToCart(userId: 1, productId: 1, unitId: 2, qtyMilli: 1000) }
        await #expect(throws: DomainError.self) { try await database.addToCart(userId: 1, productId: 4, qtyMilli: 1000) }
        await #expect(throws: DomainError.self) { try await database.addToCart(userId: 1, productId: 999, qtyMilli: 1000) }
        let cart = try await database.workingCart(userId: 1)
        #expect(cart.lines.map(\.sku) == ["CAB-1", "LAMP-2", "WIRE-3", "CAB-1"])
        #expect(cart.lines.map(\.qtyMilli) == [5000, 5000, 2500, 2000])
        #expect(cart.lines[3].factor == "10")
    }

    @Test("the cart is priced in the current company's context, and switching companies re-prices it")
    func pricingFollowsCompany() async throws {
        let database = try await shop()
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000)
        try await database.addToCart(userId: 1, productId: 1, unitId: 3, qtyMilli: 1000)
        try await database.addToCart(userId: 1, productId: 3, qtyMilli: 1500)
        var (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        // Company 1 buys at wholesale: 2 × 90.00 + 1 box × 900.00 + 1.5 m × 45.45 = 68.175 → 68.18.
        #expect(priced.lines.map(\.unitPriceMinor) == [9000, 90000, 4545])
        #expect(priced.lines.map(\.amountMinor) == [18000, 90000, 6818])
        #expect(priced.subtotalMinor == 114_818)
        #expect(priced.vatMinor == 3000 + 15000 + 1136)
        try await database.setCartCounterparty(userId: 1, counterpartyId: 2)
        (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.lines.map(\.unitPriceMinor) == [10000, 100000, 5050])
        await #expect(throws: DomainError.self) { try await database.setCartCounterparty(userId: 2, counterpartyId: 1) }
    }

    @Test("a cart threshold switches the price type, and the next one is announced")
    func thresholds() async throws {
        let database = try await shop()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO cartThreshold (fromPriceTypeId, minTotalMinor, priceTypeId) VALUES (2, 100000, 3)")
        }
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 10000)
        var (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.subtotalMinor == 90000)
        #expect(priced.appliedThreshold == nil)
        #expect(priced.nextThreshold?.missingMinor == 10000)
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000)
        (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        // 12 × 90.00 = 1 080.00 ≥ 1 000.00: large wholesale, 12 × 80.00.
        #expect(priced.appliedThreshold?.priceTypeId == 3)
        #expect(priced.priceTypeId == 3)
        #expect(priced.subtotalMinor == 96000)
    }

    @Test("promocodes: percent on a category, fixed spread exactly, limits and dates explained")
    func promocodes() async throws {
        let database = try await shop()
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO promocode (code, kind, percent, categoryId) VALUES ('CABLE10', 'percent', '10', 2);
                INSERT INTO promocode (code, kind, amountMinor, minTotalMinor) VALUES ('MINUS100', 'fixed', 10000, 50000);
                INSERT INTO promocode (code, kind, percent, validTo) VALUES ('OLD', 'percent', '5', '2020-01-01');
                """)
        }
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 3000)   // 270.00, category Кабель
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 5000)   // 90.00, category Свет
        try await database.setCartPromocode(userId: 1, code: "cable10")
        var (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.lines.map(\.discountMinor) == [2700, 0])
        #expect(priced.promocode == .applied(code: "CABLE10", discountMinor: 2700))
        #expect(priced.totalMinor == 36000 - 2700)

        try await database.setCartPromocode(userId: 1, code: "MINUS100")
        (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.promocode == .notApplied(code: "MINUS100", reason: "promocode.min_total", values: ["amount": "500.00", "currency": "RUB"]))
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 3000)   // now 540.00 + 90.00
        (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.discountMinor == 10000)
        #expect(priced.lines.map(\.discountMinor).reduce(0, +) == 10000)
        #expect(priced.lines.map(\.discountMinor) == [8571, 1429])

        try await database.setCartPromocode(userId: 1, code: "OLD")
        (_, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        #expect(priced.promocode == .notApplied(code: "OLD", reason: "promocode.expired", values: [:]))
        await #expect(throws: DomainError.self) { try await database.setCartPromocode(userId: 1, code: "NOPE") }
    }

    @Test("placing an order: gapless numbers, prices as seen, cart emptied, event and notifications written")
    func placing() async throws {
        let database = try await shop()
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000)
        try await database.addToCart(userId: 1, productId: 3, qtyMilli: 1500)
        let first = try await OrderingFixture.place(database, userId: 1)
        #expect(first.number == "T-00001")
        #expect(first.totalMinor == 18000 + 6818)
        let detail = try #require(try await database.order(id: first.id))
        #expect(detail.lines.map(\.priceMinor) == [9000, 4545])
        #expect(detail.lines.map(\.amountMinor) == [18000, 6818])
        #expect(detail.summary.status.code == "new")
        #expect(detail.events.map(\.kind) == ["placed"])
        #expect(try await database.workingCart(userId: 1).lines.isEmpty)
        let topics = try await database.read { try String.fetchAll($0, sql: "SELECT topic FROM outbox") }
        #expect(topics.contains("order.placed"))

        // An empty cart cannot be ordered; a failed attempt does not use up a number.
        await #expect(throws: DomainError.self) { try await OrderingFixture.place(database, userId: 1) }
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 5000)
        let second = try await OrderingFixture.place(database, userId: 1)
        #expect(second.number == "T-00002")
    }

    @Test("double submit with the same key places one order; a cart changed in another tab is refused")
    func idempotencyAndVersion() async throws {
        let database = try await shop()
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000)
        let (cart, priced, _) = try await OrderingFixture.priced(database, userId: 1)
        let request = PlaceOrderRequest(
            userId: 1, form: CheckoutForm(counterpartyId: 1, delivery: .pickup, warehouseId: 1), cartVersion: cart.version, priced: priced,
            idempotencyKey: "key-1")
        let first = try await database.placeOrder(request)
        let again = try await database.placeOrder(request)
        #expect(again.id == first.id)
        #expect(again.repeated)
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customerOrder") } == 1)

        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 1000)
        let seen = try await OrderingFixture.priced(database, userId: 1)
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 5000)   // another tab
        do {
            _ = try await database.placeOrder(
                PlaceOrderRequest(
                    userId: 1, form: CheckoutForm(counterpartyId: 1, delivery: .pickup, warehouseId: 1), cartVersion: seen.cart.version,
                    priced: seen.priced, idempotencyKey: "key-2"))
            Issue.record("a changed cart was ordered")
        } catch let error as DomainError {
            #expect(error.code == "cart.changed")
        }
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customerOrder") } == 1)
    }

    @Test("ordering for a company the user does not belong to, or with another company's address, is refused")
    func foreignCompany() async throws {
        let database = try await shop()
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 1000)
        await #expect(throws: DomainError.self) { try await OrderingFixture.place(database, userId: 2, counterpartyId: 1) }
        await #expect(throws: ValidationError.self) {
            try await OrderingFixture.place(
                database, userId: 2, counterpartyId: 2, form: CheckoutForm(counterpartyId: 2, delivery: .delivery, deliveryAddressId: 1))
        }
        await #expect(throws: ValidationError.self) {
            try await OrderingFixture.place(database, userId: 2, counterpartyId: 2, form: CheckoutForm(counterpartyId: 2, delivery: .pickup, warehouseId: 3))
        }
        let placed = try await OrderingFixture.place(
            database, userId: 2, counterpartyId: 2, form: CheckoutForm(counterpartyId: 2, delivery: .delivery, deliveryAddressId: 2, comment: "Позвонить заранее"))
        let detail = try #require(try await database.order(id: placed.id))
        #expect(detail.address == "Москва, ул. Бета, 2")
        #expect(detail.comment == "Позвонить заранее")
    }

    @Test("credit lock: limit and overdue debt refuse the order; a manager's override places it and is audited")
    func creditLock() async throws {
        let database = try await shop()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO settlement (counterpartyId, date, dueDate, amountMinor) VALUES (2, '2026-10-01', '2026-12-31', 95000)")
        }
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 1000)   // 100.00 at retail: 950 + 100 > 1000
        do {
            try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
            Issue.record("the credit limit was ignored")
        } catch let error as DomainError {
            #expect(error.code == "order.credit_limit")
            #expect(error.values["limit"] == "1000.00")
        }
        try await database.write { db in
            try db.execute(sql: "INSERT INTO settlement (counterpartyId, date, amountMinor) VALUES (2, '2026-11-01', -95000)")
            try db.execute(sql: "INSERT INTO settlement (counterpartyId, date, dueDate, amountMinor) VALUES (2, '2026-11-02', '2026-11-10', 500)")
        }
        let state = try await database.creditState(counterpartyId: 2, today: "2026-11-29")
        #expect(state.debtMinor == 500)
        #expect(state.overdueMinor == 500)
        await #expect(throws: DomainError.self) { try await OrderingFixture.place(database, userId: 2, counterpartyId: 2) }
        let placed = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2, creditOverride: true)
        let audit = try await database.read {
            try String.fetchOne($0, sql: "SELECT action FROM auditLog WHERE objectId = ?", arguments: [String(placed.id)])
        }
        #expect(audit == "order.credit_override")
        #expect(try await database.order(id: placed.id)?.creditOverride == true)
    }

    @Test("50 buyers ordering scarce stock at once never over-reserve")
    func concurrentReservations() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        try await OrderingFixture.seed(database, extraBuyers: 50)
        try await database.saveOrderSettings(OrderSettings(reservationDays: 3, split: .shipments), actor: nil)
        for index in 0..<50 { try await database.addToCart(userId: Int64(100 + index), productId: 1, qtyMilli: 7000) }
        let matrix = try await OrderingFixture.matrix(database)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    let userId = Int64(100 + index)
                    let cart = try await database.workingCart(userId: userId)
                    let context = try await database.pricingContext(userId: userId, counterpartyId: 1, day: "2026-11-29")
                    let priced = CartPricing.price(cart.lines.map(\.item), matrix: matrix, context: context)
                    _ = try await database.placeOrder(
                        PlaceOrderRequest(
                            userId: userId, form: CheckoutForm(counterpartyId: 1, delivery: .delivery, deliveryAddressId: 1), cartVersion: cart.version,
                            priced: priced, idempotencyKey: "concurrent-\(index)"))
                }
            }
            try await group.waitForAll()
        }
        let (stock, reserved, orders, numbers) = try await database.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT qtyMilli, reservedMilli FROM stock WHERE productId = 1").map { ($0[0] as Int64, $0[1] as Int64) },
                try Int64.fetchOne(db, sql: "SELECT sum(qtyMilli) FROM reservation WHERE releasedAt IS NULL") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customerOrder") ?? 0,
                try String.fetchAll(db, sql: "SELECT number FROM customerOrder ORDER BY number")
            )
        }
        #expect(orders == 50)
        #expect(Set(numbers).count == 50)
        #expect(numbers.last == "T-00050")
        for (qty, held) in stock { #expect(held <= qty) }
        // 50 units in stock, 7 per order: 7 orders reserve fully, the 8th gets 1, the rest none.
        #expect(reserved == 50000)
        #expect(stock.map(\.1).reduce(0, +) == 50000)
    }

    @Test("splitting by availability: shipments now/later, or a linked order for the part to bring in")
    func splitting() async throws {
        let database = try await shop()
        try await database.saveOrderSettings(OrderSettings(reservationDays: 0, split: .shipments), actor: nil)
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 40000)   // warehouse 1 has 30
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 10000)
        let byShipments = try await OrderingFixture.place(database, userId: 1)
        let detail = try #require(try await database.order(id: byShipments.id))
        #expect(detail.shipments.count == 2)
        #expect(detail.shipments[0].lines.map(\.qtyMilli) == [30000, 10000])
        #expect(detail.shipments[1].lines.map(\.qtyMilli) == [10000])

        try await database.saveOrderSettings(OrderSettings(reservationDays: 0, split: .orders), actor: nil)
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 40000)
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 10000)
        let byOrders = try await OrderingFixture.place(database, userId: 1)
        #expect(byOrders.splitOrderIds.count == 1)
        let parent = try #require(try await database.order(id: byOrders.id))
        let child = try #require(try await database.order(id: byOrders.splitOrderIds[0]))
        #expect(parent.lines.map(\.qtyMilli) == [30000, 10000])
        #expect(child.lines.map(\.qtyMilli) == [10000])
        #expect(parent.summary.totalMinor + child.summary.totalMinor == byOrders.totalMinor)
        #expect(child.linkedOrders.map(\.id) == [byOrders.id])
    }

    @Test("cancel releases the reservation; expired reservations are released too")
    func cancelAndExpiry() async throws {
        let database = try await shop()
        try await database.saveOrderSettings(OrderSettings(reservationDays: 2), actor: nil)
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 20000)
        let order = try await OrderingFixture.place(database, userId: 1)
        func reserved() async throws -> Int64 {
            try await database.read { try Int64.fetchOne($0, sql: "SELECT reservedMilli FROM stock WHERE productId = 2 AND warehouseId = 1") ?? -1 }
        }
        #expect(try await reserved() == 20000)
        try await database.cancelOrder(orderId: order.id, actor: 1)
        #expect(try await reserved() == 0)
        #expect(try await database.order(id: order.id)?.summary.status.code == "cancelled")
        await #expect(throws: DomainError.self) { try await database.cancelOrder(orderId: order.id, actor: 1) }

        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 5000)
        _ = try await OrderingFixture.place(database, userId: 1)
        #expect(try await reserved() == 5000)
        #expect(try await database.releaseExpiredReservations(now: Date().addingTimeInterval(3 * 86_400)) == 1)
        #expect(try await reserved() == 0)
    }

    @Test("saved carts: save, list, merge or replace, delete; repeat an order")
    func savedCartsAndRepeat() async throws {
        let database = try await shop()
        try await database.addToCart(userId: 1, productId: 1, qtyMilli: 2000)
        try await database.addToCart(userId: 1, productId: 2, qtyMilli: 5000)
        let saved = try await database.saveCart(userId: 1, name: "Ежемесячный")
        #expect(try await database.savedCarts(userId: 1).map(\.name) == ["Ежемесячный"])
        #expect(try await database.savedCart(userId: 2, id: saved) == nil)
        await #expect(throws: DomainError.self) { try await database.loadSavedCart(userId: 2, id: saved, replace: true) }
        try await database.loadSavedCart(userId: 1, id: saved, replace: false)
        #expect(try await database.workingCart(userId: 1).lines.map(\.qtyMilli) == [4000, 10000])
        try await database.loadSavedCart(userId: 1, id: saved, replace: true)
        #expect(try await database.workingCart(userId: 1).lines.map(\.qtyMilli) == [2000, 5000])

        let order = try await OrderingFixture.place(database, userId: 1)
        try await database.write { db in try db.execute(sql: "UPDATE product SET active = 0 WHERE id = 2") }
        let skipped = try await database.repeatOrder(orderId: order.id, userId: 1)
        #expect(skipped == ["LAMP-2"])
        #expect(try await database.workingCart(userId: 1).lines.map(\.sku) == ["CAB-1"])
        try await database.deleteSavedCart(userId: 1, id: saved)
        #expect(try await database.savedCarts(userId: 1).isEmpty)
    }

    @Test("order history filters by status, dates, number and company, within the allowed companies")
    func history() async throws {
        let database = try await shop()
        for qty in [1000, 2000, 3000] as [Int64] {
            try await database.addToCart(userId: 1, productId: 1, qtyMilli: qty)
            try await OrderingFixture.place(database, userId: 1)
        }
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 1000)
        let other = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await database.setOrderStatus(orderId: 1, statusCode: "shipped", actor: nil)
        var filter = OrderFilter(counterparties: [1])
        #expect(try await database.orders(filter).total == 3)
        filter.statusCode = "shipped"
        #expect(try await database.orders(filter).items.map(\.id) == [1])
        filter.statusCode = nil
        filter.number = "00003"
        #expect(try await database.orders(filter).items.map(\.number) == ["T-00003"])
        filter.number = "%"
        #expect(try await database.orders(filter).total == 0)
        var all = OrderFilter(counterparties: nil)
        all.activeOnly = true
        #expect(try await database.orders(all).items.map(\.id).contains(other.id))
        all.from = "2000-01-01"
        all.to = "2000-12-31"
        #expect(try await database.orders(all).total == 0)
        let events = try #require(try await database.order(id: 1)).events
        #expect(events.map(\.kind) == ["placed", "status"])
    }
}
