import Foundation
import Testing
import WholesailCore

@Suite struct CommerceMLGeneratorTests {
    private func generate(_ generator: CommerceMLGenerator) throws -> (import: Data, offers: Data) {
        var importData = Data()
        var offersData = Data()
        try generator.writeImport { importData.append($0) }
        try generator.writeOffers { offersData.append($0) }
        return (importData, offersData)
    }

    @Test("generated files read back with the counts the generator reports")
    func roundTrip() throws {
        // Given
        let generator = CommerceMLGenerator(
            seed: 7, products: 250, propertiesPerProduct: 12, priceTypes: 4, warehouses: 5)
        let summary = generator.summary
        // When
        let files = try generate(generator)
        let catalog = try ReadResult(CommerceMLReader(data: files.import))
        let offers = try ReadResult(CommerceMLReader(data: files.offers))
        // Then
        #expect(catalog.issues.isEmpty && offers.issues.isEmpty)
        #expect(catalog.header?.schemaVersion == "2.08")
        #expect(catalog.groups.count == summary.groups)
        #expect(catalog.properties.count == 12)
        #expect(catalog.referenceValueCount == summary.referenceValues)
        #expect(catalog.products.count == 250)
        #expect(catalog.propertyValueCount == 250 * 12)
        #expect(offers.priceTypes.count == 4)
        #expect(offers.warehouses.count == 5)
        #expect(offers.offers.count == 250)
        #expect(offers.prices.count == 1000)
        #expect(offers.stockByWarehouse.values.reduce(0) { $0 + $1.rows } == 1250)
        let counts: [Int] = [summary.properties, summary.products, summary.propertyValues, summary.priceTypes]
        #expect(counts == [12, 250, 3000, 4])
        let offerCounts: [Int] = [summary.warehouses, summary.offers, summary.prices, summary.stockEntries]
        #expect(offerCounts == [5, 250, 1000, 1250])

        // Every reference resolves: groups, property values, price types, warehouses, products.
        let groupIDs = Set(catalog.groups.map(\.id))
        let valueIDs = Dictionary(
            uniqueKeysWithValues: catalog.properties.map { ($0.id, Set($0.values.compactMap(\.id))) })
        for product in catalog.products {
            #expect(product.groupIDs.allSatisfy(groupIDs.contains))
            #expect(
                product.propertyValues.allSatisfy { value in
                    value.values.allSatisfy { valueIDs[value.propertyID]?.contains($0) == true }
                })
            #expect(product.name?.isEmpty == false && product.article?.hasPrefix("АРТ-") == true)
            #expect(product.barcode?.count == 13)
        }
        let priceTypeIDs = Set(offers.priceTypes.map(\.id))
        let warehouseIDs = Set(offers.warehouses.map(\.id))
        #expect(offers.offers.map(\.id.raw) == catalog.products.map(\.id))
        #expect(catalog.products.first?.id == generator.productID(0))
        for offer in offers.offers {
            #expect(offer.prices.allSatisfy { priceTypeIDs.contains($0.priceTypeID) && $0.value != nil })
            #expect(Set(offer.stocks.map(\.warehouseID)) == warehouseIDs)
            let total = offer.stocks.compactMap { Int($0.quantity ?? "") }.reduce(0, +)
            #expect(offer.quantity == String(total))
        }
        // Names with quotes survive escaping.
        #expect(catalog.products.contains { $0.name?.contains("\"") == true })
    }

    @Test("the same seed gives the same bytes; another seed does not")
    func deterministic() throws {
        let first = try generate(CommerceMLGenerator(seed: 42, products: 30, propertiesPerProduct: 5))
        let again = try generate(CommerceMLGenerator(seed: 42, products: 30, propertiesPerProduct: 5))
        let other = try generate(CommerceMLGenerator(seed: 43, products: 30, propertiesPerProduct: 5))
        #expect(first.import == again.import && first.offers == again.offers)
        #expect(first.import != other.import)
    }

    @Test("more properties than the name list still gives distinct names")
    func manyProperties() throws {
        let files = try generate(CommerceMLGenerator(seed: 1, products: 3, propertiesPerProduct: 30))
        let catalog = try ReadResult(CommerceMLReader(data: files.import))
        #expect(Set(catalog.properties.map(\.name)).count == 30)
        #expect(Set(catalog.properties.map(\.id)).count == 30)
    }

    /// Not a test of behaviour: parse throughput on a generated 100 000 × 30 catalog. Runs only
    /// with WHOLESAIL_EXCHANGE_BENCHMARK=1 (use a release build: `swift test -c release …`).
    @Test(
        "benchmark: parse a generated 100 000-product import.xml",
        .enabled(if: ProcessInfo.processInfo.environment["WHOLESAIL_EXCHANGE_BENCHMARK"] == "1"))
    func benchmark() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wholesail-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("import.xml").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let generator = CommerceMLGenerator(seed: 42, products: 100_000, propertiesPerProduct: 30)
        let writer = try #require(FileHandle(forWritingAtPath: path))
        let generationStart = Date()
        try generator.writeImport(to: writer)
        try writer.close()
        let generationSeconds = Date().timeIntervalSince(generationStart)

        let reader = CommerceMLReader(reading: try #require(FileHandle(forReadingAtPath: path)))
        let start = Date()
        var products = 0
        while let record = try reader.next() {
            if case .product = record { products += 1 }
        }
        let seconds = Date().timeIntervalSince(start)
        let megabytes = Double(reader.bytesRead) / 1_000_000
        print(
            "generated \(megabytes) MB in \(generationSeconds) s; read \(products) products in \(seconds) s = \(megabytes / seconds) MB/s"
        )
        #expect(products == 100_000)
    }
}
