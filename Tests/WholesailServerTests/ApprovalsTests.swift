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

/// The shop with a company admin ("boss") and a senior buyer ("chief", the approver) for
/// company 1, and `extra` more buyers of company 1 (users 100…) with passwords.
enum ApprovalShop {
    static let password = Shop.password

    static func seed(extra: Int) -> @Sendable (WholesailDatabase) async throws -> Void {
        { database in
            try await OrderingFixture.seed(database, extraBuyers: extra)
            let hash = PasswordHasher.fastForTests.hash(password)
            try await database.write { db in
                try db.execute(sql: "UPDATE user SET passwordHash = ?", arguments: [hash])
                try db.execute(sql: "INSERT INTO userRole (userId, roleId) SELECT u.id, r.id FROM user u, role r WHERE u.id >= 100 AND r.code = 'buyer'")
            }
            let manager = try await database.addUser(
                email: "manager@example.com", password: password, role: "manager", counterpartyErpId: nil, hasher: .fastForTests)
            try await database.addUser(email: "root@example.com", password: password, role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
            try await database.addUser(email: "stranger@example.com", password: password, role: "buyer", counterpartyErpId: "cp-1", hasher: .fastForTests)
            try await database.addUser(email: "boss@example.com", password: password, role: "buyer_admin", counterpartyErpId: "cp-1", hasher: .fastForTests)
            try await database.addUser(email: "chief@example.com", password: password, role: "buyer", counterpartyErpId: "cp-1", hasher: .fastForTests)
            try await database.write { db in
                try db.execute(sql: "INSERT INTO managerAssignment (userId, counterpartyId) VALUES (?, 2)", arguments: [manager])
                try db.execute(sql: "UPDATE user SET fullName = 'Главный Закупщик' WHERE email = 'chief@example.com'")
            }
        }
    }

    static func userId(_ database: WholesailDatabase, _ email: String) async throws -> Int64 {
        try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM user WHERE email = ?", arguments: [email]) })
    }

    static func count(_ database: WholesailDatabase, _ sql: String, _ arguments: StatementArguments = []) async throws -> Int {
        try await database.read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    static func status(_ database: WholesailDatabase, order: Int64) async throws -> String? {
        try await database.read {
            try String.fetchOne($0, sql: "SELECT s.code FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId WHERE o.id = ?", arguments: [order])
        }
    }

    /// Checks out the browser's cart with pickup from warehouse 1.
    static func checkout(_ client: some TestClientProtocol, _ browser: inout Browser, extra: [String: String] = [:]) async throws -> TestResponse {
        let page = try await browser.get(client, "/checkout")
        let version = try #require(page.text.slice(after: #"name="version" value=""#))
        let key = try #require(page.text.slice(after: #"name="idempotencyKey" value=""#))
        var fields = ["counterpartyId": "1", "delivery": "pickup", "warehouseId": "1", "version": version, "idempotencyKey": key]
        fields.merge(extra) { $1 }
        return try await browser.post(client, "/checkout", fields)
    }
}

@Suite("Purchase approvals, budgets, PO numbers and the usual order over HTTP")
struct ApprovalsTests {
    @Test("a rule sends an order to its approver; only that approver may decide; approval releases it to the ERP with its PO number")
    func approveFlow() async throws {
        let (app, database) = try await TestApp.make(seed: ApprovalShop.seed(extra: 0))
        let chief = try await ApprovalShop.userId(database, "chief@example.com")
        try await app.test(.router) { client in
            // The company admin sets the rule on their page (English and Russian).
            var (boss, _) = try await Accounts.signIn(client, "boss@example.com", password: ApprovalShop.password)
            let english = try await boss.get(client, "/company/approvals?lang=en")
            #expect(english.status == .ok)
            #expect(english.text.contains("Approval rules and budgets"))
            let russian = try await boss.get(client, "/company/approvals?lang=ru")
            #expect(russian.text.contains("Правила согласования и бюджеты"))
            #expect(russian.text.contains("Главный Закупщик"))
            // Nobody approves their own orders; a non-number threshold is refused.
            var response = try await boss.post(
                client, "/company/approvals/rules", ["subject": "user:\(chief)", "condition": "amount_above", "amount": "100", "approverUserId": String(chief)])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("не может согласовывать свои заказы"))
            response = try await boss.post(
                client, "/company/approvals/rules", ["subject": "user:1", "condition": "amount_above", "amount": "сто", "approverUserId": String(chief)])
            #expect(response.status == .unprocessableContent)
            response = try await boss.post(
                client, "/company/approvals/rules", ["subject": "user:1", "condition": "amount_above", "amount": "100", "approverUserId": String(chief)])
            #expect(response.status == .seeOther)
            // A plain buyer may not manage rules.
            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: ApprovalShop.password)
            #expect(try await stranger.get(client, "/company/approvals").status == .forbidden)
            _ = try await stranger.get(client, "/approvals")

            // Buyer 1 orders 3 × 90,00 = 270,00 > 100,00: the cart warns, the order waits.
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: ApprovalShop.password)
            _ = try await buyer.get(client, "/product/1")
            #expect(try await buyer.post(client, "/cart/add", ["product_id": "1", "qty": "3"]).status == .seeOther)
            let cart = try await buyer.get(client, "/cart?lang=ru")
            #expect(cart.text.contains("должен согласовать: Главный Закупщик"))
            response = try await ApprovalShop.checkout(client, &buyer, extra: ["poNumber": "PO-777", "deliveryDate": "2030-01-15"])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.contains("approval=1"))
            let orderId = try #require(Int64(location.dropFirst("/orders/".count).prefix { $0.isNumber }))
            #expect(try await ApprovalShop.status(database, order: orderId) == "pending_approval")
            let page = try await buyer.get(client, location)
            #expect(page.text.contains("ждёт согласования"))
            #expect(page.text.contains("PO-777"))
            // Not yet the distributor's: no order.placed, no ERP export, no bill.
            #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM outbox WHERE topic LIKE 'order.placed%'") == 0)
            #expect(try await ApprovalShop.count(
                database, "SELECT count(*) FROM outbox WHERE topic = 'approval.requested' AND json_extract(payload, '$.userId') = ?", [String(chief)]) >= 1)
            #expect(try await database.ordersToExport().isEmpty)
            #expect(try await buyer.get(client, "/orders/\(orderId)/bill.pdf").status == .conflict)
            let pay = try await buyer.post(client, "/orders/\(orderId)/pay", [:])
            #expect(pay.status == .conflict)
            #expect(pay.text.contains("ждёт согласования"))
            let approvalId = try #require(try await database.orderApprovals(orderId: orderId).first?.id)

            // Who may decide: the buyer themself and a colleague are refused (403); another
            // company's buyer and a manager not serving the company see nothing (404).
            #expect(try await buyer.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve"]).status == .forbidden)
            #expect(try await stranger.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve"]).status == .forbidden)
            var (other, _) = try await Accounts.signIn(client, "buyer2@example.com", password: ApprovalShop.password)
            _ = try await other.get(client, "/account")
            #expect(try await other.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve"]).status == .notFound)
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: ApprovalShop.password)
            _ = try await manager.get(client, "/account")
            #expect(try await manager.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve"]).status == .notFound)
            let strangerToken = try await Shop.token(client, "stranger@example.com")
            let otherToken = try await Shop.token(client, "buyer2@example.com")
            let body = #"{"decision":"approve"}"#
            #expect(try await Shop.json(client, .post, "/api/v1/approvals/\(approvalId)/decide", token: strangerToken, body: body).status == .forbidden)
            #expect(try await Shop.json(client, .post, "/api/v1/approvals/\(approvalId)/decide", token: otherToken, body: body).status == .notFound)
            // The distributor's staff cannot move it past the buyer company's approval either.
            await #expect(throws: DomainError.self) { try await database.setOrderStatus(orderId: orderId, statusCode: "confirmed", actor: nil) }
            #expect(try await ApprovalShop.status(database, order: orderId) == "pending_approval")
            #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM orderApproval WHERE status = 'pending'") == 1)

            // The approver's queue, in both languages.
            _ = try await buyer.get(client, "/approvals")
            var (approver, _) = try await Accounts.signIn(client, "chief@example.com", password: ApprovalShop.password)
            let queue = try await approver.get(client, "/approvals?lang=en")
            #expect(queue.status == .ok)
            #expect(queue.text.contains("Orders to approve"))
            #expect(queue.text.contains("PO-777"))
            #expect(queue.text.contains("total above 100.00 ₽"))
            let queueRu = try await approver.get(client, "/approvals?lang=ru")
            #expect(queueRu.text.contains("Заказы на согласование"))
            // The order page offers the decision to the approver only.
            #expect(try await approver.get(client, "/orders/\(orderId)").text.contains(#"action="/approvals/\#(approvalId)/decide""#))
            #expect(!(try await buyer.get(client, "/orders/\(orderId)").text.contains("/decide")))
            // Declining needs a comment; approving releases the order.
            response = try await approver.post(client, "/approvals/\(approvalId)/decide", ["decision": "decline", "back": "/approvals"])
            #expect(response.status == .unprocessableContent)
            response = try await approver.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve", "comment": "Согласовано", "back": "/approvals"])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/approvals?decided=approved")
            response = try await approver.post(client, "/approvals/\(approvalId)/decide", ["decision": "approve"])
            #expect(response.status == .conflict)
            // The distributor's side sees the PO number: the order page and the history.
            var (root, _) = try await Accounts.signIn(client, "root@example.com", password: ApprovalShop.password)
            #expect(try await root.get(client, "/orders/\(orderId)").text.contains("PO-777"))
            #expect(try await root.get(client, "/orders").text.contains("PO-777"))
            #expect(try await root.get(client, "/staff/companies/1").text.contains("PO-777"))
        }
        #expect(try await ApprovalShop.status(database, order: try #require(try await database.ordersToExport().first?.id)) == "new")
        let exported = try #require(try await database.ordersToExport().first)
        #expect(exported.poNumber == "PO-777")
        let xml = String(decoding: CommerceMLOrderWriter.document([exported]), as: UTF8.self)
        #expect(xml.contains("<Наименование>Номер заказа покупателя</Наименование>"))
        #expect(xml.contains("<Значение>PO-777</Значение>"))
        #expect(xml.contains("<Значение>2030-01-15</Значение>"))
        #expect(try await database.billData(orderId: exported.id)?.poNumber == "PO-777")
        #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM outbox WHERE topic = 'order.placed'") >= 1)
        #expect(try await ApprovalShop.count(
            database, "SELECT count(*) FROM outbox WHERE topic = 'approval.decided' AND json_extract(payload, '$.userId') = '1'") >= 1)
        #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM auditLog WHERE action = 'order.approve'") == 1)
        #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM auditLog WHERE action = 'approval.rule_add'") == 1)
    }

    @Test("a category rule for a role: the approver declines through the API with a comment; the order is declined and the buyer told")
    func declineThroughAPI() async throws {
        let (app, database) = try await TestApp.make(seed: ApprovalShop.seed(extra: 0))
        let chief = try await ApprovalShop.userId(database, "chief@example.com")
        try await app.test(.router) { client in
            var (boss, _) = try await Accounts.signIn(client, "boss@example.com", password: ApprovalShop.password)
            _ = try await boss.get(client, "/company/approvals")
            // «Электрика» (1) is the parent of «Свет» (3), where LAMP-2 is.
            let response = try await boss.post(
                client, "/company/approvals/rules", ["subject": "role:buyer", "condition": "category", "categoryId": "1", "approverUserId": String(chief)])
            #expect(response.status == .seeOther)
            let buyer = try await Shop.token(client, "buyer1@example.com")
            #expect(try await Shop.json(client, .post, "/api/v1/cart/items", token: buyer, body: #"{"sku":"LAMP-2","qty":"5"}"#).status == .created)
            var placed = try await Shop.json(
                client, .post, "/api/v1/orders", token: buyer, body: #"{"counterparty_id":1,"delivery":"pickup","warehouse_id":1,"po_number":"ЗК-12"}"#)
            #expect(placed.status == .created)
            #expect(try placed.json()["pending_approval"] as? Bool == true)
            let orderId = try #require(try placed.json()["id"] as? Int)

            // The approver's own orders never wait for themselves.
            let own = try await Shop.token(client, "chief@example.com")
            #expect(try await Shop.json(client, .post, "/api/v1/cart/items", token: own, body: #"{"sku":"LAMP-2","qty":"5"}"#).status == .created)
            placed = try await Shop.json(client, .post, "/api/v1/orders", token: own, body: #"{"counterparty_id":1,"delivery":"pickup","warehouse_id":1}"#)
            #expect(try placed.json()["pending_approval"] as? Bool == false)

            let queue = try await Shop.json(client, .get, "/api/v1/approvals", token: own)
            let pending = try #require(try queue.json()["pending"] as? [[String: Any]])
            #expect(pending.count == 1)
            #expect(pending.first?["po_number"] as? String == "ЗК-12")
            let reason = try #require((pending.first?["reasons"] as? [[String: Any]])?.first)
            #expect(reason["condition"] as? String == "category")
            #expect(reason["category"] as? String == "Электрика")
            let approvalId = try #require(pending.first?["id"] as? Int)
            var decided = try await Shop.json(client, .post, "/api/v1/approvals/\(approvalId)/decide", token: own, body: #"{"decision":"decline"}"#)
            #expect(decided.status == .unprocessableContent)
            decided = try await Shop.json(
                client, .post, "/api/v1/approvals/\(approvalId)/decide", token: own, body: #"{"decision":"decline","comment":"Не в этом месяце"}"#)
            #expect(decided.status == .ok)
            #expect(try decided.json()["outcome"] as? String == "declined")
            let shown = try await Shop.json(client, .get, "/api/v1/orders/\(orderId)", token: buyer)
            let row = try #require(try shown.json()["order"] as? [String: Any])
            #expect(row["status"] as? String == "approval_declined")
            #expect(row["po_number"] as? String == "ЗК-12")
            // The buyer's history finds it by the PO number too.
            let found = try await Shop.json(client, .get, "/api/v1/orders?number=%D0%97%D0%9A-12", token: buyer)
            #expect(try found.json()["total"] as? Int == 1)
        }
        #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM auditLog WHERE action = 'order.decline'") == 1)
        // An approver who loses the right no longer holds orders up; the admin's page flags the rule.
        try await database.write { db in
            try db.execute(sql: "UPDATE userCounterparty SET deniedPermissions = 'orders.approve' WHERE userId = ?", arguments: [chief])
        }
        let rules = try await database.approvalSettings(counterpartyId: 1, today: PricingService.today()).rules
        #expect(rules.map(\.approverCanApprove) == [false])
        let preview = try await database.checkoutPreview(userId: 1, counterpartyId: 1, totalMinor: 100_000, productIds: [2], today: PricingService.today())
        #expect(preview.approvers.isEmpty)
        #expect(try await ApprovalShop.count(
            database, "SELECT count(*) FROM outbox WHERE topic = 'approval.decided' AND json_extract(payload, '$.decisionEn') = 'declined'") >= 1)
        #expect(try await database.ordersToExport().count == 1, "only the approver's own order goes to the ERP")
    }

    @Test("a cost centre's budget holds against concurrent checkouts: of six buyers ordering at once only two fit")
    func budgetUnderConcurrency() async throws {
        let (file, directory) = try TestDatabase.temporaryFile()
        defer { withExtendedLifetime(directory) {} }
        let (app, database) = try await TestApp.make(seed: ApprovalShop.seed(extra: 6), database: file)
        try await app.test(.router) { client in
            var (boss, _) = try await Accounts.signIn(client, "boss@example.com", password: ApprovalShop.password)
            _ = try await boss.get(client, "/company/approvals")
            for id in 100..<106 {
                let response = try await boss.post(client, "/company/approvals/cost-centres", ["userId": String(id), "costCentre": "Склад"])
                #expect(response.status == .seeOther)
            }
            // Another company's user cannot be put into a cost centre.
            #expect(try await boss.post(client, "/company/approvals/cost-centres", ["userId": "2", "costCentre": "Склад"]).status == .notFound)
            var response = try await boss.post(client, "/company/approvals/budgets", ["subject": "centre", "costCentre": "Склад", "period": "month", "limit": "1 000,00"])
            #expect(response.status == .seeOther)
            response = try await boss.post(client, "/company/approvals/budgets", ["subject": "centre", "costCentre": "", "period": "month", "limit": "5"])
            #expect(response.status == .unprocessableContent)
            let settings = try await boss.get(client, "/company/approvals?lang=ru")
            #expect(settings.text.contains("Бюджет «Склад»"))

            var tokens: [String] = []
            for id in 100..<106 {
                let token = try await Shop.token(client, "buyer\(id)@example.com")
                // 5 × 90,00 = 450,00 each; 1 000,00 holds two such orders.
                #expect(try await Shop.json(client, .post, "/api/v1/cart/items", token: token, body: #"{"sku":"CAB-1","qty":"5"}"#).status == .created)
                tokens.append(token)
            }
            let apiCart = try await Shop.json(client, .get, "/api/v1/cart", token: tokens[0])
            let budget = try #require((try apiCart.json()["budgets"] as? [[String: Any]])?.first)
            #expect(budget["cost_centre"] as? String == "Склад")
            #expect((budget["remaining"] as? [String: Any])?["amount"] as? String == "1000.00")
            #expect(budget["exceeded_by_cart"] as? Bool == false)
            var buyer = try await Accounts.signIn(client, "buyer100@example.com", password: ApprovalShop.password).0
            let cart = try await buyer.get(client, "/cart?lang=ru")
            #expect(cart.text.contains("Бюджет «Склад»"))
            #expect(cart.text.contains("1\u{00A0}000,00"))

            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for token in tokens {
                    group.addTask {
                        let response = try await Shop.json(
                            client, .post, "/api/v1/orders", token: token, body: #"{"delivery":"pickup","warehouse_id":1}"#)
                        let code = (try? response.json()["error"] as? [String: Any])?["code"] as? String ?? ""
                        return (response.status, code)
                    }
                }
                var all: [(HTTPResponse.Status, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == .created }.count == 2)
            #expect(statuses.filter { $0.0 == .unprocessableContent && $0.1 == "budget.exceeded" }.count == 4)
        }
        let spent = try await database.read {
            try Int64.fetchOne($0, sql: "SELECT sum(totalMinor) FROM customerOrder WHERE costCentre = 'Склад'") ?? 0
        }
        #expect(spent == 90_000)
        let states = try await database.budgetStates(counterpartyId: 1, userId: 100, today: PricingService.today())
        #expect(states.first?.remainingMinor == 10_000)
        #expect(try await ApprovalShop.count(database, "SELECT count(*) FROM auditLog WHERE action = 'budget.set'") == 1)
    }

    @Test("the usual order: products bought regularly with the typical quantity and interval, added to the cart all or selected")
    func usualOrder() async throws {
        let (app, database) = try await TestApp.make(seed: ApprovalShop.seed(extra: 0))
        let today = try #require(DayNumber.ordinal(PricingService.today()))
        try await database.write { db in
            // CAB-1 every 30 days: 10 pcs, a box of 10, 12 pcs (due today); WIRE-3 twice only; a cancelled LAMP-2 order.
            let history: [(day: Int, product: Int64, unit: Int64, factor: String, qty: Int64, status: String)] = [
                (-90, 1, 1, "1", 10_000, "completed"), (-60, 1, 3, "10", 1_000, "completed"), (-30, 1, 1, "1", 12_000, "shipped"),
                (-50, 3, 2, "1", 5_000, "completed"), (-20, 3, 2, "1", 5_000, "completed"),
                (-40, 2, 1, "1", 5_000, "cancelled"), (-25, 2, 1, "1", 5_000, "cancelled"), (-10, 2, 1, "1", 5_000, "cancelled"),
            ]
            for (index, entry) in history.enumerated() {
                let placed = DayNumber.text(today + entry.day) + " 10:00:00.000"
                try db.execute(
                    sql: """
                        INSERT INTO customerOrder (number, sellerOrganizationId, counterpartyId, statusId, subtotalMinor, totalMinor, placedAt)
                        VALUES (?, 1, 1, (SELECT id FROM orderStatus WHERE code = ?), 100, 100, ?)
                        """,
                    arguments: ["H-\(index)", entry.status, placed])
                try db.execute(
                    sql: "INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, unitFactor, qtyMilli, priceMinor, amountMinor) VALUES (?, 1, ?, 'X', 'X', ?, ?, ?, 1, 1)",
                    arguments: [db.lastInsertedRowID, entry.product, entry.unit, entry.factor, entry.qty])
            }
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer1@example.com", password: ApprovalShop.password)
            let page = try await buyer.get(client, "/usual-order?lang=ru")
            #expect(page.status == .ok)
            #expect(page.text.contains("Кабель ВВГнг"))
            #expect(page.text.contains("раз в 30 дн."))
            #expect(!page.text.contains("Провод ПВС"))
            #expect(!page.text.contains("Лампа LED"))
            #expect(page.text.contains(#"name="qty.1" type="text" inputmode="decimal" size="6" value="10""#))
            let english = try await buyer.get(client, "/usual-order?lang=en")
            #expect(english.text.contains("every 30 days"))
            var response = try await buyer.post(client, "/usual-order/add", ["mode": "selected"])
            #expect(response.status == .unprocessableContent)
            response = try await buyer.post(client, "/usual-order/add", ["mode": "selected", "pick.1": "1", "qty.1": "15"])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/usual-order?added=1")
            let token = try await Shop.token(client, "buyer1@example.com")
            let usual = try await Shop.json(client, .get, "/api/v1/usual-order", token: token)
            let items = try #require(try usual.json()["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["suggested_qty"] as? String == "10")
            #expect(items.first?["interval_days"] as? Int == 30)
        }
        let lines = try await database.workingCart(userId: 1).lines
        #expect(lines.map(\.productId) == [1])
        #expect(lines.first?.qtyMilli == 15_000)
    }
}
