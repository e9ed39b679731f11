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

/// The shop with the variant product, one variant (S/Чёрный) hidden from everyone by a rule.
enum VariantShop {
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await VariantFixture.addVariants(database)
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO priceRule (id, name, action) VALUES (50, 'Скрыть S чёрный', 'hide');
                INSERT INTO priceRuleProduct (priceRuleId, productId) VALUES (50, 14);
                """)
        }
    }
}

@Suite("The variant grid on the product card over HTTP")
struct VariantGridPagesTests {
    @Test("the grid shows the buyer's price and free stock per cell; 'add all' puts exactly the filled-in cells in the cart, or nothing with each error shown")
    func gridOrdering() async throws {
        let (app, database) = try await TestApp.make(seed: VariantShop.seed)
        try await app.test(.router) { client in
            // A guest sees the grid, without quantities to fill in.
            let guest = try await client.execute(uri: "/product/10", method: .get)
            #expect(guest.status == .ok)
            #expect(guest.text.contains("Заказ по вариантам"))
            #expect(!guest.text.contains(#"name="qty_11""#))

            var (browser, _) = try await Accounts.signIn(client, "buyer1@example.com", password: Shop.password)
            let card = try await browser.get(client, "/product/10")
            #expect(card.status == .ok)
            let page = card.text
            #expect(page.contains(#"action="/product/10/variants/cart""#))
            #expect(page.contains("Размер") && page.contains("Цвет"))
            for id in [11, 12, 13, 15] { #expect(page.contains(#"name="qty_\#(id)""#), "variant \(id) can be ordered") }
            #expect(!page.contains(#"name="qty_14""#), "a variant hidden by a price rule is not in the grid")
            #expect(!page.contains(#"name="qty_16""#), "an inactive variant is not in the grid")
            #expect(page.contains("450,00\u{00A0}₽"), "company 1's wholesale price")
            #expect(page.contains("470,00\u{00A0}₽"))
            #expect(page.contains("в наличии 6"), "stock less reserves")
            #expect(page.contains("мин. 2, шаг 2"))
            #expect(page.contains("Добавить всё в корзину"))

            // A variant's card shows its product's grid.
            let variant = try await browser.get(client, "/product/12")
            #expect(variant.text.contains(#"action="/product/12/variants/cart""#))
            #expect(variant.text.contains(#"Вариант товара <a href="/product/10">Футболка</a>"#))

            // A quantity off the step: nothing is added, the cell says why, entries are kept.
            var response = try await browser.post(client, "/product/10/variants/cart", ["qty_11": "2", "qty_15": "3", "qty_13": ""])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("В корзину ничего не добавлено"))
            #expect(response.text.contains("Товар продаётся кратно 2 шт."))
            #expect(response.text.contains(#"name="qty_15" type="text" inputmode="decimal" size="5" maxlength="14" value="3" aria-invalid="true""#))
            #expect(response.text.contains(#"name="qty_11" type="text" inputmode="decimal" size="5" maxlength="14" value="2">"#))
            #expect(try await database.workingCart(userId: 1).lines.isEmpty)
            // Not a number.
            response = try await browser.post(client, "/product/10/variants/cart", ["qty_11": "два", "qty_12": "1"])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("Количество «два» — не число."))
            #expect(try await database.workingCart(userId: 1).lines.isEmpty)
            // Nothing filled in.
            response = try await browser.post(client, "/product/10/variants/cart", ["qty_11": " ", "qty_12": "0"])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("Укажите количество хотя бы в одной ячейке."))

            // The filled-in cells go in; zero, the hidden variant and other products are ignored.
            response = try await browser.post(
                client, "/product/10/variants/cart", ["qty_11": "2", "qty_15": "4", "qty_12": "0", "qty_13": "", "qty_14": "5", "qty_1": "3"])
            #expect(response.status == .seeOther || response.status == .found)
            #expect(response.headers[.location] == "/product/10?variants_added=2#variants")
            #expect(try await database.workingCart(userId: 1).lines.map { [$0.productId, $0.qtyMilli] } == [[11, 2000], [15, 4000]])
            #expect(try await browser.get(client, "/product/10?variants_added=2").text.contains("Добавлено в корзину строк: 2."))
            // 2 × 450.00 + 4 × 470.00.
            #expect(try await browser.get(client, "/cart").text.contains("2\u{00A0}780,00"))

            // English.
            let english = try await browser.get(client, "/product/10?lang=en")
            #expect(english.text.contains("Add all to cart"))
            #expect(english.text.contains("6 in stock"))
        }
    }

    @Test("without the right to order, the grid cannot be posted")
    func refusedWithoutOrdering() async throws {
        let (app, _) = try await TestApp.make(seed: VariantShop.seed)
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            _ = try await manager.get(client, "/product/10")
            let response = try await manager.post(client, "/product/10/variants/cart", ["qty_11": "1"])
            #expect(response.status == .forbidden)
        }
    }
}
