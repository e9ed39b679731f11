import Foundation
import GRDB
import WholesailCore

/// Applies the records of an import (CommerceML, or CSV / JSON read as CommerceML records) to
/// the catalog, prices, stock, counterparties and orders: in bounded batches, each one short
/// write transaction holding whole entities (a product with its categories, properties and
/// images; an offer with all its prices and stock), so the portal stays responsive and a file
/// that breaks off leaves only complete entities behind.
///
/// Idempotent: entities are matched by ERP id (CSV and JSON: ERP id, else SKU); a product whose
/// record hashes the same as the last imported one is skipped; prices and stock are compared and
/// written only when they differ. Nothing is ever deleted: deletion marks and products missing
/// from a full upload (`СодержитТолькоИзменения="false"`) become inactive.
///
/// Synchronous by design: an import runs on its own thread (the server's `ImportRunner`, the
/// CLI), parsing between batches, and never occupies the async executor. One instance per job
/// run; not thread-safe.
public final class CatalogImporter {
    /// How offers, price types and warehouses in a file refer to things.
    public enum Keying: Sendable {
        /// CommerceML: exact ERP ids.
        case erpId
        /// CSV and JSON: an ERP id, else a SKU (products) or a name (price types, warehouses).
        case flexible
    }

    /// A file of the package a product refers to (`import_files/…`), already in the blob store.
    public struct Attachment: Sendable {
        public var sha256: String
        public var fileName: String
        public var kind: ContentSniffer.Kind

        public init(sha256: String, fileName: String, kind: ContentSniffer.Kind) {
            self.sha256 = sha256
            self.fileName = fileName
            self.kind = kind
        }
    }

    public struct Options {
        /// Weight of records per transaction at most (a product counts 1 plus its property values / 8).
        public var batchSize = 2_000
        /// How long one write transaction should hold the database's single writer: batches
        /// shrink (to 50 at the least) when a commit took longer and grow back (to `batchSize`)
        /// when it took less than half, so an order placed during a large import waits for one
        /// short transaction, not a 2,000-record one. Nil: always `batchSize`.
        public var transactionTarget: Duration? = .milliseconds(25)
        /// The target while other writes (carts, orders, sign-ins) come between the batches —
        /// seen within the last `interactiveWindow`: each of them waits for at most one batch.
        public var interactiveTransactionTarget: Duration = .milliseconds(10)
        public var interactiveWindow: Duration = .seconds(2)
        /// Row issues stored per job; more are counted, not stored.
        public var maxIssues = 10_000
        /// Finds a package file by its relative path.
        public var attachments: (String) -> Attachment? = { _ in nil }
        /// False when the job has no package files (nothing to look up).
        public var hasAttachments = false
        /// Bytes of the input consumed so far (progress).
        public var bytesDone: () -> Int = { 0 }
        /// The 1C exchange session the job imports for: the products it mentions are kept for
        /// that session's `mode=deactivate`.
        public var exchangeSessionId: Int64?
        /// Called after each committed batch.
        public var onProgress: (ImportCounts, Int) -> Void = { _, _ in }
        /// Takes the records of each committed batch, to be freed on another thread (the
        /// parser's): freeing a 100,000-product load's millions of strings and arrays was a
        /// tenth of the writer's time. Nil: they are freed here.
        public var discard: ((AnyObject) -> Void)?

        public init() {}
    }

    struct PendingIssue {
        var fileName: String?
        var line: Int?
        var entity: String?
        var erpId: String?
        var severity: String
        var code: String
        var message: String
    }

    let database: WholesailDatabase
    let jobId: Int64
    public var options: Options

    public internal(set) var counts = ImportCounts()
    public internal(set) var rowsDone = 0
    /// Issues seen (stored or not).
    public internal(set) var issueCount = 0
    var storedIssues = 0
    var pendingIssues: [PendingIssue] = []

    // The file being read.
    var fileName = ""
    var keying: Keying = .erpId
    var section: CommerceML.Section?
    var lastEntity: String?
    /// A catalog section of this job said it is complete (`СодержитТолькоИзменения="false"`).
    public internal(set) var fullCatalog = false
    /// The catalog was empty when the job began (a first load): every product there is at the
    /// end came from this job, so a full upload has nothing to deactivate and the products seen
    /// need not be written down — unless a 1C exchange session collects them across its jobs.
    var firstLoad = false
    var recordsSeen: Bool { !firstLoad || options.exchangeSessionId != nil }

    // Records waiting for the next batch.
    var pendingUnits: [CommerceML.UnitOfMeasure] = []
    var pendingPriceTypes: [CommerceML.PriceType] = []
    var pendingWarehouses: [CommerceML.Warehouse] = []
    var pendingGroups: [CommerceML.Group] = []
    var pendingProperties: [CommerceML.Property] = []
    /// A product record waiting for the next batch, with where it came from.
    typealias PendingProduct = (product: CommerceML.Product, file: String, keying: Keying, full: Bool, prepared: PreparedProduct?)
    /// An offer record waiting for the next batch.
    typealias PendingOffer = (offer: CommerceML.Offer, file: String, keying: Keying, full: Bool)
    var pendingProducts: [PendingProduct] = []
    var pendingOffers: [PendingOffer] = []
    var pendingCounterparties: [(counterparty: CommerceML.Counterparty, file: String)] = []
    var pendingDocuments: [(document: CommerceML.Document, file: String)] = []
    var pendingAccountingDocuments: [(document: CommerceML.AccountingDocument, file: String)] = []
    var pendingSettlements: [(entry: CommerceML.SettlementEntry, file: String)] = []
    var pendingAgreements: [(agreement: CommerceML.AgreementRecord, file: String)] = []
    var pendingCreditLines: [(line: CommerceML.CreditLineRecord, file: String)] = []
    var pendingSchedules: [(schedule: CommerceML.PaymentScheduleRecord, file: String)] = []
    var pendingWeight = 0

    // Caches: filled lazily inside transactions, dropped when one fails.
    var cache = Cache()

    struct PropertyInfo {
        var id: Int64
        var kind: String
        var searchable: Bool
        var name: String
    }

    struct Cache {
        var loaded = false
        var unitByCode: [String: Int64] = [:]
        var unitByName: [String: Int64] = [:]
        var declaredUnits: [String: CommerceML.UnitOfMeasure] = [:]
        var priceTypeByErp: [String: (id: Int64, currency: String)] = [:]
        var priceTypeByName: [String: (id: Int64, currency: String)] = [:]
        var priceTypeCurrency: [Int64: String] = [:]
        var defaultPriceType: (id: Int64, currency: String)?
        var warehouseByErp: [String: Int64] = [:]
        var warehouseByName: [String: Int64] = [:]
        var erpWarehouses: [Int64] = []
        var defaultWarehouse: Int64?
        var groupByErp: [String: (id: Int64, name: String, parent: String?, categories: [Int64])] = [:]
        var propertyByErp: [String: PropertyInfo] = [:]
        var searchableProperties: Set<Int64> = []
        var valueByErp: [Int64: [String: Int64]] = [:]
        var valueByText: [Int64: [String: Int64]] = [:]
        var valueText: [Int64: String] = [:]
        var brandByName: [String: Int64] = [:]
        var currencies: Set<String> = []
        var imageFileBySha: [String: Int64] = [:]
        var isoCodes: [String: String?] = [:]
    }

    /// Where the time of the batches went (for benchmarks).
    public struct Timings: Sendable {
        public var batches: Duration = .zero
        public var products: Duration = .zero
        public var offers: Duration = .zero
        public var commits: Duration = .zero
        /// Deactivation and category counts at the end of the job.
        public var closing: Duration = .zero
        /// Building what a first load deferred (search index, facet index).
        public var deferred: Duration = .zero
    }

    public internal(set) var timings = Timings()
    /// The batch weight limit learned from the commits so far (nil: not yet).
    private var adaptiveLimit: Int?
    /// The writer connection's count of changed rows when the last batch committed, and when
    /// another write was last seen between two batches (see `currentTarget`).
    private var changesAfterBatch: Int?
    private var lastForeignWrite: ContinuousClock.Instant?

    /// Categories whose product sets changed (for incremental counts).
    var touchedCategories = Set<Int64>()
    var catalogChanged = false
    var missingImages = 0
    var warnedOnce = Set<String>()

    public init(database: WholesailDatabase, jobId: Int64, options: Options = Options()) {
        self.database = database
        self.jobId = jobId
        self.options = options
    }

    /// Prepares the job: the set of products seen by its full uploads starts empty; the writer
    /// connection gets a larger page cache (the catalog's indexes stay in memory instead of
    /// being read again for every batch) and checkpoints less often, until `finishJob`.
    public func beginJob() throws {
        // Before the temporary table: building a deferred index resets temporary storage.
        try database.restoreDeferredImportObjects()
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS importSeen (erpId TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID")
            try db.execute(sql: "DELETE FROM temp.importSeen")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.importCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        try database.write { db in
            // A first load (an empty catalog) builds the search index and the facet index once at
            // the end instead of row by row; nobody searches an empty catalog meanwhile.
            firstLoad = try Int.fetchOne(db, sql: "SELECT count(*) FROM product") == 0
            guard firstLoad else { return }
            for name in WholesailDatabase.deferrableImportObjects {
                guard let row = try Row.fetchOne(db, sql: "SELECT type, sql FROM sqlite_schema WHERE name = ?", arguments: [name]) else { continue }
                try db.execute(
                    sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    arguments: ["import.deferred." + name, row["sql"] as String])
                try db.execute(sql: "DROP \(row["type"] as String == "trigger" ? "TRIGGER" : "INDEX") \"\(name)\"")
            }
        }
    }

    /// Page cache of the writer connection while an import runs (KiB).
    static let importCacheKiB = 64 * 1024

    /// Starts a file: how it keys its references.
    public func beginFile(_ name: String, keying: Keying) {
        fileName = name
        self.keying = keying
        section = nil
        lastEntity = nil
        missingImages = 0
    }

    /// Takes one record; writes a batch when enough have gathered. `prepared`: the product
    /// record's `preparer` result when another thread worked it out already.
    public func consume(_ record: CommerceML.Record, prepared: PreparedProduct? = nil) throws {
        switch record {
        case .header:
            return
        case .section(let value):
            section = value
            if value.kind == .catalog && value.containsOnlyChanges == false { fullCatalog = true }
            return
        case .issue(let issue):
            let severity = issue.reason == .badNumber ? "error" : "warning"
            addIssue(line: issue.line, entity: lastEntity, erpId: issue.recordID, code: issue.code, message: issue.message, severity: severity)
            return
        case .unit(let value):
            lastEntity = "unit"
            pendingUnits.append(value)
            pendingWeight += 1
        case .priceType(let value):
            lastEntity = "priceType"
            pendingPriceTypes.append(value)
            pendingWeight += 1
        case .warehouse(let value):
            lastEntity = "warehouse"
            pendingWarehouses.append(value)
            pendingWeight += 1
        case .group(let value):
            lastEntity = "group"
            pendingGroups.append(value)
            pendingWeight += 1
        case .property(let value):
            lastEntity = "property"
            pendingProperties.append(value)
            pendingWeight += 1 + value.values.count / 10
        case .product(let value):
            lastEntity = "product"
            let full = section?.kind == .catalog && section?.containsOnlyChanges == false
            pendingProducts.append((value, fileName, keying, full, prepared))
            pendingWeight += 1 + value.propertyValues.count / 8
        case .offer(let value):
            lastEntity = "offer"
            pendingOffers.append((value, fileName, keying, section?.containsOnlyChanges == false))
            pendingWeight += 1 + value.prices.count / 4
        case .counterparty(let value):
            lastEntity = "counterparty"
            pendingCounterparties.append((value, fileName))
            pendingWeight += 1
        case .document(let value):
            lastEntity = "order"
            pendingDocuments.append((value, fileName))
            pendingWeight += 1 + value.lines.count / 4
        case .accountingDocument(let value):
            lastEntity = "document"
            pendingAccountingDocuments.append((value, fileName))
            pendingWeight += 1
        case .settlement(let value):
            lastEntity = "settlement"
            pendingSettlements.append((value, fileName))
            pendingWeight += 1
        case .agreement(let value):
            lastEntity = "agreement"
            pendingAgreements.append((value, fileName))
            pendingWeight += 1
        case .creditLine(let value):
            lastEntity = "creditLine"
            pendingCreditLines.append((value, fileName))
            pendingWeight += 1
        case .paymentSchedule(let value):
            lastEntity = "paymentSchedule"
            pendingSchedules.append((value, fileName))
            pendingWeight += 1 + value.payments.count / 8
        }
        rowsDone += 1
        if pendingWeight >= batchLimit { try flush() }
    }

    /// Writes what is pending (the end of a file).
    public func endFile() throws {
        try flush()
        if missingImages > 0 {
            addIssue(
                line: nil, entity: "product", erpId: nil, code: "import.missing_images",
                message: "\(missingImages) image or file references point to files that are not in the package; the products were imported without them.",
                severity: "warning")
            missingImages = 0
        }
        if !pendingIssues.isEmpty { try database.write { db in try storeIssues(db) } }
    }

    /// Drops what is pending (a file that failed): the last batch is never half-written.
    public func abortFile() {
        pendingUnits = []
        pendingPriceTypes = []
        pendingWarehouses = []
        pendingGroups = []
        pendingProperties = []
        pendingProducts = []
        pendingOffers = []
        pendingCounterparties = []
        pendingDocuments = []
        pendingAccountingDocuments = []
        pendingSettlements = []
        pendingAgreements = []
        pendingCreditLines = []
        pendingSchedules = []
        pendingWeight = 0
    }

    /// Records a problem with a whole file (it could not be read).
    public func fileFailed(code: String, message: String, line: Int?) throws {
        addIssue(line: line, entity: nil, erpId: nil, code: code, message: message, severity: "error")
        try database.write { db in try storeIssues(db) }
    }

    /// Records a warning not tied to a record.
    public func warn(code: String, message: String) {
        addIssue(line: nil, entity: nil, erpId: nil, code: code, message: message, severity: "warning")
    }

    // MARK: Batches

    func flush() throws {
        // Batches of catalog records only (products, offers, their classifier) may skip the
        // foreign-key lookups (below).
        let catalogOnly = pendingCounterparties.isEmpty && pendingDocuments.isEmpty && pendingAccountingDocuments.isEmpty
            && pendingSettlements.isEmpty && pendingAgreements.isEmpty && pendingCreditLines.isEmpty && pendingSchedules.isEmpty
        let empty = catalogOnly && pendingUnits.isEmpty && pendingPriceTypes.isEmpty && pendingWarehouses.isEmpty && pendingGroups.isEmpty
            && pendingProperties.isEmpty && pendingProducts.isEmpty && pendingOffers.isEmpty
        guard !empty else { return }
        let savedCounts = counts
        let savedTouched = touchedCategories
        let savedChanged = catalogChanged
        let savedIssues = pendingIssues
        let savedMissing = missingImages
        do {
            let begin = ContinuousClock.now
            var applied = begin
            // The import's commits skip the fsync (`synchronous = NORMAL`; orders keep FULL): WAL
            // stays consistent, and a power cut can only lose the last batches of a job that
            // resumes from its stored upload, whose progress commits in the same transactions.
            // Cheap commits are what let the batches stay short (`transactionTarget`).
            try database.writeWithoutTransaction { db in
                try WholesailDatabase.withoutSync(db) {
                    // A batch of catalog records only (products, offers, their classifier) skips the
                    // foreign-key lookups: it refers only to rows it resolved or created itself, and it
                    // deletes only rows nothing refers to (a product's categories, properties, units,
                    // images), so no cascade is missed. That is three index lookups less per property
                    // value (3 million in a 100,000-product load). Tests run `foreign_key_check` after
                    // every import. Anything else (documents, counterparties, credit) keeps the checks.
                    if catalogOnly { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                    defer { if catalogOnly { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
                    // Rows changed since our last commit were changed by someone else: people are
                    // writing, so the batches get shorter for a while.
                    if let changesAfterBatch, db.totalChangesCount != changesAfterBatch { lastForeignWrite = .now }
                    try db.inTransaction(.immediate) {
                        try applyBatch(db, applied: &applied)
                        return .commit
                    }
                    changesAfterBatch = db.totalChangesCount
                }
            }
            let took = ContinuousClock.now - begin
            timings.commits += ContinuousClock.now - applied
            timings.batches += took
            adaptBatch(took: took, weight: pendingWeight)
            options.discard?(AppliedRecords(products: pendingProducts, offers: pendingOffers))
        } catch {
            // The transaction rolled back: ids cached during it may not exist.
            cache = Cache()
            counts = savedCounts
            touchedCategories = savedTouched
            catalogChanged = savedChanged
            pendingIssues = savedIssues
            missingImages = savedMissing
            abortFile()
            throw error
        }
        abortFile()
        options.onProgress(counts, rowsDone)
    }

    private func applyBatch(_ db: Database, applied: inout ContinuousClock.Instant) throws {
        try loadCache(db)
        try applyUnits(db)
        try applyPriceTypes(db)
        try applyWarehouses(db)
        try applyGroups(db)
        try applyProperties(db)
        let products = ContinuousClock.now
        try applyProducts(db)
        let offers = ContinuousClock.now
        timings.products += offers - products
        try applyOffers(db)
        timings.offers += ContinuousClock.now - offers
        try applyCounterparties(db)
        try applyAgreements(db)
        try applyDocuments(db)
        try applyAccountingDocuments(db)
        try applySettlements(db)
        try applyCreditLines(db)
        try applyPaymentSchedules(db)
        try storeIssues(db)
        try db.execute(
            sql: "UPDATE importJob SET rowsDone = ?, bytesDone = ?, counts = ? WHERE id = ?",
            arguments: [rowsDone, options.bytesDone(), countsJSON(), jobId])
        applied = ContinuousClock.now
    }

    /// The records of a committed batch, handed to `Options.discard`.
    final class AppliedRecords {
        let products: [PendingProduct]
        let offers: [PendingOffer]

        init(products: [PendingProduct], offers: [PendingOffer]) {
            self.products = products
            self.offers = offers
        }
    }

    /// The current batch weight limit (see `Options.transactionTarget`).
    var batchLimit: Int {
        guard options.transactionTarget != nil else { return options.batchSize }
        return min(adaptiveLimit ?? 250, options.batchSize)
    }

    /// How long a batch should hold the writer now: `transactionTarget`, or the interactive
    /// target while other writes are coming in.
    var currentTarget: Duration? {
        guard let target = options.transactionTarget else { return nil }
        guard let lastForeignWrite, ContinuousClock.now - lastForeignWrite < options.interactiveWindow else { return target }
        return min(target, options.interactiveTransactionTarget)
    }

    private func adaptBatch(took: Duration, weight: Int) {
        guard let target = currentTarget, weight >= batchLimit else { return }  // a file's short last batch says nothing
        let limit = batchLimit
        if took > target {
            adaptiveLimit = max(50, limit / 2)
        } else if took * 2 < target {
            adaptiveLimit = min(options.batchSize, limit * 2)
        }
    }

    func countsJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(counts), as: UTF8.self)) ?? "{}"
    }

    func addIssue(line: Int?, entity: String?, erpId: String?, code: String, message: String, severity: String = "error", file: String? = nil) {
        issueCount += 1
        guard storedIssues + pendingIssues.count < options.maxIssues else { return }
        pendingIssues.append(
            PendingIssue(
                fileName: file ?? (fileName.isEmpty ? nil : fileName), line: line, entity: entity, erpId: erpId.map { $0.clipped(200) },
                severity: severity, code: code, message: message.clipped(2000)))
    }

    /// A warning given once per key in a job (an unknown group, property, price type).
    func warnOnce(_ key: String, entity: String, erpId: String?, code: String, message: String, line: Int?) {
        guard warnedOnce.insert(key).inserted else { return }
        addIssue(line: line, entity: entity, erpId: erpId, code: code, message: message, severity: "warning")
    }

    func storeIssues(_ db: Database) throws {
        guard !pendingIssues.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO importIssue (importJobId, fileName, line, entity, erpId, severity, code, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for issue in pendingIssues {
            try statement.execute(arguments: [jobId, issue.fileName, issue.line, issue.entity, issue.erpId, issue.severity, issue.code, issue.message])
        }
        storedIssues += pendingIssues.count
        pendingIssues = []
    }

    // MARK: Caches

    func loadCache(_ db: Database) throws {
        guard !cache.loaded else { return }
        var fresh = Cache()
        fresh.loaded = true
        for row in try Row.fetchAll(db, sql: "SELECT id, code, name FROM unit") {
            fresh.unitByCode[row["code"]] = row["id"]
            let name: String = row["name"]
            if fresh.unitByName[name.lowercased()] == nil { fresh.unitByName[name.lowercased()] = row["id"] }
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, erpId, name, currency, isDefault FROM priceType ORDER BY sortOrder, id") {
            let entry = (id: row["id"] as Int64, currency: row["currency"] as String)
            if let erpId = row["erpId"] as String? { fresh.priceTypeByErp[erpId] = entry }
            let name: String = row["name"]
            if fresh.priceTypeByName[name.lowercased()] == nil { fresh.priceTypeByName[name.lowercased()] = entry }
            fresh.priceTypeCurrency[entry.id] = entry.currency
            if row["isDefault"] as Bool || fresh.defaultPriceType == nil {
                if fresh.defaultPriceType == nil || row["isDefault"] as Bool { fresh.defaultPriceType = entry }
            }
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, erpId, name, active FROM warehouse ORDER BY id") {
            let id: Int64 = row["id"]
            if let erpId = row["erpId"] as String? {
                fresh.warehouseByErp[erpId] = id
                fresh.erpWarehouses.append(id)
            }
            let name: String = row["name"]
            if fresh.warehouseByName[name.lowercased()] == nil { fresh.warehouseByName[name.lowercased()] = id }
            if fresh.defaultWarehouse == nil, row["active"] as Bool { fresh.defaultWarehouse = id }
        }
        for row in try Row.fetchAll(
            db,
            sql: "SELECT g.id, g.erpId, g.name, g.parentErpId, (SELECT group_concat(categoryId) FROM erpGroupCategory WHERE erpGroupId = g.id) AS categories FROM erpGroup g"
        ) {
            let categories = ((row["categories"] as String?) ?? "").split(separator: ",").compactMap { Int64($0) }.sorted()
            fresh.groupByErp[row["erpId"]] = (row["id"], row["name"], row["parentErpId"], categories)
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, erpId, name, kind, searchable FROM property") {
            let info = PropertyInfo(id: row["id"], kind: row["kind"], searchable: row["searchable"], name: row["name"])
            if let erpId = row["erpId"] as String? { fresh.propertyByErp[erpId] = info }
            if info.searchable { fresh.searchableProperties.insert(info.id) }
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM brand") {
            fresh.brandByName[(row["name"] as String).lowercased()] = row["id"]
        }
        fresh.currencies = Set(try String.fetchAll(db, sql: "SELECT code FROM currency"))
        fresh.declaredUnits = cache.declaredUnits
        cache = fresh
    }

    /// The values of a property, loaded on first use.
    func loadValues(_ db: Database, property: Int64) throws {
        guard cache.valueByText[property] == nil else { return }
        var byErp: [String: Int64] = [:]
        var byText: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, erpId, value FROM propertyValue WHERE propertyId = ?", arguments: [property]) {
            let id: Int64 = row["id"]
            if let erpId = row["erpId"] as String? { byErp[erpId] = id }
            let value: String = row["value"]
            byText[value] = id
            cache.valueText[id] = value
        }
        cache.valueByErp[property] = byErp
        cache.valueByText[property] = byText
    }

    // MARK: Units

    static let okei: [String: (name: String, fullName: String)] = [
        "796": ("шт", "Штука"), "778": ("упак", "Упаковка"), "715": ("пар", "Пара"), "055": ("м²", "Квадратный метр"),
        "006": ("м", "Метр"), "166": ("кг", "Килограмм"), "163": ("г", "Грамм"), "112": ("л", "Литр"), "113": ("м³", "Кубический метр"),
        "168": ("т", "Тонна"), "704": ("набор", "Набор"), "839": ("компл", "Комплект"), "736": ("рул", "Рулон"), "625": ("лист", "Лист"),
        "657": ("изд", "Изделие"), "018": ("пог. м", "Погонный метр"), "111": ("мл", "Миллилитр"), "356": ("ч", "Час"),
    ]
    static let internationalCodes: [String: String] = [
        "PCE": "796", "NMP": "778", "PR": "715", "MTK": "055", "MTR": "006", "KGM": "166", "GRM": "163", "LTR": "112",
        "MTQ": "113", "TNE": "168", "SET": "839", "H87": "796", "NAR": "796",
    ]

    func applyUnits(_ db: Database) throws {
        for unit in pendingUnits {
            let code = unit.id.importTrimmed
            cache.declaredUnits[code] = unit
            if let own = unit.code?.importTrimmed, !own.isEmpty { cache.declaredUnits[own] = unit }
            if cache.unitByCode[code] != nil {
                counts.add("unit", .unchanged)
                continue
            }
            _ = try unitId(db, code: code, name: unit.shortName, fullName: unit.fullName)
        }
    }

    /// The unit a record names: by code (OKEI, trimmed), by international code, by short name;
    /// created when unknown. No unit at all is the piece (796 шт).
    func resolveUnit(_ db: Database, _ unit: CommerceML.Unit?) throws -> Int64 {
        if let code = unit?.code?.importTrimmed, !code.isEmpty {
            if TableImportReader.isUnitCode(code) || unit?.name == nil {
                return try unitId(db, code: code, name: unit?.name, fullName: unit?.fullName)
            }
        }
        if let name = unit?.name?.importTrimmed, !name.isEmpty {
            return try unitByText(db, name, fullName: unit?.fullName)
        }
        if let international = unit?.internationalAbbreviation, let code = Self.internationalCodes[international.uppercased()] {
            return try unitId(db, code: code, name: nil, fullName: nil)
        }
        return try unitId(db, code: "796", name: nil, fullName: nil)
    }

    /// A unit written as text in a price or a CSV cell: a code, an international code or a name.
    func unitByText(_ db: Database, _ text: String, fullName: String? = nil) throws -> Int64 {
        let trimmed = text.importTrimmed
        if TableImportReader.isUnitCode(trimmed) { return try unitId(db, code: trimmed, name: nil, fullName: fullName) }
        if let id = cache.unitByName[trimmed.lowercased()] { return id }
        if let code = Self.internationalCodes[trimmed.uppercased()] { return try unitId(db, code: code, name: nil, fullName: nil) }
        if let id = cache.unitByCode[trimmed] { return id }
        return try unitId(db, code: trimmed, name: trimmed, fullName: fullName)
    }

    func unitId(_ db: Database, code: String, name: String?, fullName: String?) throws -> Int64 {
        if let id = cache.unitByCode[code] { return id }
        let declared = cache.declaredUnits[code]
        let known = Self.okei[code]
        let shortName = (name ?? declared?.shortName ?? known?.name ?? code).importTrimmed
        let full = (fullName ?? declared?.fullName ?? known?.fullName ?? shortName).importTrimmed
        try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING", arguments: [code, shortName, full])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM unit WHERE code = ?", arguments: [code])!
        counts.add("unit", .created)
        cache.unitByCode[code] = id
        if cache.unitByName[shortName.lowercased()] == nil { cache.unitByName[shortName.lowercased()] = id }
        return id
    }

    // MARK: Currencies, price types, warehouses

    /// `CurrencyNames.isoCode`, remembered (every price of an offers file names its currency).
    func isoCode(_ raw: String) -> String? {
        if let known = cache.isoCodes[raw] { return known }
        let code = CurrencyNames.isoCode(raw)
        cache.isoCodes[raw] = code
        return code
    }

    /// An ISO code for a currency as written; unknown codes are added to the currency table.
    func currency(_ db: Database, _ raw: String?, fallback: String = "RUB", line: Int? = nil) throws -> String {
        guard let raw, !raw.importTrimmed.isEmpty else { return fallback }
        guard let code = CurrencyNames.isoCode(raw) else {
            warnOnce("currency:\(raw)", entity: "priceType", erpId: nil, code: "import.unknown_currency",
                     message: "The currency \"\(raw)\" is not known; \(fallback) is assumed.", line: line)
            return fallback
        }
        if !cache.currencies.contains(code) {
            let names = ["UAH": ("Украинская гривна", "₴")]
            let name = names[code] ?? (code, code)
            try db.execute(
                sql: "INSERT INTO currency (code, name, symbol, minorDigits) VALUES (?, ?, ?, 2) ON CONFLICT (code) DO NOTHING",
                arguments: [code, name.0, name.1])
            cache.currencies.insert(code)
        }
        return code
    }

    func applyPriceTypes(_ db: Database) throws {
        for type in pendingPriceTypes {
            let currency = try currency(db, type.currency, line: type.line)
            let includesVat = type.taxIncluded ?? true
            if let existing = try Row.fetchOne(db, sql: "SELECT id, name, currency, includesVat FROM priceType WHERE erpId = ?", arguments: [type.id]) {
                let id: Int64 = existing["id"]
                if existing["name"] as String != type.name || existing["currency"] as String != currency || existing["includesVat"] as Bool != includesVat {
                    try db.execute(
                        sql: "UPDATE priceType SET name = ?, currency = ?, includesVat = ? WHERE id = ?",
                        arguments: [type.name, currency, includesVat, id])
                    counts.add("priceType", .updated)
                } else {
                    counts.add("priceType", .unchanged)
                }
                cache.priceTypeByErp[type.id] = (id, currency)
                cache.priceTypeCurrency[id] = currency
            } else {
                _ = try createPriceType(db, erpId: type.id, name: type.name, currency: currency, includesVat: includesVat)
            }
        }
    }

    func createPriceType(_ db: Database, erpId: String?, name: String, currency: String, includesVat: Bool) throws -> (id: Int64, currency: String) {
        let hasDefault = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM priceType WHERE isDefault = 1)") ?? false
        let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM priceType") ?? 0) + 1
        try db.execute(
            sql: "INSERT INTO priceType (erpId, name, currency, includesVat, isDefault, sortOrder) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [erpId, name.clipped(255), currency, includesVat, !hasDefault, order])
        let entry = (id: db.lastInsertedRowID, currency: currency)
        if let erpId { cache.priceTypeByErp[erpId] = entry }
        if cache.priceTypeByName[name.lowercased()] == nil { cache.priceTypeByName[name.lowercased()] = entry }
        cache.priceTypeCurrency[entry.id] = currency
        if !hasDefault { cache.defaultPriceType = entry }
        counts.add("priceType", .created)
        return entry
    }

    /// The price type a price names. CommerceML: by ERP id (an unknown one is created, with a
    /// warning: its prices must not be lost). CSV/JSON: ERP id, then name; empty means the default.
    func resolvePriceType(_ db: Database, _ reference: String, currencyHint: String?, keying: Keying, line: Int) throws -> (id: Int64, currency: String) {
        if let found = cache.priceTypeByErp[reference] { return found }
        if keying == .flexible {
            if reference.isEmpty {
                if let found = cache.defaultPriceType { return found }
                return try createPriceType(db, erpId: nil, name: "Базовая", currency: try currency(db, currencyHint), includesVat: true)
            }
            if let found = cache.priceTypeByName[reference.lowercased()] { return found }
            return try createPriceType(db, erpId: reference, name: reference, currency: try currency(db, currencyHint), includesVat: true)
        }
        warnOnce(
            "priceType:\(reference)", entity: "price", erpId: reference, code: "import.unknown_price_type",
            message: "Prices refer to the price type \(reference), which the package does not declare; it was created.", line: line)
        return try createPriceType(db, erpId: reference, name: "Тип цен \(reference.prefix(8))", currency: try currency(db, currencyHint), includesVat: true)
    }

    func applyWarehouses(_ db: Database) throws {
        for warehouse in pendingWarehouses {
            let name = String((warehouse.name ?? warehouse.id).prefix(255))
            let address = warehouse.address?.presentation
            let active = !warehouse.isDeleted
            if let existing = try Row.fetchOne(db, sql: "SELECT id, name, address, active FROM warehouse WHERE erpId = ?", arguments: [warehouse.id]) {
                let id: Int64 = existing["id"]
                if existing["name"] as String != name || (address != nil && existing["address"] as String? != address) || existing["active"] as Bool != active {
                    try db.execute(
                        sql: "UPDATE warehouse SET name = ?, address = coalesce(?, address), active = ? WHERE id = ?",
                        arguments: [name, address, active, id])
                    counts.add("warehouse", warehouse.isDeleted ? .deleted : .updated)
                } else {
                    counts.add("warehouse", .unchanged)
                }
                cache.warehouseByErp[warehouse.id] = id
            } else {
                _ = try createWarehouse(db, erpId: warehouse.id, name: name, address: address, active: active)
            }
        }
    }

    func createWarehouse(_ db: Database, erpId: String?, name: String, address: String?, active: Bool = true) throws -> Int64 {
        try db.execute(sql: "INSERT INTO warehouse (erpId, name, address, active) VALUES (?, ?, ?, ?)", arguments: [erpId, name, address, active])
        let id = db.lastInsertedRowID
        if let erpId {
            cache.warehouseByErp[erpId] = id
            cache.erpWarehouses.append(id)
        }
        if cache.warehouseByName[name.lowercased()] == nil { cache.warehouseByName[name.lowercased()] = id }
        if cache.defaultWarehouse == nil, active { cache.defaultWarehouse = id }
        counts.add("warehouse", .created)
        return id
    }

    func resolveWarehouse(_ db: Database, _ reference: String, keying: Keying, line: Int) throws -> Int64 {
        if let found = cache.warehouseByErp[reference] { return found }
        if keying == .flexible {
            if let found = cache.warehouseByName[reference.lowercased()] { return found }
            return try createWarehouse(db, erpId: reference, name: reference, address: nil)
        }
        warnOnce(
            "warehouse:\(reference)", entity: "stock", erpId: reference, code: "import.unknown_warehouse",
            message: "Stock refers to the warehouse \(reference), which the package does not declare; it was created.", line: line)
        return try createWarehouse(db, erpId: reference, name: "Склад \(reference.prefix(8))", address: nil)
    }

    /// Where a total quantity without warehouses goes: the first active warehouse (created when
    /// there is none).
    func defaultWarehouse(_ db: Database) throws -> Int64 {
        if let id = cache.defaultWarehouse { return id }
        return try createWarehouse(db, erpId: nil, name: "Основной склад", address: nil)
    }

    // MARK: Groups → categories

    /// ERP groups are kept as `erpGroup` rows; a group seen for the first time gets a portal
    /// category of its own (under its parent's category) and the mapping between them, which
    /// the editor can change later (`/editor/groups`). Known groups keep their mapping.
    func applyGroups(_ db: Database) throws {
        for group in pendingGroups {
            let name = group.name.clipped(255)
            if let existing = cache.groupByErp[group.id] {
                if existing.name != name || existing.parent != group.parentID {
                    try db.execute(sql: "UPDATE erpGroup SET name = ?, parentErpId = ? WHERE id = ?", arguments: [name, group.parentID, existing.id])
                    // A category that still carries the group's old name follows the rename.
                    for category in existing.categories {
                        try db.execute(sql: "UPDATE category SET name = ? WHERE id = ? AND name = ?", arguments: [name, category, existing.name])
                    }
                    cache.groupByErp[group.id] = (existing.id, name, group.parentID, existing.categories)
                    counts.add("group", .updated)
                } else {
                    counts.add("group", .unchanged)
                }
                continue
            }
            try db.execute(sql: "INSERT INTO erpGroup (erpId, parentErpId, name) VALUES (?, ?, ?)", arguments: [group.id, group.parentID, name])
            let groupId = db.lastInsertedRowID
            let parentCategory = group.parentID.flatMap { cache.groupByErp[$0]?.categories.first }
            let parent = try parentCategory.flatMap { try Row.fetchOne(db, sql: "SELECT path, depth FROM category WHERE id = ?", arguments: [$0]) }
            let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM category WHERE parentId IS ?", arguments: [parentCategory]) ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO category (parentId, name, depth, sortOrder, active) VALUES (?, ?, ?, ?, ?)",
                arguments: [parentCategory, name, parent.map { ($0["depth"] as Int) + 1 } ?? 0, order, !group.isDeleted])
            let categoryId = db.lastInsertedRowID
            let path = (parent?["path"] as String? ?? "/") + "\(categoryId)/"
            try db.execute(sql: "UPDATE category SET path = ? WHERE id = ?", arguments: [path, categoryId])
            try db.execute(sql: "INSERT INTO erpGroupCategory (erpGroupId, categoryId) VALUES (?, ?)", arguments: [groupId, categoryId])
            cache.groupByErp[group.id] = (groupId, name, group.parentID, [categoryId])
            counts.add("group", .created)
            counts.add("category", .created)
        }
    }

    // MARK: Properties

    func applyProperties(_ db: Database) throws {
        for property in pendingProperties {
            let name = property.name.importTrimmed
            // Bitrix' service properties describe the site, not the goods.
            if name.hasPrefix("CML2_") {
                counts.add("property", .unchanged)
                continue
            }
            let kind = Self.propertyKind(property.valueType, hasValues: !property.values.isEmpty)
            let info: PropertyInfo
            if let existing = cache.propertyByErp[property.id] {
                if existing.name != name || existing.kind != kind {
                    try db.execute(sql: "UPDATE property SET name = ?, kind = ? WHERE id = ?", arguments: [name.clipped(255), kind, existing.id])
                    counts.add("property", .updated)
                } else {
                    counts.add("property", .unchanged)
                }
                info = PropertyInfo(id: existing.id, kind: kind, searchable: existing.searchable, name: name)
            } else {
                let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM property") ?? 0) + 1
                try db.execute(
                    sql: "INSERT INTO property (erpId, name, kind, filterable, searchable, showOnCard, sortOrder) VALUES (?, ?, ?, ?, 0, 1, ?)",
                    arguments: [property.id, name.clipped(255), kind, kind == "enum" || kind == "bool", order])
                info = PropertyInfo(id: db.lastInsertedRowID, kind: kind, searchable: false, name: name)
                counts.add("property", .created)
            }
            cache.propertyByErp[property.id] = info
            guard !property.values.isEmpty else { continue }
            try loadValues(db, property: info.id)
            for (index, value) in property.values.enumerated() {
                let text = value.value.importTrimmed.clipped(500)
                guard !text.isEmpty else { continue }
                _ = try valueId(db, property: info.id, erpId: value.id, text: text, order: index)
            }
        }
    }

    static func propertyKind(_ valueType: String?, hasValues: Bool) -> String {
        switch valueType?.lowercased() {
        case "справочник": "enum"
        case "число": "number"
        case "булево", "bool", "boolean": "bool"
        case nil: hasValues ? "enum" : "text"
        default: "text"
        }
    }

    /// The id of a property's value, by ERP id or by text; created when new. Two ERP ids with
    /// the same text (1C has such duplicates) share one value.
    func valueId(_ db: Database, property: Int64, erpId: String?, text: String, order: Int = 0) throws -> Int64 {
        try loadValues(db, property: property)
        if let erpId, let id = cache.valueByErp[property]?[erpId] {
            if cache.valueText[id] != text, cache.valueByText[property]?[text] == nil {
                try db.execute(sql: "UPDATE propertyValue SET value = ? WHERE id = ?", arguments: [text, id])
                if let old = cache.valueText[id] { cache.valueByText[property]?[old] = nil }
                cache.valueByText[property]?[text] = id
                cache.valueText[id] = text
            }
            return id
        }
        if let id = cache.valueByText[property]?[text] {
            if let erpId {
                if try Bool.fetchOne(db, sql: "SELECT erpId IS NULL FROM propertyValue WHERE id = ?", arguments: [id]) == true {
                    try db.execute(sql: "UPDATE propertyValue SET erpId = ? WHERE id = ?", arguments: [erpId, id])
                }
                cache.valueByErp[property]?[erpId] = id
            }
            return id
        }
        try db.execute(
            sql: "INSERT INTO propertyValue (propertyId, erpId, value, sortOrder) VALUES (?, ?, ?, ?)", arguments: [property, erpId, text, order])
        let id = db.lastInsertedRowID
        if let erpId { cache.valueByErp[property, default: [:]][erpId] = id }
        cache.valueByText[property, default: [:]][text] = id
        cache.valueText[id] = text
        return id
    }

    /// A property made from characteristics (`ХарактеристикиТовара` name/value pairs), one per name.
    func characteristicProperty(_ db: Database, name: String) throws -> PropertyInfo {
        let key = "characteristic:" + name.lowercased()
        if let found = cache.propertyByErp[key] { return found }
        let order = (try Int.fetchOne(db, sql: "SELECT max(sortOrder) FROM property") ?? 0) + 1
        try db.execute(
            sql: "INSERT INTO property (erpId, name, kind, filterable, searchable, showOnCard, sortOrder) VALUES (?, ?, 'enum', 1, 0, 1, ?)",
            arguments: [key, name.clipped(255), order])
        let info = PropertyInfo(id: db.lastInsertedRowID, kind: "enum", searchable: false, name: name)
        cache.propertyByErp[key] = info
        counts.add("property", .created)
        return info
    }

    // MARK: Brands

    func brandId(_ db: Database, _ raw: String?) throws -> Int64? {
        guard let name = raw?.importTrimmed, !name.isEmpty else { return nil }
        let trimmed = name.clipped(255)
        if let id = cache.brandByName[trimmed.lowercased()] { return id }
        try db.execute(sql: "INSERT INTO brand (name) VALUES (?) ON CONFLICT (name) DO NOTHING", arguments: [trimmed])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM brand WHERE name = ?", arguments: [trimmed])!
        cache.brandByName[trimmed.lowercased()] = id
        return id
    }
}
