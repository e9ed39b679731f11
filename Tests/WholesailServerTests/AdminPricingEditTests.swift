import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

@Suite struct AdminPricingEditTests {
    static func basePrice(_ database: WholesailDatabase, product: Int64, type: Int64) async throws -> Int64 {
        try #require(
            try await database.read {
                try Int64.fetchOne($0, sql: "SELECT amountMinor FROM price WHERE productId = ? AND priceTypeId = ?", arguments: [product, type])
            })
    }

    @Test("an admin edits every field of a rule with the create checks; prices, the preview and the audit follow")
    func editRule() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let sku = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT sku FROM product WHERE id = 1") })
        let otherSku = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT sku FROM product WHERE id = 2") })
        let wholesale = try await Self.basePrice(database, product: 1, type: 2)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            _ = try await admin.get(client, "/admin/pricing")
            let created = try await admin.post(
                client, "/admin/pricing/rules",
                ["name": "Скидка", "priority": "3", "counterpartyId": "1", "action": "discount", "percent": "10", "skus": sku])
            #expect(created.status == .seeOther)
            let ruleId = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM priceRule") })
            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            let discounted = Money(minorUnits: wholesale, currency: "RUB").multiplied(by: ExactDecimal(parsing: "0.9")!).decimalString
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == discounted)

            // The page shows the stored rule in its form.
            let page = try await admin.get(client, "/admin/pricing/rules/\(ruleId)")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"value="Скидка""#))
            #expect(page.text.contains(#"<option value="discount" selected>"#))
            #expect(page.text.contains(#"<option value="1" selected>"#), "the company is chosen")
            #expect(page.text.contains(sku))

            // Refused edits change nothing and name every problem.
            let bad = try await admin.post(
                client, "/admin/pricing/rules/\(ruleId)",
                [
                    "name": "", "priority": "5000", "action": "markup", "percent": "0", "validFrom": "2026-02-30x", "skus": "NO-SUCH",
                    "propertyValue": "no equals sign",
                ])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.components(separatedBy: "class=\"field-error\"").count - 1 == 5, "name, priority, percent, date and property at once")
            #expect(bad.text.contains("Приоритет") || bad.text.contains("Priority is a whole number"))
            let unknown = try await admin.post(
                client, "/admin/pricing/rules/\(ruleId)",
                ["name": "Скидка", "action": "discount", "percent": "10", "skus": "NO-SUCH", "propertyValue": "Нет = такого", "regionId": "999"])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("NO-SUCH"), "the refused form keeps what was typed")
            let stored = try database.read { db in try Row.fetchOne(db, sql: "SELECT name, action, percent FROM priceRule WHERE id = ?", arguments: [ruleId]) }
            #expect(stored?["action"] as String? == "discount" && stored?["percent"] as String? == "10" && stored?["name"] as String? == "Скидка")
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == discounted)

            // A good edit: another action, priority, validity, name and product list.
            _ = try await admin.get(client, "/admin/pricing/rules/\(ruleId)")
            let saved = try await admin.post(
                client, "/admin/pricing/rules/\(ruleId)",
                [
                    "name": "Наценка", "priority": "7", "validFrom": "2020-01-01", "validTo": "2099-12-31", "counterpartyId": "1",
                    "action": "markup", "percent": "20", "skus": "\(sku)\n\(otherSku)", "previewSku": sku, "previewCounterparty": "1",
                ])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/admin/pricing/rules/\(ruleId)?saved=1&sku=\(sku)&counterparty=1")
            let raised = Money(minorUnits: wholesale, currency: "RUB").multiplied(by: ExactDecimal(parsing: "1.2")!).decimalString
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == raised, "the matrix was rebuilt")
            let second = Money(minorUnits: try await Self.basePrice(database, product: 2, type: 2), currency: "RUB")
                .multiplied(by: ExactDecimal(parsing: "1.2")!).decimalString
            #expect(try await PricingPagesTests.apiPrice(client, product: 2, token: petrov) == second, "the new SKU is in the list")
            let row = try #require(try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM priceRule WHERE id = ?", arguments: [ruleId]) })
            #expect(row["priority"] as Int == 7 && row["validFrom"] as String? == "2020-01-01" && row["validTo"] as String? == "2099-12-31")
            #expect(row["active"] as Bool, "an edit keeps the rule's state")
            let audit = try #require(
                try await database.read { try String.fetchOne($0, sql: "SELECT details FROM auditLog WHERE action = 'pricing.rule_update'") })
            #expect(audit.contains("discount → markup") && audit.contains("\"products\":\"1 → 2\""))

            // The preview after the redirect shows the edited rule making the price.
            let preview = try await admin.get(client, "/admin/pricing/rules/\(ruleId)?saved=1&sku=\(sku)&counterparty=1")
            #expect(preview.text.contains("#\(ruleId) Наценка"))
            #expect(preview.text.contains("Это правило дало эту цену") || preview.text.contains("This rule made this price"))
            #expect(!preview.text.contains("расходятся") && !preview.text.contains("disagree"))

            // Moving the rule to another company gives ЭлектроСнаб its plain price back.
            _ = try await admin.post(
                client, "/admin/pricing/rules/\(ruleId)", ["name": "Наценка", "counterpartyId": "2", "action": "markup", "percent": "20", "skus": sku])
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == Money(minorUnits: wholesale, currency: "RUB").decimalString)
            let outside = try await admin.get(client, "/admin/pricing/rules/\(ruleId)?sku=\(sku)&counterparty=1")
            #expect(outside.text.contains("не относится") || outside.text.contains("does not apply"))

            #expect(try await admin.get(client, "/admin/pricing/rules/999999").status == .notFound)
            #expect(try await admin.post(client, "/admin/pricing/rules/999999", ["name": "x", "action": "hide"]).status == .notFound)
            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            #expect(try await buyer.get(client, "/admin/pricing/rules/\(ruleId)").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/pricing/rules/\(ruleId)", ["name": "x", "action": "hide"]).status == .forbidden)
        }
    }
}

@Suite struct AdminPriceAssignmentsTests {
    static let ascii = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func count(_ pattern: String, in text: String) throws -> Int {
        try NSRegularExpression(pattern: pattern).numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
    }

    static func prices(_ database: WholesailDatabase, product: Int64) async throws -> [Int64: String] {
        try await database.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT priceTypeId, amountMinor FROM price WHERE productId = ?", arguments: [product])
                    .map { ($0["priceTypeId"] as Int64, Money(minorUnits: $0["amountMinor"], currency: "RUB").decimalString) })
        }
    }

    @Test("an admin assigns, changes and removes price types per context; the buyer's price follows at once; each change is audited")
    func assignments() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let prices = try await Self.prices(database, product: 1)
        let (company, agreement) = try await database.read { db in
            (try String.fetchOne(db, sql: "SELECT name FROM counterparty WHERE id = 1")!, try Int64.fetchOne(db, sql: "SELECT id FROM agreement WHERE counterpartyId = 1")!)
        }
        let rows = #"action="/admin/pricing/assignments/\d+/delete""#
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            let all = try await admin.get(client, "/admin/pricing/assignments")
            #expect(all.status == .ok)
            let demoAssignments = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM priceTypeAssignment") } ?? 0
            #expect(try Self.count(rows, in: all.text) == demoAssignments)
            let found = try await admin.get(client, "/admin/pricing/assignments?q=\(company.addingPercentEncoding(withAllowedCharacters: Self.ascii)!)")
            #expect(try Self.count(rows, in: found.text) == 1, "the search finds the company's own assignment")
            #expect(try Self.count(rows, in: try await admin.get(client, "/admin/pricing/assignments?q=zzzz").text) == 0)

            // Refused: no context, no price type, a bad priority, the same context twice.
            #expect(try await admin.post(client, "/admin/pricing/assignments", ["priceTypeId": "3"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/pricing/assignments", ["agreementId": "\(agreement)"]).status == .unprocessableContent)
            let badPriority = try await admin.post(client, "/admin/pricing/assignments", ["agreementId": "\(agreement)", "priceTypeId": "3", "priority": "x"])
            #expect(badPriority.status == .unprocessableContent)
            #expect(badPriority.text.contains("Приоритет") || badPriority.text.contains("Priority is"))
            let twice = try await admin.post(client, "/admin/pricing/assignments", ["counterpartyId": "1", "priceTypeId": "3"])
            #expect(twice.status == .unprocessableContent)
            #expect(twice.text.contains("уже есть тип цен") || twice.text.contains("already have a price type"))
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM priceTypeAssignment") } == demoAssignments)

            // The agreement's assignment beats the company's.
            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[2])
            #expect(try await admin.post(client, "/admin/pricing/assignments", ["agreementId": "\(agreement)", "priceTypeId": "3"]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[3])
            let id = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM priceTypeAssignment WHERE agreementId IS NOT NULL") })
            _ = try await admin.get(client, "/admin/pricing/assignments")
            let changed = try await admin.post(client, "/admin/pricing/assignments/\(id)", ["priceTypeId": "1", "priority": "5", "return_q": "Д-2026"])
            #expect(changed.status == .seeOther)
            #expect(changed.headers[.location] == "/admin/pricing/assignments?saved=1&q=%D0%94-2026")
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[1])
            #expect(try await admin.post(client, "/admin/pricing/assignments/\(id)", ["priceTypeId": "999"]).status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/pricing/assignments/\(id)/delete", [:]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[2])
            #expect(try await admin.post(client, "/admin/pricing/assignments/\(id)/delete", [:]).status == .notFound)
            let audited = try await database.read {
                try String.fetchAll($0, sql: "SELECT action FROM auditLog WHERE action LIKE 'pricing.assignment_%' ORDER BY id")
            }
            #expect(audited == ["pricing.assignment_create", "pricing.assignment_update", "pricing.assignment_delete"])

            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            #expect(try await buyer.get(client, "/admin/pricing/assignments").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/pricing/assignments", ["counterpartyId": "1", "priceTypeId": "1"]).status == .forbidden)
        }
    }

    @Test("agreement individual prices: add, find by company and SKU, change, remove; the buyer's price follows; each change is audited")
    func agreementPrices() async throws {
        let (app, database) = try await TestApp.make(seed: PricingPagesTests.demo)
        let prices = try await Self.prices(database, product: 1)
        let (sku, agreement) = try await database.read { db in
            (try String.fetchOne(db, sql: "SELECT sku FROM product WHERE id = 1")!, try Int64.fetchOne(db, sql: "SELECT id FROM agreement WHERE counterpartyId = 1")!)
        }
        let rows = #"action="/admin/pricing/agreement-prices/delete""#
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "admin@wholesail.example", password: "Demo2026-admin")
            _ = try await admin.get(client, "/admin/pricing/assignments")
            for bad in [
                ["priceAgreementId": "\(agreement)", "priceSku": sku, "amount": "-1"], ["priceAgreementId": "\(agreement)", "priceSku": "NO-SUCH", "amount": "10"],
                ["priceSku": sku, "amount": "10"], ["priceAgreementId": "999999", "priceSku": sku, "amount": "10"],
            ] {
                #expect(try await admin.post(client, "/admin/pricing/agreement-prices", bad).status == .unprocessableContent, "\(bad)")
            }
            #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM agreementPrice") } == 0)

            let petrov = try await PricingPagesTests.token(client, "petrov@elektrosnab.example")
            let sidorova = try await PricingPagesTests.token(client, "sidorova@stroymontazh.example")
            #expect(try await admin.post(client, "/admin/pricing/agreement-prices", ["priceAgreementId": "\(agreement)", "priceSku": sku, "amount": "12,34"]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == "12.34")
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: sidorova) == prices[3], "another company's agreement is not theirs")

            let bySku = try await admin.get(client, "/admin/pricing/assignments?sku=\(sku.prefix(4))")
            #expect(try Self.count(rows, in: bySku.text) == 1)
            #expect(bySku.text.contains(#"value="12.34""#))
            #expect(try Self.count(rows, in: try await admin.get(client, "/admin/pricing/assignments?sku=ZZZ").text) == 0)
            let number = try await database.read { try String.fetchOne($0, sql: "SELECT number FROM agreement WHERE id = ?", arguments: [agreement])! }
            let byNumber = try await admin.get(client, "/admin/pricing/assignments?q=\(number.addingPercentEncoding(withAllowedCharacters: Self.ascii)!)")
            #expect(try Self.count(rows, in: byNumber.text) == 1)

            #expect(try await admin.post(client, "/admin/pricing/agreement-prices", ["priceAgreementId": "\(agreement)", "priceSku": sku, "amount": "11"]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == "11.00")
            #expect(
                try await admin.post(client, "/admin/pricing/agreement-prices/delete", ["agreementId": "\(agreement)", "productId": "1"]).status == .seeOther)
            #expect(try await PricingPagesTests.apiPrice(client, product: 1, token: petrov) == prices[2])
            #expect(
                try await admin.post(client, "/admin/pricing/agreement-prices/delete", ["agreementId": "\(agreement)", "productId": "1"]).status == .notFound)
            let audited = try await database.read {
                try String.fetchAll($0, sql: "SELECT details FROM auditLog WHERE action LIKE 'pricing.agreement_price_%' ORDER BY id")
            }
            #expect(audited.count == 3)
            #expect(audited.first?.contains("— → 12.34") == true && audited.dropFirst().first?.contains("12.34 → 11.00") == true)
        }
    }
}
