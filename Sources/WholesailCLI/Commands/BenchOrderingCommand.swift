import ArgumentParser
import Foundation
import GRDB
import WholesailCore
import WholesailStore

extension BenchCommand {
    /// Checkout throughput and quick-order latency over a seeded catalog (`wholesail seed`).
    struct Ordering: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ordering",
            abstract: "Time quick orders of many SKUs and checkout throughput over a seeded database (adds bench buyers to it).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Orders to place.") var orders = 2_000
        @Option(help: "Concurrent buyers.") var buyers = 16
        @Option(help: "Lines per order.") var lines = 5
        @Option(help: "SKUs in one quick order.") var quickSkus = 500
        @Option(help: "Quick orders to time.") var quickRepeats = 20
        @Option(help: "Random seed.") var seed: UInt64 = 7

        func run() async throws {
            let db = try WholesailDatabase.open(at: database.resolvedPath)
            let setupStart = ContinuousClock.now
            let (userIds, companyId, warehouseId) = try await Self.prepare(db, buyers: max(buyers, 1) + 1)
            let products = try await db.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT p.id, p.sku FROM product p WHERE p.active = 1 AND EXISTS (SELECT 1 FROM price WHERE productId = p.id) ORDER BY random() LIMIT 20000"
                ).map { (id: $0["id"] as Int64, sku: $0["sku"] as String) }
            }
            guard products.count >= max(quickSkus, lines) else { throw ValidationError(field: "db", code: "bench.no_products", message: "seed the database first") }
            let matrixStart = ContinuousClock.now
            let matrix = PriceMatrix(try await db.pricingSnapshot())
            let matrixBuild = ContinuousClock.now - matrixStart
            print("products in the matrix: \(matrix.snapshot.products.count); matrix build \(Self.ms(matrixBuild)); setup \(Self.ms(ContinuousClock.now - setupStart))")
            print("resident memory after the matrix: \(ProcessMemory.residentMegabytes) MB")

            // Quick order: N stock numbers looked up and added in one go, then priced (the page's work).
            var rng = SeededGenerator(seed: seed)
            let quickUser = userIds.last!
            var samples: [Double] = []
            for _ in 0..<quickRepeats {
                try await db.clearCart(userId: quickUser)
                let text = (0..<quickSkus).map { _ in "\(rng.pick(products).sku):\(rng.int(1...20))" }.joined(separator: ", ")
                let start = ContinuousClock.now
                let entries = QuickOrderText.parse(text)
                let found = try await db.productsByCode(entries.map(\.sku))
                let results = try await db.addManyToCart(
                    userId: quickUser, items: entries.compactMap { entry in found[entry.sku.lowercased()].map { ($0.id, nil, entry.qtyMilli) } })
                let cart = try await db.workingCart(userId: quickUser)
                let context = try await db.pricingContext(userId: quickUser, counterpartyId: companyId, day: "2026-11-29")
                _ = CartPricing.price(cart.lines.map(\.item), matrix: matrix, context: context)
                samples.append(Self.milliseconds(ContinuousClock.now - start))
                precondition(results.count == found.count || results.count <= entries.count)
            }
            samples.sort()
            print(String(format: "quick order of %d SKUs (parse, look up, add, price): p50 %.1f ms, p99 %.1f ms", quickSkus, samples[samples.count / 2], samples[samples.count - 1]))

            // Checkout: each buyer fills a cart of `lines` products and places it, in parallel.
            let perBuyer = max(1, orders / buyers)
            let buyerIds = Array(userIds.dropLast().prefix(buyers))
            let picks = (0..<(perBuyer * buyerIds.count)).map { _ in (0..<lines).map { _ in rng.pick(products).id } }
            let start = ContinuousClock.now
            var times = try await withThrowingTaskGroup(of: [Double].self) { group in
                for (index, userId) in buyerIds.enumerated() {
                    group.addTask {
                        var own: [Double] = []
                        for round in 0..<perBuyer {
                            let order = picks[index * perBuyer + round]
                            _ = try await db.addManyToCart(userId: userId, items: order.map { ($0, nil, nil) })
                            let placeStart = ContinuousClock.now
                            let cart = try await db.workingCart(userId: userId)
                            let context = try await db.pricingContext(userId: userId, counterpartyId: companyId, day: "2026-11-29")
                            let priced = CartPricing.price(cart.lines.map(\.item), matrix: matrix, context: context)
                            _ = try await db.placeOrder(
                                PlaceOrderRequest(
                                    userId: userId, form: CheckoutForm(counterpartyId: companyId, delivery: .pickup, warehouseId: warehouseId),
                                    cartVersion: cart.version, priced: priced, idempotencyKey: UUID().uuidString))
                            own.append(Self.milliseconds(ContinuousClock.now - placeStart))
                        }
                        return own
                    }
                }
                var all: [Double] = []
                for try await own in group { all += own }
                return all
            }
            let total = ContinuousClock.now - start
            let placed = perBuyer * buyerIds.count
            times.sort()
            let seconds = Self.milliseconds(total) / 1000
            print(String(format: "checkout: %d orders of %d lines by %d buyers in %.2f s: %.0f orders/s (cart fill + place); place p50 %.2f ms, p99 %.2f ms",
                         placed, lines, buyerIds.count, seconds, Double(placed) / seconds, times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))]))
            print("resident memory: \(ProcessMemory.residentMegabytes) MB")
        }

        static func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }

        static func ms(_ duration: Duration) -> String { String(format: "%.1f ms", milliseconds(duration)) }

        /// A seller, a company in the first warehouse's region with no credit limit, and buyers.
        static func prepare(_ db: WholesailDatabase, buyers: Int) async throws -> (users: [Int64], company: Int64, warehouse: Int64) {
            try await db.write { db in
                if try Int64.fetchOne(db, sql: "SELECT id FROM sellerOrganization LIMIT 1") == nil {
                    try db.execute(sql: "INSERT INTO sellerOrganization (name, inn, orderPrefix) VALUES ('ООО «Бенчмарк»', '7700000000', 'BN')")
                }
                let warehouse = try Row.fetchOne(db, sql: "SELECT id, regionId FROM warehouse WHERE active = 1 ORDER BY id LIMIT 1")
                guard let warehouseId: Int64 = warehouse?["id"] else {
                    throw ValidationError(field: "db", code: "bench.no_warehouse", message: "seed the database first")
                }
                try db.execute(sql: "UPDATE warehouse SET isPickupPoint = 1 WHERE id = ?", arguments: [warehouseId])
                let company: Int64
                if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM counterparty WHERE erpId = 'bench-company'") {
                    company = existing
                } else {
                    try db.execute(sql: "INSERT INTO counterparty (erpId, name, regionId) VALUES ('bench-company', 'ООО «Нагрузка»', ?)", arguments: [warehouse?["regionId"] as Int64?])
                    company = db.lastInsertedRowID
                }
                var users: [Int64] = []
                for index in 0..<buyers {
                    let email = "bench-buyer-\(index)@example.com"
                    if let id = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE email = ?", arguments: [email]) {
                        users.append(id)
                        continue
                    }
                    try db.execute(sql: "INSERT INTO user (email, fullName, status, defaultCounterpartyId) VALUES (?, ?, 'active', ?)", arguments: [email, "Bench \(index)", company])
                    let id = db.lastInsertedRowID
                    try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [id, company])
                    users.append(id)
                }
                return (users, company, warehouseId)
            }
        }
    }
}
