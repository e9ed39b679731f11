import Foundation
import GRDB
import WholesailStore

/// Databases for tests: each test makes its own, so tests are isolated and parallel-safe.
public enum TestDatabase {
    /// A migrated in-memory database (a `DatabaseQueue`).
    public static func inMemory() throws -> WholesailDatabase {
        try WholesailDatabase.inMemory()
    }

    /// A migrated file database (a `DatabasePool` in WAL mode) in a fresh temporary folder, for
    /// tests of WAL, concurrent readers, backups and reopening.
    public static func temporaryFile() throws -> (database: WholesailDatabase, directory: TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let database = try WholesailDatabase.open(at: directory.path("wholesail.sqlite"))
        return (database, directory)
    }
}

/// A folder under the system temporary directory, removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The repository's root folder, for tests that compare generated files with committed ones.
public enum Repository {
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
