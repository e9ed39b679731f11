import Foundation
import Synchronization

/// What the import side of the running portal shares: whether an import is writing right now
/// (the price matrix waits for it instead of rebuilding after every batch), a wake-up for the
/// runner when a job is queued, and the limits uploads and packages are held to.
public final class ImportCoordinator: Sendable {
    private let running = Mutex(0)
    private let pending = Atomic(false)
    public let limits: ImportLimits

    public init(limits: ImportLimits = ImportLimits()) {
        self.limits = limits
    }

    /// True while an import job is applying batches in this process.
    public var isImporting: Bool { running.withLock { $0 > 0 } }

    func begin() { running.withLock { $0 += 1 } }
    func end() { running.withLock { $0 -= 1 } }

    /// Tells the runner a job was queued.
    public func wake() { pending.store(true, ordering: .relaxed) }

    /// Returns when woken (or at once if a wake-up is pending), or after `limit`.
    func waitForWork(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if pending.exchange(false, ordering: .relaxed) { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Bounds on uploads and packages.
public struct ImportLimits: Sendable, Equatable {
    /// One uploaded file (a multipart part, a 1C file made of chunks, a CLI file).
    public var maxUploadBytes: Int
    /// All entries of one zip, unpacked.
    public var maxUnpackedBytes: Int
    /// Entries of one zip.
    public var maxZipEntries: Int
    /// Unpacked ÷ packed size above which a large zip entry is refused as a bomb.
    public var maxCompressionRatio: Int
    /// `file_limit` announced to 1C: the largest body of one `mode=file` request.
    public var exchangeChunkBytes: Int
    /// Records per write transaction at most (see `CatalogImporter.Options.batchSize`).
    public var batchSize: Int
    /// How long one import transaction should hold the writer (see
    /// `CatalogImporter.Options.transactionTarget`); nil: always `batchSize` records.
    public var transactionTarget: Duration?
    /// The nice value of the import's parser threads (and of the server's other upkeep: see
    /// `BackgroundThread`): Linux then gives requests the CPU first when both want it. The
    /// thread that writes the batches keeps the normal priority (it holds the one writer).
    /// 0 runs the parsers like request threads.
    public var threadNice: Int32

    public init(
        maxUploadBytes: Int = 2 << 30, maxUnpackedBytes: Int? = nil, maxZipEntries: Int = 20_000, maxCompressionRatio: Int = 200,
        exchangeChunkBytes: Int = 32 << 20, batchSize: Int = 2_000, transactionTarget: Duration? = .milliseconds(25), threadNice: Int32 = 10
    ) {
        self.transactionTarget = transactionTarget
        self.threadNice = threadNice
        self.maxUploadBytes = maxUploadBytes
        self.maxUnpackedBytes = maxUnpackedBytes ?? max(maxUploadBytes, 1 << 20) * 4
        self.maxZipEntries = maxZipEntries
        self.maxCompressionRatio = maxCompressionRatio
        self.exchangeChunkBytes = exchangeChunkBytes
        self.batchSize = batchSize
    }
}

extension ImportLimits {
    /// Lowers the calling thread to `threadNice`; call it only on a thread the import owns.
    func lowerThreadPriority() { WholesailServer.lowerThreadPriority(to: threadNice) }
}
