import Foundation
import GRDB
import Synchronization

/// How long work waited for a database connection: from asking for a reader (or the writer) to
/// running on it. GRDB keeps no such figure, so `WholesailDatabase`'s `read` and `write` take the
/// time around the pool's own calls; the server passes each wait to its `/metrics` histogram.
///
/// A reader wait grows when every reader of the pool is busy; a writer wait is the time a cart
/// or an order spends behind the import's batch (or a backup) holding the one writer.
public final class DatabaseWaits: Sendable {
    public enum Connection: String, Sendable, CaseIterable {
        case reader, writer
    }

    public typealias Observer = @Sendable (Connection, Duration) -> Void

    /// The observer sits in a class: a closure kept directly in the generic `Mutex` was given
    /// one more reabstraction thunk by every `withLock` that handed it out (a chain that grew with
    /// each database call — the load benchmark caught it at 40 ms of CPU a request).
    private final class Entry: Sendable {
        let call: Observer
        init(_ call: @escaping Observer) { self.call = call }
    }

    private let entry = Mutex<Entry?>(nil)

    public init() {}

    /// Sets the one observer that receives every wait (replacing the one before).
    public func observe(_ observer: Observer?) {
        let new = observer.map(Entry.init)
        entry.withLock { $0 = new }
    }

    func record(_ connection: Connection, since start: ContinuousClock.Instant) {
        guard let entry = entry.withLock({ $0 }) else { return }
        entry.call(connection, ContinuousClock.now - start)
    }
}

extension WholesailDatabase {
    /// A read on one of the pool's readers (a snapshot of the last commit), its wait recorded.
    public func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        return try await reader.read { db in
            waits.record(.reader, since: start)
            return try value(db)
        }
    }

    /// A read on one of the pool's readers, from a thread that may block.
    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        let start = ContinuousClock.now
        return try reader.read { db in
            waits.record(.reader, since: start)
            return try value(db)
        }
    }

    /// One write transaction on the writer connection, its wait recorded.
    public func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        return try await writer.write { db in
            waits.record(.writer, since: start)
            return try updates(db)
        }
    }

    /// One write transaction on the writer connection, from a thread that may block.
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        let start = ContinuousClock.now
        return try writer.write { db in
            waits.record(.writer, since: start)
            return try updates(db)
        }
    }

    /// One write transaction that commits without an fsync (`synchronous = NORMAL` for it): for
    /// data that is not acknowledged until a later commit with one — the parts of an upload,
    /// before its manifest — which makes everything before it in the WAL durable too.
    public func writeUnsynced<T>(_ updates: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in try Self.unsynced(db, updates) }
    }

    public func writeUnsynced<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        return try await writer.writeWithoutTransaction { db in
            waits.record(.writer, since: start)
            return try Self.unsynced(db, updates)
        }
    }

    private static func unsynced<T>(_ db: Database, _ updates: (Database) throws -> T) throws -> T {
        try withoutSync(db) {
            var result: T?
            try db.inTransaction(.immediate) {
                result = try updates(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` on the writer connection (outside a transaction) with commits at
    /// `synchronous = NORMAL` — no fsync — and puts the connection's level back afterwards.
    static func withoutSync<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let level = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2
        if level > 1 { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        defer { if level > 1 { try? db.execute(sql: "PRAGMA synchronous = \(level)") } }
        return try body()
    }

    /// The writer connection outside a transaction (pragmas, an import's own transactions).
    public func writeWithoutTransaction<T>(_ updates: (Database) throws -> T) throws -> T {
        let start = ContinuousClock.now
        return try writer.writeWithoutTransaction { db in
            waits.record(.writer, since: start)
            return try updates(db)
        }
    }
}
