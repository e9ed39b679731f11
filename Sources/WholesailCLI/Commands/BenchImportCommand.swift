import ArgumentParser
import Foundation
import WholesailCore
import WholesailServer
import WholesailStore

extension BenchCommand {
    /// The import benchmark of docs/performance.md: a generated CommerceML package (import.xml
    /// with N products × P properties, offers.xml with 5 price types and 3 warehouses) imported
    /// into a fresh database through the real pipeline; then the same package again (all
    /// unchanged); then an offers-only update with every price and stock changed; then another
    /// while catalog searches run from another task, timed.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Time a generated CommerceML import, a repeat of it and an offers-only update.")

        @Option(help: "Products.") var products = 100_000
        @Option(help: "Properties per product.") var properties = 30
        @Option(help: "Price types.") var priceTypes = 5
        @Option(help: "Warehouses.") var warehouses = 3
        @Option(help: "Database file (default: a fresh one in a temporary folder, removed afterwards).") var db: String?
        @Option(help: "Records per write transaction at most.") var batch = 2_000
        @Option(help: "Milliseconds one import transaction should hold the writer (0: always --batch records).")
        var transactionMs = 25

        func run() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-bench-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var generator = CommerceMLGenerator(seed: 7, products: products, propertiesPerProduct: properties, priceTypes: priceTypes, warehouses: warehouses)
            let importPath = folder.appendingPathComponent("import.xml").path
            let offersPath = folder.appendingPathComponent("offers.xml").path
            let updatePath = folder.appendingPathComponent("offers-update.xml").path
            let generationStart = ContinuousClock.now
            try Self.write(importPath) { try generator.writeImport(to: $0) }
            try Self.write(offersPath) { try generator.writeOffers(to: $0) }
            generator.priceVariant = 1
            try Self.write(updatePath) { try generator.writeOffers(to: $0) }
            let sizes = try [importPath, offersPath, updatePath].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int ?? 0 }
            print("generated in \(Self.seconds(ContinuousClock.now - generationStart)): import.xml \(sizes[0] >> 20) MB, offers.xml \(sizes[1] >> 20) MB")

            // The parser alone, for reference: how fast import.xml reads without a database.
            let parseStart = ContinuousClock.now
            let parser = CommerceMLReader(reading: try Self.handle(importPath))
            var records = 0
            while try parser.next() != nil { records += 1 }
            let parsed = ContinuousClock.now - parseStart
            print(String(format: "parse only (import.xml, no database): %.2f s, %.0f MB/s, %d records", parsed.asSeconds, Double(sizes[0]) / 1e6 / parsed.asSeconds, records))

            let path = db ?? folder.appendingPathComponent("bench.sqlite").path
            let database = try WholesailDatabase.open(at: path)
            let limits = ImportLimits(batchSize: batch, transactionTarget: transactionMs > 0 ? .milliseconds(transactionMs) : nil)
            print("rss after setup: \(ProcessMemory.megabytes("VmRSS")) MB")

            let search = SearchProbe(database: database)
            let full = try await Self.measure("full import (import.xml + offers.xml)", [("import.xml", importPath), ("offers.xml", offersPath)], database, limits, probe: nil)
            let again = try await Self.measure("the same package again", [("import.xml", importPath), ("offers.xml", offersPath)], database, limits, probe: nil)
            let update = try await Self.measure("offers-only update (new prices and stock)", [("offers.xml", updatePath)], database, limits, probe: nil)
            // Buyers search while an import writes: the search latency during a second price update,
            // with the catalog index as `serve` runs it (built, following commits, and answering
            // from the previous build while the import writes).
            generator.priceVariant = 2
            try Self.write(updatePath) { try generator.writeOffers(to: $0) }
            let changes = database.trackCatalogIndexChanges()
            try await database.rebuildCatalogIndex()
            database.catalogIndex.setAcceptStale(true)
            _ = try await Self.measure("offers update with catalog searches (10 a second) running", [("offers.xml", updatePath)], database, limits, probe: search)
            database.catalogIndex.setAcceptStale(false)
            _ = changes
            for (name, job) in [("full", full), ("again", again), ("update", update)] {
                let counts = job.counts.entities.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value.created) ~\($0.value.updated) =\($0.value.unchanged) -\($0.value.deleted) !\($0.value.failed)" }
                print("  \(name): \(job.status); " + counts.joined(separator: "; "))
            }
            print("peak memory (VmHWM): \(ProcessMemory.megabytes("VmHWM")) MB")
        }

        static func handle(_ path: String) throws -> FileHandle {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
            return handle
        }

        static func write(_ path: String, _ body: (FileHandle) throws -> Void) throws {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CLIError("cannot write \(path)") }
            defer { try? handle.close() }
            try body(handle)
        }

        static func measure(
            _ title: String, _ files: [(String, String)], _ database: WholesailDatabase, _ limits: ImportLimits, probe: SearchProbe?
        ) async throws -> ImportJobInfo {
            let start = ContinuousClock.now
            let uploads = try files.map { ImportUpload(fileName: $0.0, stored: try ImportCommand.storeFile($0.1, database: database, limits: limits)) }
            let stored = ContinuousClock.now - start
            let jobId = try database.createImportJobSync(files: uploads, source: "cli", userId: nil)
            guard try database.claimImportJob(id: jobId) != nil else { throw CLIError("could not claim job \(jobId)") }
            let applyStart = ContinuousClock.now
            let probing = probe.map { probe in Task { await probe.run() } }
            let job: ImportJobInfo = try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    do {
                        try ImportPipeline(database: database, limits: limits).run(jobId: jobId)
                        continuation.resume(returning: try database.importJobSync(id: jobId)!)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            probe?.stop()
            let latencies = await probing?.value
            let applied = ContinuousClock.now - applyStart
            let total = ContinuousClock.now - start
            let rows = job.rowsDone
            print(
                "\(title): \(seconds(total)) wall (storing the files \(seconds(stored)), import \(seconds(applied))), \(rows) records, "
                    + String(format: "%.0f records/s", Double(rows) / max(applied.asSeconds, 0.001)) + ", rss \(ProcessMemory.megabytes("VmRSS")) MB")
            if let latencies, !latencies.isEmpty {
                let sorted = latencies.sorted()
                let p50 = sorted[sorted.count / 2]
                let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
                print(String(format: "  catalog search during the import: %d queries, p50 %.1f ms, p99 %.1f ms, max %.1f ms", sorted.count, p50, p99, sorted.last!))
            }
            return job
        }

        static func seconds(_ duration: Duration) -> String { String(format: "%.2f s", duration.asSeconds) }
    }

    /// Searches the catalog ten times a second from another task and records how long each took.
    final class SearchProbe: Sendable {
        let database: WholesailDatabase
        let stopped = StopFlag()

        init(database: WholesailDatabase) { self.database = database }

        func stop() { stopped.set() }

        func run() async -> [Double] {
            var samples: [Double] = []
            let words = ["кабель", "розетка белый", "светильник", "дрель", "АРТ-1000"]
            var index = 0
            while !stopped.isSet {
                let start = ContinuousClock.now
                _ = try? await database.listProducts(ProductListQuery(text: words[index % words.count], perPage: 24))
                samples.append((ContinuousClock.now - start).asSeconds * 1000)
                index += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
            return samples
        }
    }
}

extension Duration {
    var asSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
