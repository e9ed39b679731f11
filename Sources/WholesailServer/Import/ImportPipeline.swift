import Foundation
import Synchronization
import GRDB
import WholesailCore
import WholesailStore

/// Runs one claimed import job to its end, synchronously (on the runner's thread or the CLI's):
/// unpacks zips, orders the files (classifier and catalog before offers, offers before prices
/// and stock, split packages in numeric order), streams each file from the blob store through
/// its parser into `CatalogImporter`, records per-file results, then deactivates what a full
/// upload left out and refreshes category counts.
public final class ImportPipeline {
    public struct Progress: Sendable {
        public var file: String
        public var bytesDone: Int
        public var bytesTotal: Int
        public var rows: Int
    }

    struct Cancelled: Error {}

    let database: WholesailDatabase
    let limits: ImportLimits
    let isCancelled: @Sendable () -> Bool
    let onProgress: (Progress) -> Void

    public init(
        database: WholesailDatabase, limits: ImportLimits, isCancelled: @escaping @Sendable () -> Bool = { false },
        onProgress: @escaping (Progress) -> Void = { _ in }
    ) {
        self.database = database
        self.limits = limits
        self.isCancelled = isCancelled
        self.onProgress = onProgress
    }

    /// Runs the job; returns false when it was interrupted (and put back in the queue).
    @discardableResult
    public func run(jobId: Int64) throws -> Bool {
        do {
            try execute(jobId: jobId)
            return true
        } catch is Cancelled {
            try database.requeueImportJob(id: jobId)
            return false
        } catch {
            try? database.finishImportJob(id: jobId, status: "failed", error: (error as? any WholesailError)?.message ?? "\(error)")
            throw error
        }
    }

    private func execute(jobId: Int64) throws {
        guard var job = try database.importJobSync(id: jobId) else { return }
        var failures: [String] = []
        let importer = CatalogImporter(database: database, jobId: jobId)
        importer.options.batchSize = limits.batchSize
        importer.options.transactionTarget = limits.transactionTarget
        if job.source == "exchange" { importer.options.exchangeSessionId = try database.catalogExchangeSession(ofJob: jobId) }

        // 1. Zips become their entries.
        for file in job.files where file.format == ImportFileFormat.zip.rawValue && file.status == "queued" {
            if isCancelled() { throw Cancelled() }
            do {
                let entries = try ZipExpander(database: database, limits: limits).expand(key: file.blobSha256, zipName: file.fileName)
                try database.addUnpackedFiles(jobId: jobId, zipFileId: file.id, entries: entries)
            } catch let error as any WholesailError {
                try database.setImportFile(id: file.id, status: "failed")
                try importer.fileFailed(code: error.code, message: error.message, line: nil, file: file.fileName)
                failures.append("\(file.fileName): \(error.message)")
            }
        }
        job = try database.importJobSync(id: jobId) ?? job

        // 2. Attachments by path, and the order of the rest.
        var attachments: [String: CatalogImporter.Attachment] = [:]
        var byBaseName: [String: CatalogImporter.Attachment?] = [:]
        var work: [(file: ImportJobInfo.File, format: ImportFileFormat, key: ImportFileSortKey)] = []
        // Only catalog-like files are told apart by whether they hold goods (a separate classifier
        // goes first); with one such file there is nothing to order, and no file is scanned.
        let catalogFiles = job.files.filter {
            $0.format == ImportFileFormat.commerceML.rawValue && $0.status == "queued" && Self.mayHoldGoods($0.fileName)
        }
        for file in job.files {
            let format = ImportFileFormat(rawValue: file.format ?? "") ?? .unknown
            switch format {
            case .attachment:
                guard let path = ImportFiles.normalizedPath(file.fileName) else { continue }
                let head = try database.storedFileHead(key: file.blobSha256)
                let attachment = CatalogImporter.Attachment(sha256: file.blobSha256, fileName: path, kind: ContentSniffer.sniff(head))
                guard file.size <= BlobParts.partSize else { continue }  // served whole from one blob
                attachments[path] = attachment
                let base = String(path.split(separator: "/").last ?? "")
                byBaseName[base] = byBaseName[base] == nil ? attachment : .some(nil)  // ambiguous names resolve to nothing
            case .zip:
                continue
            case .unknown:
                guard file.status == "queued" else { continue }
                if ImportFiles.claimsData(fileName: file.fileName) {
                    // Named as data, but the content is something else (a picture, a program, a PDF).
                    let message = "\(file.fileName): the content is not what the name says (not CommerceML, CSV, XLSX or JSON); refused."
                    try database.setImportFile(id: file.id, status: "failed")
                    try importer.fileFailed(code: "import.content_mismatch", message: message, line: nil, file: file.fileName)
                    failures.append(message)
                } else {
                    try database.setImportFile(id: file.id, status: "skipped")
                    importer.warn(code: "import.unknown_format", message: "\(file.fileName): not a CommerceML, CSV, XLSX or JSON file; skipped.", file: file.fileName)
                }
            default:
                guard file.status == "queued" else { continue }
                var layout: String?
                if format == .csv {
                    let head = try database.storedFileHead(key: file.blobSha256, count: 64 << 10)
                    if let first = try? CSVReader(data: head).next() { layout = ImportFiles.csvLayout(fileName: file.fileName, header: first.fields)?.name }
                } else if format == .xlsx, let first = try? Self.sheetRows(try BlobReader(database: database, key: file.blobSha256)).first {
                    layout = ImportFiles.csvLayout(fileName: file.fileName, header: first.cells)?.name
                }
                var hasGoods = false
                if format == .commerceML && catalogFiles.count > 1 && Self.mayHoldGoods(file.fileName) { hasGoods = try containsGoods(file.blobSha256) }
                work.append((file, format, ImportFiles.sortKey(fileName: file.fileName, format: format, csvLayout: layout, hasGoods: hasGoods)))
            }
        }
        work.sort { $0.key < $1.key }
        // An upload with nothing to read (only a zip of zips, only skipped files) is not a success.
        if work.isEmpty && attachments.isEmpty && failures.isEmpty {
            let message = "The upload holds no CommerceML, CSV, XLSX or JSON file to import (a zip inside a zip is not unpacked)."
            try importer.fileFailed(code: "import.nothing_to_import", message: message, line: nil, file: job.files.first?.fileName ?? "")
            failures.append(message)
        }
        importer.options.attachments = { path in attachments[path] ?? byBaseName[String(path.split(separator: "/").last ?? "")] ?? nil }
        importer.options.hasAttachments = !attachments.isEmpty

        // 3. The files, one after another.
        let statementTimes = ProcessInfo.processInfo.environment["WHOLESAIL_IMPORT_TIMINGS"] == "sql" ? try Self.profileStatements(database) : nil
        try importer.beginJob()
        defer { importer.endJob() }
        var doneBytes = 0
        let total = max(work.reduce(0) { $0 + $1.file.size }, 1)
        for (index, item) in work.enumerated() {
            if isCancelled() { throw Cancelled() }
            try database.setImportFile(id: item.file.id, status: "running", sortOrder: index)
            let reader = try BlobReader(database: database, key: item.file.blobSha256)
            let before = doneBytes
            importer.options.bytesDone = { before + reader.bytesRead }
            importer.options.onProgress = { [onProgress] _, rows in
                onProgress(Progress(file: item.file.fileName, bytesDone: before + reader.bytesRead, bytesTotal: total, rows: rows))
            }
            do {
                try process(item.file, format: item.format, reader: reader, importer: importer)
                try importer.endFile()
                try database.setImportFile(id: item.file.id, status: "done")
            } catch is Cancelled {
                importer.abortFile()
                throw Cancelled()
            } catch {
                importer.abortFile()
                let (code, message, line) = Self.describe(error, file: item.file.fileName)
                try importer.fileFailed(code: code, message: message, line: line, file: item.file.fileName)
                try database.setImportFile(id: item.file.id, status: "failed")
                failures.append("\(item.file.fileName): \(message)")
            }
            doneBytes += item.file.size
            onProgress(Progress(file: item.file.fileName, bytesDone: doneBytes, bytesTotal: total, rows: importer.rowsDone))
        }
        importer.options.bytesDone = { doneBytes }
        let finishing = ContinuousClock.now
        try importer.finishJob(deactivateMissing: failures.isEmpty)
        if ProcessInfo.processInfo.environment["WHOLESAIL_IMPORT_TIMINGS"] == "1" {
            let t = importer.timings
            FileHandle.standardError.write(
                Data(
                    "import timings: batches \(t.batches), products \(t.products), offers \(t.offers), commits \(t.commits), waiting for the parser \(waited), finishing \(ContinuousClock.now - finishing) (deferred indexes \(t.deferred), counts and deactivation \(t.closing))\n"
                        .utf8))
        }
        if let statementTimes { Self.report(statementTimes, database) }
        if failures.isEmpty {
            try database.finishImportJob(id: jobId, status: "succeeded", error: nil)
        } else {
            let files = job.files.filter { $0.format != ImportFileFormat.attachment.rawValue }.count
            try database.finishImportJob(
                id: jobId, status: "failed", error: "\(failures.count) of \(max(files, failures.count)) files failed. " + failures[0])
        }
    }

    /// Time per SQL statement on the writer connection (`WHOLESAIL_IMPORT_TIMINGS=sql`), as
    /// SQLite's profile callback reports it: where an import's database time goes.
    final class StatementTimes: Sendable {
        let times = Mutex<[String: (count: Int, nanoseconds: Int)]>([:])
    }

    static func profileStatements(_ database: WholesailDatabase) throws -> StatementTimes {
        let times = StatementTimes()
        try database.writeWithoutTransaction { db in
            db.trace(options: .profile) { event in
                guard case .profile(let statement, let duration) = event else { return }
                let key = String(statement.sql.prefix(110))
                times.times.withLock { $0[key, default: (0, 0)].count += 1; $0[key, default: (0, 0)].nanoseconds += Int(duration * 1e9) }
            }
        }
        return times
    }

    static func report(_ times: StatementTimes, _ database: WholesailDatabase) {
        try? database.writeWithoutTransaction { db in db.trace(options: [], nil) }
        let rows = times.times.withLock { $0 }.sorted { $0.value.nanoseconds > $1.value.nanoseconds }.prefix(25)
        var text = "statement times (writer):\n"
        for (sql, value) in rows {
            text += String(format: "  %8.3f s %9d× ", Double(value.nanoseconds) / 1e9, value.count) + sql.replacingOccurrences(of: "\n", with: " ") + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func describe(_ error: any Error, file: String) -> (code: String, message: String, line: Int?) {
        switch error {
        case let error as ExchangeError: (error.code, "\(file): \(error.message)", error.line > 0 ? error.line : nil)
        case let error as any WholesailError: (error.code, "\(file): \(error.message)", nil)
        case let error as DatabaseError where [.SQLITE_FULL, .SQLITE_IOERR].contains(error.resultCode):
            // A full (or failing) disk: what the admin must do, then the detail. Batches already
            // committed stay; the import is idempotent, so running it again completes it.
            (
                "import.disk_full",
                "\(file): the server's disk is full or failing, so the import stopped. Free disk space and run the import again (SQLite: \(String(describing: error).prefix(200))).",
                nil
            )
        default: ("import.failed", "\(file): the file could not be imported (\(String(describing: error).prefix(300))).", nil)
        }
    }

    /// Time spent waiting for the parser (for benchmarks).
    var waited: Duration = .zero

    func timed<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer { waited += ContinuousClock.now - start }
        return try body()
    }

    /// The non-blank rows of a workbook's first sheet. A workbook is a zip whose directory sits
    /// at its end, so it is read whole (the upload limit bounds it; the reader bounds what it
    /// unpacks).
    static func sheetRows(_ reader: BlobReader) throws -> [XLSXRow] {
        var data = Data()
        while let part = try reader.next() { data.append(part) }
        do {
            return try XLSXReader(data: data).rows().filter { row in row.cells.contains { !$0.isEmpty } }
        } catch {
            let reason = (error as? any WholesailError)?.message ?? String(describing: error)
            throw ExchangeError(.readFailed, line: 0, "The Excel file cannot be read (\(reason)); save it again as .xlsx, or as CSV (UTF-8).")
        }
    }

    /// Names whose files may be a classifier or a catalog (not offers, prices, rests, documents).
    static func mayHoldGoods(_ fileName: String) -> Bool {
        let base = (fileName.split(separator: "/").last.map(String.init) ?? fileName).lowercased()
        return !["offers", "prices", "rests", "remainders", "stock", "contragents", "contractors", "counterpart", "documents", "orders"]
            .contains { base.hasPrefix($0) }
    }

    /// Whether a CommerceML file has goods (`<Товар>`), scanning its bytes without parsing.
    func containsGoods(_ key: String) throws -> Bool {
        let reader = try BlobReader(database: database, key: key)
        var carry: [UInt8] = []
        while let part = try reader.next() {
            if ImportFiles.containsGoods(part, carry: &carry) { return true }
        }
        return false
    }

    /// Parses a file on a thread of its own while this one applies the records: on two cores the
    /// XML parsing and the database writes overlap. At most `RecordPump.capacity` chunks of
    /// records wait between them, so memory stays bounded.
    private func process(_ file: ImportJobInfo.File, format: ImportFileFormat, reader: BlobReader, importer: CatalogImporter) throws {
        let source: () throws -> CommerceML.Record?
        switch format {
        case .commerceML:
            importer.beginFile(file.fileName, keying: .erpId)
            let parser = CommerceMLReader(input: reader.input)
            source = { try parser.next() }
        case .csv:
            importer.beginFile(file.fileName, keying: .flexible)
            let table = try TableImportReader.csv(CSVReader(input: reader.input), fileName: file.fileName)
            source = { try table.next() }
        case .json:
            importer.beginFile(file.fileName, keying: .flexible)
            let json = JSONImportReader(input: reader.input)
            source = { try json.next() }
        case .xlsx:
            importer.beginFile(file.fileName, keying: .flexible)
            var rows = try Self.sheetRows(reader).makeIterator()
            let next = { () -> (line: Int, fields: [String])? in rows.next().map { ($0.number, $0.cells) } }
            guard let header = next() else { throw ExchangeError(.csvEmpty, line: 1, "The sheet has no rows.") }
            guard let layout = ImportFiles.csvLayout(fileName: file.fileName, header: header.fields) else {
                throw ExchangeError(.csvMissingColumn, line: header.line, "The header row matches none of the layouts (products, prices, stock, counterparties).")
            }
            let table = TableImportReader(layout: layout, header: try layout.match(header: header.fields, line: header.line), rows: next)
            source = { try table.next() }
        case .zip, .attachment, .unknown:
            return
        }
        let pump = RecordPump()
        let done = DispatchSemaphore(value: 0)
        let work = UncheckedBox(source)
        let limits = self.limits
        // Products are prepared (content hash, description, package files) on this thread too.
        let prepare = UncheckedBox(importer.preparer)
        let producer = Thread {
            defer { done.signal() }
            limits.lowerThreadPriority()
            var chunk: [RecordPump.Item] = []
            chunk.reserveCapacity(RecordPump.chunkSize)
            do {
                while let record = try work.value() {
                    if case .product(let product) = record {
                        chunk.append(RecordPump.Item(record: record, prepared: prepare.value(product)))
                    } else {
                        chunk.append(RecordPump.Item(record: record, prepared: nil))
                    }
                    if chunk.count == RecordPump.chunkSize {
                        guard pump.put(chunk) else { return }
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                if !chunk.isEmpty { _ = pump.put(chunk) }
                pump.finish(nil)
            } catch {
                // What was read before the break is applied, then the error ends the file.
                if !chunk.isEmpty { _ = pump.put(chunk) }
                pump.finish(error)
            }
        }
        producer.name = "wholesail-import-parser"
        producer.stackSize = 8 << 20
        producer.start()
        defer {
            pump.cancel()
            done.wait()
        }
        // What the batches are done with is freed on the parser's thread.
        importer.options.discard = { pump.discard($0) }
        defer { importer.options.discard = nil }
        var count = 0
        while let chunk = try timed({ try pump.take() }) {
            for item in chunk { try importer.consume(item.record, prepared: item.prepared) }
            count += chunk.count
            if count >= 1024 {
                count = 0
                if isCancelled() { throw Cancelled() }
            }
        }
    }
}

/// Chunks of records from the parsing thread to the applying one, at most `capacity` waiting.
final class RecordPump: @unchecked Sendable {
    static let chunkSize = 256
    static let capacity = 8

    /// A parsed record, with what the parser's thread prepared for it.
    struct Item {
        var record: CommerceML.Record
        var prepared: CatalogImporter.PreparedProduct?
    }

    private let condition = NSCondition()
    private var chunks: [[Item]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    /// What the consumer is done with, freed by the producer's thread at its next `put`.
    private var discarded: [AnyObject] = []

    /// Waits for room; false when the consumer gave up. Frees what the consumer discarded.
    func put(_ chunk: [Item]) -> Bool {
        var garbage: [AnyObject] = []
        defer { garbage.removeAll() }  // after the unlock below
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.capacity && !cancelled { condition.wait() }
        swap(&garbage, &discarded)
        guard !cancelled else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    func discard(_ object: AnyObject) {
        condition.lock()
        discarded.append(object)
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk; nil at the end; the parser's error when it failed.
    func take() throws -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        if !chunks.isEmpty {
            let chunk = chunks.removeFirst()
            condition.broadcast()
            return chunk
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Hands a value to another thread that alone uses it from then on.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension CatalogImporter {
    func fileFailed(code: String, message: String, line: Int?, file: String) throws {
        beginFile(file, keying: .erpId)
        try fileFailed(code: code, message: message, line: line)
    }

    func warn(code: String, message: String, file: String) {
        beginFile(file, keying: .erpId)
        warn(code: code, message: message)
    }
}
