import ArgumentParser
import Foundation
import WholesailCore
import WholesailServer
import WholesailStore

/// In-process measurements that back docs/performance.md, and the preparation scripts/bench-http
/// needs (`http-setup`, `commerceml`). The repeated, percentile-reporting suite is the package
/// under Benchmarks/.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure in-process figures (pricing, search, ordering, documents, import); prepare HTTP benchmarks.",
        subcommands: [Pricing.self, Search.self, Ordering.self, Documents.self, Import.self, PriceList.self, HTTPSetup.self, CommerceML.self])

    struct Pricing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pricing", abstract: "Build the price matrix over a synthetic catalog and time builds and lookups.")

        @Option(help: "Products.") var products = 100_000
        @Option(help: "Price types.") var priceTypes = 20
        @Option(help: "Customer companies.") var companies = 1_000
        @Option(help: "Mass rules.") var rules = 200
        @Option(help: "Random seed.") var seed: UInt64 = 1

        func run() async throws {
            let snapshotStart = ContinuousClock.now
            let snapshot = PricingSnapshot.synthetic(products: products, priceTypes: priceTypes, companies: companies, rules: rules, seed: seed)
            var rng = SeededGenerator(seed: seed &+ 1)
            let generated = ContinuousClock.now - snapshotStart

            let buildStart = ContinuousClock.now
            let matrix = PriceMatrix(snapshot)
            let build = ContinuousClock.now - buildStart

            var edited = snapshot
            edited.rules[0].action = .markup(ExactDecimal(units: 7, scale: 1))
            let rebuildStart = ContinuousClock.now
            _ = PriceMatrix(edited, reusing: matrix)
            let rebuild = ContinuousClock.now - rebuildStart
            var uploaded = snapshot
            for index in 0..<10_000 { uploaded.basePrices[1]![index * (products / 10_000)] = Int64(rng.int(100...1_000_000)) }
            let uploadStart = ContinuousClock.now
            _ = PriceMatrix(uploaded, reusing: matrix)
            let upload = ContinuousClock.now - uploadStart

            let contexts = PricingSnapshot.syntheticContexts(companies: companies)
            let materializeStart = ContinuousClock.now
            for context in contexts { _ = matrix.view(for: context).amount(productIndex: 0) }
            let materialize = ContinuousClock.now - materializeStart
            let fresh = PriceMatrix(snapshot, reusing: matrix)
            let coldStart = ContinuousClock.now
            _ = fresh.view(for: contexts[0])
            let cold = ContinuousClock.now - coldStart
            let views = contexts.prefix(8).map { matrix.view(for: $0) }

            var checksum: Int64 = 0
            let lookups = 10_000_000
            var indexes = [Int](repeating: 0, count: 4096)
            for i in indexes.indices { indexes[i] = rng.int(0...products - 1) }
            let lookupStart = ContinuousClock.now
            for i in 0..<lookups {
                checksum &+= views[i % views.count].amount(productIndex: indexes[i & 4095]) ?? 0
            }
            let lookup = ContinuousClock.now - lookupStart

            func ms(_ duration: Duration) -> String {
                String(format: "%.1f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
            }
            let lookupNs = (Double(lookup.components.seconds) * 1e9 + Double(lookup.components.attoseconds) / 1e9) / Double(lookups)
            print("products \(products), price types \(priceTypes), companies \(companies), rules \(rules)")
            print("synthetic snapshot generated: \(ms(generated))")
            print("full matrix build: \(ms(build))")
            print("rebuild after one rule edit: \(ms(rebuild))")
            print("rebuild after a 10,000-price upload: \(ms(upload))")
            print("\(companies) companies' first views: \(ms(materialize)) (\(matrix.materializedContexts) vectors kept within the memory budget)")
            print("one context's price vector, materialized: about \(ms(cold))")
            print(String(format: "lookup: %.1f ns per price (%d lookups, checksum %lld)", lookupNs, lookups, checksum))
            print("resident memory: \(ProcessMemory.residentMegabytes) MB")
        }
    }
}

extension BenchCommand {
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search", abstract: "Time catalog searches, facets and a price-sorted category over a seeded database.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Repetitions per query.") var repeats = 50
        @Flag(help: "Plain SQL listings, without the in-memory catalog index (for comparison).") var sql = false

        func run() async throws {
            let db = try WholesailDatabase.open(at: database.resolvedPath)
            if !sql {
                let rssBefore = ProcessMemory.residentMegabytes
                let start = ContinuousClock.now
                let index = try await db.rebuildCatalogIndex()
                let elapsed = ContinuousClock.now - start
                let grown = ProcessMemory.residentMegabytes - rssBefore
                print(String(format: "catalog index: %d products, built in %.0f ms, resident memory +%d MB",
                    index.productCount, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, grown))
            }
            let snapshot = try await db.pricingSnapshot()
            let view = PriceMatrix(snapshot).view(for: PricingContext(day: "2026-11-29"))
            let sample = try await db.listProducts(ProductListQuery(perPage: 1)).items.first
            let sku = sample?.sku ?? "SYN1-1"
            let largest = try await db.categoryTree().max { $0.productCount < $1.productCount }
            func measure(_ name: String, _ body: () async throws -> Void) async throws {
                var samples: [Double] = []
                for _ in 0..<repeats {
                    let start = ContinuousClock.now
                    try await body()
                    let elapsed = ContinuousClock.now - start
                    samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                samples.sort()
                let p50 = samples[samples.count / 2]
                let p99 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))]
                print(String(format: "%-44@ p50 %8.2f ms   p99 %8.2f ms", name as NSString, p50, p99))
            }
            print("products: \(snapshot.products.count); largest category: \(largest?.name ?? "-") with \(largest?.productCount ?? 0)")
            for (label, text) in [("word", "кабель"), ("prefix", "каб"), ("two words", "розетка белый"), ("sku", sku)] {
                try await measure("search \(label) '\(text)', page 1") {
                    _ = try await db.listProducts(ProductListQuery(text: text, perPage: 24))
                }
            }
            try await measure("suggest 'роз'") { _ = try await db.suggest("роз") }
            if let largest {
                try await measure("category page, name order, with facets") {
                    var query = ProductListQuery(categoryId: largest.id, sort: .name, perPage: 24)
                    query.withFacets = true
                    _ = try await db.listProducts(query)
                }
                try await measure("category page sorted by the buyer's price") {
                    _ = try await db.listProducts(
                        ProductListQuery(categoryId: largest.id, sort: .price, perPage: 24), price: { id in view.quote(productId: id)?.amountMinor })
                }
            }
        }
    }
}

extension BenchCommand {
    struct Documents: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "documents", abstract: "Time the demo invoice PDF and an XLSX price list, write and read back.")

        @Option(help: "Rows of the XLSX price list.") var rows = 1_000
        @Option(help: "Repetitions.") var repeats = 20
        @Option(help: "A folder to leave invoice.pdf and prices.xlsx in.") var out: String?

        func run() async throws {
            func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
                var best = Double.infinity
                var result: T?
                for _ in 0..<max(repeats, 1) {
                    let start = ContinuousClock.now
                    result = try body()
                    let elapsed = ContinuousClock.now - start
                    best = min(best, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
                return (result!, best)
            }
            let firstStart = ContinuousClock.now
            _ = try DemoInvoice.pdf()
            let first = ContinuousClock.now - firstStart
            let (pdf, pdfTime) = try measure { try DemoInvoice.pdf() }
            let (xlsx, xlsxTime) = try measure { try DemoPriceList.workbook(rows: rows).data() }
            let (read, readTime) = try measure { try XLSXReader(data: xlsx).rows() }
            print(String(format: "invoice PDF (1 page, 2 font subsets): %.1f ms, %d bytes; first in process (font parsing): %.1f ms",
                pdfTime, pdf.count, Double(first.components.seconds) * 1000 + Double(first.components.attoseconds) / 1e15))
            print(String(format: "XLSX price list, %d rows: write %.1f ms, %d bytes; read back %.1f ms (%d rows)",
                rows, xlsxTime, xlsx.count, readTime, read.count))
            if let out {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try pdf.write(to: URL(fileURLWithPath: out).appendingPathComponent("invoice.pdf"))
                try xlsx.write(to: URL(fileURLWithPath: out).appendingPathComponent("prices.xlsx"))
                print("wrote \(out)/invoice.pdf and \(out)/prices.xlsx")
            }
        }
    }
}
