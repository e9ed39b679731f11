import Foundation
import GRDB

extension WholesailDatabase {
    /// Copies the whole database (data, files, sessions, jobs) into a new file at `destination`,
    /// online: SQLite's backup API reads one consistent snapshot while writers go on (WAL).
    /// The copy is written beside the destination and renamed into place only once it passes
    /// `integrity_check`, so a failed backup never leaves a half file under the final name.
    ///
    /// Throws `BackupError.destinationExists` rather than overwrite a file.
    public func backup(to destination: String) throws {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination) { throw BackupError.destinationExists(destination) }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard fileManager.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw BackupError.cannotWrite(destination, "the folder \(folder) does not exist")
        }
        let partial = destination + ".partial"
        try? fileManager.removeItem(atPath: partial)
        do {
            let target = try DatabaseQueue(path: partial)
            try writer.backup(to: target, pagesPerStep: 1024)
            let check = try target.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            try target.close()
            guard check == "ok" else { throw BackupError.corrupt(partial, check ?? "no answer") }
            // On disk before it gets its name, and the name on disk before we say it is done.
            try Self.sync(path: partial)
            try fileManager.moveItem(atPath: partial, toPath: destination)
            try Self.sync(path: folder)
        } catch let error as DatabaseError {
            try? fileManager.removeItem(atPath: partial)
            throw BackupError.cannotWrite(destination, error.message ?? "\(error.resultCode)")
        } catch {
            try? fileManager.removeItem(atPath: partial)
            throw error
        }
    }

    /// fsync(2) of a file or a folder (a folder's sync makes a rename durable).
    static func sync(path: String) throws {
        #if canImport(Glibc)
        let descriptor = Glibc.open(path, O_RDONLY)
        #else
        let descriptor = Darwin.open(path, O_RDONLY)
        #endif
        guard descriptor >= 0 else { throw BackupError.cannotWrite(path, "cannot open to sync (errno \(errno))") }
        defer { _ = Foundation.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw BackupError.cannotWrite(path, "fsync failed (errno \(errno))") }
    }

    /// Checks that `path` is a Wholesail database this binary can run: SQLite's
    /// `integrity_check` passes and it holds no migration newer than this binary knows.
    /// Returns the migrations it has applied.
    public static func verifyRestorable(_ path: String) throws -> [String] {
        guard FileManager.default.isReadableFile(atPath: path) else { throw BackupError.unreadable(path) }
        do {
            var config = Configuration()
            config.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let check = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard check == ["ok"] else { throw BackupError.corrupt(path, check.prefix(3).joined(separator: "; ")) }
                guard try db.tableExists("grdb_migrations") else {
                    throw BackupError.notWholesail(path)
                }
                let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                let known = Set(migrationNames)
                if let unknown = applied.first(where: { !known.contains($0) }) {
                    throw BackupError.tooNew(path, unknown)
                }
                guard applied.contains(migrationNames.first ?? "") else { throw BackupError.notWholesail(path) }
                return applied
            }
        } catch let error as DatabaseError {
            throw BackupError.corrupt(path, error.message ?? "\(error.resultCode)")
        }
    }

    /// Replaces the database at `target` with the backup at `source` (server stopped): checks the
    /// backup first, keeps the replaced file (and its WAL) aside as `<target>.replaced-<stamp>`,
    /// copies the backup in and migrates it forward. Returns where the old database went, if any.
    @discardableResult
    public static func restore(from source: String, to target: String, now: Date = Date()) throws -> String? {
        _ = try verifyRestorable(source)
        let fileManager = FileManager.default
        let stamp = Self.fileStamp(now)
        var keptAside: String?
        let incoming = target + ".restoring"
        try? fileManager.removeItem(atPath: incoming)
        do {
            try fileManager.copyItem(atPath: source, toPath: incoming)
        } catch {
            throw BackupError.cannotWrite(target, "cannot copy \(source): \(error.localizedDescription)")
        }
        if fileManager.fileExists(atPath: target) {
            // Fold the WAL into the main file so the kept copy is complete on its own.
            if let queue = try? DatabaseQueue(path: target) {
                _ = try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                try? queue.close()
            }
            let aside = "\(target).replaced-\(stamp)"
            try fileManager.moveItem(atPath: target, toPath: aside)
            for suffix in ["-wal", "-shm"] where fileManager.fileExists(atPath: target + suffix) {
                try? fileManager.moveItem(atPath: target + suffix, toPath: aside + suffix)
            }
            keptAside = aside
        }
        try fileManager.moveItem(atPath: incoming, toPath: target)
        _ = try WholesailDatabase.open(at: target)
        return keptAside
    }

    static func fileStamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}

public enum BackupError: Error, Equatable, CustomStringConvertible {
    case destinationExists(String)
    case cannotWrite(String, String)
    case unreadable(String)
    case corrupt(String, String)
    case notWholesail(String)
    case tooNew(String, String)

    public var description: String {
        switch self {
        case .destinationExists(let path): "\(path) already exists; choose a new file name"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .unreadable(let path): "cannot read \(path)"
        case .corrupt(let path, let reason): "\(path) fails the integrity check: \(reason)"
        case .notWholesail(let path): "\(path) is not a Wholesail database"
        case .tooNew(let path, let migration):
            "\(path) comes from a newer Wholesail (migration \(migration) is unknown to this binary)"
        }
    }
}

extension WholesailDatabase {
    /// `yyyyMMdd-HHmmss` in UTC, for backup file names.
    public static func fileStampNow() -> String { fileStamp(Date()) }
}
