import Foundation
import GRDB
import WholesailCore
import WholesailStore

/// A product with variants on top of `OrderingFixture`, as the CommerceML importer makes them:
/// the product «Футболка» (id 10, ERP id "P1") and its variants "P1#…", each a product of its
/// own with the product's properties (Материал) plus its characteristics Размер and Цвет.
///
/// | id | ERP id | SKU      | Размер | Цвет   | retail / wholesale | free stock          |
/// |----|--------|----------|--------|--------|--------------------|---------------------|
/// | 11 | P1#a   | TEE-S-W  | S      | Белый  | 500.00 / 450.00    | 6 (10, 4 reserved)  |
/// | 12 | P1#b   | TEE-M-W  | M      | Белый  | 500.00 / 450.00    | 0                   |
/// | 13 | P1#c   | TEE-L-W  | L      | Белый  | 500.00 / 450.00    | 5                   |
/// | 14 | P1#d   | TEE-S-B  | S      | Чёрный | 500.00 / 450.00    | 3                   |
/// | 15 | P1#e   | TEE-M-B  | M      | Чёрный | 520.00 / 470.00    | 8 (minimum 2, step 2) |
/// | 16 | P1#f   | TEE-L-B  | L      | Чёрный | not sold any more (inactive)             |
/// | 17 | P10#x  | POLO-X   | another product's variant, never in P1's grid           |
///
/// There is no white-and-black L on sale, so that cell of the grid is empty.
public enum VariantFixture {
    public static func seed(_ database: WholesailDatabase) async throws {
        try await OrderingFixture.seed(database)
        try await addVariants(database)
    }

    /// The variant product alone, on a database that already holds `OrderingFixture`.
    public static func addVariants(_ database: WholesailDatabase) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO property (id, erpId, name, kind, sortOrder) VALUES
                    (10, 'characteristic:размер', 'Размер', 'enum', 10), (11, 'characteristic:цвет', 'Цвет', 'enum', 11),
                    (12, 'mat', 'Материал', 'text', 1);
                INSERT INTO propertyValue (id, propertyId, value, sortOrder) VALUES
                    (100, 10, 'S', 1), (101, 10, 'M', 2), (102, 10, 'L', 3), (110, 11, 'Белый', 0), (111, 11, 'Чёрный', 0);
                INSERT INTO product (id, erpId, sku, name, baseUnitId, minQtyMilli, stepQtyMilli, active, vatRate) VALUES
                    (10, 'P1', 'TEE', 'Футболка', 1, 1000, 1000, 1, '20'),
                    (11, 'P1#a', 'TEE-S-W', 'Футболка (S, Белый)', 1, 1000, 1000, 1, '20'),
                    (12, 'P1#b', 'TEE-M-W', 'Футболка (M, Белый)', 1, 1000, 1000, 1, '20'),
                    (13, 'P1#c', 'TEE-L-W', 'Футболка (L, Белый)', 1, 1000, 1000, 1, '20'),
                    (14, 'P1#d', 'TEE-S-B', 'Футболка (S, Чёрный)', 1, 1000, 1000, 1, '20'),
                    (15, 'P1#e', 'TEE-M-B', 'Футболка (M, Чёрный)', 1, 2000, 2000, 1, '20'),
                    (16, 'P1#f', 'TEE-L-B', 'Футболка (L, Чёрный)', 1, 1000, 1000, 0, '20'),
                    (17, 'P10#x', 'POLO-X', 'Поло (X)', 1, 1000, 1000, 1, '20');
                INSERT INTO productCategory (productId, categoryId) VALUES (10, 3), (11, 3), (12, 3), (13, 3), (14, 3), (15, 3), (16, 3), (17, 3);
                INSERT INTO productProperty (productId, propertyId, valueId, textValue) VALUES
                    (10, 12, NULL, 'хлопок'), (11, 12, NULL, 'хлопок'), (12, 12, NULL, 'хлопок'), (13, 12, NULL, 'хлопок'),
                    (14, 12, NULL, 'хлопок'), (15, 12, NULL, 'хлопок'), (16, 12, NULL, 'хлопок'),
                    (11, 10, 100, NULL), (11, 11, 110, NULL), (12, 10, 101, NULL), (12, 11, 110, NULL), (13, 10, 102, NULL), (13, 11, 110, NULL),
                    (14, 10, 100, NULL), (14, 11, 111, NULL), (15, 10, 101, NULL), (15, 11, 111, NULL), (16, 10, 102, NULL), (16, 11, 111, NULL),
                    (17, 10, 100, NULL);
                INSERT INTO price (priceTypeId, productId, unitId, amountMinor) VALUES
                    (1, 11, 1, 50000), (2, 11, 1, 45000), (1, 12, 1, 50000), (2, 12, 1, 45000), (1, 13, 1, 50000), (2, 13, 1, 45000),
                    (1, 14, 1, 50000), (2, 14, 1, 45000), (1, 15, 1, 52000), (2, 15, 1, 47000), (1, 16, 1, 50000), (1, 17, 1, 10000);
                INSERT INTO stock (productId, warehouseId, qtyMilli, reservedMilli) VALUES
                    (11, 1, 10000, 4000), (13, 1, 5000, 0), (14, 2, 3000, 0), (15, 1, 8000, 0), (16, 1, 9000, 0), (17, 1, 9000, 0);
                """)
        }
    }
}
