import Foundation
import GRDB
import WholesailCore
import WholesailStore

/// A small shop for ordering tests: two units, one seller, a region with two warehouses, three
/// price types, four products, two customer companies and buyers.
///
/// - CAB-1 (id 1): pcs, box of 10; retail 100.00, wholesale 90.00, large 80.00; stock 30 + 20.
/// - LAMP-2 (id 2): pcs, minimum 5, step 5; 20.00 / 18.00 / 16.00; stock 100 in warehouse 1.
/// - WIRE-3 (id 3): metres, step 0.1 m; 50.50 / 45.45 / 40.40; stock 1000 m in warehouse 1.
/// - OLD-4 (id 4): not sold any more.
/// Company 1 «Альфа» (wholesale prices, no limit) and company 2 «Бета» (retail, limit 1 000.00).
/// User 1 orders for both companies, user 2 for company 2 only.
public enum OrderingFixture {
    public static func seed(_ database: WholesailDatabase, extraBuyers: Int = 0) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO unit (id, code, name, fullName) VALUES (1, '796', 'шт', 'Штука'), (2, '006', 'м', 'Метр'), (3, '778', 'упак', 'Упаковка');
                INSERT INTO sellerOrganization (id, name, inn, orderPrefix) VALUES (1, 'ООО «Поставщик»', '7700000001', 'T');
                INSERT INTO region (id, name) VALUES (1, 'Москва'), (2, 'Урал');
                INSERT INTO warehouse (id, regionId, name, address) VALUES (1, 1, 'Склад Север', 'ул. Северная, 1'), (2, 1, 'Склад Юг', 'ул. Южная, 2'),
                    (3, 2, 'Склад Урал', 'ул. Уральская, 3');
                INSERT INTO priceType (id, name, currency, rounding, isDefault) VALUES (1, 'Розница', 'RUB', 'minor', 1), (2, 'Опт', 'RUB', 'minor', 0),
                    (3, 'Крупный опт', 'RUB', 'minor', 0);
                INSERT INTO category (id, parentId, name) VALUES (1, NULL, 'Электрика'), (2, 1, 'Кабель'), (3, 1, 'Свет');
                INSERT INTO product (id, sku, name, baseUnitId, minQtyMilli, stepQtyMilli, active, vatRate) VALUES
                    (1, 'CAB-1', 'Кабель ВВГнг 3×2,5', 1, 1000, 1000, 1, '20'),
                    (2, 'LAMP-2', 'Лампа LED 10 Вт', 1, 5000, 5000, 1, '20'),
                    (3, 'WIRE-3', 'Провод ПВС 2×0,75', 2, 100, 100, 1, '20'),
                    (4, 'OLD-4', 'Снятый с продажи товар', 1, 1000, 1000, 0, '20');
                INSERT INTO productCategory (productId, categoryId) VALUES (1, 2), (2, 3), (3, 2), (4, 2);
                INSERT INTO productUnit (productId, unitId, factor, minQtyMilli, stepQtyMilli) VALUES (1, 3, '10', 1000, 1000);
                INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES
                    (1, 1, 1, 10000), (2, 1, 1, 9000), (3, 1, 1, 8000),
                    (1, 2, 1, 2000), (2, 2, 1, 1800), (3, 2, 1, 1600),
                    (1, 3, 2, 5050), (2, 3, 2, 4545), (3, 3, 2, 4040),
                    (1, 4, 1, 1000);
                INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (1, 1, 30000), (1, 2, 20000), (2, 1, 100000), (3, 1, 1000000);
                INSERT INTO counterparty (id, erpId, name, regionId, creditLimitMinor) VALUES (1, 'cp-1', 'ООО «Альфа»', 1, 0), (2, 'cp-2', 'ООО «Бета»', 1, 100000);
                INSERT INTO agreement (id, counterpartyId, sellerOrganizationId, number, date, isDefault) VALUES (1, 1, 1, 'Д-1', '2026-01-01', 1),
                    (2, 2, 1, 'Д-2', '2026-01-01', 1);
                INSERT INTO deliveryAddress (id, counterpartyId, address, consignee, contactPhone, isDefault) VALUES
                    (1, 1, 'Москва, ул. Альфа, 1', 'ООО «Альфа»', '+7 900 000-00-01', 1), (2, 2, 'Москва, ул. Бета, 2', NULL, NULL, 1);
                INSERT INTO priceTypeAssignment (priceTypeId, counterpartyId) VALUES (2, 1);
                INSERT INTO user (id, email, fullName, status, defaultCounterpartyId) VALUES (1, 'buyer1@example.com', 'Покупатель Один', 'active', 1),
                    (2, 'buyer2@example.com', 'Покупатель Два', 'active', 2);
                INSERT INTO userCounterparty (userId, counterpartyId) VALUES (1, 1), (1, 2), (2, 2);
                INSERT INTO userRole (userId, roleId) SELECT 1, id FROM role WHERE code = 'buyer';
                INSERT INTO userRole (userId, roleId) SELECT 2, id FROM role WHERE code = 'buyer';
                """)
            for index in 0..<extraBuyers {
                let id = 100 + index
                try db.execute(
                    sql: "INSERT INTO user (id, email, fullName, status, defaultCounterpartyId) VALUES (?, ?, ?, 'active', 1)",
                    arguments: [id, "buyer\(id)@example.com", "Покупатель \(id)"])
                try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, 1)", arguments: [id])
            }
        }
    }

    /// The matrix over the fixture's prices.
    public static func matrix(_ database: WholesailDatabase) async throws -> PriceMatrix {
        PriceMatrix(try await database.pricingSnapshot())
    }

    /// Prices a user's working cart the way the server does.
    public static func priced(
        _ database: WholesailDatabase, userId: Int64, day: String = "2026-11-29"
    ) async throws -> (cart: CartRecord, priced: PricedCart, promocodeId: Int64?) {
        let cart = try await database.workingCart(userId: userId)
        let context = try await database.pricingContext(userId: userId, counterpartyId: cart.counterpartyId, day: day)
        let promocode = try await cart.promocode.asyncMap { try await database.cartPromocode(code: $0, counterpartyId: cart.counterpartyId, day: day) } ?? nil
        let priced = CartPricing.price(
            cart.lines.map(\.item), matrix: try await matrix(database), context: context, thresholds: try await database.cartThresholds(),
            promocode: promocode)
        return (cart, priced, promocode?.id)
    }

    /// Places the user's working cart with pickup from warehouse 1.
    @discardableResult
    public static func place(
        _ database: WholesailDatabase, userId: Int64, counterpartyId: Int64 = 1, key: String? = nil, form: CheckoutForm? = nil,
        creditOverride: Bool = false, now: Date = Date()
    ) async throws -> PlacedOrder {
        let (cart, priced, promocodeId) = try await priced(database, userId: userId)
        return try await database.placeOrder(
            PlaceOrderRequest(
                userId: userId, form: form ?? CheckoutForm(counterpartyId: counterpartyId, delivery: .pickup, warehouseId: 1), cartVersion: cart.version,
                priced: priced, promocodeId: promocodeId, idempotencyKey: key, creditOverride: creditOverride, now: now))
    }
}
