import ArgumentParser
import Foundation
import WholesailStore

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Add a synthetic catalog of N products, for load tests and benchmarks.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Number of products (1 to 10,000,000).") var products: Int
    @Option(help: "Random seed; the same seed gives the same catalog.") var seed: UInt64 = 1
    @Option(help: "Property values per product.") var propertiesPerProduct: Int = 8

    func run() async throws {
        let db = try WholesailDatabase.openForBulkLoad(at: database.resolvedPath)
        let start = Date()
        let interactive = isatty(2) == 1
        let total = products
        let written = try await SyntheticCatalog.seed(
            db, options: .init(products: products, seed: seed, propertiesPerProduct: propertiesPerProduct)
        ) { done in
            if interactive {
                FileHandle.standardError.write(Data("\rseeding: \(done)/\(total)".utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        try db.finishBulkLoad()
        print(String(format: "seeded %d products in %.1f s", written, Date().timeIntervalSince(start)))
    }
}
