import Foundation

/// The folder of backups the portal makes (admin button, schedule): names, sizes, rotation.
public struct BackupFolder: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var size: Int
        public var modified: Date
    }

    /// Only names the portal itself writes: `wholesail-YYYYMMDD-HHMMSS.sqlite`.
    public static func isBackupName(_ name: String) -> Bool {
        guard name.hasPrefix("wholesail-"), name.hasSuffix(".sqlite") else { return false }
        let stamp = name.dropFirst("wholesail-".count).dropLast(".sqlite".count)
        return stamp.count == 15 && stamp.enumerated().allSatisfy { index, character in index == 8 ? character == "-" : character.isASCII && character.isNumber }
    }

    /// Backups in the folder, newest first.
    public func list() -> [Entry] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: path) else { return [] }
        return names.filter(Self.isBackupName).compactMap { name -> Entry? in
            guard let attributes = try? manager.attributesOfItem(atPath: path + "/" + name) else { return nil }
            return Entry(name: name, size: (attributes[.size] as? Int) ?? 0, modified: (attributes[.modificationDate] as? Date) ?? .distantPast)
        }.sorted { $0.name > $1.name }
    }

    /// Writes a new online backup of `database` into the folder and keeps the newest `keep`.
    @discardableResult
    public func create(from database: WholesailDatabase, keep: Int, now: Date = Date()) throws -> Entry {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let name = "wholesail-\(WholesailDatabase.fileStamp(now)).sqlite"
        try database.backup(to: path + "/" + name)
        for old in list().dropFirst(max(1, keep)) {
            try? FileManager.default.removeItem(atPath: path + "/" + old.name)
        }
        return list().first { $0.name == name } ?? Entry(name: name, size: 0, modified: now)
    }

    /// Removes `.partial` files a backup killed midway left behind (they never carry a final name).
    @discardableResult
    public func removeLeftovers() -> Int {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix("wholesail-") && name.hasSuffix(".sqlite.partial") {
            if (try? manager.removeItem(atPath: path + "/" + name)) != nil { removed += 1 }
        }
        return removed
    }

    public func fullPath(of name: String) -> String? {
        Self.isBackupName(name) && FileManager.default.fileExists(atPath: path + "/" + name) ? path + "/" + name : nil
    }
}
