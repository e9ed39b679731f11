import Foundation
import GRDB
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import WholesailCore
import WholesailStore

/// Delivers the outbox: claims due rows (with a lease), hands each to the channel of its kind,
/// and records the outcome: `sent`, a retry with exponential backoff and jitter, or `failed`
/// (a permanent error, or the last attempt).
///
/// It wakes when a transaction touches the outbox (a GRDB region observation, so an e-mail
/// leaves within moments of its commit) and otherwise every `pollInterval`, for retries. It
/// runs beside request handling and never in it: a dead SMTP server delays mail, not checkout.
/// Delivery is at least once: a crash between the send and its record repeats the send after
/// the restart, with the same idempotency key (Message-ID, `Idempotency-Key`).
public final class OutboxDispatcher: Service, Sendable {
    let database: WholesailDatabase
    let source: any OutboxChannelSource
    let policy: RetryPolicy
    /// How long a claimed row belongs to this dispatcher: longer than a whole round of
    /// deliveries may take (`batchSize / concurrency` deadlines), so no other dispatcher takes
    /// a row this one is still going to send.
    let lease: TimeInterval
    let deliveryTimeout: Duration
    let batchSize: Int
    let concurrency: Int
    let pollInterval: Duration
    let logger: Logger
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let metrics: OutboxMetrics?
    /// One dispatcher per database file (nil for an in-memory database).
    let lock: OutboxLock?
    let wakeup = Wakeup()

    /// A dispatcher over a fixed set of channels (tests).
    public convenience init(
        database: WholesailDatabase, channels: [any OutboxChannel], policy: RetryPolicy = RetryPolicy(), lease: TimeInterval? = nil,
        deliveryTimeout: Duration = .seconds(120), batchSize: Int = 16, concurrency: Int = 4, pollInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "wholesail.outbox"), metrics: OutboxMetrics? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.init(
            database: database, source: FixedChannels(channels), policy: policy, lease: lease, deliveryTimeout: deliveryTimeout,
            batchSize: batchSize, concurrency: concurrency, pollInterval: pollInterval, logger: logger, metrics: metrics, clock: clock,
            random: random)
    }

    /// A dispatcher that asks `source` for the channels at every round (the settings page can
    /// change them while the portal runs).
    public init(
        database: WholesailDatabase, source: any OutboxChannelSource, policy: RetryPolicy = RetryPolicy(), lease: TimeInterval? = nil,
        deliveryTimeout: Duration = .seconds(120), batchSize: Int = 16, concurrency: Int = 4, pollInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "wholesail.outbox"), metrics: OutboxMetrics? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.database = database
        self.source = source
        self.policy = policy
        self.deliveryTimeout = deliveryTimeout
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
        let rounds = Double((self.batchSize + self.concurrency - 1) / self.concurrency)
        let timeout = Double(deliveryTimeout.components.seconds) + Double(deliveryTimeout.components.attoseconds) / 1e18
        self.lease = lease ?? (rounds * timeout + 60)
        self.pollInterval = pollInterval
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.random = random
        self.lock = OutboxLock(databasePath: database.writer.path)
    }

    public func run() async throws {
        // Only one dispatcher sends a database's outbox. Holding the lock also proves that
        // whoever left rows `sending` is dead (the kernel drops a dead process's lock), so those
        // rows are due at once instead of when their lease ends.
        if let lock {
            var waiting = false
            while !lock.tryAcquire() {
                if !waiting {
                    logger.warning("outbox: another process is delivering this database's outbox (\(lock.path)); standing by")
                    waiting = true
                }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
                } catch {
                    return
                }
            }
        }
        defer { lock?.release() }
        do {
            let interrupted = try await database.releaseInterruptedOutbox(now: clock())
            if interrupted > 0 {
                logger.warning("outbox: \(interrupted) message(s) were being sent when the process stopped; sending them again")
            }
        } catch {
            logger.error("outbox: cannot release interrupted messages: \(error)")
        }
        let wakeup = self.wakeup
        let observation = DatabaseRegionObservation(tracking: Table("outbox"), Table("setting"))
        let cancellable = observation.start(in: database.writer, onError: { _ in }, onChange: { _ in wakeup.fire() })
        defer { cancellable.cancel() }
        let kinds = await source.channels().map(\.kind).sorted().joined(separator: ",")
        logger.info("outbox dispatcher started", metadata: ["kinds": .string(kinds)])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let handled = await runOnce()
            if handled >= batchSize { continue }
            await wakeup.wait(timeout: pollInterval)
        }
    }

    /// One round: claims what is due now and delivers it. Returns how many messages it handled.
    @discardableResult
    public func runOnce() async -> Int {
        // The kinds with a channel now; rows of other kinds stay pending (e-mail while no SMTP
        // server is configured, a channel switched off).
        let channels = Dictionary(await source.channels().map { ($0.kind, $0) }, uniquingKeysWith: { $1 })
        let claimed: [OutboxMessage]
        do {
            claimed = try await database.claimDueOutbox(kinds: channels.keys.sorted(), now: clock(), lease: lease, limit: batchSize)
        } catch {
            logger.error("outbox: cannot claim messages: \(error)")
            return 0
        }
        guard !claimed.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                while next < claimed.count {
                    let message = claimed[next]
                    next += 1
                    guard let channel = channels[message.kind] else { continue }
                    group.addTask { await self.deliver(message, via: channel) }
                    return
                }
            }
            for _ in 0..<concurrency { start() }
            while await group.next() != nil { start() }
        }
        return claimed.count
    }

    /// Delivers one claimed message and records what happened.
    func deliver(_ message: OutboxMessage, via channel: any OutboxChannel) async {
        let outcome: Result<String?, DeliveryError> = await Self.withDeadline(deliveryTimeout) {
            try await channel.deliver(message)
        }
        do {
            switch outcome {
            case .success(let note):
                try await database.markOutboxSent(id: message.id, now: clock())
                metrics?.count(kind: message.kind, result: "sent")
                logger.info(
                    "outbox: delivered",
                    metadata: ["id": .stringConvertible(message.id), "kind": .string(message.kind), "topic": .string(message.topic),
                               "note": .string(note ?? "")])
            case .failure(let error):
                let metadata: Logger.Metadata = [
                    "id": .stringConvertible(message.id), "kind": .string(message.kind), "topic": .string(message.topic),
                    "attempt": .stringConvertible(message.attempts), "error": .string(error.message),
                ]
                if !error.permanent, let delay = policy.delay(afterAttempt: message.attempts, random: random()) {
                    try await database.markOutboxRetry(id: message.id, error: error.message, retryAt: clock().addingTimeInterval(delay))
                    metrics?.count(kind: message.kind, result: "retry")
                    logger.warning("outbox: delivery failed, will retry in \(Int(delay)) s", metadata: metadata)
                } else {
                    try await database.markOutboxFailed(id: message.id, error: error.description, now: clock())
                    metrics?.count(kind: message.kind, result: "failed")
                    logger.error("outbox: delivery failed for good", metadata: metadata)
                }
            }
        } catch {
            // The row stays `sending` until its lease ends (or the next start), then it is retried.
            logger.error("outbox: cannot record the outcome of message \(message.id): \(error)")
        }
    }

    /// Runs `operation` with a deadline; any error that is not a `DeliveryError` is temporary.
    static func withDeadline<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async -> Result<T, DeliveryError> {
        await withTaskGroup(of: Result<T, DeliveryError>?.self) { group in
            group.addTask {
                do {
                    return .success(try await operation())
                } catch let error as DeliveryError {
                    return .failure(error)
                } catch {
                    return .failure(.temporary("\(error)"))
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled ? nil : .failure(.temporary("no answer within \(limit)"))
            }
            var result: Result<T, DeliveryError> = .failure(.temporary("cancelled"))
            if let first = await group.next(), let value = first {
                result = value
            }
            group.cancelAll()
            return result
        }
    }
}

/// A wake-up call that is not lost when nobody is waiting yet.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Wakes every waiter, or the next one to wait.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.waiters.isEmpty {
                state.pending = true
                return []
            }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when fired (or already fired since the last wait), when `timeout` passes, or on cancellation.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForFire() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForFire() async {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// The outbox's Prometheus series: deliveries by kind and result (counters, from the
/// dispatcher) and messages by status and the lag (gauges, refreshed on each scrape).
public struct OutboxMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    static var deliveries: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "wholesail", subsystem: "outbox", metricName: "deliveries", unitName: "total",
            helpText: "Delivery attempts of outbox messages by kind and result (sent, retry, failed)")
    }

    static var messages: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "wholesail", subsystem: "outbox", metricName: "messages", unitName: "", helpText: "Outbox messages by status")
    }

    static var lag: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "wholesail", subsystem: "outbox", metricName: "lag", unitName: "seconds",
            helpText: "Age of the oldest outbox message that is due and not yet delivered")
    }

    func count(kind: String, result: String) {
        registry.makeCounter(descriptor: Self.deliveries, labels: [("kind", kind), ("result", result)]).increment()
    }

    /// Sets the gauges from the database's current numbers.
    func update(_ stats: OutboxStats) {
        for status in OutboxMessage.Status.allCases {
            registry.makeGauge(descriptor: Self.messages, labels: [("status", status.rawValue)]).set(Double(stats.count(status)))
        }
        registry.makeGauge(descriptor: Self.lag).set(stats.lagSeconds)
    }
}
