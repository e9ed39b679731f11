import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WholesailStore

/// Runs queued import jobs, one at a time, each on a thread of its own (parsing and writing are
/// synchronous and long; they never occupy the async executor that serves requests). At start,
/// a job a stopped process left `running` is queued again and runs from its first file. At
/// shutdown the running job stops between batches and goes back to the queue.
public struct ImportRunner: Service {
    let database: WholesailDatabase
    let coordinator: ImportCoordinator
    let logger: Logger
    /// How often the queue is looked at without a wake-up.
    let pollInterval: Duration

    public init(database: WholesailDatabase, coordinator: ImportCoordinator, logger: Logger, pollInterval: Duration = .seconds(5)) {
        self.database = database
        self.coordinator = coordinator
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        do {
            let requeued = try database.requeueInterruptedImports()
            if requeued > 0 { logger.notice("interrupted imports queued again", metadata: ["jobs": "\(requeued)"]) }
        } catch {
            logger.error("could not requeue interrupted imports: \(error)")
        }
        let stop = StopFlag()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !stop.isSet {
                do {
                    _ = try await runQueued(stop: stop)
                } catch {
                    logger.error("import runner: \(error)")
                }
                await coordinator.waitForWork(upTo: pollInterval)
            }
        } onGracefulShutdown: {
            stop.set()
            coordinator.wake()
        }
    }

    /// Runs every queued job now; returns how many ran (tests, the CLI).
    @discardableResult
    public func runQueued(stop: StopFlag = StopFlag()) async throws -> Int {
        var count = 0
        while !stop.isSet, let jobId = try database.claimImportJob() {
            try await run(jobId: jobId, stop: stop)
            count += 1
        }
        if count > 0 {
            do {
                let deleted = try database.pruneImportUploads()
                if deleted > 0 { logger.info("old import uploads removed", metadata: ["blobs": "\(deleted)"]) }
            } catch {
                logger.error("could not remove old import uploads: \(error)")
            }
        }
        return count
    }

    func run(jobId: Int64, stop: StopFlag) async throws {
        let database = self.database
        let limits = coordinator.limits
        let logger = self.logger
        let coordinator = self.coordinator
        let start = ContinuousClock.now
        coordinator.begin()
        defer { coordinator.end() }
        // This thread applies the batches while holding the database's one writer: it keeps the
        // normal priority (nice 0), or a cart or an order waiting for the writer would wait behind
        // a batch the scheduler keeps postponing. The parser's thread is lowered.
        let finished = try await BackgroundThread.run("wholesail-import-\(jobId)", nice: 0) {
            try ImportPipeline(database: database, limits: limits, isCancelled: { stop.isSet }).run(jobId: jobId)
        }
        let job = try await database.importJob(id: jobId)
        let elapsed = ContinuousClock.now - start
        logger.info(
            finished ? "import finished" : "import interrupted; queued again",
            metadata: [
                "job": "\(jobId)", "status": "\(job?.status ?? "?")", "rows": "\(job?.rowsDone ?? 0)",
                "seconds": "\(elapsed.components.seconds)",
            ])
    }
}

/// A flag one side sets and the other polls.
public final class StopFlag: Sendable {
    private let value = Atomic(false)
    public init() {}
    public var isSet: Bool { value.load(ordering: .relaxed) }
    public func set() { value.store(true, ordering: .relaxed) }
}
