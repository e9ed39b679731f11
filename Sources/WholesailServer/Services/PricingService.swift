import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import WholesailCore
import WholesailStore

/// The price matrix of the running portal: built at start, rebuilt off the request path after
/// every commit that touches prices, rules, assignments or rates, and swapped in atomically.
/// Everything that shows a price asks it.
public final class PricingService: Sendable {
    let database: WholesailDatabase
    let store: PriceMatrixStore
    /// How the ERP price hook is called (tests put a fake here); the hook's own timeout applies on top.
    private let hookSender = Mutex<any HTTPSender>(AsyncHTTPSender())

    /// Replaces the sender of the ERP price hook (tests).
    public func useHookSender(_ sender: any HTTPSender) { hookSender.withLock { $0 = sender } }

    /// Individual price detailing by the ERP (see `ERPPriceHook`).
    var erpHook: ERPPriceHook { ERPPriceHook(database: database, sender: hookSender.withLock { $0 }) }

    public init(database: WholesailDatabase) async throws {
        self.database = database
        self.store = PriceMatrixStore(PriceMatrix(try await database.pricingSnapshot()))
    }

    /// The banking day prices are computed for: today in the server's time zone.
    static func today() -> String {
        let components = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }

    /// Who is buying, for prices and regional stock: the principal's current company (a guest has
    /// the empty context: the default price type and rules without a context side).
    public func context(for principal: Principal?) async throws -> PricingContext {
        let counterparty = principal.flatMap { $0.currentCounterpartyId ?? ($0.memberOf.count == 1 ? $0.memberOf.first : nil) }
        return try await database.pricingContext(userId: principal?.userId, counterpartyId: counterparty, day: Self.today())
    }

    /// The prices a principal sees.
    public func view(for principal: Principal?) async throws -> PriceView {
        store.matrix.view(for: try await context(for: principal))
    }

    public func view(for context: PricingContext) -> PriceView { store.matrix.view(for: context) }

    public var matrix: PriceMatrix { store.matrix }

    /// Rebuilds now (after a write that must be visible to the next request at once), on a
    /// low-priority thread of its own; the buyers' contexts the old matrix served most recently
    /// are materialized before the swap, so no request pays for them.
    public func rebuild() async throws {
        let database = self.database
        let previous = store.matrix
        let matrix = try await BackgroundThread.run("wholesail-price-matrix") {
            let next = PriceMatrix(try database.pricingSnapshotSync(), reusing: previous)
            next.warm(from: previous)
            return next
        }
        store.replace(with: matrix)
    }
}

/// Keeps the matrix current: rebuilds after commits that touch the pricing tables. Changes are
/// coalesced (a rebuild covers every commit made while the previous one ran, and rebuilds are at
/// least `minimumInterval` apart); while an import writes its batches, the rebuild waits for it
/// to finish (at most `maximumDeferral`), so a large upload costs one rebuild, not thousands.
struct PricingUpdater: Service {
    let pricing: PricingService
    let imports: ImportCoordinator
    let logger: Logger
    var minimumInterval: Duration = .milliseconds(250)
    var maximumDeferral: Duration = .seconds(30)

    func run() async throws {
        for await _ in pricing.database.pricingChanges().cancelOnGracefulShutdown() {
            let changedAt = ContinuousClock.now
            while imports.isImporting && ContinuousClock.now - changedAt < maximumDeferral && !Task.isShuttingDownGracefully {
                try? await Task.sleep(for: .milliseconds(200))
            }
            let start = ContinuousClock.now
            do {
                try await pricing.rebuild()
            } catch {
                logger.error("price matrix rebuild failed: \(error)")
            }
            let elapsed = ContinuousClock.now - start
            Gauge(label: "wholesail_price_matrix_rebuild_seconds").record(
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            logger.debug(
                "price matrix rebuilt",
                metadata: ["ms": "\((ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000)"])
            try? await Task.sleep(for: minimumInterval)
        }
    }
}
