import Foundation
import GRDB
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@Suite("Variant grid")
struct VariantGridTests {
    func ids(_ row: VariantGrid.Row) -> [Int64?] { row.cells.map { $0?.productId } }

    @Test("size × colour: sizes (more values) as columns in their order, colours as rows, an empty cell where no variant is sold")
    func twoCharacteristics() async throws {
        let database = try TestDatabase.inMemory()
        try await VariantFixture.seed(database)
        let grid = try #require(try await database.variantGrid(productId: 10, regionId: 1, price: { $0 * 100 }))
        #expect(grid.parentId == 10)
        #expect(grid.columnTitle == "Размер")
        #expect(grid.rowTitle == "Цвет", "Материал is the product's own property, the same on every variant: not a characteristic")
        #expect(grid.columns == ["S", "M", "L"], "the values' order, not the alphabet")
        #expect(grid.rows.map(\.label) == ["Белый", "Чёрный"])
        #expect(ids(grid.rows[0]) == [11, 12, 13])
        #expect(ids(grid.rows[1]) == [14, 15, nil], "the inactive L/Чёрный and the other product's P10#x are not in it")
        let first = try #require(grid.rows[0].cells[0])
        #expect(first.sku == "TEE-S-W")
        #expect(first.priceMinor == 1100)
        #expect(first.freeMilli == 6000, "stock less reserves")
        #expect(grid.rows[0].cells[1]?.freeMilli == 0)
        #expect(grid.rows[1].cells[1]?.rule == Quantity.Rule(minMilli: 2000, stepMilli: 2000))

        // A variant's card shows its product's grid.
        #expect(try await database.variantGrid(productId: 12, regionId: 1) == (try await database.variantGrid(productId: 10, regionId: 1)))
        // Products without variants have none.
        #expect(try await database.variantGrid(productId: 1, regionId: 1) == nil)
        #expect(try await database.variantGrid(productId: 17, regionId: 1) == nil, "P10 is not in the catalog")
    }

    @Test("variants the buyer may not see are left out, with the values only they had")
    func hidden() async throws {
        let database = try TestDatabase.inMemory()
        try await VariantFixture.seed(database)
        var grid = try #require(try await database.variantGrid(productId: 10, regionId: 1, hidden: { $0 == 14 }))
        #expect(ids(grid.rows[1]) == [nil, 15, nil])
        grid = try #require(try await database.variantGrid(productId: 10, regionId: 1, hidden: { $0 == 13 }))
        #expect(grid.columns == ["S", "M"])
        #expect(try await database.variantGrid(productId: 10, regionId: 1, hidden: { $0 != 10 }) == nil)
    }

    @Test("one characteristic is a single column; with three, the rows are the combinations of the other two")
    func layouts() throws {
        func variant(_ id: Int64, _ values: [String: String]) -> VariantRecord {
            VariantRecord(
                cell: VariantGrid.Cell(productId: id, sku: "V\(id)", name: "V\(id)", priceMinor: nil, freeMilli: 0, rule: Quantity.Rule(minMilli: 1000, stepMilli: 1000)),
                values: values)
        }
        let single = try #require(
            VariantGrid.layout(
                parentId: 1, parentName: "P", variants: [variant(2, ["Объём": "1 л"]), variant(3, ["Объём": "0,5 л"])],
                dimensions: [.init(name: "Объём", values: ["0,5 л", "1 л"])]))
        #expect(single.columns == [""])
        #expect(single.rowTitle == "Объём")
        #expect(single.rows.map(\.label) == ["0,5 л", "1 л"])
        #expect(single.rows.map { $0.cells.map { $0?.productId } } == [[3], [2]])

        let three = try #require(
            VariantGrid.layout(
                parentId: 1, parentName: "P",
                variants: [
                    variant(2, ["Размер": "S", "Цвет": "red", "Рост": "170"]), variant(3, ["Размер": "M", "Цвет": "red", "Рост": "170"]),
                    variant(4, ["Размер": "L", "Цвет": "red", "Рост": "182"]), variant(5, ["Размер": "S", "Цвет": "blue", "Рост": "170"]),
                    variant(6, ["Размер": "M", "Цвет": "blue", "Рост": "170"]),
                ],
                dimensions: [
                    .init(name: "Цвет", values: ["red", "blue"]), .init(name: "Рост", values: ["170", "182"]),
                    .init(name: "Размер", values: ["S", "M", "L"]), .init(name: "Материал", values: ["хлопок"]),
                ]))
        #expect(three.columnTitle == "Размер")
        #expect(three.rowTitle == "Цвет / Рост", "a characteristic with one value is not a dimension")
        #expect(three.columns == ["S", "M", "L"])
        #expect(three.rows.map(\.label) == ["red / 170", "red / 182", "blue / 170"])
        #expect(three.rows.map { $0.cells.map { $0?.productId } } == [[2, 3, nil], [nil, nil, 4], [5, 6, nil]])
        #expect(VariantGrid.layout(parentId: 1, parentName: "P", variants: [], dimensions: []) == nil)
    }

    @Test("adding the cells is all or nothing")
    func addAll() async throws {
        let database = try TestDatabase.inMemory()
        try await VariantFixture.seed(database)
        var results = try await database.addAllToCart(userId: 1, items: [(11, 2000), (15, 3000)])
        #expect(results[0] == nil)
        #expect(results[1]?.code == "cart.qty_step")
        #expect(try await database.workingCart(userId: 1).lines.isEmpty, "one refused cell: nothing added")
        results = try await database.addAllToCart(userId: 1, items: [(11, 2000), (15, 4000)], commit: false)
        #expect(results.allSatisfy { $0 == nil })
        #expect(try await database.workingCart(userId: 1).lines.isEmpty, "checked only")
        results = try await database.addAllToCart(userId: 1, items: [(11, 2000), (15, 4000)])
        #expect(results.allSatisfy { $0 == nil })
        #expect(try await database.workingCart(userId: 1).lines.map { [$0.productId, $0.qtyMilli] } == [[11, 2000], [15, 4000]])
    }
}
