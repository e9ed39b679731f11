import Foundation
import GRDB
import WholesailCore
import WholesailResources

/// The portal's one database: data, files, sessions, jobs, outbox and audit log in one SQLite file.
///
/// Production opens a `DatabasePool` (WAL: concurrent readers, one serialized writer); tests use
/// an in-memory `DatabaseQueue` with the same migrations. One write method is one use case is one
/// transaction.
public struct WholesailDatabase: Sendable {
    public let writer: any DatabaseWriter
    /// The catalog's listings in memory, once a server (or a benchmark) builds them.
    public let catalogIndex = CatalogIndexHolder()
    /// Time spent waiting for a connection, for `/metrics`.
    public let waits = DatabaseWaits()

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try WholesailDatabase.migrator.migrate(writer)
    }

    /// The reader to use for read-only work (the pool's readers, or the queue itself).
    public var reader: any DatabaseReader { writer }

    /// Opens (creating if needed) the database file at `path` and migrates it forward.
    ///
    /// Throws `StoreError.cannotOpen` with a one-line reason when the path is unusable.
    public static func open(at path: String, readOnly: Bool = false) throws -> WholesailDatabase {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.cannotOpen(path: path, reason: "the folder \(directory) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreError.cannotOpen(path: path, reason: "it is a folder, not a database file")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readOnly: readOnly))
            if !readOnly {
                // GRDB turns the writer to `synchronous = NORMAL` when it enables WAL, after
                // `prepareDatabase` ran: without this, commits were never synced to disk.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            return try WholesailDatabase(pool)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// A private in-memory database, migrated: for tests and previews.
    public static func inMemory() throws -> WholesailDatabase {
        try WholesailDatabase(DatabaseQueue(configuration: configuration(readOnly: false)))
    }

    static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        // A writer waits this long for another writer (a CLI backup, an import batch) before failing.
        config.busyMode = .timeout(5)
        config.maximumReaderCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        // GRDB 7 begins every write transaction with BEGIN IMMEDIATE on the one writer connection:
        // a transaction that read first can never fail to upgrade with SQLITE_BUSY.
        config.prepareDatabase { db in
            // FULL: in WAL mode the log is synced at every commit, so an acknowledged order
            // survives a power cut too (NORMAL only survives a crash of the process).
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;")
            // `swiftLowercaseString(x)`: Unicode lower case (SQLite's LIKE folds ASCII only), for
            // searches in Cyrillic names on staff pages.
            db.add(function: .lowercase)
        }
        return config
    }
}

/// Errors of the storage layer that reach a person (the CLI or an admin page).
public enum StoreError: WholesailError, Equatable {
    case cannotOpen(path: String, reason: String)
    case notADatabase(path: String, reason: String)
    case schemaTooNew(path: String)

    public var kind: ErrorKind {
        switch self {
        case .cannotOpen, .notADatabase, .schemaTooNew: .invalid
        }
    }

    public var code: String {
        switch self {
        case .cannotOpen: "store.cannot_open"
        case .notADatabase: "store.not_a_database"
        case .schemaTooNew: "store.schema_too_new"
        }
    }

    public var message: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open database \(path): \(reason)"
        case .notADatabase(let path, let reason): "\(path) is not a usable Wholesail database: \(reason)"
        case .schemaTooNew(let path):
            "\(path) was written by a newer Wholesail (it has migrations this binary does not know)"
        }
    }
}

extension WholesailDatabase {
    /// Opens a database for a bulk load by one process (`wholesail seed`): a single connection
    /// without a journal, exclusive, and unsynchronized, which halves the writes of a large load.
    /// Refuses (SQLITE_BUSY, as a one-line error) while a server has the file open. Call
    /// `finishBulkLoad()` to return the file to WAL mode before anyone else uses it.
    public static func openForBulkLoad(at path: String) throws -> WholesailDatabase {
        _ = try open(at: path)  // create and migrate through the normal path first
        var config = configuration(readOnly: false)
        config.busyMode = .immediateError
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.writeWithoutTransaction { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = OFF")
                guard mode?.lowercased() == "off" else {
                    throw StoreError.cannotOpen(path: path, reason: "the database is in use; stop the server before seeding")
                }
            }
            return WholesailDatabase(unmigrated: queue)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.resultCode == .SQLITE_BUSY ? "the database is in use; stop the server before seeding" : (error.message ?? "\(error.resultCode)"))
        }
    }

    /// Ends a bulk load: back to WAL, the mode every other opening expects, with fresh planner
    /// statistics for the loaded catalog.
    public func finishBulkLoad() throws {
        try writer.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: Self.plannerStatisticsSQL)
        }
    }

    /// Without statistics SQLite's planner guesses, and for a large catalog it guesses wrong: it
    /// walks every product through `product_active_name` to count a category's products or to
    /// find the ten carrying a tag (11–13 ms a page at 100,000 products, growing with the
    /// catalog) where the category's or the tag's own keys take well under a millisecond.
    /// `ANALYZE` with a sampling limit writes `sqlite_stat1` in milliseconds whatever the size.
    static let plannerStatisticsSQL = "PRAGMA analysis_limit = 1000; ANALYZE"

    /// Refreshes the planner's statistics (after a bulk load or an import changed the catalog).
    public func refreshPlannerStatistics() throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: Self.plannerStatisticsSQL) }
    }

    /// Gathers the planner's statistics once for a file that has none (older files, the demo).
    public func ensurePlannerStatistics() throws {
        let present = try writer.read { db in try db.tableExists("sqlite_stat1") }
        if !present { try refreshPlannerStatistics() }
    }

    /// The SQLite library in use (`sqlite_version()`), logged at start: versions before 3.51.3
    /// carry the WAL-reset bug that only several writing connections can hit, which is why all
    /// writes go through one connection.
    public func sqliteVersion() throws -> String {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?" }
    }

    init(unmigrated writer: any DatabaseWriter) {
        self.writer = writer
    }
}
