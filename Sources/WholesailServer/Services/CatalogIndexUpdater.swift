import Logging
import ServiceLifecycle
import WholesailStore

/// Keeps the catalog index current: built once the server is up (listings use plain SQL until
/// then), rebuilt after commits that touch the catalog, and only the stock sets after orders and
/// stock changes. While an import writes its batches the previous index keeps answering (the
/// listing may be behind the import by up to `maximumDeferral`), so a large upload costs a few
/// rebuilds, not one per batch; outside imports a listing never answers from a stale index.
struct CatalogIndexUpdater: Service {
    let database: WholesailDatabase
    let imports: ImportCoordinator
    let logger: Logger
    var minimumInterval: Duration = .milliseconds(250)
    var maximumDeferral: Duration = .seconds(60)

    func run() async throws {
        let changes = database.trackCatalogIndexChanges()
        await rebuild()
        for await _ in changes.cancelOnGracefulShutdown() {
            let changedAt = ContinuousClock.now
            if imports.isImporting {
                database.catalogIndex.setAcceptStale(true)
                while imports.isImporting && ContinuousClock.now - changedAt < maximumDeferral && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            await rebuild()
            if !imports.isImporting { database.catalogIndex.setAcceptStale(false) }
            try? await Task.sleep(for: minimumInterval)
        }
    }

    func rebuild() async {
        let behind = database.catalogIndex.isBehind
        let start = ContinuousClock.now
        do {
            let database = self.database
            if behind.catalog {
                let index = try await BackgroundThread.run("wholesail-catalog-index") { try database.rebuildCatalogIndexSync() }
                logger.info(
                    "catalog index built",
                    metadata: ["products": "\(index.productCount)", "ms": "\((ContinuousClock.now - start).milliseconds)"])
            } else if behind.stock {
                try await BackgroundThread.run("wholesail-catalog-stock") { try database.rebuildCatalogStockSync() }
                logger.debug("catalog stock sets rebuilt", metadata: ["ms": "\((ContinuousClock.now - start).milliseconds)"])
            }
        } catch {
            logger.error("catalog index rebuild failed: \(error)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
