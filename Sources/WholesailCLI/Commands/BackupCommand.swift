import ArgumentParser
import Foundation
import WholesailStore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to DEST while the portal keeps running (a folder gets a timestamped file).")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Destination file, or an existing folder.") var destination: String

    func run() async throws {
        let source = database.resolvedPath
        guard FileManager.default.fileExists(atPath: source) else { throw CLIError("no database at \(source)") }
        var target = destination
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder), isFolder.boolValue {
            target = URL(fileURLWithPath: destination).appendingPathComponent(
                "wholesail-\(WholesailDatabase.fileStampNow()).sqlite"
            ).path
        }
        let db = try WholesailDatabase.open(at: source)
        do {
            try db.backup(to: target)
        } catch let error as BackupError {
            throw CLIError(error.description)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
        print("backup written to \(target) (\(size) bytes)")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup (stop the server first); the old file is kept aside.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The backup file to restore.") var source: String

    func run() async throws {
        do {
            let aside = try WholesailDatabase.restore(from: source, to: database.resolvedPath)
            print("restored \(source) into \(database.resolvedPath)" + (aside.map { "; previous database kept as \($0)" } ?? ""))
        } catch let error as BackupError {
            throw CLIError(error.description)
        }
    }
}
