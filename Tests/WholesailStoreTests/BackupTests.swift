import Foundation
import GRDB
import Testing
import WholesailStore
import WholesailTestSupport

@Suite struct BackupTests {
    @Test("an online backup is a complete, checked copy, taken while another connection writes")
    func onlineBackup() async throws {
        let (database, folder) = try TestDatabase.temporaryFile()
        try await database.storeBlob(Data("photo".utf8))
        // A writer keeps writing while the backup runs.
        let writer = Task {
            for index in 0..<200 {
                try await database.writer.write { db in
                    try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, 'x')", arguments: ["k\(index)"])
                }
            }
        }
        let target = folder.path("backup.sqlite")
        try database.backup(to: target)
        try await writer.value
        #expect(try WholesailDatabase.verifyRestorable(target) == WholesailDatabase.migrationNames)
        let copy = try DatabaseQueue(path: target)
        #expect(try await copy.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM blob") } == 1)
        #expect(throws: BackupError.self) { try database.backup(to: target) }
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))
    }

    @Test("restore refuses a file that is not a sound Wholesail database, and changes nothing")
    func refusesBadFiles() async throws {
        let (database, folder) = try TestDatabase.temporaryFile()
        try await database.writer.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('keep', 'me')") }
        let live = folder.path("wholesail.sqlite")

        let garbage = folder.path("garbage.sqlite")
        try Data(repeating: 0x42, count: 10_000).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: BackupError.self) { try WholesailDatabase.restore(from: garbage, to: live) }

        let foreign = folder.path("foreign.sqlite")
        try await DatabaseQueue(path: foreign).write { try $0.execute(sql: "CREATE TABLE t (x)") }
        #expect(throws: BackupError.notWholesail(foreign)) { try WholesailDatabase.restore(from: foreign, to: live) }

        let newer = folder.path("newer.sqlite")
        try database.backup(to: newer)
        try await DatabaseQueue(path: newer).write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('9999_future.sql')") }
        #expect(throws: BackupError.tooNew(newer, "9999_future.sql")) { try WholesailDatabase.restore(from: newer, to: live) }

        #expect(throws: BackupError.unreadable(folder.path("absent.sqlite"))) {
            try WholesailDatabase.restore(from: folder.path("absent.sqlite"), to: live)
        }
        let kept = try await database.reader.read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = 'keep'") }
        #expect(kept == "me")
    }

    @Test("restore puts the backup in place and keeps the replaced database aside")
    func restores() async throws {
        let folder = try TemporaryDirectory()
        let live = folder.path("live.sqlite")
        let first = try WholesailDatabase.open(at: live)
        try await first.writer.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('version', 'old')") }
        let backup = folder.path("backup.sqlite")
        try first.backup(to: backup)
        try await first.writer.write { db in try db.execute(sql: "UPDATE setting SET value = 'new' WHERE key = 'version'") }
        try (first.writer as? DatabasePool)?.close()

        let aside = try #require(try WholesailDatabase.restore(from: backup, to: live))
        #expect(FileManager.default.fileExists(atPath: aside))
        let restored = try WholesailDatabase.open(at: live)
        #expect(try await restored.reader.read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = 'version'") } == "old")
        let previous = try DatabaseQueue(path: aside)
        #expect(try await previous.read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = 'version'") } == "new")
    }
}
