import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailServer
import WholesailStore

@Suite struct CatalogPagesTests {
    static func demo(_ database: WholesailDatabase) async throws {
        _ = try await DemoSeeder.ensureSeeded(database, hasher: .fastForTests, now: Date(timeIntervalSince1970: 1_795_000_000))
    }

    @Test("the front page shows the catalog in the visitor's language, every label translated")
    func front() async throws {
        let (app, _) = try await TestApp.make(seed: Self.demo)
        try await app.test(.router) { client in
            let ru = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(ru.status == .ok)
            for text in ["Каталог", "Войти", "Кабель и провод", "Оптовый каталог", "Найти", "Новинки"] {
                #expect(ru.text.contains(text), "missing \(text)")
            }
            let en = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en"])
            for text in ["Catalog", "Sign in", "Wholesale catalog", "Search", "New arrivals"] {
                #expect(en.text.contains(text), "missing \(text)")
            }
            #expect(!en.text.contains("{{"))
        }
    }

    @Test("category pages list the subtree with pagination; search finds Cyrillic by prefix")
    func listings() async throws {
        let (app, database) = try await TestApp.make(seed: Self.demo)
        let cable = try #require(try await database.categoryTree().first { $0.name == "Кабель и провод" })
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/catalog/\(cable.id)?per_page=10", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("Силовой кабель"))
            #expect(page.text.contains("rel=\"next\""))
            let search = try await client.execute(uri: "/search?q=%D0%BA%D0%B0%D0%B1%D0%B5%D0%BB", method: .get)  // "кабел"
            #expect(search.status == .ok)
            #expect(search.text.contains("Кабель"))
            for hostile in ["%22%22%22", "AND%20OR%20NOT", "%2A%2A%2A", "(((", String(repeating: "x", count: 10_000), "%00"] {
                let response = try await client.execute(uri: "/search?q=\(hostile)", method: .get)
                #expect(response.status == .ok, "q=\(hostile.prefix(20))")
            }
            #expect(try await client.execute(uri: "/catalog/999999", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/catalog/abc", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/catalog?page=0", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/catalog?sort=bogus", method: .get).status == .badRequest)
        }
    }

    @Test("the product card shows price per unit, stock per warehouse, properties and documents")
    func productCard() async throws {
        let (app, database) = try await TestApp.make(seed: Self.demo)
        let cable = try await database.listProducts(ProductListQuery(text: "ввгнг 3х2,5")).items.first
        let product = try #require(cable)
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/product/\(product.id)", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(page.status == .ok)
            #expect(page.text.contains(product.name.replacingOccurrences(of: "\"", with: "&quot;")))
            #expect(page.text.contains("бухта"), "the alternative unit")
            #expect(page.text.contains("Сечение жилы"))
            #expect(page.text.contains("Сертификат соответствия"))
            #expect(page.text.contains("Москва, склад Север") || page.text.contains("Под заказ"))
            #expect(try await client.execute(uri: "/product/0", method: .get).status == .notFound)
        }
    }

    @Test("the products API answers API.md's shape, with decimal-string prices")
    func productsAPI() async throws {
        let (app, _) = try await TestApp.make(seed: Self.demo)
        try await app.test(.router) { client in
            let list = try await client.execute(uri: "/api/v1/products?q=%D0%BA%D0%B0%D0%B1%D0%B5%D0%BB%D1%8C&per_page=5", method: .get)
            #expect(list.status == .ok)
            let json = try list.json()
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.count == 5)
            #expect((json["total"] as? Int ?? 0) > 5)
            #expect(json["facets"] is [Any])
            let first = try #require(items.first)
            for key in ["id", "sku", "name", "unit", "price", "stock"] { #expect(first[key] != nil, "missing \(key)") }
            let price = try #require(first["price"] as? [String: Any])
            #expect(price["currency"] as? String == "RUB")
            let amount = try #require(price["amount"] as? String)
            #expect(Money(decimal: amount, currency: "RUB") != nil)

            let id = try #require(first["id"] as? Int)
            let card = try await client.execute(uri: "/api/v1/products/\(id)", method: .get)
            #expect(card.status == .ok)
            #expect((try card.json()["properties"] as? [Any])?.isEmpty == false)
            let tree = try await client.execute(uri: "/api/v1/categories", method: .get)
            #expect(((try tree.json()["items"] as? [Any])?.count ?? 0) == 8)

            let badPage = try await client.execute(uri: "/api/v1/products?per_page=1000", method: .get)
            #expect(badPage.status == .badRequest)
            #expect(((try badPage.json()["error"] as? [String: Any])?["code"] as? String) == "catalog.bad_per_page")
            #expect(try await client.execute(uri: "/api/v1/products?category=x", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/api/v1/products?category=99999", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/products/99999", method: .get).status == .notFound)
        }
    }
}

@Suite struct CatalogFilterTests {
    @Test("facet counts equal a plain SQL count, and filtering by a value narrows to exactly those")
    func facets() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        let cable = try #require(try await database.categoryTree().first { $0.name == "Кабель и провод" })
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/products?category=\(cable.id)&per_page=5", method: .get)
            let facets = try #require(try response.json()["facets"] as? [[String: Any]])
            let section = try #require(facets.first { $0["name"] as? String == "Материал жилы" })
            let values = try #require(section["values"] as? [[String: Any]])
            let property = try #require(section["property_id"] as? Int)
            for value in values {
                let id = try #require(value["id"] as? Int)
                let expected = try await database.read { db in
                    try Int.fetchOne(db, sql: """
                        SELECT count(*) FROM productProperty pp JOIN product p ON p.id = pp.productId
                        WHERE pp.propertyId = ? AND pp.valueId = ? AND p.active = 1 AND p.id IN (
                            SELECT pc.productId FROM productCategory pc JOIN category c ON c.id = pc.categoryId WHERE c.path LIKE ?)
                        """, arguments: [property, id, "/\(cable.id)/%"])
                }
                #expect(value["count"] as? Int == expected, "\(value["value"] ?? "")")
            }
            let copper = try #require(values.first { $0["value"] as? String == "медь" })
            let filtered = try await client.execute(
                uri: "/api/v1/products?category=\(cable.id)&prop.\(property)=\(copper["id"] as! Int)&per_page=100", method: .get)
            #expect(try filtered.json()["total"] as? Int == copper["count"] as? Int)
            #expect(try await client.execute(uri: "/api/v1/products?prop.x=1", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/api/v1/products?tag=bogus", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/api/v1/products?price_min=abc", method: .get).status == .badRequest)
            let page = try await client.execute(uri: "/catalog/\(cable.id)?prop.\(property)=\(copper["id"] as! Int)", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("name=\"prop.\(property)\" value=\"\(copper["id"] as! Int)\" checked"))
        }
    }

    @Test("price range uses the buyer's price; in-stock and tag filters narrow the list")
    func otherFilters() async throws {
        let (app, _) = try await TestApp.make(seed: CatalogPagesTests.demo)
        try await app.test(.router) { client in
            let all = try await client.execute(uri: "/api/v1/products?per_page=100&facets=0", method: .get)
            let total = try #require(try all.json()["total"] as? Int)
            let ranged = try await client.execute(uri: "/api/v1/products?price_min=1000&price_max=2000&per_page=100&facets=0", method: .get)
            let items = try #require(try ranged.json()["items"] as? [[String: Any]])
            #expect(!items.isEmpty)
            for item in items {
                let amount = try #require(Money(decimal: ((item["price"] as? [String: Any])?["amount"] as? String) ?? "", currency: "RUB")?.minorUnits)
                #expect((100_000...200_000).contains(amount))
            }
            let inStock = try await client.execute(uri: "/api/v1/products?in_stock=1&per_page=1&facets=0", method: .get)
            #expect(inStock.status == .ok)
            let inStockTotal = try #require(try inStock.json()["total"] as? Int)
            // Without a region every warehouse counts, and every demo product has stock somewhere.
            #expect(inStockTotal > 0 && inStockTotal <= total)
            let novelties = try await client.execute(uri: "/api/v1/products?tag=novelty&per_page=100&facets=0", method: .get)
            #expect(try novelties.json()["total"] as? Int == 600 / 23)
        }
    }

    @Test("an exact SKU or article comes first in search")
    func skuFirst() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        let product = try #require(try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT sku, article FROM product WHERE id = 300").map { ($0["sku"] as String, $0["article"] as String) }
        })
        try await app.test(.router) { client in
            for query in [product.0, product.0.lowercased(), product.1] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let response = try await client.execute(uri: "/api/v1/products?q=\(encoded)&per_page=3&facets=0", method: .get)
                let first = try #require((try response.json()["items"] as? [[String: Any]])?.first)
                #expect(first["id"] as? Int == 300, "query \(query)")
            }
        }
    }
}

@Suite struct FavoritesAndSuggestTests {
    @Test("type-ahead suggests by prefix; favorites are per user and need signing in")
    func suggestAndFavorites() async throws {
        let (app, _) = try await TestApp.make(seed: CatalogPagesTests.demo)
        try await app.test(.router) { client in
            let suggest = try await client.execute(uri: "/api/v1/products/suggest?q=%D1%80%D0%BE%D0%B7%D0%B5", method: .get)  // "розе"
            let items = try #require(try suggest.json()["items"] as? [[String: Any]])
            #expect(!items.isEmpty && items.count <= 10)
            #expect(items.allSatisfy { ($0["name"] as? String)?.lowercased().contains("розе") == true })
            let empty = try await client.execute(uri: "/api/v1/products/suggest?q=%22%22", method: .get)
            #expect((try empty.json()["items"] as? [Any])?.isEmpty == true)

            #expect(try await client.execute(uri: "/favorites", method: .get).status == .seeOther)
            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            let card = try await buyer.get(client, "/product/5")
            #expect(card.text.contains("В избранное"))
            #expect(try await buyer.post(client, "/favorites/5", ["on": "1"]).status == .seeOther)
            #expect(try await buyer.post(client, "/favorites/999999", ["on": "1"]).status == .notFound)
            let list = try await buyer.get(client, "/favorites")
            #expect(list.text.contains("/product/5"))
            var (other, _) = try await Accounts.signIn(client, "belova@energyplus.example", password: "Demo2026-buyer")
            #expect(!(try await other.get(client, "/favorites")).text.contains("/product/5\""))
            #expect(try await buyer.post(client, "/favorites/5", ["on": "0"]).status == .seeOther)
            #expect(!(try await buyer.get(client, "/favorites")).text.contains("href=\"/product/5\""))
        }
    }
}

@Suite struct ReviewTests {
    @Test("a buyer's review waits for moderation; once published it shows with the average rating, which sorts the category")
    func reviews() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            _ = try await buyer.get(client, "/product/7")
            #expect(try await buyer.post(client, "/product/7/review", ["rating": "9", "body": "x"]).status == .unprocessableContent)
            #expect(try await buyer.post(client, "/product/7/review", ["rating": "4", "body": "Хороший кабель, ровная изоляция"]).status == .seeOther)
            #expect(!(try await client.execute(uri: "/product/7", method: .get)).text.contains("ровная изоляция"), "not before moderation")
            var (editor, _) = try await Accounts.signIn(client, "editor@wholesail.example", password: "Demo2026-editor")
            let queue = try await editor.get(client, "/editor/reviews")
            #expect(queue.text.contains("ровная изоляция"))
            #expect(try await buyer.get(client, "/editor/reviews").status == .forbidden)
            let id = try #require(try await database.pendingReviews().first?.id)
            #expect(try await editor.post(client, "/editor/reviews/\(id)", ["decision": "publish"]).status == .seeOther)
            let card = try await client.execute(uri: "/product/7", method: .get, headers: [.acceptLanguage: "ru"])
            #expect(card.text.contains("ровная изоляция"))
            #expect(card.text.contains("Средняя оценка 4 из 5"))
            let category = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT categoryId FROM productCategory WHERE productId = 7") })
            let sorted = try await client.execute(uri: "/api/v1/products?category=\(category)&sort=rating&per_page=1&facets=0", method: .get)
            #expect((try sorted.json()["items"] as? [[String: Any]])?.first?["id"] as? Int == 7)
        }
    }
}

@Suite struct EditorTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 3, count: 200)

    @Test("an editor uploads photos and spin frames, assigns one document to several products, sets related products")
    func editing() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        let other = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT sku FROM product WHERE id = 9") })
        try await app.test(.router) { client in
            var (editor, _) = try await Accounts.signIn(client, "editor@wholesail.example", password: "Demo2026-editor")
            #expect(try await editor.get(client, "/editor/products/8").status == .ok)
            let svg = Data("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".utf8)
            #expect(try await editor.postFile(client, "/editor/products/8/images", [:], file: ("image", "x.png", svg)).status == .unprocessableContent)
            #expect(try await editor.postFile(client, "/editor/products/8/images", [:], file: ("image", "photo.png", Self.png)).status == .seeOther)
            for frame in 0..<3 {
                let data = Self.png + Data([UInt8(frame)])
                #expect(try await editor.postFile(client, "/editor/products/8/images", ["spin": "1"], file: ("image", "f\(frame).png", data)).status == .seeOther)
            }
            let pdf = Data("%PDF-1.4 instruction".utf8)
            #expect(try await editor.postFile(client, "/editor/products/8/documents", ["kind": "instruction", "title": "Инструкция", "skus": "NO-SKU"],
                                              file: ("document", "i.pdf", pdf)).status == .unprocessableContent)
            #expect(try await editor.postFile(client, "/editor/products/8/documents", ["kind": "instruction", "title": "Инструкция по монтажу", "skus": other],
                                              file: ("document", "i.pdf", pdf)).status == .seeOther)
            #expect(try await editor.post(client, "/editor/products/8/related", ["related": other]).status == .seeOther)
            let card = try await client.execute(uri: "/product/8", method: .get)
            #expect(card.text.contains("data-spin-range"))
            #expect(card.text.contains("Инструкция по монтажу"))
            let otherCard = try await client.execute(uri: "/product/9", method: .get)
            #expect(otherCard.text.contains("Инструкция по монтажу"), "one document, assigned to two products")
            var (buyer, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            #expect(try await buyer.get(client, "/editor/products/8").status == .forbidden)
        }
        let media = try await database.productMedia(productId: 8)
        #expect(media.images.filter { $0.kind == "spin" }.map(\.sortOrder) == [0, 1, 2])
        #expect(media.related.map(\.sku) == [other])
        let documents = try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM file WHERE title = 'Инструкция по монтажу'") }
        #expect(documents == 1)
    }
}

@Suite struct RegionalCatalogTests {
    @Test("a product without stock in the buyer's region still shows, with its delivery term")
    func deliveryTerm() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        // Энергия Плюс buys in region 2, served by warehouse 3 only.
        let product = try #require(try await database.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT p.id FROM product p WHERE NOT EXISTS (SELECT 1 FROM stock WHERE productId = p.id AND warehouseId = 3)
                AND EXISTS (SELECT 1 FROM stock WHERE productId = p.id AND warehouseId = 1 AND qtyMilli > 0) ORDER BY p.id LIMIT 1
                """)
        })
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "belova@energyplus.example", password: "Demo2026-buyer")
            let card = try await buyer.get(client, "/product/\(product)")
            #expect(card.status == .ok)
            #expect(card.text.contains("Нет в наличии в вашем регионе: доставка за 1 дн."))
            var (moscow, _) = try await Accounts.signIn(client, "petrov@elektrosnab.example", password: "Demo2026-buyer")
            #expect(!(try await moscow.get(client, "/product/\(product)")).text.contains("Нет в наличии в вашем регионе"))
        }
        let availability = try await database.availability(productIds: [product], regionId: 2)
        #expect(availability[product]?.regionalMilli == 0)
        #expect(availability[product]?.deliveryDays == 1)
    }
}

@Suite struct GroupMappingTests {
    @Test("an editor maps an ERP group onto several portal categories")
    func mapping() async throws {
        let (app, database) = try await TestApp.make(seed: CatalogPagesTests.demo)
        let group = try #require(try await database.erpGroupMappings().first)
        let categories = try await database.categoryTree().prefix(2).map(\.id)
        try await app.test(.router) { client in
            var (editor, _) = try await Accounts.signIn(client, "editor@wholesail.example", password: "Demo2026-editor")
            #expect(try await editor.get(client, "/editor/groups").status == .ok)
            var fields: [String: String] = [:]
            for category in categories { fields["category.\(category)"] = "1" }
            #expect(try await editor.post(client, "/editor/groups/\(group.id)", fields).status == .seeOther)
            #expect(try await editor.post(client, "/editor/groups/\(group.id)", ["category.999999": "1"]).status == .unprocessableContent)
        }
        #expect(try await database.erpGroupMappings().first { $0.id == group.id }?.categoryIds == categories.sorted())
    }
}
