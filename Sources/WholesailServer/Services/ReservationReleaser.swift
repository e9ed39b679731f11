import Foundation
import Logging
import ServiceLifecycle
import WholesailStore

/// Releases reservations whose term has passed, every few minutes.
struct ReservationReleaser: Service {
    let database: WholesailDatabase
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let released = try await database.releaseExpiredReservations()
                if released > 0 { logger.info("expired reservations released", metadata: ["count": "\(released)"]) }
            } catch {
                logger.error("releasing expired reservations failed: \(error)")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
