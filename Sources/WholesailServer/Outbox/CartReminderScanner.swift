import Foundation
import Logging
import ServiceLifecycle
import WholesailStore

/// Every `interval`, publishes `cart.abandoned` for working carts that subscribed users left
/// alone for `idle` (changed within the last week), for a mailing service's trigger mailing
/// through a webhook. Each cart state is announced once.
struct CartReminderScanner: Service {
    let database: WholesailDatabase
    var idle: TimeInterval = 24 * 3600
    var window: TimeInterval = 7 * 86400
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let now = Date()
                let published = try await database.publishAbandonedCarts(
                    idleSince: now.addingTimeInterval(-idle), notBefore: now.addingTimeInterval(-window), now: now)
                if published > 0 { logger.info("abandoned carts announced", metadata: ["count": "\(published)"]) }
            } catch {
                logger.error("announcing abandoned carts failed: \(error)")
            }
        }
    }
}
