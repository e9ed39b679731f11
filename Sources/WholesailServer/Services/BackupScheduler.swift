import Foundation
import Logging
import ServiceLifecycle
import WholesailStore

/// Takes a backup every `interval` into the backup folder and keeps the newest `keep`.
struct BackupScheduler: Service {
    let database: WholesailDatabase
    let folder: BackupFolder
    let interval: Duration
    let keep: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let database = self.database
            let folder = self.folder
            let keep = self.keep
            do {
                let entry = try await Task.detached { try folder.create(from: database, keep: keep) }.value
                logger.info("scheduled backup written", metadata: ["file": .string(entry.name), "bytes": .stringConvertible(entry.size)])
            } catch {
                logger.error("scheduled backup failed: \(error)")
            }
        }
    }
}
