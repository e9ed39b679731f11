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
                try await database.write { db in
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
        try await database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('keep', 'me')") }
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
        let kept = try await database.read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = 'keep'") }
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

    @Test("backups taken under write load are consistent snapshots, restore, and do not stall the writer")
    func backupsUnderWriteLoad() async throws {
        let (database, folder) = try TestDatabase.temporaryFile()
        // Multi-row transactions: a header row and its lines, committed together.
        try await database.write { db in
            try db.execute(sql: "CREATE TABLE loadHeader (id INTEGER PRIMARY KEY, lines INTEGER NOT NULL)")
            try db.execute(sql: "CREATE TABLE loadLine (headerId INTEGER NOT NULL, n INTEGER NOT NULL)")
            try db.execute(sql: "CREATE INDEX loadLine_header ON loadLine(headerId)")
        }
        let stop = Stopper()
        let writer = Task.detached {
            var commits = 0
            var slowest = 0.0
            while !stop.isSet {
                let started = Date()
                try await database.write { db in
                    let lines = Int.random(in: 1...20)
                    try db.execute(sql: "INSERT INTO loadHeader (lines) VALUES (?)", arguments: [lines])
                    let id = db.lastInsertedRowID
                    for n in 1...lines { try db.execute(sql: "INSERT INTO loadLine (headerId, n) VALUES (?, ?)", arguments: [id, n]) }
                }
                slowest = max(slowest, Date().timeIntervalSince(started))
                commits += 1
            }
            return (commits, slowest)
        }
        try await Task.sleep(for: .milliseconds(200))
        var backups: [String] = []
        for index in 0..<5 {
            let path = folder.path("load-\(index).sqlite")
            try await Task.detached { try database.backup(to: path) }.value
            backups.append(path)
            try await Task.sleep(for: .milliseconds(50))
        }
        stop.set()
        let (commits, slowest) = try await writer.value
        // The writer kept going (how fast depends on the machine's load; the figure is printed).
        #expect(commits >= 5, "the writer kept committing (\(commits) commits)")
        var previous = -1
        for path in backups {
            #expect(try WholesailDatabase.verifyRestorable(path) == WholesailDatabase.migrationNames)
            let copy = try DatabaseQueue(path: path)
            let (headers, broken) = try await copy.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM loadHeader") ?? 0,
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM loadHeader h WHERE h.lines != (SELECT count(*) FROM loadLine l WHERE l.headerId = h.id)") ?? -1
                )
            }
            #expect(broken == 0, "\(path): \(broken) headers without all their lines")
            #expect(headers >= previous, "backups go forward in time")
            previous = headers
            try copy.close()
        }
        print("backup under load: \(backups.count) backups, \(commits) commits during them, slowest commit \(Int(slowest * 1000)) ms, last backup \(previous) transactions")
        // The last backup restores into place and opens as a consistent database.
        let live = folder.path("restored.sqlite")
        try WholesailDatabase.restore(from: backups.last!, to: live)
        let restored = try WholesailDatabase.open(at: live)
        #expect(try await restored.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM loadHeader") } == previous)
    }

    @Test("restore refuses a truncated backup and a foreign SQLite file; nothing changes; no .partial is left by a failed backup")
    func refusesTruncatedAndForeign() async throws {
        let (database, folder) = try TestDatabase.temporaryFile()
        try await database.storeBlob(Data(repeating: 7, count: 200_000))
        try await database.write { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('keep', 'me')") }
        let good = folder.path("good.sqlite")
        try database.backup(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let live = folder.path("live.sqlite")
        try FileManager.default.copyItem(atPath: good, toPath: live)
        let liveBytes = try Data(contentsOf: URL(fileURLWithPath: live))
        for fraction in [0.5, 0.9, 0.02] {
            let truncated = folder.path("truncated-\(fraction).sqlite")
            try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: truncated))
            #expect(throws: BackupError.self) { try WholesailDatabase.restore(from: truncated, to: live) }
        }
        // A sound SQLite database of another program, even one with a migrations table.
        let foreign = folder.path("foreign.sqlite")
        try await DatabaseQueue(path: foreign).write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY); INSERT INTO grdb_migrations VALUES ('v1')")
        }
        #expect(throws: BackupError.self) { try WholesailDatabase.restore(from: foreign, to: live) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: live)) == liveBytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).allSatisfy { !$0.hasSuffix(".partial") && !$0.contains(".replaced-") })
        // A backup into a folder that does not exist fails without leaving anything.
        #expect(throws: BackupError.self) { try database.backup(to: folder.path("absent/x.sqlite")) }
        // Leftovers of a killed backup are removed; finished backups are not.
        let backups = BackupFolder(path: folder.url.path)
        try Data("half".utf8).write(to: URL(fileURLWithPath: folder.path("wholesail-20260101-000000.sqlite.partial")))
        try backups.create(from: database, keep: 3)
        #expect(backups.removeLeftovers() == 1)
        #expect(backups.list().count == 1)
    }
}

/// A flag one task sets and another polls.
final class Stopper: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
