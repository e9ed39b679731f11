import Foundation
import Logging
import ServiceLifecycle
import WholesailStore

/// Prunes sent messages older than the retention period (the settings page's, else
/// `WHOLESAIL_OUTBOX_KEEP_DAYS`, default 30 days; 0 keeps them), every `interval`. Failed and
/// waiting messages stay for the admin to retry or discard. Deletes in batches so that no one
/// write holds up an order.
struct OutboxRetention: Service {
    let database: WholesailDatabase
    /// Days from the environment, used while the settings page sets none.
    let defaultDays: Int
    let interval: Duration
    let logger: Logger
    var batchSize = 1000

    func run() async throws {
        // Not at the very start: the portal has better things to do in its first minute.
        var wait: Duration = min(interval, .seconds(60))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
            wait = interval
            do {
                let pruned = try await pruneOnce(now: Date())
                if pruned > 0 { logger.info("outbox: pruned sent messages", metadata: ["count": "\(pruned)"]) }
            } catch {
                logger.error("outbox: pruning sent messages failed: \(error)")
            }
        }
    }

    /// Deletes every sent message older than the retention period; returns how many.
    func pruneOnce(now: Date) async throws -> Int {
        let days = try await database.channelSettings().retentionDays ?? defaultDays
        guard days > 0 else { return 0 }
        let cutoff = now.addingTimeInterval(-Double(days) * 86400)
        var total = 0
        while !Task.isCancelled {
            let deleted = try await database.pruneSentOutbox(sentBefore: cutoff, limit: batchSize)
            total += deleted
            if deleted < batchSize { break }
            await Task.yield()
        }
        return total
    }
}
