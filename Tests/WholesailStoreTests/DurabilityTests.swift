import Foundation
import GRDB
import Testing
import WholesailStore
import WholesailTestSupport

@Suite struct DurabilityTests {
    /// The connection that commits is the pool's writer: GRDB sets it to NORMAL when it turns WAL
    /// on, after our own setup ran, so this is checked on the writer itself, not on a reader.
    @Test("a database file is opened in WAL mode, and its writer syncs every commit (synchronous = FULL)")
    func writerSyncsCommits() throws {
        let (database, directory) = try TestDatabase.temporaryFile()
        let (mode, level) = try database.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(level == 2)
        // Opening the same file again (a restart) gives the same.
        let again = try WholesailDatabase.open(at: directory.path("wholesail.sqlite"))
        #expect(try again.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }
}
