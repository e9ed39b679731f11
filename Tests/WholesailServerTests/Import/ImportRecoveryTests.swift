import Foundation
import GRDB
import Logging
import Synchronization
import Testing
import WholesailCore
import WholesailServer
@testable import WholesailStore
import WholesailTestSupport

/// A job survives a restart: what a stopped process left `running` runs again from its stored
/// files, and a first load interrupted half-way gets its search and facet indexes back.
@Suite struct ImportRecoveryTests {
    /// Tables, indexes and triggers; SQLite's planner statistics (`sqlite_stat1`, written by
    /// `ANALYZE` after a successful import) are not part of the schema.
    static func schema(_ database: WholesailDatabase) throws -> [String] {
        try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name")
        }
    }

    @Test("a job left running by a stopped process is queued again at start and runs from its files")
    func resume() async throws {
        let database = try TestDatabase.inMemory()
        let pristine = try Self.schema(database)
        var uploader = BlobUploader(database: database)
        try uploader.appendSync(try ImportFixture.sample("carono-php-commerceml-2.07/import.xml"))
        let stored = try uploader.finishSync()
        let jobId = try database.createImportJobSync(files: [ImportUpload(fileName: "import.xml", stored: stored)], source: "api", userId: nil)
        // The process claimed the job and began a first load, then stopped.
        _ = try #require(try database.claimImportJob())
        let importer = CatalogImporter(database: database, jobId: jobId)
        try importer.beginJob()
        #expect(try Self.schema(database) != pristine)  // the deferred indexes are gone meanwhile
        // Next start.
        #expect(try database.requeueInterruptedImports() == 1)
        #expect(try Self.schema(database) == pristine)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runner = ImportRunner(database: database, coordinator: ImportCoordinator(), logger: logger)
        #expect(try await runner.runQueued() == 1)
        let job = try #require(try await database.importJob(id: jobId))
        #expect(job.status == "succeeded")
        #expect(job.counts["product"].created == 2)
        #expect(try Self.schema(database) == pristine)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM setting WHERE key LIKE 'import.deferred.%'") == 0)
        try await database.write { db in try db.execute(sql: "INSERT INTO productFts(productFts, rank) VALUES ('integrity-check', 1)") }
    }

    /// A generated `import.xml` (seed 5), and the same stored in the blob store as an upload.
    static func storedCatalog(_ database: WholesailDatabase, products: Int, properties: Int) throws -> (xml: Data, stored: StoredUpload) {
        let generator = CommerceMLGenerator(seed: 5, products: products, propertiesPerProduct: properties)
        var xml = Data()
        try generator.writeImport { xml.append($0) }
        var uploader = BlobUploader(database: database)
        try uploader.appendSync(xml)
        return (xml, try uploader.finishSync())
    }

    @Test("batches keep the quiet target until another write comes between two of them, then shorten to the interactive one")
    func interactiveTarget() throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        let (xml, stored) = try Self.storedCatalog(database, products: 400, properties: 4)
        let jobId = try database.createImportJobSync(files: [ImportUpload(fileName: "import.xml", stored: stored)], source: "api", userId: nil)
        _ = try #require(try database.claimImportJob(id: jobId))
        var options = CatalogImporter.Options()
        options.batchSize = 50
        options.transactionTarget = .seconds(10)
        options.interactiveTransactionTarget = .milliseconds(10)
        options.interactiveWindow = .seconds(60)
        let importer = CatalogImporter(database: database, jobId: jobId, options: options)
        var targets: [Duration?] = []
        var batches = 0
        importer.options.onProgress = { [unowned importer] _, _ in
            batches += 1
            targets.append(importer.currentTarget)
            // A buyer's write between the third and the fourth batch.
            if batches == 3 {
                try? database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('buyer.write', 'x')") }
            }
        }
        try importer.beginJob()
        importer.beginFile("import.xml", keying: .erpId)
        let reader = CommerceMLReader(data: xml)
        while let record = try reader.next() { try importer.consume(record) }
        try importer.endFile()
        try importer.finishJob(deactivateMissing: false)
        #expect(batches > 5)
        #expect(targets.prefix(3).allSatisfy { $0 == .seconds(10) })
        #expect(targets.dropFirst(3).allSatisfy { $0 == .milliseconds(10) })
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 400)
    }

    @Test("a first load builds its facet index at the end with a sorter thread, then gives the connection back as it was; the next full upload still deactivates")
    func deferredIndexBuild() throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        let pristine = try Self.schema(database)
        let writerSettings = {
            try database.writeWithoutTransaction { db in
                try ["temp_store", "threads", "cache_size"].map { try Int.fetchOne(db, sql: "PRAGMA \($0)") ?? -1 }
            }
        }
        let before = try writerSettings()
        #expect(before[0] == 2)  // temp_store = MEMORY
        var full = Data()
        try CommerceMLGenerator(seed: 9, products: 3_000, propertiesPerProduct: 8).writeImport { full.append($0) }
        #expect(try ImportFixture.run(database, [("import.xml", full)]).status == "succeeded")
        #expect(try Self.schema(database) == pristine)
        #expect(try writerSettings() == before)
        #expect(try database.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
        let values = try ImportFixture.count(database, "SELECT count(*) FROM productProperty WHERE valueId IS NOT NULL")
        #expect(values > 20_000)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM productProperty INDEXED BY productProperty_value WHERE propertyId > 0") == values)
        // A later full upload without the last 100 products deactivates them (its seen-set is a
        // temporary table, made after the build reset temporary storage).
        var fewer = Data()
        try CommerceMLGenerator(seed: 9, products: 2_900, propertiesPerProduct: 8).writeImport { fewer.append($0) }
        let second = try ImportFixture.run(database, [("import.xml", fewer)])
        #expect(second.status == "succeeded")
        #expect(second.counts["product"].deleted == 100)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product WHERE active = 1") == 2_900)
        #expect(try writerSettings() == before)
    }

    @Test("a shutdown stops a job between batches and puts it back in the queue")
    func interrupted() throws {
        let database = try TestDatabase.inMemory()
        var uploader = BlobUploader(database: database)
        try uploader.appendSync(try ImportFixture.sample("dobromyslov-commerceml-parser-2.07/import0_1_with_nested_groups.xml"))
        let jobId = try database.createImportJobSync(
            files: [ImportUpload(fileName: "import.xml", stored: try uploader.finishSync())], source: "api", userId: nil)
        _ = try #require(try database.claimImportJob(id: jobId))
        let finished = try ImportPipeline(database: database, limits: ImportLimits(batchSize: 20), isCancelled: { true }).run(jobId: jobId)
        #expect(!finished)
        #expect(try database.importJobSync(id: jobId)?.status == "queued")
        // Run again to the end: the same result as one uninterrupted run.
        _ = try #require(try database.claimImportJob(id: jobId))
        #expect(try ImportPipeline(database: database, limits: ImportLimits()).run(jobId: jobId))
        #expect(try database.importJobSync(id: jobId)?.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 283)
    }
}

@Suite struct ImportRetentionTests {
    @Test("the files of old finished imports are removed (parts, manifests); recent jobs, the last few, photos and shared parts stay; counts stay")
    func pruning() throws {
        let database = try TestDatabase.inMemory()
        var text = "Артикул;Наименование;Группа;Единица\n"
        var line = 0
        while text.utf8.count < BlobParts.partSize + 5000 {
            line += 1
            text += "R-\(line);Товар \(line);Группа;шт\n"
        }
        let big = Data(text.utf8)
        let old = try ImportFixture.run(database, [("products.csv", big)])
        let small = try ImportFixture.run(database, [("stock.csv", Data("Артикул;Количество;Склад\nR-1;5;Москва\n".utf8))])
        #expect(old.status == "succeeded" && small.status == "succeeded")
        let blobsBefore = try ImportFixture.count(database, "SELECT count(*) FROM blob")
        // Within the retention nothing goes.
        #expect(try database.pruneImportUploads(.init(days: 14, keepLast: 0)) == 0)
        // A month later, keeping the last job: only the first job's files go.
        let later = Date().addingTimeInterval(30 * 86_400)
        let deleted = try database.pruneImportUploads(.init(days: 14, keepLast: 1), now: later)
        #expect(deleted >= 3)  // the manifest and its two parts
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM blob") == blobsBefore - deleted)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM importJobFile WHERE importJobId = ?", [old.id]) == 0)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM importJobFile WHERE importJobId = ?", [small.id]) == 1)
        #expect(try database.importJobSync(id: old.id)?.counts["product"].created == line)
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == line)
        // The same file uploaded again shares no deleted part: it reads back whole.
        let again = try ImportFixture.run(database, [("products.csv", big)])
        #expect(again.status == "succeeded")
        #expect(try database.pruneImportUploads(.init(days: 14, keepLast: 1), now: later) >= 1)  // the stock file's blob
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM importJobFile WHERE importJobId = ?", [again.id]) == 1)
    }
}

@Suite struct ImportTransactionTests {
    /// Commits that touched the job's progress row: one per batch.
    static func countingCommits(_ database: WholesailDatabase, _ body: () throws -> ImportJobInfo) throws -> (job: ImportJobInfo, commits: Int) {
        let commits = Mutex(0)
        let observation = DatabaseRegionObservation(tracking: Table("importJob"))
        let cancellable = observation.start(in: database.writer, onError: { _ in }, onChange: { _ in commits.withLock { $0 += 1 } })
        defer { cancellable.cancel() }
        let job = try body()
        return (job, commits.withLock { $0 })
    }

    @Test("import transactions shrink to the writer's time target and grow back, with the same result; the fsync level comes back")
    func adaptiveBatches() throws {
        let generator = CommerceMLGenerator(seed: 3, products: 1_000, propertiesPerProduct: 8)
        var xml = Data()
        try generator.writeImport { xml.append($0) }
        var results: [(commits: Int, products: Int, values: Int)] = []
        for target in [Duration?.none, .nanoseconds(1), .seconds(60)] {
            let (database, directory) = try TestDatabase.temporaryFile()
            _ = directory
            // The writer connection's level (readers never commit): FULL, and FULL again afterwards.
            let level = try database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            #expect(level == 2)
            let (job, commits) = try Self.countingCommits(database) {
                try ImportFixture.run(database, [("import.xml", xml)], limits: ImportLimits(batchSize: 2_000, transactionTarget: target))
            }
            #expect(job.status == "succeeded")
            #expect(try database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == level)
            results.append(
                (commits, try ImportFixture.count(database, "SELECT count(*) FROM product"), try ImportFixture.count(database, "SELECT count(*) FROM productProperty")))
        }
        #expect(results[0].products == 1_000 && results[1].products == 1_000 && results[2].products == 1_000)
        #expect(results[0].values == results[1].values && results[1].values == results[2].values)
        // 1,000 products of weight 2: one or two fixed batches; 50-weight batches when every
        // commit is "too slow"; from 250 doubling to 2,000 when every commit is fast.
        #expect(results[1].commits >= 30, "\(results.map(\.commits))")
        #expect(results[0].commits <= 6 && results[2].commits <= 8, "\(results.map(\.commits))")
    }

    @Test("a full disk stops an import with a message that says so; nothing is corrupted, and the same file completes once there is room")
    func diskFull() async throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        _ = directory
        let (_, stored) = try ImportRecoveryTests.storedCatalog(database, products: 2_000, properties: 8)
        // SQLite's page limit answers SQLITE_FULL exactly as a full disk does.
        try database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + 60)")
        }
        let first = try database.createImportJobSync(files: [ImportUpload(fileName: "import.xml", stored: stored)], source: "api", userId: nil)
        _ = try #require(try database.claimImportJob(id: first))
        try ImportPipeline(database: database, limits: ImportLimits()).run(jobId: first)
        #expect(try database.importJobSync(id: first)?.status == "failed")
        let issues = try await database.importIssues(jobId: first, page: 1, perPage: 10).items
        #expect(issues.contains { $0.code == "import.disk_full" && $0.message.contains("disk is full") }, "\(issues.map(\.message))")
        #expect(try await database.writer.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
        // Room again: the same upload, a new job, the whole catalog.
        try database.writeWithoutTransaction { db in _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823") }
        let second = try database.createImportJobSync(files: [ImportUpload(fileName: "import.xml", stored: stored)], source: "api", userId: nil)
        _ = try #require(try database.claimImportJob(id: second))
        try ImportPipeline(database: database, limits: ImportLimits()).run(jobId: second)
        #expect(try database.importJobSync(id: second)?.status == "succeeded")
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM product") == 2_000)
    }
}
