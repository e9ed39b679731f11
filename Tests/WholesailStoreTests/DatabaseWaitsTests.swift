import Foundation
import GRDB
import Synchronization
import Testing
import WholesailStore
import WholesailTestSupport

@Suite struct DatabaseWaitsTests {
    /// Every read and write reports its wait once, to the observer set last; many calls cost what
    /// one does (an observer rewrapped at each call made the n-th call walk n thunks).
    @Test("each read and write reports one wait to the current observer, at a constant cost per call")
    func observedOncePerCall() async throws {
        let database = try WholesailDatabase.inMemory()
        let seen = Mutex<[DatabaseWaits.Connection: Int]>([:])
        database.waits.observe { connection, wait in
            #expect(wait >= .zero)
            seen.withLock { $0[connection, default: 0] += 1 }
        }
        try Self.blocking(database, reads: 50_000)
        _ = try await database.read { _ in 1 }
        try await database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('b', '1')") }
        #expect(seen.withLock { $0 } == [.reader: 50_001, .writer: 3])
        // A new observer replaces the old one; none stops the reports.
        let later = Mutex(0)
        database.waits.observe { _, _ in later.withLock { $0 += 1 } }
        try Self.blocking(database, reads: 1, writes: false)
        database.waits.observe(nil)
        try Self.blocking(database, reads: 1, writes: false)
        #expect(later.withLock { $0 } == 1)
        #expect(seen.withLock { $0[.reader] } == 50_001)
    }

    /// The blocking forms (import threads, the CLI): `reads` reads, a write and a pragma.
    static func blocking(_ database: WholesailDatabase, reads: Int, writes: Bool = true) throws {
        for _ in 0..<reads { _ = try database.read { _ in 1 } }
        guard writes else { return }
        try database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('a', '1')") }
        _ = try database.writeWithoutTransaction { _ in 1 }
    }
}
