import ArgumentParser
import Foundation
import GRDB
import WholesailCore
import WholesailStore

extension BenchCommand {
    /// Prepares a seeded database for scripts/bench-http: a company with bench buyers (the buyer
    /// role) and an admin, a fresh API token for each, the ERP ids of `CommerceMLGenerator` on
    /// the seeded products (so a generated offers.xml updates the catalog being served), and a
    /// Lua file with what wrk's scripts pick from.
    struct HTTPSetup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "http-setup", abstract: "Add bench buyers, tokens and ERP ids to a seeded database; write wrk's data file.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Buyers (one API token each; wrk rotates through them).") var buyers = 128
        @Option(help: "The Lua data file to write.") var out: String
        @Option(help: "Seed of the CommerceML generator whose product ids the seeded products take.") var generatorSeed: UInt64 = 7
        @Option(help: "Product ids, categories and SKUs to pick from.") var sample = 2_000
        @Option(help: "The common word the search endpoints ask for.") var search = "кабель"

        func run() async throws {
            let db = try WholesailDatabase.open(at: database.resolvedPath)
            let (users, company, warehouse) = try await BenchCommand.Ordering.prepare(db, buyers: buyers)
            let generator = CommerceMLGenerator(seed: generatorSeed, products: 0, propertiesPerProduct: 0)
            let facts = try await db.write { db -> (products: [Int64], skus: [String], categories: [Int64], admin: Int64, linked: Int) in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO userRole (userId, roleId) SELECT u.id, r.id FROM user u, role r WHERE u.email LIKE 'bench-buyer-%@example.com' AND r.code = 'buyer'")
                // Every run starts with empty carts: the products are sampled anew each time, and
                // carts that kept growing from run to run made cart adds dearer run after run.
                try db.execute(
                    sql: """
                        DELETE FROM cartLine WHERE cartId IN (
                            SELECT c.id FROM cart c JOIN user u ON u.id = c.userId WHERE u.email LIKE 'bench-buyer-%@example.com' AND c.name IS NULL)
                        """)
                let admin: Int64
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = 'bench-admin@example.com'") {
                    admin = id
                } else {
                    try db.execute(sql: "INSERT INTO user (email, fullName, status) VALUES ('bench-admin@example.com', 'Bench admin', 'active')")
                    admin = db.lastInsertedRowID
                    try db.execute(sql: "INSERT INTO userRole (userId, roleId) SELECT ?, id FROM role WHERE code = 'admin'", arguments: [admin])
                }
                // The generator's product ids, in id order, on products that have none yet.
                let unlinked = try Int64.fetchAll(db, sql: "SELECT id FROM product WHERE erpId IS NULL ORDER BY id")
                let already = try Int.fetchOne(db, sql: "SELECT count(*) FROM product WHERE erpId IS NOT NULL") ?? 0
                let update = try db.makeStatement(sql: "UPDATE product SET erpId = ? WHERE id = ?")
                for (offset, id) in unlinked.enumerated() {
                    try update.execute(arguments: [generator.productID(already + offset), id])
                }
                let products = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT p.id FROM product p WHERE p.active = 1 AND p.deleted = 0
                        AND EXISTS (SELECT 1 FROM price WHERE productId = p.id) ORDER BY random() LIMIT ?
                        """, arguments: [sample])
                let skus = try String.fetchAll(
                    db, sql: "SELECT sku FROM product WHERE id IN (SELECT value FROM json_each(?))",
                    arguments: ["[" + products.prefix(200).map(String.init).joined(separator: ",") + "]"])
                // Leaf categories with products: what a buyer browses.
                let categories = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT c.id FROM category c WHERE c.active = 1 AND c.productCount > 0
                        AND NOT EXISTS (SELECT 1 FROM category k WHERE k.parentId = c.id) ORDER BY c.id
                        """)
                return (products, skus, categories, admin, unlinked.count + already)
            }
            guard !facts.products.isEmpty, !facts.categories.isEmpty else { throw CLIError("seed the database first (wholesail seed)") }
            guard let match = SearchText.matchExpression(search), !match.contains("]]") else { throw CLIError("nothing to search for in \(search)") }
            var tokens: [String] = []
            for user in users.prefix(buyers) {
                tokens.append(try await db.createAPIToken(userId: user, name: "bench").token)
            }
            let adminToken = try await db.createAPIToken(userId: facts.admin, name: "bench").token
            func list<T>(_ values: [T], quoted: Bool = false) -> String {
                "{" + values.map { quoted ? "\"\($0)\"" : "\($0)" }.joined(separator: ",") + "}"
            }
            let lua = """
                -- Written by `wholesail bench http-setup` for scripts/bench-http.
                return {
                  company = \(company),
                  warehouse = \(warehouse),
                  admin = "\(adminToken)",
                  tokens = \(list(tokens, quoted: true)),
                  products = \(list(facts.products)),
                  skus = \(list(facts.skus, quoted: true)),
                  categories = \(list(facts.categories)),
                  search = [[\(search)]],
                  match = [[\(match)]],
                }

                """
            try lua.write(toFile: out, atomically: true, encoding: .utf8)
            print("bench buyers \(tokens.count), company \(company), pickup warehouse \(warehouse), \(facts.products.count) products and \(facts.categories.count) categories sampled, \(facts.linked) products with generator ERP ids; wrote \(out)")
        }
    }

    /// Writes a CommerceML package from `CommerceMLGenerator`: import.xml and/or offers.xml.
    struct CommerceML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "commerceml", abstract: "Write a generated CommerceML package (import.xml, offers.xml) for load tests.")

        @Option(help: "Products.") var products = 100_000
        @Option(help: "Properties per product.") var properties = 10
        @Option(help: "Price types.") var priceTypes = 5
        @Option(help: "Warehouses.") var warehouses = 3
        @Option(help: "Generator seed (the product ids depend on it).") var seed: UInt64 = 7
        @Option(help: "Price and stock variant of offers.xml (0 is the original).") var priceVariant: UInt64 = 0
        @Flag(help: "Write offers.xml only.") var offersOnly = false
        @Option(help: "The folder to write to.") var out: String

        func run() async throws {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var generator = CommerceMLGenerator(seed: seed, products: products, propertiesPerProduct: properties, priceTypes: priceTypes, warehouses: warehouses)
            generator.priceVariant = priceVariant
            if !offersOnly {
                try Import.write(out + "/import.xml") { try generator.writeImport(to: $0) }
            }
            try Import.write(out + "/offers.xml") { try generator.writeOffers(to: $0) }
            print("wrote \(offersOnly ? "" : out + "/import.xml and ")\(out)/offers.xml (\(products) products, variant \(priceVariant))")
        }
    }
}
